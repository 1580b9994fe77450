//! A random patient: body, lung fields, heart and mediastinum, bones, all in normalised
//! coordinates (`u` across, `v` down, both 0..1 over the image).

use crate::rng::Rng;

/// One lung field. `side` is −1 for the image's left (the patient's right lung) and +1 for
/// the image's right; distances `d` are measured from the body midline towards the side.
#[derive(Clone, Debug)]
pub(crate) struct Lung {
    pub side: f64,
    /// Apex row.
    pub top: f64,
    /// Row of the costophrenic angle (the lowest, lateral point).
    pub cp: f64,
    /// Medial edge's distance from the midline at the apex and at the base.
    pub med: (f64, f64),
    /// Greatest lateral reach from the midline.
    pub reach: f64,
    /// How much the lateral edge draws in towards the base.
    pub taper: f64,
    /// Height of the diaphragm dome above the costophrenic angle.
    pub dome: f64,
    /// Where the dome peaks, as a fraction of the base width from the lateral side.
    pub dome_at: f64,
    /// Shear of the whole field (a rotated patient), in `u` per unit `v`.
    pub shear: f64,
}

impl Lung {
    fn t(&self, v: f64) -> f64 {
        ((v - self.top) / (self.cp - self.top)).clamp(0.0, 1.0)
    }

    /// Medial and lateral distance from the midline at row `v`.
    pub fn edges(&self, v: f64) -> (f64, f64) {
        let t = self.t(v);
        let med = self.med.0 + (self.med.1 - self.med.0) * t;
        // A rounded apex (a quarter super-ellipse up to 45 % of the height), then a slow taper.
        let s = (t / 0.45).min(1.0);
        let round = libm::pow(1.0 - libm::pow(1.0 - s, 2.2), 1.0 / 2.2);
        let taper = 1.0 - self.taper * ((t - 0.45).max(0.0) / 0.55).powi(2);
        let lat = med + (self.reach * taper - med) * round;
        (med, lat)
    }

    /// The diaphragm's row at distance `d` from the midline.
    pub fn diaphragm(&self, d: f64) -> f64 {
        let (med, lat) = self.edges(self.cp);
        let q = ((lat - d) / (lat - med).max(1e-6)).clamp(0.0, 1.0);
        let rise = 1.0 - (1.0 - (q / self.dome_at).min(1.0)).powi(2);
        // Past the peak the dome falls a little towards the mediastinum.
        let fall = ((q - self.dome_at).max(0.0) / (1.0 - self.dome_at).max(1e-6)) * 0.25;
        self.cp - self.dome * (rise - fall)
    }

    /// Inside the lung field at `(u, v)`, for a body midline at `mid`.
    pub fn contains(&self, u: f64, v: f64, mid: f64) -> bool {
        if v < self.top || v > self.cp {
            return false;
        }
        let d = self.side * (u - mid - self.shear * (v - 0.5));
        let (med, lat) = self.edges(v);
        d >= med && d <= lat && v <= self.diaphragm(d)
    }
}

/// The whole patient.
#[derive(Clone, Debug)]
pub(crate) struct Anatomy {
    /// Body midline.
    pub mid: f64,
    /// Half-width of the trunk.
    pub body: f64,
    /// Row where the shoulders reach full width.
    pub shoulders: f64,
    /// Visible arms beside the trunk.
    pub arms: bool,
    /// `lungs[0]` on the image's left (patient's right), `lungs[1]` on the image's right.
    pub lungs: [Lung; 2],
    /// Heart: centre, half-axes, tilt.
    pub heart: (f64, f64, f64, f64, f64),
    /// Posterior rib rows at the spine, per side.
    pub ribs: [Vec<f64>; 2],
    /// Rib arc curvature.
    pub rib_bend: f64,
    /// Breast shadows.
    pub breasts: bool,
    /// Stomach gas bubble under the left diaphragm.
    pub bubble: Option<(f64, f64, f64, f64)>,
    /// Hilum of each lung.
    pub hila: [(f64, f64); 2],
}

impl Anatomy {
    /// Samples a patient.
    pub fn sample(r: &mut Rng) -> Anatomy {
        let mid = 0.5 + 0.015 * r.normal();
        let body = r.uniform(0.38, 0.46);
        let scale = r.uniform(0.88, 1.08);
        let top = r.uniform(0.1, 0.17);
        let cp_r = (top + scale * r.uniform(0.5, 0.6)).min(0.86);
        let shear = r.uniform(-0.03, 0.03);
        let lung = |r: &mut Rng, side: f64, cp: f64| Lung {
            side,
            top: top + r.uniform(-0.015, 0.015),
            cp,
            med: (r.uniform(0.03, 0.05), r.uniform(0.05, 0.09)),
            reach: (body - r.uniform(0.03, 0.06)) * r.uniform(0.92, 1.0),
            taper: r.uniform(0.0, 0.12),
            dome: r.uniform(0.06, 0.12) * scale,
            dome_at: r.uniform(0.35, 0.6),
            shear,
        };
        let right = lung(r, -1.0, cp_r);
        let cp_l = (cp_r + r.uniform(0.0, 0.04)).min(0.88);
        let mut left = lung(r, 1.0, cp_l);
        // The heart pushes the left lung's lower medial edge out.
        left.med.1 += r.uniform(0.02, 0.06);
        let heart_v = left.cp - r.uniform(0.12, 0.17);
        let heart = (
            mid + r.uniform(0.03, 0.07),
            heart_v,
            r.uniform(0.14, 0.19),
            r.uniform(0.1, 0.13),
            r.uniform(-0.5, -0.2),
        );
        let spacing = r.uniform(0.05, 0.06) * scale;
        let first = top - r.uniform(0.02, 0.04);
        let ribs = [-1.0, 1.0].map(|_| {
            let jitter = r.uniform(-0.01, 0.01);
            (0..10)
                .map(|k| first + jitter + k as f64 * spacing)
                .collect()
        });
        let bubble = r.chance(0.6).then(|| {
            (
                mid + r.uniform(0.1, 0.2),
                left.cp + r.uniform(0.0, 0.04),
                r.uniform(0.03, 0.06),
                r.uniform(0.02, 0.035),
            )
        });
        let hila = [-1.0f64, 1.0].map(|s| {
            (
                mid + s * r.uniform(0.07, 0.1),
                top + scale * r.uniform(0.24, 0.3),
            )
        });
        Anatomy {
            mid,
            body,
            shoulders: top + r.uniform(0.0, 0.04),
            arms: r.chance(0.5),
            lungs: [right, left],
            heart,
            ribs,
            rib_bend: r.uniform(1.2, 1.8),
            breasts: r.chance(0.4),
            bubble,
            hila,
        }
    }

    /// Half-width of the body at row `v` (neck, shoulders, trunk).
    pub fn half_width(&self, v: f64) -> f64 {
        let neck = 0.09;
        let s = ((v - (self.shoulders - 0.1)) / 0.1).clamp(0.0, 1.0);
        let s = s * s * (3.0 - 2.0 * s);
        neck + (self.body - neck) * s
    }

    /// Which lung holds `(u, v)`: 1 the patient's right (image left), 2 the left, 0 none.
    pub fn lung_at(&self, u: f64, v: f64) -> u8 {
        if self.lungs[0].contains(u, v, self.mid) {
            1
        } else if self.lungs[1].contains(u, v, self.mid) {
            2
        } else {
            0
        }
    }
}
