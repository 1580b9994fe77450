//! The scalar twin: the mix pixel by pixel.

use super::Columns;

/// Rounded half to even, then saturated to a byte (as CLAHE's `u8` tables).
#[inline(always)]
pub(super) fn to_u8(v: f32) -> u8 {
    crate::simd::round_even(v).clamp(0.0, 255.0) as u8
}

/// The mix of one span (all slices the span's length).
#[inline(always)]
pub(super) fn mix(
    out: &mut [u8],
    src: &[u8],
    t: &[u32; 256],
    xa: &[f32],
    xa1: &[f32],
    ya: f32,
    ya1: f32,
) {
    for (((o, &s), &a), &a1) in out.iter_mut().zip(src).zip(xa).zip(xa1) {
        let [tl, tr, bl, br] = t[usize::from(s)].to_le_bytes().map(f32::from);
        *o = to_u8((tl * a1 + tr * a) * ya1 + (bl * a1 + br * a) * ya);
    }
}

/// One row, span by span (see [`super::mix_row`]).
pub(super) fn mix_row(out: &mut [u8], src: &[u8], cols: &Columns, tables: &[[u32; 256]], ya: f32) {
    let ya1 = 1.0 - ya;
    for (s, t) in cols.spans.iter().zip(tables) {
        let r = s.x0..s.x1;
        let (o, sv) = (&mut out[r.clone()], &src[r.clone()]);
        mix(o, sv, t, &cols.xa[r.clone()], &cols.xa1[r], ya, ya1);
    }
}
