//! A minimal owned image plane (`Plane<T>`): row-major pixels with no padding, the common
//! currency between the pipeline's stages. Conversions to and from the `image` crate live in
//! [`crate::io`].

/// A row-major single-channel image with `width * height` pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane<T> {
    width: usize,
    height: usize,
    data: Vec<T>,
}

/// 8-bit grey image.
pub type GrayU8 = Plane<u8>;
/// 16-bit grey image.
pub type GrayU16 = Plane<u16>;
/// 32-bit float grey image.
pub type GrayF32 = Plane<f32>;
/// A binary mask: 0 = outside, non-zero = inside (0/1 in memory; 0/255 in mask files).
pub type Mask = Plane<u8>;
/// A lung label image: 0 = neither lung, 1 = the patient's right lung (image left), 2 = the
/// left lung ([`crate::segment::Side::label`]). The same pixels as a [`Mask`]; the name says
/// which values to expect.
pub type Labels = Plane<u8>;

impl<T: Copy + Default> Plane<T> {
    /// A `width × height` plane filled with `T::default()`.
    ///
    /// ```
    /// let p = lungfield::GrayU8::new(3, 2);
    /// assert_eq!(p.as_slice(), &[0; 6]);
    /// ```
    pub fn new(width: usize, height: usize) -> Self {
        Self::filled(width, height, T::default())
    }

    /// A `width × height` plane filled with `value`.
    pub fn filled(width: usize, height: usize, value: T) -> Self {
        let mut data = Vec::with_capacity(width * height);
        advise_huge_pages(&mut data);
        data.resize(width * height, value);
        Plane {
            width,
            height,
            data,
        }
    }

    /// A `width × height` plane made row by row: `row(y, buf)` fills `buf` (`width` long,
    /// holding `T::default()`) with row `y`, top to bottom. `buf` is the plane's own row,
    /// and the plane is never filled beforehand: a large output is written once, where `new`
    /// and then `row_mut` would write it twice (the zeroing, which for a plane larger than
    /// the caches goes out to memory, and the rows). Inlined, so a dispatched kernel compiles
    /// `row` for its own instruction set.
    ///
    /// ```
    /// let p = lungfield::GrayU8::from_rows(3, 2, |y, r| r.fill(y as u8 + 1));
    /// assert_eq!(p.as_slice(), &[1, 1, 1, 2, 2, 2]);
    /// ```
    #[inline(always)]
    pub fn from_rows(width: usize, height: usize, mut row: impl FnMut(usize, &mut [T])) -> Self
    where
        T: PartialEq,
    {
        let mut dst = RowsBuilder::new(width, height, T::default());
        for y in 0..height {
            row(y, dst.next_row());
        }
        dst.finish()
    }
}

/// A plane built row by row, top to bottom, with the loop in the caller
/// ([`Plane::from_rows`] without its closure): a kernel whose per-row body is large keeps it
/// in its own function, where a dispatched `#[target_feature]` caller compiles it for its
/// instruction set. (A closure the compiler declines to inline is compiled without those
/// features, and its vector intrinsics become calls: 15–20× slower.)
pub(crate) struct RowsBuilder<T> {
    width: usize,
    height: usize,
    data: Vec<T>,
    /// What a row holds when it is handed out.
    fill: T,
    /// Values handed out so far (the rows before the next one).
    done: usize,
}

/// Planes of at least this many bytes, when their rows start out as the type's zero, are
/// allocated zeroed in one go. Allocations that large come straight from the operating
/// system as fresh pages, which are zero already: `calloc` writes nothing, where filling
/// each row before the kernel writes it wrote the whole plane twice (a 3000² `f32` Gaussian
/// spent 8 % of its time in that `memset`). Smaller ones are served from memory the
/// allocator reuses (glibc's threshold for fresh mappings rises with use to 32 MiB), which
/// `calloc` would have to clear in one pass out of cache, so their rows are filled one at a
/// time as they are handed out, in cache.
const ZEROED_FROM: usize = 32 << 20;

impl<T: Copy + Default + PartialEq> RowsBuilder<T> {
    /// A `width × height` plane whose rows hold `fill` when handed out (the huge-page hint
    /// given; zeroed up front when large, see [`ZEROED_FROM`]).
    pub(crate) fn new(width: usize, height: usize, fill: T) -> Self {
        let n = width * height;
        let data = if n * std::mem::size_of::<T>() >= ZEROED_FROM && fill == T::default() {
            // `vec!` of a zero value is `alloc_zeroed` (`calloc`); the pages are not
            // touched yet, so the hint still applies.
            let mut data = vec![fill; n];
            advise_huge_pages(&mut data);
            data
        } else {
            let mut data = Vec::with_capacity(n);
            advise_huge_pages(&mut data);
            data
        };
        RowsBuilder {
            width,
            height,
            data,
            fill,
            done: 0,
        }
    }
}

impl<T: Copy> RowsBuilder<T> {
    /// Adds the next row (`width` values).
    #[inline(always)]
    pub(crate) fn push(&mut self, row: &[T]) {
        debug_assert_eq!(row.len(), self.width);
        if self.data.len() == self.done {
            self.data.extend_from_slice(row);
            self.done = self.data.len();
        } else {
            self.next_rows(1).copy_from_slice(row);
        }
    }

    /// The next row, holding the builder's fill value, to be written in place.
    #[inline(always)]
    pub(crate) fn next_row(&mut self) -> &mut [T] {
        self.next_rows(1)
    }

    /// The next `rows` rows (`rows · width` values), holding the builder's fill value, to
    /// be written in place.
    #[inline(always)]
    pub(crate) fn next_rows(&mut self, rows: usize) -> &mut [T] {
        let (start, end) = (self.done, self.done + rows * self.width);
        if self.data.len() < end {
            self.data.resize(end, self.fill);
        }
        self.done = end;
        &mut self.data[start..end]
    }

    /// The plane; panics unless all `height` rows were added (pushed or taken with
    /// [`RowsBuilder::next_row`]).
    pub(crate) fn finish(self) -> Plane<T> {
        assert_eq!(self.done, self.width * self.height, "every row added");
        Plane {
            width: self.width,
            height: self.height,
            data: self.data,
        }
    }
}

/// Asks Linux to back a large, not yet written buffer (4 MiB and more) with transparent
/// huge pages, as NumPy does for its arrays: a 3000×3000 `f32` plane then takes 18 page
/// faults instead of 8800, which had been a third of a Gaussian's time at that size. A hint:
/// it changes no value, and nothing happens elsewhere or when the kernel declines.
fn advise_huge_pages<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = v.capacity() * std::mem::size_of::<T>();
        if bytes < 2 * HUGE {
            return;
        }
        // The whole 2 MiB pages inside the allocation.
        let start = v.as_mut_ptr() as usize;
        let first = start.next_multiple_of(HUGE);
        let end = (start + bytes) / HUGE * HUGE;
        if end > first {
            // SAFETY: the range lies inside `v`'s allocation, which this function borrows
            // mutably; `MADV_HUGEPAGE` only changes how its pages are backed, never their
            // contents, and any error is ignored.
            #[allow(unsafe_code)]
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

impl<T> Plane<T> {
    /// Wraps `data` as a `width × height` plane; `None` when the length is not `width * height`.
    ///
    /// ```
    /// let p = lungfield::GrayU8::from_vec(2, 2, vec![1, 2, 3, 4]).unwrap();
    /// assert_eq!(p.get(1, 1), 4);
    /// ```
    pub fn from_vec(width: usize, height: usize, data: Vec<T>) -> Option<Self> {
        (data.len() == width.checked_mul(height)?).then_some(Plane {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the plane has no pixels.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// All pixels, row after row.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// All pixels, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Row `y`.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn row(&self, y: usize) -> &[T] {
        &self.data[y * self.width..(y + 1) * self.width]
    }

    /// Row `y`, mutable.
    ///
    /// # Panics
    /// If `y >= height`.
    pub fn row_mut(&mut self, y: usize) -> &mut [T] {
        &mut self.data[y * self.width..(y + 1) * self.width]
    }

    /// Consumes the plane, returning its pixels.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// Applies `f` to every pixel, giving a new plane.
    pub fn map<U>(&self, f: impl Fn(&T) -> U) -> Plane<U> {
        Plane {
            width: self.width,
            height: self.height,
            data: self.data.iter().map(f).collect(),
        }
    }
}

impl<T: Copy> Plane<T> {
    /// Pixel at column `x`, row `y`.
    ///
    /// # Panics
    /// If the coordinates are outside the plane.
    pub fn get(&self, x: usize, y: usize) -> T {
        self.data[y * self.width + x]
    }

    /// Sets the pixel at column `x`, row `y`.
    ///
    /// # Panics
    /// If the coordinates are outside the plane.
    pub fn set(&mut self, x: usize, y: usize, v: T) {
        self.data[y * self.width + x] = v;
    }

    /// The `w × h` rectangle whose top-left corner is `(x, y)`, clipped to the plane.
    ///
    /// ```
    /// use lungfield::GrayU8;
    /// let p = GrayU8::from_vec(3, 2, vec![1, 2, 3, 4, 5, 6]).unwrap();
    /// assert_eq!(p.crop(1, 0, 2, 2).as_slice(), &[2, 3, 5, 6]);
    /// assert_eq!(p.crop(2, 1, 5, 5).as_slice(), &[6]);
    /// ```
    pub fn crop(&self, x: usize, y: usize, w: usize, h: usize) -> Plane<T> {
        let x = x.min(self.width);
        let y = y.min(self.height);
        let w = w.min(self.width - x);
        let h = h.min(self.height - y);
        let mut data = Vec::with_capacity(w * h);
        for r in y..y + h {
            data.extend_from_slice(&self.row(r)[x..x + w]);
        }
        Plane {
            width: w,
            height: h,
            data,
        }
    }

    /// Copies `src` into this plane with its top-left corner at `(x, y)`; what falls outside
    /// is dropped.
    ///
    /// ```
    /// use lungfield::GrayU8;
    /// let mut p = GrayU8::new(3, 2);
    /// p.paste(&GrayU8::filled(2, 2, 9), 2, 1);
    /// assert_eq!(p.as_slice(), &[0, 0, 0, 0, 0, 9]);
    /// ```
    pub fn paste(&mut self, src: &Plane<T>, x: usize, y: usize) {
        if x >= self.width || y >= self.height {
            return;
        }
        let w = src.width.min(self.width - x);
        let h = src.height.min(self.height - y);
        for r in 0..h {
            let dst = &mut self.data[(y + r) * self.width + x..(y + r) * self.width + x + w];
            dst.copy_from_slice(&src.row(r)[..w]);
        }
    }
}

impl Mask {
    /// Number of non-zero pixels.
    pub fn count(&self) -> usize {
        self.data.iter().filter(|&&v| v != 0).count()
    }

    /// Bounding box `(x0, y0, x1, y1)`, inclusive, of the pixels whose value passes `keep`;
    /// `None` when none does.
    ///
    /// ```
    /// use lungfield::Mask;
    /// let mut m = Mask::new(5, 4);
    /// m.set(1, 2, 2);
    /// m.set(3, 1, 2);
    /// assert_eq!(m.bounds(|v| v == 2), Some((1, 1, 3, 2)));
    /// assert_eq!(m.bounds(|v| v == 1), None);
    /// ```
    pub fn bounds(&self, keep: impl Fn(u8) -> bool) -> Option<(usize, usize, usize, usize)> {
        let mut b: Option<(usize, usize, usize, usize)> = None;
        for y in 0..self.height {
            let row = self.row(y);
            // A row with none is read once, not from both ends.
            let Some(a) = row.iter().position(|&v| keep(v)) else {
                continue;
            };
            let z = row.iter().rposition(|&v| keep(v)).unwrap_or(a);
            b = Some(match b {
                None => (a, y, z, y),
                Some((x0, y0, x1, _)) => (x0.min(a), y0, x1.max(z), y),
            });
        }
        b
    }
}

/// The 4-connected neighbours of index `i` in a row-major `w × h` grid (left, right, up,
/// down; those inside the grid), for floods over flat buffers.
pub(crate) fn neighbours4(i: usize, w: usize, h: usize) -> impl Iterator<Item = usize> {
    let (x, y) = (i % w, i / w);
    [
        (x > 0).then(|| i - 1),
        (x + 1 < w).then(|| i + 1),
        (y > 0).then(|| i - w),
        (y + 1 < h).then(|| i + w),
    ]
    .into_iter()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Planes large enough for the huge-page hint (here 24 MB) hold exactly what was written.
    #[test]
    fn large_planes_hold_their_values() {
        let (w, h) = (3001, 2000);
        let f = GrayF32::filled(w, h, 1.5);
        assert_eq!(f.len(), w * h);
        assert!(f.as_slice().iter().all(|&v| v == 1.5));
        let p = GrayF32::from_rows(w, h, |y, r| {
            for (x, v) in r.iter_mut().enumerate() {
                *v = (x + y) as f32;
            }
        });
        assert_eq!((p.width(), p.height()), (w, h));
        assert_eq!(p.get(3000, 1999), 4999.0);
        assert_eq!(p.get(17, 3), 20.0);
        let z = GrayU8::new(5000, 1000);
        assert!(z.as_slice().iter().all(|&v| v == 0));
    }

    /// Planes past [`ZEROED_FROM`] (here 36 MB of `f32`, and 36 MB of `u8` with a non-zero
    /// fill, which is not allocated zeroed) hand out rows holding the fill, one or several
    /// at a time, and keep what was written and pushed.
    #[test]
    fn rows_past_the_zeroed_threshold_hold_the_fill() {
        let (w, h) = (3000, 3000);
        assert!(w * h * 4 >= ZEROED_FROM);
        let p = GrayF32::from_rows(w, h, |y, r| {
            assert!(r.iter().all(|&v| v == 0.0), "row {y} starts at zero");
            r[y % w] = y as f32 + 1.0;
        });
        assert_eq!(p.get(0, 0), 1.0);
        assert_eq!(p.get(2005, 2005), 2006.0);
        assert_eq!(p.as_slice().iter().filter(|&&v| v != 0.0).count(), h);
        for (fill, w) in [(255u8, 6000), (0, 6000), (7, 10)] {
            let h = 6000;
            let mut b = RowsBuilder::new(w, h, fill);
            let mut y = 0;
            while y < h {
                let rows = (y % 3 + 1).min(h - y);
                if rows == 2 {
                    b.push(&vec![3; w]);
                    y += 1;
                    continue;
                }
                let out = b.next_rows(rows);
                assert_eq!(out.len(), rows * w);
                assert!(out.iter().all(|&v| v == fill), "fill {fill} at row {y}");
                out[0] = 9;
                y += rows;
            }
            let p = b.finish();
            assert_eq!(p.len(), w * h);
            assert!(p.as_slice().iter().all(|&v| v == fill || v == 3 || v == 9));
        }
    }
}
