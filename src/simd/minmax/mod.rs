//! Greyscale erosion and dilation (running minimum and maximum) of `u8` planes with
//! rectangles and disks, OpenCV's `erode`/`dilate` semantics: pixels outside the image are
//! ignored. A disk of radius `r` holds the offsets with `dx² + dy² <= r²` (OpenCV's
//! `MORPH_ELLIPSE` of size `2r+1` is the same set for the radii lungfield uses; see the tests).
//!
//! Every step is one element-wise operation on two rows, `out = min(a, b)` or `max(a, b)`
//! ([`combine`]), the only place the backends differ: `wide` does 16 lanes at a time, the
//! scalar twin one. A window of length `L` along a row is the extreme of two overlapping
//! windows of the largest power of two `p <= L`, and those come from doubling (`p` = 1, 2, 4,
//! …), so a row costs `log₂ L + 1` passes whatever the radius. A rectangle does the same
//! down the columns; a disk takes, for every row offset `dy`, the horizontal window of its
//! half-width `√(r² − dy²)` and combines the `2r + 1` rows.

mod scalar;
mod wide;

use super::Backend;
use crate::image::GrayU8;

/// `out[i] = min(a[i], b[i])` (or `max` with `max = true`) over the common length.
#[inline]
pub fn combine(a: &[u8], b: &[u8], out: &mut [u8], max: bool, backend: Backend) {
    match backend {
        Backend::Scalar => scalar::combine(a, b, out, max),
        Backend::Wide => wide::combine(a, b, out, max),
    }
}

/// The value that does not change a min (255) or a max (0).
fn identity(max: bool) -> u8 {
    if max {
        0
    } else {
        255
    }
}

/// Doubling levels of a row: `levels[k][i]` is the extreme of `row[i .. i + 2^k]`.
struct Levels {
    levels: Vec<Vec<u8>>,
}

impl Levels {
    fn new() -> Self {
        Levels { levels: Vec::new() }
    }

    /// Fills the levels for windows up to `max_len` long.
    fn build(&mut self, row: &[u8], max_len: usize, max: bool, backend: Backend) {
        let mut k = 0;
        while (1usize << (k + 1)) <= max_len {
            k += 1;
        }
        self.levels.resize_with(k + 1, Vec::new);
        self.levels[0].clear();
        self.levels[0].extend_from_slice(row);
        for j in 1..=k {
            let half = 1usize << (j - 1);
            let (lo, hi) = self.levels.split_at_mut(j);
            let prev = &lo[j - 1];
            let n = prev.len().saturating_sub(half);
            let cur = &mut hi[0];
            cur.resize(n, 0);
            combine(&prev[..n], &prev[half..half + n], cur, max, backend);
        }
    }

    /// `out[i]` = extreme of `row[start + i .. start + i + len]`, for `out.len()` values.
    fn window(&self, start: usize, len: usize, out: &mut [u8], max: bool, backend: Backend) {
        let mut k = 0;
        while (1usize << (k + 1)) <= len {
            k += 1;
        }
        let p = 1usize << k;
        let lv = &self.levels[k];
        let n = out.len();
        let a = &lv[start..start + n];
        let b = &lv[start + len - p..start + len - p + n];
        combine(a, b, out, max, backend);
    }
}

/// Horizontal extremes of every row over the windows `[x − k, x + k]`, one plane per `k` in
/// `ks`, with outside pixels ignored.
fn horizontal(src: &GrayU8, ks: &[usize], max: bool, backend: Backend) -> Vec<GrayU8> {
    let (w, h) = (src.width(), src.height());
    let r = ks.iter().copied().max().unwrap_or(0);
    let mut planes: Vec<GrayU8> = ks.iter().map(|_| GrayU8::new(w, h)).collect();
    let mut padded = vec![identity(max); w + 2 * r];
    let mut levels = Levels::new();
    for y in 0..h {
        padded[r..r + w].copy_from_slice(src.row(y));
        levels.build(&padded, 2 * r + 1, max, backend);
        for (plane, &k) in planes.iter_mut().zip(ks) {
            levels.window(r - k, 2 * k + 1, plane.row_mut(y), max, backend);
        }
    }
    planes
}

/// Vertical extremes over `[y − k, y + k]` (outside rows ignored), by doubling over rows.
fn vertical(src: &GrayU8, k: usize, max: bool, backend: Backend) -> GrayU8 {
    let (w, h) = (src.width(), src.height());
    if k == 0 {
        return src.clone();
    }
    let len = 2 * k + 1;
    let rows = h + 2 * k;
    // Level 0: the plane with `k` identity rows above and below.
    let mut cur = vec![identity(max); rows * w];
    cur[k * w..(k + h) * w].copy_from_slice(src.as_slice());
    let mut levels = vec![cur];
    let mut p = 1;
    while p * 2 <= len {
        let prev = &levels[levels.len() - 1];
        let n = rows - (2 * p - 1);
        let mut next = vec![0u8; n * w];
        combine(
            &prev[..n * w],
            &prev[p * w..(p + n) * w],
            &mut next,
            max,
            backend,
        );
        levels.push(next);
        p *= 2;
    }
    let lv = &levels[levels.len() - 1];
    let mut dst = GrayU8::new(w, h);
    combine(
        &lv[..h * w],
        &lv[(len - p) * w..(len - p + h) * w],
        dst.as_mut_slice(),
        max,
        backend,
    );
    dst
}

fn rect(src: &GrayU8, rx: usize, ry: usize, max: bool, backend: Backend) -> GrayU8 {
    if src.is_empty() {
        return src.clone();
    }
    let h = horizontal(src, &[rx], max, backend).remove(0);
    vertical(&h, ry, max, backend)
}

/// Half-width of the disk's row at offset `dy`: the largest `k` with `k² + dy² <= r²`.
fn half_width(r: usize, dy: usize) -> usize {
    let mut k = ((r * r - dy * dy) as f64).sqrt() as usize;
    while (k + 1) * (k + 1) + dy * dy <= r * r {
        k += 1;
    }
    while k * k + dy * dy > r * r {
        k -= 1;
    }
    k
}

/// OpenCV's `MORPH_ELLIPSE` of size `(2r+1)²`, row by row: half-width `round(√(r² − dy²))`.
fn ellipse_width(r: usize, dy: usize) -> usize {
    (((r * r - dy * dy) as f64).sqrt()).round() as usize
}

fn disk(src: &GrayU8, r: usize, max: bool, backend: Backend) -> GrayU8 {
    let widths: Vec<usize> = (0..=r).map(|dy| half_width(r, dy)).collect();
    symmetric(src, &widths, max, backend)
}

/// The extreme over a shape symmetric about both axes, given by the half-width of each row
/// offset `dy = 0..=r` (`widths[dy]`).
fn symmetric(src: &GrayU8, widths: &[usize], max: bool, backend: Backend) -> GrayU8 {
    let r = widths.len().saturating_sub(1);
    if src.is_empty() || r == 0 && widths.first().copied().unwrap_or(0) == 0 {
        return src.clone();
    }
    let (w, h) = (src.width(), src.height());
    let mut ks = widths.to_vec();
    ks.sort_unstable();
    ks.dedup();
    let planes = horizontal(src, &ks, max, backend);
    let plane_of = |dy: usize| &planes[ks.binary_search(&widths[dy]).unwrap_or(0)];
    let mut dst = GrayU8::filled(w, h, identity(max));
    let mut tmp = vec![0u8; w];
    for y in 0..h {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
        for yy in a..b {
            let src_row = plane_of(yy.abs_diff(y)).row(yy);
            tmp.copy_from_slice(dst.row(y));
            combine(&tmp, src_row, dst.row_mut(y), max, backend);
        }
    }
    dst
}

/// Greyscale erosion by a `(2rx+1) × (2ry+1)` rectangle.
///
/// ```
/// use lungfield::{simd::{minmax::erode_rect_u8, Backend}, GrayU8};
/// let mut img = GrayU8::filled(7, 7, 200);
/// img.set(3, 3, 10);
/// let out = erode_rect_u8(&img, 1, 1, Backend::Wide);
/// assert_eq!((out.get(2, 2), out.get(4, 4), out.get(5, 5)), (10, 10, 200));
/// ```
pub fn erode_rect_u8(src: &GrayU8, rx: usize, ry: usize, backend: Backend) -> GrayU8 {
    rect(src, rx, ry, false, backend)
}

/// Greyscale dilation by a `(2rx+1) × (2ry+1)` rectangle.
pub fn dilate_rect_u8(src: &GrayU8, rx: usize, ry: usize, backend: Backend) -> GrayU8 {
    rect(src, rx, ry, true, backend)
}

/// Greyscale erosion by a disk of radius `r`.
///
/// ```
/// use lungfield::{simd::{minmax::erode_disk_u8, Backend}, GrayU8};
/// let mut img = GrayU8::filled(9, 9, 200);
/// img.set(4, 4, 10);
/// let out = erode_disk_u8(&img, 2, Backend::Wide);
/// // Offsets with dx² + dy² <= 4: (2, 0) is in the disk, (2, 1) is not.
/// assert_eq!((out.get(6, 4), out.get(6, 5)), (10, 200));
/// ```
pub fn erode_disk_u8(src: &GrayU8, r: usize, backend: Backend) -> GrayU8 {
    disk(src, r, false, backend)
}

/// Greyscale dilation by a disk of radius `r`.
pub fn dilate_disk_u8(src: &GrayU8, r: usize, backend: Backend) -> GrayU8 {
    disk(src, r, true, backend)
}

/// Greyscale erosion by OpenCV's `MORPH_ELLIPSE` of size `(2r+1) × (2r+1)` (row half-widths
/// `round(√(r² − dy²))`, a little fuller than the Euclidean disk): what `cv2.erode` does with
/// `getStructuringElement(MORPH_ELLIPSE, (2r+1, 2r+1))`.
pub fn erode_ellipse_u8(src: &GrayU8, r: usize, backend: Backend) -> GrayU8 {
    let widths: Vec<usize> = (0..=r).map(|dy| ellipse_width(r, dy)).collect();
    symmetric(src, &widths, false, backend)
}

/// Greyscale dilation by OpenCV's `MORPH_ELLIPSE` of size `(2r+1) × (2r+1)`.
pub fn dilate_ellipse_u8(src: &GrayU8, r: usize, backend: Backend) -> GrayU8 {
    let widths: Vec<usize> = (0..=r).map(|dy| ellipse_width(r, dy)).collect();
    symmetric(src, &widths, true, backend)
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// The definition: the extreme over the structuring element, outside pixels ignored.
    fn reference(
        src: &GrayU8,
        inside: impl Fn(isize, isize) -> bool,
        r: isize,
        max: bool,
    ) -> GrayU8 {
        let (w, h) = (src.width() as isize, src.height() as isize);
        let mut out = GrayU8::new(src.width(), src.height());
        for y in 0..h {
            for x in 0..w {
                let mut v = identity(max);
                for dy in -r..=r {
                    for dx in -r..=r {
                        let (xx, yy) = (x + dx, y + dy);
                        if inside(dx, dy) && xx >= 0 && yy >= 0 && xx < w && yy < h {
                            let p = src.get(xx as usize, yy as usize);
                            v = if max { v.max(p) } else { v.min(p) };
                        }
                    }
                }
                out.set(x as usize, y as usize, v);
            }
        }
        out
    }

    fn plane_u8() -> impl Strategy<Value = GrayU8> {
        (1usize..50, 1usize..30).prop_flat_map(|(w, h)| {
            proptest::collection::vec(any::<u8>(), w * h)
                .prop_map(move |d| GrayU8::from_vec(w, h, d).unwrap())
        })
    }

    proptest! {
        #[test]
        fn rect_matches_definition_and_backends_agree(img in plane_u8(), rx in 0usize..9, ry in 0usize..9, max: bool) {
            let s = rect(&img, rx, ry, max, Backend::Scalar);
            prop_assert_eq!(&s, &rect(&img, rx, ry, max, Backend::Wide));
            let (rxi, ryi) = (rx as isize, ry as isize);
            let r = rxi.max(ryi);
            prop_assert_eq!(s, reference(&img, |dx, dy| dx.abs() <= rxi && dy.abs() <= ryi, r, max));
        }

        #[test]
        fn ellipse_matches_opencv_shape(img in plane_u8(), r in 1usize..8) {
            let ri = r as isize;
            let inside = |dx: isize, dy: isize| dx.unsigned_abs() <= ellipse_width(r, dy.unsigned_abs());
            prop_assert_eq!(erode_ellipse_u8(&img, r, Backend::Wide), reference(&img, inside, ri, false));
            prop_assert_eq!(erode_ellipse_u8(&img, r, Backend::Scalar), erode_ellipse_u8(&img, r, Backend::Wide));
        }

        #[test]
        fn disk_matches_definition_and_backends_agree(img in plane_u8(), r in 0usize..9, max: bool) {
            let s = disk(&img, r, max, Backend::Scalar);
            prop_assert_eq!(&s, &disk(&img, r, max, Backend::Wide));
            let ri = r as isize;
            prop_assert_eq!(s, reference(&img, |dx, dy| dx * dx + dy * dy <= ri * ri, ri, max));
        }
    }

    #[test]
    fn ellipse_rows_match_opencv() {
        // cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (n, n)).sum(axis=1), OpenCV 5.0.
        let rows = |r: usize| -> Vec<usize> {
            (0..=2 * r)
                .map(|i| 2 * ellipse_width(r, i.abs_diff(r)) + 1)
                .collect()
        };
        assert_eq!(
            rows(7),
            [1, 9, 11, 13, 13, 15, 15, 15, 15, 15, 13, 13, 11, 9, 1]
        );
        assert_eq!(rows(2), [1, 5, 5, 5, 1]);
    }
}
