//! Screening one received image and writing its results in its study's folder,
//! `OUT/studies/<Study Instance UID>/`: the mask, the heatmap and the result card (PNG), the
//! Secondary Capture and the Structured Report (DICOM), and, with `--forward`, copies of the
//! two DICOM objects in `OUT/outbox/`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::header::{valid_uid, Header};
use super::objects::{secondary_capture, structured_report, Finding};
use super::worklist::Row;
use crate::classify::{screen_file, Model, ScreenOptions, Screened};
use crate::io::{encode_png_gray8, encode_png_mask, encode_png_rgb8, write_atomic};
use crate::prior::ShapePrior;
use crate::report::card::{card_rgb, CardInfo};

/// What screening needs: the model and how to describe it.
pub struct Screening {
    /// The model.
    pub model: Model,
    /// Its shape prior.
    pub prior: Option<ShapePrior>,
    /// The model, in words (on the card and in the report).
    pub model_text: String,
    /// The operating point, in words.
    pub op_text: String,
    /// `OUT`.
    pub out: PathBuf,
    /// Whether the DICOM results go to `OUT/outbox/` too.
    pub forward: bool,
}

/// `(YYYYMMDD, HHMMSS, ISO 8601)` of a time, in UTC.
pub fn utc(t: SystemTime) -> (String, String, String) {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (hh, mm, ss) = (rem / 3600, rem / 60 % 60, rem % 60);
    (
        format!("{y:04}{m:02}{d:02}"),
        format!("{hh:02}{mm:02}{ss:02}"),
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z"),
    )
}

impl Screening {
    /// Screens `path` (a file in `OUT/received/`) and writes its results: its row.
    pub fn process(&self, path: &Path) -> Row {
        let received = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .unwrap_or_else(|_| SystemTime::now());
        let mut row = Row {
            received: utc(received).2,
            sop_instance_uid: path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            ..Row::default()
        };
        let header = match Header::read(path) {
            Ok(h) => h,
            Err(e) => {
                row.error = e.to_string();
                return row;
            }
        };
        row.study_instance_uid = header.study_uid.clone();
        row.patient_id = header.patient_id.clone();
        row.patient_name = header.patient_name.clone();
        row.accession = header.accession.clone();
        let opts = ScreenOptions {
            threshold: self.model.threshold,
            scaler: None,
            heatmap: self.model.heatmap.is_some(),
        };
        let screened = match screen_file(path, &self.model, self.prior.as_ref(), &opts) {
            Ok(s) => s,
            Err(e) => {
                row.error = e.to_string();
                return row;
            }
        };
        row.score = screened.scored.as_ref().map(|s| s.score);
        row.probability = screened.scored.as_ref().map(|s| s.probability);
        row.label = screened.label().to_string();
        row.flags = screened.flags_or_reason().join(";");
        row.qc = screened.qc_codes().join(";");
        match self.write(&header, &screened) {
            Ok(card) => row.card = card,
            Err(e) => row.error = e.to_string(),
        }
        row
    }

    /// Writes the study's files; the card's path relative to `OUT`.
    fn write(&self, h: &Header, s: &Screened) -> crate::Result<String> {
        let study = if valid_uid(&h.study_uid) {
            h.study_uid.as_str()
        } else {
            "unknown-study"
        };
        let rel = PathBuf::from("studies").join(study);
        let dir = self.out.join(&rel);
        std::fs::create_dir_all(&dir).map_err(|e| crate::Error::Io {
            path: dir.clone(),
            source: e,
        })?;
        let name = |suffix: &str| format!("{}{suffix}", h.sop_instance_uid);
        if let Some(sc) = &s.scored {
            write_atomic(
                &dir.join(name("_mask.png")),
                &encode_png_mask(&sc.segmentation.mask_u8())?,
            )?;
            if let Some(heat) = &sc.heat {
                let full = heat.at_size(&sc.segmentation.labels);
                write_atomic(&dir.join(name("_heatmap.png")), &encode_png_gray8(&full)?)?;
            }
        }
        let info = CardInfo {
            id: &h.patient_id,
            model: &self.model_text,
            operating_point: &self.op_text,
        };
        let (rgb, w, ht) = card_rgb(s, &info);
        write_atomic(&dir.join(name("_card.png")), &encode_png_rgb8(&rgb, w, ht)?)?;
        let (date, time, _) = utc(SystemTime::now());
        let finding = Finding {
            score: s.scored.as_ref().map(|x| x.score),
            label: s.label().to_string(),
            operating_point: self.op_text.clone(),
            flags: s.flags_or_reason(),
            qc: s.qc_codes().iter().map(|c| c.to_string()).collect(),
            model: self.model_text.clone(),
        };
        let objects = [
            (
                "_sc.dcm",
                secondary_capture(h, &rgb, w, ht, (&date, &time))?,
            ),
            ("_sr.dcm", structured_report(h, &finding, (&date, &time))?),
        ];
        for (suffix, bytes) in &objects {
            write_atomic(&dir.join(name(suffix)), bytes)?;
            if self.forward {
                write_atomic(&self.out.join("outbox").join(name(suffix)), bytes)?;
            }
        }
        Ok(rel.join(name("_card.png")).to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::utc;
    use std::time::{Duration, SystemTime};

    #[test]
    fn utc_dates_are_civil_dates() {
        let at = |s: u64| utc(SystemTime::UNIX_EPOCH + Duration::from_secs(s)).2;
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_796_428_799), "2026-12-04T23:59:59Z");
    }
}
