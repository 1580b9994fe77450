//! Where each lung came from: how much of it the image-driven stages found, and what the
//! shape prior had to supply. A lung hidden by consolidation, effusion or collapse is
//! completed from shape; the share that was completed is both a confidence for review (sort
//! by it) and evidence of disease. The flags name the lung and the zone (upper, middle and
//! lower thirds of the lung's height) that came mostly from shape.

use super::postprocess::Side;
use crate::image::Labels;

/// Below this share found in the image, a lung is flagged as completed from shape.
pub const COMPLETED_BELOW: f32 = 0.6;
/// Below this share found in the image, a zone (a third of the lung's height) is flagged.
pub const ZONE_BELOW: f32 = 0.4;
/// Zones holding less than this share of their lung's pixels are not judged.
const ZONE_MIN_SHARE: f32 = 0.05;

/// How much of each final lung the image showed.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Provenance {
    /// Share of the right and left lung's pixels that the image-driven stages found
    /// (1 without a prior; 0 for a lung placed entirely from shape or not found).
    pub from_image: [f32; 2],
    /// The same per zone: `[side][upper, middle, lower]`.
    pub zones: [[f32; 3]; 2],
    /// Whether the right and left lung are in the labels at all (an absent lung's shares
    /// are 0 and raise no flag here: the plausibility flags name it).
    pub present: [bool; 2],
}

const ZONE_NAMES: [&str; 3] = ["upper", "middle", "lower"];

impl Provenance {
    /// Both lungs present and wholly seen in the image (expert masks, or no prior).
    pub fn all_seen() -> Provenance {
        Provenance {
            from_image: [1.0; 2],
            zones: [[1.0; 3]; 2],
            present: [true; 2],
        }
    }

    /// Compares the final labels with the image-driven ones (same size; 1 right, 2 left).
    ///
    /// ```
    /// use lungfield::{segment::Provenance, Mask};
    /// let mut fin = Mask::new(4, 6);
    /// for y in 0..6 { fin.set(0, y, 1); fin.set(3, y, 2); }
    /// let mut found = fin.clone();
    /// for y in 0..4 { found.set(3, y, 0); } // the left lung's top two thirds from shape
    /// let p = Provenance::measure(&fin, &found);
    /// assert_eq!(p.from_image, [1.0, 2.0 / 6.0]);
    /// assert_eq!(p.flags(), ["left_lung_completed_from_shape", "left_upper_from_shape", "left_middle_from_shape"]);
    /// ```
    pub fn measure(labels: &Labels, found: &Labels) -> Provenance {
        let mut p = Provenance::default();
        for side in Side::BOTH {
            let l = side.label();
            let s = side.index();
            let Some((_, y0, _, y1)) = labels.bounds(|v| v == l) else {
                continue;
            };
            p.present[s] = true;
            let span = y1 + 1 - y0;
            let mut total = [0usize; 3];
            let mut seen = [0usize; 3];
            for y in y0..=y1 {
                let z = ((y - y0) * 3 / span).min(2);
                for (&v, &f) in labels.row(y).iter().zip(found.row(y)) {
                    if v == l {
                        total[z] += 1;
                        seen[z] += usize::from(f != 0);
                    }
                }
            }
            let all: usize = total.iter().sum();
            p.from_image[s] = seen.iter().sum::<usize>() as f32 / all.max(1) as f32;
            for z in 0..3 {
                p.zones[s][z] = if total[z] as f32 >= ZONE_MIN_SHARE * all as f32 {
                    seen[z] as f32 / total[z].max(1) as f32
                } else {
                    1.0
                };
            }
        }
        p
    }

    /// Flags for review: `<side>_lung_completed_from_shape` for a lung found less than
    /// [`COMPLETED_BELOW`] in the image, and `<side>_<zone>_from_shape` for each zone found
    /// less than [`ZONE_BELOW`] (a lung absent from the labels gets none: the plausibility
    /// flags name it).
    pub fn flags(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (s, name) in ["right", "left"].iter().enumerate() {
            if !self.present[s] {
                continue;
            }
            if self.from_image[s] < COMPLETED_BELOW {
                out.push(format!("{name}_lung_completed_from_shape"));
            }
            for (z, zone) in ZONE_NAMES.iter().enumerate() {
                if self.zones[s][z] < ZONE_BELOW {
                    out.push(format!("{name}_{zone}_from_shape"));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lungs_found_whole_raise_no_flag() {
        let mut m = Labels::new(10, 10);
        for y in 2..8 {
            m.set(2, y, 1);
            m.set(7, y, 2);
        }
        let p = Provenance::measure(&m, &m);
        assert_eq!(p.from_image, [1.0, 1.0]);
        assert!(p.flags().is_empty());
    }

    #[test]
    fn a_lung_placed_from_shape_is_named() {
        let mut m = Labels::new(10, 10);
        for y in 2..8 {
            m.set(2, y, 1);
            m.set(7, y, 2);
        }
        let found = m.map(|&v| u8::from(v == 1));
        let p = Provenance::measure(&m, &found);
        assert_eq!(p.from_image, [1.0, 0.0]);
        let f = p.flags();
        assert!(f.contains(&"left_lung_completed_from_shape".to_string()));
        assert!(f.contains(&"left_lower_from_shape".to_string()));
        assert!(!f.iter().any(|s| s.starts_with("right")));
    }
}
