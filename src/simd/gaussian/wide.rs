//! `wide` Gaussian: eight columns at a time (`f32x8`), scalar tails, same summation order as
//! the scalar twin, so the results are bit-identical.

use wide::f32x8;

use super::scalar::padded_row;
use crate::image::GrayF32;
use crate::simd::reflect101;

#[inline(always)]
fn load(s: &[f32]) -> f32x8 {
    f32x8::from(&s[..8])
}

pub(super) fn blur_f32(src: &GrayF32, k: &[f32]) -> GrayF32 {
    let (w, h) = (src.width(), src.height());
    let r = k.len() / 2;
    let kv: Vec<f32x8> = k.iter().map(|&v| f32x8::splat(v)).collect();
    let mut tmp = GrayF32::new(w, h);
    let mut buf = Vec::new();
    let body = w - w % 8;
    for y in 0..h {
        padded_row(src.row(y), r, &mut buf);
        let out = tmp.row_mut(y);
        let mut x = 0;
        while x < body {
            let mut acc = f32x8::ZERO;
            for (j, kw) in kv.iter().enumerate() {
                acc += *kw * load(&buf[x + j..]);
            }
            out[x..x + 8].copy_from_slice(acc.as_array());
            x += 8;
        }
        for (x, o) in out.iter_mut().enumerate().skip(body) {
            let mut acc = 0.0f32;
            for (j, &kw) in k.iter().enumerate() {
                acc += kw * buf[x + j];
            }
            *o = acc;
        }
    }
    let mut dst = GrayF32::new(w, h);
    let t = tmp.as_slice();
    for y in 0..h {
        let rows: Vec<&[f32]> = (0..k.len())
            .map(|j| {
                let ry = reflect101(y as isize + j as isize - r as isize, h);
                &t[ry * w..(ry + 1) * w]
            })
            .collect();
        let out = dst.row_mut(y);
        let mut x = 0;
        while x < body {
            let mut acc = f32x8::ZERO;
            for (kw, row) in kv.iter().zip(&rows) {
                acc += *kw * load(&row[x..]);
            }
            out[x..x + 8].copy_from_slice(acc.as_array());
            x += 8;
        }
        for (x, o) in out.iter_mut().enumerate().skip(body) {
            let mut acc = 0.0f32;
            for (&kw, row) in k.iter().zip(&rows) {
                acc += kw * row[x];
            }
            *o = acc;
        }
    }
    dst
}
