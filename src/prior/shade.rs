//! How lung-like each pixel near a found lung looks: its smoothed intensity placed between
//! the found lung's own intensity just inside its boundary and the intensity just outside
//! it, cell by cell of the correction frame ([`super::Correction`]), and cut into
//! [`SHADE_BINS`] bins. A correction measured per (cell, distance, shade) lets a boundary
//! move towards where the image itself shows lung, not only where the experts habitually
//! draw it.

use super::grid::{CORR_BINS, CORR_D, CORR_H, CORR_W};
use crate::image::GrayU8;

/// Shade bins: 0 looks like the lung's inside, `SHADE_BINS − 1` like its outside.
pub const SHADE_BINS: usize = 8;
/// Bin given where the inside and outside cannot be told apart.
const UNKNOWN: u8 = (SHADE_BINS / 2) as u8;
/// Distance bins (either side of the boundary, reference pixels) whose pixels give a cell's
/// inside and outside intensity.
const NEAR: std::ops::RangeInclusive<i32> = 1..=4;
/// Smallest difference (grey levels) between the inside and outside intensity that counts.
const MIN_CONTRAST: f32 = 2.0;

/// Index of a shade-resolved correction entry.
#[inline]
pub(crate) fn shade_index(cell: usize, dbin: usize, sbin: u8) -> usize {
    (cell * CORR_BINS + dbin) * SHADE_BINS + usize::from(sbin)
}

/// Entries in a shade-resolved correction table.
pub(crate) const SHADE_ENTRIES: usize = CORR_W * CORR_H * CORR_BINS * SHADE_BINS;

/// The shade bin of every pixel of the region `x0.., y0..` (`rw` wide, `dbins.len() / rw`
/// tall) of `img`, given each pixel's distance bin `dbins` to the found boundary and the
/// correction frame `px` (pixels). Pixels outside the frame get [`UNKNOWN`].
pub(crate) fn shade_bins(
    img: &GrayU8,
    x0: usize,
    y0: usize,
    rw: usize,
    dbins: &[u8],
    px: &[f64; 4],
) -> Vec<u8> {
    let rh = dbins.len() / rw.max(1);
    let ncell = CORR_W * CORR_H;
    // The cell of each pixel (`NONE` outside the frame) and its grey level, row by row.
    const NONE: u16 = u16::MAX;
    // A pixel's cell column depends on x only and its row on y only (as in `cell_of`).
    let axis = |t: usize, lo: f64, hi: f64, n: usize| {
        let c = (t as f64 + 0.5 - lo) / (hi - lo).max(1e-6) * n as f64;
        (c >= 0.0 && c < n as f64).then_some(c as u16)
    };
    let cols: Vec<Option<u16>> = (x0..x0 + rw)
        .map(|x| axis(x, px[0], px[2], CORR_W))
        .collect();
    let mut cells = Vec::with_capacity(rw * rh);
    let mut grey = Vec::with_capacity(rw * rh);
    for y in y0..y0 + rh {
        let v = axis(y, px[1], px[3], CORR_H);
        for (&u, &g) in cols.iter().zip(&img.row(y)[x0..x0 + rw]) {
            cells.push(match (u, v) {
                (Some(u), Some(v)) => v * CORR_W as u16 + u,
                _ => NONE,
            });
            grey.push(g);
        }
    }
    // Per cell: inside sum, count; outside sum, count.
    let mut acc = vec![[0f64; 4]; ncell];
    let d = CORR_D;
    let inside = (d - NEAR.end()) as u8..=(d - NEAR.start()) as u8;
    let outside = (d + NEAR.start()) as u8..=(d + NEAR.end()) as u8;
    for ((&c, &b), &v) in cells.iter().zip(dbins).zip(&grey) {
        if c == NONE {
            continue;
        }
        let (a, v) = (&mut acc[usize::from(c)], f64::from(v));
        if inside.contains(&b) {
            a[0] += v;
            a[1] += 1.0;
        } else if outside.contains(&b) {
            a[2] += v;
            a[3] += 1.0;
        }
    }
    let all = acc.iter().fold([0f64; 4], |mut s, a| {
        s.iter_mut().zip(a).for_each(|(s, a)| *s += a);
        s
    });
    // A cell's mean, or the lung-wide one where the cell has too few pixels.
    let mean = |s: f64, n: f64, all_s: f64, all_n: f64| {
        if n >= 4.0 {
            Some(s / n)
        } else if all_n >= 4.0 {
            Some(all_s / all_n)
        } else {
            None
        }
    };
    // Per cell: grey level of the inside and the step per bin towards the outside.
    let ends: Vec<Option<(f32, f32)>> = acc
        .iter()
        .map(|a| {
            let i = mean(a[0], a[1], all[0], all[1])?;
            let o = mean(a[2], a[3], all[2], all[3])?;
            ((o - i).abs() >= f64::from(MIN_CONTRAST))
                .then_some((i as f32, (SHADE_BINS - 2) as f32 / (o - i) as f32))
        })
        .collect();
    let top = (SHADE_BINS - 1) as f32;
    cells
        .iter()
        .zip(&grey)
        .map(|(&c, &v)| {
            let Some(Some((lo, k))) = (c != NONE).then(|| ends[usize::from(c)]) else {
                return UNKNOWN;
            };
            // Below the inside: 0; between inside and outside: 1..; beyond the outside: last.
            ((f32::from(v) - lo) * k + 1.0).clamp(0.0, top) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Mask;
    use crate::prior::shape::{cell_of, corr_frame, distance_bins, frac_box, to_px};

    /// A `w × w` mask of a centred rectangle grown by `grow` pixels on each side.
    fn rect(w: usize, grow: i64) -> Mask {
        let mut m = Mask::new(w, w);
        let (a, b) = (w as i64 / 4 - grow, 3 * w as i64 / 4 + grow);
        for y in 0..w as i64 {
            for x in 0..w as i64 {
                if (a..b).contains(&x) && (a..b).contains(&y) {
                    m.set(x as usize, y as usize, 1);
                }
            }
        }
        m
    }

    fn bins_for(img: &GrayU8, found: &crate::image::Labels) -> Vec<u8> {
        let w = found.width();
        let px = to_px(&corr_frame(&frac_box(found, 1).unwrap()), w, w);
        let d = distance_bins(found, 1, 1.0);
        shade_bins(img, 0, 0, w, &d, &px)
    }

    #[test]
    fn lung_like_pixels_get_low_bins_and_the_rest_high() {
        // The image's lung is dark and 3 pixels wider on each side than the found one.
        let truth = rect(64, 3);
        let img = truth.map(|&v| if v != 0 { 40 } else { 200 });
        let found = rect(64, 0);
        let bins = bins_for(&img, &found);
        let px = to_px(&corr_frame(&frac_box(&found, 1).unwrap()), 64, 64);
        let mut seen = [0usize; 2];
        for y in 0..64 {
            for x in 0..64 {
                if cell_of(&px, x, y).is_none() {
                    continue;
                }
                let b = bins[y * 64 + x];
                // A corner cell whose outside ring is all lung has no contrast: unknown.
                if b == UNKNOWN {
                    continue;
                }
                if truth.get(x, y) != 0 {
                    assert!(b <= 1, "dark pixel ({x}, {y}) in bin {b}");
                    seen[0] += usize::from(found.get(x, y) == 0);
                } else {
                    assert_eq!(usize::from(b), SHADE_BINS - 1, "bright pixel ({x}, {y})");
                    seen[1] += 1;
                }
            }
        }
        assert!(seen[0] > 100 && seen[1] > 100, "{seen:?}");
        // Without contrast the shade says nothing.
        let flat = GrayU8::from_vec(64, 64, vec![90; 64 * 64]).unwrap();
        assert!(bins_for(&flat, &found).iter().all(|&b| b == UNKNOWN));
        // A region of the image gives the same bins as the whole.
        let whole = bins_for(&img, &found);
        let d = distance_bins(&found.crop(4, 6, 56, 50), 1, 1.0);
        let part = shade_bins(&img, 4, 6, 56, &d, &px);
        for (i, &b) in part.iter().enumerate() {
            assert_eq!(b, whole[(6 + i / 56) * 64 + 4 + i % 56], "pixel {i}");
        }
    }
}
