//! Leave-one-site-out validation: for each site, a model trained on all the other sites
//! (with its own out-of-fold calibration and operating points, as `lungfield train` makes it)
//! scores the held-out site. What a screening programme deploying at a new site can expect.

use crate::error::{Error, Result};
use crate::features::FeatureOptions;
use crate::metrics::{auc, auc_ci};
use crate::options::SegmentOptions;

use super::calibration::rates_ci;
use super::model::{Model, TrainOptions, TrainingSet};

/// One held-out site's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SiteScores {
    /// The held-out site.
    pub site: String,
    /// The sites its model was trained on.
    pub trained_on: Vec<String>,
    /// Images (all of them: every image of the site gets a score).
    pub n: usize,
    /// TB images among them.
    pub n_tb: usize,
    /// AUC, `None` when the site lacks a class.
    pub auc: Option<f64>,
    /// 95 % bootstrap interval of the AUC.
    pub auc_ci: Option<(f64, f64)>,
    /// The model's default operating point (its name and probability threshold).
    pub operating_point: String,
    /// Its threshold.
    pub threshold: f64,
    /// Sensitivity at it, with a 95 % bootstrap interval: `(value, low, high)`.
    pub sensitivity: (f64, f64, f64),
    /// Specificity at it, with a 95 % bootstrap interval.
    pub specificity: (f64, f64, f64),
}

/// What leave-one-site-out validation produced.
#[derive(Debug, serde::Serialize)]
pub struct SiteStudy {
    /// Per held-out site, in site order.
    pub per_site: Vec<SiteScores>,
    /// All held-out predictions pooled (each site scored by its own model).
    pub pooled: SiteScores,
    /// The held-out forest probability of each row.
    pub probability: Vec<f64>,
    /// The held-out 0–100 score of each row.
    pub score: Vec<f64>,
    /// Whether each row was called TB at its model's default operating point.
    pub called: Vec<bool>,
}

fn scores_of(
    site: &str,
    trained_on: Vec<String>,
    p: &[f64],
    y: &[u8],
    called: &[bool],
    op: (&str, f64),
    (bootstrap, seed): (usize, u64),
) -> SiteScores {
    // Rates from the calls (pooled rows come from models with different thresholds): as a
    // threshold of 0.5 on 0/1 "probabilities".
    let c: Vec<f64> = called.iter().map(|&b| f64::from(u8::from(b))).collect();
    let [se, sp] = rates_ci(&c, y, 0.5, bootstrap, seed);
    SiteScores {
        site: site.into(),
        trained_on,
        n: y.len(),
        n_tb: y.iter().filter(|&&v| v == 1).count(),
        auc: auc(p, y),
        auc_ci: auc_ci(p, y, bootstrap, seed),
        operating_point: op.0.into(),
        threshold: op.1,
        sensitivity: se,
        specificity: sp,
    }
}

/// Out-of-fold predictions `p` (one model's, or comparable ones) broken down by site, with
/// the images called TB at `threshold`: one row per site, in site order, then the pooled row.
/// `validation` says how `p` was made (the rows' `trained_on`).
pub fn per_site(
    p: &[f64],
    y: &[u8],
    sites: &[String],
    (name, threshold): (&str, f64),
    validation: &str,
    (bootstrap, seed): (usize, u64),
) -> Vec<SiteScores> {
    let mut names: Vec<&String> = sites.iter().collect();
    names.sort();
    names.dedup();
    let called: Vec<bool> = p.iter().map(|&v| v >= threshold).collect();
    let mut out: Vec<SiteScores> = names
        .iter()
        .map(|site| {
            let idx: Vec<usize> = (0..p.len()).filter(|&i| &sites[i] == *site).collect();
            let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            let yy: Vec<u8> = idx.iter().map(|&i| y[i]).collect();
            let cc: Vec<bool> = idx.iter().map(|&i| called[i]).collect();
            scores_of(
                site,
                vec![validation.into()],
                &pick(p),
                &yy,
                &cc,
                (name, threshold),
                (bootstrap, seed),
            )
        })
        .collect();
    out.push(scores_of(
        "pooled",
        vec![validation.into()],
        p,
        y,
        &called,
        (name, threshold),
        (bootstrap, seed),
    ));
    out
}

/// Leave-one-site-out over the sites of `set`.
///
/// # Errors
/// [`Error::InvalidOption`] with fewer than two sites, or when training without a site
/// leaves one class only; training errors as [`Model::train`].
pub fn leave_one_site_out(
    set: TrainingSet<'_>,
    segment: &SegmentOptions,
    features: &FeatureOptions,
    opts: &TrainOptions,
    bootstrap: usize,
    seed: u64,
) -> Result<SiteStudy> {
    let mut names: Vec<String> = set.sites.to_vec();
    names.sort();
    names.dedup();
    if names.len() < 2 {
        return Err(Error::InvalidOption(format!(
            "leave-one-site-out needs images from at least two sites (have {}): give several --data folders, or a `site` column in MANIFEST.csv",
            names.len()
        )));
    }
    let n = set.x.len();
    let mut probability = vec![0.0; n];
    let mut score = vec![0.0; n];
    let mut called = vec![false; n];
    let mut per_site = Vec::new();
    for site in &names {
        let test: Vec<usize> = (0..n).filter(|&i| &set.sites[i] == site).collect();
        let train: Vec<usize> = (0..n).filter(|&i| &set.sites[i] != site).collect();
        let pick = |v: &[String], idx: &[usize]| -> Vec<String> {
            idx.iter().map(|&i| v[i].clone()).collect()
        };
        let ids = pick(set.ids, &train);
        let sites = pick(set.sites, &train);
        let x: Vec<Vec<f64>> = train.iter().map(|&i| set.x[i].clone()).collect();
        let y: Vec<u8> = train.iter().map(|&i| set.y[i]).collect();
        let model = Model::train(
            TrainingSet {
                ids: &ids,
                x: &x,
                y: &y,
                sites: &sites,
                local: &[],
            },
            segment,
            features,
            opts,
        )
        .map_err(|e| Error::InvalidOption(format!("training without site `{site}`: {e}")))?;
        let xt: Vec<Vec<f64>> = test.iter().map(|&i| set.x[i].clone()).collect();
        let xt = if model.harmonised {
            super::harmonise::by_site(&xt, &vec![site.clone(); xt.len()])?
        } else {
            xt
        };
        let p = model.predict_proba(&xt)?;
        let yt: Vec<u8> = test.iter().map(|&i| set.y[i]).collect();
        let calls: Vec<bool> = p.iter().map(|&v| v >= model.threshold).collect();
        for (k, &i) in test.iter().enumerate() {
            probability[i] = p[k];
            score[i] = model.score(p[k]);
            called[i] = calls[k];
        }
        let op = model
            .operating_points
            .first()
            .map_or("threshold".to_string(), |o| o.name.clone());
        per_site.push(scores_of(
            site,
            model.sites.clone(),
            &p,
            &yt,
            &calls,
            (&op, model.threshold),
            (bootstrap, seed),
        ));
    }
    let op = per_site[0].operating_point.clone();
    // Pooled on the calibrated scores, which put every site's model on one scale.
    let pooled = scores_of(
        "pooled",
        names.clone(),
        &score,
        set.y,
        &called,
        (&op, f64::NAN),
        (bootstrap, seed),
    );
    Ok(SiteStudy {
        per_site,
        pooled,
        probability,
        score,
        called,
    })
}
