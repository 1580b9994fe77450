//! Active contour: a localised region-fitting level set in its morphological form
//! (after Lankton & Tannenbaum's localised Chan–Vese and Márquez-Neila's morphological
//! snakes), evolved on a narrow band around the current mask.
//!
//! Each iteration, every band pixel compares its grey value with the Gaussian-weighted mean
//! inside (`μin`) and outside (`μout`) the contour around it. Plain Chan–Vese puts the
//! boundary half way between them; lungs fade gradually into the rib cage and the diaphragm,
//! and expert masks follow the outer edge of that fade, so the boundary is placed a fraction
//! `beta` of the way from `μin` to `μout` (0.5 is Chan–Vese). A 3×3 majority vote then acts
//! as the curvature (smoothing) term. The local means are computed on a grid `coarse` times
//! coarser than the image (they are smooth at scale `sigma`), blurred with the SIMD Gaussian,
//! and interpolated bilinearly, which makes an iteration cost about one pass over the image.

use crate::image::{GrayF32, Mask};
use crate::simd::{gaussian::gaussian_f32, Backend};

/// Active-contour parameters. Lengths are in working-resolution pixels.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContourOptions {
    /// Maximum number of iterations (it stops early when nothing moves). 0 disables the
    /// contour. Default: 30.
    pub iterations: usize,
    /// Scale of the local region statistics (Gaussian σ). Default: 8.0.
    pub sigma: f32,
    /// Where the boundary sits between the inside and outside means, 0.5 = Chan–Vese.
    /// Default: 0.65.
    pub beta: f32,
    /// Half-width of the narrow band updated each iteration. Default: 2.
    pub band: usize,
    /// Grid coarsening factor for the local means. Default: 4.
    pub coarse: usize,
}

impl Default for ContourOptions {
    fn default() -> Self {
        ContourOptions {
            iterations: 30,
            sigma: 8.0,
            beta: 0.65,
            band: 2,
            coarse: 4,
        }
    }
}

/// Block sums over `f × f` blocks (partial blocks at the right and bottom edges).
fn block_sums(w: usize, h: usize, f: usize, value: impl Fn(usize) -> f32) -> GrayF32 {
    let (cw, ch) = (w.div_ceil(f), h.div_ceil(f));
    let mut out = GrayF32::new(cw, ch);
    let o = out.as_mut_slice();
    for y in 0..h {
        let base = (y / f) * cw;
        for x in 0..w {
            o[base + x / f] += value(y * w + x);
        }
    }
    out
}

/// Bilinear sample of a coarse map at the fine pixel `(x, y)`.
#[inline]
fn sample(c: &GrayF32, f: usize, x: usize, y: usize) -> f32 {
    let (cw, ch) = (c.width(), c.height());
    let fx = ((x as f32 + 0.5) / f as f32 - 0.5).clamp(0.0, (cw - 1) as f32);
    let fy = ((y as f32 + 0.5) / f as f32 - 0.5).clamp(0.0, (ch - 1) as f32);
    let (x0, y0) = (fx as usize, fy as usize);
    let (x1, y1) = ((x0 + 1).min(cw - 1), (y0 + 1).min(ch - 1));
    let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
    let s = c.as_slice();
    let top = s[y0 * cw + x0] * (1.0 - ax) + s[y0 * cw + x1] * ax;
    let bot = s[y1 * cw + x0] * (1.0 - ax) + s[y1 * cw + x1] * ax;
    top * (1.0 - ay) + bot * ay
}

/// Summed-area table of a mask, `(w + 1) × (h + 1)`.
fn integral(m: &Mask) -> Vec<u32> {
    let (w, h) = (m.width(), m.height());
    let mut s = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut run = 0u32;
        for x in 0..w {
            run += u32::from(m.as_slice()[y * w + x]);
            s[(y + 1) * (w + 1) + x + 1] = s[y * (w + 1) + x + 1] + run;
        }
    }
    s
}

/// Count of mask pixels in the square of half-width `r` around `(x, y)`, clipped to the image,
/// and the square's clipped area.
#[inline]
fn window(s: &[u32], w: usize, h: usize, x: usize, y: usize, r: usize) -> (u32, u32) {
    let (x0, y0) = (x.saturating_sub(r), y.saturating_sub(r));
    let (x1, y1) = ((x + r + 1).min(w), (y + r + 1).min(h));
    let ww = w + 1;
    let sum = s[y1 * ww + x1] + s[y0 * ww + x0] - s[y0 * ww + x1] - s[y1 * ww + x0];
    (sum, ((x1 - x0) * (y1 - y0)) as u32)
}

/// Evolves `seed` on the grey image `img` (same size) and returns the refined mask.
///
/// ```
/// use lungfield::{segment::{refine, ContourOptions}, GrayF32, Mask};
/// // A dark 10×10 square on a bright field; the seed is a smaller square inside it.
/// let mut img = GrayF32::filled(30, 30, 200.0);
/// let mut seed = Mask::new(30, 30);
/// for y in 10..20 { for x in 10..20 { img.set(x, y, 50.0); } }
/// for y in 12..18 { for x in 12..18 { seed.set(x, y, 1); } }
/// let opts = ContourOptions { sigma: 4.0, beta: 0.5, coarse: 1, ..Default::default() };
/// assert_eq!(refine(&img, &seed, &opts).count(), 100);
/// ```
pub fn refine(img: &GrayF32, seed: &Mask, opts: &ContourOptions) -> Mask {
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 || seed.width() != w || seed.height() != h || opts.iterations == 0 {
        return seed.clone();
    }
    let f = opts.coarse.max(1);
    let sc = opts.sigma.max(0.5) / f as f32;
    let beta = opts.beta.clamp(0.0, 1.0);
    let px = img.as_slice();
    let g_all = gaussian_f32(&block_sums(w, h, f, |i| px[i]), sc, Backend::Wide);
    let g_cnt = gaussian_f32(&block_sums(w, h, f, |_| 1.0), sc, Backend::Wide);
    let mut s = seed.map(|&v| u8::from(v != 0));
    let band_r = opts.band.max(1);
    for _ in 0..opts.iterations {
        let cur = s.as_slice();
        let g_in = gaussian_f32(&block_sums(w, h, f, |i| px[i] * f32::from(cur[i])), sc, Backend::Wide);
        let g_n = gaussian_f32(&block_sums(w, h, f, |i| f32::from(cur[i])), sc, Backend::Wide);
        let eps = 1e-3f32;
        let mu_in = GrayF32::from_vec(
            g_in.width(),
            g_in.height(),
            g_in.as_slice().iter().zip(g_n.as_slice()).map(|(a, n)| a / (n + eps)).collect(),
        )
        .unwrap_or_else(|| g_in.clone());
        let n_in_map = g_n.clone();
        let mu_out = GrayF32::from_vec(
            g_in.width(),
            g_in.height(),
            g_all
                .as_slice()
                .iter()
                .zip(g_in.as_slice())
                .zip(g_cnt.as_slice().iter().zip(g_n.as_slice()))
                .map(|((all, inn), (cnt, n))| (all - inn) / (cnt - n + eps))
                .collect(),
        )
        .unwrap_or_else(|| g_in.clone());
        let sat = integral(&s);
        let mut next = s.clone();
        let mut changed = 0usize;
        for y in 0..h {
            for x in 0..w {
                let (inside, area) = window(&sat, w, h, x, y, band_r);
                if inside == 0 || inside == area {
                    continue;
                }
                // Only trust the local means where both regions are present nearby.
                let n_in = sample(&n_in_map, f, x, y);
                if n_in < 1e-2 {
                    continue;
                }
                let (mi, mo) = (sample(&mu_in, f, x, y), sample(&mu_out, f, x, y));
                let v = px[y * w + x];
                let want = if mo > mi {
                    v < mi + beta * (mo - mi)
                } else {
                    (v - mi).abs() < (v - mo).abs()
                };
                let i = y * w + x;
                let nv = u8::from(want);
                if next.as_slice()[i] != nv {
                    next.as_mut_slice()[i] = nv;
                    changed += 1;
                }
            }
        }
        // Curvature term: 3×3 majority vote.
        let sat = integral(&next);
        let mut smooth = next.clone();
        for y in 0..h {
            for x in 0..w {
                let (inside, area) = window(&sat, w, h, x, y, 1);
                let v = u8::from(2 * inside > area);
                let i = y * w + x;
                if smooth.as_slice()[i] != v {
                    smooth.as_mut_slice()[i] = v;
                }
            }
        }
        let moved = smooth != s;
        s = smooth;
        if changed == 0 || !moved {
            break;
        }
    }
    s
}
