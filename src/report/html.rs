//! `report.html`: one self-contained page (inline SVG charts, the montage as a data URI; opens
//! offline) with the summary, the Dice distribution, the best and worst segmentations with
//! their outlines, the ROC curve and the feature importance. The charts are also written as
//! SVG files and the montage as PNG beside it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine;

use super::plots::{bars_svg, histogram_svg, roc_svg};
use crate::classify::{SiteScores, SiteStudy, Study};
use crate::error::Result;
use crate::evaluate::Evaluation;
use crate::io::{write_atomic, Dataset};
use crate::options::SegmentOptions;
use crate::prior::ShapePrior;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One image's row in [`Report::results`].
#[derive(Clone, Debug)]
pub struct ResultRow {
    /// The image's id.
    pub id: String,
    /// The score 0–100 (`None`: not scored).
    pub score: Option<f64>,
    /// `tb`, `normal`, or empty when not scored.
    pub label: &'static str,
    /// The QC codes, joined.
    pub qc: String,
    /// The flags, joined.
    pub flags: String,
    /// The card's file name beside the page, if written.
    pub card: Option<String>,
}

/// Sorts `table.sortable` by the clicked column: numbers as numbers, text as text; a second
/// click reverses.
const SORT_SCRIPT: &str = r#"<script>
document.querySelectorAll('table.sortable').forEach(function (t) {
  t.querySelectorAll('th').forEach(function (th, col) {
    th.style.cursor = 'pointer';
    th.addEventListener('click', function () {
      var body = t.tBodies[0], rows = Array.from(body.rows);
      var dir = th.dataset.dir === 'asc' ? -1 : 1;
      t.querySelectorAll('th').forEach(function (h) { delete h.dataset.dir; });
      th.dataset.dir = dir === 1 ? 'asc' : 'desc';
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent, y = b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        if (!isNaN(nx) && !isNaN(ny)) return dir * (nx - ny);
        if (!isNaN(nx)) return -1;
        if (!isNaN(ny)) return 1;
        return dir * x.localeCompare(y);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
</script>
"#;

/// A report page being assembled, section by section.
pub struct Report {
    dir: PathBuf,
    title: String,
    body: String,
}

impl Report {
    /// A new page titled `title`, to be written into `dir` (charts beside it).
    pub fn new(dir: &Path, title: &str) -> Report {
        Report {
            dir: dir.to_path_buf(),
            title: title.to_string(),
            body: String::new(),
        }
    }

    fn heading(&mut self, h: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", esc(h));
    }

    fn table(&mut self, rows: &[(&str, String)]) {
        self.body.push_str("<table class=\"kv\">\n");
        for (k, v) in rows {
            let _ = writeln!(self.body, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
        }
        self.body.push_str("</table>\n");
    }

    /// Adds a chart inline and writes it to `dir/file`.
    fn chart(&mut self, svg: &str, file: &str) -> Result<()> {
        write_atomic(&self.dir.join(file), svg.as_bytes())?;
        let _ = writeln!(
            self.body,
            "<figure>{svg}<figcaption>{}</figcaption></figure>",
            esc(file)
        );
        Ok(())
    }

    /// The segmentation section: summary, Dice histogram, montage of the best and worst
    /// images (segmented again with `prior` when given) and the per-image table.
    ///
    /// # Errors
    /// An output that cannot be written, an image that can no longer be read.
    pub fn evaluation(
        &mut self,
        ev: &Evaluation,
        data: &Dataset,
        opts: &SegmentOptions,
        prior: Option<&ShapePrior>,
    ) -> Result<()> {
        let s = &ev.summary;
        self.heading("Segmentation");
        self.table(&[
            ("images scored", s.n.to_string()),
            ("failed", s.n_failed.to_string()),
            ("no lungs found", s.n_no_lungs.to_string()),
            (
                "Dice mean / median / 5th percentile",
                format!(
                    "{:.4} / {:.4} / {:.4}",
                    s.dice_mean, s.dice_median, s.dice_p5
                ),
            ),
            ("Jaccard mean", format!("{:.4}", s.jaccard_mean)),
            (
                "HD95 median / 95th percentile (px)",
                format!("{:.1} / {:.1}", s.hd95_median_px, s.hd95_p95_px),
            ),
            (
                "ms per image (mean, one thread)",
                format!("{:.1}", s.ms_per_image),
            ),
            ("shape prior", s.prior.clone()),
            ("instruction set", s.instruction_set.clone()),
        ]);
        let dice: Vec<f64> = ev.rows.iter().map(|r| r.scores.dice).collect();
        let lo = dice.iter().copied().fold(0.8f64, f64::min).clamp(0.0, 0.8);
        self.chart(
            &histogram_svg(&dice, (lo, 1.0), 25, "Dice per image", "Dice")?,
            "dice_histogram.svg",
        )?;
        // The montage: the four worst and four best images.
        let mut order: Vec<&crate::evaluate::EvalRow> = ev.rows.iter().collect();
        order.sort_by(|a, b| {
            a.scores
                .dice
                .total_cmp(&b.scores.dice)
                .then(a.id.cmp(&b.id))
        });
        let k = 4.min(order.len() / 2).max(order.len().min(1));
        let mut picked: Vec<&crate::evaluate::EvalRow> = order.iter().take(k).copied().collect();
        picked.extend(
            order
                .iter()
                .rev()
                .take(k)
                .rev()
                .copied()
                .filter(|r| !picked.iter().any(|p| p.id == r.id))
                .collect::<Vec<_>>(),
        );
        let samples: Vec<&crate::io::Sample> = picked
            .iter()
            .filter_map(|r| data.samples.iter().find(|s| s.id == r.id))
            .collect();
        if !samples.is_empty() {
            let (rgb, w, h) = crate::overlay::sample_sheet(&samples, opts, prior, 220, 4)?;
            let bytes = crate::io::encode_png_rgb8(&rgb, w, h)?;
            write_atomic(&self.dir.join("montage.png"), &bytes)?;
            let names: Vec<String> = picked
                .iter()
                .map(|r| format!("{} ({:.3})", r.id, r.scores.dice))
                .collect();
            let _ = writeln!(
                self.body,
                "<figure><img alt=\"montage\" src=\"data:image/png;base64,{}\"><figcaption>Worst (top row) and best (bottom row) by Dice: {}. Found lungs in orange (right) and cyan (left), the expert outline in green{}.</figcaption></figure>",
                base64::engine::general_purpose::STANDARD.encode(bytes),
                esc(&names.join(", ")),
                if s.prior.starts_with("cross") { "; segmented here without the cross-validated prior" } else { "" }
            );
        }
        self.body.push_str("<details><summary>Per image</summary><table class=\"rows\"><tr><th>id</th><th>Dice</th><th>Jaccard</th><th>HD95 px</th><th>flags</th></tr>\n");
        for r in &ev.rows {
            let _ = writeln!(
                self.body,
                "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.1}</td><td>{}</td></tr>",
                esc(&r.id),
                r.scores.dice,
                r.scores.jaccard,
                r.scores.hd95_px,
                esc(&r.flags)
            );
        }
        self.body.push_str("</table></details>\n");
        for (id, e) in &ev.failures {
            let _ = writeln!(
                self.body,
                "<p class=\"fail\">{}: {}</p>",
                esc(id),
                esc(&e.to_string())
            );
        }
        Ok(())
    }

    /// The classifier section: summary, ROC curve and permutation importance.
    ///
    /// # Errors
    /// An output that cannot be written.
    pub fn study(&mut self, st: &Study) -> Result<()> {
        let s = &st.cv.scores;
        self.heading("TB classifier (cross-validation)");
        let mut rows = vec![
            ("images", s.n.to_string()),
            (
                "folds × repeats",
                format!("{} × {}", st.options.folds, st.options.repeats),
            ),
            ("trees", st.options.forest.trees.to_string()),
            (
                "AUC [95 % CI]",
                format!("{:.3} [{:.3}, {:.3}]", s.auc, s.auc_ci_low, s.auc_ci_high),
            ),
            (
                "accuracy / sensitivity / specificity",
                format!(
                    "{:.3} / {:.3} / {:.3}",
                    s.accuracy, s.sensitivity, s.specificity
                ),
            ),
        ];
        if let Some(t) = &st.test {
            rows.push(("held-out test: n, AUC", format!("{}, {:.3}", t.n, t.auc)));
        }
        self.table(&rows);
        let pts: Vec<(f64, f64)> = st.cv.roc.iter().map(|&(_, f, t)| (f, t)).collect();
        let mark = [(1.0 - s.specificity, s.sensitivity)];
        self.chart(&roc_svg(&pts, s.auc, &mark)?, "roc.svg")?;
        let top: Vec<(String, f64)> = super::ranked_importance(st)
            .into_iter()
            .take(15)
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        if !top.is_empty() {
            self.chart(
                &bars_svg(&top, "Permutation importance (drop in AUC)")?,
                "importance.svg",
            )?;
        }
        Ok(())
    }

    /// The leave-one-site-out section: a table of the held-out sites and the pooled figure,
    /// and the pooled ROC with each site's operating point marked.
    ///
    /// # Errors
    /// An output that cannot be written.
    pub fn sites(&mut self, st: &SiteStudy, y: &[u8]) -> Result<()> {
        self.heading("TB classifier (leave-one-site-out)");
        let rows: Vec<&SiteScores> = st.per_site.iter().chain([&st.pooled]).collect();
        self.site_rows(&rows, "held-out site");
        let pts: Vec<(f64, f64)> = crate::metrics::roc_points(&st.score, y)
            .iter()
            .map(|&(_, f, t)| (f, t))
            .collect();
        let marks: Vec<(f64, f64)> = st
            .per_site
            .iter()
            .map(|s| (1.0 - s.specificity.0, s.sensitivity.0))
            .collect();
        self.chart(
            &roc_svg(&pts, st.pooled.auc.unwrap_or(f64::NAN), &marks)?,
            "roc_by_site.svg",
        )?;
        Ok(())
    }

    /// A table of per-site figures (one row each, the pooled row last).
    pub fn site_rows(&mut self, rows: &[&SiteScores], first: &str) {
        let _ = writeln!(
            self.body,
            "<table class=\"rows\"><tr><th>{}</th><th>trained on</th><th>n (TB)</th>\
             <th>AUC [95 % CI]</th><th>operating point</th><th>sensitivity [95 % CI]</th>\
             <th>specificity [95 % CI]</th></tr>",
            esc(first)
        );
        for s in rows {
            let auc = match (s.auc, s.auc_ci) {
                (Some(a), Some((lo, hi))) => format!("{a:.3} [{lo:.3}, {hi:.3}]"),
                (Some(a), None) => format!("{a:.3}"),
                _ => "– (one class)".into(),
            };
            let rate = |r: (f64, f64, f64)| format!("{:.3} [{:.3}, {:.3}]", r.0, r.1, r.2);
            let _ = writeln!(
                self.body,
                "<tr><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&s.site),
                esc(&s.trained_on.join(", ")),
                s.n,
                s.n_tb,
                auc,
                esc(&s.operating_point),
                rate(s.sensitivity),
                rate(s.specificity)
            );
        }
        self.body.push_str("</table>\n");
    }

    /// The per-site breakdown of a cross-validation over several sites.
    pub fn per_site(&mut self, rows: &[&SiteScores]) {
        self.heading("TB classifier per site (cross-validation)");
        self.site_rows(rows, "site");
    }

    /// The screening section: a table of every image (sortable by clicking a column's
    /// heading) with its score, label, QC codes and flags, and a thumbnail of its card linked
    /// to the card itself (cards are files beside the page).
    pub fn results(&mut self, rows: &[ResultRow]) {
        self.heading("Results");
        let scored = rows.iter().filter(|r| r.score.is_some()).count();
        let tb = rows.iter().filter(|r| r.label == "tb").count();
        self.table(&[
            ("images", rows.len().to_string()),
            ("scored", scored.to_string()),
            ("called TB", tb.to_string()),
            ("not scored (QC)", (rows.len() - scored).to_string()),
        ]);
        self.body.push_str(
            "<p>Click a column's heading to sort by it (again to reverse).</p>\n<table class=\"rows sortable\" id=\"results\"><thead><tr><th>card</th><th>id</th><th>score</th><th>label</th><th>QC</th><th>flags</th></tr></thead><tbody>\n",
        );
        for r in rows {
            let card = r.card.as_deref().map_or(String::new(), |f| {
                format!(
                    "<a href=\"{f}\"><img class=\"thumb\" loading=\"lazy\" alt=\"card\" src=\"{f}\"></a>",
                    f = esc(f)
                )
            });
            let _ = writeln!(
                self.body,
                "<tr><td>{card}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.id),
                r.score.map_or(String::new(), |s| format!("{s:.1}")),
                esc(r.label),
                if r.label.is_empty() {
                    "not scored".to_string()
                } else {
                    esc(r.label)
                },
                esc(&r.qc),
                esc(&r.flags)
            );
        }
        self.body.push_str("</tbody></table>\n");
        self.body.push_str(SORT_SCRIPT);
    }

    /// Writes `dir/report.html` atomically and returns its path.
    ///
    /// # Errors
    /// [`crate::Error::Io`] naming the file.
    pub fn write(&self) -> Result<PathBuf> {
        let path = self.dir.join("report.html");
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\nbody{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}\nh1{{font-size:1.6em}} h2{{margin-top:1.6em;border-bottom:1px solid #ccc}}\ntable.kv th{{text-align:left;padding-right:1.5em;font-weight:normal;color:#555}}\ntable.rows{{border-collapse:collapse;font-size:.85em}} table.rows td,table.rows th{{padding:2px 8px;border-bottom:1px solid #eee}}\nfigure{{margin:1em 0}} figure img{{max-width:100%}} figcaption{{color:#666;font-size:.85em}}\n.fail{{color:#a00}}\nimg.thumb{{width:200px}} td.tb{{color:#c00;font-weight:bold}} td.normal{{color:#080}}\ntable.sortable th[data-dir=asc]::after{{content:' \\25B2'}} table.sortable th[data-dir=desc]::after{{content:' \\25BC'}}\n</style></head><body>\n<h1>{t}</h1>\n<p>lungfield {v}</p>\n{b}</body></html>\n",
            t = esc(&self.title),
            v = env!("CARGO_PKG_VERSION"),
            b = self.body
        );
        write_atomic(&path, html.as_bytes())?;
        Ok(path)
    }
}
