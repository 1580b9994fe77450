//! Completing a lung from the other one. Fluid at the base (an effusion, the level of a
//! hydropneumothorax) or consolidation at the apex hides part of a lung, and the image-driven
//! stages, and a shape prior fitted to what they found, end the lung where the shadow starts.
//! The chest is nearly symmetric: when one lung ends far above (or starts far below) the
//! other, its missing rows are the other lung's rows mirrored about the thorax's midline (the
//! middle of the two lungs' outer edges), less the air outside the body and the other lung.

use super::postprocess::{largest_piece, per_lung};
use crate::image::{Labels, Mask};
use crate::segment::fill_holes;

/// A lung shorter than the other by more than this share of the other's height, at the base
/// or at the apex, is completed there ...
pub const GAP: f64 = 0.15;
/// ... when it is squat (height under this many times its width: the expert lungs of
/// jsrt-dev and Montgomery are 1.4–2.9 times as tall as wide, 1.8–2.6 from the 5th to the
/// 95th percentile) ...
pub const SQUAT: f64 = 1.5;
/// ... and the other lung's height is between [`SQUAT`] and this many times its width (a
/// lung that leaked into the abdomen is no model for the other).
pub const TALL: f64 = 3.0;

/// Rows of one lung: `(first, last)`, per row its leftmost and rightmost pixel, and its
/// height over its width.
type Rows = (usize, usize, Vec<Option<(usize, usize)>>, f64);

fn rows(labels: &Labels, label: u8) -> Option<Rows> {
    let (x0, y0, x1, y1) = labels.bounds(|v| v == label)?;
    let aspect = (y1 + 1 - y0) as f64 / (x1 + 1 - x0) as f64;
    let spans = (0..labels.height())
        .map(|y| {
            let r = labels.row(y);
            let a = r.iter().position(|&v| v == label)?;
            let b = r.iter().rposition(|&v| v == label)?;
            Some((a, b))
        })
        .collect();
    Some((y0, y1, spans, aspect))
}

/// `labels` (1 right, 2 left) with each lung's base and apex completed from the other lung
/// where it is more than [`GAP`] shorter there, squat ([`SQUAT`]) and the other of a
/// plausible build (up to [`TALL`]); `outside` (0/1) is never taken. Returns the labels
/// unchanged when either lung is missing.
///
/// ```
/// use lungfield::{segment::complete_from_other, Mask};
/// let mut m = Mask::new(20, 20);
/// for y in 3..17 { for x in 2..7 { m.set(x, y, 1); } }
/// for y in 3..9 { for x in 13..18 { m.set(x, y, 2); } } // the left lung's base is hidden
/// let out = complete_from_other(&m, &Mask::new(20, 20));
/// assert_eq!((out.get(15, 15), out.get(4, 15)), (2, 1));
/// ```
pub fn complete_from_other(labels: &Labels, outside: &Mask) -> Mask {
    let (Some(r), Some(l)) = (rows(labels, 1), rows(labels, 2)) else {
        return labels.clone();
    };
    // The thorax's midline: the middle of the right lung's left edge and the left lung's
    // right edge, over the rows both hold.
    let (mut sum, mut n) = (0.0, 0usize);
    for (a, b) in r.2.iter().zip(&l.2) {
        if let (Some(a), Some(b)) = (a, b) {
            sum += (a.0 + b.1) as f64 / 2.0;
            n += 1;
        }
    }
    if n == 0 {
        return labels.clone();
    }
    let mid2 = (2.0 * sum / n as f64).round() as isize;
    let w = labels.width() as isize;
    let mut out = labels.clone();
    let mut changed = false;
    for (me, other, label) in [(&r, &l, 1u8), (&l, &r, 2u8)] {
        if me.3 >= SQUAT || !(SQUAT..=TALL).contains(&other.3) {
            continue;
        }
        let height = (other.1 + 1 - other.0) as f64;
        let gap = GAP * height;
        let mut fill_rows = Vec::new();
        if (other.1 as f64) - (me.1 as f64) > gap {
            fill_rows.extend(me.1 + 1..=other.1);
        }
        if (me.0 as f64) - (other.0 as f64) > gap {
            fill_rows.extend(other.0..me.0);
        }
        for y in fill_rows {
            let Some((a, b)) = other.2[y] else { continue };
            let (x0, x1) = (mid2 - b as isize, mid2 - a as isize);
            for x in x0.max(0)..(x1 + 1).min(w) {
                let x = x as usize;
                if out.get(x, y) == 0 && outside.get(x, y) == 0 {
                    out.set(x, y, label);
                    changed = true;
                }
            }
        }
    }
    if !changed {
        return out;
    }
    // Each lung one piece again, holes filled (a completed base joins the lung through the
    // rows next to it).
    per_lung(
        &out,
        0,
        |m| largest_piece(m).map(|m| fill_holes(&m)),
        |label| label,
    )
}

/// How far (share of the other lung's box) a lung drawn mostly from shape may reach beyond
/// the other lung's box mirrored about the midline.
pub const MIRROR_SLACK: f64 = 0.15;
/// Half the gap between the lungs' medial edges, as a share of a lung's width (the expert
/// lungs of jsrt-dev: medial edges about 0.11 of the image apart, lungs about 0.31 wide).
pub const HALF_GAP: f64 = 0.18;

/// `labels` (1 right, 2 left) with the lung `label` cut back to the other lung's box mirrored
/// about the thorax's midline and grown by [`MIRROR_SLACK`], then to its largest piece: for
/// a lung the shape model had to place (opacified, collapsed), whose placement the image
/// cannot check, the other lung says where the hemithorax ends. The midline is taken from
/// the other lung alone ([`HALF_GAP`] of its width beyond its medial edge), since the placed
/// lung may be anywhere. Unchanged when either lung is missing.
///
/// ```
/// use lungfield::{segment::symmetry::clamp_to_mirror, Mask};
/// let mut m = Mask::new(30, 30);
/// for y in 5..20 { for x in 2..12 { m.set(x, y, 1); } }
/// for y in 5..29 { for x in 15..30 { m.set(x, y, 2); } } // placed too low and too wide
/// let out = clamp_to_mirror(&m, 2);
/// assert_eq!((out.get(20, 10), out.get(20, 27), out.get(4, 10)), (2, 0, 1));
/// assert_eq!(out.get(27, 10), 0); // beyond the mirrored outer edge
/// ```
pub fn clamp_to_mirror(labels: &Labels, label: u8) -> Mask {
    let other = 3 - label;
    let Some(ot) = labels.bounds(|v| v == other) else {
        return labels.clone();
    };
    if labels.bounds(|v| v == label).is_none() {
        return labels.clone();
    }
    let (w, h) = ((ot.2 + 1 - ot.0) as f64, (ot.3 + 1 - ot.1) as f64);
    // Twice the midline: the other lung's medial edge (the left lung's left, the right
    // lung's right) moved half the gap towards the placed lung.
    let mid2 = if label == 1 {
        2.0 * (ot.0 as f64 - HALF_GAP * w)
    } else {
        2.0 * (ot.2 as f64 + HALF_GAP * w)
    };
    let (mx0, mx1) = (mid2 - ot.2 as f64, mid2 - ot.0 as f64);
    let (x0, x1) = (mx0 - MIRROR_SLACK * w, mx1 + MIRROR_SLACK * w);
    let (y0, y1) = (
        ot.1 as f64 - MIRROR_SLACK * h,
        ot.3 as f64 + MIRROR_SLACK * h,
    );
    let mut out = labels.clone();
    for y in 0..out.height() {
        let yf = y as f64;
        for (x, v) in out.row_mut(y).iter_mut().enumerate() {
            let xf = x as f64;
            if *v == label && (xf < x0 || xf > x1 || yf < y0 || yf > y1) {
                *v = 0;
            }
        }
    }
    per_lung(&out, 0, largest_piece, |l| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(right: (usize, usize), left: (usize, usize)) -> Mask {
        let mut m = Mask::new(40, 40);
        for y in right.0..right.1 {
            for x in 4..14 {
                m.set(x, y, 1);
            }
        }
        for y in left.0..left.1 {
            for x in 24..36 {
                m.set(x, y, 2);
            }
        }
        m
    }

    #[test]
    fn lungs_of_about_the_same_height_are_left_alone() {
        let m = pair((5, 35), (6, 36));
        assert_eq!(complete_from_other(&m, &Mask::new(40, 40)), m);
    }

    #[test]
    fn a_hidden_base_and_a_hidden_apex_are_mirrored_in() {
        let m = pair((5, 35), (5, 20));
        let out = complete_from_other(&m, &Mask::new(40, 40));
        // The left lung's rows 20..35 are the right lung's mirrored (4..14 → 26..36).
        for y in 20..35 {
            assert_eq!(out.get(30, y), 2, "row {y}");
            assert_eq!(out.get(25, y), 0);
        }
        let m = pair((22, 35), (5, 35));
        let out = complete_from_other(&m, &Mask::new(40, 40));
        assert_eq!(out.get(8, 8), 1);
        // A squat lung beside one that is too tall to be a model (a leak) is left alone.
        let m = pair((2, 38), (5, 12));
        assert_eq!(complete_from_other(&m, &Mask::new(40, 40)), m);
    }

    #[test]
    fn the_air_outside_is_never_taken() {
        let m = pair((5, 35), (5, 20));
        let mut outside = Mask::new(40, 40);
        for y in 0..40 {
            for x in 30..40 {
                outside.set(x, y, 1);
            }
        }
        let out = complete_from_other(&m, &outside);
        assert!((20..35).all(|y| out.get(31, y) == 0 && out.get(28, y) == 2));
    }
}
