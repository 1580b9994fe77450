//! Scalar Gaussian: the specification of the `wide` twin (same order of operations).
//!
//! Both passes stream whole rows: the accumulator starts as `k[r] · centre` and then, for
//! `j = 0..r`, gains `k[j] · (left_j + right_j)` (the kernel is symmetric), element by
//! element. The `wide` twin does exactly these operations eight lanes at a time.

use crate::image::GrayF32;
use crate::simd::reflect101;

/// `row` with `r` reflected pixels on both sides (`REFLECT_101`), as `f32`.
pub(super) fn padded_row<T: Copy + Into<f32>>(row: &[T], r: usize, buf: &mut Vec<f32>) {
    let w = row.len();
    buf.clear();
    buf.extend((0..r).map(|i| row[reflect101(i as isize - r as isize, w)].into()));
    buf.extend(row.iter().map(|&v| v.into()));
    buf.extend((w + r..w + 2 * r).map(|i| row[reflect101(i as isize - r as isize, w)].into()));
}

/// `acc = c · centre`.
pub(super) fn start(acc: &mut [f32], c: f32, centre: &[f32]) {
    for (a, &v) in acc.iter_mut().zip(centre) {
        *a = c * v;
    }
}

/// `acc += c · (left + right)`.
pub(super) fn add_pair(acc: &mut [f32], c: f32, left: &[f32], right: &[f32]) {
    for ((a, &l), &r) in acc.iter_mut().zip(left).zip(right) {
        *a += c * (l + r);
    }
}

/// Both passes with the given row primitives. The horizontally filtered rows live in a ring
/// of `2r + 1` rows (each source row is filtered once), so no intermediate plane is made.
pub(super) fn blur_with<T: Copy + Into<f32>, U: Copy + Default>(
    src: &crate::image::Plane<T>,
    k: &[f32],
    start: impl Fn(&mut [f32], f32, &[f32]),
    add_pair: impl Fn(&mut [f32], f32, &[f32], &[f32]),
    finish: impl Fn(&[f32], &mut [U]),
) -> crate::image::Plane<U> {
    let (w, h) = (src.width(), src.height());
    let r = k.len() / 2;
    let n = 2 * r + 1;
    let mut ring = vec![0f32; n * w];
    let mut held = vec![usize::MAX; n];
    let mut buf = Vec::new();
    let mut dst = crate::image::Plane::<U>::new(w, h);
    let mut acc = vec![0f32; w];
    for y in 0..h {
        // Filter the rows this output needs that the ring does not hold yet.
        for d in 0..n {
            let ry = reflect101(y as isize + d as isize - r as isize, h);
            let slot = ry % n;
            if held[slot] != ry {
                padded_row(src.row(ry), r, &mut buf);
                let out = &mut ring[slot * w..(slot + 1) * w];
                start(out, k[r], &buf[r..r + w]);
                for j in 0..r {
                    add_pair(out, k[j], &buf[j..j + w], &buf[2 * r - j..2 * r - j + w]);
                }
                held[slot] = ry;
            }
        }
        let row = |d: isize| {
            let slot = reflect101(y as isize + d, h) % n;
            &ring[slot * w..(slot + 1) * w]
        };
        start(&mut acc, k[r], row(0));
        for (j, &kj) in k[..r].iter().enumerate() {
            let d = (r - j) as isize;
            add_pair(&mut acc, kj, row(-d), row(d));
        }
        finish(&acc, dst.row_mut(y));
    }
    dst
}

/// Copies a finished row.
pub(super) fn finish_f32(acc: &[f32], out: &mut [f32]) {
    out.copy_from_slice(acc);
}

/// Rounds a finished row to `u8`: `floor(v + 0.5)` clamped to 0..=255, computed as the
/// truncation of `v + 0.5` clamped first (the same for every input, NaN giving 0).
#[allow(clippy::manual_clamp)] // `clamp` would keep a NaN; this gives 0, as `as u8` does
pub(super) fn finish_u8(acc: &[f32], out: &mut [u8]) {
    for (o, &v) in out.iter_mut().zip(acc) {
        *o = (v + 0.5).max(0.0).min(255.0) as u8;
    }
}

pub(super) fn blur_f32(src: &GrayF32, k: &[f32]) -> GrayF32 {
    blur_with(src, k, start, add_pair, finish_f32)
}

pub(super) fn blur_u8(src: &crate::image::GrayU8, k: &[f32]) -> crate::image::GrayU8 {
    blur_with(src, k, start, add_pair, finish_u8)
}
