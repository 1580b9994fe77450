//! Rotation-invariant uniform local binary patterns (Ojala et al. 2002), 8 neighbours on a
//! circle of radius `r` sampled bilinearly.

use crate::image::{GrayF32, Mask};

/// Bins of the histogram: 0..=8 ones in a uniform pattern, 9 for non-uniform patterns.
pub const BINS: usize = 10;

/// Normalised histogram of the uniform LBP codes of the pixels of `region` whose circle lies
/// inside the image (all zero when there are none).
///
/// ```
/// use lungfield::{features::lbp_histogram, GrayF32, Mask};
/// // A flat image: every neighbour equals the centre, so every code is "eight ones".
/// let h = lbp_histogram(&GrayF32::filled(9, 9, 0.5), &Mask::filled(9, 9, 1), 1.0);
/// assert_eq!(h[8], 1.0);
/// ```
pub fn lbp_histogram(img: &GrayF32, region: &Mask, r: f32) -> [f64; BINS] {
    let (w, h) = (img.width(), img.height());
    let mut hist = [0u64; BINS];
    let offsets: Vec<(f32, f32)> = (0..8)
        .map(|k| {
            let a = std::f32::consts::TAU * k as f32 / 8.0;
            let (dx, dy) = (r * libm::cosf(a), -r * libm::sinf(a));
            // Snap values within rounding of a whole pixel.
            let snap = |v: f32| {
                if (v - v.round()).abs() < 1e-4 {
                    v.round()
                } else {
                    v
                }
            };
            (snap(dx), snap(dy))
        })
        .collect();
    let pad = r.ceil() as usize + 1;
    if w <= 2 * pad || h <= 2 * pad {
        return [0.0; BINS];
    }
    let px = img.as_slice();
    // Each neighbour's offset from the centre in whole pixels and its bilinear weights: the
    // same for every pixel.
    let taps: Vec<(isize, f32, f32)> = offsets
        .iter()
        .map(|&(dx, dy)| {
            let (fx, fy) = (dx.floor(), dy.floor());
            (fy as isize * w as isize + fx as isize, dx - fx, dy - fy)
        })
        .collect();
    let at = |i: usize, &(di, ax, ay): &(isize, f32, f32)| -> f32 {
        let j = i.wrapping_add_signed(di);
        let top = px[j] * (1.0 - ax) + px[j + 1] * ax;
        let bot = px[j + w] * (1.0 - ax) + px[j + w + 1] * ax;
        top * (1.0 - ay) + bot * ay
    };
    for y in pad..h - pad {
        for x in pad..w - pad {
            if region.get(x, y) == 0 {
                continue;
            }
            let i = y * w + x;
            let c = px[i];
            let mut bits = [false; 8];
            for (b, tap) in bits.iter_mut().zip(&taps) {
                *b = at(i, tap) >= c;
            }
            let ones = bits.iter().filter(|&&b| b).count();
            let transitions = (0..8).filter(|&k| bits[k] != bits[(k + 1) % 8]).count();
            hist[if transitions <= 2 { ones } else { 9 }] += 1;
        }
    }
    let total: u64 = hist.iter().sum();
    hist.map(|c| {
        if total == 0 {
            0.0
        } else {
            c as f64 / total as f64
        }
    })
}
