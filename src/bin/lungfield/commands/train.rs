//! `lungfield train`: fits, calibrates and saves a TB model.

use anyhow::Result;

use lungfield::classify::{ForestOptions, Model, TrainOptions, TrainingRows};
use lungfield::SegmentOptions;

use crate::args::TrainArgs;

fn site_counts(sites: &[String], y: &[u8]) -> String {
    let mut names: Vec<&String> = sites.iter().collect();
    names.sort();
    names.dedup();
    names
        .iter()
        .map(|n| {
            let idx = || (0..y.len()).filter(|&i| &sites[i] == *n);
            let tb = idx().filter(|&i| y[i] == 1).count();
            format!("{n} {} ({tb} TB)", idx().count())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(a: &TrainArgs, quiet: bool) -> Result<bool> {
    crate::outputs::writable_file(&a.out)?;
    let data = super::tables::open(&a.data)?;
    let t = super::tables::training_table_of(&a.data, &data, quiet)?;
    let ok = super::tables::report_failures(&t);
    let rows = TrainingRows::labelled(&t)?;
    let (y, sites) = (&rows.y, &rows.sites);
    let opts = TrainOptions {
        forest: ForestOptions {
            trees: a.trees,
            seed: a.seed,
            ..Default::default()
        },
        linear: super::tables::linear_of(&a.blend),
        harmonise: a.harmonise,
        by_site: !a.in_site_thresholds,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let model = Model::train(
        rows.set(),
        &SegmentOptions::default(),
        &a.data.features.options(),
        &opts,
    )?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    model.save(&a.out)?;
    if a.json {
        crate::print_json(&TrainJson {
            out: &a.out,
            trees: a.trees,
            n_train: Counts {
                normal: model.n_train.0,
                tb: model.n_train.1,
            },
            sites: &model.sites,
            features: t.names.len(),
            validation: &model.validation,
            validation_auc: model.validation_auc,
            operating_points: &model.operating_points,
            harmonised: model.harmonised,
            linear: model.linear.is_some(),
            heatmap: model.heatmap.is_some(),
            ms,
            failures: super::tables::failures(&t.failures),
        });
        return Ok(ok);
    }
    println!(
        "trained {} trees{} on {} images ({}) × {} features in {ms:.0} ms (with the out-of-fold models); wrote {}",
        a.trees,
        if model.linear.is_some() { " and the linear model" } else { "" },
        y.len(),
        site_counts(sites, y),
        t.names.len(),
        a.out.display()
    );
    println!(
        "out-of-fold ({}): AUC {:.3}",
        model.validation,
        model.validation_auc.unwrap_or(f64::NAN)
    );
    for (k, o) in model.operating_points.iter().enumerate() {
        println!(
            "  {:<18} score ≥ {:5.1}  sensitivity {:.3}  specificity {:.3}{}",
            o.name,
            model.score(o.threshold),
            o.sensitivity,
            o.specificity,
            if k == 0 { "  (default)" } else { "" }
        );
    }
    if let Some(h) = &model.heatmap {
        println!(
            "heatmap: fitted on {} normal and {} TB lung pixels (classify --heatmaps, --cards)",
            h.pixels.0, h.pixels.1
        );
    }
    Ok(ok)
}

/// `train --json`.
#[derive(serde::Serialize)]
struct TrainJson<'a> {
    out: &'a std::path::Path,
    trees: usize,
    n_train: Counts,
    sites: &'a [String],
    features: usize,
    validation: &'a str,
    validation_auc: Option<f64>,
    operating_points: &'a [lungfield::classify::calibration::OperatingPoint],
    harmonised: bool,
    linear: bool,
    heatmap: bool,
    ms: f64,
    failures: Vec<super::tables::Failure<'a>>,
}

/// Training images per class.
#[derive(serde::Serialize)]
struct Counts {
    normal: usize,
    tb: usize,
}
