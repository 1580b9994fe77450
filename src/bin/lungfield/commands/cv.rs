//! `lungfield cv`: k-fold or leave-one-site-out cross-validation, with a report.

use anyhow::{Context, Result};

use lungfield::classify::harmonise::by_site;
use lungfield::classify::{
    leave_one_site_out, per_site, study, CvOptions, ForestOptions, SiteScores, SiteStudy,
    TrainOptions, TrainingRows,
};
use lungfield::features::FeatureTable;
use lungfield::io::Split;
use lungfield::SegmentOptions;

use crate::args::CvArgs;

pub fn run(a: &CvArgs, quiet: bool) -> Result<bool> {
    crate::outputs::writable_dir(&a.out)?;
    let data = super::tables::open(&a.data)?;
    let t = super::tables::table_of(&a.data, &data, quiet)?;
    let ok = super::tables::report_failures(&t);
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
        linear: super::tables::linear_of(&a.blend),
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
        crate::print_json(&CvJson {
            summary: lungfield::report::study_summary(&st),
            out: &a.out,
            report: &html,
            failures: super::tables::failures(&t.failures),
        });
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

/// `cv --by-site`: leave-one-site-out, per_site.csv, oof.csv, summary.json, the report.
fn by_site_study(a: &CvArgs, t: &FeatureTable, forest: ForestOptions, title: &str) -> Result<()> {
    let rows = TrainingRows::labelled(t)?;
    let opts = TrainOptions {
        forest,
        linear: super::tables::linear_of(&a.blend),
        harmonise: a.harmonise,
        by_site: !a.in_site_thresholds,
        ..Default::default()
    };
    let st = leave_one_site_out(
        rows.set(),
        &SegmentOptions::default(),
        &a.data.features.options(),
        &opts,
        2000,
        a.seed,
    )?;
    lungfield::report::write_site_study(&a.out, &st, &rows.ids, &rows.y, &rows.sites)?;
    let mut page = lungfield::report::html::Report::new(&a.out, title);
    page.sites(&st, &rows.y)?;
    let html = page.write()?;
    if a.json {
        crate::print_json(&BySiteJson {
            per_site: &st.per_site,
            pooled: &st.pooled,
            harmonised: a.harmonise,
            out: &a.out,
            report: &html,
            failures: super::tables::failures(&t.failures),
        });
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

/// `cv --json`.
#[derive(serde::Serialize)]
struct CvJson<'a> {
    summary: lungfield::report::StudySummary<'a>,
    out: &'a std::path::Path,
    report: &'a std::path::Path,
    failures: Vec<super::tables::Failure<'a>>,
}

/// `cv --by-site --json`.
#[derive(serde::Serialize)]
struct BySiteJson<'a> {
    per_site: &'a [SiteScores],
    pooled: &'a SiteScores,
    harmonised: bool,
    out: &'a std::path::Path,
    report: &'a std::path::Path,
    failures: Vec<super::tables::Failure<'a>>,
}
