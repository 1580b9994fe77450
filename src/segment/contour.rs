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

/// Block sums over `f × f` blocks (partial blocks at the right and bottom edges) of the
/// pixel values and of the weights: `(Σ w·v, Σ w)` per block, `w` in {0, 1}.
fn block_sums(
    px: &[f32],
    weight: Option<&[u8]>,
    w: usize,
    h: usize,
    f: usize,
) -> (GrayF32, GrayF32) {
    let (cw, ch) = (w.div_ceil(f), h.div_ceil(f));
    let mut sv = GrayF32::new(cw, ch);
    let mut sn = GrayF32::new(cw, ch);
    for y in 0..h {
        let row = &px[y * w..(y + 1) * w];
        let base = (y / f) * cw;
        let (ov, on) = (
            &mut sv.as_mut_slice()[base..base + cw],
            &mut sn.as_mut_slice()[base..base + cw],
        );
        match weight {
            None => {
                for (b, chunk) in row.chunks(f).enumerate() {
                    ov[b] += chunk.iter().sum::<f32>();
                    on[b] += chunk.len() as f32;
                }
            }
            Some(wt) => {
                let wrow = &wt[y * w..(y + 1) * w];
                for (b, (chunk, wc)) in row.chunks(f).zip(wrow.chunks(f)).enumerate() {
                    let (mut a, mut n) = (0.0f32, 0u32);
                    for (&v, &m) in chunk.iter().zip(wc) {
                        let m = f32::from(m);
                        a += v * m;
                        n += u32::from(m != 0.0);
                    }
                    ov[b] += a;
                    on[b] += n as f32;
                }
            }
        }
    }
    (sv, sn)
}

/// `src` eroded (`max = false`) or dilated (`max = true`) by a `(2r+1)²` square, separably;
/// outside pixels are ignored.
fn square_extreme(src: &Mask, r: usize, max: bool) -> Mask {
    let (w, h) = (src.width(), src.height());
    let pick = |a: u8, b: u8| if max { a.max(b) } else { a.min(b) };
    let mut tmp = src.clone();
    for y in 0..h {
        let row = src.row(y);
        let out = tmp.row_mut(y);
        // Shifted whole-row passes (vectorised by the compiler), one per offset.
        for d in 1..=r.min(w.saturating_sub(1)) {
            for (o, &v) in out[..w - d].iter_mut().zip(&row[d..]) {
                *o = pick(*o, v);
            }
            for (o, &v) in out[d..].iter_mut().zip(&row[..w - d]) {
                *o = pick(*o, v);
            }
        }
    }
    let mut dst = Mask::new(w, h);
    for y in 0..h {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
        let out = dst.row_mut(y);
        out.copy_from_slice(tmp.row(y));
        for yy in a..b {
            for (o, &v) in out.iter_mut().zip(tmp.row(yy)) {
                *o = pick(*o, v);
            }
        }
    }
    dst
}

/// 3×3 majority vote (pixels outside the image do not vote).
fn majority3(src: &Mask) -> Mask {
    let (w, h) = (src.width(), src.height());
    // Horizontal counts, then vertical sums; the votes cast per pixel are known from the
    // clipped window size.
    let mut hs = src.as_slice().to_vec();
    for y in 0..h {
        let row = src.row(y);
        let out = &mut hs[y * w..(y + 1) * w];
        if w > 1 {
            for (o, &v) in out[..w - 1].iter_mut().zip(&row[1..]) {
                *o += v;
            }
            for (o, &v) in out[1..].iter_mut().zip(&row[..w - 1]) {
                *o += v;
            }
        }
    }
    let mut out = Mask::new(w, h);
    for y in 0..h {
        let (a, b) = (y.saturating_sub(1), (y + 2).min(h));
        let rows = b - a;
        let o = out.row_mut(y);
        for x in 0..w {
            let cols = (x + 2).min(w) - x.saturating_sub(1);
            let mut sum = 0u32;
            for yy in a..b {
                sum += u32::from(hs[yy * w + x]);
            }
            o[x] = u8::from(2 * sum > (rows * cols) as u32);
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
/// let out = refine(&img, &seed, &opts);
/// // It grows from 36 to the square's 100 pixels, less the corners the curvature term rounds.
/// assert_eq!(out.count(), 96);
/// assert_eq!(out.get(10, 15), 1);
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
    let (all_v, all_n) = block_sums(px, None, w, h, f);
    let g_all = gaussian_f32(&all_v, sc, Backend::Wide);
    let g_cnt = gaussian_f32(&all_n, sc, Backend::Wide);
    let mut s = seed.map(|&v| u8::from(v != 0));
    let band_r = opts.band.max(1);
    let eps = 1e-3f32;
    for _ in 0..opts.iterations {
        let (in_v, in_n) = block_sums(px, Some(s.as_slice()), w, h, f);
        let g_in = gaussian_f32(&in_v, sc, Backend::Wide);
        let g_n = gaussian_f32(&in_n, sc, Backend::Wide);
        let mu_in = g_in
            .as_slice()
            .iter()
            .zip(g_n.as_slice())
            .map(|(a, n)| a / (n + eps));
        let mu_in = GrayF32::from_vec(g_in.width(), g_in.height(), mu_in.collect())
            .unwrap_or_else(|| g_in.clone());
        let mu_out = g_all
            .as_slice()
            .iter()
            .zip(g_in.as_slice())
            .zip(g_cnt.as_slice().iter().zip(g_n.as_slice()))
            .map(|((all, inn), (cnt, n))| (all - inn) / (cnt - n + eps));
        let mu_out = GrayF32::from_vec(g_in.width(), g_in.height(), mu_out.collect())
            .unwrap_or_else(|| g_in.clone());
        // The narrow band: pixels whose square neighbourhood holds both labels.
        let lo = square_extreme(&s, band_r, false);
        let hi = square_extreme(&s, band_r, true);
        let mut next = s.clone();
        let mut changed = 0usize;
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                if lo.as_slice()[i] == hi.as_slice()[i] {
                    continue;
                }
                // Only trust the local means where the inside is present nearby.
                if sample(&g_n, f, x, y) < 1e-2 {
                    continue;
                }
                let (mi, mo) = (sample(&mu_in, f, x, y), sample(&mu_out, f, x, y));
                let v = px[i];
                let want = if mo > mi {
                    v < mi + beta * (mo - mi)
                } else {
                    (v - mi).abs() < (v - mo).abs()
                };
                let nv = u8::from(want);
                if next.as_slice()[i] != nv {
                    next.as_mut_slice()[i] = nv;
                    changed += 1;
                }
            }
        }
        // Curvature term: 3×3 majority vote.
        let smooth = majority3(&next);
        let moved = smooth != s;
        s = smooth;
        if changed == 0 || !moved {
            break;
        }
    }
    s
}
