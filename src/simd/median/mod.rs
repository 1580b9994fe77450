//! Median filters for `u8` planes, border replicated (OpenCV's `medianBlur` semantics): 3×3
//! with Paeth's 19-exchange median of nine, 5×5 with a pruned Batcher network (`network`;
//! the vector 5×5 does two rows at a time, sharing the 20 pixels their windows have in
//! common, `net_pair`), and any larger square with histograms in constant time per pixel
//! (`histogram`).

/// The steps of a min/max network on the wires `$q[..]` (any type with `min`/`max`):
/// `cx_both` sorts a pair, `cx_min` keeps only the minimum on the first wire, `cx_max` only
/// the maximum on the second (the networks of `net25` and `net_pair` use them).
macro_rules! cx_both {
    ($q:ident, $a:expr, $b:expr) => {{
        let (x, y) = ($q[$a], $q[$b]);
        $q[$a] = x.min(y);
        $q[$b] = x.max(y);
    }};
}
/// See [`cx_both`].
macro_rules! cx_min {
    ($q:ident, $a:expr, $b:expr) => {{
        $q[$a] = $q[$a].min($q[$b]);
    }};
}
/// See [`cx_both`].
macro_rules! cx_max {
    ($q:ident, $a:expr, $b:expr) => {{
        $q[$b] = $q[$a].max($q[$b]);
    }};
}
pub(crate) use {cx_both, cx_max, cx_min};

mod histogram;
mod net25;
mod net_pair;
#[cfg(test)]
mod network;
mod scalar;
mod vector;

use super::Kernels;
use crate::image::GrayU8;
use crate::{Error, Result};

pub use histogram::MAX_RADIUS;

/// 3×3 median of a `u8` plane.
///
/// ```
/// use lungfield::{simd::{median::median3_u8, Kernels}, GrayU8};
/// let mut img = GrayU8::filled(5, 5, 10);
/// img.set(2, 2, 255); // a lone bright speck
/// assert_eq!(median3_u8(&img, Kernels::active()).get(2, 2), 10);
/// ```
pub fn median3_u8(src: &GrayU8, kernels: Kernels) -> GrayU8 {
    if src.is_empty() {
        return src.clone();
    }
    match kernels {
        Kernels::Scalar => scalar::median3(src),
        level => vector::median3(level, src),
    }
}

/// 5×5 median of a `u8` plane.
///
/// ```
/// use lungfield::{simd::{median::median5_u8, Kernels}, GrayU8};
/// let mut img = GrayU8::filled(9, 9, 10);
/// for x in 3..5 { img.set(x, 4, 255); } // a two-pixel speck
/// assert_eq!(median5_u8(&img, Kernels::active()).get(4, 4), 10);
/// ```
pub fn median5_u8(src: &GrayU8, kernels: Kernels) -> GrayU8 {
    if src.is_empty() {
        return src.clone();
    }
    match kernels {
        Kernels::Scalar => scalar::median5(src),
        level => vector::median5(level, src),
    }
}

/// `(2r + 1)²` median of a `u8` plane for any radius `r` up to [`MAX_RADIUS`], in constant
/// time per pixel whatever the radius (column and window histograms, Perreault & Hébert);
/// `r = 0` returns the plane. For `r` of 1 and 2 the result is that of [`median3_u8`] and
/// [`median5_u8`], which are faster.
///
/// # Errors
/// [`Error::InvalidOption`] when `r` exceeds [`MAX_RADIUS`] (the window's counts would
/// overflow 16 bits).
///
/// ```
/// use lungfield::{simd::{median::median_u8, Kernels}, GrayU8};
/// let mut img = GrayU8::filled(15, 15, 10);
/// for x in 4..11 { img.set(x, 7, 255); } // a seven-pixel line: under half of a 7×7 window
/// assert_eq!(median_u8(&img, 3, Kernels::active()).unwrap().get(7, 7), 10);
/// ```
pub fn median_u8(src: &GrayU8, r: usize, kernels: Kernels) -> Result<GrayU8> {
    if r > MAX_RADIUS {
        return Err(Error::InvalidOption(format!(
            "median radius {r} is larger than {MAX_RADIUS}"
        )));
    }
    if src.is_empty() || r == 0 {
        return Ok(src.clone());
    }
    Ok(match kernels {
        Kernels::Scalar => histogram::median::<histogram::Scalar>(src, r),
        // One vector level: `wide` at the build's instruction set.
        _ => histogram::median::<histogram::Wide>(src, r),
    })
}

/// The `N` source rows from two above an output row down (replicated at the borders), each
/// padded by two replicated pixels on both sides, kept in a ring: going down the image, each
/// source row is padded once, not `N` times. `N = 5` is one 5×5 window, `N = 6` the windows
/// of two rows one above the other.
pub(super) struct Rows<const N: usize> {
    ring: [Vec<u8>; N],
    held: [usize; N],
}

/// The rows of one 5×5 window.
pub(super) type Rows5 = Rows<5>;

impl<const N: usize> Rows<N> {
    pub(super) fn new() -> Self {
        Rows {
            ring: core::array::from_fn(|_| Vec::new()),
            held: [usize::MAX; N],
        }
    }

    /// The padded rows `y - 2 ..= y + N - 3` (clamped to the image), top first.
    pub(super) fn around(&mut self, src: &GrayU8, y: usize) -> [&[u8]; N] {
        let h = src.height() as isize;
        let ys: [usize; N] =
            core::array::from_fn(|k| (y as isize + k as isize - 2).clamp(0, h - 1) as usize);
        for &yy in &ys {
            // `N` consecutive rows have distinct residues mod `N`; a clamped repeat shares
            // its row's slot.
            let slot = yy % N;
            if self.held[slot] != yy {
                let row = src.row(yy);
                let buf = &mut self.ring[slot];
                buf.clear();
                buf.extend_from_slice(&[row[0], row[0]]);
                buf.extend_from_slice(row);
                let last = row[row.len() - 1];
                buf.extend_from_slice(&[last, last]);
                self.held[slot] = yy;
            }
        }
        ys.map(|yy| self.ring[yy % N].as_slice())
    }
}

/// The three source rows around `y` (replicated at the borders), each padded by one replicated
/// pixel on both sides.
pub(super) fn padded_rows(src: &GrayU8, y: usize, bufs: &mut [Vec<u8>; 3]) {
    let h = src.height();
    let ys = [y.saturating_sub(1), y, (y + 1).min(h - 1)];
    for (buf, &yy) in bufs.iter_mut().zip(&ys) {
        let row = src.row(yy);
        buf.clear();
        buf.push(row[0]);
        buf.extend_from_slice(row);
        buf.push(row[row.len() - 1]);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::simd::test_planes::*;
    use proptest::prelude::*;

    /// The widths where the vector 3×3 changes shape (a vector plus one, two, three columns
    /// at every lane count; one vector exactly; a last vector overlapping the one before),
    /// at every level, on noise: the same bytes as the scalar twin.
    #[test]
    fn median3_u8_vector_edges_match_scalar() {
        let mut rng = crate::rng::Rng::new(3);
        for w in [
            16, 17, 18, 19, 32, 33, 34, 35, 64, 65, 66, 67, 100, 129, 130, 131,
        ] {
            for h in [1, 2, 3, 4] {
                let data = (0..w * h).map(|_| rng.next_u64() as u8).collect();
                let img = GrayU8::from_vec(w, h, data).expect("w × h bytes");
                let s = median3_u8(&img, Kernels::Scalar);
                assert_eq!(s, reference(&img, 1), "{w}×{h}");
                for &level in crate::simd::Kernels::vectors() {
                    assert_eq!(s, vector::median3(level, &img), "{w}×{h} {level:?}");
                }
            }
        }
    }

    /// The `(2r + 1)²` median by sorting each replicated window.
    fn reference(src: &GrayU8, r: usize) -> GrayU8 {
        let (w, h, r) = (src.width() as isize, src.height() as isize, r as isize);
        let mut out = GrayU8::new(src.width(), src.height());
        for y in 0..h {
            for x in 0..w {
                let mut v: Vec<u8> = (-r..=r)
                    .flat_map(|dy| (-r..=r).map(move |dx| (dx, dy)))
                    .map(|(dx, dy)| {
                        src.get(
                            (x + dx).clamp(0, w - 1) as usize,
                            (y + dy).clamp(0, h - 1) as usize,
                        )
                    })
                    .collect();
                v.sort_unstable();
                out.set(x as usize, y as usize, v[v.len() / 2]);
            }
        }
        out
    }

    /// Images of a few grey levels (long runs of equal values: ties, and medians that stay
    /// in one coarse bin), or of all 256.
    fn plane_levels(max_w: usize, max_h: usize) -> impl Strategy<Value = GrayU8> {
        (plane_u8(max_w, max_h), 1u8..=255, any::<bool>()).prop_map(|(img, k, few)| {
            if few {
                img.map(|&v| (v % k.min(5)).wrapping_mul(37))
            } else {
                img
            }
        })
    }

    #[test]
    fn median_u8_radius_limits() {
        let img = GrayU8::from_vec(3, 2, vec![1, 9, 3, 200, 0, 7]).expect("3 × 2 bytes");
        for &b in Kernels::available() {
            assert_eq!(median_u8(&img, 0, b).ok(), Some(img.clone()));
            assert!(matches!(
                median_u8(&img, MAX_RADIUS + 1, b),
                Err(Error::InvalidOption(_))
            ));
            // The largest radius: every window is the replicated image, mostly its corners.
            let m = median_u8(&img, MAX_RADIUS, b).expect("radius in range");
            assert_eq!(m, reference(&img, MAX_RADIUS));
        }
    }

    proptest! {
        #[test]
        fn median_u8_matches_sorting_reference(img in plane_levels(40, 30), r in 1usize..7) {
            let s = median_u8(&img, r, Kernels::Scalar).expect("radius in range");
            prop_assert_eq!(&s, &reference(&img, r));
            prop_assert_eq!(&s, &median_u8(&img, r, Kernels::active()).expect("radius in range"));
        }

        #[test]
        fn median_u8_wide_matches_scalar(img in plane_levels(300, 40), r in 1usize..24) {
            let s = median_u8(&img, r, Kernels::Scalar).expect("radius in range");
            prop_assert_eq!(&s, &median_u8(&img, r, Kernels::active()).expect("radius in range"));
        }

        #[test]
        fn median_u8_is_median3_and_median5(img in plane_levels(90, 20)) {
            for &b in Kernels::available() {
                prop_assert_eq!(median_u8(&img, 1, b).expect("radius 1"), median3_u8(&img, b));
                prop_assert_eq!(median_u8(&img, 2, b).expect("radius 2"), median5_u8(&img, b));
            }
        }

        #[test]
        fn median3_u8_matches_scalar(img in plane_u8(200, 12)) {
            let s = median3_u8(&img, Kernels::Scalar);
            prop_assert_eq!(&s, &median3_u8(&img, Kernels::active()));
            // Every run-time level this CPU has (baseline `wide`, AVX2, AVX-512).
            for &level in crate::simd::Kernels::vectors() {
                prop_assert_eq!(&s, &vector::median3(level, &img), "{:?}", level);
            }
        }

        #[test]
        fn median3_u8_matches_sorting_reference(img in plane_u8(200, 12)) {
            prop_assert_eq!(median3_u8(&img, Kernels::Scalar), reference(&img, 1));
        }

        #[test]
        fn median5_u8_matches_scalar_and_sorting_reference(img in plane_u8(200, 12)) {
            let s = median5_u8(&img, Kernels::Scalar);
            prop_assert_eq!(&s, &median5_u8(&img, Kernels::active()));
            for &level in crate::simd::Kernels::vectors() {
                prop_assert_eq!(&s, &vector::median5(level, &img), "{:?}", level);
            }
            prop_assert_eq!(&s, &reference(&img, 2));
        }
    }
}
