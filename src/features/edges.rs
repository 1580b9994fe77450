//! Edge-orientation histograms (a pooled HOG): Sobel gradients, orientation folded to 0..π,
//! weighted by magnitude.

use crate::image::{GrayF32, Mask};

/// Orientation bins over 0..π.
pub const BINS: usize = 8;

/// Sobel gradient magnitude and orientation (0..π) of every interior pixel (0 on the border).
pub fn gradients(img: &GrayF32) -> (GrayF32, GrayF32) {
    let (w, h) = (img.width(), img.height());
    let mut mag = GrayF32::new(w, h);
    let mut ori = GrayF32::new(w, h);
    if w < 3 || h < 3 {
        return (mag, ori);
    }
    let p = img.as_slice();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let gx = (p[i - w + 1] + 2.0 * p[i + 1] + p[i + w + 1])
                - (p[i - w - 1] + 2.0 * p[i - 1] + p[i + w - 1]);
            let gy = (p[i + w - 1] + 2.0 * p[i + w] + p[i + w + 1])
                - (p[i - w - 1] + 2.0 * p[i - w] + p[i - w + 1]);
            mag.set(x, y, libm::sqrtf(gx * gx + gy * gy));
            let a = libm::atan2f(gy, gx);
            ori.set(x, y, if a < 0.0 { a + std::f32::consts::PI } else { a });
        }
    }
    (mag, ori)
}

/// Magnitude-weighted orientation histogram over `region`, normalised to sum 1, and the
/// region's mean gradient magnitude.
///
/// ```
/// use lungfield::{features::{gradients, orientation_histogram}, GrayF32, Mask};
/// // A horizontal ramp: every gradient points along x (orientation 0, the first bin).
/// let img = GrayF32::from_vec(6, 6, (0..36).map(|i| (i % 6) as f32 / 5.0).collect()).unwrap();
/// let (mag, ori) = gradients(&img);
/// let (hist, mean) = orientation_histogram(&mag, &ori, &Mask::filled(6, 6, 1));
/// assert!(hist[0] > 0.99 && mean > 0.0);
/// ```
pub fn orientation_histogram(mag: &GrayF32, ori: &GrayF32, region: &Mask) -> ([f64; BINS], f64) {
    let mut hist = [0f64; BINS];
    let (mut sum, mut n) = (0f64, 0usize);
    for ((&m, &o), &r) in mag
        .as_slice()
        .iter()
        .zip(ori.as_slice())
        .zip(region.as_slice())
    {
        if r == 0 {
            continue;
        }
        let b = ((o / std::f32::consts::PI * BINS as f32) as usize).min(BINS - 1);
        hist[b] += f64::from(m);
        sum += f64::from(m);
        n += 1;
    }
    if sum > 0.0 {
        hist.iter_mut().for_each(|v| *v /= sum);
    }
    (hist, if n == 0 { 0.0 } else { sum / n as f64 })
}
