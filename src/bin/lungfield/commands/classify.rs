//! `lungfield classify`: quality checks, TB scores, labels, flags and, on request, heatmaps
//! and result cards for a batch of images.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use lungfield::classify::harmonise::SiteScaler;
use lungfield::classify::{screen_file, Model, ScreenOptions, Screened};
use lungfield::features::{jobs_from_files, MaskSource};
use lungfield::io::{find_images, write_atomic, write_png_gray8, write_png_rgb8};
use lungfield::overlay::heat_overlay_rgb;
use lungfield::prior::ShapePrior;
use lungfield::report::card::{card_rgb, CardInfo};
use lungfield::report::html::{Report, ResultRow};

use crate::args::ClassifyArgs;
use crate::bar::Bar;
use lungfield::progress::Progress;

/// The site statistics of a harmonised model: from `reference` (a folder of the site's
/// images) or from the batch itself; `None` for a model trained without `--harmonise`.
fn site_scaler(
    model: &Model,
    batch: &[PathBuf],
    reference: Option<&Path>,
    prior: Option<&ShapePrior>,
    quiet: bool,
) -> Result<Option<SiteScaler>> {
    if !model.harmonised {
        if reference.is_some() {
            anyhow::bail!("--harmonise-with: this model was trained without --harmonise");
        }
        return Ok(None);
    }
    let files = match reference {
        Some(dir) => find_images(&[dir.to_path_buf()])?,
        None => batch.to_vec(),
    };
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
    let what = match reference {
        Some(dir) => format!("--harmonise-with {}", dir.display()),
        None => "the model was trained with --harmonise and standardises each site's features (on this batch)".into(),
    };
    Ok(Some(SiteScaler::fit(&rows).context(what)?))
}

/// The threshold and the name of the operating point to label at.
fn operating_point(model: &Model, a: &ClassifyArgs) -> Result<(f64, String)> {
    let Some(name) = &a.operating_point else {
        let name = model
            .operating_points
            .first()
            .map_or("the model's threshold".to_string(), |o| o.name.clone());
        return Ok((model.threshold, name));
    };
    let known: Vec<&str> = model
        .operating_points
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    let t = model
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
        })?;
    Ok((t, name.clone()))
}

/// `DIR/<stem><suffix>`, keeping the stem's exact bytes.
fn beside(dir: &Path, file: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(file.file_stem().unwrap_or_default());
    name.push(suffix);
    dir.join(name)
}

/// Writes the heatmap files and the card of one screened image.
fn write_outputs(
    a: &ClassifyArgs,
    file: &Path,
    s: &Screened,
    info: &CardInfo<'_>,
) -> lungfield::Result<()> {
    if let (Some(dir), Some(sc)) = (&a.heatmaps, &s.scored) {
        if let Some(heat) = &sc.heat {
            let labels = &sc.segmentation.labels;
            let full = heat.at_size(labels);
            write_png_gray8(&beside(dir, file, "_heatmap.png"), &full)?;
            let rgb = heat_overlay_rgb(&s.image.to_u8(), &full, labels);
            write_png_rgb8(
                &beside(dir, file, "_heatmap_overlay.png"),
                &rgb,
                full.width(),
                full.height(),
            )?;
        }
    }
    if let Some(dir) = &a.cards {
        let (rgb, w, h) = card_rgb(s, info);
        write_png_rgb8(&beside(dir, file, "_card.png"), &rgb, w, h)?;
    }
    Ok(())
}

/// One image's row.
struct Row {
    id: String,
    card: Option<String>,
    result: lungfield::Result<Screened>,
}

pub fn model_words(model: &Model, path: &Path) -> String {
    format!(
        "{} (lungfield {}; trained on {} normal + {} TB{}{})",
        path.file_name().unwrap_or_default().to_string_lossy(),
        model.lungfield_version,
        model.n_train.0,
        model.n_train.1,
        if model.sites.is_empty() {
            String::new()
        } else {
            format!(" from {}", model.sites.join(", "))
        },
        model.validation_auc.map_or(String::new(), |auc| format!(
            "; {} AUC {auc:.3}",
            model.validation
        ))
    )
}

pub fn run(a: &ClassifyArgs, quiet: bool) -> Result<bool> {
    if let Some(out) = &a.out {
        crate::outputs::writable_file(out)?;
    }
    for dir in [&a.heatmaps, &a.cards].into_iter().flatten() {
        crate::outputs::writable_dir(dir)?;
    }
    let model = Model::load(&a.model)?;
    if a.heatmaps.is_some() && model.heatmap.is_none() {
        anyhow::bail!(
            "{}: this model has no heatmap (it was trained before lungfield made them); retrain it with `lungfield train` to get heatmaps",
            a.model.display()
        );
    }
    let (threshold, op_name) = operating_point(&model, a)?;
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
    let scaler = site_scaler(
        &model,
        files,
        a.harmonise_with.as_deref(),
        prior.as_ref(),
        quiet,
    )?;
    let opts = ScreenOptions {
        threshold,
        scaler: scaler.as_ref(),
        heatmap: (a.heatmaps.is_some() || a.cards.is_some()) && model.heatmap.is_some(),
    };
    let model_text = model_words(&model, &a.model);
    let op_text = format!(
        "operating point {op_name}: TB at score >= {:.1}",
        model.score(threshold)
    );
    let bar = Bar::new(files.len(), "images", quiet);
    let rows: Vec<Row> = files
        .par_iter()
        .map(|f| {
            let id = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let info = CardInfo {
                id: &id,
                model: &model_text,
                operating_point: &op_text,
            };
            let result = screen_file(f, &model, prior.as_ref(), &opts)
                .and_then(|s| write_outputs(a, f, &s, &info).map(|()| s));
            bar.advance();
            let card = a
                .cards
                .as_ref()
                .filter(|_| result.is_ok())
                .map(|d| beside(d, f, "_card.png"))
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
            Row { id, card, result }
        })
        .collect();
    bar.finish();
    let mut ok = true;
    let mut not_scored = 0;
    for (f, r) in files.iter().zip(&rows) {
        match &r.result {
            Err(e) => {
                // Errors from reading the file name it already.
                let msg = e.to_string();
                if msg.contains(&f.display().to_string()) {
                    eprintln!("{msg}");
                } else {
                    eprintln!("{}: {msg}", f.display());
                }
                ok = false;
            }
            Ok(s) if s.scored.is_none() => {
                eprintln!(
                    "{}: not scored ({}): {}",
                    f.display(),
                    s.qc_codes().join(", "),
                    s.reason
                );
                not_scored += 1;
                ok = false;
            }
            Ok(_) => {}
        }
    }
    let failed = rows.iter().filter(|r| r.result.is_err()).count();
    if failed + not_scored > 0 {
        eprintln!("{failed} image(s) failed and {not_scored} were not scored (QC)");
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    if a.shard.is_first() {
        w.write_record(["id", "score", "probability", "label", "flags", "qc"])?;
    }
    for r in &rows {
        let Ok(s) = &r.result else { continue };
        let (score, p, flags) = match &s.scored {
            Some(sc) => (
                format!("{:.1}", sc.score),
                format!("{:.4}", sc.probability),
                sc.segmentation.flags.join(";"),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        w.write_record([
            r.id.clone(),
            score,
            p,
            s.label().to_string(),
            flags,
            s.qc_codes().join(";"),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("CSV: {e}"))?;
    if let Some(path) = &a.out {
        write_atomic(path, &bytes)?;
    }
    if let Some(dir) = &a.cards {
        let mut page = Report::new(dir, &format!("lungfield screening: {}", model_text));
        let results: Vec<ResultRow> = rows
            .iter()
            .filter_map(|r| {
                let s = r.result.as_ref().ok()?;
                Some(ResultRow {
                    id: r.id.clone(),
                    score: s.scored.as_ref().map(|sc| sc.score),
                    label: s.label(),
                    qc: s.qc_codes().join(", "),
                    flags: s.flags_or_reason().join(", "),
                    card: r.card.clone(),
                })
            })
            .collect();
        page.results(&results);
        page.write()?;
    }
    if a.json {
        crate::print_json(&ClassifyJson {
            results: rows
                .iter()
                .filter_map(|r| {
                    let s = r.result.as_ref().ok()?;
                    Some(ScoredJson {
                        id: &r.id,
                        score: s.scored.as_ref().map(|sc| sc.score),
                        probability: s.scored.as_ref().map(|sc| sc.probability),
                        label: s.label(),
                        flags: s
                            .scored
                            .as_ref()
                            .map(|sc| sc.segmentation.flags.clone())
                            .unwrap_or_default(),
                        qc: s.qc_codes(),
                        heatmap_peak: s
                            .scored
                            .as_ref()
                            .and_then(|sc| sc.heat.as_ref())
                            .map(|h| h.peak()),
                    })
                })
                .collect(),
            threshold,
            operating_point: &op_name,
            failures: rows
                .iter()
                .filter_map(|r| {
                    r.result.as_ref().err().map(|e| super::tables::Failure {
                        id: &r.id,
                        error: e.to_string(),
                    })
                })
                .collect(),
        });
        return Ok(ok);
    }
    match &a.out {
        Some(path) => {
            println!(
                "classified {} image(s); wrote {}",
                rows.len() - failed - not_scored,
                path.display()
            );
        }
        None => print!("{}", String::from_utf8_lossy(&bytes)),
    }
    if let Some(dir) = &a.cards {
        eprintln!("wrote the cards and {}", dir.join("report.html").display());
    }
    Ok(ok)
}

/// `classify --json`.
#[derive(serde::Serialize)]
struct ClassifyJson<'a> {
    results: Vec<ScoredJson<'a>>,
    threshold: f64,
    operating_point: &'a str,
    failures: Vec<super::tables::Failure<'a>>,
}

/// One image's result: score 0–100, probability, label at the operating point, flags, QC
/// codes (score, probability and label empty when a QC code rejected the image).
#[derive(serde::Serialize)]
struct ScoredJson<'a> {
    id: &'a str,
    score: Option<f64>,
    probability: Option<f64>,
    label: &'static str,
    flags: Vec<String>,
    qc: Vec<&'static str>,
    heatmap_peak: Option<u8>,
}
