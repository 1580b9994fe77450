//! The abnormality heatmap: where in the lungs the image departs from the normal population,
//! measured with the same evidence as the score.
//!
//! Each lung pixel carries the local measures of [`crate::features::local`] (density,
//! texture, the fine and coarse blob responses, the Hessian blob measure, the left/right
//! asymmetry: the per-pixel forms of the `fo_*`, `blob_*`, `hessian_*` and `rel_lr_*`
//! families; the score sees the first two only in their relative forms, and the map, too,
//! reads each pixel against the normal lungs at the same place, not as an absolute value).
//! A [`HeatModel`] is fitted with the TB model, on its training images' sampled pixels:
//!
//! 1. **An atlas of the normal lung.** For every cell of the lung grid (8 rows × 4 columns
//!    per lung, in the lung's own box) the mean and spread of each measure over the normal
//!    training images' pixels there, shrunk towards the lung-wide figure where a cell has few
//!    pixels. A pixel's measures become z-scores against its own cell, one-sided (only an
//!    excess over normal counts): a dense patch in an apex is compared with normal apices,
//!    not with the hilum.
//! 2. **A linear discriminant of the z-scores** (diagonal LDA: each measure weighted by the
//!    difference of its mean z between TB and normal pixels over its variance), so the map
//!    weighs the measures the way the training data separates them.
//! 3. **A scale fixed on the training data**: 0 at the 95th percentile of the normal pixels'
//!    discriminant, 1 at the 99.5th percentile of the TB pixels'. The map is smoothed inside
//!    the lungs and written as 0–255: 0 is nothing abnormal, and the outside is 0.
//!
//! The model file carries the [`HeatModel`] (a few kilobytes); models without one score as
//! before and write no heatmap.

mod render;

pub use render::Heat;

use crate::error::{Error, Result};
use crate::features::local::{LocalMaps, LocalSample, CELLS, LOCAL_FEATURES, LOCAL_NAMES, OUTSIDE};
use crate::image::{GrayF32, GrayU8};
use crate::simd::{gaussian::gaussian_f32, Kernels};

/// Pixels a cell's statistics count as (shrinkage towards the lung-wide figure).
const SHRINK: f64 = 200.0;
/// Percentile of the normal pixels' discriminant that maps to 0.
const LOW_PERCENTILE: f64 = 0.95;
/// Percentile of the TB pixels' discriminant that maps to 1 (255).
const HIGH_PERCENTILE: f64 = 0.995;
/// σ (at 512 px) of the smoothing inside the lungs.
const SMOOTH: f32 = 3.0;

/// A fitted heatmap: the normal atlas, the discriminant and its scale.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeatModel {
    /// The local measures, in order ([`LOCAL_NAMES`]); a file naming others is refused.
    pub measures: Vec<String>,
    /// Per cell and measure (`cell * measures + measure`): the normal mean.
    pub mean: Vec<f32>,
    /// Per cell and measure: the normal standard deviation.
    pub sd: Vec<f32>,
    /// The discriminant's weight of each measure's z-score.
    pub weights: Vec<f32>,
    /// The discriminant value mapped to 0.
    pub low: f32,
    /// The discriminant value mapped to 1.
    pub high: f32,
    /// Training pixels (normal, TB).
    pub pixels: (usize, usize),
}

/// Running sums per cell and measure.
struct Sums {
    n: Vec<f64>,
    s: Vec<f64>,
    ss: Vec<f64>,
}

impl Sums {
    fn new(cells: usize) -> Sums {
        Sums {
            n: vec![0.0; cells],
            s: vec![0.0; cells * LOCAL_FEATURES],
            ss: vec![0.0; cells * LOCAL_FEATURES],
        }
    }

    fn add(&mut self, cell: usize, v: &[f32]) {
        self.n[cell] += 1.0;
        for (f, &x) in v.iter().enumerate() {
            let x = f64::from(x);
            self.s[cell * LOCAL_FEATURES + f] += x;
            self.ss[cell * LOCAL_FEATURES + f] += x * x;
        }
    }
}

fn percentile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)]
}

impl HeatModel {
    /// Fits the heatmap on sampled pixels of labelled images (`(sample, 0 normal / 1 TB)`).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] without pixels of both classes.
    pub fn fit(images: &[(&LocalSample, u8)]) -> Result<HeatModel> {
        // The normal atlas: per lung (half of the cells), then per cell shrunk towards it.
        let half = CELLS / 2;
        let mut cells = Sums::new(CELLS);
        let mut lungs = Sums::new(2);
        let mut counts = (0usize, 0usize);
        for (s, y) in images {
            let n = s.cells.len();
            if *y == 0 {
                counts.0 += n;
            } else {
                counts.1 += n;
            }
            if *y != 0 {
                continue;
            }
            for (i, &c) in s.cells.iter().enumerate() {
                let v = &s.values[i * LOCAL_FEATURES..(i + 1) * LOCAL_FEATURES];
                cells.add(usize::from(c), v);
                lungs.add(usize::from(c) / half, v);
            }
        }
        if counts.0 == 0 || counts.1 == 0 {
            return Err(Error::InvalidOption(
                "heatmap: the training images need lung pixels of both normal and TB images".into(),
            ));
        }
        let mut mean = vec![0f32; CELLS * LOCAL_FEATURES];
        let mut sd = vec![0f32; CELLS * LOCAL_FEATURES];
        for c in 0..CELLS {
            let l = c / half;
            for f in 0..LOCAL_FEATURES {
                let (ln, ls, lss) = (
                    lungs.n[l].max(1.0),
                    lungs.s[l * LOCAL_FEATURES + f],
                    lungs.ss[l * LOCAL_FEATURES + f],
                );
                let (lm, lv) = (ls / ln, (lss / ln - (ls / ln).powi(2)).max(0.0));
                let k = c * LOCAL_FEATURES + f;
                let n = cells.n[c] + SHRINK;
                let m = (cells.s[k] + SHRINK * lm) / n;
                let second = (cells.ss[k] + SHRINK * (lv + lm * lm)) / n;
                mean[k] = m as f32;
                // A floor of a tenth of the lung-wide spread keeps flat cells from exploding.
                sd[k] = libm::sqrt((second - m * m).max(0.01 * lv).max(1e-8)) as f32;
            }
        }
        let mut model = HeatModel {
            measures: LOCAL_NAMES.iter().map(|s| s.to_string()).collect(),
            mean,
            sd,
            weights: vec![0.0; LOCAL_FEATURES],
            low: 0.0,
            high: 1.0,
            pixels: counts,
        };
        // Diagonal LDA on the z-scores.
        let mut z = [Sums::new(1), Sums::new(1)];
        for (s, y) in images {
            for (i, &c) in s.cells.iter().enumerate() {
                let v = &s.values[i * LOCAL_FEATURES..(i + 1) * LOCAL_FEATURES];
                let zs = model.z_scores(usize::from(c), v);
                z[usize::from(*y != 0)].add(0, &zs);
            }
        }
        for f in 0..LOCAL_FEATURES {
            let stats = |s: &Sums| {
                let n = s.n[0].max(1.0);
                let m = s.s[f] / n;
                (m, (s.ss[f] / n - m * m).max(0.0), n)
            };
            let (m0, v0, n0) = stats(&z[0]);
            let (m1, v1, n1) = stats(&z[1]);
            let pooled = ((v0 * n0 + v1 * n1) / (n0 + n1)).max(1e-6);
            model.weights[f] = ((m1 - m0) / pooled) as f32;
        }
        let total: f32 = model.weights.iter().map(|w| w.abs()).sum();
        if total > 0.0 {
            for w in &mut model.weights {
                *w /= total;
            }
        }
        let mut scores = [Vec::new(), Vec::new()];
        for (s, y) in images {
            for (i, &c) in s.cells.iter().enumerate() {
                let v = &s.values[i * LOCAL_FEATURES..(i + 1) * LOCAL_FEATURES];
                scores[usize::from(*y != 0)].push(f64::from(model.discriminant(usize::from(c), v)));
            }
        }
        let low = percentile(&mut scores[0], LOW_PERCENTILE);
        let high = percentile(&mut scores[1], HIGH_PERCENTILE).max(low + 1e-3);
        model.low = low as f32;
        model.high = high as f32;
        Ok(model)
    }

    /// Checks a model read from a file against this lungfield's measures.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when the measures, the grid or the weights do not fit.
    pub fn check(&self) -> Result<()> {
        let names: Vec<&str> = self.measures.iter().map(String::as_str).collect();
        if names != LOCAL_NAMES
            || self.mean.len() != CELLS * LOCAL_FEATURES
            || self.sd.len() != CELLS * LOCAL_FEATURES
            || self.weights.len() != LOCAL_FEATURES
            || self.high.partial_cmp(&self.low) != Some(std::cmp::Ordering::Greater)
            || !self
                .mean
                .iter()
                .chain(&self.sd)
                .chain(&self.weights)
                .all(|v| v.is_finite())
        {
            return Err(Error::InvalidOption(
                "the heatmap in this model file was made by another lungfield; retrain with `lungfield train`"
                    .into(),
            ));
        }
        Ok(())
    }

    fn z_scores(&self, cell: usize, v: &[f32]) -> [f32; LOCAL_FEATURES] {
        let mut z = [0f32; LOCAL_FEATURES];
        for f in 0..LOCAL_FEATURES {
            let k = cell * LOCAL_FEATURES + f;
            // One-sided: only an excess over the normal cell counts (denser, rougher, more
            // blob-like, denser than the other lung); less than normal scores as normal.
            z[f] = ((v[f] - self.mean[k]) / self.sd[k]).max(0.0);
        }
        z
    }

    fn discriminant(&self, cell: usize, v: &[f32]) -> f32 {
        let z = self.z_scores(cell, v);
        z.iter().zip(&self.weights).map(|(a, b)| a * b).sum()
    }

    /// The heatmap of one image's local maps at the feature resolution (0–255, zero outside
    /// the lungs); `scale` is the feature size over 512.
    pub fn heat(&self, maps: &LocalMaps, scale: f32) -> Heat {
        let (w, h) = (maps.cells.width(), maps.cells.height());
        let mut score = GrayF32::new(w, h);
        let mut inside = GrayF32::new(w, h);
        let mut v = [0f32; LOCAL_FEATURES];
        for y in 0..h {
            for x in 0..w {
                let c = maps.cells.get(x, y);
                if c == OUTSIDE {
                    continue;
                }
                for (f, m) in maps.maps.iter().enumerate() {
                    v[f] = m.get(x, y);
                }
                score.set(x, y, self.discriminant(usize::from(c), &v));
                inside.set(x, y, 1.0);
            }
        }
        // Smoothing inside the lungs only (normalised convolution).
        let sigma = (SMOOTH * scale).max(0.5);
        let num = gaussian_f32(&score, sigma, Kernels::active());
        let den = gaussian_f32(&inside, sigma, Kernels::active());
        let span = self.high - self.low;
        let map = GrayU8::from_rows(w, h, |y, row| {
            for (x, px) in row.iter_mut().enumerate() {
                if maps.cells.get(x, y) == OUTSIDE {
                    continue;
                }
                let s = num.get(x, y) / den.get(x, y).max(1e-6);
                let t = ((s - self.low) / span).clamp(0.0, 1.0);
                *px = (t * 255.0).round() as u8;
            }
        });
        Heat {
            map,
            origin: maps.origin,
        }
    }
}

/// The pointing game: whether the map's maximum (the first in raster order) lies inside
/// `lesions` (same size). A map that is zero everywhere points nowhere: a miss.
///
/// ```
/// use lungfield::{heatmap::points_at, GrayU8, Mask};
/// let mut heat = GrayU8::new(4, 4);
/// heat.set(2, 1, 90);
/// let mut lesion = Mask::new(4, 4);
/// lesion.set(2, 1, 1);
/// assert!(points_at(&heat, &lesion));
/// assert!(!points_at(&GrayU8::new(4, 4), &lesion));
/// ```
pub fn points_at(heat: &GrayU8, lesions: &crate::image::Mask) -> bool {
    let v = heat.as_slice();
    let Some(peak) = v.iter().copied().max().filter(|&m| m > 0) else {
        return false;
    };
    let i = v.iter().position(|&x| x == peak).unwrap_or(0);
    lesions.as_slice().get(i).is_some_and(|&l| l != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cells: &[u16], value: impl Fn(usize, usize) -> f32) -> LocalSample {
        let mut s = LocalSample::default();
        for (i, &c) in cells.iter().enumerate() {
            s.cells.push(c);
            s.values.extend((0..LOCAL_FEATURES).map(|f| value(i, f)));
        }
        s
    }

    #[test]
    fn the_discriminant_weighs_what_separates_the_classes() {
        let cells: Vec<u16> = (0..CELLS as u16).cycle().take(2000).collect();
        // Measure 2 (fine blobs) is higher in the TB images; the others are noise.
        let noise = |i: usize, f: usize| ((i * 7919 + f * 104729) % 1000) as f32 / 1000.0;
        let normal = sample(&cells, noise);
        let tb = sample(&cells, |i, f| noise(i, f) + if f == 2 { 0.5 } else { 0.0 });
        let m = HeatModel::fit(&[(&normal, 0), (&tb, 1)]).unwrap();
        m.check().unwrap();
        let strongest = (0..LOCAL_FEATURES)
            .max_by(|&a, &b| m.weights[a].abs().total_cmp(&m.weights[b].abs()))
            .unwrap();
        assert_eq!(strongest, 2, "{:?}", m.weights);
        assert!(m.weights[2] > 0.0);
        assert!(m.high > m.low);
        assert_eq!(m.pixels, (2000, 2000));
    }

    #[test]
    fn one_class_is_an_error() {
        let s = sample(&[0, 1, 2], |_, _| 0.5);
        assert!(HeatModel::fit(&[(&s, 0)]).is_err());
    }
}
