//! The classifier commands: features, train, classify, cv, calibrate. Parsing is done; this
//! only wires the library together and reports.

use std::path::Path;

use anyhow::{Context, Result};

use lungfield::classify::calibration::{choose, rates_ci, Target};
use lungfield::classify::harmonise::{by_site, SiteScaler};
use lungfield::classify::{
    leave_one_site_out, per_site, study, CvOptions, ForestOptions, LinearOptions, Model,
    SiteScores, SiteStudy, TrainOptions, TrainingRows,
};
use lungfield::features::{
    feature_table, jobs_from_dataset, jobs_from_files, FeatureJob, FeatureOptions, FeatureTable,
    MaskSource,
};
use lungfield::io::{find_images, Dataset, Split};
use lungfield::prior::{ShapePrior, BUILTIN_NAME};
use lungfield::SegmentOptions;

use crate::args::{CalibrateArgs, ClassifyArgs, CvArgs, DataArgs, FeaturesArgs, TrainArgs};
use crate::bar::Bar;

/// Opens the datasets and relabels them when asked.
fn open(d: &DataArgs) -> Result<Vec<Dataset>> {
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

/// The failures of a table as JSON: `[{"id", "error"}]`.
fn failures_json(t: &FeatureTable) -> serde_json::Value {
    t.failures
        .iter()
        .map(|(id, e)| serde_json::json!({"id": id, "error": e.to_string()}))
        .collect()
}

/// Reports the images that failed; true when none did.
fn report_failures(t: &FeatureTable) -> bool {
    for (id, e) in &t.failures {
        eprintln!("{id}: {e}");
    }
    if !t.failures.is_empty() {
        eprintln!("{} image(s) failed and were left out", t.failures.len());
    }
    t.failures.is_empty()
}

/// The shape prior a model's lungs are found with.
fn prior_named(name: Option<&str>) -> Result<Option<ShapePrior>> {
    match name {
        None => Ok(None),
        Some(n) if n == BUILTIN_NAME => Ok(Some(ShapePrior::builtin()?)),
        Some(n) => anyhow::bail!(
            "the model's lungs were found with the shape prior `{n}`, which this lungfield does not ship; retrain with `lungfield train`"
        ),
    }
}

/// Features of `jobs` with the default settings (the built-in shape prior) and a progress bar.
fn table_for(
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
fn jobs_of(d: &DataArgs, data: &[Dataset]) -> Vec<FeatureJob> {
    data.iter()
        .flat_map(|ds| jobs_from_dataset(ds, d.subset.into()))
        .collect()
}

fn table_of(d: &DataArgs, data: &[Dataset], quiet: bool) -> Result<FeatureTable> {
    let prior = ShapePrior::builtin()?;
    Ok(table_for(
        &jobs_of(d, data),
        d.masks.into(),
        &SegmentOptions::default(),
        Some(&prior),
        &FeatureOptions::default(),
        quiet,
    ))
}

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

pub fn features(a: &FeaturesArgs, quiet: bool) -> Result<bool> {
    crate::outputs::writable_file(&a.out)?;
    let jobs = if a.data.is_empty() {
        if a.inputs.is_empty() {
            anyhow::bail!("give --data DIR or image files/folders");
        }
        jobs_from_files(&find_images(&a.inputs)?)
    } else {
        let mut jobs = Vec::new();
        for dir in &a.data {
            jobs.extend(jobs_from_dataset(
                &Dataset::open(dir)?,
                lungfield::io::Subset::All,
            ));
        }
        jobs
    };
    let jobs = &jobs[a.shard.range(jobs.len())];
    let prior = ShapePrior::builtin()?;
    let t = table_for(
        jobs,
        a.masks.into(),
        &SegmentOptions::default(),
        Some(&prior),
        &FeatureOptions::default(),
        quiet,
    );
    let ok = report_failures(&t);
    lungfield::io::write_atomic(&a.out, &t.to_csv_with(a.shard.is_first())?)?;
    if a.json {
        crate::print_json(&serde_json::json!({
            "rows": t.rows.len(),
            "features": t.names.len(),
            "out": a.out,
            "failures": failures_json(&t),
        }));
    } else {
        println!(
            "wrote {} rows × {} features to {}",
            t.rows.len(),
            t.names.len(),
            a.out.display()
        );
    }
    Ok(ok)
}

pub fn train(a: &TrainArgs, quiet: bool) -> Result<bool> {
    crate::outputs::writable_file(&a.out)?;
    let data = open(&a.data)?;
    let t = table_of(&a.data, &data, quiet)?;
    let ok = report_failures(&t);
    let rows = TrainingRows::labelled(&t)?;
    let (y, sites) = (&rows.y, &rows.sites);
    let opts = TrainOptions {
        forest: ForestOptions {
            trees: a.trees,
            seed: a.seed,
            ..Default::default()
        },
        linear: linear_of(a.forest_only),
        harmonise: a.harmonise,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let model = Model::train(
        rows.set(),
        &SegmentOptions::default(),
        &FeatureOptions::default(),
        &opts,
    )?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    model.save(&a.out)?;
    if a.json {
        crate::print_json(&serde_json::json!({
            "out": a.out,
            "trees": a.trees,
            "n_train": {"normal": model.n_train.0, "tb": model.n_train.1},
            "sites": model.sites,
            "features": t.names.len(),
            "validation": model.validation,
            "validation_auc": model.validation_auc,
            "operating_points": model.operating_points,
            "harmonised": model.harmonised,
            "linear": model.linear.is_some(),
            "ms": ms,
            "failures": failures_json(&t),
        }));
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
    Ok(ok)
}

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
            let t = table_for(
                &jobs_from_files(&files),
                MaskSource::Found,
                &model.segment,
                prior,
                &model.features,
                quiet,
            );
            report_failures(&t);
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

pub fn classify(a: &ClassifyArgs, quiet: bool) -> Result<bool> {
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
    let prior = prior_named(model.shape_prior.as_deref())?;
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
    let t = table_for(
        &jobs_from_files(files),
        MaskSource::Found,
        &model.segment,
        prior.as_ref(),
        &model.features,
        quiet,
    );
    let ok = report_failures(&t);
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
        let results: Vec<serde_json::Value> = t
            .rows
            .iter()
            .zip(&p)
            .map(|(r, &pi)| {
                serde_json::json!({
                    "id": r.id,
                    "score": model.score(pi),
                    "probability": pi,
                    "label": label(pi),
                    "flags": r.flags,
                })
            })
            .collect();
        crate::print_json(&serde_json::json!({
            "results": results,
            "threshold": threshold,
            "operating_point": a.operating_point.clone()
                .or_else(|| model.operating_points.first().map(|o| o.name.clone())),
            "failures": failures_json(&t),
        }));
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

pub fn cv(a: &CvArgs, quiet: bool) -> Result<bool> {
    crate::outputs::writable_dir(&a.out)?;
    let data = open(&a.data)?;
    let t = table_of(&a.data, &data, quiet)?;
    let ok = report_failures(&t);
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    t.write_csv(&a.out.join("features.csv"))?;
    let forest = ForestOptions {
        trees: a.trees,
        seed: a.seed,
        ..Default::default()
    };
    let title = format!(
        "lungfield cross-validation: {}",
        a.data
            .data
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if a.by_site {
        return by_site_study(a, &t, forest, &title).map(|()| ok);
    }
    let mut t = t;
    if a.harmonise {
        let x: Vec<Vec<f64>> = t.rows.iter().map(|r| r.values.clone()).collect();
        let sites: Vec<String> = t.rows.iter().map(|r| r.site.clone()).collect();
        for (r, v) in t.rows.iter_mut().zip(by_site(&x, &sites)?) {
            r.values = v;
        }
    }
    // One split over all datasets' images: each dataset's own.
    let split: std::collections::HashMap<String, Split> = data
        .iter()
        .flat_map(|d| d.samples.iter().map(|s| (s.id.clone(), s.split)))
        .collect();
    let opts = CvOptions {
        folds: a.folds,
        repeats: a.repeats,
        seed: a.seed,
        forest,
        linear: linear_of(a.forest_only),
        ..Default::default()
    };
    let st = study(&t, &split, &opts)?;
    lungfield::report::write_study(&a.out, &st)?;
    // The out-of-fold predictions broken down by site.
    let site_of: std::collections::HashMap<&str, &str> = t
        .rows
        .iter()
        .map(|r| (r.id.as_str(), r.site.as_str()))
        .collect();
    let sites: Vec<String> = st
        .ids
        .iter()
        .map(|id| {
            site_of
                .get(id.as_str())
                .copied()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let by_site = per_site(
        &st.cv.oof,
        &st.y,
        &sites,
        ("threshold", opts.threshold),
        &format!("{}-fold", opts.folds),
        (opts.bootstrap, opts.seed),
    );
    let rows: Vec<&SiteScores> = by_site.iter().collect();
    lungfield::report::write_per_site(&a.out, &rows)?;
    let mut page = lungfield::report::html::Report::new(&a.out, &title);
    page.study(&st)?;
    page.per_site(&rows);
    let html = page.write()?;
    if a.json {
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(a.out.join("summary.json"))?)?;
        crate::print_json(&serde_json::json!({
            "summary": summary,
            "out": a.out,
            "report": html,
            "failures": failures_json(&t),
        }));
        return Ok(ok);
    }
    print!("{}", lungfield::report::study_table(&st));
    println!(
        "wrote {}/summary.json, roc.csv, oof.csv, importance.csv, per_site.csv, features.csv and {}",
        a.out.display(),
        html.display()
    );
    Ok(ok)
}

/// The linear partner's settings, unless `--forest-only`.
fn linear_of(forest_only: bool) -> Option<LinearOptions> {
    (!forest_only).then(LinearOptions::default)
}

/// `cv --by-site`: leave-one-site-out, per_site.csv, oof.csv, summary.json, the report.
fn by_site_study(a: &CvArgs, t: &FeatureTable, forest: ForestOptions, title: &str) -> Result<()> {
    let rows = TrainingRows::labelled(t)?;
    let opts = TrainOptions {
        forest,
        linear: linear_of(a.forest_only),
        harmonise: a.harmonise,
        ..Default::default()
    };
    let st = leave_one_site_out(
        rows.set(),
        &SegmentOptions::default(),
        &FeatureOptions::default(),
        &opts,
        2000,
        a.seed,
    )?;
    lungfield::report::write_site_study(&a.out, &st, &rows.ids, &rows.y, &rows.sites)?;
    let mut page = lungfield::report::html::Report::new(&a.out, title);
    page.sites(&st, &rows.y)?;
    let html = page.write()?;
    if a.json {
        crate::print_json(&serde_json::json!({
            "per_site": st.per_site,
            "pooled": st.pooled,
            "harmonised": a.harmonise,
            "out": a.out,
            "report": html,
            "failures": failures_json(t),
        }));
        return Ok(());
    }
    print!("{}", site_table(&st));
    println!(
        "wrote {}/per_site.csv, oof.csv, summary.json, features.csv and {}",
        a.out.display(),
        html.display()
    );
    Ok(())
}

fn site_table(st: &SiteStudy) -> String {
    let mut out = String::new();
    for s in st.per_site.iter().chain([&st.pooled]) {
        let auc = match (s.auc, s.auc_ci) {
            (Some(v), Some((lo, hi))) => format!("AUC {v:.3} [{lo:.3}, {hi:.3}]"),
            _ => "AUC –".into(),
        };
        out.push_str(&format!(
            "{:<14} n {:>4} ({:>3} TB)  {auc}  at {}: sensitivity {:.3} [{:.3}, {:.3}]  specificity {:.3} [{:.3}, {:.3}]\n",
            s.site, s.n, s.n_tb, s.operating_point,
            s.sensitivity.0, s.sensitivity.1, s.sensitivity.2,
            s.specificity.0, s.specificity.1, s.specificity.2,
        ));
    }
    out
}

pub fn calibrate(a: &CalibrateArgs, quiet: bool) -> Result<bool> {
    crate::outputs::writable_file(&a.out)?;
    let mut model = Model::load(&a.model)?;
    let target = match (a.sensitivity, a.specificity) {
        (_, Some(s)) => Target::Specificity(s),
        (Some(s), None) => Target::Sensitivity(s),
        (None, None) => Target::Sensitivity(0.90),
    };
    let want = match target {
        Target::Sensitivity(s) | Target::Specificity(s) => s,
        Target::Youden => 0.0,
    };
    if !(want > 0.0 && want <= 1.0) {
        anyhow::bail!("--sensitivity/--specificity must be in (0, 1], e.g. 0.9");
    }
    let prior = prior_named(model.shape_prior.as_deref())?;
    let data = open(&a.data)?;
    let t = table_for(
        &jobs_of(&a.data, &data),
        a.data.masks.into(),
        &model.segment,
        prior.as_ref(),
        &model.features,
        quiet,
    );
    let ok = report_failures(&t);
    let TrainingRows { x, y, sites, .. } = TrainingRows::labelled(&t)?;
    let x = if model.harmonised {
        by_site(&x, &sites)?
    } else {
        x
    };
    let p = model.predict_proba(&x)?;
    let mut op = choose(&p, &y, target)
        .context("calibration needs labelled images of both classes (normal and TB)")?;
    op.name = format!("local_{}", target.name());
    let [se, sp] = rates_ci(&p, &y, op.threshold, 2000, 1);
    let auc = lungfield::metrics::auc(&p, &y);
    let auc_ci = lungfield::metrics::auc_ci(&p, &y, 2000, 1);
    model.set_default_operating_point(op.clone());
    model.save(&a.out)?;
    if a.json {
        crate::print_json(&serde_json::json!({
            "out": a.out,
            "operating_point": op,
            "score_threshold": model.score(op.threshold),
            "sensitivity": se,
            "specificity": sp,
            "auc": auc,
            "auc_ci": auc_ci,
            "n": y.len(),
            "failures": failures_json(&t),
        }));
        return Ok(ok);
    }
    let tb = y.iter().filter(|&&v| v == 1).count();
    println!(
        "{} images ({} normal, {tb} TB): AUC {:.3} [{:.3}, {:.3}]",
        y.len(),
        y.len() - tb,
        auc.unwrap_or(f64::NAN),
        auc_ci.map_or(f64::NAN, |c| c.0),
        auc_ci.map_or(f64::NAN, |c| c.1)
    );
    println!(
        "{}: score ≥ {:.1} (probability ≥ {:.4}): sensitivity {:.3} [{:.3}, {:.3}], specificity {:.3} [{:.3}, {:.3}] (95 % bootstrap)",
        op.name,
        model.score(op.threshold),
        op.threshold,
        se.0,
        se.1,
        se.2,
        sp.0,
        sp.1,
        sp.2
    );
    println!(
        "wrote {} (default operating point: {})",
        a.out.display(),
        op.name
    );
    Ok(ok)
}
