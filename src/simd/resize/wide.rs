//! `wide` 2×2 block mean on the build's widest byte vector ([`U8s`]: 16, 32 or 64 outputs at
//! a time): each load is read as `u16` lanes whose low and high bytes are a horizontal pair;
//! the sums are narrowed back to bytes 128 bits at a time; scalar tail.

use wide::{bytemuck::cast, i16x8, u8x16};

use crate::simd::lanes::{load_u8 as load, U16s, U8_LANES as L};

/// Each `u16` lane's two bytes added.
#[inline(always)]
fn pair_sums(s: &[u8]) -> U16s {
    let v: U16s = cast(load(s));
    (v & U16s::splat(0xff)) + (v >> 8_u32)
}

/// Writes the `u16` lanes of `lo` then `hi` (each at most 255) as `L` bytes to `out`.
#[inline(always)]
fn narrow_into(lo: U16s, hi: U16s, out: &mut [u8]) {
    let v: [i16x8; L / 8] = cast([lo, hi]);
    for (p, o) in v.chunks_exact(2).zip(out.chunks_exact_mut(16)) {
        o.copy_from_slice(u8x16::narrow_i16x8(p[0], p[1]).as_array());
    }
}

pub(super) fn half_row(r0: &[u8], r1: &[u8], out: &mut [u8]) {
    let n = out.len();
    let body = n - n % L;
    let two = U16s::splat(2);
    for x in (0..body).step_by(L) {
        let lo = (pair_sums(&r0[2 * x..]) + pair_sums(&r1[2 * x..]) + two) >> 2_u32;
        let hi = (pair_sums(&r0[2 * x + L..]) + pair_sums(&r1[2 * x + L..]) + two) >> 2_u32;
        narrow_into(lo, hi, &mut out[x..x + L]);
    }
    super::scalar::half_row(&r0[2 * body..], &r1[2 * body..], &mut out[body..]);
}
