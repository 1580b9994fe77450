//! `wide` Gaussian: the scalar twin's row operations eight lanes at a time (`f32x8`), scalar
//! tails; the same operations in the same order, so the results are bit-identical.

use wide::f32x8;

use crate::image::{GrayF32, GrayU8};

fn start(acc: &mut [f32], c: f32, centre: &[f32]) {
    let n = acc.len().min(centre.len());
    let body = n - n % 8;
    let cv = f32x8::splat(c);
    for (a, v) in acc[..body]
        .chunks_exact_mut(8)
        .zip(centre[..body].chunks_exact(8))
    {
        a.copy_from_slice((cv * f32x8::from(v)).as_array());
    }
    super::scalar::start(&mut acc[body..n], c, &centre[body..n]);
}

fn add_pair(acc: &mut [f32], c: f32, left: &[f32], right: &[f32]) {
    let n = acc.len().min(left.len()).min(right.len());
    let body = n - n % 8;
    let cv = f32x8::splat(c);
    for ((a, l), r) in acc[..body]
        .chunks_exact_mut(8)
        .zip(left[..body].chunks_exact(8))
        .zip(right[..body].chunks_exact(8))
    {
        let v = f32x8::from(&*a) + cv * (f32x8::from(l) + f32x8::from(r));
        a.copy_from_slice(v.as_array());
    }
    super::scalar::add_pair(&mut acc[body..n], c, &left[body..n], &right[body..n]);
}

fn finish_u8(acc: &[f32], out: &mut [u8]) {
    let n = acc.len().min(out.len());
    let body = n - n % 8;
    let (half, lo, hi) = (f32x8::splat(0.5), f32x8::splat(0.0), f32x8::splat(255.0));
    for (o, a) in out[..body]
        .chunks_exact_mut(8)
        .zip(acc[..body].chunks_exact(8))
    {
        let v = (f32x8::from(a) + half).max(lo).min(hi).trunc_int();
        for (o, &i) in o.iter_mut().zip(v.as_array()) {
            *o = i as u8;
        }
    }
    super::scalar::finish_u8(&acc[body..n], &mut out[body..n]);
}

pub(super) fn blur_f32(src: &GrayF32, k: &[f32]) -> GrayF32 {
    super::scalar::blur_with(src, k, start, add_pair, super::scalar::finish_f32)
}

pub(super) fn blur_u8(src: &GrayU8, k: &[f32]) -> GrayU8 {
    super::scalar::blur_with(src, k, start, add_pair, finish_u8)
}
