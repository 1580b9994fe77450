//! Simple synthetic chest radiographs with exact lung masks, made by the project itself: for
//! tests, the committed fixtures in `data-fixtures/` and the demo. Deterministic from a seed.
//!
//! The picture: a bright body ellipse on a darker background, two darker lung fields
//! (super-ellipses of varying size and tilt), a bright heart overlapping the left lung's lower
//! medial part, a spine, rib arcs crossing the lungs, a vertical exposure gradient and noise.
//! TB-like phantoms (`tb = true`) add bright patchy opacities in the upper zones. The mask is the
//! visible lung field (the heart is cut out, as in the SCR masks of JSRT).

use crate::image::{GrayU8, Mask};

/// A small deterministic PRNG (splitmix64), so phantoms never depend on a crate's version.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform(1e-12, 1.0);
        let u2 = self.uniform(0.0, 1.0);
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A phantom radiograph and its exact lung mask (0/1).
#[derive(Clone, Debug)]
pub struct Phantom {
    /// The radiograph, 8-bit.
    pub image: GrayU8,
    /// The lung mask, 0/1.
    pub mask: Mask,
}

/// Inside a tilted super-ellipse centred at `(cx, cy)` with half-axes `(a, b)`.
#[allow(clippy::too_many_arguments)] // the shape's parameters, named at each call
fn inside(x: f64, y: f64, cx: f64, cy: f64, a: f64, b: f64, tilt: f64, p: f64) -> bool {
    let (s, c) = tilt.sin_cos();
    let (dx, dy) = (x - cx, y - cy);
    let (u, v) = ((c * dx + s * dy) / a, (-s * dx + c * dy) / b);
    u.abs().powf(p) + v.abs().powf(p) <= 1.0
}

/// Makes a `size × size` phantom from `seed`; `tb` adds upper-zone opacities.
///
/// ```
/// let p = lungfield::phantom::make(128, 7, false);
/// assert_eq!(p.image.width(), 128);
/// assert!(p.mask.count() > 128 * 128 / 10);
/// ```
pub fn make(size: usize, seed: u64, tb: bool) -> Phantom {
    let mut r = Rng::new(seed);
    let n = size as f64;
    let lung_a = n * r.uniform(0.12, 0.15);
    let lung_b = n * r.uniform(0.26, 0.31);
    let lungs = [
        (
            n * r.uniform(0.29, 0.33),
            n * r.uniform(0.42, 0.47),
            lung_a * r.uniform(0.95, 1.08),
            lung_b,
            r.uniform(-0.12, 0.0),
        ),
        (
            n * r.uniform(0.67, 0.71),
            n * r.uniform(0.42, 0.47),
            lung_a * r.uniform(0.9, 1.05),
            lung_b * r.uniform(0.93, 1.02),
            r.uniform(0.0, 0.12),
        ),
    ];
    let heart = (
        n * r.uniform(0.55, 0.6),
        n * r.uniform(0.64, 0.68),
        n * r.uniform(0.12, 0.15),
        n * r.uniform(0.1, 0.12),
    );
    let (body_lvl, lung_lvl, bg_lvl) = (
        r.uniform(190.0, 215.0),
        r.uniform(85.0, 115.0),
        r.uniform(40.0, 80.0),
    );
    let rib_period = n * r.uniform(0.07, 0.09);
    let gradient = r.uniform(-25.0, 25.0);
    let noise = r.uniform(3.0, 7.0);
    let lesions: Vec<(f64, f64, f64)> = if tb {
        (0..r.uniform(3.0, 7.0) as usize)
            .map(|_| {
                let side = &lungs[(r.next_u64() % 2) as usize];
                (
                    side.0 + r.uniform(-0.5, 0.5) * side.2,
                    side.1 - r.uniform(0.2, 0.7) * side.3,
                    n * r.uniform(0.015, 0.04),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut image = GrayU8::new(size, size);
    let mut mask = Mask::new(size, size);
    for y in 0..size {
        for x in 0..size {
            let (xf, yf) = (x as f64 + 0.5, y as f64 + 0.5);
            let body = inside(xf, yf, n * 0.5, n * 0.6, n * 0.47, n * 0.6, 0.0, 3.0);
            let in_heart = inside(xf, yf, heart.0, heart.1, heart.2, heart.3, 0.3, 2.0);
            let in_lung = lungs
                .iter()
                .any(|l| inside(xf, yf, l.0, l.1, l.2, l.3, l.4, 2.4));
            let mut v = if body { body_lvl } else { bg_lvl };
            if in_lung && !in_heart {
                v = lung_lvl;
                mask.set(x, y, 1);
            }
            if (xf - n * 0.5).abs() < n * 0.035 && body {
                v += 15.0; // spine
            }
            if in_lung {
                let phase = ((yf + 0.15 * (xf - n * 0.5).abs()) / rib_period).fract();
                if phase < 0.25 {
                    v += 22.0; // rib arcs
                }
            }
            for &(lx, ly, lr) in &lesions {
                let d = (xf - lx).hypot(yf - ly) / lr;
                if d < 1.0 {
                    v += 45.0 * (1.0 - d * d);
                }
            }
            v += gradient * (yf / n - 0.5) + noise * r.normal();
            image.set(x, y, v.round().clamp(0.0, 255.0) as u8);
        }
    }
    Phantom { image, mask }
}
