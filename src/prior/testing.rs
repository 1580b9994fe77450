//! Synthetic lungs for the prior's tests.

use crate::image::Mask;

/// Two elliptical lungs with semi-axes scaled by `k` and shifted by `dx`, `dy`.
pub(crate) fn lungs(w: usize, k: f64, dx: f64, dy: f64, grow: f64) -> Mask {
    let mut m = Mask::new(w, w);
    let s = w as f64;
    for y in 0..w {
        for x in 0..w {
            let (fx, fy) = (x as f64 + 0.5, y as f64 + 0.5);
            for (cx, label) in [(0.3, 1u8), (0.7, 2u8)] {
                let (ax, ay) = (0.12 * s * k + grow, 0.3 * s * k + grow);
                let u = (fx - (cx * s + dx)) / ax;
                let v = (fy - (0.5 * s + dy)) / ay;
                if u * u + v * v <= 1.0 {
                    m.set(x, y, label);
                }
            }
        }
    }
    m
}

pub(crate) fn dice(a: &Mask, b: &Mask) -> f64 {
    let (mut i, mut s) = (0usize, 0usize);
    for (&x, &y) in a.as_slice().iter().zip(b.as_slice()) {
        i += usize::from(x != 0 && y != 0);
        s += usize::from(x != 0) + usize::from(y != 0);
    }
    2.0 * i as f64 / s.max(1) as f64
}
