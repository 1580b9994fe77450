//! The horizontal pass of area resampling ([`crate::enhance::area_resize`]): every input
//! row reduced to the output columns, each output the sum of its taps' `value · weight` in
//! tap order, in `f32`.
//!
//! The scalar twin (`scalar.rs`) goes row by row, output by output. The vector version
//! (`vector.rs`) takes four rows at a time as the four lanes of `wide::f32x4`: the rows are
//! converted to `f32`, turned into columns by 4×4 transposes (SSE or NEON shuffles), and
//! each output's taps are summed for the four rows at once, one column load, one multiply
//! and one add per tap. Each lane performs the twin's operations in the twin's order, so the
//! results are bit-identical; the rows past the last group of four are the twin's. Four
//! lanes are all this pass can use, so it has one vector level, `wide` at the build's
//! instruction set, whatever [`Kernels`] level above the scalar one is asked for.

mod scalar;
mod vector;

use super::Kernels;
use crate::image::{GrayF32, Plane};

/// One output's taps: `(input column, weight)`, in order.
pub(crate) type Taps = [(usize, f32)];

/// `Σ value(i) · weight` over `taps` in order, the first product taken as is (what
/// `-0.0 + p` gives for every `p`, as an `f32` sum starting at `-0.0` does).
#[inline(always)]
pub(super) fn dot<V: Copy + core::ops::Mul<Output = V> + core::ops::Add<Output = V>>(
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

/// Every row of `src` reduced to `xt.len()` columns (`dst` is `xt.len() × src.height()`).
pub(crate) fn rows<T: Copy + Into<f32>>(
    src: &Plane<T>,
    xt: &[Vec<(usize, f32)>],
    dst: &mut GrayF32,
    kernels: Kernels,
) {
    match kernels {
        Kernels::Scalar => scalar::rows(src, xt, dst, 0),
        _ => vector::rows(src, xt, dst),
    }
}
