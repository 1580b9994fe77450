//! Features of many radiographs: one row per image, computed in parallel, in a fixed order,
//! written as CSV with the feature names as header.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::local::LocalSample;
use super::{extract_local, feature_names, FeatureOptions};
use crate::error::{Error, Result};
use crate::image::Mask;
use crate::io::{decode_file, read_mask_for, write_atomic};
use crate::options::SegmentOptions;
use crate::pipeline::segment_with_prior;
use crate::prior::ShapePrior;
use crate::segment::Provenance;

/// Where the lung masks come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskSource {
    /// The lungs lungfield finds.
    Found,
    /// The dataset's own masks (`masks/<id>_mask.png`), split into the two lungs.
    Provided,
}

/// One image to compute features for.
#[derive(Clone, Debug)]
pub struct FeatureJob {
    /// Row id (file stem).
    pub id: String,
    /// The radiograph.
    pub image: PathBuf,
    /// Its expert mask, for [`MaskSource::Provided`].
    pub mask: Option<PathBuf>,
    /// 0/1 label when known.
    pub label: Option<u8>,
    /// The site it comes from (see [`crate::io::Sample::site`]); empty when unknown.
    pub site: String,
}

/// One image's features.
#[derive(Clone, Debug)]
pub struct FeatureRow {
    /// Row id.
    pub id: String,
    /// 0/1 label when known.
    pub label: Option<u8>,
    /// The site it comes from; empty when unknown.
    pub site: String,
    /// Values in the order of the table's names.
    pub values: Vec<f64>,
    /// The segmentation's flags (lungs completed from shape, padding removed …).
    pub flags: Vec<String>,
    /// A subsample of its local evidence maps ([`super::local`]), for fitting the heatmap
    /// (empty unless made by [`training_table`]).
    pub local: LocalSample,
}

/// Every `LOCAL_STRIDE`-th pixel of the feature image (each way) is kept in
/// [`FeatureRow::local`]: about 1500 lung pixels per image at the default size (40 kB).
pub const LOCAL_STRIDE: usize = 6;

/// What [`features_of`] measures in one image.
#[derive(Clone, Debug)]
pub struct Measured {
    /// The feature values, in the order of [`feature_names`].
    pub values: Vec<f64>,
    /// The segmentation's flags (none for provided masks).
    pub flags: Vec<String>,
    /// A subsample of the local evidence maps.
    pub local: LocalSample,
}

/// Features of a set of images.
#[derive(Debug)]
pub struct FeatureTable {
    /// Feature names.
    pub names: Vec<String>,
    /// Rows, in the order of the jobs.
    pub rows: Vec<FeatureRow>,
    /// Images that failed, with the reason, in the order of the jobs.
    pub failures: Vec<(String, Error)>,
}

/// Lung labels (1 right, 2 left) from a binary expert mask: its two lungs.
fn labels_from_mask(m: &Mask) -> Mask {
    crate::segment::two_lungs(&m.map(|&v| u8::from(v != 0))).labels
}

/// Features of one image.
///
/// # Errors
/// Decoding, segmentation or feature errors, naming the file.
pub fn features_of(
    job: &FeatureJob,
    source: MaskSource,
    seg: &SegmentOptions,
    prior: Option<&ShapePrior>,
    feat: &FeatureOptions,
) -> Result<Measured> {
    let img = decode_file(&job.image)?;
    let seg = match (source, &job.mask) {
        (MaskSource::Provided, Some(m)) => {
            let labels = labels_from_mask(&read_mask_for(m, &img)?);
            let (values, maps) = extract_local(&img, &labels, &Provenance::all_seen(), feat)
                .map_err(|e| e.in_file(&job.image))?;
            return Ok(Measured {
                values,
                flags: vec![],
                local: maps.sample(LOCAL_STRIDE),
            });
        }
        (MaskSource::Provided, None) => {
            return Err(Error::Dataset {
                path: job.image.clone(),
                reason: "no expert mask for this image (use the found lungs instead)".into(),
            })
        }
        (MaskSource::Found, _) => {
            segment_with_prior(&img, seg, prior).map_err(|e| e.in_file(&job.image))?
        }
    };
    let (values, maps) = extract_local(&img, &seg.labels, &seg.provenance, feat)
        .map_err(|e| e.in_file(&job.image))?;
    Ok(Measured {
        values,
        flags: seg.flags,
        local: maps.sample(LOCAL_STRIDE),
    })
}

/// Features of every job, in parallel (rayon's current pool); rows keep the jobs' order.
/// `progress` advances once per job. The rows' [`FeatureRow::local`] samples are left empty
/// (see [`training_table`]), so a table of many thousand images stays small.
pub fn feature_table(
    jobs: &[FeatureJob],
    source: MaskSource,
    seg: &SegmentOptions,
    prior: Option<&ShapePrior>,
    feat: &FeatureOptions,
    progress: &dyn crate::progress::Progress,
) -> FeatureTable {
    table(jobs, source, seg, prior, feat, false, progress)
}

/// [`feature_table`] with each row's sampled local evidence ([`FeatureRow::local`], about
/// 40 kB per image), which training needs for the heatmap.
pub fn training_table(
    jobs: &[FeatureJob],
    source: MaskSource,
    seg: &SegmentOptions,
    prior: Option<&ShapePrior>,
    feat: &FeatureOptions,
    progress: &dyn crate::progress::Progress,
) -> FeatureTable {
    table(jobs, source, seg, prior, feat, true, progress)
}

fn table(
    jobs: &[FeatureJob],
    source: MaskSource,
    seg: &SegmentOptions,
    prior: Option<&ShapePrior>,
    feat: &FeatureOptions,
    local: bool,
    progress: &dyn crate::progress::Progress,
) -> FeatureTable {
    let results: Vec<Result<Measured>> = jobs
        .par_iter()
        .map(|j| {
            let r = features_of(j, source, seg, prior, feat);
            progress.advance();
            r.map(|mut m| {
                if !local {
                    m.local = LocalSample::default();
                }
                m
            })
        })
        .collect();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (j, r) in jobs.iter().zip(results) {
        match r {
            Ok(m) => rows.push(FeatureRow {
                id: j.id.clone(),
                label: j.label,
                site: j.site.clone(),
                values: m.values,
                flags: m.flags,
                local: m.local,
            }),
            Err(e) => failures.push((j.id.clone(), e)),
        }
    }
    FeatureTable {
        names: feature_names(feat),
        rows,
        failures,
    }
}

impl FeatureTable {
    /// CSV bytes: `id,label,site,flags,<names…>`, one row per image (empty label or site when
    /// unknown; the segmentation's flags joined by `;`), values printed in full precision.
    ///
    /// # Errors
    /// Only if the CSV writer fails.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        self.to_csv_with(true)
    }

    /// [`FeatureTable::to_csv`], with or without the header line (shards after the first
    /// leave it out, so their files concatenate into one table).
    ///
    /// # Errors
    /// As [`FeatureTable::to_csv`].
    pub fn to_csv_with(&self, header: bool) -> Result<Vec<u8>> {
        let err = |e: csv::Error| Error::InvalidOption(format!("features CSV: {e}"));
        let mut w = csv::Writer::from_writer(Vec::new());
        if header {
            let mut names: Vec<String> = ["id", "label", "site", "flags"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            names.extend(self.names.iter().cloned());
            w.write_record(&names).map_err(err)?;
        }
        for r in &self.rows {
            let mut rec = vec![
                r.id.clone(),
                r.label.map_or(String::new(), |l| l.to_string()),
                r.site.clone(),
                r.flags.join(";"),
            ];
            rec.extend(r.values.iter().map(|v| format!("{v}")));
            w.write_record(&rec).map_err(err)?;
        }
        w.into_inner()
            .map_err(|e| Error::InvalidOption(format!("features CSV: {e}")))
    }

    /// Writes [`FeatureTable::to_csv`] atomically.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.to_csv()?)
    }
}

/// Jobs for the non-degraded images of a dataset's subset, in id order.
pub fn jobs_from_dataset(data: &crate::io::Dataset, subset: crate::io::Subset) -> Vec<FeatureJob> {
    data.samples
        .iter()
        .filter(|s| !s.degraded && subset.contains(s.split))
        .map(|s| FeatureJob {
            id: s.id.clone(),
            image: s.image.clone(),
            mask: s.mask.clone(),
            label: s.label,
            site: s.site.clone(),
        })
        .collect()
}

/// Jobs for image files (ids are the file stems; labels from a `_0`/`_1` suffix).
pub fn jobs_from_files(files: &[PathBuf]) -> Vec<FeatureJob> {
    files
        .iter()
        .map(|p| {
            let id = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let label = if id.ends_with("_1") {
                Some(1)
            } else if id.ends_with("_0") {
                Some(0)
            } else {
                None
            };
            FeatureJob {
                id,
                image: p.clone(),
                mask: None,
                label,
                site: String::new(),
            }
        })
        .collect()
}
