//! Scores people can act on: the forest's probability calibrated to a 0–100 score (Platt
//! scaling fitted on out-of-fold predictions), and operating points (thresholds chosen for a
//! sensitivity, a specificity or Youden's J on labelled predictions), with bootstrap
//! intervals of the sensitivity and specificity at a threshold.

use crate::metrics::{confusion, percentile};
use crate::rng::Rng;

/// A logistic map from the forest's probability `p` to a calibrated probability
/// `1 / (1 + exp(-(a·p + b)))` (Platt scaling).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Platt {
    /// Slope.
    pub a: f64,
    /// Intercept.
    pub b: f64,
}

impl Default for Platt {
    /// The identity-like map of a model without calibration: the score is `100 · p`.
    fn default() -> Self {
        Platt { a: 0.0, b: 0.0 }
    }
}

impl Platt {
    /// Fits the map to probabilities `p` and labels `y` by Newton's method on the
    /// log-likelihood, with Platt's smoothed targets so it stays finite when the classes
    /// separate. `None` without both classes.
    ///
    /// ```
    /// use lungfield::classify::calibration::Platt;
    /// let p = [0.1, 0.2, 0.3, 0.6, 0.7, 0.9, 0.4, 0.5];
    /// let y = [0, 0, 0, 1, 1, 1, 0, 1];
    /// let c = Platt::fit(&p, &y).unwrap();
    /// assert!(c.a > 0.0);
    /// assert!(c.probability(0.9) > c.probability(0.1));
    /// ```
    pub fn fit(p: &[f64], y: &[u8]) -> Option<Platt> {
        let pos = y.iter().filter(|&&v| v == 1).count() as f64;
        let neg = y.len() as f64 - pos;
        if pos == 0.0 || neg == 0.0 {
            return None;
        }
        let (tp, tn) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
        let (mut a, mut b) = (1.0, 0.0);
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
            for (&x, &l) in p.iter().zip(y) {
                let t = if l == 1 { tp } else { tn };
                let q = 1.0 / (1.0 + (-(a * x + b)).exp());
                let w = q * (1.0 - q);
                ga += (q - t) * x;
                gb += q - t;
                haa += w * x * x;
                hab += w * x;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-12 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if da.abs() + db.abs() < 1e-10 {
                break;
            }
        }
        (a.is_finite() && b.is_finite()).then_some(Platt { a, b })
    }

    /// The calibrated probability of a forest probability (`p` itself for the default map).
    pub fn probability(&self, p: f64) -> f64 {
        if *self == Platt::default() {
            return p;
        }
        1.0 / (1.0 + (-(self.a * p + self.b)).exp())
    }

    /// The score 0–100: the calibrated probability × 100.
    pub fn score(&self, p: f64) -> f64 {
        100.0 * self.probability(p)
    }
}

/// A decision threshold and what it achieved on the predictions it was chosen on.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OperatingPoint {
    /// Name, e.g. `sensitivity_0.90`, `youden`, `local_specificity_0.70`.
    pub name: String,
    /// The forest probability at or above which an image is called TB.
    pub threshold: f64,
    /// Sensitivity on the predictions it was chosen on.
    pub sensitivity: f64,
    /// Specificity on the predictions it was chosen on.
    pub specificity: f64,
}

/// What an operating point is chosen for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// The highest threshold whose sensitivity is at least this.
    Sensitivity(f64),
    /// The lowest threshold whose specificity is at least this.
    Specificity(f64),
    /// The threshold maximising sensitivity + specificity − 1.
    Youden,
}

impl Target {
    /// The operating point's name.
    pub fn name(self) -> String {
        match self {
            Target::Sensitivity(s) => format!("sensitivity_{s:.2}"),
            Target::Specificity(s) => format!("specificity_{s:.2}"),
            Target::Youden => "youden".into(),
        }
    }
}

/// The candidate thresholds: midpoints between consecutive distinct probabilities, and the
/// ends (so "call everything TB" and "call nothing TB" are candidates too).
fn candidates(p: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = p.to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    let mut c = vec![0.0];
    c.extend(v.windows(2).map(|w| (w[0] + w[1]) / 2.0));
    c.push(1.0 + f64::EPSILON);
    c
}

/// Chooses the operating point for `target` on probabilities `p` and labels `y`. `None`
/// without both classes.
///
/// ```
/// use lungfield::classify::calibration::{choose, Target};
/// let p = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9];
/// let y = [0, 0, 1, 0, 1, 0, 1, 1];
/// let op = choose(&p, &y, Target::Sensitivity(0.75)).unwrap();
/// assert!(op.sensitivity >= 0.75);
/// assert_eq!(op.threshold, 0.5); // 3 of 4 TB at or above it, the highest such threshold
/// ```
pub fn choose(p: &[f64], y: &[u8], target: Target) -> Option<OperatingPoint> {
    if !(y.contains(&0) && y.contains(&1)) {
        return None;
    }
    let rated: Vec<(f64, f64, f64)> = candidates(p)
        .into_iter()
        .map(|t| {
            let c = confusion(p, y, t);
            (t, c.sensitivity(), c.specificity())
        })
        .collect();
    let best = match target {
        // Candidates rise in threshold, so sensitivity falls: the last one still meeting it.
        Target::Sensitivity(s) => rated.iter().rev().find(|r| r.1 >= s - 1e-12),
        Target::Specificity(s) => rated.iter().find(|r| r.2 >= s - 1e-12),
        Target::Youden => rated
            .iter()
            .max_by(|a, b| (a.1 + a.2).total_cmp(&(b.1 + b.2))),
    }?;
    Some(OperatingPoint {
        name: target.name(),
        threshold: best.0,
        sensitivity: best.1,
        specificity: best.2,
    })
}

/// Sensitivity and specificity at `threshold` with 95 % stratified bootstrap intervals:
/// `[(sensitivity, low, high), (specificity, low, high)]`.
pub fn rates_ci(
    p: &[f64],
    y: &[u8],
    threshold: f64,
    resamples: usize,
    seed: u64,
) -> [(f64, f64, f64); 2] {
    let c = confusion(p, y, threshold);
    let pos: Vec<bool> = (0..y.len())
        .filter(|&i| y[i] == 1)
        .map(|i| p[i] >= threshold)
        .collect();
    let neg: Vec<bool> = (0..y.len())
        .filter(|&i| y[i] == 0)
        .map(|i| p[i] < threshold)
        .collect();
    let mut r = Rng::new(seed);
    let mut ci = |hits: &[bool], point: f64| {
        if hits.is_empty() || resamples == 0 {
            return (point, point, point);
        }
        let mut v: Vec<f64> = (0..resamples)
            .map(|_| {
                let k = (0..hits.len())
                    .filter(|_| hits[(r.next_u64() % hits.len() as u64) as usize])
                    .count();
                k as f64 / hits.len() as f64
            })
            .collect();
        (
            point,
            percentile(&mut v.clone(), 2.5),
            percentile(&mut v, 97.5),
        )
    };
    [ci(&pos, c.sensitivity()), ci(&neg, c.specificity())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operating_points_meet_their_targets() {
        let mut r = Rng::new(3);
        let y: Vec<u8> = (0..200).map(|i| u8::from(i % 3 == 0)).collect();
        let p: Vec<f64> = y
            .iter()
            .map(|&l| (0.35 + 0.3 * f64::from(l) + 0.25 * r.normal()).clamp(0.0, 1.0))
            .collect();
        for s in [0.8, 0.9, 0.95] {
            let op = choose(&p, &y, Target::Sensitivity(s)).unwrap();
            assert!(op.sensitivity >= s, "{op:?}");
            // The highest such threshold: a little higher loses sensitivity.
            let above = candidates(&p)
                .into_iter()
                .find(|&t| t > op.threshold)
                .unwrap();
            assert!(confusion(&p, &y, above).sensitivity() < s);
            let sp = choose(&p, &y, Target::Specificity(s)).unwrap();
            assert!(sp.specificity >= s, "{sp:?}");
        }
        let j = choose(&p, &y, Target::Youden).unwrap();
        let s90 = choose(&p, &y, Target::Sensitivity(0.9)).unwrap();
        assert!(j.sensitivity + j.specificity >= s90.sensitivity + s90.specificity);
    }

    #[test]
    fn platt_is_monotone_and_calibrated_on_its_own_data() {
        let mut r = Rng::new(5);
        let y: Vec<u8> = (0..400).map(|i| u8::from(i % 4 == 0)).collect();
        let p: Vec<f64> = y
            .iter()
            .map(|&l| (0.4 + 0.2 * f64::from(l) + 0.15 * r.normal()).clamp(0.0, 1.0))
            .collect();
        let c = Platt::fit(&p, &y).unwrap();
        assert!(c.probability(0.7) > c.probability(0.5));
        // The mean calibrated probability matches the prevalence (a logistic fit's property).
        let mean = p.iter().map(|&x| c.probability(x)).sum::<f64>() / p.len() as f64;
        assert!((mean - 0.25).abs() < 0.01, "{mean}");
        assert_eq!(Platt::default().score(0.37), 37.0);
        assert!(Platt::fit(&p, &vec![0; p.len()]).is_none());
    }

    #[test]
    fn rate_intervals_bracket_the_rates() {
        let p = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.45, 0.55];
        let y = [0, 0, 1, 0, 1, 0, 1, 1, 0, 1];
        let [(se, slo, shi), (sp, plo, phi)] = rates_ci(&p, &y, 0.5, 500, 1);
        assert_eq!(se, 0.8);
        assert_eq!(sp, 0.8);
        assert!(slo <= se && se <= shi && plo <= sp && sp <= phi && slo < shi);
    }
}
