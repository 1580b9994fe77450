//! Result files: `per_image.csv` and `summary.json` (written atomically) and the short table
//! printed at the end of a run; the result cards ([`card`]) and `report.html` ([`html`]).

pub mod card;
pub mod html;
pub mod plots;

use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Error, Result};
use crate::evaluate::Evaluation;
use crate::io::write_atomic;

/// Writes `per_image.csv` (id, dice, jaccard, hd95_px, hd95_mm, flags, right_from_image,
/// left_from_image) and `summary.json`, which
/// depend only on the inputs and options (bit-identical at any thread count and across runs),
/// and `timing.csv` (id, ms) and `timing.json` (ms_per_image, ms_median, instruction_set),
/// which are measurements, into `dir` (created if missing).
///
/// # Errors
/// [`Error::Io`] naming the file that could not be written.
pub fn write_evaluation(dir: &Path, ev: &Evaluation) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    let bad = |e: csv::Error| Error::InvalidOption(format!("CSV: {e}"));
    csv.write_record([
        "id",
        "dice",
        "jaccard",
        "hd95_px",
        "hd95_mm",
        "flags",
        "right_from_image",
        "left_from_image",
    ])
    .map_err(bad)?;
    let mut timing = csv::Writer::from_writer(Vec::new());
    timing.write_record(["id", "ms"]).map_err(bad)?;
    for r in &ev.rows {
        csv.write_record([
            r.id.clone(),
            format!("{:.6}", r.scores.dice),
            format!("{:.6}", r.scores.jaccard),
            format!("{:.3}", r.scores.hd95_px),
            r.hd95_mm.map_or(String::new(), |v| format!("{v:.3}")),
            r.flags.clone(),
            format!("{:.3}", r.from_image[0]),
            format!("{:.3}", r.from_image[1]),
        ])
        .map_err(bad)?;
        timing
            .write_record([r.id.clone(), format!("{:.3}", r.ms)])
            .map_err(bad)?;
    }
    let csv_done = |w: csv::Writer<Vec<u8>>| {
        w.into_inner()
            .map_err(|e| Error::InvalidOption(format!("CSV: {e}")))
    };
    write_atomic(&dir.join("per_image.csv"), &csv_done(csv)?)?;
    write_atomic(&dir.join("timing.csv"), &csv_done(timing)?)?;
    write_atomic(&dir.join("summary.json"), &to_json(&ev.summary)?)?;
    let t = &ev.summary;
    let timing_json = serde_json::json!({
        "ms_per_image": t.ms_per_image,
        "ms_median": t.ms_median,
        "instruction_set": t.instruction_set,
        "note": "one thread per image, decoding excluded",
    });
    write_atomic(&dir.join("timing.json"), &to_json(&timing_json)?)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(v).map_err(|e| Error::InvalidOption(format!("JSON: {e}")))
}

/// A short human-readable table of an evaluation.
pub fn summary_table(ev: &Evaluation) -> String {
    let s = &ev.summary;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "images scored {}  failed {}  no lungs {}  degraded excluded {}",
        s.n, s.n_failed, s.n_no_lungs, s.n_excluded_degraded
    );
    let _ = writeln!(
        t,
        "dice     mean {:.4}  median {:.4}  p5 {:.4}",
        s.dice_mean, s.dice_median, s.dice_p5
    );
    let _ = writeln!(t, "jaccard  mean {:.4}", s.jaccard_mean);
    let _ = writeln!(
        t,
        "hd95 px  median {:.2}  p95 {:.2}{}",
        s.hd95_median_px,
        s.hd95_p95_px,
        s.hd95_median_mm
            .map_or(String::new(), |mm| format!("  (median {mm:.2} mm)"))
    );
    let _ = writeln!(
        t,
        "ms/image mean {:.2}  median {:.2}  (one thread per image, decode excluded, {}, work {} px, contour {} it)",
        s.ms_per_image, s.ms_median, s.instruction_set, s.work_size, s.contour_iterations
    );
    let _ = writeln!(t, "prior    {}", s.prior);
    t
}

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let bad = |e: csv::Error| Error::InvalidOption(format!("CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(bad)?;
    for r in rows {
        w.write_record(&r).map_err(bad)?;
    }
    w.into_inner()
        .map_err(|e| Error::InvalidOption(format!("CSV: {e}")))
}

/// The `summary.json` of a classifier study (and what `cv --json` and `demo --json` print).
#[derive(serde::Serialize)]
pub struct StudySummary<'a> {
    auc: f64,
    auc_ci_low: f64,
    auc_ci_high: f64,
    accuracy: f64,
    sensitivity: f64,
    specificity: f64,
    cv: &'a crate::classify::Scores,
    test: Option<&'a crate::classify::Scores>,
    folds: usize,
    repeats: usize,
    seed: u64,
    trees: usize,
    threshold: f64,
    n_features: usize,
    top_features: Vec<(&'a str, f64)>,
}

/// Features ranked by permutation importance, most important first.
pub fn ranked_importance(st: &crate::classify::Study) -> Vec<(&str, f64)> {
    let mut r: Vec<(&str, f64)> = st
        .names
        .iter()
        .map(String::as_str)
        .zip(st.cv.importance.iter().copied())
        .collect();
    r.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    r
}

/// The summary of a classifier study: its AUC with CI, the rates, the settings and the
/// 15 most important features.
pub fn study_summary(st: &crate::classify::Study) -> StudySummary<'_> {
    let s = &st.cv.scores;
    let ranked = ranked_importance(st);
    StudySummary {
        auc: s.auc,
        auc_ci_low: s.auc_ci_low,
        auc_ci_high: s.auc_ci_high,
        accuracy: s.accuracy,
        sensitivity: s.sensitivity,
        specificity: s.specificity,
        cv: s,
        test: st.test.as_ref(),
        folds: st.options.folds,
        repeats: st.options.repeats,
        seed: st.options.seed,
        trees: st.options.forest.trees,
        threshold: st.options.threshold,
        n_features: st.names.len(),
        top_features: ranked.iter().take(15).copied().collect(),
    }
}

/// Writes a classifier study into `dir`: `summary.json` (`auc`, `auc_ci_low`, `auc_ci_high`,
/// `accuracy`, `sensitivity`, `specificity` of the cross-validation, the same and the
/// confusion counts under `cv` and `test`), `roc.csv`, `oof.csv` (out-of-fold probability per
/// image) and `importance.csv` (features ranked).
///
/// # Errors
/// [`Error::Io`] naming the file that could not be written.
pub fn write_study(dir: &Path, st: &crate::classify::Study) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let summary = study_summary(st);
    let ranked = ranked_importance(st);
    let json = serde_json::to_vec_pretty(&summary)
        .map_err(|e| Error::InvalidOption(format!("JSON: {e}")))?;
    write_atomic(&dir.join("summary.json"), &json)?;
    let roc = csv_bytes(
        &["threshold", "fpr", "tpr"],
        st.cv
            .roc
            .iter()
            .map(|(t, f, p)| vec![format!("{t}"), format!("{f:.6}"), format!("{p:.6}")]),
    )?;
    write_atomic(&dir.join("roc.csv"), &roc)?;
    let oof = csv_bytes(
        &["id", "label", "probability"],
        st.ids
            .iter()
            .zip(&st.y)
            .zip(&st.cv.oof)
            .map(|((id, y), p)| vec![id.clone(), y.to_string(), format!("{p:.6}")]),
    )?;
    write_atomic(&dir.join("oof.csv"), &oof)?;
    let imp = csv_bytes(
        &["feature", "auc_drop"],
        ranked
            .iter()
            .map(|(n, d)| vec![n.to_string(), format!("{d:.6}")]),
    )?;
    write_atomic(&dir.join("importance.csv"), &imp)
}

/// Writes a leave-one-site-out study into `dir`: `per_site.csv` (one row per held-out site
/// and a `pooled` row: n, TB, AUC and its interval, the operating point, sensitivity and
/// specificity with intervals), `oof.csv` (the held-out score, probability and call of every
/// image, with its site) and `summary.json` (all of it).
///
/// # Errors
/// [`Error::Io`] naming the file that could not be written.
pub fn write_site_study(
    dir: &Path,
    st: &crate::classify::SiteStudy,
    ids: &[String],
    y: &[u8],
    sites: &[String],
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let rows: Vec<&crate::classify::SiteScores> = st.per_site.iter().chain([&st.pooled]).collect();
    write_per_site(dir, &rows)?;
    let oof = csv_bytes(
        &["id", "site", "label", "score", "probability", "called_tb"],
        (0..ids.len()).map(|i| {
            vec![
                ids[i].clone(),
                sites[i].clone(),
                y[i].to_string(),
                format!("{:.2}", st.score[i]),
                format!("{:.6}", st.probability[i]),
                u8::from(st.called[i]).to_string(),
            ]
        }),
    )?;
    write_atomic(&dir.join("oof.csv"), &oof)?;
    let json = serde_json::to_vec_pretty(&serde_json::json!({
        "per_site": st.per_site,
        "pooled": st.pooled,
    }))
    .map_err(|e| Error::InvalidOption(format!("JSON: {e}")))?;
    write_atomic(&dir.join("summary.json"), &json)
}

/// Writes `dir/per_site.csv`: one row per site (and a `pooled` row): n, TB, AUC and its
/// interval, how the predictions were made (`trained_on`), the operating point and its
/// threshold, sensitivity and specificity with intervals.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_per_site(dir: &Path, rows: &[&crate::classify::SiteScores]) -> Result<()> {
    let f = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
    let per_site = csv_bytes(
        &[
            "site",
            "trained_on",
            "n",
            "n_tb",
            "auc",
            "auc_ci_low",
            "auc_ci_high",
            "operating_point",
            "threshold",
            "sensitivity",
            "sensitivity_ci_low",
            "sensitivity_ci_high",
            "specificity",
            "specificity_ci_low",
            "specificity_ci_high",
        ],
        rows.iter().map(|s| {
            vec![
                s.site.clone(),
                s.trained_on.join(";"),
                s.n.to_string(),
                s.n_tb.to_string(),
                f(s.auc),
                f(s.auc_ci.map(|c| c.0)),
                f(s.auc_ci.map(|c| c.1)),
                s.operating_point.clone(),
                f(s.threshold.is_finite().then_some(s.threshold)),
                format!("{:.4}", s.sensitivity.0),
                format!("{:.4}", s.sensitivity.1),
                format!("{:.4}", s.sensitivity.2),
                format!("{:.4}", s.specificity.0),
                format!("{:.4}", s.specificity.1),
                format!("{:.4}", s.specificity.2),
            ]
        }),
    )?;
    write_atomic(&dir.join("per_site.csv"), &per_site)
}

/// A short table of a classifier study.
pub fn study_table(st: &crate::classify::Study) -> String {
    let mut t = String::new();
    let line = |t: &mut String, name: &str, s: &crate::classify::Scores| {
        let c = &s.confusion;
        let _ = writeln!(
            t,
            "{name:<5} n {:>4}  AUC {:.3} [{:.3}, {:.3}]  accuracy {:.3}  sensitivity {:.3}  specificity {:.3}  (TP {} FP {} TN {} FN {})",
            s.n, s.auc, s.auc_ci_low, s.auc_ci_high, s.accuracy, s.sensitivity, s.specificity,
            c.tp, c.fp, c.tn, c.fn_
        );
    };
    line(&mut t, "cv", &st.cv.scores);
    match &st.test {
        Some(s) => line(&mut t, "test", s),
        None => {
            let _ = writeln!(t, "test  (the test part lacks a class; not scored)");
        }
    }
    // Only features whose shuffling lowered the out-of-fold AUC rank; a tie at zero is noise.
    let ranked = ranked_importance(st);
    let top: Vec<String> = ranked
        .iter()
        .filter(|(_, d)| *d >= 0.001)
        .take(5)
        .map(|(n, d)| format!("{n} ({d:.3})"))
        .collect();
    let note =
        "none lowers the out-of-fold AUC by 0.001 when shuffled (too few images to rank them)";
    if !ranked.is_empty() {
        let shown = if top.is_empty() {
            note.to_string()
        } else {
            top.join(", ")
        };
        let _ = writeln!(t, "top features: {shown}");
    }
    t
}
