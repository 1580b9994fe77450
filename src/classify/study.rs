//! A whole classifier study on a labelled dataset: cross-validation on the training and
//! validation parts of the 8:1:1 split, and the held-out test part scored by a classifier
//! trained on the rest.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::features::FeatureTable;
use crate::io::Split;

use super::cv::{cross_validate, score, CvOptions, CvResult, Scores};
use super::ensemble::Ensemble;

/// What a study produced.
#[derive(Debug)]
pub struct Study {
    /// Feature names.
    pub names: Vec<String>,
    /// Ids of the cross-validated images.
    pub ids: Vec<String>,
    /// Their labels.
    pub y: Vec<u8>,
    /// Cross-validation over them.
    pub cv: CvResult,
    /// The test part scored by a classifier trained on all the cross-validated images (`None`
    /// when the test part lacks a class).
    pub test: Option<Scores>,
    /// The settings.
    pub options: CvOptions,
}

/// Runs the study on the labelled rows of `table`; `split` gives each id's part.
///
/// # Errors
/// [`Error::InvalidOption`] when too few labelled images remain for the folds.
pub fn study(
    table: &FeatureTable,
    split: &HashMap<String, Split>,
    opts: &CvOptions,
) -> Result<Study> {
    let labelled: Vec<_> = table.rows.iter().filter(|r| r.label.is_some()).collect();
    if labelled.is_empty() {
        return Err(Error::InvalidOption(
            "no labelled images: names need a _0 (normal) or _1 (TB) suffix, or use --label-from"
                .into(),
        ));
    }
    let is_test = |id: &String| split.get(id) == Some(&Split::Test);
    let cv_rows: Vec<_> = labelled.iter().filter(|r| !is_test(&r.id)).collect();
    let test_rows: Vec<_> = labelled.iter().filter(|r| is_test(&r.id)).collect();
    let x: Vec<Vec<f64>> = cv_rows.iter().map(|r| r.values.clone()).collect();
    let y: Vec<u8> = cv_rows.iter().map(|r| r.label.unwrap_or(0)).collect();
    let cv = cross_validate(&x, &y, opts)?;
    let yt: Vec<u8> = test_rows.iter().map(|r| r.label.unwrap_or(0)).collect();
    let test = if yt.contains(&0) && yt.contains(&1) {
        let forest = Ensemble::train(&x, &y, &opts.forest, opts.linear.as_ref())?;
        let xt: Vec<Vec<f64>> = test_rows.iter().map(|r| r.values.clone()).collect();
        let p = forest.predict_proba(&xt)?;
        Some(score(&p, &yt, opts.threshold, opts.bootstrap, opts.seed)?)
    } else {
        None
    };
    Ok(Study {
        names: table.names.clone(),
        ids: cv_rows.iter().map(|r| r.id.clone()).collect(),
        y,
        cv,
        test,
        options: opts.clone(),
    })
}
