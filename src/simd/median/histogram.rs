//! Median of any square window in constant time per pixel (Perreault & Hébert, "Median
//! filtering in constant time", IEEE TIP 2007), border replicated as OpenCV's `medianBlur`.
//!
//! Every column keeps the histogram of its `2r + 1` pixels in the window's rows, 256 fine
//! bins and 16 coarse ones (the high nibble); going down a row, each column drops one pixel
//! and gains one. Along a row the window's coarse histogram gains the column entering on the
//! right and loses the one leaving on the left. The median's coarse bin comes from the
//! coarse counts; its fine bin from that coarse bin's 16 fine counts, which are brought up to
//! date only when the median falls there ("lazy" updates: from the column histograms that
//! entered and left since they were last used, or summed afresh over the window when that
//! is cheaper). Every step adds or subtracts 16 `u16` counts: one `wide::u16x16` (at the
//! build's instruction set) in the vector twin, a loop in the scalar one. Counts are exact
//! integers (at most `(2r + 1)² ≤ 65025` for `r ≤ 127`), and `u16` wrapping sums are exact
//! whenever the result is in range, so the two twins agree to the bit whatever the order.

use crate::image::{GrayU8, RowsBuilder};

/// The largest radius: the window's counts must fit `u16`.
pub const MAX_RADIUS: usize = 127;

/// 16 counts: one coarse histogram, or one coarse bin's fine counts.
type Seg = [u16; 16];

/// Adds or subtracts 16 counts at a time: the only arithmetic on histograms.
pub(super) trait SegOps {
    /// `acc += add − sub`, lane by lane, wrapping.
    fn add_sub(acc: &mut Seg, add: &Seg, sub: &Seg);
    /// `acc += add`, lane by lane, wrapping.
    fn add(acc: &mut Seg, add: &Seg);
}

/// The scalar twin's histogram arithmetic.
pub(super) struct Scalar;

impl SegOps for Scalar {
    #[inline(always)]
    fn add_sub(acc: &mut Seg, add: &Seg, sub: &Seg) {
        for ((a, &p), &m) in acc.iter_mut().zip(add).zip(sub) {
            *a = a.wrapping_add(p).wrapping_sub(m);
        }
    }

    #[inline(always)]
    fn add(acc: &mut Seg, add: &Seg) {
        for (a, &p) in acc.iter_mut().zip(add) {
            *a = a.wrapping_add(p);
        }
    }
}

/// The vector twin's: one `wide::u16x16` per step.
pub(super) struct Wide;

impl SegOps for Wide {
    #[inline(always)]
    fn add_sub(acc: &mut Seg, add: &Seg, sub: &Seg) {
        let v = wide::u16x16::new(*acc) + wide::u16x16::new(*add) - wide::u16x16::new(*sub);
        *acc = v.to_array();
    }

    #[inline(always)]
    fn add(acc: &mut Seg, add: &Seg) {
        *acc = (wide::u16x16::new(*acc) + wide::u16x16::new(*add)).to_array();
    }
}

/// The bin of `counts` (`total` values, after `below` values in earlier bins) that holds
/// the value of rank `rank`, and the number of values before it. Scanned from the last bin
/// down when `from_top` (the last pixel's median was in the upper half: a bright region's
/// median then takes a few steps instead of a dozen), else from the first bin up; both give
/// the same bin.
#[inline(always)]
fn bin_of_rank(counts: &Seg, below: u32, total: u32, rank: u32, from_top: bool) -> (usize, u32) {
    if from_top {
        // Values before bin `b`: all of them but those in bins `b..`.
        let mut before = below + total;
        let mut b = 15;
        loop {
            before -= u32::from(counts[b]);
            if b == 0 || before <= rank {
                return (b, before);
            }
            b -= 1;
        }
    }
    let mut before = below;
    let mut b = 0;
    while b < 15 && before + u32::from(counts[b]) <= rank {
        before += u32::from(counts[b]);
        b += 1;
    }
    (b, before)
}

/// The `(2r + 1)²` median of `src` (not empty, `1 ≤ r ≤` [`MAX_RADIUS`]) with the histogram
/// arithmetic `O`.
pub(super) fn median<O: SegOps>(src: &GrayU8, r: usize) -> GrayU8 {
    let (w, h) = (src.width(), src.height());
    let n = 2 * r + 1;
    // The median is the value of rank `half` (from 0) among the window's n² values.
    let half = (n * n / 2) as u32;
    let total = (n * n) as u32;
    // Column histograms over the columns the windows reach, replicated at the borders:
    // padded column `j` is image column `j − r − 1` (clamped), so the window at `x` is
    // padded columns `x + 1 ..= x + n`, and moving to `x` adds column `x + n` and drops
    // column `x` (no clamping per pixel). 16 coarse counts per column, and per coarse bin
    // the 16 fine counts of every column side by side (`fine[c * wp + j]`: the updates along
    // a row read consecutive columns of one coarse bin).
    let wp = w + n;
    let mut coarse = vec![[0u16; 16]; wp];
    let mut fine = vec![[0u16; 16]; wp * 16];
    let clamp_row = |y: isize| y.clamp(0, h as isize - 1) as usize;
    // Adds (`up`) or removes row `y`'s pixels: one more or one less count in each column.
    let add_row = |coarse: &mut [Seg], fine: &mut [Seg], y: usize, up: bool| {
        let d = if up { 1 } else { u16::MAX };
        let row = src.row(y);
        let (first, last) = (row[0], row[w - 1]);
        let padded = std::iter::repeat_n(first, r + 1)
            .chain(row.iter().copied())
            .chain(std::iter::repeat_n(last, r));
        for (j, v) in padded.enumerate() {
            let (c, f) = (usize::from(v >> 4), usize::from(v & 15));
            let (cc, ff) = (&mut coarse[j][c], &mut fine[c * wp + j][f]);
            *cc = cc.wrapping_add(d);
            *ff = ff.wrapping_add(d);
        }
    };
    for dy in -(r as isize)..=r as isize {
        add_row(&mut coarse, &mut fine, clamp_row(dy), true);
    }
    let mut dst = RowsBuilder::new(w, h, 0u8);
    let zero: Seg = [0; 16];
    for y in 0..h {
        if y > 0 {
            let (gone, new) = (
                clamp_row(y as isize - r as isize - 1),
                clamp_row((y + r) as isize),
            );
            if gone != new {
                add_row(&mut coarse, &mut fine, gone, false);
                add_row(&mut coarse, &mut fine, new, true);
            }
        }
        // The window's coarse counts at x = 0; its fine counts per coarse bin, each valid at
        // column `at[c]` (`None`: to be summed afresh).
        let mut kc = zero;
        for col in &coarse[1..=n] {
            O::add(&mut kc, col);
        }
        let mut kf = [zero; 16];
        let mut at: [Option<usize>; 16] = [None; 16];
        // The last pixel's median: where to start the next one's scans.
        let mut prev = 0u8;
        let out = dst.next_row();
        for (x, o) in out.iter_mut().enumerate() {
            if x > 0 {
                O::add_sub(&mut kc, &coarse[x + n], &coarse[x]);
            }
            // The coarse bin holding rank `half`, scanned from the end nearer the last
            // pixel's.
            let (c, below) = bin_of_rank(&kc, 0, total, half, prev >= 128);
            // Its fine counts brought to column x.
            let seg = &mut kf[c];
            let cols = &fine[c * wp..(c + 1) * wp];
            match at[c] {
                Some(p) if x - p <= n => {
                    for q in p + 1..=x {
                        O::add_sub(seg, &cols[q + n], &cols[q]);
                    }
                }
                _ => {
                    *seg = zero;
                    for col in &cols[x + 1..=x + n] {
                        O::add(seg, col);
                    }
                }
            }
            at[c] = Some(x);
            let (f, _) = bin_of_rank(seg, below, u32::from(kc[c]), half, prev & 8 != 0);
            prev = (c * 16 + f) as u8;
            *o = prev;
        }
    }
    dst.finish()
}
