//! Separable Gaussian blur for `f32` and `u8` planes, OpenCV semantics: kernel radius
//! `ceil(3σ)`, weights normalised to sum 1, border `REFLECT_101`.

mod scalar;
mod vector;

use super::Kernels;
use crate::image::{GrayF32, GrayU8};

/// Normalised 1-D Gaussian weights of radius `ceil(3σ)` (at least 1). `sigma` is clamped to
/// at least 0.1.
///
/// ```
/// let k = lungfield::simd::gaussian::kernel(2.0);
/// assert_eq!(k.len(), 13);
/// assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
/// ```
pub fn kernel(sigma: f32) -> Vec<f32> {
    let sigma = if sigma.is_finite() {
        sigma.max(0.1)
    } else {
        1.0
    };
    let r = ((3.0 * sigma).ceil() as usize).max(1);
    let mut k: Vec<f64> = (0..=2 * r)
        .map(|i| {
            let d = i as f64 - r as f64;
            (-(d * d) / (2.0 * f64::from(sigma) * f64::from(sigma))).exp()
        })
        .collect();
    let s: f64 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= s);
    k.into_iter().map(|v| v as f32).collect()
}

/// Gaussian blur of an `f32` plane.
///
/// ```
/// use lungfield::{simd::{gaussian::gaussian_f32, Kernels}, GrayF32};
/// let img = GrayF32::filled(5, 4, 2.5);
/// let out = gaussian_f32(&img, 1.0, Kernels::active());
/// assert!(out.as_slice().iter().all(|&v| (v - 2.5).abs() < 1e-5));
/// ```
pub fn gaussian_f32(src: &GrayF32, sigma: f32, kernels: Kernels) -> GrayF32 {
    let k = kernel(sigma);
    if src.is_empty() {
        return src.clone();
    }
    match kernels {
        Kernels::Scalar => scalar::blur_f32(src, &k),
        level => vector::blur_f32(level, src, &k),
    }
}

/// Gaussian blur of a `u8` plane, in 8.8 fixed point on `u16` lanes (as OpenCV does for
/// `u8`): within one grey level of the exactly rounded blur, and never outside the source's
/// range for σ < 21.
///
/// ```
/// use lungfield::{simd::{gaussian::gaussian_u8, Kernels}, GrayU8};
/// let out = gaussian_u8(&GrayU8::filled(7, 3, 200), 2.0, Kernels::active());
/// assert!(out.as_slice().iter().all(|&v| v == 200));
/// ```
pub fn gaussian_u8(src: &GrayU8, sigma: f32, kernels: Kernels) -> GrayU8 {
    if src.is_empty() {
        return src.clone();
    }
    let k = kernel(sigma);
    match kernels {
        Kernels::Scalar => scalar::blur_u8(src, &k),
        level => vector::blur_u8(level, src, &k),
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::simd::test_planes::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn gaussian_f32_matches_scalar(img in plane_f32(200, 24), sigma in 0.1f32..6.0) {
            let a = gaussian_f32(&img, sigma, Kernels::Scalar);
            let b = gaussian_f32(&img, sigma, Kernels::active());
            let bits = |p: &GrayF32| p.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&a), bits(&b));
            // Every run-time level this CPU has (baseline `wide`, AVX2, AVX-512), bit for bit.
            let k = kernel(sigma);
            for &level in crate::simd::Kernels::vectors() {
                prop_assert_eq!(bits(&a), bits(&vector::blur_f32(level, &img, &k)), "{:?}", level);
            }
        }

        #[test]
        fn gaussian_u8_is_within_one_level_of_the_exact_blur(img in plane_u8(70, 40), sigma in 0.1f32..6.0) {
            let exact = gaussian_f32(&img.map(|&v| f32::from(v)), sigma, Kernels::Scalar);
            let got = gaussian_u8(&img, sigma, Kernels::active());
            for (&e, &g) in exact.as_slice().iter().zip(got.as_slice()) {
                prop_assert!((e - f32::from(g)).abs() <= 1.0, "{} vs {}", e, g);
            }
        }

        #[test]
        fn gaussian_u8_matches_scalar(img in plane_u8(200, 24), sigma in 0.1f32..6.0) {
            let a = gaussian_u8(&img, sigma, Kernels::Scalar);
            prop_assert_eq!(&a, &gaussian_u8(&img, sigma, Kernels::active()));
            let k = kernel(sigma);
            for &level in crate::simd::Kernels::vectors() {
                prop_assert_eq!(&a, &vector::blur_u8(level, &img, &k), "{:?}", level);
            }
        }

        #[test]
        fn gaussian_keeps_the_range(img in plane_u8(70, 40), sigma in 0.1f32..20.0) {
            let (lo, hi) = img.as_slice().iter().fold((255u8, 0u8), |(l, h), &v| (l.min(v), h.max(v)));
            let out = gaussian_u8(&img, sigma, Kernels::active());
            prop_assert!(out.as_slice().iter().all(|&v| v >= lo && v <= hi));
            // A flat image stays flat.
            let flat = gaussian_u8(&GrayU8::filled(img.width(), img.height(), hi), sigma, Kernels::active());
            prop_assert!(flat.as_slice().iter().all(|&v| v == hi));
        }
    }

    /// The blur written out directly from the scalar twin's per-output sums, with no ring of
    /// rows and no padded copies: `tap` reads the reflected source, then the reflected
    /// horizontal result.
    fn direct<T: Copy, M: Copy + Default, U: Copy + Default>(
        src: &crate::image::Plane<T>,
        r: usize,
        widen: impl Fn(T) -> M,
        tap: impl Fn(&dyn Fn(usize) -> M) -> M,
        finish: impl Fn(M) -> U,
    ) -> crate::image::Plane<U> {
        use crate::simd::reflect101;
        let (w, h) = (src.width(), src.height());
        let at = |i: isize, n: usize| reflect101(i - r as isize, n);
        let mut hp = crate::image::Plane::<M>::new(w, h);
        for y in 0..h {
            for x in 0..w {
                hp.set(x, y, tap(&|j| widen(src.get(at((x + j) as isize, w), y))));
            }
        }
        let mut out = crate::image::Plane::<U>::new(w, h);
        for y in 0..h {
            for x in 0..w {
                out.set(x, y, finish(tap(&|j| hp.get(x, at((y + j) as isize, h)))));
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn the_blur_is_the_direct_sum_of_taps(w in 1usize..1500, h in 1usize..40, sigma in 1.5f32..3.0, seed: u64) {
            let mut r = crate::rng::Rng::new(seed);
            let img = GrayU8::from_vec(w, h, (0..w * h).map(|_| r.next_u64() as u8).collect()).unwrap();
            let k = kernel(sigma);
            let rad = k.len() / 2;
            let q = scalar::kernel_q16(&k);
            let b = scalar::round_bias(&q);
            let want = direct(&img, rad, |v| u16::from(v) << 8, |at| scalar::tap_q16(&q, at), |v| scalar::round_q8(v, b));
            prop_assert_eq!(&gaussian_u8(&img, sigma, Kernels::Scalar), &want);
            prop_assert_eq!(&gaussian_u8(&img, sigma, Kernels::active()), &want);
            for &level in crate::simd::Kernels::vectors() {
                prop_assert_eq!(&vector::blur_u8(level, &img, &k), &want, "{:?}", level);
            }
            let f = img.map(|&v| f32::from(v));
            let want = direct(&f, rad, |v| v, |at| scalar::tap_f32(&k, at), |v| v);
            prop_assert_eq!(&gaussian_f32(&f, sigma, Kernels::Scalar), &want);
            prop_assert_eq!(&gaussian_f32(&f, sigma, Kernels::active()), &want);
            for &level in crate::simd::Kernels::vectors() {
                prop_assert_eq!(&vector::blur_f32(level, &f, &k), &want, "{:?}", level);
            }
        }
    }

    #[test]
    fn impulse_response_is_the_kernel() {
        let mut img = GrayF32::new(31, 31);
        img.set(15, 15, 1.0);
        let k = kernel(2.0);
        let out = gaussian_f32(&img, 2.0, Kernels::active());
        for dy in 0..13 {
            for dx in 0..13 {
                let want = k[dy] * k[dx];
                let got = out.get(9 + dx, 9 + dy);
                assert!((want - got).abs() < 1e-7, "{dx},{dy}: {want} vs {got}");
            }
        }
    }
}
