//! `wide` Gaussian: the scalar twin's per-output sums, whole vectors of outputs at a time with
//! every tap summed in registers (one store per vector): `f32` on `f32x16` with [`BLOCK`]
//! vectors in flight so the accumulators' add chains overlap, 8.8 fixed point on `u16x32`
//! one vector at a time. Same operations in the same order per output, so results are
//! bit-identical. A row's last vector ends at its end; rows narrower than a vector are the
//! scalar twin's.

use wide::{f32x16, i16x8, u16x32, u8x16};

use super::scalar;
use crate::image::{GrayF32, GrayU8};
use crate::simd::lanes::{for_each_vector, mulhi_u16x32, scalar_from, BLOCK};

#[inline(always)]
fn f16(s: &[f32]) -> f32x16 {
    bytemuck::pod_read_unaligned(bytemuck::cast_slice(&s[..16]))
}

#[inline(always)]
fn u32l(s: &[u16]) -> u16x32 {
    bytemuck::pod_read_unaligned(bytemuck::cast_slice(&s[..32]))
}

/// `k[r]·c + Σ_j k[j]·(l_j + r_j)` on `N` vectors of 16 lanes; `at(j, i)` loads tap `j` of
/// vector `i`.
#[inline(always)]
fn taps_f32<const N: usize>(k: &[f32], at: impl Fn(usize, usize) -> f32x16) -> [f32x16; N] {
    let r = k.len() / 2;
    let c = f32x16::splat(k[r]);
    let mut a: [f32x16; N] = core::array::from_fn(|i| c * at(r, i));
    for (j, &kj) in k[..r].iter().enumerate() {
        let kv = f32x16::splat(kj);
        for (i, a) in a.iter_mut().enumerate() {
            *a += kv * (at(j, i) + at(2 * r - j, i));
        }
    }
    a
}

/// `Σ mulhi(tap, w)` on 32 lanes, in the scalar twin's order.
#[inline(always)]
fn taps_q16(w: &[u16], at: impl Fn(usize) -> u16x32) -> u16x32 {
    let r = w.len() / 2;
    let mut a = mulhi_u16x32(at(r), u16x32::splat(w[r]));
    for (j, &wj) in w[..r].iter().enumerate() {
        let wv = u16x32::splat(wj);
        a = a + mulhi_u16x32(at(j), wv) + mulhi_u16x32(at(2 * r - j), wv);
    }
    a
}

/// Runs `step::<BLOCK>` over blocks of `BLOCK · lanes` outputs, then `step::<1>` over single
/// vectors, the last one ending at the row's end (overlapping: the same values again);
/// returns where the scalar tail starts (only rows narrower than a vector have one).
macro_rules! blocks {
    ($n:expr, $lanes:expr, |$x:ident, $nv:ident| $body:expr) => {{
        let n = $n;
        let mut $x = 0;
        while $x + BLOCK * $lanes <= n {
            const $nv: usize = BLOCK;
            $body;
            $x += BLOCK * $lanes;
        }
        while $x + $lanes <= n {
            const $nv: usize = 1;
            $body;
            $x += $lanes;
        }
        if $x < n && n >= $lanes {
            let $x = n - $lanes;
            const $nv: usize = 1;
            $body;
        }
        scalar_from(n, $lanes)
    }};
}

fn hrow_f32(out: &mut [f32], p: &[f32], k: &[f32]) {
    let tail = blocks!(out.len(), 16, |x, NV| {
        let v = taps_f32::<NV>(k, |j, i| f16(&p[x + 16 * i + j..]));
        for (i, v) in v.iter().enumerate() {
            out[x + 16 * i..x + 16 * i + 16].copy_from_slice(v.as_array());
        }
    });
    scalar::hrow_f32(out, p, k, tail);
}

fn vrow_f32(out: &mut [f32], ring: &[f32], offs: &[usize], k: &[f32]) {
    let tail = blocks!(out.len(), 16, |x, NV| {
        let v = taps_f32::<NV>(k, |j, i| f16(&ring[offs[j] + x + 16 * i..]));
        for (i, v) in v.iter().enumerate() {
            out[x + 16 * i..x + 16 * i + 16].copy_from_slice(v.as_array());
        }
    });
    scalar::vrow_f32(out, ring, offs, k, tail);
}

fn hrow_q16(out: &mut [u16], p: &[u16], w: &[u16]) {
    let tail = for_each_vector(out.len(), 32, |x| {
        let v = taps_q16(w, |j| u32l(&p[x + j..]));
        out[x..x + 32].copy_from_slice(v.as_array());
    });
    scalar::hrow_q16(out, p, w, tail);
}

fn vrow_q16(out: &mut [u8], ring: &[u16], offs: &[usize], w: &[u16]) {
    let bias = u16x32::splat(128 + scalar::round_bias(w));
    let tail = for_each_vector(out.len(), 32, |x| {
        let v: u16x32 = (taps_q16(w, |j| u32l(&ring[offs[j] + x..])) + bias) >> 8_u32;
        // At most 255 after the shift, so the signed saturating narrowing is exact.
        let [q0, q1, q2, q3]: [i16x8; 4] = bytemuck::cast(v);
        out[x..x + 16].copy_from_slice(u8x16::narrow_i16x8(q0, q1).as_array());
        out[x + 16..x + 32].copy_from_slice(u8x16::narrow_i16x8(q2, q3).as_array());
    });
    scalar::vrow_q16(out, ring, offs, w, tail);
}

pub(super) fn blur_f32(src: &GrayF32, k: &[f32]) -> GrayF32 {
    scalar::blur_with(
        src,
        k.len() / 2,
        |v| v,
        |o, p| hrow_f32(o, p, k),
        |o, ring, offs| vrow_f32(o, ring, offs, k),
    )
}

pub(super) fn blur_u8(src: &GrayU8, k: &[f32]) -> GrayU8 {
    let w = scalar::kernel_q16(k);
    scalar::blur_with(
        src,
        k.len() / 2,
        |v| u16::from(v) << 8,
        |o, p| hrow_q16(o, p, &w),
        |o, ring, offs| vrow_q16(o, ring, offs, &w),
    )
}
