//! From attenuation to a radiograph: exposure and contrast, a smooth intensity gradient, the
//! detector's blur, quantum and electronic noise, collimation and burnt-in marker letters.

use crate::image::GrayF32;
use crate::rng::Rng;
use crate::simd::{gaussian::gaussian_f32, Kernels};

/// 5×7 bitmaps of the marker letters, one row per byte (bit 4 = leftmost column).
const LETTERS: [(char, [u8; 7]); 2] = [
    ('R', [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11]),
    ('L', [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f]),
];

/// Turns a density plane into a film in 0..1 (bright = dense).
pub(crate) fn expose(rho: &GrayF32, r: &mut Rng, body_top: f64) -> GrayF32 {
    let n = rho.width();
    let k = r.uniform(1.4, 2.2);
    let gamma = r.uniform(0.8, 1.25);
    let (lo, hi) = (r.uniform(0.0, 0.08), r.uniform(0.85, 1.0));
    let (gx, gy) = (r.uniform(-0.06, 0.06), r.uniform(-0.08, 0.04));
    let film = rho.map(|&d| {
        let p = 1.0 - libm::exp(-k * f64::from(d.max(0.0)));
        (((p - lo) / (hi - lo)).clamp(0.0, 1.0)) as f32
    });
    let mut film = film.map(|&p| libm::pow(f64::from(p), gamma) as f32);
    for y in 0..n {
        let v = (y as f64 + 0.5) / n as f64;
        for x in 0..n {
            let u = (x as f64 + 0.5) / n as f64;
            let p = f64::from(film.get(x, y)) + gx * (u - 0.5) + gy * (v - 0.5);
            film.set(x, y, p as f32);
        }
    }
    // The detector's blur, scaled with the image (about 0.6 px at 512).
    let sigma = (0.6 * n as f64 / 512.0).max(0.35) as f32;
    let mut film = gaussian_f32(&film, sigma, Kernels::Scalar);
    let quantum = r.uniform(0.008, 0.025);
    let electronic = r.uniform(0.002, 0.008);
    for p in film.as_mut_slice() {
        let q = f64::from(*p).max(0.0);
        *p += (quantum * libm::sqrt(q + 0.05) * r.normal() + electronic * r.normal()) as f32;
    }
    if r.chance(0.5) {
        collimate(&mut film, r, body_top);
    }
    marker(&mut film, r);
    film.map(|&p| p.clamp(0.0, 1.0))
}

/// Unexposed (bright) margins outside a collimation rectangle that leaves the lungs alone.
fn collimate(film: &mut GrayF32, r: &mut Rng, body_top: f64) {
    let n = film.width();
    let nf = n as f64;
    let left = (r.uniform(0.0, 0.04) * nf) as usize;
    let right = (r.uniform(0.0, 0.04) * nf) as usize;
    let top = (r.uniform(0.0, (body_top - 0.04).max(0.0)) * nf) as usize;
    let level = r.uniform(0.85, 0.97) as f32;
    for y in 0..n {
        for x in 0..n {
            if x < left || x + right >= n || y < top {
                let p = film.get(x, y);
                film.set(x, y, level + 0.05 * (p - 0.5));
            }
        }
    }
}

/// A burnt-in side marker ("R" or "L") in an upper corner.
fn marker(film: &mut GrayF32, r: &mut Rng) {
    let n = film.width();
    let (_, bits) = LETTERS[usize::from(r.chance(0.5))];
    let cell = ((n as f64 * r.uniform(0.005, 0.008)) as usize).max(1);
    let x0 = if r.chance(0.5) {
        (n as f64 * 0.04) as usize
    } else {
        n.saturating_sub((n as f64 * 0.04) as usize + 6 * cell)
    };
    let y0 = (n as f64 * r.uniform(0.02, 0.06)) as usize;
    let level = r.uniform(0.9, 1.0) as f32;
    for (row, b) in bits.iter().enumerate() {
        for col in 0..5 {
            if b & (0x10 >> col) == 0 {
                continue;
            }
            for dy in 0..cell {
                for dx in 0..cell {
                    let (x, y) = (x0 + col * cell + dx, y0 + row * cell + dy);
                    if x < n && y < n {
                        film.set(x, y, level);
                    }
                }
            }
        }
    }
}
