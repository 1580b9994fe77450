//! Thresholding kernels: the 256-bin histogram of a `u8` plane (eight interleaved
//! sub-histograms, so consecutive equal pixels do not wait on each other's increments) and
//! binarisation to 0/255 (a vector compare, at the run-time instruction set).

mod scalar;
mod vector;

use super::Kernels;
use crate::image::GrayU8;

/// Histogram of a `u8` plane.
///
/// ```
/// let img = lungfield::GrayU8::from_vec(3, 1, vec![0, 7, 7]).unwrap();
/// let h = lungfield::simd::threshold::histogram_u8(&img);
/// assert_eq!((h[0], h[7]), (1, 2));
/// ```
pub fn histogram_u8(src: &GrayU8) -> [u64; 256] {
    // Eight sub-histograms: a bin that repeats (flat image regions) is incremented every
    // eighth pixel in one sub-histogram, so the increments' store-to-load round trips
    // overlap instead of queueing. Eight pixels are read at once as one `u64`.
    let mut sub = [[0u32; 256]; 8];
    let px = src.as_slice();
    // Each sub-histogram counts at most one pixel in eight of a chunk, so `u32` never
    // overflows within a chunk of 2³¹ pixels; flushed to `u64` per chunk.
    let mut out = [0u64; 256];
    for part in px.chunks(1 << 31) {
        let mut words = part.chunks_exact(8);
        for c in &mut words {
            let mut v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            for s in sub.iter_mut() {
                s[(v & 0xff) as usize] += 1;
                v >>= 8;
            }
        }
        for &v in words.remainder() {
            out[v as usize] += 1;
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o += sub.iter().map(|s| u64::from(s[i])).sum::<u64>();
        }
        sub = [[0u32; 256]; 8];
    }
    out
}

/// 255 where the pixel is above `level` (or, with `above = false`, at or below it), else 0:
/// OpenCV's `THRESH_BINARY` (`THRESH_BINARY_INV`) with `maxval` 255.
///
/// ```
/// use lungfield::{simd::{threshold::binarize_u8, Kernels}, GrayU8};
/// let img = GrayU8::from_vec(3, 1, vec![9, 10, 11]).unwrap();
/// assert_eq!(binarize_u8(&img, 10, true, Kernels::active()).as_slice(), &[0, 0, 255]);
/// ```
pub fn binarize_u8(src: &GrayU8, level: u8, above: bool, kernels: Kernels) -> GrayU8 {
    match kernels {
        Kernels::Scalar => {
            let mut dst = GrayU8::new(src.width(), src.height());
            scalar::binarize(src.as_slice(), level, above, dst.as_mut_slice());
            dst
        }
        _ => vector::binarize(kernels, src, level, above),
    }
}

/// Otsu's threshold and the binarised plane (255 above the level), as OpenCV's
/// `threshold(…, THRESH_BINARY | THRESH_OTSU)` returns them.
pub fn otsu_u8(src: &GrayU8, kernels: Kernels) -> (u8, GrayU8) {
    let level = otsu_from_histogram(&histogram_u8(src));
    (level, binarize_u8(src, level, true, kernels))
}

/// Otsu's level from a 256-bin histogram.
pub fn otsu_from_histogram(hist: &[u64; 256]) -> u8 {
    let total: u64 = hist.iter().sum();
    if total == 0 {
        return 0;
    }
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w0, mut sum0) = (0u64, 0f64);
    let (mut best, mut best_t) = (-1.0f64, 0u8);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0 {
            continue;
        }
        if w1 == 0 {
            break;
        }
        let m0 = sum0 / w0 as f64;
        let m1 = (sum_all - sum0) / w1 as f64;
        let between = w0 as f64 * w1 as f64 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    if best < 0.0 {
        // One grey level only.
        hist.iter().position(|&c| c > 0).unwrap_or(0) as u8
    } else {
        best_t
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn binarize_matches_scalar(img in crate::simd::test_planes::plane_u8(200, 4), level: u8, above: bool) {
            let s = binarize_u8(&img, level, above, Kernels::Scalar);
            prop_assert_eq!(&s, &binarize_u8(&img, level, above, Kernels::active()));
            // Every run-time level this CPU has (baseline `wide`, AVX2, AVX-512).
            for &l in crate::simd::Kernels::vectors() {
                prop_assert_eq!(&s, &vector::binarize(l, &img, level, above), "{:?}", l);
            }
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
