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

    proptest! {
        #[test]
        fn matches_brute_force(w in 1usize..24, h in 1usize..24, seed in any::<u64>(),
                               density in 0u64..100, target: bool, outside: bool) {
            let mut s = seed;
            let data: Vec<u8> = (0..w * h).map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                u8::from((s >> 33) % 100 < density)
            }).collect();
            let m = Mask::from_vec(w, h, data).unwrap();
            prop_assert_eq!(squared_distance(&m, target, outside).into_vec(), brute(&m, target, outside));
        }
    }
}
