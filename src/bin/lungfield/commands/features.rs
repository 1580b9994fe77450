//! `lungfield features`: the feature table of a batch or of datasets, as CSV.

use anyhow::Result;

use lungfield::features::{jobs_from_dataset, jobs_from_files};
use lungfield::io::{find_images, Dataset};
use lungfield::prior::ShapePrior;
use lungfield::SegmentOptions;

use crate::args::FeaturesArgs;

pub fn run(a: &FeaturesArgs, quiet: bool) -> Result<bool> {
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
    let t = super::tables::table_for(
        jobs,
        a.masks.into(),
        &SegmentOptions::default(),
        Some(&prior),
        &a.features.options(),
        quiet,
    );
    let ok = super::tables::report_failures(&t);
    lungfield::io::write_atomic(&a.out, &t.to_csv_with(a.shard.is_first())?)?;
    if a.json {
        crate::print_json(&FeaturesJson {
            rows: t.rows.len(),
            features: t.names.len(),
            out: &a.out,
            failures: super::tables::failures(&t.failures),
        });
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

/// `features --json`.
#[derive(serde::Serialize)]
struct FeaturesJson<'a> {
    rows: usize,
    features: usize,
    out: &'a std::path::Path,
    failures: Vec<super::tables::Failure<'a>>,
}
