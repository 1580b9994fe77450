//! The listener's record of every screened image: `OUT/results.csv` (one row per image,
//! read back on restart) and `OUT/index.html`, a worklist page that refreshes itself, newest
//! first, and works offline from disk. Both are rewritten atomically after each image.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::write_atomic;

/// One screened image.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// When the image was received (UTC, ISO 8601).
    pub received: String,
    /// SOP Instance UID of the image.
    pub sop_instance_uid: String,
    /// Its study.
    pub study_instance_uid: String,
    /// Patient ID.
    pub patient_id: String,
    /// Patient's name (DICOM PN).
    pub patient_name: String,
    /// Accession number.
    pub accession: String,
    /// Score 0–100 (empty when not scored).
    pub score: Option<f64>,
    /// Calibrated probability of TB.
    pub probability: Option<f64>,
    /// `tb`, `normal` or empty.
    pub label: String,
    /// Segmentation flags, `;`-separated.
    pub flags: String,
    /// Quality-check codes, `;`-separated.
    pub qc: String,
    /// The result card, relative to `OUT` (empty when none).
    pub card: String,
    /// Why the image could not be screened (empty when it was).
    pub error: String,
}

/// All rows, in the order they were screened.
#[derive(Debug, Default)]
pub struct Worklist {
    /// The rows.
    pub rows: Vec<Row>,
}

impl Worklist {
    /// Reads `results.csv` (an empty list when there is none).
    ///
    /// # Errors
    /// A file that exists but cannot be read as the listener's CSV.
    pub fn load(path: &Path) -> Result<Worklist> {
        if !path.exists() {
            return Ok(Worklist::default());
        }
        let bad = |e: csv::Error| Error::Dataset {
            path: path.to_path_buf(),
            reason: format!(
                "not a results.csv the listener wrote ({e}); move it away to start a new one"
            ),
        };
        let mut r = csv::Reader::from_path(path).map_err(bad)?;
        let rows = r
            .deserialize()
            .collect::<std::result::Result<Vec<Row>, _>>()
            .map_err(bad)?;
        Ok(Worklist { rows })
    }

    /// The SOP Instance UIDs already screened.
    pub fn done(&self) -> HashSet<String> {
        self.rows
            .iter()
            .map(|r| r.sop_instance_uid.clone())
            .collect()
    }

    /// Writes `OUT/results.csv` and `OUT/index.html`.
    ///
    /// # Errors
    /// When either cannot be written.
    pub fn write(&self, out: &Path, aet: &str) -> Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &self.rows {
            w.serialize(r).map_err(|e| Error::Dataset {
                path: out.join("results.csv"),
                reason: e.to_string(),
            })?;
        }
        let bytes = w.into_inner().map_err(|e| Error::Dataset {
            path: out.join("results.csv"),
            reason: e.to_string(),
        })?;
        write_atomic(&out.join("results.csv"), &bytes)?;
        write_atomic(&out.join("index.html"), self.html(aet).as_bytes())
    }

    /// The worklist page.
    pub fn html(&self, aet: &str) -> String {
        let mut s = String::with_capacity(4096 + 600 * self.rows.len());
        s.push_str(&format!(
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>lungfield worklist ({n})</title>
<style>
body{{font:14px system-ui,sans-serif;margin:1.5em;color:#222}}
table{{border-collapse:collapse;width:100%}}
th,td{{border-bottom:1px solid #ddd;padding:.35em .6em;text-align:left;vertical-align:middle}}
th{{background:#f4f4f4;position:sticky;top:0}}
.tb{{color:#b00;font-weight:bold}} .normal{{color:#060}} .err{{color:#b00}}
td.n{{text-align:right;font-variant-numeric:tabular-nums}} img{{height:90px;border:1px solid #ccc}}
small{{color:#666}}
</style></head><body>
<h1>lungfield worklist <small>AE {aet} · {n} image(s) · newest first · refreshes every 5 s</small></h1>
<table><thead><tr><th>received (UTC)</th><th>patient</th><th>ID</th><th>accession</th><th>score</th><th>label</th><th>flags and quality checks</th><th>card</th></tr></thead><tbody>
"#,
            n = self.rows.len(),
            aet = esc(aet)
        ));
        for r in self.rows.iter().rev() {
            let score = r.score.map_or(String::new(), |v| format!("{v:.1}"));
            let label = if r.error.is_empty() {
                format!(r#"<span class="{0}">{0}</span>"#, esc(&r.label))
            } else {
                r#"<span class="err">error</span>"#.to_string()
            };
            let notes = [r.flags.as_str(), r.qc.as_str(), r.error.as_str()]
                .iter()
                .filter(|t| !t.is_empty())
                .map(|t| esc(&t.replace(';', ", ")))
                .collect::<Vec<_>>()
                .join("<br>");
            let card = if r.card.is_empty() {
                String::new()
            } else {
                format!(
                    r#"<a href="{0}"><img src="{0}" alt="card"></a>"#,
                    esc(&r.card)
                )
            };
            s.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{score}</td><td>{label}</td><td>{notes}</td><td>{card}</td></tr>\n",
                esc(&r.received),
                esc(&r.patient_name.replace('^', " ")),
                esc(&r.patient_id),
                esc(&r.accession),
            ));
        }
        s.push_str("</tbody></table></body></html>\n");
        s
    }
}

/// HTML-escapes text.
fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_the_csv_and_the_page_escapes_and_orders_them() {
        let dir = std::env::temp_dir().join(format!("lf-worklist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut w = Worklist::default();
        for (i, name) in ["First^A", "<script>x</script>"].iter().enumerate() {
            w.rows.push(Row {
                received: format!("2026-12-04T10:0{i}:00Z"),
                sop_instance_uid: format!("1.2.{i}"),
                patient_name: name.to_string(),
                score: Some(10.0 * i as f64),
                label: "normal".into(),
                flags: "a;b".into(),
                ..Row::default()
            });
        }
        w.write(&dir, "LUNGFIELD").expect("written");
        let back = Worklist::load(&dir.join("results.csv")).expect("read back");
        assert_eq!(back.rows, w.rows);
        assert_eq!(back.done().len(), 2);
        let html = std::fs::read_to_string(dir.join("index.html")).expect("page");
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
        assert!(html.find("1.2.1").is_none()); // UIDs are not shown; names are
        assert!(html.find("&lt;script").expect("second") < html.find("First A").expect("first"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
