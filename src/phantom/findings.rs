//! TB-like findings at a given severity: upper-zone patchy consolidation, cavities, nodules
//! (miliary among them), fibrotic streaks and pleural effusion.

use super::anatomy::{Anatomy, Lung};
use super::draw::Canvas;
use crate::image::{GrayF32, Mask};
use crate::rng::Rng;

/// A kind of finding, as listed in the phantom set's `MANIFEST.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Patchy upper-zone consolidation.
    Consolidation,
    /// A thick-walled cavity.
    Cavity,
    /// Discrete nodules.
    Nodules,
    /// Miliary pattern: many tiny nodules over both lungs.
    Miliary,
    /// Fibrotic streaks from the hilum to the apex.
    Fibrosis,
    /// Pleural effusion blunting a costophrenic angle.
    Effusion,
}

impl Finding {
    /// The name used in `MANIFEST.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Finding::Consolidation => "consolidation",
            Finding::Cavity => "cavity",
            Finding::Nodules => "nodules",
            Finding::Miliary => "miliary",
            Finding::Fibrosis => "fibrosis",
            Finding::Effusion => "effusion",
        }
    }
}

/// A random point in the upper part (fraction `zone` of the height) of a lung field.
fn point_in(r: &mut Rng, a: &Anatomy, lung: &Lung, zone: (f64, f64)) -> (f64, f64) {
    for _ in 0..64 {
        let v = lung.top + (lung.cp - lung.top) * r.uniform(zone.0, zone.1);
        let (med, lat) = lung.edges(v);
        let d = r.uniform(med, lat);
        let u = a.mid + lung.shear * (v - 0.5) + lung.side * d;
        if lung.contains(u, v, a.mid) {
            return (u, v);
        }
    }
    a.hila[usize::from(lung.side > 0.0)]
}

/// Adds findings of severity `s` (0..1) to the density plane; `lungs` is the lung mask, from
/// which an effusion removes what it hides, and `air` the density the lungs' air took away
/// (fluid puts it back). Returns what was drawn.
pub(crate) fn add_findings(
    c: &mut Canvas,
    lungs: &mut Mask,
    air: &GrayF32,
    a: &Anatomy,
    r: &mut Rng,
    s: f64,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let strength = 0.5 + 1.0 * s;
    let pick = |r: &mut Rng| usize::from(r.chance(0.5));
    // Consolidation: always present, from a faint patch to confluent upper zones.
    let patches = 1 + (s * 4.0).round() as usize;
    for _ in 0..patches {
        let lung = &a.lungs[pick(r)];
        let (cx, cy) = point_in(r, a, lung, (0.05, 0.45));
        let size = r.uniform(0.025, 0.05) * (0.7 + 0.6 * s);
        for _ in 0..r.range(4, 9) {
            let (dx, dy) = (r.normal() * size, r.normal() * size * 0.7);
            let amp = r.uniform(0.1, 0.22) * strength;
            c.blob(
                cx + dx,
                cy + dy,
                size * r.uniform(0.3, 0.7),
                amp,
                Some(lungs),
            );
        }
    }
    found.push(Finding::Consolidation);
    if r.chance(0.2 + 0.5 * s) {
        for _ in 0..r.range(1, 2) {
            let lung = &a.lungs[pick(r)];
            let (cx, cy) = point_in(r, a, lung, (0.05, 0.4));
            let rad = r.uniform(0.015, 0.03);
            let wall = rad * r.uniform(0.25, 0.4);
            let amp = r.uniform(0.25, 0.4) * strength;
            c.add((cx, cy, rad + wall, rad + wall), Some(lungs), |u, v| {
                let d = libm::sqrt((u - cx).powi(2) + (v - cy).powi(2));
                let k = ((d - rad).abs() / wall).min(1.0);
                let inner = if d < rad - wall {
                    -0.12 * strength
                } else {
                    0.0
                };
                amp * (1.0 - k * k) + inner
            });
        }
        found.push(Finding::Cavity);
    }
    if r.chance(0.3 + 0.4 * s) {
        for _ in 0..r.range(1, 2 + (4.0 * s) as usize) {
            let lung = &a.lungs[pick(r)];
            let (cx, cy) = point_in(r, a, lung, (0.05, 0.7));
            let rad = r.uniform(0.005, 0.013);
            c.blob(cx, cy, rad, r.uniform(0.2, 0.35) * strength, Some(lungs));
        }
        found.push(Finding::Nodules);
    }
    if r.chance(0.12 + 0.1 * s) {
        for _ in 0..r.range(150, 400) {
            let lung = &a.lungs[pick(r)];
            let (cx, cy) = point_in(r, a, lung, (0.02, 0.98));
            c.blob(
                cx,
                cy,
                r.uniform(0.0015, 0.003),
                r.uniform(0.1, 0.2) * strength,
                Some(lungs),
            );
        }
        found.push(Finding::Miliary);
    }
    if r.chance(0.25 + 0.35 * s) {
        for _ in 0..r.range(2, 5) {
            let i = pick(r);
            let lung = &a.lungs[i];
            let (hx, hy) = a.hila[i];
            let (ex, ey) = point_in(r, a, lung, (0.02, 0.25));
            let mut p = (hx, hy);
            for k in 1..=6 {
                let t = k as f64 / 6.0;
                let q = (
                    hx + (ex - hx) * t + 0.01 * r.normal(),
                    hy + (ey - hy) * t + 0.01 * r.normal(),
                );
                c.segment(p, q, 0.004, 0.12 * strength, Some(lungs));
                p = q;
            }
        }
        found.push(Finding::Fibrosis);
    }
    if r.chance(0.15 + 0.25 * s) {
        let lung = a.lungs[pick(r)].clone();
        let h = r.uniform(0.03, 0.09) * (0.6 + 0.6 * s);
        // Fluid fills the costophrenic recess up to a meniscus that rises laterally.
        let n = c.n;
        for y in 0..n {
            let v = (y as f64 + 0.5) / n as f64;
            if v < lung.cp - lung.dome - h {
                continue;
            }
            for x in 0..n {
                let u = (x as f64 + 0.5) / n as f64;
                if !lung.contains(u, v, a.mid) {
                    continue;
                }
                let d = lung.side * (u - a.mid - lung.shear * (v - 0.5));
                let (med, lat) = lung.edges(lung.cp);
                let q = ((lat - d) / (lat - med).max(1e-6)).clamp(0.0, 1.0);
                let surface = lung.diaphragm(d) - h * (1.0 - 0.7 * q);
                if v > surface {
                    let depth = ((v - surface) / 0.01).min(1.0);
                    let p = c.rho.get(x, y);
                    let fill = (f64::from(air.get(x, y)) + 0.08) * depth;
                    c.rho.set(x, y, p + fill as f32);
                    if depth > 0.5 {
                        lungs.set(x, y, 0);
                    }
                }
            }
        }
        found.push(Finding::Effusion);
    }
    found
}
