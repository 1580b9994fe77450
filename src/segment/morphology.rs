//! Binary morphology with Euclidean disks: erosion, dilation, opening, closing on 0/1 masks.
//! A disk of radius `r` holds the offsets with `dx² + dy² <= r²`. Also a column-wise bridge
//! ([`bridge_vertical`]) that joins a lung field's intercostal pieces across the rib shadows
//! between them.
//!
//! Two exact engines answer "is a target pixel within distance `r`?": for the radii the
//! pipeline uses, per-row distances to the nearest target and one vectorisable comparison per
//! disk row (`disk_reach`, cost `2r + 1` cheap passes); beyond [`DIRECT_MAX_RADIUS`], the
//! exact distance transform, whose cost does not grow with the radius.

use super::distance::squared_distance;
use crate::image::Mask;

/// Largest radius served by the direct row-distance engine; larger disks use the distance
/// transform.
pub const DIRECT_MAX_RADIUS: usize = 48;

/// For every pixel, 1 when a target pixel (`target` = non-zero, or zero when false) lies
/// within Euclidean distance `r`; with `outside_is_target`, the pixels just outside the image
/// count as targets. Row distances (capped at `r + 1`), then one comparison per disk row.
pub(crate) fn disk_reach(m: &Mask, target: bool, outside_is_target: bool, r: usize) -> Mask {
    let (w, h) = (m.width(), m.height());
    let mut out = Mask::new(w, h);
    if w == 0 || h == 0 {
        return out;
    }
    let cap = (r + 1).min(255) as u8;
    // Per-row distance to the nearest target in the same row.
    let mut hd = vec![cap; w * h];
    for (y, row) in hd.chunks_exact_mut(w).enumerate() {
        row_distances(m.row(y), target, outside_is_target, cap, row);
    }
    // Half-widths of the disk's rows.
    let half: Vec<u8> = (0..=r)
        .map(|dy| crate::simd::minmax::half_width(r, dy) as u8)
        .collect();
    for y in 0..h {
        let o = out.row_mut(y);
        if outside_is_target && (y < r || y + r >= h) {
            // The row just above or below the image is within reach.
            o.iter_mut().for_each(|v| *v = 1);
            continue;
        }
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
        for yy in a..b {
            let t = half[yy.abs_diff(y)];
            for (v, &d) in o.iter_mut().zip(&hd[yy * w..(yy + 1) * w]) {
                *v |= u8::from(d <= t);
            }
        }
    }
    out
}

/// The end of the run of pixels starting at `x` that are all zero or all non-zero, as
/// `src[x]` is: eight bytes at a time, then byte by byte.
fn run_end(src: &[u8], x: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let nonzero = src[x] != 0;
    let mut e = x + 1;
    while let Some(b) = src.get(e..e + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        let v = u64::from_ne_bytes(a);
        // A zero byte ends a non-zero run (the exact has-a-zero-byte test); any non-zero byte
        // ends a zero run.
        let stop = if nonzero {
            v.wrapping_sub(ONES) & !v & HIGH != 0
        } else {
            v != 0
        };
        if stop {
            break;
        }
        e += 8;
    }
    while e < src.len() && (src[e] != 0) == nonzero {
        e += 1;
    }
    e
}

/// For each pixel of `src`, the distance (pixels) to the nearest target pixel of the same row,
/// capped at `cap`; with `outside_is_target`, the pixels just outside the row (at −1 and at
/// its length) are targets. Run by run: a run of targets is 0, a run of other pixels the
/// nearer of the two ramps from its ends (only from an end that has a target beyond it).
fn row_distances(src: &[u8], target: bool, outside_is_target: bool, cap: u8, out: &mut [u8]) {
    let w = src.len();
    let cap32 = u32::from(cap);
    let is_t = |v: u8| (v != 0) == target;
    let mut x = 0;
    while x < w {
        let t = is_t(src[x]);
        let e = run_end(src, x);
        let run = &mut out[x..e];
        if t {
            run.fill(0);
        } else {
            // Runs alternate, so a run that does not start the row follows a target.
            let (left, right) = (x > 0 || outside_is_target, e < w || outside_is_target);
            // A ramp from an end without a target never drops below the cap.
            let (l0, r0) = (if left { 0 } else { cap32 }, if right { 0 } else { cap32 });
            let n = (e - x) as u32;
            for (i, o) in (0u32..).zip(run.iter_mut()) {
                *o = (i + 1).max(l0).min((n - i).max(r0)).min(cap32) as u8;
            }
        }
        x = e;
    }
}

/// "Is a target within `r`?" by whichever engine suits the radius.
fn reach(m: &Mask, target: bool, outside_is_target: bool, r: usize) -> Mask {
    if r <= DIRECT_MAX_RADIUS {
        return disk_reach(m, target, outside_is_target, r);
    }
    let r2 = (r * r) as u32;
    squared_distance(m, target, outside_is_target).map(|&d| u8::from(d <= r2))
}

/// Dilation by a disk of radius `r` (pixels within Euclidean distance `r` of the mask).
///
/// ```
/// use lungfield::{segment::dilate, Mask};
/// let mut m = Mask::new(5, 5);
/// m.set(2, 2, 1);
/// assert_eq!(dilate(&m, 1).count(), 5);
/// ```
pub fn dilate(m: &Mask, r: usize) -> Mask {
    if r == 0 || m.is_empty() {
        return m.clone();
    }
    reach(m, true, false, r)
}

/// Erosion by a disk of radius `r`. Pixels outside the image count as background.
pub fn erode(m: &Mask, r: usize) -> Mask {
    if r == 0 || m.is_empty() {
        return m.clone();
    }
    reach(m, false, true, r).map(|&v| 1 - v)
}

/// Opening (erosion then dilation): removes parts thinner than the disk.
pub fn open(m: &Mask, r: usize) -> Mask {
    dilate(&erode(m, r), r)
}

/// Closing (dilation then erosion): bridges gaps narrower than the disk. The image border does
/// not erode the result (outside pixels do not count as background here).
pub fn close(m: &Mask, r: usize) -> Mask {
    if r == 0 || m.is_empty() {
        return m.clone();
    }
    let d = dilate(m, r);
    reach(&d, false, false, r).map(|&v| 1 - v)
}

/// Joins stacked runs of a 0/1 mask in each column: a background gap of at most `gap`
/// pixels between two mask runs of at most `4 × gap` pixels each is filled. This bridges the
/// rib shadows that cut a lung field into stacked intercostal pieces, without widening
/// anything sideways; a taller dark run (a gastric bubble below the diaphragm, the air beside
/// the neck) is not an intercostal space and is not joined. Runs open to the image edge stay
/// as they are.
///
/// ```
/// use lungfield::{segment::bridge_vertical, Mask};
/// let mut m = Mask::new(1, 9);
/// for y in [0, 1, 4, 8] { m.set(0, y, 1); }
/// let b = bridge_vertical(&m, 2);
/// assert_eq!((0..9).map(|y| b.get(0, y)).collect::<Vec<_>>(), [1, 1, 1, 1, 1, 0, 0, 0, 1]);
/// ```
pub fn bridge_vertical(m: &Mask, gap: usize) -> Mask {
    let (w, h) = (m.width(), m.height());
    let mut out = m.clone();
    if gap == 0 {
        return out;
    }
    let tallest = 4 * gap;
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for x in 0..w {
        // The column's runs of mask pixels, as (first row, row after the last).
        runs.clear();
        let mut y = 0;
        while y < h {
            if m.get(x, y) == 0 {
                y += 1;
                continue;
            }
            let start = y;
            while y < h && m.get(x, y) != 0 {
                y += 1;
            }
            runs.push((start, y));
        }
        for pair in runs.windows(2) {
            let ((a0, a1), (b0, b1)) = (pair[0], pair[1]);
            if b0 - a1 <= gap && a1 - a0 <= tallest && b1 - b0 <= tallest {
                for yy in a1..b0 {
                    out.set(x, yy, 1);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(n: usize, lo: usize, hi: usize) -> Mask {
        let mut m = Mask::new(n, n);
        for y in lo..hi {
            for x in lo..hi {
                m.set(x, y, 1);
            }
        }
        m
    }

    #[test]
    fn erosion_shrinks_and_dilation_grows() {
        let m = square(20, 5, 15);
        assert_eq!(erode(&m, 1).count(), 64);
        assert_eq!(dilate(&m, 1).count(), 100 + 40);
        // A disk of radius 1 is a cross: opening rounds off exactly the four corners.
        let o = open(&m, 1);
        assert_eq!(o.count(), 96);
        assert_eq!(o.get(5, 5), 0);
        assert_eq!(o.get(6, 5), 1);
    }

    #[test]
    fn border_counts_as_background_for_erosion_not_closing() {
        let full = Mask::filled(10, 10, 1);
        assert_eq!(erode(&full, 1).count(), 64);
        assert_eq!(close(&full, 3), full);
    }

    #[test]
    fn vertical_bridge_fills_short_gaps_only() {
        // Two bars split by a band 3 rows high; a third bar 5 rows further down.
        let mut m = Mask::new(6, 20);
        for x in 1..5 {
            for y in (2..6).chain(9..12).chain(17..19) {
                m.set(x, y, 1);
            }
        }
        let b = bridge_vertical(&m, 3);
        for x in 1..5 {
            assert!(
                (2..12).all(|y| b.get(x, y) == 1),
                "the 3-row band is bridged"
            );
            assert!((12..17).all(|y| b.get(x, y) == 0), "the 5-row gap is not");
            assert!(
                (0..2).chain(19..20).all(|y| b.get(x, y) == 0),
                "runs open to the edge stay"
            );
        }
        for x in [0, 5] {
            assert!(
                (0..20).all(|y| b.get(x, y) == 0),
                "nothing spreads sideways"
            );
        }
        assert_eq!(
            bridge_vertical(&m, 2),
            m,
            "a gap one longer than allowed stays"
        );
        assert_eq!(bridge_vertical(&m, 0), m);
        // A run taller than 4 × gap (a gastric bubble) is not joined to the run above it.
        let mut b = Mask::new(1, 30);
        for y in (0..5).chain(8..21) {
            b.set(0, y, 1);
        }
        assert_eq!(bridge_vertical(&b, 3), b);
        assert_eq!(
            bridge_vertical(&b, 4).count(),
            21,
            "13 rows ≤ 4 × 4: joined"
        );
    }

    #[test]
    fn closing_bridges_a_gap() {
        let mut m = square(30, 5, 25);
        for y in 0..30 {
            m.set(15, y, 0);
        }
        assert_eq!(close(&m, 2).get(15, 10), 1);
    }

    /// The direct engine and the distance transform agree on every radius and mode.
    fn edt_reach(m: &Mask, target: bool, outside: bool, r: usize) -> Mask {
        let r2 = (r * r) as u32;
        squared_distance(m, target, outside).map(|&d| u8::from(d <= r2))
    }

    /// The row distances by two serial scans (forward, then backward): the reference of the
    /// run-by-run version.
    fn row_distances_serial(src: &[u8], target: bool, outside: bool, cap: u8) -> Vec<u8> {
        let mut out = vec![cap; src.len()];
        let step = |d: u8, v: u8| {
            if (v != 0) == target {
                0
            } else {
                d.saturating_add(1).min(cap)
            }
        };
        let mut d = if outside { 0 } else { cap };
        for (o, &v) in out.iter_mut().zip(src) {
            d = step(d, v);
            *o = d;
        }
        let mut d = if outside { 0 } else { cap };
        for (o, &v) in out.iter_mut().zip(src).rev() {
            d = step(d, v);
            *o = (*o).min(d);
        }
        out
    }

    proptest::proptest! {
        /// Rows of long runs of zeros and of mixed non-zero values (labels, and bytes with the
        /// high bit set, which the has-a-zero-byte test must not mistake), long enough
        /// for the eight-byte scan, every cap, both targets and both edge rules.
        #[test]
        fn row_distances_match_the_serial_scans(
            runs in proptest::collection::vec((0u8..4, 1usize..30), 1..12),
            target: bool, outside: bool, cap in 1u8..=255,
        ) {
            let mut src = Vec::new();
            for (k, &(v, n)) in runs.iter().enumerate() {
                // Non-zero runs mix their values, so a run is not one repeated byte.
                const NONZERO: [u8; 6] = [1, 2, 3, 128, 129, 255];
                src.extend((0..n).map(|i| if v == 0 { 0 } else { NONZERO[(v as usize + i + k) % 6] }));
            }
            let mut got = vec![0u8; src.len()];
            row_distances(&src, target, outside, cap, &mut got);
            proptest::prop_assert_eq!(got, row_distances_serial(&src, target, outside, cap));
        }
    }

    proptest::proptest! {
        #[test]
        fn direct_engine_matches_distance_transform(
            w in 1usize..40, h in 1usize..40, r in 1usize..20,
            target: bool, outside: bool, seed: u64, density in 0.0f64..1.0,
        ) {
            let mut rng = crate::rng::Rng::new(seed);
            let mut m = Mask::new(w, h);
            for v in m.as_mut_slice() {
                *v = u8::from(rng.uniform(0.0, 1.0) < density);
            }
            proptest::prop_assert_eq!(disk_reach(&m, target, outside, r), edt_reach(&m, target, outside, r));
        }
    }

    #[test]
    fn large_radius_uses_the_distance_transform_consistently() {
        let m = square(120, 50, 70);
        let r = DIRECT_MAX_RADIUS + 2;
        assert_eq!(dilate(&m, r), edt_reach(&m, true, false, r));
        assert_eq!(
            disk_reach(&m, true, false, r),
            edt_reach(&m, true, false, r)
        );
    }

    #[test]
    fn disk_shape_radius_2() {
        let mut m = Mask::new(7, 7);
        m.set(3, 3, 1);
        // dx² + dy² <= 4: 13 offsets.
        assert_eq!(dilate(&m, 2).count(), 13);
    }
}
