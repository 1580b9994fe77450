//! Local shape of the intensity surface: Koenderink's shape index of the Hessian at two
//! scales, histogrammed per zone and weighted by curvedness (Jaeger et al. 2014 used such
//! histograms for TB). The shape index says only *what* the surface does there — a cup
//! (a cavity), a rut, a saddle, a ridge (a rib, a vessel), a cap (a nodule, a patch of
//! consolidation) — not how strongly: the histogram, normalised to sum to 1, does not move
//! when exposure or contrast scales the image.

use super::blobs::hessian_at;
use crate::image::GrayF32;
use crate::simd::{gaussian::gaussian_f32, Kernels};

/// Scales σ (at 512 px) and their names.
pub const SCALES: [(f32, &str); 2] = [(2.0, "s2"), (5.0, "s5")];

/// Names of the shape-index bins, from −1 to 1 in equal steps.
pub const BINS: [&str; 5] = ["cup", "rut", "saddle", "ridge", "cap"];

/// The curvedness-weighted shape-index histograms of `n` regions of `img` smoothed at
/// `sigma` (scaled by `scale`), each normalised to sum to 1 (all zeros for an empty or flat
/// region). `region[i]` is pixel `i`'s region plus one, 0 for none: only those pixels are
/// computed, in one pass; the border pixels are left out.
pub fn histograms(img: &GrayF32, sigma: f32, scale: f32, region: &[u8], n: usize) -> Vec<[f64; 5]> {
    let mut hist = vec![[0f64; 5]; n];
    let s = (sigma * scale).max(1.0);
    let g = gaussian_f32(img, s, Kernels::active());
    let (w, h) = (g.width(), g.height());
    if w < 3 || h < 3 || region.len() != w * h {
        return hist;
    }
    let p = g.as_slice();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let r = usize::from(region[i]);
            if r == 0 || r > n {
                continue;
            }
            let (k, c) = bin_and_curvedness(p, i, w);
            hist[r - 1][k] += f64::from(c);
        }
    }
    for h in &mut hist {
        let total: f64 = h.iter().sum();
        if total > 0.0 {
            for v in h.iter_mut() {
                *v /= total;
            }
        }
    }
    hist
}

/// The shape-index bin and curvedness at pixel `i` of the smoothed image `p` (width `w`;
/// `i` not on the border).
fn bin_and_curvedness(p: &[f32], i: usize, w: usize) -> (usize, f32) {
    let (dxx, dyy, dxy) = hessian_at(p, i, w);
    let half_tr = (dxx + dyy) / 2.0;
    let disc = libm::sqrtf(((dxx - dyy) / 2.0).powi(2) + dxy * dxy);
    // l1 ≥ l2. Bright cap (both curvatures negative) → 1, dark cup → −1, ridge → 0.5.
    let (l1, l2) = (half_tr + disc, half_tr - disc);
    let si = libm::atan2f(-(l1 + l2), l1 - l2) * std::f32::consts::FRAC_2_PI;
    let k = (((si + 1.0) / 2.0 * BINS.len() as f32) as usize).min(BINS.len() - 1);
    (k, libm::sqrtf((l1 * l1 + l2 * l2) / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spot(bright: bool) -> GrayF32 {
        let mut img = GrayF32::new(41, 41);
        for y in 0..41 {
            for x in 0..41 {
                let r2 = ((x as f32 - 20.0).powi(2) + (y as f32 - 20.0).powi(2)) / 30.0;
                let v = (-r2).exp();
                img.set(x, y, if bright { 0.2 + v * 0.5 } else { 0.7 - v * 0.5 });
            }
        }
        img
    }

    /// The histogram of a centred disc of radius `r` (one region).
    fn centre(img: &GrayF32, sigma: f32, r: f32) -> [f64; 5] {
        let region: Vec<u8> = (0..41 * 41)
            .map(|i| {
                let (x, y) = ((i % 41) as f32 - 20.0, (i / 41) as f32 - 20.0);
                u8::from(x * x + y * y <= r * r)
            })
            .collect();
        histograms(img, sigma, 1.0, &region, 1)[0]
    }

    #[test]
    fn a_bright_spot_is_a_cap_and_a_dark_one_a_cup() {
        let h = centre(&spot(true), 1.0, 1.5);
        assert!(h[4] > 0.99, "{h:?}");
        let h = centre(&spot(false), 1.0, 1.5);
        assert!(h[0] > 0.99, "{h:?}");
        let h = centre(&spot(true), 1.0, 15.0);
        assert!((h.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        // A flat image gives an empty histogram.
        assert_eq!(centre(&GrayF32::new(41, 41), 1.0, 15.0), [0.0; 5]);
    }

    #[test]
    fn contrast_does_not_move_the_histogram() {
        let a = spot(true);
        let b = a.map(|&v| v * 0.5 + 0.1);
        let (ha, hb) = (centre(&a, 2.0, 15.0), centre(&b, 2.0, 15.0));
        for (x, y) in ha.iter().zip(&hb) {
            assert!((x - y).abs() < 1e-3, "{ha:?} vs {hb:?}");
        }
    }
}
