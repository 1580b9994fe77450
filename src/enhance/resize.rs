//! Resampling: area averaging down to the working resolution (OpenCV's `INTER_AREA`
//! semantics: each output pixel is the exact mean of the input area it covers) and bilinear
//! interpolation back up to the original size (`INTER_LINEAR` pixel-centre convention).

use crate::image::{GrayF32, GrayU8, Plane};

/// Working size for an image of `w × h` whose longer side becomes `target`, aspect kept.
///
/// ```
/// assert_eq!(lungfield::enhance::working_size(3000, 2000, 256), (256, 171));
/// ```
pub fn working_size(w: usize, h: usize, target: usize) -> (usize, usize) {
    let long = w.max(h).max(1) as f64;
    let s = target as f64 / long;
    (
        ((w as f64 * s).round() as usize).max(1),
        ((h as f64 * s).round() as usize).max(1),
    )
}

/// For each output index, the input indices it covers and their weights (summing to 1).
fn area_taps(n_in: usize, n_out: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = n_in as f64 / n_out as f64;
    (0..n_out)
        .map(|o| {
            let a = o as f64 * scale;
            let b = ((o + 1) as f64 * scale).min(n_in as f64);
            let mut taps = Vec::new();
            let mut i = a.floor() as usize;
            while (i as f64) < b && i < n_in {
                let lo = a.max(i as f64);
                let hi = b.min((i + 1) as f64);
                if hi > lo {
                    taps.push((i, ((hi - lo) / (b - a)) as f32));
                }
                i += 1;
            }
            if taps.is_empty() {
                taps.push(((a.floor() as usize).min(n_in - 1), 1.0));
            }
            taps
        })
        .collect()
}

/// Area resampling of any integer plane to `ow × oh`, in `f32` (no precision lost to rounding).
/// Upsampling with this function repeats pixels (box filter).
///
/// ```
/// use lungfield::{enhance::area_resize, GrayU8};
/// let img = GrayU8::from_vec(4, 2, vec![0, 2, 4, 6, 8, 10, 12, 14]).unwrap();
/// assert_eq!(area_resize(&img, 2, 1).as_slice(), &[5.0, 9.0]);
/// ```
pub fn area_resize<T: Copy + Into<f32>>(src: &Plane<T>, ow: usize, oh: usize) -> GrayF32 {
    let (w, h) = (src.width(), src.height());
    if w == 0 || h == 0 || ow == 0 || oh == 0 {
        return GrayF32::new(ow, oh);
    }
    let xt = area_taps(w, ow);
    let yt = area_taps(h, oh);
    // Horizontal pass per input row.
    let mut tmp = GrayF32::new(ow, h);
    for y in 0..h {
        let row = src.row(y);
        for (o, taps) in tmp.row_mut(y).iter_mut().zip(&xt) {
            *o = taps.iter().map(|&(i, wt)| row[i].into() * wt).sum();
        }
    }
    let mut dst = GrayF32::new(ow, oh);
    for (oy, taps) in yt.iter().enumerate() {
        let out = dst.row_mut(oy);
        for &(iy, wt) in taps {
            for (o, &v) in out.iter_mut().zip(tmp.row(iy)) {
                *o += v * wt;
            }
        }
    }
    dst
}

/// Bilinear resampling of an 8-bit plane to `ow × oh` (pixel centres aligned, edges clamped).
///
/// ```
/// use lungfield::{enhance::upscale_bilinear_u8, GrayU8};
/// let img = GrayU8::from_vec(2, 1, vec![0, 255]).unwrap();
/// assert_eq!(upscale_bilinear_u8(&img, 4, 1).as_slice(), &[0, 64, 191, 255]);
/// ```
pub fn upscale_bilinear_u8(src: &GrayU8, ow: usize, oh: usize) -> GrayU8 {
    let (w, h) = (src.width(), src.height());
    if w == 0 || h == 0 {
        return GrayU8::new(ow, oh);
    }
    let taps = |n_in: usize, n_out: usize| -> Vec<(usize, usize, u32)> {
        let s = n_in as f64 / n_out as f64;
        (0..n_out)
            .map(|o| {
                let f = ((o as f64 + 0.5) * s - 0.5).clamp(0.0, (n_in - 1) as f64);
                let i = f.floor() as usize;
                let frac = ((f - i as f64) * 256.0).round() as u32;
                (i, (i + 1).min(n_in - 1), frac)
            })
            .collect()
    };
    let xt = taps(w, ow);
    let yt = taps(h, oh);
    let mut dst = GrayU8::new(ow, oh);
    let mut r0 = vec![0u32; ow];
    let mut r1 = vec![0u32; ow];
    let hrow = |row: &[u8], out: &mut [u32]| {
        for (o, &(a, b, f)) in out.iter_mut().zip(&xt) {
            *o = u32::from(row[a]) * (256 - f) + u32::from(row[b]) * f;
        }
    };
    let mut cached = (usize::MAX, usize::MAX);
    for (oy, &(a, b, f)) in yt.iter().enumerate() {
        if cached != (a, b) {
            hrow(src.row(a), &mut r0);
            hrow(src.row(b), &mut r1);
            cached = (a, b);
        }
        for ((o, &p), &q) in dst.row_mut(oy).iter_mut().zip(&r0).zip(&r1) {
            *o = ((p * (256 - f) + q * f + (1 << 15)) >> 16) as u8;
        }
    }
    dst
}

/// Bilinear upscale of a plane of `u8` values, then keeps the pixels at or above `threshold`:
/// how a working-resolution mask (0/255 or soft) comes back to the original size smoothly.
pub(crate) fn upscale_threshold(src: &GrayU8, ow: usize, oh: usize, threshold: u8) -> GrayU8 {
    upscale_bilinear_u8(src, ow, oh).map(|&v| u8::from(v >= threshold))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_resize_preserves_the_mean() {
        let img = GrayU8::from_vec(7, 5, (0..35).map(|v| (v * 7) as u8).collect()).unwrap();
        let mean_in: f32 = img.as_slice().iter().map(|&v| f32::from(v)).sum::<f32>() / 35.0;
        let out = area_resize(&img, 3, 2);
        let mean_out: f32 = out.as_slice().iter().sum::<f32>() / 6.0;
        assert!((mean_in - mean_out).abs() < 1e-3, "{mean_in} vs {mean_out}");
    }

    #[test]
    fn identity_size_is_a_copy() {
        let img = GrayU8::from_vec(3, 2, vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(
            area_resize(&img, 3, 2).as_slice(),
            &[1., 2., 3., 4., 5., 6.]
        );
        assert_eq!(upscale_bilinear_u8(&img, 3, 2), img);
    }
}
