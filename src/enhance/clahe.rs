//! CLAHE (contrast-limited adaptive histogram equalisation) with OpenCV's semantics:
//! the image is padded (`REFLECT_101`) to a multiple of the tile grid, each tile's histogram is
//! clipped at `clip_limit × tile_pixels / bins` (at least 1) with the excess spread evenly and
//! the remainder spread in steps, the cumulative histogram scaled by `(bins − 1) / tile_pixels`
//! becomes the tile's look-up table, and every pixel mixes the four nearest tiles' tables
//! bilinearly. `u8` uses 256 bins, `u16` 65536, exactly as `cv::createCLAHE`.

use crate::error::{Error, Result};
use crate::image::{GrayU16, GrayU8, Plane};
use crate::simd::table_mix::{interleave, mix_row, Columns, Span};
use crate::simd::Kernels;
use crate::simd::{reflect101, round_even};

/// CLAHE parameters.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClaheOptions {
    /// Clip limit relative to a flat histogram (OpenCV's `clipLimit`). 0 disables clipping.
    /// Default: 2.0.
    pub clip_limit: f32,
    /// Tiles across and down (OpenCV's `tileGridSize`). Default: 8×8.
    pub tiles: (usize, usize),
}

impl Default for ClaheOptions {
    fn default() -> Self {
        ClaheOptions {
            clip_limit: 2.0,
            tiles: (8, 8),
        }
    }
}

trait Level: Copy + Default {
    const BINS: usize;
    /// Interleaved sub-histograms per tile (several for 256 bins; one for 65536, which
    /// would otherwise be zeroed and summed 4 × 65536 times per tile).
    const SUBS: usize;
    fn index(self) -> usize;
    fn from_f32(v: f32) -> Self;
    /// The bilinear mix of the tiles' tables `luts` (row-major), `BINS` entries per tile, or,
    /// with `levels`, one per grey level present in the image.
    fn mix(
        src: &Plane<Self>,
        luts: &[Self],
        levels: Option<&Levels>,
        g: &Grid,
        kernels: Kernels,
    ) -> Plane<Self>;
}

impl Level for u8 {
    const BINS: usize = 256;
    const SUBS: usize = 4;
    fn index(self) -> usize {
        self as usize
    }
    fn from_f32(v: f32) -> Self {
        round_even(v).clamp(0.0, 255.0) as u8
    }
    fn mix(
        src: &GrayU8,
        luts: &[u8],
        _levels: Option<&Levels>,
        g: &Grid,
        kernels: Kernels,
    ) -> GrayU8 {
        mix_u8(src, luts, g, kernels)
    }
}

impl Level for u16 {
    const BINS: usize = 65536;
    const SUBS: usize = 1;
    fn index(self) -> usize {
        self as usize
    }
    fn from_f32(v: f32) -> Self {
        round_even(v).clamp(0.0, 65535.0) as u16
    }
    fn mix(
        src: &GrayU16,
        luts: &[u16],
        levels: Option<&Levels>,
        g: &Grid,
        _kernels: Kernels,
    ) -> GrayU16 {
        mix_u16(src, luts, levels, g)
    }
}

/// CLAHE of an 8-bit plane.
///
/// # Errors
/// [`Error::InvalidOption`] for a zero tile count or a negative or non-finite clip limit.
///
/// ```
/// use lungfield::{enhance::{clahe_u8, ClaheOptions}, GrayU8};
/// let img = GrayU8::from_vec(4, 1, vec![10, 20, 30, 40]).unwrap();
/// let out = clahe_u8(&img, &ClaheOptions { clip_limit: 0.0, tiles: (1, 1) }).unwrap();
/// assert_eq!(out.as_slice(), &[64, 128, 191, 255]); // plain histogram equalisation
/// ```
pub fn clahe_u8(src: &GrayU8, opts: &ClaheOptions) -> Result<GrayU8> {
    clahe(src, opts, Kernels::active())
}

/// [`clahe_u8`] with the bilinear mix on a chosen [`Kernels`]: [`Kernels::Scalar`] is the
/// pixel-by-pixel reference, [`Kernels::active`] (what [`clahe_u8`] runs) the vector kernel at
/// the run-time instruction set; the two give identical bytes.
///
/// # Errors
/// As [`clahe_u8`].
pub fn clahe_u8_with(src: &GrayU8, opts: &ClaheOptions, kernels: Kernels) -> Result<GrayU8> {
    clahe(src, opts, kernels)
}

/// CLAHE of a 16-bit plane (65536 bins, as OpenCV).
///
/// # Errors
/// As [`clahe_u8`].
pub fn clahe_u16(src: &GrayU16, opts: &ClaheOptions) -> Result<GrayU16> {
    clahe(src, opts, Kernels::Scalar)
}

fn clahe<T: Level>(src: &Plane<T>, opts: &ClaheOptions, kernels: Kernels) -> Result<Plane<T>> {
    clahe_tables(src, opts, kernels, T::SUBS == 1)
}

/// [`clahe`], each tile's table made from its sorted values (`sparse`, for 65536 bins) or
/// from a full histogram.
fn clahe_tables<T: Level>(
    src: &Plane<T>,
    opts: &ClaheOptions,
    kernels: Kernels,
    sparse: bool,
) -> Result<Plane<T>> {
    let (tx, ty) = opts.tiles;
    if tx == 0 || ty == 0 || !opts.clip_limit.is_finite() || opts.clip_limit < 0.0 {
        return Err(Error::InvalidOption(format!(
            "CLAHE needs at least 1x1 tiles and a clip limit >= 0 (got {tx}x{ty}, {})",
            opts.clip_limit
        )));
    }
    let (w, h) = (src.width(), src.height());
    if w == 0 || h == 0 {
        return Ok(src.clone());
    }
    // Padded size, exactly as OpenCV: no padding when both sides divide by the grid, else
    // both sides grow by `tiles - size % tiles` (a whole extra tile row of pixels on a side that
    // already divides).
    let (pw, ph) = if w % tx == 0 && h % ty == 0 {
        (w, h)
    } else {
        (w + tx - w % tx, h + ty - h % ty)
    };
    let (tw, th) = (pw / tx, ph / ty);
    let tile_total = tw * th;
    let bins = T::BINS;
    let lut_scale = (bins - 1) as f32 / tile_total as f32;
    let clip = if opts.clip_limit > 0.0 {
        ((opts.clip_limit * tile_total as f32 / bins as f32) as usize).max(1)
    } else {
        0
    };
    // Sparse: tables only for the grey levels present (a few thousand of 65536, usually),
    // so they stay in cache for the mix.
    let levels = sparse.then(|| Levels::of(src, bins));
    let n = levels.as_ref().map_or(bins, |l| l.values.len());
    let mut luts = vec![T::default(); tx * ty * n];
    // The full-histogram buffers (768 KiB at 16 bits) only when they are used.
    let mut dense = (!sparse).then(|| DenseTables::new(bins, T::SUBS));
    let mut vals: Vec<T> = Vec::with_capacity(tile_total);
    let table = Table { clip, lut_scale };
    for j in 0..ty {
        for i in 0..tx {
            let (x0, x1) = (i * tw, (i + 1) * tw);
            let rows = (j * th..(j + 1) * th).map(|yy| src.row(reflect101(yy as isize, h)));
            let lut = &mut luts[(j * tx + i) * n..(j * tx + i + 1) * n];
            if let Some(levels) = &levels {
                // 65536 bins for about a thousand pixels: the tile's values sorted instead.
                vals.clear();
                for row in rows {
                    vals.extend_from_slice(&row[x0.min(w)..x1.min(w)]);
                    vals.extend((x1.min(w).max(x0)..x1).map(|xx| row[reflect101(xx as isize, w)]));
                }
                table.sparse(&mut vals, bins, &levels.values, lut);
            } else if let Some(dense) = &mut dense {
                dense.count(rows, (x0, x1), w);
                table.dense(&mut dense.hist, lut);
            }
        }
    }
    let grid = Grid::new(w, (tx, ty), (tw, th));
    Ok(T::mix(src, &luts, levels.as_ref(), &grid, kernels))
}

/// One tile's histogram counted into `T::SUBS` interleaved sub-histograms (a grey level that
/// repeats, as in flat regions, is counted in turn in each, so consecutive increments do not
/// wait on each other), then summed.
struct DenseTables {
    bins: usize,
    subs: usize,
    sub: Vec<u32>,
    hist: Vec<usize>,
}

impl DenseTables {
    fn new(bins: usize, subs: usize) -> Self {
        DenseTables {
            bins,
            subs,
            sub: vec![0; subs * bins],
            hist: vec![0; bins],
        }
    }

    /// Counts columns `x0..x1` of `rows` (columns past `w` reflected back) into `hist`.
    fn count<'a, T: Level + 'a>(
        &mut self,
        rows: impl Iterator<Item = &'a [T]>,
        (x0, x1): (usize, usize),
        w: usize,
    ) {
        let (bins, subs, sub) = (self.bins, self.subs, &mut self.sub);
        sub.iter_mut().for_each(|v| *v = 0);
        for row in rows {
            // The part inside the image in one tight loop, the padded tail apart.
            let mut px = row[x0.min(w)..x1.min(w)].chunks_exact(subs);
            for c in &mut px {
                for (k, &v) in c.iter().enumerate() {
                    sub[k * bins + v.index()] += 1;
                }
            }
            for &v in px.remainder() {
                sub[v.index()] += 1;
            }
            for xx in x1.min(w).max(x0)..x1 {
                sub[row[reflect101(xx as isize, w)].index()] += 1;
            }
        }
        for (b, hv) in self.hist.iter_mut().enumerate() {
            *hv = (0..subs).map(|k| sub[k * bins + b] as usize).sum();
        }
    }
}

/// How a tile's histogram becomes its table: clipped at `clip` (0: not clipped), the excess
/// spread evenly and the remainder one count every `bins / remainder` bins from bin 0, then
/// the running sum times `lut_scale`, rounded.
#[derive(Clone, Copy)]
struct Table {
    clip: usize,
    lut_scale: f32,
}

impl Table {
    /// The table of the histogram `hist` (one count per bin), bin by bin: the reference.
    fn dense<T: Level>(self, hist: &mut [usize], lut: &mut [T]) {
        let bins = hist.len();
        if self.clip > 0 {
            let mut clipped = 0;
            for v in hist.iter_mut() {
                if *v > self.clip {
                    clipped += *v - self.clip;
                    *v = self.clip;
                }
            }
            let batch = clipped / bins;
            let mut residual = clipped - batch * bins;
            hist.iter_mut().for_each(|v| *v += batch);
            if let Some(step) = bins.checked_div(residual) {
                let step = step.max(1);
                let mut k = 0;
                while k < bins && residual > 0 {
                    hist[k] += 1;
                    k += step;
                    residual -= 1;
                }
            }
        }
        let mut sum = 0usize;
        for (l, &c) in lut.iter_mut().zip(hist.iter()) {
            sum += c;
            *l = T::from_f32(sum as f32 * self.lut_scale);
        }
    }

    /// The same table's entries at the bins `at` (increasing) from the tile's pixel values
    /// (sorted here), for many bins and few pixels: the histogram is the runs of equal
    /// values, and the running sum at bin `b` is the clipped runs up to `b`, plus the spread
    /// excess times `b + 1`, plus the steps of the remainder up to `b`. Equal to
    /// [`Table::dense`] of the `bins`-bin histogram at those bins (proptest).
    fn sparse<T: Level>(self, vals: &mut [T], bins: usize, at: &[usize], lut: &mut [T]) {
        vals.sort_unstable_by_key(|v| v.index());
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for v in vals.iter() {
            match runs.last_mut() {
                Some(r) if r.0 == v.index() => r.1 += 1,
                _ => runs.push((v.index(), 1)),
            }
        }
        let (mut batch, mut steps, mut step) = (0, 0, 1);
        if self.clip > 0 {
            let mut clipped = 0;
            for r in runs.iter_mut() {
                if r.1 > self.clip {
                    clipped += r.1 - self.clip;
                    r.1 = self.clip;
                }
            }
            batch = clipped / bins;
            let residual = clipped - batch * bins;
            if let Some(s) = bins.checked_div(residual) {
                // Every one of the `residual` steps lands below `bins`.
                (step, steps) = (s.max(1), residual);
            }
        }
        // Runs and steps up to the current bin, and the last sum's entry (between runs, with
        // no spread excess, the sum stays put for many bins).
        let (mut ri, mut counted, mut si) = (0, 0, 0);
        let mut last = (usize::MAX, T::default());
        for (&b, l) in at.iter().zip(lut.iter_mut()) {
            while ri < runs.len() && runs[ri].0 <= b {
                counted += runs[ri].1;
                ri += 1;
            }
            while si < steps && si * step <= b {
                si += 1;
            }
            let sum = counted + batch * (b + 1) + si;
            if sum != last.0 {
                last = (sum, T::from_f32(sum as f32 * self.lut_scale));
            }
            *l = last.1;
        }
    }
}

/// The grey levels present in an image, in order, and each level's place among them.
struct Levels {
    values: Vec<usize>,
    rank: Vec<u32>,
}

impl Levels {
    fn of<T: Level>(src: &Plane<T>, bins: usize) -> Self {
        let mut seen = vec![false; bins];
        for v in src.as_slice() {
            seen[v.index()] = true;
        }
        let values: Vec<usize> = (0..bins).filter(|&b| seen[b]).collect();
        let mut rank = vec![0u32; bins];
        for (r, &b) in values.iter().enumerate() {
            rank[b] = r as u32;
        }
        Levels { values, rank }
    }
}

/// Where each pixel sits between the tile centres: per column the two tile columns it mixes
/// and the weight of the second, per row the same for tile rows.
struct Grid {
    tiles: (usize, usize),
    inv_th: f32,
    /// Per column `(a, b, xa)`: tile columns `a` and `b`, weight `xa` of `b`.
    cols: Vec<(usize, usize, f32)>,
    /// Runs of columns `x0..x1` that mix the same tile columns `a` and `b`.
    runs: Vec<(usize, usize, usize, usize)>,
}

impl Grid {
    fn new(w: usize, tiles: (usize, usize), tile: (usize, usize)) -> Grid {
        let inv_tw = 1.0f32 / tile.0 as f32;
        let cols: Vec<(usize, usize, f32)> = (0..w)
            .map(|x| between(x as f32 * inv_tw - 0.5, tiles.0))
            .collect();
        let mut runs: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (x, &(a, b, _)) in cols.iter().enumerate() {
            match runs.last_mut() {
                Some(r) if (r.2, r.3) == (a, b) => r.1 = x + 1,
                _ => runs.push((x, x + 1, a, b)),
            }
        }
        Grid {
            tiles,
            inv_th: 1.0f32 / tile.1 as f32,
            cols,
            runs,
        }
    }

    /// Row `y`'s first table index of its upper and lower tile rows, and the lower's weight.
    fn row(&self, y: usize) -> (usize, usize, f32) {
        let (t1, t2, ya) = between(y as f32 * self.inv_th - 0.5, self.tiles.1);
        (t1 * self.tiles.0, t2 * self.tiles.0, ya)
    }
}

/// The tiles either side of tile coordinate `t` (clamped to `0..n`) and the second's weight.
fn between(t: f32, n: usize) -> (usize, usize, f32) {
    let t1 = t.floor();
    let frac = t - t1;
    let t1i = t1 as isize;
    let a = t1i.max(0) as usize;
    let b = ((t1i + 1).max(0) as usize).min(n - 1);
    (a, b, frac)
}

/// The bilinear mix of 16-bit planes, pixel by pixel: tables of 65536 entries, or of one
/// entry per level present (`levels`).
fn mix_u16(src: &GrayU16, luts: &[u16], levels: Option<&Levels>, g: &Grid) -> GrayU16 {
    let n = levels.map_or(65536, |l| l.values.len());
    GrayU16::from_rows(src.width(), src.height(), |y, drow| {
        let (p1, p2, ya) = g.row(y);
        let srow = src.row(y);
        for ((d, &v), &(a, b, xa)) in drow.iter_mut().zip(srow).zip(&g.cols) {
            let k = levels.map_or(usize::from(v), |l| l.rank[usize::from(v)] as usize);
            let l = |tile: usize| -> f32 { f32::from(luts[tile * n + k]) };
            let res = (l(p1 + a) * (1.0 - xa) + l(p1 + b) * xa) * (1.0 - ya)
                + (l(p2 + a) * (1.0 - xa) + l(p2 + b) * xa) * ya;
            *d = u16::from_f32(res);
        }
    })
}

/// The bilinear mix of 8-bit planes: per run of columns the four tables are interleaved into
/// one `u32` table (rebuilt when a row enters a new band of tile rows) and the row goes to the
/// table-mix kernel, vector or scalar.
fn mix_u8(src: &GrayU8, luts: &[u8], g: &Grid, kernels: Kernels) -> GrayU8 {
    let xa: Vec<f32> = g.cols.iter().map(|c| c.2).collect();
    let xa1: Vec<f32> = xa.iter().map(|&a| 1.0 - a).collect();
    let spans: Vec<Span> = g.runs.iter().map(|r| Span { x0: r.0, x1: r.1 }).collect();
    let table = |tile: usize| -> &[u8; 256] {
        let t = &luts[tile * 256..tile * 256 + 256];
        t.try_into().unwrap_or(&[0; 256])
    };
    let cols = Columns {
        spans: &spans,
        xa: &xa,
        xa1: &xa1,
    };
    let mut tables = vec![[0u32; 256]; spans.len()];
    let mut band = None;
    GrayU8::from_rows(src.width(), src.height(), |y, out| {
        let (p1, p2, ya) = g.row(y);
        if band != Some((p1, p2)) {
            for (t, &(_, _, a, b)) in tables.iter_mut().zip(&g.runs) {
                *t = interleave(table(p1 + a), table(p1 + b), table(p2 + a), table(p2 + b));
            }
            band = Some((p1, p2));
        }
        mix_row(out, src.row(y), &cols, &tables, ya, kernels);
    })
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn vector_mix_matches_scalar(w in 1usize..300, h in 1usize..40, tiles in 1usize..10, seed: u64) {
            let mut r = crate::rng::Rng::new(seed);
            // Smooth-ish content with noise, so the tables are not all flat.
            let img = GrayU8::from_vec(w, h, (0..w * h).map(|i| ((i % w) as u64 * 3 + r.next_u64() % 40) as u8).collect()).unwrap();
            let opts = ClaheOptions { clip_limit: 2.0, tiles: (tiles, tiles.div_ceil(2)) };
            let s = clahe_u8_with(&img, &opts, Kernels::Scalar).unwrap();
            prop_assert_eq!(&s, &clahe_u8_with(&img, &opts, Kernels::active()).unwrap());
        }

        /// A tile's table from its sorted values equals the one from its full histogram:
        /// 16-bit values bunched (long runs, clipped) or spread, few pixels or more than the
        /// bins (the excess then spreads over every bin), every clip limit including none;
        /// and 256 bins, where the spread excess is common.
        #[test]
        fn sparse_tables_match_dense(
            n in 1usize..3000, many: bool, spread in 1u32..65536, clip in 0usize..40,
            scale in 0.01f32..80.0, seed: u64, bytes: bool, keep in 1u64..8,
        ) {
            let mut r = crate::rng::Rng::new(seed);
            let n = if many { n + 66_000 } else { n };
            let base = r.range(0, 65535) as u32;
            let t = Table { clip, lut_scale: scale };
            let bins = if bytes { 256 } else { 65536 };
            // Tiles' values and the bins asked for: some of the tile's, some not, always
            // the first and last.
            let mut vals: Vec<u16> = (0..n).map(|_| ((base + r.next_u64() as u32 % spread) % bins as u32) as u16).collect();
            let at: Vec<usize> = (0..bins).filter(|&b| b == 0 || b == bins - 1 || r.next_u64().is_multiple_of(keep)).collect();
            let mut hist = vec![0usize; bins];
            vals.iter().for_each(|&v| hist[usize::from(v)] += 1);
            if bytes {
                let mut vals: Vec<u8> = vals.iter().map(|&v| v as u8).collect();
                let mut full = vec![0u8; 256];
                t.dense(&mut hist, &mut full);
                let mut got = vec![0u8; at.len()];
                t.sparse(&mut vals, bins, &at, &mut got);
                prop_assert_eq!(got, at.iter().map(|&b| full[b]).collect::<Vec<_>>());
            } else {
                let mut full = vec![0u16; 65536];
                t.dense(&mut hist, &mut full);
                let mut got = vec![0u16; at.len()];
                t.sparse(&mut vals, bins, &at, &mut got);
                prop_assert_eq!(got, at.iter().map(|&b| full[b]).collect::<Vec<_>>());
            }
        }

        /// 16-bit CLAHE by sorted tile values gives the image that full histograms give: odd
        /// sizes (padded tiles), grids and clip limits.
        #[test]
        fn sparse_clahe_u16_matches_dense(
            w in 1usize..90, h in 1usize..70, tiles in 1usize..9, clip in 0.0f32..6.0,
            spread in 1u64..65536, seed: u64,
        ) {
            let mut r = crate::rng::Rng::new(seed);
            let base = r.next_u64() % 65536;
            let img = GrayU16::from_vec(w, h, (0..w * h).map(|i| ((base + (i % w) as u64 * 97 + r.next_u64() % spread) % 65536) as u16).collect()).unwrap();
            let opts = ClaheOptions { clip_limit: clip, tiles: (tiles, tiles.div_ceil(2)) };
            prop_assert_eq!(
                clahe_tables(&img, &opts, Kernels::Scalar, true).unwrap(),
                clahe_tables(&img, &opts, Kernels::Scalar, false).unwrap()
            );
        }
    }
}
