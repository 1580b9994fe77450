//! The horizontal pass four rows at a time, as the four lanes of `wide::f32x4`.

use wide::f32x4;

use super::dot;
use crate::image::{GrayF32, Plane};

/// Every row of `src` reduced to `xt.len()` columns (`dst` is `xt.len() × src.height()`).
pub(super) fn rows<T: Copy + Into<f32>>(
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
    super::scalar::rows(src, xt, dst, y);
}
