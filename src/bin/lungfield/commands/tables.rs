//! What the classifier commands share: opening datasets, feature tables with a progress
//! bar, failure reports.

use anyhow::{Context, Result};

use lungfield::classify::LinearOptions;
use lungfield::features::{
    feature_table, jobs_from_dataset, training_table, FeatureJob, FeatureOptions, FeatureTable,
    MaskSource,
};
use lungfield::io::Dataset;
use lungfield::prior::ShapePrior;
use lungfield::SegmentOptions;

use crate::args::{BlendArgs, DataArgs};
use crate::bar::Bar;

/// Opens the datasets and relabels them when asked.
pub fn open(d: &DataArgs) -> Result<Vec<Dataset>> {
    d.data
        .iter()
        .map(|dir| {
            let mut data = Dataset::open(dir)?;
            if let Some(spec) = &d.label_from {
                let (col, val) = spec
                    .split_once('=')
                    .context("--label-from takes COLUMN=VALUE, e.g. jsrt_class=nodule")?;
                data.relabel_from_manifest(col, val)?;
            }
            Ok(data)
        })
        .collect()
}

/// An image that failed, and why (in `--json` output).
#[derive(serde::Serialize)]
pub struct Failure<'a> {
    pub id: &'a str,
    pub error: String,
}

/// The failures of a batch, for `--json`.
pub fn failures(f: &[(String, lungfield::Error)]) -> Vec<Failure<'_>> {
    f.iter()
        .map(|(id, e)| Failure {
            id,
            error: e.to_string(),
        })
        .collect()
}

/// Reports the images that failed; true when none did.
pub fn report_failures(t: &FeatureTable) -> bool {
    for (id, e) in &t.failures {
        eprintln!("{id}: {e}");
    }
    if !t.failures.is_empty() {
        eprintln!("{} image(s) failed and were left out", t.failures.len());
    }
    t.failures.is_empty()
}

/// Features of `jobs` with the default settings (the built-in shape prior) and a progress bar.
pub fn table_for(
    jobs: &[FeatureJob],
    masks: MaskSource,
    seg: &SegmentOptions,
    prior: Option<&ShapePrior>,
    feat: &FeatureOptions,
    quiet: bool,
) -> FeatureTable {
    let bar = Bar::new(jobs.len(), "images", quiet);
    let t = feature_table(jobs, masks, seg, prior, feat, &bar);
    bar.finish();
    t
}

/// The jobs of every dataset's subset, in folder then id order.
pub fn jobs_of(d: &DataArgs, data: &[Dataset]) -> Vec<FeatureJob> {
    data.iter()
        .flat_map(|ds| jobs_from_dataset(ds, d.subset.into()))
        .collect()
}

pub fn table_of(d: &DataArgs, data: &[Dataset], quiet: bool) -> Result<FeatureTable> {
    let prior = ShapePrior::builtin()?;
    Ok(table_for(
        &jobs_of(d, data),
        d.masks.into(),
        &SegmentOptions::default(),
        Some(&prior),
        &d.features.options(),
        quiet,
    ))
}

/// [`table_of`] with the local evidence samples the heatmap is fitted on (`train`).
pub fn training_table_of(d: &DataArgs, data: &[Dataset], quiet: bool) -> Result<FeatureTable> {
    let prior = ShapePrior::builtin()?;
    let jobs = jobs_of(d, data);
    let bar = Bar::new(jobs.len(), "images", quiet);
    let t = training_table(
        &jobs,
        d.masks.into(),
        &SegmentOptions::default(),
        Some(&prior),
        &d.features.options(),
        &bar,
    );
    bar.finish();
    Ok(t)
}

/// The linear partner's settings with its share `--linear-weight`, unless `--forest-only`.
pub fn linear_of(b: &BlendArgs) -> Option<LinearOptions> {
    (!b.forest_only).then(|| LinearOptions {
        weight: b.linear_weight,
        ..Default::default()
    })
}
