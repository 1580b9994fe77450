//! The feature image and its regions: the radiograph at the feature resolution with its
//! intensities normalised inside the lungs, and the lungs split into zones.

use crate::enhance::area_resize;
use crate::error::{Error, Result};
use crate::image::{GrayF32, Labels, Mask};
use crate::io::Radiograph;

/// Fewest pixels a lung must have at the feature resolution.
pub const MIN_LUNG_PIXELS: usize = 64;

/// Zone of a lung, by thirds of its height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// Upper third (apex; where TB favours).
    Upper,
    /// Middle third.
    Middle,
    /// Lower third (base).
    Lower,
}

impl Zone {
    /// The three zones, top down.
    pub const ALL: [Zone; 3] = [Zone::Upper, Zone::Middle, Zone::Lower];

    /// Name used in feature names.
    pub fn name(self) -> &'static str {
        match self {
            Zone::Upper => "upper",
            Zone::Middle => "middle",
            Zone::Lower => "lower",
        }
    }
}

/// The radiograph prepared for features.
pub struct FeatureImage {
    /// Intensities, 0..1 between the 1st and 99th percentile of the lung pixels (clamped).
    pub img: GrayF32,
    /// Lung labels at the same size: 1 right (image left), 2 left.
    pub labels: Labels,
    /// Zone of each lung pixel (0 upper, 1 middle, 2 lower; 255 outside the lungs).
    pub zones: Mask,
    /// The part of the radiograph it shows: `(x0, y0, width, height)` in the radiograph's
    /// pixels.
    pub origin: (usize, usize, usize, usize),
}

impl FeatureImage {
    /// Cuts the lungs' box (with a margin; the whole image unless `lung_box`) out of `img`
    /// and its lung `labels` (same size as `img`), downscales it so the longer side is `size`,
    /// and normalises the intensities inside the lungs.
    ///
    /// # Errors
    /// [`Error::SizeMismatch`] when the labels do not match the image, [`Error::NoLungs`] when
    /// a lung has fewer than [`MIN_LUNG_PIXELS`] pixels at the feature resolution.
    pub fn new(
        img: &Radiograph,
        labels: &Labels,
        size: usize,
        lung_box: bool,
    ) -> Result<FeatureImage> {
        let (w, h) = (img.width(), img.height());
        if (labels.width(), labels.height()) != (w, h) {
            return Err(Error::SizeMismatch {
                what: "lung labels".into(),
                expected: (w as u32, h as u32),
                got: (labels.width() as u32, labels.height() as u32),
            });
        }
        // The lungs' box with a margin: what the features see, at one scale per lung pair
        // whatever the film's size, padding or field of view.
        let (x0, y0, x1, y1) = match labels.bounds(|v| v != 0) {
            Some((bx0, by0, bx1, by1)) if lung_box => {
                let margin = ((bx1 - bx0).max(by1 - by0) + 1) / 25;
                let (x0, y0) = (bx0.saturating_sub(margin), by0.saturating_sub(margin));
                (x0, y0, (bx1 + margin).min(w - 1), (by1 + margin).min(h - 1))
            }
            _ => (0, 0, w - 1, h - 1),
        };
        let (cw, ch) = (x1 + 1 - x0, y1 + 1 - y0);
        let s = (size as f64 / cw.max(ch) as f64).min(1.0);
        let (fw, fh) = (
            ((cw as f64 * s).round() as usize).max(1),
            ((ch as f64 * s).round() as usize).max(1),
        );
        let small = match img {
            Radiograph::U8(p) => area_resize(&p.crop(x0, y0, cw, ch), fw, fh),
            Radiograph::U16(p) => area_resize(&p.crop(x0, y0, cw, ch), fw, fh).map(|&v| v / 257.0),
        };
        let mut lab = Mask::new(fw, fh);
        for y in 0..fh {
            let sy = y0 + (((y as f64 + 0.5) * ch as f64 / fh as f64) as usize).min(ch - 1);
            for x in 0..fw {
                let sx = x0 + (((x as f64 + 0.5) * cw as f64 / fw as f64) as usize).min(cw - 1);
                lab.set(x, y, labels.get(sx, sy));
            }
        }
        for l in [1u8, 2] {
            let n = lab.as_slice().iter().filter(|&&v| v == l).count();
            if n < MIN_LUNG_PIXELS {
                return Err(Error::no_lungs(format!(
                    "the {} lung has {n} pixels at the feature resolution (at least {MIN_LUNG_PIXELS} needed)",
                    if l == 1 { "right" } else { "left" }
                )));
            }
        }
        let mut inside: Vec<f32> = small
            .as_slice()
            .iter()
            .zip(lab.as_slice())
            .filter(|(_, &l)| l != 0)
            .map(|(&v, _)| v)
            .collect();
        inside.sort_by(f32::total_cmp);
        let lo = inside[inside.len() / 100];
        let hi = inside[inside.len() - 1 - inside.len() / 100];
        let span = (hi - lo).max(1e-3);
        let norm = small.map(|&v| ((v - lo) / span).clamp(0.0, 1.0));
        let mut zones = Mask::filled(fw, fh, 255);
        for l in [1u8, 2] {
            let Some((_, y0, _, y1)) = lab.bounds(|v| v == l) else {
                continue;
            };
            let tall = y1 - y0 + 1;
            for y in y0..=y1 {
                let z = (((y - y0) * 3) / tall).min(2) as u8;
                for x in 0..fw {
                    if lab.get(x, y) == l {
                        zones.set(x, y, z);
                    }
                }
            }
        }
        Ok(FeatureImage {
            img: norm,
            labels: lab,
            zones,
            origin: (x0, y0, cw, ch),
        })
    }

    /// Pixel values of lung `label` (1 or 2), optionally one zone only.
    pub fn values(&self, label: u8, zone: Option<Zone>) -> Vec<f32> {
        let z = zone.map(|z| z as u8);
        self.img
            .as_slice()
            .iter()
            .zip(self.labels.as_slice())
            .zip(self.zones.as_slice())
            .filter(|((_, &l), &zz)| l == label && z.is_none_or(|z| z == zz))
            .map(|((&v, _), _)| v)
            .collect()
    }

    /// A mask of lung `label` (0 = both), optionally one zone only.
    pub fn region(&self, label: u8, zone: Option<Zone>) -> Mask {
        let z = zone.map(|z| z as u8);
        let data = self
            .labels
            .as_slice()
            .iter()
            .zip(self.zones.as_slice())
            .map(|(&l, &zz)| {
                u8::from(l != 0 && (label == 0 || l == label) && z.is_none_or(|z| z == zz))
            })
            .collect();
        Mask::from_vec(self.labels.width(), self.labels.height(), data)
            .unwrap_or_else(|| Mask::new(self.labels.width(), self.labels.height()))
    }
}
