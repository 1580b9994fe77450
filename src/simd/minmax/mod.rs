//! Greyscale erosion and dilation (running minimum and maximum) of `u8` planes with
//! rectangles and disks, OpenCV's `erode`/`dilate` semantics: pixels outside the image are
//! ignored. A disk of radius `r` holds the offsets with `dx² + dy² <= r²` (OpenCV's
//! `MORPH_ELLIPSE` of size `2r+1` is the same set for the radii lungfield uses; see the tests).
//!
//! Every step is one element-wise operation on two rows, `out = min(a, b)` or `max(a, b)`
//! ([`combine`]), the only place the levels differ: the vector one does 16, 32 or 64
//! lanes at a time (the whole filter is dispatched once per image), the scalar twin one. A
//! window of length `L` along a row is the extreme of two overlapping windows of the
//! largest power of two `p <= L`, and those come from doubling (`p` = 1, 2, 4, …), so a row
//! costs `log₂ L + 1` passes whatever the radius. A rectangle does the same
//! down the columns; a disk takes, for every row offset `dy`, the horizontal window of its
//! half-width `√(r² − dy²)` and combines the `2r + 1` rows.

mod scalar;
mod vector;

use super::Kernels;
use crate::image::{GrayU8, RowsBuilder};

/// `out[i] = min(a[i], b[i])` (or `max` with `max = true`) over the common length.
#[inline]
pub fn combine(a: &[u8], b: &[u8], out: &mut [u8], max: bool, kernels: Kernels) {
    match kernels {
        Kernels::Scalar => scalar::combine(a, b, out, max),
        level => vector::combine(level, a, b, out, max),
    }
}

/// `acc[i] = min(acc[i], b[i])` (or `max`), in place.
#[inline]
pub fn combine_into(acc: &mut [u8], b: &[u8], max: bool, kernels: Kernels) {
    match kernels {
        Kernels::Scalar => scalar::combine_into(acc, b, max),
        level => vector::combine_into(level, acc, b, max),
    }
}

/// The two row operations the filters below are written with: the scalar twin's
/// ([`scalar::Rows`]) or a vector level's (`vector::Rows`). The filters are
/// `#[inline(always)]`, so each vector level's copy is compiled inside its
/// `#[target_feature]` function with the row operations inlined.
pub(super) trait RowOps: Copy {
    /// `out = min/max(a, b)` over the common length.
    fn combine(self, a: &[u8], b: &[u8], out: &mut [u8], max: bool);
    /// `acc = min/max(acc, b)` over the common length.
    fn combine_into(self, acc: &mut [u8], b: &[u8], max: bool);
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
    #[inline(always)]
    fn build<O: RowOps>(&mut self, row: &[u8], max_len: usize, max: bool, ops: O) {
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
    #[inline(always)]
    fn window<O: RowOps>(
        &self,
        row: &[u8],
        start: usize,
        len: usize,
        out: &mut [u8],
        max: bool,
        ops: O,
    ) {
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

    #[inline(always)]
    fn run<O: RowOps>(
        &mut self,
        row: &[u8],
        ks: &[usize],
        outs: &mut [&mut [u8]],
        max: bool,
        ops: O,
    ) {
        let (w, r) = (row.len(), self.r);
        self.padded[r..r + w].copy_from_slice(row);
        self.levels.build(&self.padded, 2 * r + 1, max, ops);
        for (out, &k) in outs.iter_mut().zip(ks) {
            self.levels
                .window(&self.padded, r - k, 2 * k + 1, out, max, ops);
        }
    }
}

/// The rows of a rectangle filter's source, padded by `ry` identity rows above and below,
/// each filtered horizontally (no closures: the filters are written out so that each vector
/// level's copy is compiled whole with its instruction set).
struct PaddedRows<'a> {
    src: &'a GrayU8,
    filter: RowFilter,
    rx: usize,
    ry: usize,
}

impl PaddedRows<'_> {
    /// Row `t` of the padded sequence: the horizontally filtered source row `t − ry`, or the
    /// identity outside the image.
    #[inline(always)]
    fn row<O: RowOps>(&mut self, t: usize, out: &mut [u8], max: bool, ops: O) {
        if t < self.ry || t - self.ry >= self.src.height() {
            out.fill(identity(max));
        } else {
            let row = self.src.row(t - self.ry);
            self.filter.run(row, &[self.rx], &mut [out], max, ops);
        }
    }
}

/// Block `b` of `len` padded rows `[b·len, (b+1)·len)`: `pre[i]` = extreme of rows
/// `b·len..=b·len+i`, `suf[i]` = extreme of rows `b·len+i..(b+1)·len`.
#[inline(always)]
fn fill_block<O: RowOps>(
    rows: &mut PaddedRows,
    b: usize,
    len: usize,
    pre: &mut [u8],
    suf: &mut [u8],
    max: bool,
    ops: O,
) {
    let w = rows.src.width();
    for i in 0..len {
        rows.row(b * len + i, &mut suf[i * w..(i + 1) * w], max, ops);
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
}

/// Rectangle `(2rx+1) × (2ry+1)`: rows by doubling, then columns by van Herk/Gil-Werman,
/// streamed through two blocks of `2ry + 1` rows: prefix extremes of one block and suffix
/// extremes of the one before, so each output row is one more operation whatever `ry`.
#[inline(always)]
fn rect<O: RowOps>(src: &GrayU8, rx: usize, ry: usize, max: bool, ops: O) -> GrayU8 {
    if src.is_empty() {
        return src.clone();
    }
    let (w, h) = (src.width(), src.height());
    let id = identity(max);
    let len = 2 * ry + 1;
    let mut padded = PaddedRows {
        src,
        filter: RowFilter::new(w, rx, max),
        rx,
        ry,
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
                fill_block(&mut padded, b, len, &mut pre_a, &mut suf_a, max, ops);
            }
            block_a = Some(b);
            fill_block(&mut padded, b + 1, len, &mut pre_b, &mut suf_b, max, ops);
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

#[inline(always)]
fn disk<O: RowOps>(src: &GrayU8, r: usize, max: bool, ops: O) -> GrayU8 {
    let widths: Vec<usize> = (0..=r).map(|dy| half_width(r, dy)).collect();
    symmetric(src, &widths, max, ops)
}

/// The extreme over a shape symmetric about both axes, given by the half-width of each row
/// offset `dy = 0..=r` (`widths[dy]`): each source row is filtered once for every distinct
/// half-width into a ring of `2r + 1` rows, and each output row combines its `2r + 1` rows.
#[inline(always)]
fn symmetric<O: RowOps>(src: &GrayU8, widths: &[usize], max: bool, ops: O) -> GrayU8 {
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

/// A structuring element.
#[derive(Clone, Copy, Debug)]
pub(super) enum Shape {
    /// `(2rx+1) × (2ry+1)`.
    Rect(usize, usize),
    /// The offsets with `dx² + dy² <= r²`.
    Disk(usize),
    /// OpenCV's `MORPH_ELLIPSE` of size `(2r+1)²`.
    Ellipse(usize),
}

/// Erosion (`max = false`) or dilation of `src` by `shape` with `ops`.
#[inline(always)]
pub(super) fn filter<O: RowOps>(src: &GrayU8, shape: Shape, max: bool, ops: O) -> GrayU8 {
    match shape {
        Shape::Rect(rx, ry) => rect(src, rx, ry, max, ops),
        Shape::Disk(r) => disk(src, r, max, ops),
        Shape::Ellipse(r) => {
            let widths: Vec<usize> = (0..=r).map(|dy| ellipse_width(r, dy)).collect();
            symmetric(src, &widths, max, ops)
        }
    }
}

/// [`filter`] with the scalar twin's row operations or a vector level's.
fn morph(src: &GrayU8, shape: Shape, max: bool, kernels: Kernels) -> GrayU8 {
    match kernels {
        Kernels::Scalar => filter(src, shape, max, scalar::Rows),
        level => vector::filter(level, src, shape, max),
    }
}

/// Greyscale erosion by a `(2rx+1) × (2ry+1)` rectangle.
///
/// ```
/// use lungfield::{simd::{minmax::erode_rect_u8, Kernels}, GrayU8};
/// let mut img = GrayU8::filled(7, 7, 200);
/// img.set(3, 3, 10);
/// let out = erode_rect_u8(&img, 1, 1, Kernels::active());
/// assert_eq!((out.get(2, 2), out.get(4, 4), out.get(5, 5)), (10, 10, 200));
/// ```
pub fn erode_rect_u8(src: &GrayU8, rx: usize, ry: usize, kernels: Kernels) -> GrayU8 {
    morph(src, Shape::Rect(rx, ry), false, kernels)
}

/// Greyscale dilation by a `(2rx+1) × (2ry+1)` rectangle.
pub fn dilate_rect_u8(src: &GrayU8, rx: usize, ry: usize, kernels: Kernels) -> GrayU8 {
    morph(src, Shape::Rect(rx, ry), true, kernels)
}

/// Greyscale erosion by a disk of radius `r`.
///
/// ```
/// use lungfield::{simd::{minmax::erode_disk_u8, Kernels}, GrayU8};
/// let mut img = GrayU8::filled(9, 9, 200);
/// img.set(4, 4, 10);
/// let out = erode_disk_u8(&img, 2, Kernels::active());
/// // Offsets with dx² + dy² <= 4: (2, 0) is in the disk, (2, 1) is not.
/// assert_eq!((out.get(6, 4), out.get(6, 5)), (10, 200));
/// ```
pub fn erode_disk_u8(src: &GrayU8, r: usize, kernels: Kernels) -> GrayU8 {
    morph(src, Shape::Disk(r), false, kernels)
}

/// Greyscale dilation by a disk of radius `r`.
pub fn dilate_disk_u8(src: &GrayU8, r: usize, kernels: Kernels) -> GrayU8 {
    morph(src, Shape::Disk(r), true, kernels)
}

/// Greyscale erosion by OpenCV's `MORPH_ELLIPSE` of size `(2r+1) × (2r+1)` (row half-widths
/// `round(√(r² − dy²))`, a little fuller than the Euclidean disk): what `cv2.erode` does with
/// `getStructuringElement(MORPH_ELLIPSE, (2r+1, 2r+1))`.
pub fn erode_ellipse_u8(src: &GrayU8, r: usize, kernels: Kernels) -> GrayU8 {
    morph(src, Shape::Ellipse(r), false, kernels)
}

/// Greyscale dilation by OpenCV's `MORPH_ELLIPSE` of size `(2r+1) × (2r+1)`.
pub fn dilate_ellipse_u8(src: &GrayU8, r: usize, kernels: Kernels) -> GrayU8 {
    morph(src, Shape::Ellipse(r), true, kernels)
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
            let s = morph(&img, Shape::Rect(rx, ry), max, Kernels::Scalar);
            // Every level this CPU has (baseline `wide`, AVX2, AVX-512).
            for &level in Kernels::available() {
                prop_assert_eq!(&s, &morph(&img, Shape::Rect(rx, ry), max, level), "{:?}", level);
            }
            let (rxi, ryi) = (rx as isize, ry as isize);
            let r = rxi.max(ryi);
            prop_assert_eq!(s, reference(&img, |dx, dy| dx.abs() <= rxi && dy.abs() <= ryi, r, max));
        }

        #[test]
        fn ellipse_matches_opencv_shape(img in plane_u8(50, 30), r in 1usize..8) {
            let ri = r as isize;
            let inside = |dx: isize, dy: isize| dx.unsigned_abs() <= ellipse_width(r, dy.unsigned_abs());
            prop_assert_eq!(erode_ellipse_u8(&img, r, Kernels::active()), reference(&img, inside, ri, false));
            for &level in Kernels::available() {
                prop_assert_eq!(erode_ellipse_u8(&img, r, Kernels::Scalar), erode_ellipse_u8(&img, r, level));
            }
        }

        #[test]
        fn disk_matches_definition_and_backends_agree(img in plane_u8(160, 20), r in 0usize..9, max: bool) {
            let s = morph(&img, Shape::Disk(r), max, Kernels::Scalar);
            for &level in Kernels::available() {
                prop_assert_eq!(&s, &morph(&img, Shape::Disk(r), max, level), "{:?}", level);
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
