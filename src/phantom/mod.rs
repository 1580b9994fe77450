//! Synthetic chest radiographs with exact lung masks, made by the project itself: for tests,
//! the committed fixtures in `data-fixtures/`, the `phantom` command and the demo.
//! Deterministic from a seed, bit for bit on every platform (`libm` for the transcendental
//! functions, a splitmix64 generator, no threads inside one phantom).
//!
//! The picture is built as attenuation and then exposed:
//! - anatomy (`anatomy`): a trunk with neck, shoulders and sometimes arms; two lung fields of
//!   varying size, shape, height and asymmetry with rounded apices, diaphragm domes and sharp
//!   costophrenic angles, whose air thins the body most in their middle and fades towards
//!   their edges; mediastinum, trachea and aortic knob; a heart overlapping the left lung;
//!   spine with vertebral end plates; posterior and anterior rib arcs with a cortical rim;
//!   clavicles; breast shadows; a stomach gas bubble; branching vessel markings from the hila;
//! - TB-like findings ([`Finding`]) for `_1` images, at a severity from subtle to gross;
//! - acquisition: exposure and contrast, a smooth gradient, detector blur, quantum and
//!   electronic noise, collimation margins and a burnt-in side marker.
//!
//! The mask is the whole lung field, behind the heart included (the convention of the SZ-CXR
//! masks), less what a pleural effusion hides.

mod acquisition;
mod anatomy;
pub mod dataset;
mod draw;
mod findings;
mod lateral;

pub use crate::rng::Rng;
pub use dataset::{write_set, PhantomSetOptions, SetReport};
pub use findings::Finding;
pub use lateral::lateral;

use crate::image::{GrayF32, GrayU16, GrayU8, Labels, Mask};
use anatomy::Anatomy;
use draw::Canvas;

/// How much density the air of a lung removes at its deepest.
const LUNG_AIR: f64 = 0.6;

/// A rendered phantom: the film, its lung labels and what it shows.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The radiograph, 0..1, bright = dense.
    pub film: GrayF32,
    /// Lung labels: 0 background, 1 right lung (image left), 2 left lung.
    pub labels: Labels,
    /// The TB-like findings drawn (empty for a normal phantom).
    pub findings: Vec<Finding>,
    /// Severity of the findings, 0..1 (0 for a normal phantom).
    pub severity: f64,
    /// Where the findings are: the pixels whose density they changed by more than
    /// [`LESION_DENSITY`] (empty for a normal phantom).
    pub lesions: Mask,
}

/// Density change (of about 1 for the whole trunk's thickness) that makes a pixel part of a
/// finding in [`Rendered::lesions`].
pub const LESION_DENSITY: f32 = 0.03;

impl Rendered {
    /// The lung mask, 0/1.
    pub fn mask(&self) -> Mask {
        self.labels.map(|&v| u8::from(v != 0))
    }

    /// The film quantised to 8 bits.
    pub fn to_u8(&self) -> GrayU8 {
        self.film.map(|&p| libm::round(f64::from(p) * 255.0) as u8)
    }

    /// The film quantised to 16 bits.
    pub fn to_u16(&self) -> GrayU16 {
        self.film
            .map(|&p| libm::round(f64::from(p) * 65535.0) as u16)
    }
}

/// A phantom radiograph (8-bit) and its exact lung mask (0/1).
#[derive(Clone, Debug)]
pub struct Phantom {
    /// The radiograph.
    pub image: GrayU8,
    /// The lung mask, 0/1.
    pub mask: Mask,
}

/// Makes an 8-bit `size × size` phantom from `seed`; `tb` adds findings.
///
/// ```
/// let p = lungfield::phantom::make(128, 7, false);
/// assert_eq!((p.image.width(), p.image.height()), (128, 128));
/// assert!(p.mask.count() > 128 * 128 / 10);
/// assert_eq!(p.image, lungfield::phantom::make(128, 7, false).image);
/// ```
pub fn make(size: usize, seed: u64, tb: bool) -> Phantom {
    let r = render(size, seed, tb);
    Phantom {
        image: r.to_u8(),
        mask: r.mask(),
    }
}

/// Renders a `size × size` phantom (at least 16 px) from `seed`; `tb` adds findings.
pub fn render(size: usize, seed: u64, tb: bool) -> Rendered {
    let n = size.max(16);
    let mut r = Rng::new(seed);
    let a = Anatomy::sample(&mut r);
    let mut c = Canvas::new(n);
    let nf = n as f64;
    // Trunk, neck and shoulders: an elliptic cylinder of soft tissue.
    for y in 0..n {
        let v = (y as f64 + 0.5) / nf;
        let hw = a.half_width(v);
        for x in 0..n {
            let u = (x as f64 + 0.5) / nf;
            let d = (u - a.mid) / hw;
            let mut t = if d.abs() < 1.0 {
                libm::sqrt(1.0 - d * d)
            } else {
                0.0
            };
            if a.arms && v > a.shoulders + 0.02 {
                let e = (u - a.mid).abs() - a.body - 0.05;
                if e.abs() < 0.045 {
                    t += 0.45 * libm::sqrt(1.0 - (e / 0.045).powi(2));
                }
            }
            c.rho.set(x, y, t as f32);
        }
    }
    // Lung fields and their air: deepest in the middle, fading over ~6 % of the image.
    let mut labels = Mask::new(n, n);
    for y in 0..n {
        let v = (y as f64 + 0.5) / nf;
        for x in 0..n {
            labels.set(x, y, a.lung_at((x as f64 + 0.5) / nf, v));
        }
    }
    let lungs = labels.map(|&v| u8::from(v != 0));
    let dist = crate::segment::distance::squared_distance(&lungs, false, true);
    let fade = 0.06 * nf;
    let air = dist.map(|&d2| {
        if d2 == 0 {
            0.0
        } else {
            (LUNG_AIR * libm::pow((libm::sqrt(f64::from(d2)) / fade).min(1.0), 0.6)) as f32
        }
    });
    for (p, &q) in c.rho.as_mut_slice().iter_mut().zip(air.as_slice()) {
        *p -= q;
    }
    // Mediastinum, trachea, aortic knob, heart.
    let top = a.lungs[0].top.min(a.lungs[1].top);
    let base = a.lungs[0].cp.max(a.lungs[1].cp);
    c.add(
        (a.mid, (top + base) / 2.0, 0.12, (base - top) / 2.0 + 0.05),
        None,
        |u, v| {
            let w = 0.05 + 0.04 * ((v - top) / (base - top)).clamp(0.0, 1.0);
            let d = (u - a.mid).abs() / w;
            if d < 1.0 {
                0.15 * (1.0 - d * d)
            } else {
                0.0
            }
        },
    );
    c.add(
        (a.mid, top / 2.0 + 0.17, 0.02, top / 2.0 + 0.17),
        None,
        |u, _| {
            let d = (u - a.mid).abs() / 0.012;
            if d < 1.0 {
                -0.25 * libm::sqrt(1.0 - d * d)
            } else {
                0.0
            }
        },
    );
    let knob = (a.mid + 0.055, top + 0.13);
    c.ellipsoid(knob, (0.035, 0.03), 0.0, 0.2, None);
    let (hx, hy, ha, hb, ht) = a.heart;
    c.ellipsoid((hx, hy), (ha, hb), ht, 0.38, None);
    // Spine with end plates, every vertebra.
    let period = (a.ribs[0][1] - a.ribs[0][0]).max(0.03);
    c.add((a.mid, 0.5, 0.035, 0.5), None, |u, v| {
        let d = (u - a.mid).abs() / 0.032;
        if d >= 1.0 {
            return 0.0;
        }
        let phase = ((v - a.ribs[0][0]) / period).rem_euclid(1.0);
        let plate = if phase < 0.12 { 0.12 } else { 0.0 };
        (0.3 + plate) * libm::sqrt(1.0 - d * d)
    });
    // Ribs: posterior arcs from the spine out and down, anterior arcs from the side in and
    // down; clavicles. Bone only inside the trunk.
    let trunk = Mask::from_vec(
        n,
        n,
        (0..n * n)
            .map(|i| {
                let (x, y) = (i % n, i / n);
                let (u, v) = ((x as f64 + 0.5) / nf, (y as f64 + 0.5) / nf);
                u8::from((u - a.mid).abs() < a.half_width(v) - 0.01)
            })
            .collect(),
    )
    .unwrap_or_else(|| Mask::new(n, n));
    // Ribs fade out below the diaphragm, where the abdomen covers them.
    let low = base + 0.04;
    let ribs = Mask::from_vec(
        n,
        n,
        (0..n * n)
            .map(|i| u8::from(trunk.as_slice()[i] != 0 && ((i / n) as f64 + 0.5) / nf < low))
            .collect(),
    )
    .unwrap_or_else(|| Mask::new(n, n));
    for (i, side) in [-1.0f64, 1.0].into_iter().enumerate() {
        let lat = a.lungs[i].reach + 0.03;
        for &y0 in &a.ribs[i] {
            let bend = a.rib_bend;
            let post = |u: f64| {
                let d = (u - a.mid).abs();
                y0 + 0.08 * d + bend * d * d
            };
            let (u0, u1) = if side < 0.0 {
                (a.mid - lat, a.mid - 0.03)
            } else {
                (a.mid + 0.03, a.mid + lat)
            };
            c.band((u0, u1), 0.022, 0.075, 0.8, Some(&ribs), post);
            let yl = post(a.mid + side * lat);
            let ant = |u: f64| {
                let d = (u - a.mid).abs();
                yl + 0.05 + 0.5 * (lat - d) - 0.4 * (lat - d).powi(2)
            };
            let (u0, u1) = if side < 0.0 {
                (a.mid - lat, a.mid - 0.1)
            } else {
                (a.mid + 0.1, a.mid + lat)
            };
            c.band((u0, u1), 0.016, 0.035, 0.5, Some(&ribs), ant);
        }
        let cl = |u: f64| {
            let s = ((u - a.mid).abs() - 0.05) / 0.25;
            top + 0.04 - 0.05 * s + 0.012 * libm::sin(std::f64::consts::TAU * s)
        };
        let (u0, u1) = if side < 0.0 {
            (a.mid - 0.31, a.mid - 0.05)
        } else {
            (a.mid + 0.05, a.mid + 0.31)
        };
        c.band((u0, u1), 0.026, 0.3, 0.5, Some(&trunk), cl);
    }
    if a.breasts {
        for (i, side) in [-1.0f64, 1.0].into_iter().enumerate() {
            let l = &a.lungs[i];
            let centre = (a.mid + side * l.reach * 0.62, l.cp - 0.05);
            c.ellipsoid(centre, (0.17, 0.11), side * 0.2, 0.3, None);
        }
    }
    if let Some((bx, by, ba, bb)) = a.bubble {
        let bubble = Mask::from_vec(n, n, lungs.as_slice().iter().map(|&v| 1 - v).collect())
            .unwrap_or_else(|| Mask::new(n, n));
        c.ellipsoid((bx, by), (ba, bb), 0.0, -0.45, Some(&bubble));
    }
    // Vessel markings: branching trees from the hila, inside the lungs.
    let mut rv = r.fork(1);
    for (i, &(hx, hy)) in a.hila.iter().enumerate() {
        let side = if i == 0 { -1.0 } else { 1.0 };
        for k in 0..rv.range(9, 12) {
            let spread = -1.3 + 2.6 * (k as f64 + rv.uniform(0.0, 1.0)) / 9.0;
            let angle = if side < 0.0 {
                std::f64::consts::PI - spread
            } else {
                spread
            };
            vessel(&mut c, &mut rv, (hx, hy), angle, 0.014, 0.07, 0, &lungs);
        }
    }
    let before = c.rho.clone();
    let (findings, severity) = if tb {
        let mut rf = r.fork(2);
        let s = libm::pow(rf.uniform(0.0, 1.0), 0.9);
        let mut m = lungs.clone();
        let f = findings::add_findings(&mut c, &mut m, &air, &a, &mut rf, s);
        for (l, &v) in labels.as_mut_slice().iter_mut().zip(m.as_slice()) {
            if v == 0 {
                *l = 0;
            }
        }
        (f, s)
    } else {
        (Vec::new(), 0.0)
    };
    let lesions = Mask::from_vec(
        n,
        n,
        c.rho
            .as_slice()
            .iter()
            .zip(before.as_slice())
            .map(|(a, b)| u8::from((a - b).abs() > LESION_DENSITY))
            .collect(),
    )
    .unwrap_or_else(|| Mask::new(n, n));
    let mut ra = r.fork(3);
    let film = acquisition::expose(&c.rho, &mut ra, top);
    Rendered {
        film,
        labels,
        findings,
        severity,
        lesions,
    }
}

/// One branch of a vessel tree: a jittered walk of tapering segments that sometimes forks.
#[allow(clippy::too_many_arguments)] // a recursive walk's state
fn vessel(
    c: &mut Canvas,
    r: &mut Rng,
    mut p: (f64, f64),
    mut angle: f64,
    mut w: f64,
    mut amp: f64,
    depth: usize,
    lungs: &Mask,
) {
    for _ in 0..r.range(5, 9) {
        let len = r.uniform(0.02, 0.035);
        angle += 0.3 * r.normal();
        let q = (p.0 + len * libm::cos(angle), p.1 + len * libm::sin(angle));
        c.segment(p, q, w, amp, Some(lungs));
        p = q;
        w *= 0.85;
        amp *= 0.88;
        if depth < 3 && r.chance(0.35) {
            let fork = angle + if r.chance(0.5) { 0.5 } else { -0.5 };
            vessel(c, r, p, fork, w * 0.8, amp * 0.85, depth + 1, lungs);
        }
    }
}
