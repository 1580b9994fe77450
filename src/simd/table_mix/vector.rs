//! The vector mix on the [`Isa`]'s [`TableMix`]: whole vectors of a span at a time (the last
//! one ending at the span's end, [`for_each_vector`]), the scalar twin for spans narrower
//! than a vector.
#![allow(unsafe_code)]

use super::{scalar, Columns};
use crate::simd::isa::{dispatch, Isa, TableMix};
use crate::simd::lanes::for_each_vector;

dispatch! {
    /// One row at `kernels` (see [`super::mix_row`]).
    fn mix_row(out: &mut [u8], src: &[u8], cols: &Columns, tables: &[[u32; 256]], ya: f32) -> () = mix_row_with
}

/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn mix_row_with<I: Isa>(
    out: &mut [u8],
    src: &[u8],
    cols: &Columns,
    tables: &[[u32; 256]],
    ya: f32,
) {
    let ya1 = 1.0 - ya;
    for (s, t) in cols.spans.iter().zip(tables) {
        let r = s.x0..s.x1;
        let (o, sv) = (&mut out[r.clone()], &src[r.clone()]);
        let (a, a1) = (&cols.xa[r.clone()], &cols.xa1[r]);
        let tail = for_each_vector(o.len(), I::Mix::LANES, |x| {
            I::Mix::mix(&mut o[x..], &sv[x..], t, &a[x..], &a1[x..], ya, ya1);
        });
        scalar::mix(
            &mut o[tail..],
            &sv[tail..],
            t,
            &a[tail..],
            &a1[tail..],
            ya,
            ya1,
        );
    }
}
