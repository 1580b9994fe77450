//! Blob responses: the positive part of a difference of Gaussians at a fine scale (nodules,
//! miliary dots, cavity walls) and a coarse one (patchy consolidation), measured per zone.
//! Opacities are local and bright; the normal anatomy's slow variations cancel out.

use crate::image::GrayF32;
use crate::simd::{gaussian::gaussian_f32, Kernels};

/// The scales `(σ inner, σ outer)` at 512 px and their names.
pub const SCALES: [((f32, f32), &str); 3] = [
    ((1.5, 4.0), "fine"),
    ((4.0, 12.0), "coarse"),
    ((8.0, 24.0), "patch"),
];

/// Names of the statistics, in the order [`blob_stats`] returns them.
pub const NAMES: [&str; 5] = ["mean", "p95", "p99", "max", "frac"];

/// Response above which a pixel counts as part of a blob (intensities are 0..1).
pub const BLOB_LEVEL: f32 = 0.04;

/// `max(0, G(σ₁) ∗ img − G(σ₂) ∗ img)`, the σ given at 512 px and scaled by `scale`.
pub fn dog(img: &GrayF32, (s1, s2): (f32, f32), scale: f32) -> GrayF32 {
    let a = gaussian_f32(img, (s1 * scale).max(0.5), Kernels::active());
    let b = gaussian_f32(img, (s2 * scale).max(1.0), Kernels::active());
    let data = a
        .as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y).max(0.0))
        .collect();
    GrayF32::from_vec(img.width(), img.height(), data).unwrap_or_else(|| a.clone())
}

/// Mean, 95th and 99th percentile, maximum and fraction above `BLOB_LEVEL` of a set of
/// responses (a single cavity or nodule shows in the top percentiles of its zone).
pub fn blob_stats(v: &mut [f32]) -> [f64; 5] {
    if v.is_empty() {
        return [0.0; 5];
    }
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let frac = v.iter().filter(|&&x| x > BLOB_LEVEL).count() as f64 / n;
    // Order statistics by selection (the same values a full sort would give), from the
    // highest down so each selection works on the part below the previous one.
    let rank = |q: f64| ((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1);
    let (r95, r99) = (rank(0.95), rank(0.99));
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let (below, &mut p99, _) = v.select_nth_unstable_by(r99, f32::total_cmp);
    let p95 = if r95 < r99 {
        *below.select_nth_unstable_by(r95, f32::total_cmp).1
    } else {
        p99
    };
    [mean, f64::from(p95), f64::from(p99), f64::from(max), frac]
}

/// The Hessian `(∂xx, ∂yy, ∂xy)` at pixel `i` of the image `p` of width `w` by central
/// differences (`i` not on the border).
pub(crate) fn hessian_at(p: &[f32], i: usize, w: usize) -> (f32, f32, f32) {
    let dxx = p[i + 1] - 2.0 * p[i] + p[i - 1];
    let dyy = p[i + w] - 2.0 * p[i] + p[i - w];
    let dxy = (p[i + w + 1] - p[i + w - 1] - p[i - w + 1] + p[i - w - 1]) / 4.0;
    (dxx, dyy, dxy)
}

/// Scales σ (at 512 px) of the Hessian blob measure and their names.
pub const HESSIAN_SCALES: [(f32, &str); 2] = [(4.0, "h4"), (8.0, "h8")];

/// Bright-blob measure from the Hessian of the image smoothed at `sigma` (scaled by
/// `scale`): `σ² · min(−λ₁, −λ₂)` where both eigenvalues are negative, else 0. A rib or vessel
/// (a ridge: one strong curvature, one weak) scores about 0; a round opacity scores high.
pub fn hessian_blobs(img: &GrayF32, sigma: f32, scale: f32) -> GrayF32 {
    let s = (sigma * scale).max(1.0);
    let g = gaussian_f32(img, s, Kernels::active());
    let (w, h) = (g.width(), g.height());
    let mut out = GrayF32::new(w, h);
    if w < 3 || h < 3 {
        return out;
    }
    let p = g.as_slice();
    let norm = s * s;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let (dxx, dyy, dxy) = hessian_at(p, i, w);
            let tr = dxx + dyy;
            let disc = libm::sqrtf(((dxx - dyy) / 2.0).powi(2) + dxy * dxy);
            // The eigenvalue of smaller magnitude among two negatives is the larger one.
            let l_hi = tr / 2.0 + disc;
            out.set(x, y, if l_hi < 0.0 { -l_hi * norm } else { 0.0 });
        }
    }
    out
}
