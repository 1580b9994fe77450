//! Scalar Gaussian: the specification of the `wide` twin (same operations, same order).
//!
//! Both passes work a row at a time. The horizontal pass filters a padded source row into a
//! ring of filtered rows (each source row is filtered once, no intermediate plane; each ring
//! row starts on a 64-byte boundary); the vertical pass makes up to [`ROWS`] output rows at
//! a time, each from the `2r + 1` ring rows around it.
//!
//! * `f32`: each output starts as `k[r] · centre` and then, for `j = 0..r`, gains
//!   `k[j] · (left_j + right_j)` (the kernel is symmetric).
//! * `u8`: fixed point in `u16`. The source is widened to `v · 256`; each pass sums
//!   `mulhi(v, w[j]) = (v · w[j]) >> 16` over the taps, with `w` the kernel in units of 2⁻¹⁶
//!   (sum 65536, every weight at most 65535), so the filtered rows stay in 8.8 fixed point
//!   and never overflow; the output is `(v + 128 + b) >> 8`, where `b = min(2r + 1, 127)` makes up
//!   on average for the `2(2r + 1)` truncations. At most one grey level from the exact blur,
//!   and (for `r < 64`) never outside the source's range.

use crate::image::{GrayF32, GrayU8, Plane, RowsBuilder};
use crate::simd::reflect101;

/// `row` with `r` reflected pixels on both sides (`REFLECT_101`), each through `f`.
#[inline(always)]
pub(super) fn padded_row<T: Copy, M>(row: &[T], r: usize, f: impl Fn(T) -> M, buf: &mut Vec<M>) {
    let w = row.len();
    let at = |i: usize| f(row[reflect101(i as isize - r as isize, w)]);
    buf.clear();
    buf.extend((0..r).map(at));
    buf.extend(row.iter().map(|&v| f(v)));
    buf.extend((w + r..w + 2 * r).map(at));
}

/// Output rows the vertical pass makes per call: the ring rows they share are brought into
/// L1 once for all of them (at 1024 columns the `2r + 1` rows of one output row do not fit
/// L1). With the ring rows on 64-byte boundaries (below), the `f32` blur at 1024² took
/// 1.55 ms before, 1.26 with one row per call and 1.18–1.22 with four (AVX-512).
pub(super) const ROWS: usize = 4;

/// Both passes with the given row operations: `hrow(out, padded)` filters one padded source
/// row (`w + 2r` long) into `out`; `vrow(out, ring, offsets)` makes the output rows in `out`
/// (one or [`ROWS`], `w` each) from the ring rows starting at `offsets` (row `y - r` first,
/// `2r + rows` of them; output row `i` reads `offsets[i..i + 2r + 1]`). Inlined, so that a
/// dispatched `#[target_feature]` caller compiles the row operations for its instruction set.
#[inline(always)]
pub(super) fn blur_with<T: Copy, M: Copy + Default, U: Copy + Default + PartialEq>(
    src: &Plane<T>,
    r: usize,
    widen: impl Fn(T) -> M,
    hrow: impl Fn(&mut [M], &[M]),
    vrow: impl Fn(&mut [U], &[M], &[usize]),
) -> Plane<U> {
    let (w, h) = (src.width(), src.height());
    let n = 2 * r + 1;
    // Ring slots: a window of `n + ROWS - 1` consecutive source rows (reflected at the edges,
    // which keeps it within that many consecutive rows) lands on distinct slots.
    let m = n + ROWS - 1;
    // Each ring row starts on a 64-byte boundary, so that whole-vector loads of it do not
    // split across cache lines.
    let stride = w.next_multiple_of(64 / std::mem::size_of::<M>().max(1));
    let mut store = vec![M::default(); m * stride + 64];
    let base = store.as_ptr().align_offset(64).min(64);
    let ring = &mut store[base..base + m * stride];
    let mut held = vec![usize::MAX; m];
    let mut buf = Vec::new();
    let mut offsets = vec![0usize; m];
    let mut dst = RowsBuilder::new(w, h, U::default());
    let mut y = 0;
    while y < h {
        let rows = ROWS.min(h - y);
        let span = n + rows - 1;
        for (d, off) in offsets[..span].iter_mut().enumerate() {
            let ry = reflect101(y as isize + d as isize - r as isize, h);
            let slot = ry % m;
            if held[slot] != ry {
                padded_row(src.row(ry), r, &widen, &mut buf);
                hrow(&mut ring[slot * stride..slot * stride + w], &buf);
                held[slot] = ry;
            }
            *off = slot * stride;
        }
        vrow(dst.next_rows(rows), ring, &offsets[..span]);
        y += rows;
    }
    dst.finish()
}

/// How many output rows a [`blur_with`] `vrow` call makes (`offs` holds `n + rows − 1`
/// ring offsets) and their width (`out` holds them all).
#[inline(always)]
pub(super) fn rows_and_width(out_len: usize, offs: &[usize], n: usize) -> (usize, usize) {
    let rows = (offs.len() + 1 - n).max(1);
    (rows, out_len / rows)
}

/// The output rows of a [`blur_with`] `vrow` call, each with its `n` ring offsets.
#[inline(always)]
pub(super) fn out_rows<'a, U>(
    out: &'a mut [U],
    offs: &'a [usize],
    n: usize,
) -> impl Iterator<Item = (&'a mut [U], &'a [usize])> {
    let (_, w) = rows_and_width(out.len(), offs, n);
    out.chunks_exact_mut(w.max(1)).zip(offs.windows(n))
}

/// One `f32` output: `k[r]·c + Σ_j k[j]·(l_j + r_j)`, where `at(j)` reads tap `j` of `2r + 1`.
#[inline(always)]
pub(super) fn tap_f32(k: &[f32], at: impl Fn(usize) -> f32) -> f32 {
    let r = k.len() / 2;
    let mut a = k[r] * at(r);
    for (j, &kj) in k[..r].iter().enumerate() {
        a += kj * (at(j) + at(2 * r - j));
    }
    a
}

/// Horizontal `f32` pass over outputs `from..out.len()`.
pub(super) fn hrow_f32(out: &mut [f32], p: &[f32], k: &[f32], from: usize) {
    for (x, o) in out.iter_mut().enumerate().skip(from) {
        *o = tap_f32(k, |j| p[x + j]);
    }
}

/// Vertical `f32` pass over outputs `from..out.len()`.
pub(super) fn vrow_f32(out: &mut [f32], ring: &[f32], offs: &[usize], k: &[f32], from: usize) {
    for (x, o) in out.iter_mut().enumerate().skip(from) {
        *o = tap_f32(k, |j| ring[offs[j] + x]);
    }
}

/// The `u8` kernel in units of 2⁻¹⁶: rounded, the centre adjusted so the sum is 65536, then
/// every weight capped at 65535 (only a σ so small the kernel is an impulse reaches the cap).
pub(super) fn kernel_q16(k: &[f32]) -> Vec<u16> {
    let mut q: Vec<i64> = k
        .iter()
        .map(|&v| (f64::from(v) * 65536.0).round() as i64)
        .collect();
    let r = k.len() / 2;
    let rest: i64 = q.iter().sum::<i64>() - q[r];
    q[r] = 65536 - rest;
    q.into_iter().map(|v| v.clamp(0, 65535) as u16).collect()
}

/// `(a · b) >> 16`.
#[inline(always)]
fn mulhi(a: u16, b: u16) -> u16 {
    ((u32::from(a) * u32::from(b)) >> 16) as u16
}

/// One fixed-point output: `Σ mulhi(tap, w)` over the `2r + 1` taps, centre first, then the
/// pairs `j = 0..r` (left before right), wrapping `u16` adds (they never wrap).
#[inline(always)]
pub(super) fn tap_q16(w: &[u16], at: impl Fn(usize) -> u16) -> u16 {
    let r = w.len() / 2;
    let mut a = mulhi(at(r), w[r]);
    for (j, &wj) in w[..r].iter().enumerate() {
        a = a
            .wrapping_add(mulhi(at(j), wj))
            .wrapping_add(mulhi(at(2 * r - j), wj));
    }
    a
}

/// Horizontal fixed-point pass over outputs `from..out.len()`.
pub(super) fn hrow_q16(out: &mut [u16], p: &[u16], w: &[u16], from: usize) {
    for (x, o) in out.iter_mut().enumerate().skip(from) {
        *o = tap_q16(w, |j| p[x + j]);
    }
}

/// The rounding bias `b = min(2r + 1, 127)` for the kernel `w` (see the module doc).
pub(super) fn round_bias(w: &[u16]) -> u16 {
    w.len().min(127) as u16
}

/// 8.8 fixed point to `u8` with the rounding bias `b`.
#[inline(always)]
pub(super) fn round_q8(v: u16, b: u16) -> u8 {
    (v.wrapping_add(128 + b) >> 8) as u8
}

/// Vertical fixed-point pass, rounded to `u8`, over outputs `from..out.len()`.
pub(super) fn vrow_q16(out: &mut [u8], ring: &[u16], offs: &[usize], w: &[u16], from: usize) {
    let b = round_bias(w);
    for (x, o) in out.iter_mut().enumerate().skip(from) {
        *o = round_q8(tap_q16(w, |j| ring[offs[j] + x]), b);
    }
}

pub(super) fn blur_f32(src: &GrayF32, k: &[f32]) -> GrayF32 {
    blur_with(
        src,
        k.len() / 2,
        |v| v,
        |o, p| hrow_f32(o, p, k, 0),
        |o, ring, offs| {
            for (o, offs) in out_rows(o, offs, k.len()) {
                vrow_f32(o, ring, offs, k, 0);
            }
        },
    )
}

pub(super) fn blur_u8(src: &GrayU8, k: &[f32]) -> GrayU8 {
    let w = kernel_q16(k);
    blur_with(
        src,
        k.len() / 2,
        |v| u16::from(v) << 8,
        |o, p| hrow_q16(o, p, &w, 0),
        |o, ring, offs| {
            for (o, offs) in out_rows(o, offs, w.len()) {
                vrow_q16(o, ring, offs, &w, 0);
            }
        },
    )
}
