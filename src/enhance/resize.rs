//! Resampling: area averaging down to the working resolution (OpenCV's `INTER_AREA`
//! semantics: each output pixel is the exact mean of the input area it covers) and bilinear
//! interpolation back up to the original size (`INTER_LINEAR` pixel-centre convention).

use crate::image::{GrayF32, GrayU8, Plane};
use crate::simd::{area, Kernels};

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
    area_resize_with(src, ow, oh, Kernels::active())
}

/// [`area_resize`] with the horizontal pass on `kernels`: four rows at a time in vector
/// lanes, or row by row with [`Kernels::Scalar`]; the results are bit-identical.
///
/// ```
/// use lungfield::{enhance::area_resize_with, simd::Kernels, GrayU8};
/// let img = GrayU8::from_vec(3, 5, (0..15).collect()).unwrap();
/// let (a, b) = (area_resize_with(&img, 2, 2, Kernels::Scalar), area_resize_with(&img, 2, 2, Kernels::active()));
/// assert_eq!(a, b);
/// ```
pub fn area_resize_with<T: Copy + Into<f32>>(
    src: &Plane<T>,
    ow: usize,
    oh: usize,
    kernels: Kernels,
) -> GrayF32 {
    let (w, h) = (src.width(), src.height());
    if w == 0 || h == 0 || ow == 0 || oh == 0 {
        return GrayF32::new(ow, oh);
    }
    let xt = area_taps(w, ow);
    let yt = area_taps(h, oh);
    // Horizontal pass: every input row (`simd::resize::area`).
    let mut tmp = GrayF32::new(ow, h);
    area::rows(src, &xt, &mut tmp, kernels);
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

/// For each output index: the two input indices it interpolates between and the weight of
/// the second in 1/256 (pixel centres aligned, edges clamped).
fn bilinear_taps(n_in: usize, n_out: usize) -> Vec<(usize, usize, u32)> {
    let s = n_in as f64 / n_out as f64;
    (0..n_out)
        .map(|o| {
            let f = ((o as f64 + 0.5) * s - 0.5).clamp(0.0, (n_in - 1) as f64);
            let i = f.floor() as usize;
            let frac = ((f - i as f64) * 256.0).round() as u32;
            (i, (i + 1).min(n_in - 1), frac)
        })
        .collect()
}

/// One input row interpolated to the output columns, in 1/256 units.
fn horizontal(row: &[u8], xt: &[(usize, usize, u32)], out: &mut [u32]) {
    for (o, &(a, b, f)) in out.iter_mut().zip(xt) {
        *o = u32::from(row[a]) * (256 - f) + u32::from(row[b]) * f;
    }
}

/// The vertical blend of two horizontally interpolated rows: `u8` values.
#[inline(always)]
fn blend(p: u32, q: u32, f: u32) -> u8 {
    ((p * (256 - f) + q * f + (1 << 15)) >> 16) as u8
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
    let xt = bilinear_taps(w, ow);
    let yt = bilinear_taps(h, oh);
    let mut dst = GrayU8::new(ow, oh);
    let mut r0 = vec![0u32; ow];
    let mut r1 = vec![0u32; ow];
    let mut cached = (usize::MAX, usize::MAX);
    for (oy, &(a, b, f)) in yt.iter().enumerate() {
        if cached != (a, b) {
            horizontal(src.row(a), &xt, &mut r0);
            horizontal(src.row(b), &xt, &mut r1);
            cached = (a, b);
        }
        for ((o, &p), &q) in dst.row_mut(oy).iter_mut().zip(&r0).zip(&r1) {
            *o = blend(p, q, f);
        }
    }
    dst
}

/// Bilinear upscale of a plane of `u8` values, then keeps the pixels at or above `threshold`
/// (1, else 0): how a working-resolution mask (0/255 or soft) comes back to the original size
/// smoothly. The same as thresholding [`upscale_bilinear_u8`]'s result, but where the four
/// input pixels around an output pixel are equal its value is theirs, so only the columns
/// where the two input rows vary are interpolated: for a mask, the few around its outline.
pub(crate) fn upscale_threshold(src: &GrayU8, ow: usize, oh: usize, threshold: u8) -> GrayU8 {
    let (w, h) = (src.width(), src.height());
    let mut dst = GrayU8::new(ow, oh);
    if w == 0 || h == 0 {
        if threshold == 0 {
            dst.as_mut_slice().fill(1);
        }
        return dst;
    }
    let xt = bilinear_taps(w, ow);
    let yt = bilinear_taps(h, oh);
    // The output columns by the pair of input columns they interpolate: (i, j, x0, x1).
    let mut groups: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (x, &(i, j, _)) in xt.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if (g.0, g.1) == (i, j) => g.3 = x + 1,
            _ => groups.push((i, j, x, x + 1)),
        }
    }
    let (mut r0, mut r1) = (vec![0u32; ow], vec![0u32; ow]);
    // Runs of output columns: (start, end, Some(value) where the four inputs are all equal
    // to it, None where they vary).
    let mut runs: Vec<(usize, usize, Option<u8>)> = Vec::new();
    let mut cached = (usize::MAX, usize::MAX);
    for (oy, &(a, b, f)) in yt.iter().enumerate() {
        if cached != (a, b) {
            let (ra, rb) = (src.row(a), src.row(b));
            runs.clear();
            for &(i, j, x0, x1) in &groups {
                let v = ra[i];
                let flat = (ra[j] == v && rb[i] == v && rb[j] == v).then_some(v);
                match runs.last_mut() {
                    Some(r) if r.2 == flat => r.1 = x1,
                    _ => runs.push((x0, x1, flat)),
                }
            }
            // Only the varying columns are interpolated.
            for &(x0, x1, flat) in &runs {
                if flat.is_none() {
                    horizontal(ra, &xt[x0..x1], &mut r0[x0..x1]);
                    horizontal(rb, &xt[x0..x1], &mut r1[x0..x1]);
                }
            }
            cached = (a, b);
        }
        let out = dst.row_mut(oy);
        for &(x0, x1, flat) in &runs {
            match flat {
                Some(v) => {
                    if v >= threshold {
                        out[x0..x1].fill(1);
                    }
                }
                None => {
                    for ((o, &p), &q) in out[x0..x1].iter_mut().zip(&r0[x0..x1]).zip(&r1[x0..x1]) {
                        *o = u8::from(blend(p, q, f) >= threshold);
                    }
                }
            }
        }
    }
    dst
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

    /// The horizontal pass as it was written first: per row, per output, an iterator sum.
    fn horizontal_reference<T: Copy + Into<f32>>(src: &Plane<T>, ow: usize) -> GrayF32 {
        let xt = area_taps(src.width(), ow);
        let mut tmp = GrayF32::new(ow, src.height());
        for y in 0..src.height() {
            let row = src.row(y);
            for (o, taps) in tmp.row_mut(y).iter_mut().zip(&xt) {
                *o = taps.iter().map(|&(i, wt)| row[i].into() * wt).sum();
            }
        }
        tmp
    }

    proptest::proptest! {
        /// The four-rows-at-a-time pass and its scalar twin give the iterator sums bit for
        /// bit: u8 and u16 planes (16-bit values past f32's integer steps once weighted),
        /// heights that leave rows over, widths not a multiple of four, down and up.
        #[test]
        fn area_rows_match_the_reference(
            w in 1usize..90, h in 1usize..14, ow in 1usize..40, seed in proptest::prelude::any::<u64>(),
            wide16: bool,
        ) {
            let mut rng = crate::rng::Rng::new(seed);
            let bits = |t: &GrayF32| t.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            let check = |want: GrayF32, got: [GrayF32; 2]| {
                for g in got {
                    proptest::prop_assert_eq!(bits(&g), bits(&want));
                }
                Ok(())
            };
            let xt = area_taps(w, ow);
            let run = |f: &dyn Fn(&mut GrayF32)| {
                let mut t = GrayF32::new(ow, h);
                f(&mut t);
                t
            };
            if wide16 {
                let img = Plane::<u16>::from_vec(w, h, (0..w * h).map(|_| rng.range(0, 65535) as u16).collect()).unwrap();
                check(horizontal_reference(&img, ow), [
                    run(&|t| area::rows(&img, &xt, t, Kernels::Baseline)),
                    run(&|t| area::rows(&img, &xt, t, Kernels::Scalar)),
                ])?;
            } else {
                let img = GrayU8::from_vec(w, h, (0..w * h).map(|_| rng.range(0, 255) as u8).collect()).unwrap();
                check(horizontal_reference(&img, ow), [
                    run(&|t| area::rows(&img, &xt, t, Kernels::Baseline)),
                    run(&|t| area::rows(&img, &xt, t, Kernels::Scalar)),
                ])?;
            }
        }

        /// The run-skipping threshold is the threshold of the full interpolation, on soft
        /// masks (long flat runs and blurred edges) and noise, up and down, odd sizes.
        #[test]
        fn upscale_threshold_matches_the_full_interpolation(
            w in 1usize..24, h in 1usize..24, ow in 1usize..70, oh in 1usize..70,
            seed in proptest::prelude::any::<u64>(), threshold in 0u8..=255, noise: bool,
        ) {
            let mut rng = crate::rng::Rng::new(seed);
            let data: Vec<u8> = (0..w * h)
                .map(|_| {
                    if noise {
                        rng.range(0, 255) as u8
                    } else {
                        [0u8, 0, 0, 255, 255, 255, 128, 37][rng.range(0, 7)]
                    }
                })
                .collect();
            let img = GrayU8::from_vec(w, h, data).unwrap();
            let full = upscale_bilinear_u8(&img, ow, oh).map(|&v| u8::from(v >= threshold));
            proptest::prop_assert_eq!(upscale_threshold(&img, ow, oh, threshold), full);
        }
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
