//! Drawing primitives on a density plane, in normalised coordinates: smooth blobs, ellipses
//! with a thickness profile, curved bands and anti-aliased line segments.

use crate::image::{GrayF32, Mask};

/// A density plane (arbitrary units of attenuation) of `n × n` pixels.
pub(crate) struct Canvas {
    pub rho: GrayF32,
    pub n: usize,
}

impl Canvas {
    pub fn new(n: usize) -> Canvas {
        Canvas {
            rho: GrayF32::new(n, n),
            n,
        }
    }

    /// Pixel range covering `[c − r, c + r]` in normalised units.
    fn span(&self, c: f64, r: f64) -> (usize, usize) {
        let n = self.n as f64;
        let a = ((c - r) * n).floor().max(0.0) as usize;
        let b = (((c + r) * n).ceil().max(0.0) as usize).min(self.n);
        (a.min(self.n), b)
    }

    /// Normalised centre of pixel `i`.
    #[inline]
    fn at(&self, i: usize) -> f64 {
        (i as f64 + 0.5) / self.n as f64
    }

    /// Adds `amp · f(x, y)` over the box `[cx ± rx] × [cy ± ry]`, `f` given normalised pixel
    /// coordinates; with `clip`, only where the clip mask is set.
    pub fn add(
        &mut self,
        (cx, cy, rx, ry): (f64, f64, f64, f64),
        clip: Option<&Mask>,
        mut f: impl FnMut(f64, f64) -> f64,
    ) {
        let (x0, x1) = self.span(cx, rx);
        let (y0, y1) = self.span(cy, ry);
        for y in y0..y1 {
            let v = self.at(y);
            for x in x0..x1 {
                if clip.is_some_and(|m| m.get(x, y) == 0) {
                    continue;
                }
                let d = f(self.at(x), v);
                if d != 0.0 {
                    let p = self.rho.get(x, y);
                    self.rho.set(x, y, p + d as f32);
                }
            }
        }
    }

    /// A Gaussian blob of standard deviation `r`.
    pub fn blob(&mut self, cx: f64, cy: f64, r: f64, amp: f64, clip: Option<&Mask>) {
        let k = -0.5 / (r * r);
        self.add((cx, cy, 3.0 * r, 3.0 * r), clip, |u, v| {
            let d2 = (u - cx).powi(2) + (v - cy).powi(2);
            amp * libm::exp(k * d2)
        });
    }

    /// A tilted ellipse with the thickness profile of an ellipsoid, `amp · √(1 − ρ²)`, its
    /// edge softened over `soft` (normalised units).
    #[allow(clippy::too_many_arguments)] // an ellipse's parameters
    pub fn ellipsoid(
        &mut self,
        (cx, cy): (f64, f64),
        (a, b): (f64, f64),
        tilt: f64,
        amp: f64,
        clip: Option<&Mask>,
    ) {
        let (s, c) = (libm::sin(tilt), libm::cos(tilt));
        let r = a.max(b);
        self.add((cx, cy, r, r), clip, |u, v| {
            let (dx, dy) = (u - cx, v - cy);
            let (p, q) = ((c * dx + s * dy) / a, (-s * dx + c * dy) / b);
            let rho2 = p * p + q * q;
            if rho2 >= 1.0 {
                0.0
            } else {
                amp * libm::sqrt(1.0 - rho2)
            }
        });
    }

    /// An anti-aliased segment of width `w` with a round profile.
    pub fn segment(
        &mut self,
        (x0, y0): (f64, f64),
        (x1, y1): (f64, f64),
        w: f64,
        amp: f64,
        clip: Option<&Mask>,
    ) {
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len2 = (dx * dx + dy * dy).max(1e-12);
        let half = w / 2.0 + 1.0 / self.n as f64;
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let (rx, ry) = (dx.abs() / 2.0 + half, dy.abs() / 2.0 + half);
        self.add((cx, cy, rx, ry), clip, |u, v| {
            let t = (((u - x0) * dx + (v - y0) * dy) / len2).clamp(0.0, 1.0);
            let (px, py) = (x0 + t * dx - u, y0 + t * dy - v);
            let d = libm::sqrt(px * px + py * py) / (w / 2.0);
            if d >= 1.0 {
                0.0
            } else {
                amp * libm::sqrt(1.0 - d * d)
            }
        });
    }

    /// A band of width `w` along the curve `v = f(u)` for `u` in `[u0, u1]`, with a bone-like
    /// profile (a brighter cortical rim) when `cortex > 0`.
    pub fn band(
        &mut self,
        (u0, u1): (f64, f64),
        w: f64,
        amp: f64,
        cortex: f64,
        clip: Option<&Mask>,
        f: impl Fn(f64) -> f64,
    ) {
        let n = self.n as f64;
        let (x0, x1) = self.span((u0 + u1) / 2.0, (u1 - u0).abs() / 2.0);
        let h = 1.0 / n;
        for x in x0..x1 {
            let u = self.at(x);
            let vc = f(u);
            let slope = (f(u + h) - f(u - h)) / (2.0 * h);
            let cosa = 1.0 / libm::sqrt(1.0 + slope * slope);
            let half = w / 2.0 / cosa;
            let (y0, y1) = self.span(vc, half + h);
            for y in y0..y1 {
                if clip.is_some_and(|m| m.get(x, y) == 0) {
                    continue;
                }
                let d = ((self.at(y) - vc) / half).abs();
                if d >= 1.0 {
                    continue;
                }
                let body = libm::sqrt(1.0 - d * d);
                let rim = cortex * libm::pow(d, 6.0);
                let p = self.rho.get(x, y);
                self.rho.set(x, y, p + (amp * (body + rim)) as f32);
            }
        }
    }
}
