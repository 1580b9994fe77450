//! `lungfield calibrate`: re-sets a model's operating point on a site's labelled images.

use anyhow::{Context, Result};

use lungfield::classify::calibration::{choose, rates_ci, Target};
use lungfield::classify::harmonise::by_site;
use lungfield::classify::{Model, TrainingRows};

use crate::args::CalibrateArgs;

pub fn run(a: &CalibrateArgs, quiet: bool) -> Result<bool> {
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
    let prior = model.prior()?;
    let data = super::tables::open(&a.data)?;
    let t = super::tables::table_for(
        &super::tables::jobs_of(&a.data, &data),
        a.data.masks.into(),
        &model.segment,
        prior.as_ref(),
        &model.features,
        quiet,
    );
    let ok = super::tables::report_failures(&t);
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
        crate::print_json(&CalibrateJson {
            out: &a.out,
            operating_point: &op,
            score_threshold: model.score(op.threshold),
            sensitivity: se,
            specificity: sp,
            auc,
            auc_ci,
            n: y.len(),
            failures: super::tables::failures(&t.failures),
        });
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

/// `calibrate --json`. Rates are (value, CI low, CI high).
#[derive(serde::Serialize)]
struct CalibrateJson<'a> {
    out: &'a std::path::Path,
    operating_point: &'a lungfield::classify::calibration::OperatingPoint,
    score_threshold: f64,
    sensitivity: (f64, f64, f64),
    specificity: (f64, f64, f64),
    auc: Option<f64>,
    auc_ci: Option<(f64, f64)>,
    n: usize,
    failures: Vec<super::tables::Failure<'a>>,
}
