//! Halving a `u8` plane by area averaging: each output pixel is the rounded mean of a 2×2
//! block, `(a + b + c + d + 2) >> 2` (OpenCV's `INTER_AREA` at an exact factor of two); an odd
//! last row or column is dropped, as OpenCV does.

mod scalar;
mod vector;

use super::Kernels;
use crate::image::GrayU8;

/// The plane at half size (`⌊w/2⌋ × ⌊h/2⌋`).
///
/// ```
/// use lungfield::{simd::{resize::half_u8, Kernels}, GrayU8};
/// let img = GrayU8::from_vec(2, 2, vec![0, 1, 1, 1]).unwrap();
/// assert_eq!(half_u8(&img, Kernels::active()).as_slice(), &[1]); // (0+1+1+1+2)>>2
/// ```
pub fn half_u8(src: &GrayU8, kernels: Kernels) -> GrayU8 {
    match kernels {
        Kernels::Scalar => halve_with(src, scalar::half_row),
        level => vector::half(level, src),
    }
}

/// The half-size plane, each output row made by `row(r0, r1, out)` from its two source rows.
#[inline(always)]
pub(super) fn halve_with(src: &GrayU8, row: impl Fn(&[u8], &[u8], &mut [u8])) -> GrayU8 {
    let (w, h) = (src.width() / 2, src.height() / 2);
    if w == 0 || h == 0 {
        return GrayU8::new(w, h);
    }
    GrayU8::from_rows(w, h, |y, out| row(src.row(2 * y), src.row(2 * y + 1), out))
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn half_matches_scalar_and_definition(w in 1usize..400, h in 1usize..8, seed: u64) {
            let mut r = crate::rng::Rng::new(seed);
            let img = GrayU8::from_vec(w, h, (0..w * h).map(|_| r.next_u64() as u8).collect()).unwrap();
            let s = half_u8(&img, Kernels::Scalar);
            prop_assert_eq!(&s, &half_u8(&img, Kernels::active()));
            // Every run-time level this CPU has (baseline `wide`, AVX2, AVX-512).
            for &level in crate::simd::Kernels::vectors() {
                prop_assert_eq!(&s, &vector::half(level, &img), "{:?}", level);
            }
            for y in 0..h / 2 {
                for x in 0..w / 2 {
                    let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                        .iter()
                        .map(|&(dx, dy)| u32::from(img.get(2 * x + dx, 2 * y + dy)))
                        .sum();
                    prop_assert_eq!(u32::from(s.get(x, y)), (sum + 2) >> 2);
                }
            }
        }
    }
}
