//! CLAHE (contrast-limited adaptive histogram equalisation) with OpenCV's semantics:
//! the image is padded (`REFLECT_101`) to a multiple of the tile grid, each tile's histogram is
//! clipped at `clip_limit × tile_pixels / bins` (at least 1) with the excess spread evenly and
//! the remainder spread in steps, the cumulative histogram scaled by `(bins − 1) / tile_pixels`
//! becomes the tile's look-up table, and every pixel mixes the four nearest tiles' tables
//! bilinearly. `u8` uses 256 bins, `u16` 65536, exactly as `cv::createCLAHE`.

use crate::error::{Error, Result};
use crate::image::{GrayU16, GrayU8, Plane};
use crate::simd::reflect101;

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
    fn index(self) -> usize;
    fn from_f32(v: f32) -> Self;
}

/// Round half to even (what OpenCV's `cvRound` does), inline: adding and removing 2²³ leaves
/// a float in `0 ≤ v < 2²³` rounded to an integer in the default rounding mode. Other values
/// (never met here: table entries are at most 65535) fall back to `round_ties_even`.
#[inline(always)]
fn round_even(v: f32) -> f32 {
    const BIG: f32 = 8_388_608.0;
    if (0.0..BIG).contains(&v) {
        (v + BIG) - BIG
    } else {
        v.round_ties_even()
    }
}

impl Level for u8 {
    const BINS: usize = 256;
    fn index(self) -> usize {
        self as usize
    }
    fn from_f32(v: f32) -> Self {
        round_even(v).clamp(0.0, 255.0) as u8
    }
}

impl Level for u16 {
    const BINS: usize = 65536;
    fn index(self) -> usize {
        self as usize
    }
    fn from_f32(v: f32) -> Self {
        round_even(v).clamp(0.0, 65535.0) as u16
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
    clahe(src, opts)
}

/// CLAHE of a 16-bit plane (65536 bins, as OpenCV).
///
/// # Errors
/// As [`clahe_u8`].
pub fn clahe_u16(src: &GrayU16, opts: &ClaheOptions) -> Result<GrayU16> {
    clahe(src, opts)
}

fn clahe<T: Level>(src: &Plane<T>, opts: &ClaheOptions) -> Result<Plane<T>> {
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
    let mut luts = vec![T::default(); tx * ty * bins];
    let mut hist = vec![0usize; bins];
    for j in 0..ty {
        for i in 0..tx {
            hist.iter_mut().for_each(|v| *v = 0);
            let (x0, x1) = (i * tw, (i + 1) * tw);
            for yy in j * th..(j + 1) * th {
                let sy = reflect101(yy as isize, h);
                let row = src.row(sy);
                // The part inside the image in one tight loop, the padded tail apart.
                for &v in &row[x0.min(w)..x1.min(w)] {
                    hist[v.index()] += 1;
                }
                for xx in x1.min(w).max(x0)..x1 {
                    hist[row[reflect101(xx as isize, w)].index()] += 1;
                }
            }
            if clip > 0 {
                let mut clipped = 0;
                for v in hist.iter_mut() {
                    if *v > clip {
                        clipped += *v - clip;
                        *v = clip;
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
            let lut = &mut luts[(j * tx + i) * bins..(j * tx + i + 1) * bins];
            let mut sum = 0usize;
            for (l, &c) in lut.iter_mut().zip(&hist) {
                sum += c;
                *l = T::from_f32(sum as f32 * lut_scale);
            }
        }
    }
    // Bilinear mix of the four nearest tiles' tables.
    let inv_tw = 1.0f32 / tw as f32;
    let inv_th = 1.0f32 / th as f32;
    let xs: Vec<(usize, usize, f32)> = (0..w)
        .map(|x| {
            let txf = x as f32 * inv_tw - 0.5;
            let t1 = txf.floor();
            let xa = txf - t1;
            let t1i = t1 as isize;
            let a = t1i.max(0) as usize;
            let b = ((t1i + 1).max(0) as usize).min(tx - 1);
            (a, b, xa)
        })
        .collect();
    // Tables as f32 (once per tile and level, not once per pixel); 8-bit tables only, the
    // 16-bit ones would be 16 MB.
    let lutf: Vec<f32> = if bins <= 256 {
        luts.iter().map(|v| v.index() as f32).collect()
    } else {
        Vec::new()
    };
    // Runs of columns that mix the same two tile columns.
    let mut runs: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (x, &(a, b, _)) in xs.iter().enumerate() {
        match runs.last_mut() {
            Some(r) if (r.2, r.3) == (a, b) => r.1 = x + 1,
            _ => runs.push((x, x + 1, a, b)),
        }
    }
    let mut dst = Plane::<T>::new(w, h);
    for y in 0..h {
        let tyf = y as f32 * inv_th - 0.5;
        let t1 = tyf.floor();
        let ya = tyf - t1;
        let t1i = t1 as isize;
        let ty1 = t1i.max(0) as usize;
        let ty2 = ((t1i + 1).max(0) as usize).min(ty - 1);
        let (p1, p2) = (ty1 * tx, ty2 * tx);
        let srow = src.row(y);
        let drow = dst.row_mut(y);
        if lutf.is_empty() {
            for x in 0..w {
                let (a, b, xa) = xs[x];
                let v = srow[x].index();
                let l = |tile: usize| -> f32 { luts[tile * bins + v].index() as f32 };
                let res = (l(p1 + a) * (1.0 - xa) + l(p1 + b) * xa) * (1.0 - ya)
                    + (l(p2 + a) * (1.0 - xa) + l(p2 + b) * xa) * ya;
                drow[x] = T::from_f32(res);
            }
        } else {
            // The same arithmetic on the f32 tables, a run of columns with the same two tile
            // columns at a time: four 256-entry tables indexed by a byte (no bounds checks).
            let ya1 = 1.0 - ya;
            let table = |tile: usize| -> &[f32; 256] {
                let t = &lutf[tile * 256..tile * 256 + 256];
                t.try_into().unwrap_or(&[0.0; 256])
            };
            for &(x0, x1, a, b) in &runs {
                let (l1a, l1b, l2a, l2b) =
                    (table(p1 + a), table(p1 + b), table(p2 + a), table(p2 + b));
                for ((d, &sv), &(_, _, xa)) in
                    drow[x0..x1].iter_mut().zip(&srow[x0..x1]).zip(&xs[x0..x1])
                {
                    let v = sv.index() & 255;
                    let res = (l1a[v] * (1.0 - xa) + l1b[v] * xa) * ya1
                        + (l2a[v] * (1.0 - xa) + l2b[v] * xa) * ya;
                    *d = T::from_f32(res);
                }
            }
        }
    }
    Ok(dst)
}
