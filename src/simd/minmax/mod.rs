//! Greyscale erosion and dilation (running minimum and maximum) of `u8` planes with
//! rectangles and disks, OpenCV's `erode`/`dilate` semantics: pixels outside the image are
//! ignored. A disk of radius `r` holds the offsets with `dx² + dy² <= r²` (OpenCV's
//! `MORPH_ELLIPSE` of size `2r+1` is the same set for the radii lungfield uses; see the tests).
//!
//! Every step is one element-wise operation on two rows, `out = min(a, b)` or `max(a, b)`
//! ([`combine`]), the only place the backends differ: the vector one does 16, 32 or 64
//! lanes at a time (the run-time level's, chosen once per image), the scalar twin one. A
//! window of length `L` along a row is the extreme of two overlapping windows of the
//! largest power of two `p <= L`, and those come from doubling (`p` = 1, 2, 4, …), so a row
//! costs `log₂ L + 1` passes whatever the radius. A rectangle does the same
//! down the columns; a disk takes, for every row offset `dy`, the horizontal window of its
//! half-width `√(r² − dy²)` and combines the `2r + 1` rows.

mod scalar;
mod wide;

use super::Backend;
use crate::image::{GrayU8, RowsBuilder};

/// `out[i] = min(a[i], b[i])` (or `max` with `max = true`) over the common length.
#[inline]
pub fn combine(a: &[u8], b: &[u8], out: &mut [u8], max: bool, backend: Backend) {
    Ops::new(backend).combine(a, b, out, max)
}

/// `acc[i] = min(acc[i], b[i])` (or `max`), in place.
#[inline]
pub fn combine_into(acc: &mut [u8], b: &[u8], max: bool, backend: Backend) {
    Ops::new(backend).combine_into(acc, b, max)
}

/// The two row operations of a backend, chosen once per image: the scalar twin's, or the
/// vector ones at the run-time [`level`](crate::simd::isa::level).
#[derive(Clone, Copy)]
struct Ops {
    combine: wide::CombineFn,
    combine_into: wide::CombineIntoFn,
}

impl Ops {
    fn new(backend: Backend) -> Ops {
        Ops::at(backend, crate::simd::isa::level())
    }

    /// `Wide` at a given run-time level (falling back to what the CPU has).
    fn at(backend: Backend, level: crate::simd::isa::Level) -> Ops {
        let (combine, combine_into): (wide::CombineFn, wide::CombineIntoFn) = match backend {
            Backend::Scalar => (scalar::combine, scalar::combine_into),
            Backend::Wide => wide::pick(level),
        };
        Ops {
            combine,
            combine_into,
        }
    }

    #[inline]
    fn combine(self, a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
        // SAFETY: the fields are only set by `Ops::at`, from `wide::pick`, which only returns
        // functions for instruction sets the CPU has, or from the scalar twin.
        unsafe { (self.combine)(a, b, out, max) }
    }

    #[inline]
    fn combine_into(self, acc: &mut [u8], b: &[u8], max: bool) {
        // SAFETY: as in `combine`.
        unsafe { (self.combine_into)(acc, b, max) }
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

/// Doubling levels of a row: level `k` holds at `i` the extreme of `row[i .. i + 2^k]`.
/// Level 0 is the row itself (never copied); `levels[k − 1]` holds level `k ≥ 1`.
struct Levels {
    levels: Vec<Vec<u8>>,
}

impl Levels {
    fn new() -> Self {
        Levels { levels: Vec::new() }
    }

    /// Fills the levels of `row` for windows up to `max_len` long.
    fn build(&mut self, row: &[u8], max_len: usize, max: bool, ops: Ops) {
        let mut k = 0;
        while (1usize << (k + 1)) <= max_len {
            k += 1;
        }
        self.levels.resize_with(k, Vec::new);
        for j in 1..=k {
            let half = 1usize << (j - 1);
            let (lo, hi) = self.levels.split_at_mut(j - 1);
            let prev: &[u8] = if j == 1 { row } else { &lo[j - 2] };
            let n = prev.len().saturating_sub(half);
            let cur = &mut hi[0];
            cur.resize(n, 0);
            ops.combine(&prev[..n], &prev[half..half + n], cur, max);
        }
    }

    /// `out[i]` = extreme of `row[start + i .. start + i + len]`, for `out.len()` values
    /// (`row` the one the levels were built from).
    fn window(&self, row: &[u8], start: usize, len: usize, out: &mut [u8], max: bool, ops: Ops) {
        let mut k = 0;
        while (1usize << (k + 1)) <= len {
            k += 1;
        }
        let p = 1usize << k;
        let lv: &[u8] = if k == 0 { row } else { &self.levels[k - 1] };
        let n = out.len();
        let a = &lv[start..start + n];
        let b = &lv[start + len - p..start + len - p + n];
        ops.combine(a, b, out, max);
    }
}

/// Horizontal extremes of one row over the windows `[x − k, x + k]` for each `k` in `ks`
/// (outside pixels ignored), into `outs` (one row each).
struct RowFilter {
    padded: Vec<u8>,
    levels: Levels,
    r: usize,
}

impl RowFilter {
    fn new(w: usize, r: usize, max: bool) -> Self {
        RowFilter {
            padded: vec![identity(max); w + 2 * r],
            levels: Levels::new(),
            r,
        }
    }

    fn run(&mut self, row: &[u8], ks: &[usize], outs: &mut [&mut [u8]], max: bool, ops: Ops) {
        let (w, r) = (row.len(), self.r);
        self.padded[r..r + w].copy_from_slice(row);
        self.levels.build(&self.padded, 2 * r + 1, max, ops);
        for (out, &k) in outs.iter_mut().zip(ks) {
            self.levels
                .window(&self.padded, r - k, 2 * k + 1, out, max, ops);
        }
    }
}

/// Rectangle `(2rx+1) × (2ry+1)`: rows by doubling, then columns by van Herk/Gil-Werman,
/// streamed through two blocks of `2ry + 1` rows: prefix extremes of one block and suffix
/// extremes of the one before, so each output row is one more operation whatever `ry`.
fn rect(src: &GrayU8, rx: usize, ry: usize, max: bool, ops: Ops) -> GrayU8 {
    if src.is_empty() {
        return src.clone();
    }
    let (w, h) = (src.width(), src.height());
    let id = identity(max);
    let len = 2 * ry + 1;
    let mut filter = RowFilter::new(w, rx, max);
    // Row `t` of the padded sequence: the horizontally filtered source row `t − ry`, or the
    // identity outside the image.
    let mut padded_row = |t: usize, out: &mut [u8]| {
        if t < ry || t - ry >= h {
            out.fill(id);
        } else {
            filter.run(src.row(t - ry), &[rx], &mut [out], max, ops);
        }
    };
    // Block b holds padded rows [b·len, (b+1)·len): `pre[i]` = extreme of rows b·len..=b·len+i,
    // `suf[i]` = extreme of rows b·len+i..(b+1)·len.
    let fill_block =
        |b: usize, pre: &mut [u8], suf: &mut [u8], padded_row: &mut dyn FnMut(usize, &mut [u8])| {
            for i in 0..len {
                padded_row(b * len + i, &mut suf[i * w..(i + 1) * w]);
            }
            pre[..w].copy_from_slice(&suf[..w]);
            for i in 1..len {
                let (done, rest) = pre.split_at_mut(i * w);
                ops.combine(
                    &done[(i - 1) * w..],
                    &suf[i * w..(i + 1) * w],
                    &mut rest[..w],
                    max,
                );
            }
            for i in (0..len - 1).rev() {
                let (head, tail) = suf.split_at_mut((i + 1) * w);
                ops.combine_into(&mut head[i * w..], &tail[..w], max);
            }
        };
    let mut dst = RowsBuilder::new(w, h, id);
    let (mut pre_a, mut suf_a) = (vec![0u8; len * w], vec![0u8; len * w]);
    let (mut pre_b, mut suf_b) = (vec![0u8; len * w], vec![0u8; len * w]);
    let mut block_a: Option<usize> = None;
    for y in 0..h {
        // The window is padded rows [y, y + len).
        let (b, i) = (y / len, y % len);
        if block_a != Some(b) {
            if block_a.map(|a| a + 1) == Some(b) {
                std::mem::swap(&mut pre_a, &mut pre_b);
                std::mem::swap(&mut suf_a, &mut suf_b);
            } else {
                fill_block(b, &mut pre_a, &mut suf_a, &mut padded_row);
            }
            block_a = Some(b);
            fill_block(b + 1, &mut pre_b, &mut suf_b, &mut padded_row);
        }
        let out = dst.next_row();
        if i == 0 {
            out.copy_from_slice(&suf_a[..w]);
        } else {
            ops.combine(
                &suf_a[i * w..(i + 1) * w],
                &pre_b[(i - 1) * w..i * w],
                out,
                max,
            );
        }
    }
    dst.finish()
}

/// Half-width of the disk's row at offset `dy`: the largest `k` with `k² + dy² <= r²`
/// (shared with the binary morphology of `segment`).
pub(crate) fn half_width(r: usize, dy: usize) -> usize {
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

fn disk(src: &GrayU8, r: usize, max: bool, ops: Ops) -> GrayU8 {
    let widths: Vec<usize> = (0..=r).map(|dy| half_width(r, dy)).collect();
    symmetric(src, &widths, max, ops)
}

/// The extreme over a shape symmetric about both axes, given by the half-width of each row
/// offset `dy = 0..=r` (`widths[dy]`): each source row is filtered once for every distinct
/// half-width into a ring of `2r + 1` rows, and each output row combines its `2r + 1` rows.
fn symmetric(src: &GrayU8, widths: &[usize], max: bool, ops: Ops) -> GrayU8 {
    let r = widths.len().saturating_sub(1);
    if src.is_empty() || r == 0 && widths.first().copied().unwrap_or(0) == 0 {
        return src.clone();
    }
    let (w, h) = (src.width(), src.height());
    let mut ks = widths.to_vec();
    ks.sort_unstable();
    ks.dedup();
    let n = 2 * r + 1;
    let mut filter = RowFilter::new(w, ks.last().copied().unwrap_or(0), max);
    // ring[k][slot]: source row held in `slot`, filtered with half-width ks[k].
    let mut ring = vec![vec![0u8; n * w]; ks.len()];
    let mut held = vec![usize::MAX; n];
    let which: Vec<usize> = widths
        .iter()
        .map(|wd| ks.binary_search(wd).unwrap_or(0))
        .collect();
    let mut dst = RowsBuilder::new(w, h, identity(max));
    for y in 0..h {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
        for yy in a..b {
            let slot = yy % n;
            if held[slot] != yy {
                let mut outs: Vec<&mut [u8]> = ring
                    .iter_mut()
                    .map(|plane| &mut plane[slot * w..(slot + 1) * w])
                    .collect();
                filter.run(src.row(yy), &ks, &mut outs, max, ops);
                held[slot] = yy;
            }
        }
        let out = dst.next_row();
        for yy in a..b {
            let k = which[yy.abs_diff(y)];
            let slot = yy % n;
            ops.combine_into(out, &ring[k][slot * w..(slot + 1) * w], max);
        }
    }
    dst.finish()
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
    rect(src, rx, ry, false, Ops::new(backend))
}

/// Greyscale dilation by a `(2rx+1) × (2ry+1)` rectangle.
pub fn dilate_rect_u8(src: &GrayU8, rx: usize, ry: usize, backend: Backend) -> GrayU8 {
    rect(src, rx, ry, true, Ops::new(backend))
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
    disk(src, r, false, Ops::new(backend))
}

/// Greyscale dilation by a disk of radius `r`.
pub fn dilate_disk_u8(src: &GrayU8, r: usize, backend: Backend) -> GrayU8 {
    disk(src, r, true, Ops::new(backend))
}

/// Greyscale erosion by OpenCV's `MORPH_ELLIPSE` of size `(2r+1) × (2r+1)` (row half-widths
/// `round(√(r² − dy²))`, a little fuller than the Euclidean disk): what `cv2.erode` does with
/// `getStructuringElement(MORPH_ELLIPSE, (2r+1, 2r+1))`.
pub fn erode_ellipse_u8(src: &GrayU8, r: usize, backend: Backend) -> GrayU8 {
    let widths: Vec<usize> = (0..=r).map(|dy| ellipse_width(r, dy)).collect();
    symmetric(src, &widths, false, Ops::new(backend))
}

/// Greyscale dilation by OpenCV's `MORPH_ELLIPSE` of size `(2r+1) × (2r+1)`.
pub fn dilate_ellipse_u8(src: &GrayU8, r: usize, backend: Backend) -> GrayU8 {
    let widths: Vec<usize> = (0..=r).map(|dy| ellipse_width(r, dy)).collect();
    symmetric(src, &widths, true, Ops::new(backend))
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::simd::test_planes::*;
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

    proptest! {
        #[test]
        fn rect_matches_definition_and_backends_agree(img in plane_u8(160, 20), rx in 0usize..9, ry in 0usize..9, max: bool) {
            let s = rect(&img, rx, ry, max, Ops::new(Backend::Scalar));
            prop_assert_eq!(&s, &rect(&img, rx, ry, max, Ops::new(Backend::Wide)));
            // Every run-time level this CPU has (baseline `wide`, AVX2, AVX-512).
            for &level in crate::simd::isa::available() {
                prop_assert_eq!(&s, &rect(&img, rx, ry, max, Ops::at(Backend::Wide, level)), "{:?}", level);
            }
            let (rxi, ryi) = (rx as isize, ry as isize);
            let r = rxi.max(ryi);
            prop_assert_eq!(s, reference(&img, |dx, dy| dx.abs() <= rxi && dy.abs() <= ryi, r, max));
        }

        #[test]
        fn ellipse_matches_opencv_shape(img in plane_u8(50, 30), r in 1usize..8) {
            let ri = r as isize;
            let inside = |dx: isize, dy: isize| dx.unsigned_abs() <= ellipse_width(r, dy.unsigned_abs());
            prop_assert_eq!(erode_ellipse_u8(&img, r, Backend::Wide), reference(&img, inside, ri, false));
            prop_assert_eq!(erode_ellipse_u8(&img, r, Backend::Scalar), erode_ellipse_u8(&img, r, Backend::Wide));
        }

        #[test]
        fn disk_matches_definition_and_backends_agree(img in plane_u8(160, 20), r in 0usize..9, max: bool) {
            let s = disk(&img, r, max, Ops::new(Backend::Scalar));
            prop_assert_eq!(&s, &disk(&img, r, max, Ops::new(Backend::Wide)));
            for &level in crate::simd::isa::available() {
                prop_assert_eq!(&s, &disk(&img, r, max, Ops::at(Backend::Wide, level)), "{:?}", level);
            }
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
