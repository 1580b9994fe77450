//! Result files: `per_image.csv` and `summary.json` (written atomically) and the short table
//! printed at the end of a run.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Error, Result};
use crate::evaluate::Evaluation;
use crate::io::write_atomic;

/// Writes `per_image.csv` (id, dice, jaccard, hd95_px, ms, flags) and `summary.json` into `dir`
/// (created if missing).
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
    csv.write_record(["id", "dice", "jaccard", "hd95_px", "ms", "flags"])
        .map_err(bad)?;
    for r in &ev.rows {
        csv.write_record([
            r.id.clone(),
            format!("{:.6}", r.scores.dice),
            format!("{:.6}", r.scores.jaccard),
            format!("{:.3}", r.scores.hd95_px),
            format!("{:.3}", r.ms),
            r.flags.clone(),
        ])
        .map_err(bad)?;
    }
    let bytes = csv
        .into_inner()
        .map_err(|e| Error::InvalidOption(format!("CSV: {e}")))?;
    write_atomic(&dir.join("per_image.csv"), &bytes)?;
    let json = serde_json::to_vec_pretty(&ev.summary)
        .map_err(|e| Error::InvalidOption(format!("JSON: {e}")))?;
    write_atomic(&dir.join("summary.json"), &json)
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
        "hd95 px  median {:.2}  p95 {:.2}",
        s.hd95_median_px, s.hd95_p95_px
    );
    let _ = writeln!(
        t,
        "ms/image mean {:.2}  median {:.2}  (one thread per image, decode excluded, {}, work {} px, contour {} it)",
        s.ms_per_image, s.ms_median, s.instruction_set, s.work_size, s.contour_iterations
    );
    t
}
