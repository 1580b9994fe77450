//! Active contour: a localised region-fitting level set in its morphological form
//! (after Lankton & Tannenbaum's localised Chan–Vese and Márquez-Neila's morphological
//! snakes), evolved on a narrow band around the current mask.
//!
//! Each iteration, every band pixel compares its grey value with the Gaussian-weighted mean
//! inside (`μin`) and outside (`μout`) the contour around it. Plain Chan–Vese puts the
//! boundary half way between them; here it sits a fraction `β` of the way from `μin` to
//! `μout` (0.5 is Chan–Vese), and `β` follows the anatomy ([`BetaField`]): lungs fade
//! gradually into the rib cage and the apices, and expert masks follow the outer edge of that
//! fade (high `β`), while at the mediastinum, the heart and the diaphragm the lung meets bright
//! soft tissue that must not be entered (low `β`). A 3×3 majority vote then acts as the
//! curvature (smoothing) term. The local means are computed on a grid `coarse` times coarser
//! than the image (they are smooth at scale `sigma`), blurred with the SIMD Gaussian, and
//! interpolated bilinearly, which makes an iteration cost about one pass over the image. The
//! band update itself is the vector kernel `simd::band` (eight pixels at a time,
//! bit-identical to its scalar twin), fed rows of the coarse maps expanded to the image's
//! columns; the majority vote is done a row at a time.

use crate::image::{GrayF32, Mask};
use crate::simd::band::{self, BandRow};
use crate::simd::{gaussian::gaussian_f32, Kernels};

/// Active-contour parameters. Lengths are in working-resolution pixels.
///
/// The boundary position is `β(x, y) = beta + beta_lateral·d(x) − beta_basal·t(y)`, clamped
/// to 0..=1, where `d` is 0 at the body midline and 1 at the outer edge of the lungs and `t`
/// is 0 at the apices and 1 at the lung bases (see [`BetaField::anatomical`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContourOptions {
    /// Maximum number of iterations (it stops early when nothing moves). 0 disables the
    /// contour. Default: 30.
    pub iterations: usize,
    /// Scale of the local region statistics (Gaussian σ). Default: 8.0.
    pub sigma: f32,
    /// Where the boundary sits between the inside and outside means at the medial apex,
    /// 0.5 = Chan–Vese. Default: 0.6.
    pub beta: f32,
    /// How much further out the boundary sits at the lateral edge (the rib cage). Default: 0.4.
    pub beta_lateral: f32,
    /// How much further in the boundary sits at the lung bases (the diaphragm and the
    /// abdomen below it). Default: 0.3.
    pub beta_basal: f32,
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
            beta: 0.6,
            beta_lateral: 0.4,
            beta_basal: 0.3,
            band: 2,
            coarse: 4,
        }
    }
}

/// Where the boundary sits between the inside and outside means, per pixel: the sum of a
/// per-column and a per-row term, clamped to 0..=1.
#[derive(Clone, Debug, PartialEq)]
pub struct BetaField {
    /// Per-column term (one value per image column).
    pub x: Vec<f32>,
    /// Per-row term (one value per image row).
    pub y: Vec<f32>,
}

impl BetaField {
    /// The same `beta` everywhere in a `w × h` image.
    pub fn uniform(w: usize, h: usize, beta: f32) -> Self {
        BetaField {
            x: vec![beta; w],
            y: vec![0.0; h],
        }
    }

    /// The anatomical field of [`ContourOptions`], laid out on the bounding box of `seed`
    /// (both lungs): `d` runs from 0 at the box's vertical midline to 1 at its left and right
    /// edges (and beyond), `t` from 0 at its top to 1 at its bottom. An empty seed gives the
    /// uniform field `opts.beta`.
    ///
    /// ```
    /// use lungfield::{segment::{BetaField, ContourOptions}, Mask};
    /// let mut seed = Mask::new(10, 10);
    /// for y in 2..8 { seed.set(1, y, 1); seed.set(7, y, 1); }
    /// let opts = ContourOptions::default();
    /// let f = BetaField::anatomical(&seed, &opts);
    /// assert_eq!(f.x[4], opts.beta);                     // the midline
    /// assert_eq!(f.x[1], opts.beta + opts.beta_lateral); // the outer edge
    /// assert_eq!(f.y[7], -opts.beta_basal);              // the base
    /// ```
    pub fn anatomical(seed: &Mask, opts: &ContourOptions) -> Self {
        let (w, h) = (seed.width(), seed.height());
        let Some((x0, y0, x1, y1)) = seed.bounds(|v| v != 0) else {
            return BetaField::uniform(w, h, opts.beta);
        };
        let mid = (x0 + x1) as f32 / 2.0;
        let half = ((x1 - x0) as f32 / 2.0).max(1.0);
        let tall = ((y1 - y0) as f32).max(1.0);
        BetaField {
            x: (0..w)
                .map(|x| opts.beta + opts.beta_lateral * ((x as f32 - mid).abs() / half).min(1.0))
                .collect(),
            y: (0..h)
                .map(|y| -opts.beta_basal * ((y as f32 - y0 as f32) / tall).clamp(0.0, 1.0))
                .collect(),
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
    rows: (usize, usize),
) -> (GrayF32, GrayF32) {
    let (cw, ch) = (w.div_ceil(f), h.div_ceil(f));
    let mut sv = GrayF32::new(cw, ch);
    let mut sn = GrayF32::new(cw, ch);
    for y in rows.0..rows.1.min(h) {
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

/// Whether block sums of `px` over `f × f` blocks are exact in `f32` in any order: every
/// value a whole number small enough that no partial sum of a block leaves the integers
/// `f32` holds exactly.
fn whole_levels(px: &[f32], f: usize) -> bool {
    let limit = (1u32 << 24) as f32 / (f * f) as f32;
    px.iter().all(|&v| v.fract() == 0.0 && v.abs() <= limit)
}

/// Brings the inside sums of [`block_sums`] from the labels `old` to `new` (both the crop at
/// `at` of a `w`-wide image): each pixel that joined adds its value and weight to its block,
/// each that left takes them away. Exact when [`whole_levels`] holds.
#[allow(clippy::too_many_arguments)]
fn move_block_sums(
    sv: &mut GrayF32,
    sn: &mut GrayF32,
    px: &[f32],
    w: usize,
    f: usize,
    old: &Mask,
    new: &Mask,
    at: (usize, usize),
) {
    let cw = sv.width();
    for cy in 0..new.height() {
        let (a, b) = (old.row(cy), new.row(cy));
        if a == b {
            continue;
        }
        let y = at.1 + cy;
        let row = &px[y * w..(y + 1) * w];
        for (cx, (&o, &n)) in a.iter().zip(b).enumerate() {
            if o == n {
                continue;
            }
            let x = at.0 + cx;
            let i = (y / f) * cw + x / f;
            let (dv, dn) = if n != 0 {
                (row[x], 1.0)
            } else {
                (-row[x], -1.0)
            };
            sv.as_mut_slice()[i] += dv;
            sn.as_mut_slice()[i] += dn;
        }
    }
}

/// The narrow band of a label mask: 1 where the `(2r+1)²` square around a pixel (clipped
/// to the image) holds both labels (zero and non-zero), else 0. Each pixel is coded as a
/// bit for "a one here" or "a zero here" and the codes are OR-ed over the square,
/// separably (shifted whole-row passes the compiler vectorises): the band is where both
/// bits are set. One pass where an erosion and a dilation took two.
fn band_of(src: &Mask, r: usize) -> Mask {
    let (w, h) = (src.width(), src.height());
    let mut tmp = src.map(|&v| if v != 0 { 1u8 } else { 2 });
    let code = tmp.clone();
    for y in 0..h {
        let row = code.row(y);
        let out = tmp.row_mut(y);
        for d in 1..=r.min(w.saturating_sub(1)) {
            for (o, &v) in out[..w - d].iter_mut().zip(&row[d..]) {
                *o |= v;
            }
            for (o, &v) in out[d..].iter_mut().zip(&row[..w - d]) {
                *o |= v;
            }
        }
    }
    let mut dst = Mask::new(w, h);
    let mut acc = vec![0u8; w];
    for y in 0..h {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
        acc.copy_from_slice(tmp.row(y));
        for yy in a..b {
            for (o, &v) in acc.iter_mut().zip(tmp.row(yy)) {
                *o |= v;
            }
        }
        for (o, &v) in dst.row_mut(y).iter_mut().zip(&acc) {
            *o = u8::from(v == 3);
        }
    }
    dst
}

/// 3×3 majority vote (pixels outside the image do not vote).
fn majority3(src: &Mask) -> Mask {
    let (w, h) = (src.width(), src.height());
    if w == 0 || h == 0 {
        return src.clone();
    }
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
    let mut sum = vec![0u8; w];
    for y in 0..h {
        let (a, b) = (y.saturating_sub(1), (y + 2).min(h));
        let rows = (b - a) as u16;
        // Column sums of the horizontal counts (at most 9), a row at a time.
        sum.copy_from_slice(&hs[a * w..(a + 1) * w]);
        for yy in a + 1..b {
            for (s, &v) in sum.iter_mut().zip(&hs[yy * w..(yy + 1) * w]) {
                *s += v;
            }
        }
        let o = out.row_mut(y);
        // Interior columns see three columns; the first and last see what the row has.
        for (o, &s) in o.iter_mut().zip(&sum) {
            *o = u8::from(2 * u16::from(s) > rows * 3);
        }
        for x in [0, w - 1] {
            let cols = ((x + 2).min(w) - x.saturating_sub(1)) as u16;
            o[x] = u8::from(2 * u16::from(sum[x]) > rows * cols);
        }
    }
    out
}

/// Linear interpolation on a grid `f` times coarser with `n` cells along this axis: the
/// fine coordinate `x`'s two coarse cells (clamped at the ends) and the second's weight.
#[inline(always)]
fn coarse_tap(n: usize, f: usize, x: usize) -> (usize, usize, f32) {
    let fx = ((x as f32 + 0.5) / f as f32 - 0.5).clamp(0.0, (n - 1) as f32);
    let x0 = fx as usize;
    (x0, (x0 + 1).min(n - 1), fx - x0 as f32)
}

/// Coarse maps expanded to a run of image columns at the four bilinear taps (top-left,
/// top-right, bottom-left, bottom-right), so that the band kernel reads plain rows. The
/// expansion is a gather by each column's left and right coarse column, redone only when
/// the pair of coarse rows changes (every `coarse` image rows); moving one coarse row down,
/// the bottom rows become the top ones and only the new bottom rows are gathered.
struct Expanded {
    /// Per column: its left coarse column.
    left: Vec<usize>,
    /// Per column: its right coarse column.
    right: Vec<usize>,
    /// Four rows per map, each as long as the columns.
    rows: Vec<Vec<f32>>,
    /// The pair of coarse rows the rows hold.
    held: Option<(usize, usize)>,
}

impl Expanded {
    /// For `maps` maps over the columns whose coarse taps are `xtaps` (see [`coarse_tap`]).
    fn new(xtaps: &[(usize, usize, f32)], maps: usize) -> Self {
        Expanded {
            left: xtaps.iter().map(|t| t.0).collect(),
            right: xtaps.iter().map(|t| t.1).collect(),
            rows: vec![vec![0.0; xtaps.len()]; 4 * maps],
            held: None,
        }
    }

    /// Expands `maps` (each `gw` wide, as many as [`Expanded::new`] was told) at coarse rows
    /// `ry0` (top) and `ry1` (bottom).
    fn rows(&mut self, maps: &[&[f32]], gw: usize, ry0: usize, ry1: usize) {
        if self.held == Some((ry0, ry1)) {
            return;
        }
        let down = matches!(self.held, Some((_, b)) if b == ry0);
        for (m, map) in maps.iter().enumerate() {
            let taps: &[usize] = if down {
                // The old bottom rows are the new top ones.
                self.rows.swap(4 * m, 4 * m + 2);
                self.rows.swap(4 * m + 1, 4 * m + 3);
                &[2, 3]
            } else {
                &[0, 1, 2, 3]
            };
            for &k in taps {
                let ry = if k < 2 { ry0 } else { ry1 };
                let row = &map[ry * gw..(ry + 1) * gw];
                let cols = if k % 2 == 0 { &self.left } else { &self.right };
                for (e, &c) in self.rows[4 * m + k].iter_mut().zip(cols) {
                    *e = row[c];
                }
            }
        }
        self.held = Some((ry0, ry1));
    }

    /// Map `m`'s four tap rows.
    fn map(&self, m: usize) -> [&[f32]; 4] {
        let r = &self.rows[4 * m..4 * m + 4];
        [&r[0], &r[1], &r[2], &r[3]]
    }
}

/// Evolves `seed` on the grey image `img` (same size) with the boundary position `beta`
/// (sized to the image) and returns the refined mask. A size mismatch returns the seed.
///
/// ```
/// use lungfield::{segment::{refine, BetaField, ContourOptions}, GrayF32, Mask};
/// // A dark 10×10 square on a bright field; the seed is a smaller square inside it.
/// let mut img = GrayF32::filled(30, 30, 200.0);
/// let mut seed = Mask::new(30, 30);
/// for y in 10..20 { for x in 10..20 { img.set(x, y, 50.0); } }
/// for y in 12..18 { for x in 12..18 { seed.set(x, y, 1); } }
/// let opts = ContourOptions { sigma: 4.0, coarse: 1, ..Default::default() };
/// let out = refine(&img, &seed, &opts, &BetaField::uniform(30, 30, 0.5));
/// // It grows from 36 to the square's 100 pixels, less the corners the curvature term rounds.
/// assert_eq!(out.count(), 96);
/// assert_eq!(out.get(10, 15), 1);
/// ```
pub fn refine(img: &GrayF32, seed: &Mask, opts: &ContourOptions, beta: &BetaField) -> Mask {
    let exact = whole_levels(img.as_slice(), opts.coarse.max(1));
    refine_with(img, seed, opts, beta, exact)
}

/// [`refine`], keeping the inside block sums up to date between iterations (`incremental`,
/// only exact under [`whole_levels`]) or summing them again each iteration.
fn refine_with(
    img: &GrayF32,
    seed: &Mask,
    opts: &ContourOptions,
    beta: &BetaField,
    incremental: bool,
) -> Mask {
    let (w, h) = (img.width(), img.height());
    if w == 0
        || h == 0
        || seed.width() != w
        || seed.height() != h
        || beta.x.len() != w
        || beta.y.len() != h
        || opts.iterations == 0
    {
        return seed.clone();
    }
    let f = opts.coarse.max(1);
    let sc = opts.sigma.max(0.5) / f as f32;
    let px = img.as_slice();
    let (all_v, all_n) = block_sums(px, None, w, h, f, (0, h));
    let g_all = gaussian_f32(&all_v, sc, Kernels::active());
    let g_cnt = gaussian_f32(&all_n, sc, Kernels::active());
    let mut s = seed.map(|&v| u8::from(v != 0));
    let band_r = opts.band.max(1);
    let eps = 1e-3f32;
    // Everything outside the mask's bounding box grown by this margin is 0 and stays 0 (the
    // band reaches `band_r` out, the majority vote one more), so each iteration works on that
    // box only: same result, about half the pixels.
    let margin = band_r + 2;
    // Per column: the coarse columns left and right of it and the right one's weight.
    let xtaps: Vec<(usize, usize, f32)> = (0..w).map(|x| coarse_tap(g_all.width(), f, x)).collect();
    let ax: Vec<f32> = xtaps.iter().map(|t| t.2).collect();
    // The mask's bounding box (inclusive), kept up to date from each pasted crop: outside
    // the crop the mask is 0, so the crop's own box is the mask's.
    let mut bbox = s.bounds(|v| v != 0);
    // With whole grey levels (what the pipeline passes), every block sum is an exact integer
    // whatever the order of its terms, so the inside sums are kept up to date by adding and
    // removing the pixels that change label, instead of being summed again each iteration:
    // the same values, bit for bit.
    let mut kept = incremental.then(|| block_sums(px, Some(s.as_slice()), w, h, f, (0, h)));
    for _ in 0..opts.iterations {
        let Some((bx0, by0, bx1, by1)) = bbox else {
            break;
        };
        let (x0, y0) = (bx0.saturating_sub(margin), by0.saturating_sub(margin));
        let (x1, y1) = ((bx1 + margin + 1).min(w), (by1 + margin + 1).min(h));
        let fresh;
        let (in_v, in_n) = match &kept {
            Some((v, n)) => (v, n),
            None => {
                fresh = block_sums(px, Some(s.as_slice()), w, h, f, (y0, y1));
                (&fresh.0, &fresh.1)
            }
        };
        let g_in = gaussian_f32(in_v, sc, Kernels::active());
        let g_n = gaussian_f32(in_n, sc, Kernels::active());
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
        let crop = s.crop(x0, y0, x1 - x0, y1 - y0);
        // The narrow band: pixels whose square neighbourhood holds both labels.
        let band = band_of(&crop, band_r);
        let mut next = crop.clone();
        let mut changed = 0usize;
        let (gw, gh) = (g_n.width(), g_n.height());
        let maps = [g_n.as_slice(), mu_in.as_slice(), mu_out.as_slice()];
        let mut taps = Expanded::new(&xtaps[x0..x1], maps.len());
        for cy in 0..crop.height() {
            let y = y0 + cy;
            let (ry0, ry1, ay) = coarse_tap(gh, f, y);
            taps.rows(&maps, gw, ry0, ry1);
            let row = BandRow {
                px: &px[y * w + x0..y * w + x1],
                beta_x: &beta.x[x0..x1],
                beta_y: beta.y[y],
                ax: &ax[x0..x1],
                ay,
                n: taps.map(0),
                mu_in: taps.map(1),
                mu_out: taps.map(2),
                band: band.row(cy),
            };
            changed += band::update(&row, next.row_mut(cy), Kernels::active());
        }
        // Curvature term: 3×3 majority vote.
        let smooth = majority3(&next);
        let moved = smooth != crop;
        if let (Some((sv, sn)), true) = (&mut kept, moved) {
            move_block_sums(sv, sn, px, w, f, &crop, &smooth, (x0, y0));
        }
        s.paste(&smooth, x0, y0);
        bbox = smooth
            .bounds(|v| v != 0)
            .map(|(a, b, c, d)| (a + x0, b + y0, c + x0, d + y0));
        if changed == 0 || !moved {
            break;
        }
    }
    s
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// The 3×3 majority vote by its definition: more than half of the window's pixels
    /// inside the image are set.
    fn majority_reference(m: &Mask) -> Mask {
        let (w, h) = (m.width() as isize, m.height() as isize);
        let mut out = Mask::new(m.width(), m.height());
        for y in 0..h {
            for x in 0..w {
                let (mut set, mut all) = (0, 0);
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        let (xx, yy) = (x + dx, y + dy);
                        if (0..w).contains(&xx) && (0..h).contains(&yy) {
                            all += 1;
                            set += usize::from(m.get(xx as usize, yy as usize));
                        }
                    }
                }
                out.set(x as usize, y as usize, u8::from(2 * set > all));
            }
        }
        out
    }

    /// `src` eroded (`max = false`) or dilated (`max = true`) by a `(2r+1)²` square,
    /// separably; outside pixels are ignored. The band was where the two differ: the
    /// reference of [`band_of`].
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

    proptest! {
        /// The one-pass band is where the erosion and the dilation by the square differ:
        /// random masks (0/1 and other non-zero labels), every radius up to past the image.
        #[test]
        fn band_is_where_erosion_and_dilation_differ(
            w in 1usize..40, h in 1usize..30, r in 0usize..45,
            bits in proptest::collection::vec(0u8..4, 1200), sparse: bool,
        ) {
            let data = (0..w * h).map(|i| if sparse && bits[i] != 3 { 0 } else { bits[i] }).collect();
            let m = Mask::from_vec(w, h, data).unwrap();
            let lo = square_extreme(&m.map(|&v| u8::from(v != 0)), r, false);
            let hi = square_extreme(&m.map(|&v| u8::from(v != 0)), r, true);
            let want = lo.as_slice().iter().zip(hi.as_slice()).map(|(a, b)| u8::from(a != b)).collect();
            prop_assert_eq!(band_of(&m, r), Mask::from_vec(w, h, want).unwrap());
        }

        /// Keeping the inside sums up to date gives the masks that summing them again each
        /// iteration gives, on whole grey levels: noisy dark blobs on a bright field, seeds
        /// that grow and shrink, odd sizes and grid factors.
        #[test]
        fn incremental_sums_give_the_same_masks(
            w in 1usize..70, h in 1usize..60, seed in any::<u64>(), coarse in 1usize..6,
            beta in 0.2f32..0.8, noise in 0usize..60,
        ) {
            let mut rng = crate::rng::Rng::new(seed);
            let (cx, cy) = (rng.range(0, w - 1), rng.range(0, h - 1));
            let (rx, ry) = (rng.range(2, 20), rng.range(2, 20));
            let img = GrayF32::from_vec(w, h, (0..w * h).map(|i| {
                let (x, y) = ((i % w) as f32 - cx as f32, (i / w) as f32 - cy as f32);
                let inside = (x / rx as f32).powi(2) + (y / ry as f32).powi(2) < 1.0;
                let base = if inside { 60 } else { 190 };
                (base + rng.range(0, noise) as i32 - (noise / 2) as i32) as f32
            }).collect()).unwrap();
            let mut m = Mask::new(w, h);
            let (sx, sy) = (rng.range(1, 25), rng.range(1, 25));
            for y in cy.saturating_sub(sy / 2)..(cy + sy / 2 + 1).min(h) {
                for x in cx.saturating_sub(sx / 2)..(cx + sx / 2 + 1).min(w) {
                    m.set(x, y, 1);
                }
            }
            let opts = ContourOptions { coarse, sigma: 3.0, ..ContourOptions::default() };
            let b = BetaField::uniform(w, h, beta);
            prop_assert!(whole_levels(img.as_slice(), coarse));
            prop_assert_eq!(
                refine_with(&img, &m, &opts, &b, true),
                refine_with(&img, &m, &opts, &b, false)
            );
        }

        #[test]
        fn majority3_matches_its_definition(
            w in 1usize..40,
            h in 1usize..12,
            bits in proptest::collection::vec(any::<bool>(), 480),
        ) {
            let data = (0..w * h).map(|i| u8::from(bits[i])).collect();
            let m = Mask::from_vec(w, h, data).unwrap_or_else(|| Mask::new(w, h));
            prop_assert_eq!(majority3(&m), majority_reference(&m));
        }
    }
}
