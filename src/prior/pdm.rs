//! A point distribution model of the two lungs (the shape half of an active shape model):
//! each lung as its centroid and its extent along [`RAYS`] fixed directions from it, both
//! lungs in one vector, and the training vectors' mean and main modes of variation (PCA).
//!
//! The outlines themselves (rays, extents, rasterisation) are in [`super::outline`].
//!
//! Fitted to a mask with gross errors (a robust, regularised least-squares fit of the model's
//! boundary points to the mask's), it gives the most plausible pair of lungs that agrees with
//! the mask where the mask is right; [`ShapeModel::repair`] then keeps the mask's own
//! boundary where it lies within a tolerance of the model's and takes the model's where it
//! strays further: the lower half of a lung lost under dense soft tissue, a leak into the
//! abdomen or out of the body. What it fills into a lung stops a little below the other
//! lung's base when that base was seen. A fit that keeps under half of every found lung has
//! settled on another pose, and repairs nothing.
//!
//! Coordinates are fractions of the image's square [`Frame`] (its longer side), so a model
//! fitted at one resolution applies at any other, and at any aspect ratio without
//! stretching the lungs.

use super::outline::{
    extent, fill_polygon, lung_stats, ray, Frame, Stats, PER_LUNG, RAYS, SHAPE_DIM,
};
use crate::image::{Labels, Mask};
use crate::segment::Side;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linalg::traits::evd::EVDDecomposable;

/// Modes of variation kept (fewer when there are fewer training shapes).
const MODES: usize = 20;
/// Iterations of the robust fit.
const ITERATIONS: usize = 10;
/// Expected disagreement of a correct mask's boundary with the model's, as a fraction of the
/// image (about 2.5 pixels at the 256-pixel reference): weighs the data against the model.
const NOISE: f64 = 0.01;
/// Standard deviation of the pose's shift (fraction of the image) and of its scale (relative)
/// about the training shapes' mean.
const SD_SHIFT: f64 = 0.05;
const SD_SCALE: f64 = 0.1;
/// Largest coefficient of a mode, in standard deviations.
const MAX_SD: f64 = 3.0;
/// Smallest robust scale of the residuals (about 2 pixels at the 256-pixel reference).
const MIN_SCALE: f64 = 2.0 / 256.0;
/// Largest residual a ray counts with when fits from different starts are compared (about
/// 10 pixels at the 256-pixel reference; Tukey's cut-off at the smallest scale): beyond it
/// a boundary is an outlier, whichever fit it belongs to.
const TRUNCATE: f64 = 10.0 / 256.0;

/// Each found lung's pixel bounds (`x0, y0, x1, y1`, inclusive), right then left; `None`
/// for a lung not found.
type FoundBounds = [Option<(usize, usize, usize, usize)>; 2];

/// The model: mean shape vector and modes of variation, each scaled by its standard
/// deviation (a coefficient of 1 is one standard deviation).
#[derive(Clone, Debug)]
pub struct ShapeModel {
    mean: Vec<f64>,
    modes: Vec<Vec<f64>>,
}

/// A fitted pair of lungs: one shape vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted(pub Vec<f64>);

impl Fitted {
    /// The outline of lung `side` in pixels of a `w × h` image, each landmark moved `grow`
    /// (fraction units, negative inwards) along its ray.
    fn polygon(&self, side: Side, grow: f64, w: usize, h: usize) -> [(f64, f64); RAYS] {
        let i = side.index();
        let v = &self.0[i * PER_LUNG..(i + 1) * PER_LUNG];
        let frame = Frame::of(w, h);
        std::array::from_fn(|k| {
            let (cx, cy) = ray(k);
            let r = (v[2 + k] + grow).max(0.0);
            frame.to_px((v[0] + r * cx, v[1] + r * cy))
        })
    }

    /// The model's mask at `w × h`: pixels whose centre lies inside a lung's outline (1
    /// right, 2 left; the right lung where both claim one).
    pub fn mask(&self, w: usize, h: usize) -> Labels {
        let mut m = Mask::new(w, h);
        for side in [Side::Left, Side::Right] {
            fill_polygon(&self.polygon(side, 0.0, w, h), w, h, |y, x0, x1| {
                m.row_mut(y)[x0..x1].fill(side.label());
            });
        }
        m
    }
}

impl ShapeModel {
    /// The model of the shape vectors `shapes` (at least 3, each [`SHAPE_DIM`] long);
    /// `None` with fewer or on a numerical failure.
    pub fn fit(shapes: &[&[f32]]) -> Option<ShapeModel> {
        let n = shapes.len();
        if n < 3 || shapes.iter().any(|s| s.len() != SHAPE_DIM) {
            return None;
        }
        let mut mean = vec![0f64; SHAPE_DIM];
        for s in shapes {
            for (m, &v) in mean.iter_mut().zip(s.iter()) {
                *m += f64::from(v);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        // Covariance, column-major (it is symmetric).
        let mut cov = vec![0f64; SHAPE_DIM * SHAPE_DIM];
        for s in shapes {
            let d: Vec<f64> = s
                .iter()
                .zip(&mean)
                .map(|(&v, m)| f64::from(v) - m)
                .collect();
            for i in 0..SHAPE_DIM {
                for j in 0..SHAPE_DIM {
                    cov[i * SHAPE_DIM + j] += d[i] * d[j];
                }
            }
        }
        cov.iter_mut().for_each(|c| *c /= (n - 1) as f64);
        let evd = DenseMatrix::new(SHAPE_DIM, SHAPE_DIM, cov, true)
            .ok()?
            .evd(true)
            .ok()?;
        let mut order: Vec<usize> = (0..SHAPE_DIM).collect();
        order.sort_by(|&a, &b| evd.d[b].total_cmp(&evd.d[a]).then(a.cmp(&b)));
        let top = evd.d[order[0]].max(0.0);
        let modes = order
            .iter()
            .take(MODES.min(n - 1))
            .filter(|&&i| evd.d[i] > top * 1e-9 && evd.d[i] > 0.0)
            .map(|&i| {
                let sd = evd.d[i].sqrt();
                // A deterministic sign: the largest component positive.
                let col: Vec<f64> = (0..SHAPE_DIM).map(|r| *evd.V.get((r, i))).collect();
                let big = col
                    .iter()
                    .copied()
                    .fold(0f64, |a, v| if v.abs() > a.abs() { v } else { a });
                let sign = if big < 0.0 { -1.0 } else { 1.0 };
                col.iter().map(|v| v * sd * sign).collect()
            })
            .collect();
        Some(ShapeModel { mean, modes })
    }

    /// Number of modes of variation.
    pub fn modes(&self) -> usize {
        self.modes.len()
    }

    /// The mean shape.
    pub fn mean(&self) -> Fitted {
        Fitted(self.mean.clone())
    }

    /// The basis of the fit: the modes, then translation in x and y and a scale about the
    /// midpoint of the mean centroids.
    fn basis(&self) -> Vec<Vec<f64>> {
        let mut b = self.modes.clone();
        let mut tx = vec![0f64; SHAPE_DIM];
        let mut ty = vec![0f64; SHAPE_DIM];
        for side in 0..2 {
            tx[side * PER_LUNG] = 1.0;
            ty[side * PER_LUNG + 1] = 1.0;
        }
        let mid = (
            (self.mean[0] + self.mean[PER_LUNG]) / 2.0,
            (self.mean[1] + self.mean[PER_LUNG + 1]) / 2.0,
        );
        let mut scale = self.mean.clone();
        for side in 0..2 {
            scale[side * PER_LUNG] -= mid.0;
            scale[side * PER_LUNG + 1] -= mid.1;
        }
        b.extend([tx, ty, scale]);
        b
    }

    /// The model fitted to the lungs of `labels` (1 right, 2 left): iteratively reweighted,
    /// regularised least squares on the boundary points along each ray, with Tukey's
    /// biweight so that boundaries far from any plausible shape stop counting. `None` when
    /// neither lung is present.
    pub fn fit_to(&self, labels: &Labels) -> Option<Fitted> {
        self.fit_with(labels, &lung_stats(labels))
    }

    /// [`ShapeModel::fit_to`] with the lungs' [`Stats`] already measured: the robust fit
    /// from each of [`ShapeModel::starts`], and, when one found lung has under half the
    /// other's area, the fit to the larger alone (from its own start); the one with the
    /// least [`ShapeModel::misfit`] on both found lungs kept (the first on a tie). One start can settle on a wrong pose, the
    /// whole pair shifted by a lung's width, when the found lungs are broken or lopsided;
    /// the starts from each lung alone and from the model's own place do not all fall into
    /// it. And a found lung that is no lung at all (a blob in the shoulder where an
    /// opacified hemithorax left nothing to find) drags every fit to both towards a
    /// compromise that fits neither: the fit to the other lung alone, judged on both, is
    /// the better one then.
    fn fit_with(&self, labels: &Labels, stats: &[Option<Stats>; 2]) -> Option<Fitted> {
        let found = stats.map(|s| s.map(|s| s.bounds));
        if found.iter().all(Option::is_none) {
            return None;
        }
        let basis = self.basis();
        let mut fits: Vec<((f64, f64), [bool; 2])> = self
            .starts(stats)
            .into_iter()
            .map(|start| (start, [true; 2]))
            .collect();
        if let [Some(r), Some(l)] = stats {
            let (side, big, small) = if l.area > r.area {
                (1, l.area, r.area)
            } else {
                (0, r.area, l.area)
            };
            if small * 2 < big {
                let mut one = [None, None];
                one[side] = stats[side];
                let start = self.starts(&one)[0];
                let mut uses = [false; 2];
                uses[side] = true;
                fits.push((start, uses));
            }
        }
        fits.into_iter()
            .filter_map(|(start, uses)| self.fit_from(labels, &found, &basis, start, uses))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(fit, _)| Fitted(fit))
    }

    /// Where the robust fit starts, as shifts of the mean shape: onto the found lungs'
    /// centroids (their mean offset from the model's), onto each found lung's alone, and
    /// the mean shape where it is; duplicates left out.
    fn starts(&self, stats: &[Option<Stats>; 2]) -> Vec<(f64, f64)> {
        let offsets: Vec<(f64, f64)> = stats
            .iter()
            .enumerate()
            .filter_map(|(side, st)| {
                let st = st.as_ref()?;
                Some((
                    st.centroid.0 - self.mean[side * PER_LUNG],
                    st.centroid.1 - self.mean[side * PER_LUNG + 1],
                ))
            })
            .collect();
        let n = offsets.len() as f64;
        let both = offsets
            .iter()
            .fold((0.0, 0.0), |a, o| (a.0 + o.0 / n, a.1 + o.1 / n));
        let mut starts = vec![both];
        for s in offsets.into_iter().chain([(0.0, 0.0)]) {
            if !starts.contains(&s) {
                starts.push(s);
            }
        }
        starts
    }

    /// The found boundary (`found`: [`FoundBounds`]) along each ray from the centroids of
    /// the shape vector `v`; `None` where a ray meets none.
    fn targets(labels: &Labels, found: &FoundBounds, v: &[f64]) -> Vec<Option<f64>> {
        let mut targets = vec![None; 2 * RAYS];
        for side in Side::BOTH {
            let i = side.index();
            let Some(b) = found[i] else {
                continue;
            };
            let o = i * PER_LUNG;
            let c = (v[o], v[o + 1]);
            for k in 0..RAYS {
                targets[i * RAYS + k] = extent(labels, side.label(), b, c, ray(k));
            }
        }
        targets
    }

    /// Each ray's residual: its found boundary (`targets`, from [`ShapeModel::targets`])
    /// less the shape vector `v`'s extent along it; `None` where the ray meets no found pixel.
    fn residuals(targets: &[Option<f64>], v: &[f64]) -> Vec<Option<f64>> {
        targets
            .iter()
            .enumerate()
            .map(|(i, t)| t.map(|t| t - v[(i / RAYS) * PER_LUNG + 2 + i % RAYS]))
            .collect()
    }

    /// The robust fit's own measure of how badly the shape vector `v` (coefficients
    /// `theta`) fits the found lungs: each ray of a found lung costs its squared residual,
    /// at most [`TRUNCATE`]² (also when it meets no found pixel), plus the prior's cost of
    /// the coefficients, in the fit's units.
    fn misfit(&self, labels: &Labels, found: &FoundBounds, v: &[f64], theta: &[f64]) -> f64 {
        let resid = Self::residuals(&Self::targets(labels, found, v), v);
        let data: f64 = (0..2 * RAYS)
            .filter(|i| found[i / RAYS].is_some())
            .map(|i| resid[i].map_or(TRUNCATE * TRUNCATE, |r| r.powi(2).min(TRUNCATE * TRUNCATE)))
            .sum();
        let prior: f64 = theta
            .iter()
            .enumerate()
            .map(|(p, t)| (t * NOISE / self.prior_sd(p)).powi(2))
            .sum();
        data + prior
    }

    /// The prior's standard deviation of coefficient `p`: 1 for a mode (they are scaled by
    /// theirs), [`SD_SHIFT`] for the two shifts, [`SD_SCALE`] for the scale.
    fn prior_sd(&self, p: usize) -> f64 {
        let nm = self.modes.len();
        if p < nm {
            1.0
        } else if p < nm + 2 {
            SD_SHIFT
        } else {
            SD_SCALE
        }
    }

    /// The robust fit from the mean shape shifted by `start` to the found lungs `uses`
    /// (right, left): the shape vector and its [`ShapeModel::misfit`] on every found lung;
    /// `None` on a numerical failure.
    fn fit_from(
        &self,
        labels: &Labels,
        found: &FoundBounds,
        basis: &[Vec<f64>],
        start: (f64, f64),
        uses: [bool; 2],
    ) -> Option<(Vec<f64>, f64)> {
        let nb = basis.len();
        let nm = self.modes.len();
        let mut theta = vec![0f64; nb];
        theta[nm] = start.0;
        theta[nm + 1] = start.1;
        let mut v = self.vector(basis, &theta);
        let (mut jx, mut jy) = (vec![0f64; nb], vec![0f64; nb]);
        for it in 0..ITERATIONS {
            let targets = Self::targets(labels, found, &v);
            let resid = Self::residuals(&targets, &v);
            // Plain least squares first, then robust weights of the residuals to the last fit.
            let w = if it == 0 {
                resid
                    .iter()
                    .map(|r| f64::from(u8::from(r.is_some())))
                    .collect()
            } else {
                tukey(&resid)
            };
            // Normal equations: sum over points of w · J_pᵀ J_p (x and y) plus the prior.
            let mut a = vec![0f64; nb * nb];
            let mut rhs = vec![0f64; nb];
            for i in 0..2 * RAYS {
                let (Some(t), wi) = (targets[i], w[i]) else {
                    continue;
                };
                let side = i / RAYS;
                if wi <= 0.0 || !uses[side] {
                    continue;
                }
                let k = i % RAYS;
                let (o, (cx, cy)) = (side * PER_LUNG, ray(k));
                // The target point, cast from the current centroid.
                let tp = (v[o] + t * cx, v[o + 1] + t * cy);
                let base = (
                    self.mean[o] + self.mean[o + 2 + k] * cx,
                    self.mean[o + 1] + self.mean[o + 2 + k] * cy,
                );
                for (p, b) in basis.iter().enumerate() {
                    jx[p] = b[o] + b[o + 2 + k] * cx;
                    jy[p] = b[o + 1] + b[o + 2 + k] * cy;
                }
                for p in 0..nb {
                    rhs[p] += wi * (jx[p] * (tp.0 - base.0) + jy[p] * (tp.1 - base.1));
                    for q in 0..nb {
                        a[p * nb + q] += wi * (jx[p] * jx[q] + jy[p] * jy[q]);
                    }
                }
            }
            for p in 0..nb {
                // One standard deviation of a mode (or of the pose) costs as much as one
                // point off by NOISE.
                a[p * nb + p] += (NOISE / self.prior_sd(p)).powi(2);
            }
            theta = solve(&mut a, rhs, nb)?;
            for t in theta.iter_mut().take(nm) {
                *t = t.clamp(-MAX_SD, MAX_SD);
            }
            v = self.vector(basis, &theta);
        }
        let cost = self.misfit(labels, found, &v, &theta);
        Some((v, cost))
    }

    fn vector(&self, basis: &[Vec<f64>], theta: &[f64]) -> Vec<f64> {
        let mut v = self.mean.clone();
        for (b, &t) in basis.iter().zip(theta) {
            for (o, &x) in v.iter_mut().zip(b) {
                *o += t * x;
            }
        }
        v
    }

    /// Repairs the lungs `labels` (1 right, 2 left) with the model fitted to them: a pixel of
    /// a found lung stays when it lies less than `keep` (fraction of the image, along the ray
    /// from the model lung's centroid) outside the model's boundary; a pixel more than `fill`
    /// inside the model's boundary joins that lung (any pixel inside it, for a lung not found
    /// at all), down to 0.15 of the other lung's height below the other lung's base when
    /// that lung was found over at least 0.8 of its height. Unchanged when the fit fails,
    /// or keeps under half of every found lung.
    pub fn repair(&self, labels: &Labels, keep: f64, fill: f64) -> Labels {
        let stats = lung_stats(labels);
        let Some(fit) = self.fit_with(labels, &stats) else {
            return labels.clone();
        };
        let (w, h) = (labels.width(), labels.height());
        // Bits: 1 and 2 less than `keep` outside the right and left lung, 4 and 8 more than
        // `fill` inside.
        let mut zone = Mask::new(w, h);
        for (side, st) in stats.iter().enumerate() {
            let inner = if st.is_some() { fill } else { 0.0 };
            for (grow, bit) in [(keep, 1u8 << side), (-inner, 4u8 << side)] {
                fill_polygon(
                    &fit.polygon(Side::BOTH[side], grow, w, h),
                    w,
                    h,
                    |y, x0, x1| {
                        zone.row_mut(y)[x0..x1].iter_mut().for_each(|z| *z |= bit);
                    },
                );
            }
        }
        // A fit that keeps under half of every found lung has not found these lungs (the
        // robust fit can settle on another pose): it repairs nothing. (One stray lung, a
        // blob in the wrong place, is what the repair is for.)
        let (mut all, mut kept) = ([0usize; 2], [0usize; 2]);
        for (&f, &z) in labels.as_slice().iter().zip(zone.as_slice()) {
            if f == 1 || f == 2 {
                let side = usize::from(f - 1);
                all[side] += 1;
                kept[side] += usize::from(z & (1 << side) != 0);
            }
        }
        if (0..2).all(|side| stats[side].is_none() || kept[side] * 2 < all[side]) {
            return labels.clone();
        }
        let mut out = Mask::new(w, h);
        for ((o, &f), &z) in out
            .as_mut_slice()
            .iter_mut()
            .zip(labels.as_slice())
            .zip(zone.as_slice())
        {
            *o = if (f == 1 || f == 2) && z & f != 0 {
                f
            } else if z & 4 != 0 {
                1
            } else if z & 8 != 0 {
                2
            } else {
                0
            };
        }
        cap_fills(&mut out, labels);
        out
    }
}

/// How far below the other lung's base a lung may be filled from the model, as a share of
/// the other lung's height ([`cap_fills`]): 0.15, the 98th percentile of how far one expert
/// lung's base lies below the other's on jsrt-dev's SCR masks (0.146 for the left lung, 0.117
/// for the right; Montgomery's experts 0.133 and 0.147).
const BASE_MARGIN: f64 = 0.15;

/// The share of its own height a lung must have been found over, from the image, for its
/// base to be taken as the diaphragm's level ([`cap_fills`]).
const CREDIBLE_BASE: f64 = 0.8;

/// Takes back what the repair filled into a lung (pixels of `out` that lung did not have in
/// `found`) more than [`BASE_MARGIN`] of the other lung's height below the other lung's base,
/// when that base was seen: the other lung was found from the image over at least
/// [`CREDIBLE_BASE`] of its height. The shape model, trained on deep-inspiration films,
/// extrapolates a lower zone hidden under breast or abdominal soft tissue well below the
/// diaphragm; the lung beside it shows where the diaphragm is. (When both lungs were
/// found over their upper parts only, as in bilateral disease, neither base is known, and
/// nothing is taken back.)
fn cap_fills(out: &mut Labels, found: &Labels) {
    let w = out.width();
    // Rows (top, bottom) of each lung's kept found pixels, and of the whole repaired lung.
    let mut kept_px = out.clone();
    for (k, &f) in kept_px.as_mut_slice().iter_mut().zip(found.as_slice()) {
        if *k != f {
            *k = 0;
        }
    }
    let rows = |m: &Labels| lung_stats(m).map(|s| s.map(|s| (s.bounds.1, s.bounds.3)));
    let (kept, whole) = (rows(&kept_px), rows(out));
    let mut caps = [usize::MAX; 2];
    for (side, cap) in caps.iter_mut().enumerate() {
        let other = 1 - side;
        let (Some((top, bottom)), Some((wtop, wbottom))) = (kept[other], whole[other]) else {
            continue;
        };
        let height = (bottom - top + 1) as f64;
        if height < CREDIBLE_BASE * (wbottom - wtop + 1) as f64 {
            continue;
        }
        *cap = bottom + (BASE_MARGIN * height).round() as usize;
    }
    for (y, (o, f)) in out
        .as_mut_slice()
        .chunks_exact_mut(w)
        .zip(found.as_slice().chunks_exact(w))
        .enumerate()
    {
        for (o, &f) in o.iter_mut().zip(f) {
            if (*o == 1 || *o == 2) && *o != f && y > caps[usize::from(*o - 1)] {
                *o = 0;
            }
        }
    }
}

/// Tukey's biweight of each residual, the scale from their median absolute value (floored at
/// [`MIN_SCALE`]); 0 for a missing residual.
fn tukey(resid: &[Option<f64>]) -> Vec<f64> {
    let mut abs: Vec<f64> = resid.iter().flatten().map(|r| r.abs()).collect();
    if abs.is_empty() {
        return vec![0.0; resid.len()];
    }
    abs.sort_by(f64::total_cmp);
    let scale = (1.4826 * abs[abs.len() / 2]).max(MIN_SCALE);
    let c = 4.685 * scale;
    resid
        .iter()
        .map(|r| match r {
            Some(r) if r.abs() < c => {
                let u = r / c;
                (1.0 - u * u) * (1.0 - u * u)
            }
            _ => 0.0,
        })
        .collect()
}

/// Solves the symmetric positive definite system `a x = b` (`n × n`, row-major) by
/// Cholesky factorisation; `None` when it is not positive definite.
fn solve(a: &mut [f64], mut b: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::super::outline::radial;
    use super::*;

    /// Two elliptical lungs, semi-axes scaled by `k`, shifted by `dx`.
    fn lungs(w: usize, k: f64, dx: f64) -> Mask {
        let mut m = Mask::new(w, w);
        let s = w as f64;
        for y in 0..w {
            for x in 0..w {
                let (fx, fy) = (x as f64 + 0.5, y as f64 + 0.5);
                for (cx, label, ky) in [(0.3, 1u8, 1.0), (0.7, 2u8, 0.9)] {
                    let u = (fx - (cx * s + dx)) / (0.12 * s * k);
                    let v = (fy - 0.5 * s) / (0.3 * s * k * ky);
                    if u * u + v * v <= 1.0 {
                        m.set(x, y, label);
                    }
                }
            }
        }
        m
    }

    /// The shape vector of the two lungs of `m`.
    fn vector(m: &Mask) -> Vec<f32> {
        let mut v = radial(m, 1).unwrap().to_vec();
        v.extend(radial(m, 2).unwrap());
        v
    }

    fn model() -> ShapeModel {
        let shapes: Vec<Vec<f32>> = (0..10)
            .map(|i| {
                vector(&lungs(
                    128,
                    0.85 + 0.03 * i as f64,
                    (i % 3) as f64 * 2.0 - 2.0,
                ))
            })
            .collect();
        let refs: Vec<&[f32]> = shapes.iter().map(Vec::as_slice).collect();
        ShapeModel::fit(&refs).unwrap()
    }

    fn dice(a: &Mask, b: &Mask) -> f64 {
        let (mut i, mut s) = (0usize, 0usize);
        for (&x, &y) in a.as_slice().iter().zip(b.as_slice()) {
            i += usize::from(x != 0 && x == y);
            s += usize::from(x != 0) + usize::from(y != 0);
        }
        2.0 * i as f64 / s.max(1) as f64
    }

    #[test]
    fn the_model_reproduces_its_training_shapes() {
        let m = model();
        assert!(m.modes() >= 2 && m.modes() <= 9, "{}", m.modes());
        let truth = lungs(128, 1.0, 0.0);
        let fit = m.fit_to(&truth).unwrap();
        assert!(dice(&fit.mask(128, 128), &truth) > 0.97);
        // A clean mask is left as it is.
        assert_eq!(m.repair(&truth, 4.0 / 128.0, 2.0 / 128.0), truth);
    }

    #[test]
    fn a_lost_lower_half_and_a_leak_are_repaired() {
        let m = model();
        let truth = lungs(128, 1.0, 0.0);
        let mut broken = truth.clone();
        for y in 0..128 {
            for x in 0..128 {
                // The right lung's lower half lost; a leak from the left lung down and out.
                if y > 70 && x < 64 {
                    broken.set(x, y, 0);
                }
                if y > 90 && (80..96).contains(&x) {
                    broken.set(x, y, 2);
                }
            }
        }
        let before = dice(&broken, &truth);
        let after = dice(&m.repair(&broken, 8.0 / 128.0, 2.0 / 128.0), &truth);
        assert!(before < 0.85 && after > 0.95, "{before} -> {after}");
    }

    #[test]
    fn a_missing_lung_comes_from_the_other_and_nothing_stays_nothing() {
        let m = model();
        let truth = lungs(128, 1.0, 0.0);
        let one = truth.map(|&v| if v == 2 { 0 } else { v });
        let fixed = m.repair(&one, 8.0 / 128.0, 2.0 / 128.0);
        let left = |x: &Mask| x.map(|&v| u8::from(v == 2));
        let d = dice(&left(&fixed), &left(&truth));
        assert!(d > 0.9, "{d}");
        assert_eq!(m.fit_to(&Mask::new(64, 64)), None);
        assert_eq!(m.repair(&Mask::new(64, 64), 0.02, 0.01).count(), 0);
    }

    #[test]
    fn the_model_mask_matches_a_fitted_shape_and_fitting_is_deterministic() {
        let m = model();
        let truth = lungs(96, 0.95, 1.0);
        let a = m.fit_to(&truth).unwrap();
        assert_eq!(Some(&a), m.fit_to(&truth).as_ref());
        let mask = a.mask(96, 96);
        assert!(dice(&mask, &truth) > 0.95);
        // Sides as in the image: right lung (1) on the left.
        assert_eq!(mask.get(29, 48), 1);
        assert_eq!(mask.get(67, 48), 2);
        assert_eq!(m.mean().0.len(), SHAPE_DIM);
    }

    #[test]
    fn identical_training_shapes_give_a_pose_only_model_that_still_repairs() {
        let m = lungs(96, 1.0, 0.0);
        let v = vector(&m);
        let model = ShapeModel::fit(&[&v, &v, &v]).unwrap();
        assert_eq!(model.modes(), 0);
        let one = m.map(|&x| if x == 1 { 1 } else { 0 });
        let fixed = model.repair(&one, 6.0 / 96.0, 1.0 / 96.0);
        assert!(dice(&fixed, &m) > 0.95);
        assert!(ShapeModel::fit(&[&v, &v]).is_none());
        assert!(ShapeModel::fit(&[&v, &v, &v[..10]]).is_none());
    }

    /// A right lung found whole and, for the left, a round blob low in the middle (the
    /// heart and a dense base taken for lung): the fit from the mean of the two centroids
    /// settles with the pair dragged across (Dice of its right lung 0.56); the one from the
    /// right lung alone does not, fits the found lungs better, and is the one kept.
    #[test]
    fn a_stray_blob_does_not_drag_the_fit_off_the_lung_it_found() {
        let m = model();
        let truth = lungs(128, 1.0, 0.0);
        let right = |x: &Mask| x.map(|&v| u8::from(v == 1));
        let mut found = right(&truth);
        for y in 0..128 {
            for x in 0..128 {
                let (dx, dy) = (x as f64 + 0.5 - 64.0, y as f64 + 0.5 - 100.0);
                if dx.hypot(dy) <= 24.0 && found.get(x, y) == 0 {
                    found.set(x, y, 2);
                }
            }
        }
        let stats = lung_stats(&found);
        let starts = m.starts(&stats);
        assert_eq!(starts.len(), 4);
        let bounds = stats.map(|s| s.map(|s| s.bounds));
        let first = m
            .fit_from(&found, &bounds, &m.basis(), starts[0], [true; 2])
            .unwrap();
        let d1 = dice(&right(&Fitted(first.0).mask(128, 128)), &right(&truth));
        let d = dice(
            &right(&m.fit_to(&found).unwrap().mask(128, 128)),
            &right(&truth),
        );
        assert!(d1 < 0.8 && d > 0.95, "one start {d1}, all {d}");
        // One lung found: its own start and the mean shape.
        assert_eq!(m.starts(&lung_stats(&right(&truth))).len(), 2);
    }

    /// A pair the model cannot fit at all (a pose-only model; the lungs one above the other,
    /// not side by side) is left as found: a fit that keeps under half of every found lung
    /// has found other lungs, and its shape would replace these.
    #[test]
    fn a_pair_the_fit_cannot_reach_is_left_as_found() {
        let m = lungs(96, 1.0, 0.0);
        let v = vector(&m);
        let model = ShapeModel::fit(&[&v, &v, &v]).unwrap();
        let mut odd = Mask::new(96, 96);
        for y in 0..96 {
            for x in 0..96 {
                let (fx, fy) = (x as f64 + 0.5, y as f64 + 0.5);
                for (cy, label) in [(20.0, 1u8), (76.0, 2u8)] {
                    let (u, v) = ((fx - 48.0) / 40.0, (fy - cy) / 10.0);
                    if u * u + v * v <= 1.0 {
                        odd.set(x, y, label);
                    }
                }
            }
        }
        assert_eq!(model.repair(&odd, 6.0 / 96.0, 1.0 / 96.0), odd);
    }

    /// The built-in model's mean pair with its right lung found whole and, for the left,
    /// only a large blob in the upper outer corner (the shoulder, where an opacified left
    /// hemithorax left nothing else to find; CHNCXR_0502_1 of the Shenzhen sample): every fit
    /// to both lungs, whatever its start, settles on a compromise that places the left lung
    /// in neither (Dice under 0.6); the fit to the right lung alone, judged on both, fits
    /// them better, is kept, and places the left lung where it is.
    #[test]
    fn a_much_smaller_lung_in_the_wrong_place_does_not_drag_the_fit() {
        let prior = crate::prior::ShapePrior::builtin().unwrap();
        let m = prior.shape_model().unwrap();
        let n = 256;
        let truth = m.mean().mask(n, n);
        let side = |x: &Mask, l: u8| x.map(|&v| u8::from(v == l));
        for (cx, cy, r) in [(235.0, 60.0, 35.0), (240.0, 50.0, 40.0)] {
            let mut found = side(&truth, 1);
            for y in 0..n {
                for x in 0..n {
                    let (dx, dy) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
                    if dx.hypot(dy) <= r {
                        found.set(x, y, 2);
                    }
                }
            }
            let stats = lung_stats(&found);
            let bounds = stats.map(|s| s.map(|s| s.bounds));
            let basis = m.basis();
            let both = m
                .starts(&stats)
                .into_iter()
                .filter_map(|s| m.fit_from(&found, &bounds, &basis, s, [true; 2]))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            let (old, new) = (
                Fitted(both.0).mask(n, n),
                m.fit_to(&found).unwrap().mask(n, n),
            );
            let d = |x: &Mask, l: u8| dice(&side(x, l), &side(&truth, l));
            assert!(d(&old, 2) < 0.6, "fit to both: left {}", d(&old, 2));
            assert!(
                d(&new, 1) > 0.99 && d(&new, 2) > 0.98,
                "{} {}",
                d(&new, 1),
                d(&new, 2)
            );
            let repaired = m.repair(&found, 6.0 / 256.0, 1.0 / 256.0);
            assert!(d(&repaired, 2) > 0.9, "repaired left {}", d(&repaired, 2));
            assert_eq!(repaired.get(cx as usize + 10, cy as usize - 20), 0);
        }
    }

    /// A rectangle: its label, its columns `x0..x1` and its rows `y0..y1`.
    type Rect = (u8, (usize, usize), (usize, usize));

    /// Labels of rectangles on a 100 × 100 image, later ones on top.
    fn rects(r: &[Rect]) -> Labels {
        let mut m = Mask::new(100, 100);
        for &(label, (x0, x1), (y0, y1)) in r {
            for y in y0..y1 {
                for x in x0..x1 {
                    m.set(x, y, label);
                }
            }
        }
        m
    }

    /// The right lung found over rows 10–69, the left over rows 10–49 and filled from the
    /// model down to row 94: the fill is taken back below row 78 (the right base, 69, plus
    /// 0.15 of its 60 rows); found pixels stay wherever they are.
    #[test]
    fn a_fill_below_the_other_lungs_base_is_taken_back() {
        let found = rects(&[
            (1, (10, 40), (10, 70)),
            (2, (60, 90), (10, 50)),
            (2, (62, 64), (88, 90)),
        ]);
        let mut out = rects(&[(1, (10, 40), (10, 70)), (2, (60, 90), (10, 95))]);
        cap_fills(&mut out, &found);
        assert_eq!(out.get(75, 78), 2);
        assert_eq!(out.get(75, 79), 0);
        assert_eq!(out.get(75, 94), 0);
        assert_eq!(out.get(62, 88), 2, "a found pixel stays");
        assert_eq!(out.get(20, 69), 1);
        // Without the found lower rows of the right lung, its base is row 49: 0.15 of its
        // 40 rows below it, the left fill stops at row 55.
        let found = rects(&[(1, (10, 40), (10, 50)), (2, (60, 90), (10, 50))]);
        let mut out = rects(&[(1, (10, 40), (10, 50)), (2, (60, 90), (10, 95))]);
        cap_fills(&mut out, &found);
        assert_eq!((out.get(75, 55), out.get(75, 56)), (2, 0));
    }

    /// Both lungs found over their upper parts only and filled below (bilateral disease):
    /// neither base is known, and both fills stay.
    #[test]
    fn fills_stay_when_neither_base_was_seen() {
        let found = rects(&[(1, (10, 40), (10, 40)), (2, (60, 90), (10, 45))]);
        let out = rects(&[(1, (10, 40), (10, 90)), (2, (60, 90), (10, 95))]);
        let mut capped = out.clone();
        cap_fills(&mut capped, &found);
        assert_eq!(capped, out);
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let x = solve(&mut a, vec![2.0, 5.0], 2).unwrap();
        assert!(
            (x[0] + 0.5).abs() < 1e-12 && (x[1] - 2.0).abs() < 1e-12,
            "{x:?}"
        );
        assert_eq!(solve(&mut [1.0, 2.0, 2.0, 1.0], vec![1.0, 1.0], 2), None);
    }
}
