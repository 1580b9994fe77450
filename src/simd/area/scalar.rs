//! The reference horizontal pass, row by row, output by output.

use super::dot;
use crate::image::{GrayF32, Plane};

/// Rows `from..` of `src` reduced to `xt.len()` columns, into the same rows of `dst`.
pub(super) fn rows<T: Copy + Into<f32>>(
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
