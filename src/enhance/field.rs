//! The exposed field: the part of an image that is radiograph, not the flat black, white or
//! grey padding a scanner, a digitiser or a converter put around it.
//!
//! Montgomery's films lie on a black canvas, often a little rotated; other sites pad to a
//! square, or burn white bars in. A segmenter that sees the padding takes the black beside
//! the body for lung, or lets a lung run down out of the film. So the field is found first
//! and everything after it works inside the field's box, as if the film were the whole
//! image; padding left inside the box (the corners of a rotated film) is filled from the
//! nearest field pixel of its row ([`Field::fill_padding`]).
//!
//! How: the image is cut into blocks (at most [`GRID`] along the longer side); a block is
//! *flat* when all its pixels lie within a few grey levels of the image's darkest (or
//! brightest) value, or holds nothing but those two extremes (where a film's black border
//! meets a white canvas it was scanned onto). Flat blocks reached from the image edge through
//! flat blocks of their kind are padding, and from the white canvas the flood also steps into
//! the black, through such seams or directly, never the other way. A frame of one grey
//! between the extremes (a converter's mid-grey padding, a collimator's shadow filled with
//! one grey) is padding too when it runs along a whole side and covers a tenth of the image
//! ([`grey_canvas`]). When there is no such canvas, and the image is large, a canvas flat
//! only to within its noise is looked for (a digitiser's or a detector's noise on the black
//! around a film). The field is the largest 8-connected piece of what is left. Flat dark
//! regions that the film itself holds (air beside the body burnt out to black) may be
//! counted as padding too: they are outside the body, so no lung is lost. When the field
//! would be implausibly small (under an eighth of the image, or under a quarter of either
//! side; a film padded twice can fill little more than a quarter), the whole image is the
//! field: a radiograph is never cut down to a fragment. The field's box is then cut to the
//! film's edge to the pixel (past rows and columns that are canvas from end to end),
//! so a film on a canvas is segmented the same wherever the canvas falls on the block grid.

#[cfg(test)]
use crate::image::GrayU8;
use crate::image::{neighbours4, Mask, Plane};

/// Blocks along the longer side, at most.
const GRID: usize = 128;
/// Smallest block side: a block must hold enough pixels for noise to show (film noise keeps
/// burnt-out air off the flat extreme somewhere in 16 pixels; true padding is flat).
const MIN_BLOCK: usize = 4;
/// Share of a whole side of the image a canvas of one grey between the extremes must run
/// along ([`grey_canvas`]).
const GREY_SIDE: f64 = 0.9;
/// Share of the image a canvas of one grey between the extremes must cover: a frame, not a
/// collimator's thin bright margin, which the flood from the edge steps over anyway (the
/// phantoms' margins, 0–4 % of a side wide, cover up to 7 %).
const GREY_AREA: f64 = 0.1;
/// Smallest block side, in pixels, at which a canvas flat only to within its noise is looked
/// for ([`noisy_canvas`]).
const NOISY_CANVAS_BLOCK: usize = 16;

/// The exposed field of an image: its box in image pixels and, at block resolution, which
/// blocks inside the box are padding.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Left column of the box.
    pub x: usize,
    /// Top row of the box.
    pub y: usize,
    /// Width of the box.
    pub width: usize,
    /// Height of the box.
    pub height: usize,
    /// Block size in image pixels.
    block: usize,
    /// Padding blocks over the whole image's block grid (`grid_w` per row).
    padding: Vec<bool>,
    /// The padding blocks that are black canvas, flat to a grey level, on the same grid.
    dark: Vec<bool>,
    grid_w: usize,
    /// Width and height of the whole image.
    image: (usize, usize),
}

impl Field {
    /// The whole `w × h` image, no padding.
    pub fn whole(w: usize, h: usize) -> Field {
        Field {
            x: 0,
            y: 0,
            width: w,
            height: h,
            block: w.max(h).max(1),
            padding: vec![false],
            dark: vec![false],
            grid_w: 1,
            image: (w, h),
        }
    }

    /// Whether the field is the whole image (nothing to crop, nothing to fill).
    pub fn is_whole(&self) -> bool {
        self.box_is_image() && !self.padding.iter().any(|&p| p)
    }

    /// Whether the field's box is the whole image (nothing to cut out; padding blocks inside
    /// it may still be filled).
    pub fn box_is_image(&self) -> bool {
        (self.x, self.y, self.width, self.height) == (0, 0, self.image.0, self.image.1)
    }

    /// The field's box as a share of the image's area, 0..=1.
    pub fn box_share(&self) -> f64 {
        (self.width * self.height) as f64 / (self.image.0 * self.image.1).max(1) as f64
    }

    /// Share of the whole image outside the field (padding in or outside its box), 0..=1.
    pub fn padding_fraction(&self) -> f64 {
        let (w, h) = self.image;
        let total = (w * h).max(1) as f64;
        let mut inside = 0usize;
        for y in self.y..self.y + self.height {
            let by = y / self.block;
            for bx in 0..self.grid_w {
                let x0 = (bx * self.block).max(self.x);
                let x1 = ((bx + 1) * self.block).min(self.x + self.width);
                if x1 > x0 && !self.padding[by * self.grid_w + bx] {
                    inside += x1 - x0;
                }
            }
        }
        1.0 - inside as f64 / total
    }

    /// Whether image pixel `(x, y)` lies in a padding block (or outside the box).
    pub fn is_padding(&self, x: usize, y: usize) -> bool {
        if x < self.x || y < self.y || x >= self.x + self.width || y >= self.y + self.height {
            return true;
        }
        self.padding[(y / self.block) * self.grid_w + x / self.block]
    }

    /// Per block: whether it or one of its eight neighbours is one of `blocks` (padding, or
    /// its black canvas) that reaches into the box (the blocks the film's edge crosses hold
    /// padding pixels too; the canvas outside the box, which the box's edge already cuts off
    /// at the film's, does not count).
    fn near(&self, blocks: &[bool]) -> Vec<bool> {
        let (gw, gh) = (self.grid_w, self.padding.len() / self.grid_w);
        let b = self.block;
        let in_box = |nx: usize, ny: usize| {
            nx * b < self.x + self.width
                && (nx + 1) * b > self.x
                && ny * b < self.y + self.height
                && (ny + 1) * b > self.y
        };
        (0..gw * gh)
            .map(|i| {
                let (bx, by) = (i % gw, i / gw);
                (by.saturating_sub(1)..(by + 2).min(gh)).any(|ny| {
                    (bx.saturating_sub(1)..(bx + 2).min(gw))
                        .any(|nx| blocks[ny * gw + nx] && in_box(nx, ny))
                })
            })
            .collect()
    }

    /// The padding inside the box at `ww × wh` (the field's box resampled to that size): 1
    /// where a pixel's centre falls in or next to a padding block (the corners of a rotated
    /// film), what [`Field::fill_padding`] fills.
    pub fn padding_mask(&self, ww: usize, wh: usize) -> Mask {
        self.mask_near(&self.padding, ww, wh)
    }

    /// [`Field::padding_mask`] for the black canvas alone (padding blocks black to a grey
    /// level, not to within their noise): where a turned film's edge runs across the box
    /// beside black, the air beside the body may be walled in by the film's rim.
    pub fn dark_padding_mask(&self, ww: usize, wh: usize) -> Mask {
        self.mask_near(&self.dark, ww, wh)
    }

    fn mask_near(&self, blocks: &[bool], ww: usize, wh: usize) -> Mask {
        let mut m = Mask::new(ww, wh);
        if ww == 0 || wh == 0 || !blocks.iter().any(|&p| p) {
            return m;
        }
        let sx = self.width as f64 / ww as f64;
        let sy = self.height as f64 / wh as f64;
        let col_block: Vec<usize> = (0..ww)
            .map(|x| (self.x + (((x as f64 + 0.5) * sx) as usize).min(self.width - 1)) / self.block)
            .collect();
        let near = self.near(blocks);
        for y in 0..wh {
            let iy = self.y + (((y as f64 + 0.5) * sy) as usize).min(self.height - 1);
            let base = (iy / self.block) * self.grid_w;
            for (v, &bx) in m.row_mut(y).iter_mut().zip(&col_block) {
                *v = u8::from(near[base + bx]);
            }
        }
        m
    }

    /// Fills, in `img` (the field's box resampled to any size), every pixel whose centre
    /// falls in or next to a padding block with the nearest pixel of its row clear of the
    /// padding; rows with no such pixel take the nearest row that has one. Returns how many
    /// pixels were filled.
    pub fn fill_padding<T: Copy>(&self, img: &mut Plane<T>) -> usize {
        let (ww, wh) = (img.width(), img.height());
        let mask = self.padding_mask(ww, wh);
        if mask.count() == 0 {
            return 0;
        }
        let mut filled = 0;
        let mut full_rows = vec![false; wh];
        let mut pad = vec![false; ww];
        for (y, full) in full_rows.iter_mut().enumerate() {
            for (p, &v) in pad.iter_mut().zip(mask.row(y)) {
                *p = v != 0;
            }
            if pad.iter().all(|&p| p) {
                *full = true;
                continue;
            }
            let row = img.row_mut(y);
            filled += fill_row(row, &pad);
        }
        // Rows with no field pixel: copy the nearest row that has one.
        if full_rows.iter().any(|&f| f) {
            let src: Vec<Option<usize>> = (0..wh)
                .map(|y| {
                    (0..wh)
                        .filter(|&r| !full_rows[r])
                        .min_by_key(|&r| (r.abs_diff(y), r))
                })
                .collect();
            for y in 0..wh {
                if let (true, Some(r)) = (full_rows[y], src[y]) {
                    let copy = img.row(r).to_vec();
                    img.row_mut(y).copy_from_slice(&copy);
                    filled += ww;
                }
            }
        }
        filled
    }
}

/// Replaces the `pad` pixels of `row` by the nearest non-padding pixel (ties: the left one);
/// the row has at least one non-padding pixel. Returns the count replaced.
fn fill_row<T: Copy>(row: &mut [T], pad: &[bool]) -> usize {
    let n = row.len();
    let mut filled = 0;
    let mut x = 0;
    while x < n {
        if !pad[x] {
            x += 1;
            continue;
        }
        let start = x;
        while x < n && pad[x] {
            x += 1;
        }
        let left = start.checked_sub(1).map(|i| row[i]);
        let right = (x < n).then(|| row[x]);
        for (i, px) in row.iter_mut().enumerate().take(x).skip(start) {
            *px = match (left, right) {
                // Distance to the left end `start - 1` against the right end `x`.
                (Some(l), Some(r)) => {
                    if i + 1 - start <= x - i {
                        l
                    } else {
                        r
                    }
                }
                (Some(l), None) => l,
                (None, Some(r)) => r,
                (None, None) => *px,
            };
            filled += 1;
        }
    }
    filled
}

/// The exposed field of `img` (see the module docs).
///
/// ```
/// use lungfield::{enhance::exposed_field, GrayU8};
/// // A textured 60×40 film on a 100×80 black canvas (on 4-pixel block boundaries).
/// let img = GrayU8::from_rows(100, 80, |y, row| {
///     for (x, v) in row.iter_mut().enumerate() {
///         if (20..80).contains(&x) && (12..52).contains(&y) { *v = 60 + ((x * 7 + y * 13) % 90) as u8; }
///     }
/// });
/// let f = exposed_field(&img);
/// assert_eq!((f.x, f.y, f.width, f.height), (20, 12, 60, 40));
/// ```
pub fn exposed_field<T: Copy + Ord + Into<u32>>(img: &Plane<T>) -> Field {
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Field::whole(w, h);
    }
    let block = w.max(h).div_ceil(GRID).max(MIN_BLOCK);
    let (gw, gh) = (w.div_ceil(block), h.div_ceil(block));
    let mut lo = vec![u32::MAX; gw * gh];
    let mut hi = vec![0u32; gw * gh];
    for y in sampled_rows(h, block) {
        let base = (y / block) * gw;
        for (bx, chunk) in img.row(y).chunks(block).enumerate() {
            let (Some(&a), Some(&b)) = (chunk.iter().min(), chunk.iter().max()) else {
                continue;
            };
            lo[base + bx] = lo[base + bx].min(a.into());
            hi[base + bx] = hi[base + bx].max(b.into());
        }
    }
    let gmin = lo.iter().copied().min().unwrap_or(0);
    let gmax = hi.iter().copied().max().unwrap_or(0);
    let range = gmax - gmin;
    let tol = (range * 2).div_ceil(255);
    if range <= 4 * tol {
        return Field::whole(w, h);
    }
    // 1: flat dark, 2: flat bright, 3: a seam of two canvases (a black border on a white
    // canvas), 4: a canvas of one grey between black and white, 0: none of these.
    let mut kind: Vec<u8> = lo
        .iter()
        .zip(&hi)
        .map(|(&a, &b)| {
            if b <= gmin + tol {
                1
            } else if a + tol >= gmax {
                2
            } else {
                0
            }
        })
        .collect();
    // The canvases' greys: black, white, and any frame of one grey between them (kind 4).
    let mut greys = vec![(0, gmin + tol), (gmax.saturating_sub(tol), gmax)];
    greys.extend(grey_canvas(&lo, &hi, tol, (gw, gh), &mut kind));
    mark_seams(img, block, gw, &greys, &lo, &hi, &mut kind);
    let mut padding = reached_from_edge(&kind, gw, gh);
    // The black canvas, flat to a grey level (a canvas flat only to within its noise can
    // take in the air burnt out to black beside the body, whose border is the chest wall,
    // not a film's rim: it is left out).
    let mut black: Vec<bool> = kind.iter().map(|&k| k == 1).collect();
    if !padding.iter().any(|&p| p) {
        // No canvas flat to a grey level: perhaps one flat to within its noise.
        match noisy_canvas(img, block, (gw, gh), tol) {
            Some(noisy) => {
                padding = reached_from_edge(&noisy, gw, gh);
                black.fill(false);
            }
            None => return Field::whole(w, h),
        }
        if !padding.iter().any(|&p| p) {
            return Field::whole(w, h);
        }
    }
    // The largest 8-connected piece of what is left (burnt-in labels on the canvas are
    // pieces of their own).
    let Some(piece) = largest_piece(&padding, gw, gh) else {
        return Field::whole(w, h);
    };
    let (mut x0, mut y0, mut x1, mut y1) = (gw, gh, 0, 0);
    for (i, _) in piece.iter().enumerate().filter(|(_, &p)| p) {
        let (bx, by) = (i % gw, i / gw);
        x0 = x0.min(bx);
        y0 = y0.min(by);
        x1 = x1.max(bx);
        y1 = y1.max(by);
    }
    let area = piece.iter().filter(|&&p| p).count();
    let (bw, bh) = (x1 + 1 - x0, y1 + 1 - y0);
    if area * 8 < gw * gh || bw * 4 < gw || bh * 4 < gh {
        return Field::whole(w, h);
    }
    let (px0, py0) = (x0 * block, y0 * block);
    let (px1, py1) = (((x1 + 1) * block).min(w), ((y1 + 1) * block).min(h));
    let (px0, py0, px1, py1) = trim_to_film(img, (px0, py0, px1, py1), block, &greys);
    Field {
        x: px0,
        y: py0,
        width: px1 - px0,
        height: py1 - py0,
        block,
        padding: piece.iter().map(|&p| !p).collect(),
        dark: piece.iter().zip(&black).map(|(&p, &b)| !p && b).collect(),
        grid_w: gw,
        image: (w, h),
    }
}

/// The box `(x0, y0, x1, y1)` (exclusive ends) moved in, by at most a block on each side
/// that does not lie on the image's edge, past the rows and columns that are canvas from end
/// to end (every pixel in one of the canvases' `greys`: black, white, a grey frame's): the
/// block grid puts the box's edge up to a block outside the film, and the film's own edge is
/// where the lungs' working image must start for a film on a canvas to be segmented exactly
/// as the film alone.
fn trim_to_film<T: Copy + Into<u32>>(
    img: &Plane<T>,
    (mut x0, mut y0, mut x1, mut y1): (usize, usize, usize, usize),
    block: usize,
    greys: &[(u32, u32)],
) -> (usize, usize, usize, usize) {
    let canvas = |v: T| {
        let v: u32 = v.into();
        greys.iter().any(|&(a, b)| (a..=b).contains(&v))
    };
    let row = |y: usize, x0: usize, x1: usize| img.row(y)[x0..x1].iter().all(|&v| canvas(v));
    let col = |x: usize, y0: usize, y1: usize| (y0..y1).all(|y| canvas(img.row(y)[x]));
    let (w, h) = (img.width(), img.height());
    trim_span(&mut y0, &mut y1, h, block, |y| row(y, x0, x1));
    trim_span(&mut x0, &mut x1, w, block, |x| col(x, y0, y1));
    (x0, y0, x1, y1)
}

/// Moves the span `lo..hi` of a side `n` long inwards past lines that are `canvas` from end to
/// end, at most `block` lines at each end, leaving an end on the image's edge where it is and
/// at least one line.
fn trim_span(
    lo: &mut usize,
    hi: &mut usize,
    n: usize,
    block: usize,
    canvas: impl Fn(usize) -> bool,
) {
    let (olo, ohi) = (*lo, *hi);
    if *lo > 0 {
        while *lo + 1 < *hi && *lo < olo + block && canvas(*lo) {
            *lo += 1;
        }
    }
    if *hi < n {
        while *hi > *lo + 1 && *hi + block > ohi && canvas(*hi - 1) {
            *hi -= 1;
        }
    }
}

/// Marks as kind 3 the blocks that hold nothing but two or more of the
/// canvases' `greys` (inclusive ranges; every read pixel in one of them): where a black border
/// meets a white or grey canvas inside a block, the block is flat to no one grey, yet it is
/// canvas. A film always holds greys between, so no block of film is marked.
fn mark_seams<T: Copy + Into<u32>>(
    img: &Plane<T>,
    block: usize,
    gw: usize,
    greys: &[(u32, u32)],
    lo: &[u32],
    hi: &[u32],
    kind: &mut [u8],
) {
    let class = |v: u32| greys.iter().position(|&(a, b)| (a..=b).contains(&v));
    // Candidates: their darkest and brightest pixels in two canvases' greys.
    let mut seam: Vec<bool> = (0..kind.len())
        .map(|i| {
            kind[i] == 0 && matches!((class(lo[i]), class(hi[i])), (Some(a), Some(b)) if a != b)
        })
        .collect();
    if !seam.iter().any(|&s| s) {
        return;
    }
    for y in sampled_rows(img.height(), block) {
        let base = (y / block) * gw;
        for (bx, chunk) in img.row(y).chunks(block).enumerate() {
            let s = &mut seam[base + bx];
            if *s {
                *s = chunk.iter().all(|&v| class(v.into()).is_some());
            }
        }
    }
    for (k, s) in kind.iter_mut().zip(seam) {
        if s {
            *k = 3;
        }
    }
}

/// The rows of an image `h` rows high that the block tests read: every `block / 4`-th row of
/// each block, so at least four rows of it (padding is flat in every row, and four rows of
/// film hold enough noise to show).
fn sampled_rows(h: usize, block: usize) -> impl Iterator<Item = usize> {
    let step = (block / 4).max(1);
    (0..h).filter(move |y| (y % block).is_multiple_of(step))
}

/// Whether block `i` of a `gw × gh` grid lies on the grid's edge.
fn on_edge(i: usize, gw: usize, gh: usize) -> bool {
    let (bx, by) = (i % gw, i / gw);
    bx == 0 || by == 0 || bx + 1 == gw || by + 1 == gh
}

/// Padding: the blocks of a `kind` other than 0 reached from the grid's edge through such
/// blocks. A flood stays within its kind, except that from the white it may step into the
/// black, directly or through a seam (kind 3): a film with a black border scanned onto a white
/// canvas is padded twice, and the inner canvas is padding as much as the outer. It never
/// steps from the black into the white: a body part burnt out to white on a film's edge
/// meets the black canvas in the same way, and is film. From a grey canvas (kind 4, always
/// the outermost frame) it steps into every kind, so a film inside one is taken as if its
/// edges were the image's.
fn reached_from_edge(kind: &[u8], gw: usize, gh: usize) -> Vec<bool> {
    let enters = |from: u8, to: u8| {
        to == from || from == 4 || (matches!(from, 2 | 3) && matches!(to, 1 | 3))
    };
    let mut padding = vec![false; gw * gh];
    let mut stack: Vec<usize> = Vec::new();
    for i in 0..gw * gh {
        if kind[i] != 0 && on_edge(i, gw, gh) {
            padding[i] = true;
            stack.push(i);
        }
    }
    while let Some(i) = stack.pop() {
        for j in neighbours4(i, gw, gh) {
            if !padding[j] && kind[j] != 0 && enters(kind[i], kind[j]) {
                padding[j] = true;
                stack.push(j);
            }
        }
    }
    padding
}

/// A canvas of one grey between the extremes: the blocks flat to within `tol` (every read
/// pixel) whose greys lie within `tol` of those of a flat block on the grid's edge, reached
/// from it through such blocks, when together they run along at least [`GREY_SIDE`] of one
/// whole side of the image, cover [`GREY_AREA`] of it, and the grey is at least the median
/// block's. Only blocks of `kind` 0 are looked at; the canvas's blocks become kind 4, and the
/// canvases' grey ranges are returned (for the seams between a grey and a black canvas). A
/// converter that pads a film to a square with a mid grey, or a collimator's shadow filled
/// with one grey, leaves such a frame; without it the frame walls in the air beside the
/// body, which then looks like lung. A film can be flat over a few
/// blocks at its edge (a smooth, burnt-out shoulder on a small image), never along a side.
fn grey_canvas(
    lo: &[u32],
    hi: &[u32],
    tol: u32,
    (gw, gh): (usize, usize),
    kind: &mut [u8],
) -> Vec<(u32, u32)> {
    let flat = |i: usize| kind[i] == 0 && hi[i] <= lo[i] + tol;
    // The median block's grey: a canvas darker than that looks like the air beside the
    // body to the steps after, walls nothing in, and is left to them (a film's uniform
    // dark surround, a phantom's air, is no canvas).
    let mut mids: Vec<u32> = lo.iter().zip(hi).map(|(&a, &b)| (a + b) / 2).collect();
    let mid = mids.len() / 2;
    let median = *mids.select_nth_unstable(mid).1;
    let mut seen = vec![false; gw * gh];
    let mut canvas = vec![false; gw * gh];
    let mut greys = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for start in (0..gw * gh).filter(|&i| on_edge(i, gw, gh)) {
        if seen[start] || !flat(start) || lo[start] < median {
            continue;
        }
        // Within `tol` of the start block's own greys.
        let (floor, ceil) = (lo[start].saturating_sub(tol), hi[start] + tol);
        let near = |i: usize| lo[i] >= floor && hi[i] <= ceil;
        let mut piece = vec![start];
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            for j in neighbours4(i, gw, gh) {
                if !seen[j] && flat(j) && near(j) {
                    seen[j] = true;
                    piece.push(j);
                    stack.push(j);
                }
            }
        }
        // Blocks on each side: top, bottom, left, right.
        let mut sides = [0usize; 4];
        for &i in &piece {
            let (bx, by) = (i % gw, i / gw);
            sides[0] += usize::from(by == 0);
            sides[1] += usize::from(by + 1 == gh);
            sides[2] += usize::from(bx == 0);
            sides[3] += usize::from(bx + 1 == gw);
        }
        let along = |n: usize, len: usize| n as f64 >= GREY_SIDE * len as f64;
        let runs = along(sides[0], gw)
            || along(sides[1], gw)
            || along(sides[2], gh)
            || along(sides[3], gh);
        if runs && piece.len() as f64 >= GREY_AREA * (gw * gh) as f64 {
            for i in piece {
                canvas[i] = true;
            }
            greys.push((floor, ceil));
        }
    }
    for (k, c) in kind.iter_mut().zip(canvas) {
        if c {
            *k = 4;
        }
    }
    greys
}

/// The block kinds (1: dark canvas, 2: bright canvas, 0: neither) of a canvas that is flat
/// only to within its noise: a scanner's or digitiser's noise on the black (or white) around
/// a film. Its quietest block on the image's edge (the smallest standard deviation among
/// the edge blocks whose mean lies within a tenth of the range of the blocks' means of the
/// darkest or brightest block mean: pixels' extremes are noise's, not the canvas's) gives
/// the canvas's level and noise; a block is canvas when its mean lies within one noise
/// deviation of that level and its own deviation within half as much again. Film is
/// textured, and its mean lies far from the canvas's. Only for blocks of at least
/// [`NOISY_CANVAS_BLOCK`] pixels (images over about 2 000 px): smaller blocks hold too few
/// pixels to tell noise from a dark, smooth part of the film. `None` when there is no
/// such edge block, or the blocks are too small.
fn noisy_canvas<T: Copy + Into<u32>>(
    img: &Plane<T>,
    block: usize,
    (gw, gh): (usize, usize),
    tol: u32,
) -> Option<Vec<u8>> {
    if block < NOISY_CANVAS_BLOCK {
        return None;
    }
    let mut sum = vec![0f64; gw * gh];
    let mut sq = vec![0f64; gw * gh];
    let mut n = vec![0f64; gw * gh];
    for y in sampled_rows(img.height(), block) {
        let base = (y / block) * gw;
        for (bx, chunk) in img.row(y).chunks(block).enumerate() {
            for &v in chunk {
                let v = f64::from(v.into());
                sum[base + bx] += v;
                sq[base + bx] += v * v;
            }
            n[base + bx] += chunk.len() as f64;
        }
    }
    let stats: Vec<(f64, f64)> = (0..gw * gh)
        .map(|i| {
            let m = sum[i] / n[i].max(1.0);
            (m, (sq[i] / n[i].max(1.0) - m * m).max(0.0).sqrt())
        })
        .collect();
    // The extremes of the blocks' means, not of their pixels: noise throws single pixels
    // several deviations past the canvas's level, and by as much as a tenth of the range on a
    // film of low contrast.
    let (lo, hi) = stats
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(m, _)| {
            (lo.min(m), hi.max(m))
        });
    let near = 0.1 * (hi - lo);
    let quietest = |at_extreme: &dyn Fn(f64) -> bool| {
        (0..gw * gh)
            .filter(|&i| on_edge(i, gw, gh))
            .map(|i| stats[i])
            .filter(|&(m, _)| at_extreme(m))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    let dark = quietest(&|m| m <= lo + near);
    let bright = quietest(&|m| m >= hi - near);
    if dark.is_none() && bright.is_none() {
        return None;
    }
    let tol = f64::from(tol);
    let canvas = |(m, sd): (f64, f64), level: Option<(f64, f64)>| {
        level.is_some_and(|(lm, lsd)| (m - lm).abs() <= 0.5 * lsd + tol && sd <= 1.25 * lsd + tol)
    };
    Some(
        stats
            .iter()
            .map(|&st| {
                if canvas(st, dark) {
                    1
                } else if canvas(st, bright) {
                    2
                } else {
                    0
                }
            })
            .collect(),
    )
}

/// The largest 8-connected piece of the blocks that are not `padding` (ties: the first
/// found in row order), as a flag per block.
fn largest_piece(padding: &[bool], gw: usize, gh: usize) -> Option<Vec<bool>> {
    let mut label = vec![0u32; gw * gh];
    let mut best = (0usize, 0u32);
    let mut next = 0u32;
    let mut stack = Vec::new();
    for start in 0..gw * gh {
        if padding[start] || label[start] != 0 {
            continue;
        }
        next += 1;
        label[start] = next;
        stack.push(start);
        let mut size = 0;
        while let Some(i) = stack.pop() {
            size += 1;
            let (bx, by) = ((i % gw) as isize, (i / gw) as isize);
            for dy in -1..=1isize {
                for dx in -1..=1isize {
                    let (nx, ny) = (bx + dx, by + dy);
                    if nx < 0 || ny < 0 || nx >= gw as isize || ny >= gh as isize {
                        continue;
                    }
                    let j = ny as usize * gw + nx as usize;
                    if !padding[j] && label[j] == 0 {
                        label[j] = next;
                        stack.push(j);
                    }
                }
            }
        }
        if size > best.0 {
            best = (size, next);
        }
    }
    (best.1 != 0).then(|| label.iter().map(|&l| l == best.1).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured film of `fw × fh` at `(fx, fy)` on a `w × h` canvas of `bg`.
    fn film(w: usize, h: usize, (fx, fy, fw, fh): (usize, usize, usize, usize), bg: u8) -> GrayU8 {
        GrayU8::from_rows(w, h, |y, row| {
            for (x, v) in row.iter_mut().enumerate() {
                *v = if (fx..fx + fw).contains(&x) && (fy..fy + fh).contains(&y) {
                    40 + ((x * 7 + y * 13) % 150) as u8
                } else {
                    bg
                };
            }
        })
    }

    #[test]
    fn a_film_without_padding_is_whole() {
        let img = film(300, 200, (0, 0, 300, 200), 0);
        assert!(exposed_field(&img).is_whole());
    }

    #[test]
    fn black_and_white_canvases_are_cut_off() {
        for bg in [0u8, 255] {
            let img = film(900, 700, (100, 50, 600, 500), bg);
            let f = exposed_field(&img);
            // Blocks of 8 px: the box is exact to a block.
            assert!(f.x <= 100 && f.x + 8 > 100, "{f:?}");
            assert!(f.y <= 50 && f.y + 8 > 50);
            assert!(f.x + f.width >= 700 && f.x + f.width < 708);
            assert!(f.y + f.height >= 550 && f.y + f.height < 558);
            assert!(f.is_padding(10, 10) && !f.is_padding(400, 300));
            let frac = f.padding_fraction();
            assert!(
                (frac - (1.0 - 600.0 * 500.0 / 630_000.0)).abs() < 0.02,
                "{frac}"
            );
        }
    }

    #[test]
    fn the_box_is_cut_to_the_film_to_the_pixel() {
        // Off the 8-px block grid on every side, black and white canvases alike.
        for bg in [0u8, 255] {
            let img = film(900, 700, (101, 53, 597, 493), bg);
            let f = exposed_field(&img);
            assert_eq!((f.x, f.y, f.width, f.height), (101, 53, 597, 493), "{bg}");
        }
    }

    #[test]
    fn a_small_field_is_not_trusted() {
        let img = film(400, 400, (150, 150, 80, 80), 0);
        assert!(exposed_field(&img).is_whole());
    }

    #[test]
    fn a_film_padded_twice_may_fill_under_a_quarter() {
        // 480 × 400 of film inside a black border, on a white canvas: 21 % of the image.
        let mut img = film(1000, 900, (200, 200, 600, 520), 255);
        for y in 200..720 {
            for x in 200..800 {
                if !(260..740).contains(&x) || !(260..660).contains(&y) {
                    img.set(x, y, 0);
                }
            }
        }
        let f = exposed_field(&img);
        assert_eq!((f.x, f.y, f.width, f.height), (260, 260, 480, 400), "{f:?}");
    }

    #[test]
    fn a_noisy_canvas_is_found_though_noise_reaches_past_its_level() {
        // A 2100 × 1800 image (blocks of 17 px): a film of greys 90..200 with a canvas of
        // level 60 around it, whose noise (the sum of four uniform draws) reaches down to 36,
        // further below the canvas's level than a tenth of the image's grey range.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut draw = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 13) as i32 - 6
        };
        let img = GrayU8::from_rows(2100, 1800, |y, row| {
            for (x, v) in row.iter_mut().enumerate() {
                let noise = draw() + draw() + draw() + draw();
                *v = if (300..1800).contains(&x) && (200..1600).contains(&y) {
                    90 + ((x * 7 + y * 13) % 110) as u8
                } else {
                    (60 + noise) as u8
                };
            }
        });
        let f = exposed_field(&img);
        assert!(!f.is_whole(), "{f:?}");
        assert!(f.x.abs_diff(300) <= 17 && f.y.abs_diff(200) <= 17, "{f:?}");
        assert!((f.x + f.width).abs_diff(1800) <= 17, "{f:?}");
        assert!((f.y + f.height).abs_diff(1600) <= 17, "{f:?}");
    }

    #[test]
    fn a_canvas_of_one_mid_grey_is_cut_off_to_the_pixel() {
        // Greys 40..190 on a canvas of 120, neither extreme, off the 8-px block grid.
        let img = film(900, 700, (101, 53, 597, 493), 120);
        let f = exposed_field(&img);
        assert_eq!((f.x, f.y, f.width, f.height), (101, 53, 597, 493), "{f:?}");
    }

    #[test]
    fn a_black_border_on_a_white_or_grey_canvas_is_padding_twice() {
        // A film with a black border 37 px wide, scanned onto a white canvas or one of a mid
        // grey, off the block grid: the seam of the two canvases lies inside blocks.
        for canvas in [255u8, 150] {
            let mut img = film(900, 700, (61, 43, 753, 571), canvas);
            for y in 43..614 {
                for x in 61..814 {
                    if !(98..777).contains(&x) || !(80..577).contains(&y) {
                        img.set(x, y, 0);
                    }
                }
            }
            let f = exposed_field(&img);
            assert_eq!(
                (f.x, f.y, f.width, f.height),
                (98, 80, 679, 497),
                "{canvas}: {f:?}"
            );
        }
    }

    #[test]
    fn a_flat_patch_on_a_films_edge_is_film() {
        // A patch of one grey on the left edge, a fifth of the side: no canvas.
        let mut img = film(300, 200, (0, 0, 300, 200), 0);
        for y in 80..120 {
            for x in 0..40 {
                img.set(x, y, 120);
            }
        }
        assert!(exposed_field(&img).is_whole());
    }

    #[test]
    fn burnt_in_labels_on_the_canvas_stay_outside() {
        let mut img = film(400, 400, (50, 0, 300, 300), 0);
        // A white label in the black band below the film.
        for y in 350..370 {
            for x in 20..60 {
                img.set(x, y, 255);
            }
        }
        let f = exposed_field(&img);
        assert!(f.y + f.height <= 302, "{f:?}");
        assert!(f.x >= 48);
    }

    #[test]
    fn padding_in_the_box_is_filled_from_its_row() {
        // A film whose lower-left corner is cut by a black triangle (a rotated film).
        let mut img = film(400, 400, (0, 0, 400, 300), 0);
        for y in 0..300usize {
            for x in 0..(y.saturating_sub(200)) {
                img.set(x, y, 0);
            }
        }
        let f = exposed_field(&img);
        assert_eq!((f.x, f.width), (0, 400));
        let mut small = img.crop(f.x, f.y, f.width, f.height);
        let n = f.fill_padding(&mut small);
        assert!(n > 0);
        // Of the triangle's 4 950 black pixels, only those in blocks the film's edge crosses
        // (mixed blocks, 4 px here) are left.
        let black: usize = (0..300)
            .map(|y| small.row(y)[..120].iter().filter(|&&v| v == 0).count())
            .sum();
        assert!(black < 300, "{black} black pixels left");
        assert!(small.row(150)[..50].iter().all(|&v| v >= 40));
    }

    #[test]
    fn fill_row_takes_the_nearer_end() {
        let mut row = [0, 10, 0, 0, 0, 50, 0];
        let pad = [true, false, true, true, true, false, true];
        assert_eq!(fill_row(&mut row, &pad), 5);
        assert_eq!(row, [10, 10, 10, 10, 50, 50, 50]);
    }
}
