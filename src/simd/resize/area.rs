//! The horizontal pass of area resampling ([`crate::enhance::area_resize`]): every input
//! row reduced to the output columns, each output the sum of its taps' `value · weight` in
//! tap order, in `f32`.
//!
//! The scalar twin goes row by row, output by output. The vector version takes four rows
//! at a time as the four lanes of `wide::f32x4`: the rows are converted to `f32`, turned
//! into columns by 4×4 transposes (SSE or NEON shuffles), and each output's taps are summed
//! for the four rows at once, one column load, one multiply and one add per tap. Each lane
//! performs the twin's operations in the twin's order, so the results are bit-identical;
//! the rows past the last group of four are the twin's.

use crate::image::{GrayF32, Plane};
use wide::f32x4;

/// One output's taps: `(input column, weight)`, in order.
pub(crate) type Taps = [(usize, f32)];

/// `Σ value(i) · weight` over `taps` in order, the first product taken as is (what
/// `-0.0 + p` gives for every `p`, as an `f32` sum starting at `-0.0` does).
#[inline(always)]
fn dot<V: Copy + core::ops::Mul<Output = V> + core::ops::Add<Output = V>>(
    taps: &Taps,
    value: impl Fn(usize) -> V,
    splat: impl Fn(f32) -> V,
) -> Option<V> {
    let (&(i0, w0), rest) = taps.split_first()?;
    let mut acc = value(i0) * splat(w0);
    for &(i, wt) in rest {
        acc = acc + value(i) * splat(wt);
    }
    Some(acc)
}

/// Rows `from..` of `src` reduced to `xt.len()` columns, into the same rows of `dst`.
pub(crate) fn rows_scalar<T: Copy + Into<f32>>(
    src: &Plane<T>,
    xt: &[Vec<(usize, f32)>],
    dst: &mut GrayF32,
    from: usize,
) {
    for y in from..src.height() {
        let row = src.row(y);
        for (o, taps) in dst.row_mut(y).iter_mut().zip(xt) {
            *o = dot(taps, |i| row[i].into(), |w| w).unwrap_or(0.0);
        }
    }
}

/// Every row of `src` reduced to `xt.len()` columns (`dst` is `xt.len() × src.height()`).
pub(crate) fn rows_wide<T: Copy + Into<f32>>(
    src: &Plane<T>,
    xt: &[Vec<(usize, f32)>],
    dst: &mut GrayF32,
) {
    let (w, h) = (src.width(), src.height());
    let ow = dst.width();
    // Four rows in f32, one after the other, then as columns: four values per input column.
    let mut rows = vec![0f32; 4 * w];
    let mut cols = vec![f32x4::ZERO; w];
    let mut y = 0;
    while y + 4 <= h {
        for (k, r) in rows.chunks_exact_mut(w).enumerate() {
            for (d, &v) in r.iter_mut().zip(src.row(y + k)) {
                *d = v.into();
            }
        }
        let (r0, rest) = rows.split_at(w);
        let (r1, rest) = rest.split_at(w);
        let (r2, r3) = rest.split_at(w);
        let load = |r: &[f32], i: usize| f32x4::new([r[i], r[i + 1], r[i + 2], r[i + 3]]);
        let whole = w - w % 4;
        for (i, c) in (0..whole).step_by(4).zip(cols.chunks_exact_mut(4)) {
            c.copy_from_slice(&f32x4::transpose([
                load(r0, i),
                load(r1, i),
                load(r2, i),
                load(r3, i),
            ]));
        }
        for i in whole..w {
            cols[i] = f32x4::new([r0[i], r1[i], r2[i], r3[i]]);
        }
        let out = &mut dst.as_mut_slice()[y * ow..(y + 4) * ow];
        for (o, taps) in xt.iter().enumerate() {
            let v = dot(taps, |i| cols[i], f32x4::splat).unwrap_or(f32x4::ZERO);
            for (k, &lane) in v.to_array().iter().enumerate() {
                out[k * ow + o] = lane;
            }
        }
        y += 4;
    }
    rows_scalar(src, xt, dst, y);
}
