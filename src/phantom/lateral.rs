//! A lateral chest view, for the quality check that refuses what is not a frontal film: the
//! trunk seen from the side, both lungs superimposed into one air field between the sternum
//! (front) and the spine (back), the heart low in front, the diaphragm's domes below, the arms
//! raised out of the field.

use super::acquisition;
use super::draw::Canvas;
use crate::image::GrayU8;
use crate::rng::Rng;

/// An 8-bit lateral chest view, `size × size` (at least 16 px), from `seed`.
///
/// ```
/// let l = lungfield::phantom::lateral(128, 3);
/// assert_eq!((l.width(), l.height()), (128, 128));
/// assert_eq!(l, lungfield::phantom::lateral(128, 3));
/// ```
pub fn lateral(size: usize, seed: u64) -> GrayU8 {
    let n = size.max(16);
    let mut r = Rng::new(seed);
    let mut c = Canvas::new(n);
    let nf = n as f64;
    // Facing left: the front (sternum) at small x, the back (spine) at large x.
    let front = r.uniform(0.14, 0.2);
    let back = r.uniform(0.8, 0.86);
    let top = r.uniform(0.12, 0.18);
    for y in 0..n {
        let v = (y as f64 + 0.5) / nf;
        let (f, b) = (front - 0.05 * (v - 0.5), back + 0.03 * (v - 0.5));
        let neck = if v < top { 0.6 + 0.4 * v / top } else { 1.0 };
        for x in 0..n {
            let u = (x as f64 + 0.5) / nf;
            let mid = (f + b) / 2.0;
            let half = (b - f) / 2.0 * neck;
            let d = (u - mid) / half;
            if d.abs() < 1.0 {
                c.rho.set(x, y, (1.2 * libm::sqrt(1.0 - d * d)) as f32);
            }
        }
    }
    // The superimposed lungs: one air field, deepest behind the heart's top.
    let (lx, ly) = (r.uniform(0.47, 0.53), r.uniform(0.4, 0.46));
    c.ellipsoid((lx, ly), (0.27, 0.27), 0.0, -0.75, None);
    // The heart in front, low; the domes of the diaphragm and the abdomen below.
    c.ellipsoid((front + 0.2, 0.62), (0.14, 0.13), 0.3, 0.45, None);
    c.add((0.5, 0.85, 0.5, 0.15), None, |_, v| {
        if v > 0.72 {
            0.35
        } else {
            0.0
        }
    });
    // The spine: vertebral bodies in a column near the back, with their end plates.
    for k in 0..12 {
        let v = 0.12 + 0.065 * k as f64;
        c.ellipsoid((back - 0.1, v), (0.04, 0.026), 0.0, 0.45, None);
    }
    // The sternum: a thin bright band along the front.
    c.add((front + 0.025, 0.45, 0.015, 0.22), None, |_, _| 0.3);
    let mut ra = r.fork(3);
    let film = acquisition::expose(&c.rho, &mut ra, top);
    film.map(|&p| (f64::from(p).clamp(0.0, 1.0) * 255.0).round() as u8)
}
