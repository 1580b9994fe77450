//! `lungfield classify`: TB scores, labels and flags for a batch of images.

use std::path::Path;

use anyhow::{Context, Result};

use lungfield::classify::harmonise::SiteScaler;
use lungfield::classify::Model;
use lungfield::features::{jobs_from_files, MaskSource};
use lungfield::io::find_images;
use lungfield::prior::ShapePrior;

use crate::args::ClassifyArgs;

/// Harmonises the rows of a batch for a harmonised model: statistics from `reference` (a
/// folder of the site's images) or from the batch itself.
fn harmonise_batch(
    model: &Model,
    x: Vec<Vec<f64>>,
    reference: Option<&Path>,
    prior: Option<&ShapePrior>,
    quiet: bool,
) -> Result<Vec<Vec<f64>>> {
    if !model.harmonised {
        if reference.is_some() {
            anyhow::bail!("--harmonise-with: this model was trained without --harmonise");
        }
        return Ok(x);
    }
    let scaler = match reference {
        Some(dir) => {
            let files = find_images(&[dir.to_path_buf()])?;
            let t = super::tables::table_for(
                &jobs_from_files(&files),
                MaskSource::Found,
                &model.segment,
                prior,
                &model.features,
                quiet,
            );
            super::tables::report_failures(&t);
            let rows: Vec<&[f64]> = t.rows.iter().map(|r| r.values.as_slice()).collect();
            SiteScaler::fit(&rows).with_context(|| format!("--harmonise-with {}", dir.display()))?
        }
        None => {
            let rows: Vec<&[f64]> = x.iter().map(Vec::as_slice).collect();
            SiteScaler::fit(&rows).context(
                "the model was trained with --harmonise and standardises each site's features",
            )?
        }
    };
    Ok(x.iter().map(|r| scaler.apply(r)).collect())
}

pub fn run(a: &ClassifyArgs, quiet: bool) -> Result<bool> {
    if let Some(out) = &a.out {
        crate::outputs::writable_file(out)?;
    }
    let model = Model::load(&a.model)?;
    let threshold = match &a.operating_point {
        None => model.threshold,
        Some(name) => {
            let known: Vec<&str> = model
                .operating_points
                .iter()
                .map(|o| o.name.as_str())
                .collect();
            model
                .operating_point(name)
                .map(|o| o.threshold)
                .with_context(|| {
                    format!(
                        "{}: no operating point `{name}` (it has: {})",
                        a.model.display(),
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    )
                })?
        }
    };
    let prior = model.prior()?;
    let files = find_images(&a.inputs)?;
    if files.is_empty() {
        anyhow::bail!("no image files found in the given paths");
    }
    if model.harmonised && a.harmonise_with.is_none() && !a.shard.is_whole() {
        anyhow::bail!(
            "the model harmonises each site's features: with --shard give --harmonise-with DIR (a folder of the site's images), so every shard is standardised alike"
        );
    }
    let files = &files[a.shard.range(files.len())];
    let t = super::tables::table_for(
        &jobs_from_files(files),
        MaskSource::Found,
        &model.segment,
        prior.as_ref(),
        &model.features,
        quiet,
    );
    let ok = super::tables::report_failures(&t);
    let x: Vec<Vec<f64>> = t.rows.iter().map(|r| r.values.clone()).collect();
    let x = harmonise_batch(
        &model,
        x,
        a.harmonise_with.as_deref(),
        prior.as_ref(),
        quiet,
    )?;
    let p = model.predict_proba(&x)?;
    let label = |pi: f64| if pi >= threshold { "tb" } else { "normal" };
    let mut w = csv::Writer::from_writer(Vec::new());
    if a.shard.is_first() {
        w.write_record(["id", "score", "probability", "label", "flags"])?;
    }
    for (r, &pi) in t.rows.iter().zip(&p) {
        w.write_record([
            r.id.clone(),
            format!("{:.1}", model.score(pi)),
            format!("{pi:.4}"),
            label(pi).to_string(),
            r.flags.join(";"),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("CSV: {e}"))?;
    if let Some(path) = &a.out {
        lungfield::io::write_atomic(path, &bytes)?;
    }
    if a.json {
        crate::print_json(&ClassifyJson {
            results: t
                .rows
                .iter()
                .zip(&p)
                .map(|(r, &pi)| Scored {
                    id: &r.id,
                    score: model.score(pi),
                    probability: pi,
                    label: label(pi),
                    flags: &r.flags,
                })
                .collect(),
            threshold,
            operating_point: a
                .operating_point
                .as_deref()
                .or_else(|| model.operating_points.first().map(|o| o.name.as_str())),
            failures: super::tables::failures(&t.failures),
        });
        return Ok(ok);
    }
    match &a.out {
        Some(path) => {
            println!(
                "classified {} image(s); wrote {}",
                t.rows.len(),
                path.display()
            );
        }
        None => print!("{}", String::from_utf8_lossy(&bytes)),
    }
    Ok(ok)
}

/// `classify --json`.
#[derive(serde::Serialize)]
struct ClassifyJson<'a> {
    results: Vec<Scored<'a>>,
    threshold: f64,
    operating_point: Option<&'a str>,
    failures: Vec<super::tables::Failure<'a>>,
}

/// One image's result: score 0–100, probability, label at the operating point, flags.
#[derive(serde::Serialize)]
struct Scored<'a> {
    id: &'a str,
    score: f64,
    probability: f64,
    label: &'static str,
    flags: &'a [String],
}
