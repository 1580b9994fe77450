//! `wide` 2×2 block mean, sixteen outputs at a time: each 16-byte load is read as eight
//! 16-bit lanes, whose low and high bytes are a horizontal pair; scalar tail.

use wide::{bytemuck::cast, u16x8, u8x16};

#[inline(always)]
fn pair_sums(s: &[u8]) -> u16x8 {
    let v: u16x8 = cast(u8x16::from(&s[..16]));
    (v & u16x8::splat(0xff)) + (v >> 8)
}

pub(super) fn half_row(r0: &[u8], r1: &[u8], out: &mut [u8]) {
    let n = out.len();
    let body = n - n % 16;
    let two = u16x8::splat(2);
    for x in (0..body).step_by(16) {
        let lo = (pair_sums(&r0[2 * x..]) + pair_sums(&r1[2 * x..]) + two) >> 2;
        let hi = (pair_sums(&r0[2 * x + 16..]) + pair_sums(&r1[2 * x + 16..]) + two) >> 2;
        let v = u8x16::narrow_i16x8(cast(lo), cast(hi));
        out[x..x + 16].copy_from_slice(v.as_array());
    }
    super::scalar::half_row(&r0[2 * body..], &r1[2 * body..], &mut out[body..]);
}
