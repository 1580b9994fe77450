//! The forest's linear partner: a ridge-penalised logistic regression (smartcore, L-BFGS) on
//! features standardised with the training set's mean and standard deviation.
//!
//! Why it is there: a tree splits at absolute feature values, and those move with each
//! site's scanner, exposure and resolution history, so a forest learnt on two sites puts its
//! thresholds on the wrong side of a third site's values. A heavily penalised linear score
//! spreads its weight over hundreds of correlated features and only ever asks "more or less
//! of this", which survives a shift of the whole site. Measured leave-one-site-out on the
//! three TB sets (docs/SCREENING.md), a blend of the two probabilities beats the forest
//! alone on every held-out site and in-site. The blend leans on the linear model
//! ([`WEIGHT`]): with the shape-index histograms it alone transfers better than the forest
//! alone on every held-out site and is as good in-site, while the forest keeps the
//! interactions that the phantoms need.

use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use crate::error::{Error, Result};

/// Standardised values are clipped to ± this many standard deviations, so one feature gone
/// wild at a new site (a scanner artefact, a lung found from shape) cannot carry the score.
pub const CLIP: f64 = 10.0;

/// The linear model's share of the blended probability (the forest has the rest): 0.8,
/// chosen leave-one-site-out on the three TB sets (docs/SCREENING.md: held out Montgomery
/// 0.862 → 0.890 and Shenzhen 0.767 → 0.803 against an even blend, India unchanged, in-site
/// unchanged).
pub const WEIGHT: f64 = 0.8;

/// The share model files before format 6 blended with: an even mean.
fn even_weight() -> f64 {
    0.5
}

/// Settings of the linear model.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinearOptions {
    /// The L2 penalty on the weights (smartcore's `alpha`: the loss is the summed log-loss
    /// plus `penalty / 2 · |w|²`; scikit-learn's `C` is its inverse). Default: 100, strong,
    /// chosen leave-one-site-out (docs/SCREENING.md).
    pub penalty: f64,
    /// The linear model's share of the blended probability, 0–1 ([`blend`]). Default
    /// [`WEIGHT`]; 0.5 in model files before format 6, which have no such field.
    #[serde(default = "even_weight")]
    pub weight: f64,
}

impl Default for LinearOptions {
    fn default() -> Self {
        LinearOptions {
            penalty: 100.0,
            weight: WEIGHT,
        }
    }
}

/// A trained linear model.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Linear {
    /// Settings it was trained with.
    pub options: LinearOptions,
    /// Mean of each feature over the training set.
    pub mean: Vec<f64>,
    /// Standard deviation of each feature over the training set (1 where it is 0).
    pub scale: Vec<f64>,
    /// Weight of each standardised feature.
    pub weights: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
}

/// Column means and standard deviations, ignoring values that are not finite.
fn moments(x: &[Vec<f64>], n_features: usize) -> (Vec<f64>, Vec<f64>) {
    let mut mean = vec![0.0; n_features];
    let mut scale = vec![1.0; n_features];
    for j in 0..n_features {
        let col = || x.iter().map(|r| r[j]).filter(|v| v.is_finite());
        let n = col().count();
        if n == 0 {
            continue;
        }
        let m = col().sum::<f64>() / n as f64;
        let var = col().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64;
        mean[j] = m;
        if var.sqrt() > 1e-12 && var.is_finite() {
            scale[j] = var.sqrt();
        }
    }
    (mean, scale)
}

impl Linear {
    /// The standardised, clipped row (a value that is not finite becomes the mean).
    fn standardise(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(self.mean.iter().zip(&self.scale))
            .map(|(&v, (&m, &s))| {
                if v.is_finite() {
                    ((v - m) / s).clamp(-CLIP, CLIP)
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Trains on rows `x` and labels `y` (0/1).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for no rows, ragged rows, one class only, a penalty that is
    /// not positive, a weight outside 0–1, or a failure inside smartcore.
    pub fn train(x: &[Vec<f64>], y: &[u8], opts: &LinearOptions) -> Result<Linear> {
        let n_features = x.first().map_or(0, Vec::len);
        if x.is_empty() || x.len() != y.len() || x.iter().any(|r| r.len() != n_features) {
            return Err(Error::InvalidOption(format!(
                "linear model: cannot train on {} rows with {} labels",
                x.len(),
                y.len()
            )));
        }
        if !(y.contains(&0) && y.contains(&1)) {
            return Err(Error::InvalidOption(
                "linear model: training needs both classes".into(),
            ));
        }
        if !(opts.penalty.is_finite() && opts.penalty > 0.0) {
            return Err(Error::InvalidOption(format!(
                "linear model: the penalty must be positive (is {})",
                opts.penalty
            )));
        }
        if !(0.0..=1.0).contains(&opts.weight) {
            return Err(Error::InvalidOption(format!(
                "linear model: the weight must be between 0 and 1 (is {})",
                opts.weight
            )));
        }
        let (mean, scale) = moments(x, n_features);
        let mut lin = Linear {
            options: *opts,
            mean,
            scale,
            weights: Vec::new(),
            intercept: 0.0,
        };
        let z: Vec<Vec<f64>> = x.iter().map(|r| lin.standardise(r)).collect();
        let m = DenseMatrix::from_2d_vec(&z)
            .map_err(|e| Error::InvalidOption(format!("feature matrix: {e}")))?;
        let labels: Vec<i32> = y.iter().map(|&v| i32::from(v)).collect();
        let params = LogisticRegressionParameters::default().with_alpha(opts.penalty);
        let fit = LogisticRegression::fit(&m, &labels, params)
            .map_err(|e| Error::InvalidOption(format!("linear model: {e}")))?;
        use smartcore::linalg::basic::arrays::Array;
        lin.weights = (0..n_features)
            .map(|j| *fit.coefficients().get((0, j)))
            .collect();
        lin.intercept = *fit.intercept().get((0, 0));
        // smartcore orders the classes as sorted; class 1 (TB) is the positive one.
        if fit.classes().first() == Some(&1) {
            lin.weights.iter_mut().for_each(|w| *w = -*w);
            lin.intercept = -lin.intercept;
        }
        lin.check(n_features).map_err(Error::InvalidOption)?;
        Ok(lin)
    }

    /// Probability of TB for each row.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when a row has the wrong number of features.
    pub fn predict_proba(&self, x: &[Vec<f64>]) -> Result<Vec<f64>> {
        x.iter()
            .map(|row| {
                if row.len() != self.weights.len() {
                    return Err(Error::InvalidOption(format!(
                        "linear model: {} features given, {} expected",
                        row.len(),
                        self.weights.len()
                    )));
                }
                let z = self.standardise(row);
                let t =
                    self.intercept + z.iter().zip(&self.weights).map(|(a, b)| a * b).sum::<f64>();
                Ok(1.0 / (1.0 + (-t).exp()))
            })
            .collect()
    }

    /// Checks a model read from a file: every vector as long as the features, every number
    /// finite, every scale positive.
    ///
    /// # Errors
    /// What is wrong, in words.
    pub fn check(&self, n_features: usize) -> std::result::Result<(), String> {
        if [self.mean.len(), self.scale.len(), self.weights.len()] != [n_features; 3] {
            return Err(format!(
                "linear model of {} features for {n_features}",
                self.weights.len()
            ));
        }
        let finite = self
            .mean
            .iter()
            .chain(&self.weights)
            .chain(std::iter::once(&self.intercept))
            .all(|v| v.is_finite());
        if !finite || !self.scale.iter().all(|s| s.is_finite() && *s > 0.0) {
            return Err("linear model with a value that is not finite".into());
        }
        Ok(())
    }
}

/// The blend of the two models' probabilities: `weight` of the linear model's, the rest of
/// the forest's.
pub fn blend(forest: &[f64], linear: &[f64], weight: f64) -> Vec<f64> {
    forest
        .iter()
        .zip(linear)
        .map(|(f, l)| (1.0 - weight) * f + weight * l)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<Vec<f64>>, Vec<u8>) {
        // Feature 0 carries the label (with overlap), feature 1 is constant, feature 2 is noise.
        let x: Vec<Vec<f64>> = (0..60)
            .map(|i| {
                let t = f64::from(u8::from(i % 2 == 1));
                vec![t * 2.0 + (i % 7) as f64 * 0.4, 5.0, ((i * 37) % 11) as f64]
            })
            .collect();
        let y = (0..60).map(|i| u8::from(i % 2 == 1)).collect();
        (x, y)
    }

    fn with_penalty(penalty: f64) -> LinearOptions {
        LinearOptions {
            penalty,
            ..Default::default()
        }
    }

    #[test]
    fn ranks_the_informative_feature_the_right_way() {
        let (x, y) = toy();
        let m = Linear::train(&x, &y, &with_penalty(1.0)).unwrap();
        assert!(m.weights[0] > 0.0, "{:?}", m.weights);
        assert_eq!(m.scale[1], 1.0, "a constant feature keeps scale 1");
        let p = m.predict_proba(&x).unwrap();
        let auc = crate::metrics::auc(&p, &y).unwrap();
        assert!(auc > 0.8, "training AUC {auc}");
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn a_stronger_penalty_shrinks_the_weights() {
        let (x, y) = toy();
        let weak = Linear::train(&x, &y, &with_penalty(0.1)).unwrap();
        let strong = Linear::train(&x, &y, &with_penalty(100.0)).unwrap();
        assert!(strong.weights[0].abs() < weak.weights[0].abs());
    }

    #[test]
    fn the_blend_gives_the_linear_model_its_share() {
        let b = blend(&[0.2, 1.0], &[0.6, 0.0], 0.75);
        assert!(
            (b[0] - 0.5).abs() < 1e-12 && (b[1] - 0.25).abs() < 1e-12,
            "{b:?}"
        );
        assert_eq!(blend(&[0.3], &[0.9], 0.0), vec![0.3]);
    }

    #[test]
    fn refuses_what_it_cannot_fit_and_survives_bad_values() {
        let (x, y) = toy();
        assert!(Linear::train(&x, &[0; 60], &LinearOptions::default()).is_err());
        assert!(Linear::train(&x, &y, &with_penalty(0.0)).is_err());
        let heavy = LinearOptions {
            weight: 1.5,
            ..Default::default()
        };
        assert!(Linear::train(&x, &y, &heavy).is_err());
        assert!(Linear::train(&[], &[], &LinearOptions::default()).is_err());
        let m = Linear::train(&x, &y, &LinearOptions::default()).unwrap();
        assert!(m.predict_proba(&[vec![1.0]]).is_err());
        let p = m
            .predict_proba(&[vec![f64::NAN, f64::INFINITY, 1e300]])
            .unwrap();
        assert!(p[0].is_finite());
        let mut broken = m.clone();
        broken.scale[0] = 0.0;
        assert!(broken.check(3).is_err());
        assert!(m.check(4).is_err());
    }

    #[test]
    fn training_is_deterministic() {
        let (x, y) = toy();
        let a = Linear::train(&x, &y, &LinearOptions::default()).unwrap();
        let b = Linear::train(&x, &y, &LinearOptions::default()).unwrap();
        assert_eq!(a, b);
    }
}
