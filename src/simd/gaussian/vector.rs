//! Vector Gaussian on the [`Isa`]'s types (`wide` at the build's instruction set, or AVX2 /
//! AVX-512 when dispatched at run time): the scalar twin's per-output sums, whole vectors of
//! outputs at a time with every tap summed in registers (one store per vector). `f32` uses
//! the level's [`F32s`] (several registers, so the accumulators' add chains overlap); `u8` is
//! 8.8 fixed point on `u16` lanes. Same operations in the same order per output, so
//! results are bit-identical at every level. A row's last vector ends at its end
//! ([`for_each_vector`]); rows narrower than a vector are the scalar twin's.
#![allow(unsafe_code)]

use super::scalar;
use crate::image::{GrayF32, GrayU8};
use crate::simd::isa::{dispatch, F32s, Isa, U16v};
use crate::simd::lanes::for_each_vector;

dispatch! {
    /// `f32` blur with the normalised kernel `k` at `kernels`.
    fn blur_f32(src: &GrayF32, k: &[f32]) -> GrayF32 = blur_f32_with
}

dispatch! {
    /// `u8` blur with the normalised kernel `k` at `kernels`.
    fn blur_u8(src: &GrayU8, k: &[f32]) -> GrayU8 = blur_u8_with
}

/// `k[r]·c + Σ_j k[j]·(l_j + r_j)`; `at(j)` loads tap `j`.
///
/// # Safety
/// The CPU has `F`'s instruction set.
#[inline(always)]
unsafe fn taps_f32<F: F32s>(k: &[f32], at: impl Fn(usize) -> F) -> F {
    let r = k.len() / 2;
    let mut a = F::splat(k[r]).mul(at(r));
    for (j, &kj) in k[..r].iter().enumerate() {
        a = a.add(F::splat(kj).mul(at(j).add(at(2 * r - j))));
    }
    a
}

/// `Σ mulhi(tap, w)` on a vector of lanes, in the scalar twin's order.
///
/// # Safety
/// The CPU has `U`'s instruction set.
#[inline(always)]
unsafe fn taps_q16<U: U16v>(w: &[u16], at: impl Fn(usize) -> U) -> U {
    let r = w.len() / 2;
    let mut a = at(r).mulhi(U::splat(w[r]));
    for (j, &wj) in w[..r].iter().enumerate() {
        let wv = U::splat(wj);
        a = a.add(at(j).mulhi(wv)).add(at(2 * r - j).mulhi(wv));
    }
    a
}

/// # Safety
/// The CPU has `F`'s instruction set.
#[inline(always)]
unsafe fn hrow_f32<F: F32s>(out: &mut [f32], p: &[f32], k: &[f32]) {
    let tail = for_each_vector(out.len(), F::LANES, |x| {
        taps_f32(k, |j| F::load(&p[x + j..])).store(&mut out[x..]);
    });
    scalar::hrow_f32(out, p, k, tail);
}

/// The output rows in `out` (see [`scalar::blur_with`]), all of them per vector of columns:
/// the ring rows they share are loaded from L2 once.
///
/// # Safety
/// The CPU has `F`'s instruction set.
#[inline(always)]
unsafe fn vrow_f32<F: F32s>(out: &mut [f32], ring: &[f32], offs: &[usize], k: &[f32]) {
    let n = k.len();
    let (rows, w) = scalar::rows_and_width(out.len(), offs, n);
    let tail = for_each_vector(w, F::LANES, |x| {
        for i in 0..rows {
            taps_f32(k, |j| F::load(&ring[offs[i + j] + x..])).store(&mut out[i * w + x..]);
        }
    });
    for (o, offs) in scalar::out_rows(out, offs, n) {
        scalar::vrow_f32(o, ring, offs, k, tail);
    }
}

/// # Safety
/// The CPU has `U`'s instruction set.
#[inline(always)]
unsafe fn hrow_q16<U: U16v>(out: &mut [u16], p: &[u16], w: &[u16]) {
    let tail = for_each_vector(out.len(), U::LANES, |x| {
        taps_q16(w, |j| U::load(&p[x + j..])).store(&mut out[x..]);
    });
    scalar::hrow_q16(out, p, w, tail);
}

/// As [`vrow_f32`], for `u8`.
///
/// # Safety
/// The CPU has `U`'s instruction set.
#[inline(always)]
unsafe fn vrow_q16<U: U16v>(out: &mut [u8], ring: &[u16], offs: &[usize], w: &[u16]) {
    let bias = U::splat(128 + scalar::round_bias(w));
    let n = w.len();
    let (rows, width) = scalar::rows_and_width(out.len(), offs, n);
    let tail = for_each_vector(width, U::LANES, |x| {
        for i in 0..rows {
            taps_q16(w, |j| U::load(&ring[offs[i + j] + x..]))
                .store_q8(bias, &mut out[i * width + x..]);
        }
    });
    for (o, offs) in scalar::out_rows(out, offs, n) {
        scalar::vrow_q16(o, ring, offs, w, tail);
    }
}

/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn blur_f32_with<I: Isa>(src: &GrayF32, k: &[f32]) -> GrayF32 {
    scalar::blur_with(
        src,
        k.len() / 2,
        |v| v,
        |o, p| hrow_f32::<I::F32>(o, p, k),
        |o, ring, offs| vrow_f32::<I::F32>(o, ring, offs, k),
    )
}

/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn blur_u8_with<I: Isa>(src: &GrayU8, k: &[f32]) -> GrayU8 {
    let w = scalar::kernel_q16(k);
    scalar::blur_with(
        src,
        k.len() / 2,
        |v| u16::from(v) << 8,
        |o, p| hrow_q16::<I::U16>(o, p, &w),
        |o, ring, offs| vrow_q16::<I::U16>(o, ring, offs, &w),
    )
}
