//! Vector 2×2 block mean on the [`Isa`]'s byte vector (16, 32 or 64 outputs at a time:
//! `wide` at the build's instruction set, or AVX2/AVX-512 chosen at run time,
//! [`Bytes::mean2x2`]); a row's last vector ends at its end ([`for_each_vector`]), only rows
//! narrower than a vector are scalar.
#![allow(unsafe_code)]

use crate::image::GrayU8;
use crate::simd::isa::{dispatch, Bytes, Isa};
use crate::simd::lanes::for_each_vector;

dispatch! {
    /// The plane at half size, at `kernels`.
    fn half(src: &GrayU8) -> GrayU8 = half_with
}

/// # Safety
/// The CPU has `V`'s instruction set.
#[inline(always)]
unsafe fn half_row<V: Bytes>(r0: &[u8], r1: &[u8], out: &mut [u8]) {
    let tail = for_each_vector(out.len(), V::LANES, |x| {
        V::mean2x2(&r0[2 * x..], &r1[2 * x..]).store(&mut out[x..]);
    });
    super::scalar::half_row(&r0[2 * tail..], &r1[2 * tail..], &mut out[tail..]);
}

/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn half_with<I: Isa>(src: &GrayU8) -> GrayU8 {
    super::halve_with(src, |a, b, o| half_row::<I::Bytes>(a, b, o))
}
