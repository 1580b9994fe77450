//! Scalar Gaussian: the specification of the `wide` twin (same order of operations).

use crate::image::GrayF32;
use crate::simd::reflect101;

/// Horizontal pass into `out`: `out[x] = Σ_k k[j]·row[reflect(x + j − r)]`, summed in `j` order.
pub(super) fn padded_row(row: &[f32], r: usize, buf: &mut Vec<f32>) {
    let w = row.len();
    buf.clear();
    buf.extend((0..w + 2 * r).map(|i| row[reflect101(i as isize - r as isize, w)]));
}

pub(super) fn blur_f32(src: &GrayF32, k: &[f32]) -> GrayF32 {
    let (w, h) = (src.width(), src.height());
    let r = k.len() / 2;
    let mut tmp = GrayF32::new(w, h);
    let mut buf = Vec::new();
    for y in 0..h {
        padded_row(src.row(y), r, &mut buf);
        let out = tmp.row_mut(y);
        for (x, o) in out.iter_mut().enumerate() {
            let mut acc = 0.0f32;
            for (j, &kw) in k.iter().enumerate() {
                acc += kw * buf[x + j];
            }
            *o = acc;
        }
    }
    let mut dst = GrayF32::new(w, h);
    for y in 0..h {
        let rows: Vec<usize> = (0..k.len())
            .map(|j| reflect101(y as isize + j as isize - r as isize, h))
            .collect();
        let out = dst.row_mut(y);
        for (x, o) in out.iter_mut().enumerate() {
            let mut acc = 0.0f32;
            for (j, &kw) in k.iter().enumerate() {
                acc += kw * tmp.as_slice()[rows[j] * w + x];
            }
            *o = acc;
        }
    }
    dst
}
