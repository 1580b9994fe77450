//! Vector 2×2 block mean on the [`Isa`]'s byte vector (16, 32 or 64 outputs at a time:
//! `wide` at the build's instruction set, or AVX2/AVX-512 chosen at run time,
//! [`Bytes::mean2x2`]); scalar tail.

use crate::image::GrayU8;
use crate::simd::isa::{dispatch, Bytes, Isa};

dispatch! {
    /// The plane at half size, at the run-time level.
    fn half(src: &GrayU8) -> GrayU8 = half_with
}

#[inline(always)]
fn half_row<V: Bytes>(r0: &[u8], r1: &[u8], out: &mut [u8]) {
    let n = out.len();
    let body = n - n % V::LANES;
    for x in (0..body).step_by(V::LANES) {
        V::mean2x2(&r0[2 * x..], &r1[2 * x..]).store(&mut out[x..]);
    }
    super::scalar::half_row(&r0[2 * body..], &r1[2 * body..], &mut out[body..]);
}

#[inline(always)]
fn half_with<I: Isa>(src: &GrayU8) -> GrayU8 {
    super::halve_with(src, half_row::<I::Bytes>)
}
