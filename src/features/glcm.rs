//! Grey-level co-occurrence matrices and Haralick's features, counting only pairs of pixels
//! that both lie in the region (the same lung), so the lung border does not leak in.

use crate::image::{GrayF32, Mask};

/// Names of the Haralick features, in the order [`haralick`] returns them.
pub const NAMES: [&str; 5] = [
    "contrast",
    "correlation",
    "energy",
    "homogeneity",
    "entropy",
];

/// The symmetric co-occurrence matrix of `img` (values 0..1 quantised to `levels` grey levels)
/// at distance `d` over the four directions 0°, 45°, 90° and 135°, counting pairs with both
/// pixels in `region`; normalised to sum 1 (all zero when no pair qualifies).
pub fn glcm(img: &GrayF32, region: &Mask, levels: usize, d: usize) -> Vec<f64> {
    let (w, h) = (img.width(), img.height());
    let levels = levels.max(2);
    let q: Vec<u16> = img
        .as_slice()
        .iter()
        .map(|&v| ((v.clamp(0.0, 1.0) * levels as f32) as usize).min(levels - 1) as u16)
        .collect();
    let m = region.as_slice();
    let mut counts = vec![0u64; levels * levels];
    let d = d as isize;
    for (dx, dy) in [(d, 0), (d, d), (0, d), (-d, d)] {
        for y in 0..h as isize {
            let y2 = y + dy;
            if y2 < 0 || y2 >= h as isize {
                continue;
            }
            for x in 0..w as isize {
                let x2 = x + dx;
                if x2 < 0 || x2 >= w as isize {
                    continue;
                }
                let (i, j) = (
                    (y * w as isize + x) as usize,
                    (y2 * w as isize + x2) as usize,
                );
                if m[i] == 0 || m[j] == 0 {
                    continue;
                }
                let (a, b) = (q[i] as usize, q[j] as usize);
                counts[a * levels + b] += 1;
                counts[b * levels + a] += 1;
            }
        }
    }
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&c| {
            if total == 0 {
                0.0
            } else {
                c as f64 / total as f64
            }
        })
        .collect()
}

/// Contrast, correlation, energy (angular second moment), homogeneity (inverse difference
/// moment) and entropy (bits) of a normalised `levels × levels` co-occurrence matrix.
///
/// ```
/// use lungfield::features::haralick;
/// // All mass on the diagonal at one level: no contrast, full energy, no entropy.
/// let mut p = vec![0.0; 4];
/// p[0] = 1.0;
/// let h = haralick(&p, 2);
/// assert_eq!((h[0], h[2], h[3], h[4]), (0.0, 1.0, 1.0, 0.0));
/// ```
pub fn haralick(p: &[f64], levels: usize) -> [f64; 5] {
    let (mut mi, mut mj) = (0.0, 0.0);
    for i in 0..levels {
        for j in 0..levels {
            let v = p[i * levels + j];
            mi += i as f64 * v;
            mj += j as f64 * v;
        }
    }
    let (mut vi, mut vj) = (0.0, 0.0);
    let (mut contrast, mut cov, mut energy, mut homog, mut entropy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..levels {
        for j in 0..levels {
            let v = p[i * levels + j];
            if v == 0.0 {
                continue;
            }
            let (fi, fj) = (i as f64, j as f64);
            vi += (fi - mi).powi(2) * v;
            vj += (fj - mj).powi(2) * v;
            contrast += (fi - fj).powi(2) * v;
            cov += (fi - mi) * (fj - mj) * v;
            energy += v * v;
            homog += v / (1.0 + (fi - fj).powi(2));
            entropy -= v * v.log2();
        }
    }
    let corr = if vi > 1e-12 && vj > 1e-12 {
        cov / (vi.sqrt() * vj.sqrt())
    } else {
        0.0
    };
    [contrast, corr, energy, homog, entropy]
}
