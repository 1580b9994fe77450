//! The classifier a model holds: the random forest and, unless switched off, its linear
//! partner ([`super::linear`]); the probability of TB is a blend of the two, led by the
//! linear model ([`super::linear::WEIGHT`]).

use crate::error::Result;

use super::linear::{blend, Linear, LinearOptions};
use crate::forest::{Forest, ForestOptions};

/// A trained forest and linear model.
#[derive(Debug)]
pub struct Ensemble {
    /// The forest.
    pub forest: Forest,
    /// The linear model (`None`: the forest alone).
    pub linear: Option<Linear>,
}

impl Ensemble {
    /// Trains both on rows `x` and labels `y` (0/1); `linear: None` trains the forest alone.
    ///
    /// # Errors
    /// As [`Forest::train`] and [`Linear::train`].
    pub fn train(
        x: &[Vec<f64>],
        y: &[u8],
        forest: &ForestOptions,
        linear: Option<&LinearOptions>,
    ) -> Result<Ensemble> {
        Ok(Ensemble {
            forest: Forest::train(x, y, forest)?,
            linear: linear.map(|o| Linear::train(x, y, o)).transpose()?,
        })
    }

    /// Probability of TB for each row.
    ///
    /// # Errors
    /// As [`Forest::predict_proba`] and [`Linear::predict_proba`].
    pub fn predict_proba(&self, x: &[Vec<f64>]) -> Result<Vec<f64>> {
        predict(&self.forest, self.linear.as_ref(), x)
    }
}

/// Probability of TB for each row from a forest and, when given, a linear model.
///
/// # Errors
/// As [`Forest::predict_proba`] and [`Linear::predict_proba`].
pub fn predict(forest: &Forest, linear: Option<&Linear>, x: &[Vec<f64>]) -> Result<Vec<f64>> {
    let p = forest.predict_proba(x)?;
    match linear {
        Some(l) => Ok(blend(&p, &l.predict_proba(x)?, l.options.weight)),
        None => Ok(p),
    }
}
