//! Vector binarisation on the [`Isa`]'s byte vector (16, 32 or 64 pixels at a time: `wide`
//! at the build's instruction set, or AVX2/AVX-512 chosen at run time): an unsigned `≤`
//! gives 0xFF or 0 per lane, flipped for "above". A row's last vector ends at its end
//! ([`for_each_vector`]); only rows narrower than a vector are scalar.
#![allow(unsafe_code)]

use crate::image::GrayU8;
use crate::simd::isa::{dispatch, Bytes, Isa};
use crate::simd::lanes::for_each_vector;

dispatch! {
    /// The binarised plane at `kernels`.
    fn binarize(src: &GrayU8, level: u8, above: bool) -> GrayU8 = binarize_with
}

/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn binarize_with<I: Isa>(src: &GrayU8, level: u8, above: bool) -> GrayU8 {
    type V<I> = <I as Isa>::Bytes;
    let t = V::<I>::splat(level);
    let flip = V::<I>::splat(if above { 255 } else { 0 });
    GrayU8::from_rows(src.width(), src.height(), |y, out| {
        let row = src.row(y);
        let tail = for_each_vector(row.len(), V::<I>::LANES, |x| {
            V::<I>::load(&row[x..])
                .le_mask(t)
                .xor(flip)
                .store(&mut out[x..]);
        });
        super::scalar::binarize(&row[tail..], level, above, &mut out[tail..]);
    })
}
