//! Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher's lower envelope of
//! parabolas) in integer arithmetic: linear in the number of pixels, whatever the distances.
//! It drives binary morphology with disks (so their cost does not grow with the radius) and
//! the surface distances of HD95.

use crate::image::{Mask, Plane};

const INF: i64 = i64::MAX / 4;

/// For every pixel, the squared distance to the nearest pixel whose mask value is `target`
/// (`target` is compared as "non-zero" when true). With `outside_is_target`, the pixels just
/// outside the image count as targets too (so erosion treats the border as background).
/// When no target exists at all, distances are `u32::MAX`.
///
/// ```
/// use lungfield::{segment::distance::squared_distance, Mask};
/// let m = Mask::from_vec(5, 1, vec![0, 0, 1, 0, 0]).unwrap();
/// assert_eq!(squared_distance(&m, true, false).as_slice(), &[4, 1, 0, 1, 4]);
/// ```
pub fn squared_distance(m: &Mask, target: bool, outside_is_target: bool) -> Plane<u32> {
    let (w, h) = (m.width(), m.height());
    let mut out = Plane::<u32>::new(w, h);
    if w == 0 || h == 0 {
        return out;
    }
    let is_t = |v: u8| (v != 0) == target;
    // Pass 1: per column, 1-D distance to the nearest target pixel, swept row by row
    // (downwards then upwards) so memory is read in order.
    let src = m.as_slice();
    let mut col = vec![INF; w * h];
    let edge = if outside_is_target { 0 } else { INF };
    for y in 0..h {
        for x in 0..w {
            let above = if y == 0 { edge } else { col[(y - 1) * w + x] };
            col[y * w + x] = if is_t(src[y * w + x]) {
                0
            } else {
                (above + 1).min(INF)
            };
        }
    }
    for y in (0..h).rev() {
        for x in 0..w {
            let below = if y + 1 == h {
                edge
            } else {
                col[(y + 1) * w + x]
            };
            let c = &mut col[y * w + x];
            *c = (*c).min((below + 1).min(INF));
        }
    }
    // Pass 2: per row, lower envelope of parabolas f(q) + (x − q)².
    let n = w + if outside_is_target { 2 } else { 0 };
    let mut f = vec![INF; n];
    let mut v = vec![0usize; n];
    let mut z = vec![0f32; n + 1];
    for y in 0..h {
        // Sample positions: with outside targets, index 0 is x = −1 and n−1 is x = w.
        for (i, fi) in f.iter_mut().enumerate() {
            let c = if outside_is_target {
                if i == 0 || i == n - 1 {
                    0
                } else {
                    col[y * w + i - 1]
                }
            } else {
                col[y * w + i]
            };
            *fi = if c >= INF { INF } else { c * c };
        }
        let mut k = 0usize;
        let mut first = None;
        for q in 0..n {
            if f[q] >= INF {
                continue;
            }
            if first.is_none() {
                first = Some(q);
                v[0] = q;
                z[0] = f32::NEG_INFINITY;
                z[1] = f32::INFINITY;
                k = 0;
                continue;
            }
            loop {
                let p = v[k];
                let s = ((f[q] + (q * q) as i64) - (f[p] + (p * p) as i64)) as f32
                    / (2 * (q - p)) as f32;
                if s <= z[k] && k > 0 {
                    k -= 1;
                    continue;
                }
                if s <= z[k] {
                    // k == 0 and the new parabola dominates everywhere.
                    v[0] = q;
                    z[0] = f32::NEG_INFINITY;
                    z[1] = f32::INFINITY;
                    break;
                }
                k += 1;
                v[k] = q;
                z[k] = s;
                z[k + 1] = f32::INFINITY;
                break;
            }
        }
        let row = out.row_mut(y);
        if first.is_none() {
            row.iter_mut().for_each(|o| *o = u32::MAX);
            continue;
        }
        let off = usize::from(outside_is_target);
        let mut k = 0usize;
        for (x, o) in row.iter_mut().enumerate() {
            let q = x + off;
            while z[k + 1] < q as f32 {
                k += 1;
            }
            let p = v[k];
            let d = (q as i64 - p as i64).pow(2) + f[p];
            *o = d.min(u32::MAX as i64) as u32;
        }
    }
    out
}

/// [`squared_distance`] up to a cap: every pixel gets `min(d², (cap + 1)²)`, where `d²` is
/// what [`squared_distance`] gives. For the callers that only ask whether a distance is
/// below some bound, or bin it with the last bin open-ended: each row looks only `cap`
/// columns either way (shifted whole-row minima, which the compiler vectorises) and stops
/// as soon as no further column can lower any pixel of the row. `None` when `cap` exceeds
/// 127 (the sums would leave `i16`); use [`squared_distance`] then.
///
/// ```
/// use lungfield::{segment::distance::squared_distance_capped, Mask};
/// let m = Mask::from_vec(7, 1, vec![1, 0, 0, 0, 0, 0, 0]).unwrap();
/// let d = squared_distance_capped(&m, true, false, 3).unwrap();
/// assert_eq!(d.as_slice(), &[0, 1, 4, 9, 16, 16, 16]); // capped at (3 + 1)²
/// ```
pub fn squared_distance_capped(
    m: &Mask,
    target: bool,
    outside_is_target: bool,
    cap: usize,
) -> Option<Plane<u16>> {
    if cap > 127 {
        return None;
    }
    let (w, h) = (m.width(), m.height());
    let mut out = Plane::<u16>::new(w, h);
    if w == 0 || h == 0 {
        return Some(out);
    }
    let far = cap as u8 + 1;
    let far2 = i16::from(far) * i16::from(far);
    let hit = |v: u8| (v != 0) == target;
    // Pass 1: per column, the distance to the nearest target in it, capped at `far`: down,
    // then up, a whole row at a time.
    let mut col = vec![far; w * h];
    let edge = if outside_is_target { 0 } else { far };
    let mut above = vec![edge; w];
    for y in 0..h {
        let (src, c) = (m.row(y), &mut col[y * w..(y + 1) * w]);
        for ((c, &v), &a) in c.iter_mut().zip(src).zip(&above) {
            *c = if hit(v) { 0 } else { (a + 1).min(far) };
        }
        above.copy_from_slice(c);
    }
    let mut below = vec![edge; w];
    for y in (0..h).rev() {
        let c = &mut col[y * w..(y + 1) * w];
        for (c, &b) in c.iter_mut().zip(&below) {
            *c = (*c).min((b + 1).min(far));
        }
        below.copy_from_slice(c);
    }
    // Pass 2: per row, the nearest of the columns' squared distances plus dx², |dx| ≤ cap.
    let mut sq = vec![0i16; w];
    let mut best = vec![0i16; w];
    for y in 0..h {
        for (s, &c) in sq.iter_mut().zip(&col[y * w..(y + 1) * w]) {
            *s = i16::from(c) * i16::from(c);
        }
        best.copy_from_slice(&sq);
        if outside_is_target {
            // The targets just left and right of the row.
            for (x, b) in best.iter_mut().enumerate() {
                let d = (x + 1).min(w - x).min(usize::from(far));
                *b = (*b).min((d * d) as i16);
            }
        }
        for dx in 1..=cap.min(w - 1) {
            let d2 = (dx * dx) as i16;
            // Every candidate from here on is at least dx² away.
            if dx % 4 == 1 && best.iter().copied().max().unwrap_or(0) <= d2 {
                break;
            }
            for (b, &s) in best[..w - dx].iter_mut().zip(&sq[dx..]) {
                *b = (*b).min(s + d2);
            }
            for (b, &s) in best[dx..].iter_mut().zip(&sq[..w - dx]) {
                *b = (*b).min(s + d2);
            }
        }
        for (o, &b) in out.row_mut(y).iter_mut().zip(&best) {
            *o = b.min(far2) as u16;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(m: &Mask, target: bool, outside: bool) -> Vec<u32> {
        let (w, h) = (m.width() as i64, m.height() as i64);
        let mut pts: Vec<(i64, i64)> = Vec::new();
        for y in 0..h {
            for x in 0..w {
                if (m.get(x as usize, y as usize) != 0) == target {
                    pts.push((x, y));
                }
            }
        }
        if outside {
            for x in -1..=w {
                pts.push((x, -1));
                pts.push((x, h));
            }
            for y in -1..=h {
                pts.push((-1, y));
                pts.push((w, y));
            }
        }
        let mut out = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let d = pts
                    .iter()
                    .map(|&(px, py)| (px - x).pow(2) + (py - y).pow(2))
                    .min();
                out.push(d.map_or(u32::MAX, |d| d as u32));
            }
        }
        out
    }

    /// A `w × h` mask with about `density` % of its pixels set, from `seed`.
    fn random_mask(w: usize, h: usize, seed: u64, density: u64) -> Mask {
        let mut s = seed;
        let data: Vec<u8> = (0..w * h)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                u8::from((s >> 33) % 100 < density)
            })
            .collect();
        Mask::from_vec(w, h, data).unwrap()
    }

    #[test]
    fn caps_past_127_are_refused() {
        let m = random_mask(9, 7, 3, 20);
        assert!(squared_distance_capped(&m, true, false, 127).is_some());
        assert!(squared_distance_capped(&m, true, false, 128).is_none());
    }

    proptest! {
        #[test]
        fn matches_brute_force(w in 1usize..24, h in 1usize..24, seed in any::<u64>(),
                               density in 0u64..100, target: bool, outside: bool) {
            let m = random_mask(w, h, seed, density);
            prop_assert_eq!(squared_distance(&m, target, outside).into_vec(), brute(&m, target, outside));
        }

        /// The capped transform is the exact one, capped: long thin images (rows and columns
        /// longer than the cap), sparse and dense targets, every cap up to past the image.
        #[test]
        fn capped_matches_the_exact_transform(w in 1usize..60, h in 1usize..40, seed in any::<u64>(),
                                              density in 0u64..30, target: bool, outside: bool,
                                              cap in 0usize..70) {
            let m = random_mask(w, h, seed, density);
            let far2 = ((cap + 1) * (cap + 1)) as u32;
            let want: Vec<u16> = squared_distance(&m, target, outside)
                .as_slice()
                .iter()
                .map(|&d| d.min(far2) as u16)
                .collect();
            let got = squared_distance_capped(&m, target, outside, cap).unwrap();
            prop_assert_eq!(got.into_vec(), want);
        }
    }
}
