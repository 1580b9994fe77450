//! Median filters for `u8` planes with min/max sorting networks, border replicated (OpenCV's
//! `medianBlur` semantics): 3×3 with Paeth's 19-exchange median of nine, 5×5 with a pruned
//! Batcher network (`network`); the vector 5×5 does two rows at a time, sharing the 20
//! pixels their windows have in common (`net_pair`).

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

mod net25;
mod net_pair;
#[cfg(test)]
mod network;
mod scalar;
mod wide;

use super::Backend;
use crate::image::GrayU8;

/// 3×3 median of a `u8` plane.
///
/// ```
/// use lungfield::{simd::{median::median3_u8, Backend}, GrayU8};
/// let mut img = GrayU8::filled(5, 5, 10);
/// img.set(2, 2, 255); // a lone bright speck
/// assert_eq!(median3_u8(&img, Backend::Wide).get(2, 2), 10);
/// ```
pub fn median3_u8(src: &GrayU8, backend: Backend) -> GrayU8 {
    if src.is_empty() {
        return src.clone();
    }
    match backend {
        Backend::Scalar => scalar::median3(src),
        Backend::Wide => wide::median3(src),
    }
}

/// 5×5 median of a `u8` plane.
///
/// ```
/// use lungfield::{simd::{median::median5_u8, Backend}, GrayU8};
/// let mut img = GrayU8::filled(9, 9, 10);
/// for x in 3..5 { img.set(x, 4, 255); } // a two-pixel speck
/// assert_eq!(median5_u8(&img, Backend::Wide).get(4, 4), 10);
/// ```
pub fn median5_u8(src: &GrayU8, backend: Backend) -> GrayU8 {
    if src.is_empty() {
        return src.clone();
    }
    match backend {
        Backend::Scalar => scalar::median5(src),
        Backend::Wide => wide::median5(src),
    }
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

    fn reference(src: &GrayU8) -> GrayU8 {
        let (w, h) = (src.width() as isize, src.height() as isize);
        let mut out = GrayU8::new(src.width(), src.height());
        for y in 0..h {
            for x in 0..w {
                let mut v: Vec<u8> = (-1..=1)
                    .flat_map(|dy| (-1..=1).map(move |dx| (dx, dy)))
                    .map(|(dx, dy)| {
                        src.get(
                            (x + dx).clamp(0, w - 1) as usize,
                            (y + dy).clamp(0, h - 1) as usize,
                        )
                    })
                    .collect();
                v.sort_unstable();
                out.set(x as usize, y as usize, v[4]);
            }
        }
        out
    }

    /// The widths where the vector 3×3 changes shape (a vector plus one, two, three columns
    /// at every lane count; one vector exactly; a last vector overlapping the one before),
    /// at every level, on noise: the same bytes as the scalar twin.
    #[test]
    fn median3_u8_vector_edges_match_scalar() {
        let mut rng = crate::phantom::Rng::new(3);
        for w in [
            16, 17, 18, 19, 32, 33, 34, 35, 64, 65, 66, 67, 100, 129, 130, 131,
        ] {
            for h in [1, 2, 3, 4] {
                let data = (0..w * h).map(|_| rng.next_u64() as u8).collect();
                let img = GrayU8::from_vec(w, h, data).expect("w × h bytes");
                let s = median3_u8(&img, Backend::Scalar);
                assert_eq!(s, reference(&img), "{w}×{h}");
                for &level in crate::simd::isa::available() {
                    assert_eq!(s, wide::median3::at(level, &img), "{w}×{h} {level:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn median3_u8_matches_scalar(img in plane_u8(200, 12)) {
            let s = median3_u8(&img, Backend::Scalar);
            prop_assert_eq!(&s, &median3_u8(&img, Backend::Wide));
            // Every run-time level this CPU has (baseline `wide`, AVX2, AVX-512).
            for &level in crate::simd::isa::available() {
                prop_assert_eq!(&s, &wide::median3::at(level, &img), "{:?}", level);
            }
        }

        #[test]
        fn median3_u8_matches_sorting_reference(img in plane_u8(200, 12)) {
            prop_assert_eq!(median3_u8(&img, Backend::Scalar), reference(&img));
        }

        #[test]
        fn median5_u8_matches_scalar_and_sorting_reference(img in plane_u8(200, 12)) {
            let s = median5_u8(&img, Backend::Scalar);
            prop_assert_eq!(&s, &median5_u8(&img, Backend::Wide));
            for &level in crate::simd::isa::available() {
                prop_assert_eq!(&s, &wide::median5::at(level, &img), "{:?}", level);
            }
            let (w, h) = (img.width() as isize, img.height() as isize);
            for y in 0..h {
                for x in 0..w {
                    let mut v: Vec<u8> = (-2..=2)
                        .flat_map(|dy| (-2..=2).map(move |dx| (dx, dy)))
                        .map(|(dx, dy)| img.get((x + dx).clamp(0, w - 1) as usize, (y + dy).clamp(0, h - 1) as usize))
                        .collect();
                    v.sort_unstable();
                    prop_assert_eq!(s.get(x as usize, y as usize), v[12]);
                }
            }
        }
    }
}
