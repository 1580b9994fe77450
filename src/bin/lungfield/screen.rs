//! The classifier commands: features, train, classify, cv. Parsing is done; this only wires
//! the library together and reports.

use anyhow::{Context, Result};

use lungfield::classify::{study, CvOptions, ForestOptions, Model};
use lungfield::features::{
    feature_table, jobs_from_dataset, jobs_from_files, FeatureOptions, FeatureTable,
};
use lungfield::io::{find_images, Dataset};
use lungfield::SegmentOptions;

use crate::args::{ClassifyArgs, CvArgs, DataArgs, FeaturesArgs, TrainArgs};
use crate::bar::Bar;

/// Opens the dataset and relabels it when asked.
fn open(d: &DataArgs) -> Result<Dataset> {
    let mut data = Dataset::open(&d.data)?;
    if let Some(spec) = &d.label_from {
        let (col, val) = spec
            .split_once('=')
            .context("--label-from takes COLUMN=VALUE, e.g. jsrt_class=nodule")?;
        data.relabel_from_manifest(col, val)?;
    }
    Ok(data)
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

fn table_of(d: &DataArgs, data: &Dataset, quiet: bool) -> FeatureTable {
    let jobs = jobs_from_dataset(data, d.subset.into());
    let bar = Bar::new(jobs.len(), "images", quiet);
    let t = feature_table(
        &jobs,
        d.masks.into(),
        &SegmentOptions::default(),
        &FeatureOptions::default(),
        &bar,
    );
    bar.finish();
    t
}

pub fn features(a: &FeaturesArgs, quiet: bool) -> Result<bool> {
    crate::outputs::writable_file(&a.out)?;
    let jobs = match &a.data {
        Some(dir) => jobs_from_dataset(&Dataset::open(dir)?, lungfield::io::Subset::All),
        None => {
            if a.inputs.is_empty() {
                anyhow::bail!("give --data DIR or image files/folders");
            }
            jobs_from_files(&find_images(&a.inputs)?)
        }
    };
    let jobs = &jobs[a.shard.range(jobs.len())];
    let bar = Bar::new(jobs.len(), "images", quiet);
    let t = feature_table(
        jobs,
        a.masks.into(),
        &SegmentOptions::default(),
        &FeatureOptions::default(),
        &bar,
    );
    bar.finish();
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
    let t = table_of(&a.data, &data, quiet);
    let ok = report_failures(&t);
    let rows: Vec<_> = t.rows.iter().filter(|r| r.label.is_some()).collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let x: Vec<Vec<f64>> = rows.iter().map(|r| r.values.clone()).collect();
    let y: Vec<u8> = rows.iter().map(|r| r.label.unwrap_or(0)).collect();
    let started = std::time::Instant::now();
    let model = Model::train(
        &ids,
        &x,
        &y,
        &SegmentOptions::default(),
        &FeatureOptions::default(),
        &ForestOptions {
            trees: a.trees,
            seed: a.seed,
            ..Default::default()
        },
    )?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    model.save(&a.out)?;
    if a.json {
        let normal = y.iter().filter(|&&v| v == 0).count();
        crate::print_json(&serde_json::json!({
            "out": a.out,
            "trees": a.trees,
            "n_train": {"normal": normal, "tb": y.len() - normal},
            "features": t.names.len(),
            "ms": ms,
            "failures": failures_json(&t),
        }));
        return Ok(ok);
    }
    println!(
        "trained {} trees on {} images ({} normal, {} TB) × {} features in {ms:.0} ms; wrote {}",
        a.trees,
        y.len(),
        model.n_train.0,
        model.n_train.1,
        t.names.len(),
        a.out.display()
    );
    Ok(ok)
}

pub fn classify(a: &ClassifyArgs, quiet: bool) -> Result<bool> {
    if let Some(out) = &a.out {
        crate::outputs::writable_file(out)?;
    }
    let model = Model::load(&a.model)?;
    let files = find_images(&a.inputs)?;
    if files.is_empty() {
        anyhow::bail!("no image files found in the given paths");
    }
    let files = &files[a.shard.range(files.len())];
    let bar = Bar::new(files.len(), "images", quiet);
    let t = feature_table(
        &jobs_from_files(files),
        lungfield::features::MaskSource::Found,
        &model.segment,
        &model.features,
        &bar,
    );
    bar.finish();
    let ok = report_failures(&t);
    let x: Vec<Vec<f64>> = t.rows.iter().map(|r| r.values.clone()).collect();
    let p = model.predict_proba(&x)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    if a.shard.is_first() {
        w.write_record(["id", "probability", "label"])?;
    }
    for (r, pi) in t.rows.iter().zip(&p) {
        let label = if *pi >= model.threshold {
            "tb"
        } else {
            "normal"
        };
        w.write_record([r.id.clone(), format!("{pi:.4}"), label.to_string()])?;
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
            .map(|(r, pi)| {
                serde_json::json!({
                    "id": r.id,
                    "probability": pi,
                    "label": if *pi >= model.threshold { "tb" } else { "normal" },
                })
            })
            .collect();
        crate::print_json(&serde_json::json!({
            "results": results,
            "threshold": model.threshold,
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
    let t = table_of(&a.data, &data, quiet);
    let ok = report_failures(&t);
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    t.write_csv(&a.out.join("features.csv"))?;
    let split = data
        .samples
        .iter()
        .map(|s| (s.id.clone(), s.split))
        .collect();
    let opts = CvOptions {
        folds: a.folds,
        repeats: a.repeats,
        seed: a.seed,
        forest: ForestOptions {
            trees: a.trees,
            seed: a.seed,
            ..Default::default()
        },
        ..Default::default()
    };
    let st = study(&t, &split, &opts)?;
    lungfield::report::write_study(&a.out, &st)?;
    let mut page = lungfield::report::html::Report::new(
        &a.out,
        &format!("lungfield cross-validation: {}", a.data.data.display()),
    );
    page.study(&st)?;
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
        "wrote {}/summary.json, roc.csv, oof.csv, importance.csv, features.csv and {}",
        a.out.display(),
        html.display()
    );
    Ok(ok)
}
