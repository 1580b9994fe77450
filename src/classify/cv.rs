//! Evaluation a reviewer expects: stratified k-fold cross-validation (repeatable, seeded),
//! out-of-fold probabilities, AUC with a bootstrap confidence interval, accuracy,
//! sensitivity and specificity at the model's threshold, the ROC curve, the confusion matrix
//! and permutation importance of every feature.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::metrics::{auc, auc_ci, confusion, roc_points, Confusion};
use crate::rng::Rng;

use super::ensemble::Ensemble;
use super::linear::{blend, Linear, LinearOptions};
use crate::forest::{Forest, ForestOptions};

/// Cross-validation settings.
#[derive(Clone, Debug)]
pub struct CvOptions {
    /// Folds. Default: 10.
    pub folds: usize,
    /// Repeats with different fold assignments (probabilities are averaged). Default: 1.
    pub repeats: usize,
    /// Seed of the folds, the forests and the bootstrap. Default: 1.
    pub seed: u64,
    /// The forest.
    pub forest: ForestOptions,
    /// The forest's linear partner (`None`: the forest alone). Default: on.
    pub linear: Option<LinearOptions>,
    /// Bootstrap resamples for the AUC interval. Default: 2000.
    pub bootstrap: usize,
    /// Decision threshold. Default: 0.5.
    pub threshold: f64,
    /// Compute permutation importance (one extra prediction per feature and fold).
    pub importance: bool,
}

impl Default for CvOptions {
    fn default() -> Self {
        CvOptions {
            folds: 10,
            repeats: 1,
            seed: 1,
            forest: ForestOptions::default(),
            linear: Some(LinearOptions::default()),
            bootstrap: 2000,
            threshold: 0.5,
            importance: true,
        }
    }
}

/// Scores of probabilities against labels.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Scores {
    /// Images.
    pub n: usize,
    /// AUC.
    pub auc: f64,
    /// 95 % bootstrap interval of the AUC.
    pub auc_ci_low: f64,
    /// 95 % bootstrap interval of the AUC.
    pub auc_ci_high: f64,
    /// Accuracy at the threshold.
    pub accuracy: f64,
    /// Sensitivity at the threshold.
    pub sensitivity: f64,
    /// Specificity at the threshold.
    pub specificity: f64,
    /// Confusion counts at the threshold.
    pub confusion: Confusion,
}

/// Scores probabilities `p` against labels `y`.
///
/// # Errors
/// [`Error::InvalidOption`] unless both classes are present.
pub fn score(p: &[f64], y: &[u8], threshold: f64, bootstrap: usize, seed: u64) -> Result<Scores> {
    let a = auc(p, y).ok_or_else(|| {
        Error::InvalidOption("scoring needs both classes among the images".into())
    })?;
    let (lo, hi) = auc_ci(p, y, bootstrap, seed).unwrap_or((a, a));
    let c = confusion(p, y, threshold);
    Ok(Scores {
        n: p.len(),
        auc: a,
        auc_ci_low: lo,
        auc_ci_high: hi,
        accuracy: c.accuracy(),
        sensitivity: c.sensitivity(),
        specificity: c.specificity(),
        confusion: c,
    })
}

/// What cross-validation produced.
#[derive(Debug)]
pub struct CvResult {
    /// Out-of-fold probability of each row (mean over repeats).
    pub oof: Vec<f64>,
    /// Scores of the out-of-fold probabilities.
    pub scores: Scores,
    /// ROC points `(threshold, fpr, tpr)`.
    pub roc: Vec<(f64, f64, f64)>,
    /// Permutation importance per feature (drop in out-of-fold AUC when the feature is
    /// shuffled within each held-out fold), in feature order; empty when not computed.
    pub importance: Vec<f64>,
}

/// Stratified fold of every row for one repeat: each class shuffled with the seed, then dealt
/// round-robin.
fn folds(y: &[u8], k: usize, seed: u64) -> Vec<usize> {
    let mut fold = vec![0; y.len()];
    let mut r = Rng::new(seed);
    for class in [0u8, 1] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        for i in (1..idx.len()).rev() {
            let j = (r.next_u64() % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
        for (n, &i) in idx.iter().enumerate() {
            fold[i] = n % k;
        }
    }
    fold
}

/// How a model's out-of-fold predictions are made ([`validation_groups`]).
#[derive(Clone, Debug)]
pub struct Validation {
    /// The group of every row: each group is predicted by what the others trained.
    pub group: Vec<usize>,
    /// Whether the groups are the sites (leave-one-site-out) rather than stratified folds.
    pub by_site: bool,
    /// What it is, for the model file: e.g. `leave-one-site-out (3 sites)` or `5-fold`.
    pub description: String,
}

/// How to make out-of-fold predictions for a training set: with `by_site`, one group per
/// site when there are two or more sites and every group's complement has both classes
/// (leave-one-site-out); else stratified `k`-fold (fewer folds when a class has fewer than
/// `k` images).
///
/// # Errors
/// [`Error::InvalidOption`] when a class has fewer than 2 images.
pub fn validation_groups(
    y: &[u8],
    sites: &[String],
    k: usize,
    seed: u64,
    by_site: bool,
) -> Result<Validation> {
    let mut names: Vec<&String> = sites.iter().collect();
    names.sort();
    names.dedup();
    if by_site && names.len() >= 2 {
        let group: Vec<usize> = sites
            .iter()
            .map(|s| names.iter().position(|n| *n == s).unwrap_or(0))
            .collect();
        let complete = (0..names.len()).all(|g| {
            let rest = || (0..y.len()).filter(|&i| group[i] != g);
            rest().any(|i| y[i] == 0) && rest().any(|i| y[i] == 1)
        });
        if complete {
            return Ok(Validation {
                group,
                by_site: true,
                description: format!("leave-one-site-out ({} sites)", names.len()),
            });
        }
    }
    let smallest = [0u8, 1].map(|c| y.iter().filter(|&&v| v == c).count());
    let k = k.min(smallest[0]).min(smallest[1]);
    if k < 2 {
        return Err(Error::InvalidOption(format!(
            "training needs at least 2 images of each class (have {} normal, {} TB)",
            smallest[0], smallest[1]
        )));
    }
    Ok(Validation {
        group: folds(y, k, seed),
        by_site: false,
        description: format!("{k}-fold"),
    })
}

/// For each group of rows, `fit_predict(train rows, their labels, held-out rows, group)`
/// trained on the other groups; its probabilities for the held-out rows, in row order. The
/// groups run in parallel; each result lands in its own rows, so the thread count changes
/// nothing.
fn per_group(
    x: &[Vec<f64>],
    y: &[u8],
    group: &[usize],
    fit_predict: impl Fn(&[Vec<f64>], &[u8], &[Vec<f64>], usize) -> Result<Vec<f64>> + Sync,
) -> Result<Vec<f64>> {
    let n_groups = group.iter().max().map_or(0, |g| g + 1);
    let held_out = (0..n_groups)
        .into_par_iter()
        .map(|g| {
            let test: Vec<usize> = (0..x.len()).filter(|&i| group[i] == g).collect();
            if test.is_empty() {
                return Ok((test, Vec::new()));
            }
            let train: Vec<usize> = (0..x.len()).filter(|&i| group[i] != g).collect();
            let xt: Vec<Vec<f64>> = train.iter().map(|&i| x[i].clone()).collect();
            let yt: Vec<u8> = train.iter().map(|&i| y[i]).collect();
            let xh: Vec<Vec<f64>> = test.iter().map(|&i| x[i].clone()).collect();
            let p = fit_predict(&xt, &yt, &xh, g)?;
            Ok((test, p))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut oof = vec![0.0; x.len()];
    for (test, p) in held_out {
        for (i, v) in test.into_iter().zip(p) {
            oof[i] = v;
        }
    }
    Ok(oof)
}

/// Out-of-fold probabilities: for each group, a forest (and its linear partner, when
/// `linear` is given) trained on the other groups scores it. Forest seeds are forked from
/// `forest.seed` per group.
///
/// # Errors
/// As [`Ensemble::train`] (e.g. a complement with one class only).
pub fn out_of_fold(
    x: &[Vec<f64>],
    y: &[u8],
    group: &[usize],
    forest: &ForestOptions,
    linear: Option<&LinearOptions>,
) -> Result<Vec<f64>> {
    let base = Rng::new(forest.seed);
    per_group(x, y, group, |xt, yt, xh, g| {
        let mut fo = forest.clone();
        fo.seed = base.fork(7000 + g as u64).next_u64();
        Ensemble::train(xt, yt, &fo, linear)?.predict_proba(xh)
    })
}

/// The classifier trained on every row, with out-of-fold probabilities made at the cost of
/// about one forest: the forest's own out-of-bag probabilities
/// ([`Forest::train_out_of_bag`]) blended with its linear partner's from one refit per group
/// (a linear fit costs a small part of a forest's).
///
/// # Errors
/// As [`Ensemble::train`].
pub fn train_out_of_bag(
    x: &[Vec<f64>],
    y: &[u8],
    group: &[usize],
    forest: &ForestOptions,
    linear: Option<&LinearOptions>,
) -> Result<(Ensemble, Vec<f64>)> {
    let (trees, p) = Forest::train_out_of_bag(x, y, forest)?;
    let (linear, oof) = match linear {
        None => (None, p),
        Some(lo) => {
            let pl = per_group(x, y, group, |xt, yt, xh, _| {
                Linear::train(xt, yt, lo)?.predict_proba(xh)
            })?;
            (Some(Linear::train(x, y, lo)?), blend(&p, &pl, lo.weight))
        }
    };
    let ensemble = Ensemble {
        forest: trees,
        linear,
    };
    Ok((ensemble, oof))
}

/// Cross-validates the classifier ([`Ensemble`]) on rows `x` with labels `y`.
///
/// # Errors
/// [`Error::InvalidOption`] for fewer than 2 folds, or fewer images of a class than folds.
pub fn cross_validate(x: &[Vec<f64>], y: &[u8], opts: &CvOptions) -> Result<CvResult> {
    let k = opts.folds;
    let smallest = [0u8, 1].map(|c| y.iter().filter(|&&v| v == c).count());
    if k < 2 || smallest.iter().any(|&n| n < k) {
        return Err(Error::InvalidOption(format!(
            "{k}-fold cross-validation needs at least {k} images of each class (have {} normal, {} TB)",
            smallest[0], smallest[1]
        )));
    }
    let n_features = x.first().map_or(0, Vec::len);
    let mut oof = vec![0.0; x.len()];
    let mut oof0 = vec![0.0; x.len()];
    let mut drops = vec![0.0; if opts.importance { n_features } else { 0 }];
    let mut permuted_oof = vec![vec![0.0; x.len()]; drops.len()];
    let base = Rng::new(opts.seed);
    for rep in 0..opts.repeats.max(1) {
        let fold = folds(y, k, base.fork(1000 + rep as u64).next_u64());
        for f in 0..k {
            let train: Vec<usize> = (0..x.len()).filter(|&i| fold[i] != f).collect();
            let test: Vec<usize> = (0..x.len()).filter(|&i| fold[i] == f).collect();
            let xt: Vec<Vec<f64>> = train.iter().map(|&i| x[i].clone()).collect();
            let yt: Vec<u8> = train.iter().map(|&i| y[i]).collect();
            let mut fo = opts.forest.clone();
            fo.seed = base.fork((rep * k + f) as u64).next_u64();
            let forest = Ensemble::train(&xt, &yt, &fo, opts.linear.as_ref())?;
            let xh: Vec<Vec<f64>> = test.iter().map(|&i| x[i].clone()).collect();
            let p = forest.predict_proba(&xh)?;
            for (&i, &pi) in test.iter().zip(&p) {
                oof[i] += pi / opts.repeats.max(1) as f64;
                if rep == 0 {
                    oof0[i] = pi;
                }
            }
            if rep == 0 && opts.importance {
                let mut r = base.fork(5000 + f as u64);
                for (j, perm) in permuted_oof.iter_mut().enumerate() {
                    let mut col: Vec<f64> = xh.iter().map(|row| row[j]).collect();
                    for a in (1..col.len()).rev() {
                        let b = (r.next_u64() % (a as u64 + 1)) as usize;
                        col.swap(a, b);
                    }
                    let xp: Vec<Vec<f64>> = xh
                        .iter()
                        .zip(&col)
                        .map(|(row, &v)| {
                            let mut row = row.clone();
                            row[j] = v;
                            row
                        })
                        .collect();
                    for (&i, &pi) in test.iter().zip(&forest.predict_proba(&xp)?) {
                        perm[i] = pi;
                    }
                }
            }
        }
    }
    let scores = score(&oof, y, opts.threshold, opts.bootstrap, opts.seed)?;
    if opts.importance {
        // Against the first repeat, whose folds the permutations used.
        let reference = auc(&oof0, y).unwrap_or(scores.auc);
        for (d, perm) in drops.iter_mut().zip(&permuted_oof) {
            *d = reference - auc(perm, y).unwrap_or(reference);
        }
    }
    Ok(CvResult {
        roc: roc_points(&oof, y),
        oof,
        scores,
        importance: drops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_cover_everything() {
        let y: Vec<u8> = (0..53).map(|i| u8::from(i % 3 == 0)).collect();
        let f = folds(&y, 5, 7);
        for k in 0..5 {
            let pos = (0..53).filter(|&i| f[i] == k && y[i] == 1).count();
            assert!((3..=4).contains(&pos), "fold {k}: {pos} positives");
        }
        assert!(f.iter().all(|&k| k < 5));
    }
}
