//! Thresholding kernels: the 256-bin histogram of a `u8` plane (four interleaved
//! sub-histograms, so consecutive equal pixels do not wait on each other's increments) and
//! binarisation to 0/255 (`wide` compares sixteen pixels at a time).

mod scalar;
mod wide;

use super::Backend;
use crate::image::GrayU8;

/// Histogram of a `u8` plane.
///
/// ```
/// let img = lungfield::GrayU8::from_vec(3, 1, vec![0, 7, 7]).unwrap();
/// let h = lungfield::simd::threshold::histogram_u8(&img);
/// assert_eq!((h[0], h[7]), (1, 2));
/// ```
pub fn histogram_u8(src: &GrayU8) -> [u64; 256] {
    let mut sub = [[0u32; 256]; 4];
    let px = src.as_slice();
    let mut chunks = px.chunks_exact(4);
    for c in &mut chunks {
        sub[0][c[0] as usize] += 1;
        sub[1][c[1] as usize] += 1;
        sub[2][c[2] as usize] += 1;
        sub[3][c[3] as usize] += 1;
    }
    let mut out = [0u64; 256];
    for &v in chunks.remainder() {
        out[v as usize] += 1;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o += sub.iter().map(|s| u64::from(s[i])).sum::<u64>();
    }
    out
}

/// 255 where the pixel is above `level` (or, with `above = false`, at or below it), else 0:
/// OpenCV's `THRESH_BINARY` (`THRESH_BINARY_INV`) with `maxval` 255.
///
/// ```
/// use lungfield::{simd::{threshold::binarize_u8, Backend}, GrayU8};
/// let img = GrayU8::from_vec(3, 1, vec![9, 10, 11]).unwrap();
/// assert_eq!(binarize_u8(&img, 10, true, Backend::Wide).as_slice(), &[0, 0, 255]);
/// ```
pub fn binarize_u8(src: &GrayU8, level: u8, above: bool, backend: Backend) -> GrayU8 {
    let mut dst = GrayU8::new(src.width(), src.height());
    match backend {
        Backend::Scalar => scalar::binarize(src.as_slice(), level, above, dst.as_mut_slice()),
        Backend::Wide => wide::binarize(src.as_slice(), level, above, dst.as_mut_slice()),
    }
    dst
}

/// Otsu's threshold and the binarised plane (255 above the level), as OpenCV's
/// `threshold(…, THRESH_BINARY | THRESH_OTSU)` returns them.
pub fn otsu_u8(src: &GrayU8, backend: Backend) -> (u8, GrayU8) {
    let level = crate::segment::otsu_from_histogram(&histogram_u8(src));
    (level, binarize_u8(src, level, true, backend))
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn binarize_matches_scalar(data in proptest::collection::vec(any::<u8>(), 1..200), level: u8, above: bool) {
            let img = GrayU8::from_vec(data.len(), 1, data).unwrap();
            let s = binarize_u8(&img, level, above, Backend::Scalar);
            prop_assert_eq!(&s, &binarize_u8(&img, level, above, Backend::Wide));
            for (&v, &o) in img.as_slice().iter().zip(s.as_slice()) {
                prop_assert_eq!(o == 255, (v > level) == above);
            }
        }

        #[test]
        fn histogram_counts_every_pixel(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let img = GrayU8::from_vec(data.len(), 1, data.clone()).unwrap();
            let h = histogram_u8(&img);
            for v in 0..=255u8 {
                prop_assert_eq!(h[v as usize], data.iter().filter(|&&d| d == v).count() as u64);
            }
        }
    }
}
