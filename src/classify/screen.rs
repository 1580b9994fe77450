//! Screening one radiograph end to end: quality checks, lungs, features, the score at an
//! operating point and, when the model has one, the abnormality heatmap. What `lungfield
//! classify` runs on every image.

use std::path::Path;

use super::harmonise::SiteScaler;
use super::model::Model;
use crate::error::{Error, Result};
use crate::features::extract_local;
use crate::heatmap::Heat;
use crate::io::{decode_file_info, DicomInfo, Radiograph};
use crate::pipeline::{segment_with_prior, Segmentation};
use crate::prior::ShapePrior;
use crate::qc::{self, QcCode};

/// How to screen: the threshold (probability) of the label, the harmonisation of a
/// harmonised model, and whether to make the heatmap.
#[derive(Clone, Copy, Debug)]
pub struct ScreenOptions<'a> {
    /// Probability at or above which the label is TB.
    pub threshold: f64,
    /// The site's feature standardisation, for a harmonised model.
    pub scaler: Option<&'a SiteScaler>,
    /// Make the heatmap (when the model has one).
    pub heatmap: bool,
}

/// A scored image.
#[derive(Clone, Debug)]
pub struct Scored {
    /// The calibrated probability of TB.
    pub probability: f64,
    /// The score 0–100.
    pub score: f64,
    /// Whether the probability is at or above the threshold.
    pub tb: bool,
    /// The lungs, their flags and provenance.
    pub segmentation: Segmentation,
    /// The feature values (before harmonisation).
    pub features: Vec<f64>,
    /// The heatmap, when asked for and the model has one.
    pub heat: Option<Heat>,
}

/// One image's screening result.
#[derive(Clone, Debug)]
pub struct Screened {
    /// The image as screened (upright: an inverted image is inverted back).
    pub image: Radiograph,
    /// The quality-check codes.
    pub qc: Vec<QcCode>,
    /// The score; `None` when a quality check rejected the image (its code says why).
    pub scored: Option<Scored>,
    /// Why it was rejected, in words (empty when scored).
    pub reason: String,
}

impl Screened {
    /// The QC codes as their stable strings.
    pub fn qc_codes(&self) -> Vec<&'static str> {
        self.qc.iter().map(|c| c.code()).collect()
    }

    /// `tb` or `normal` at the operating point, empty when not scored.
    pub fn label(&self) -> &'static str {
        match &self.scored {
            Some(s) if s.tb => "tb",
            Some(_) => "normal",
            None => "",
        }
    }

    /// The segmentation's flags, or why the image was not scored.
    pub fn flags_or_reason(&self) -> Vec<String> {
        match &self.scored {
            Some(s) => s.segmentation.flags.clone(),
            None => vec![self.reason.clone()],
        }
    }
}

/// Screens a decoded radiograph (`info`: its DICOM header, when it came from one).
///
/// # Errors
/// Errors other than those a quality check turns into a code (those give a [`Screened`]
/// without a score): a feature vector the model cannot score, for instance.
pub fn screen(
    img: Radiograph,
    info: Option<&DicomInfo>,
    model: &Model,
    prior: Option<&ShapePrior>,
    opts: &ScreenOptions<'_>,
) -> Result<Screened> {
    let checked = qc::check(img, info);
    let mut codes = checked.codes;
    let image = checked.image;
    let rejected = |codes: &mut Vec<QcCode>, e: Error, image: Radiograph| -> Result<Screened> {
        match QcCode::of_error(&e) {
            Some(code) => {
                codes.insert(0, code);
                Ok(Screened {
                    image,
                    qc: std::mem::take(codes),
                    scored: None,
                    reason: e.to_string(),
                })
            }
            None => Err(e),
        }
    };
    let seg = match segment_with_prior(&image, &model.segment, prior) {
        Ok(s) => s,
        Err(e) => return rejected(&mut codes, e, image),
    };
    qc::after(&mut codes, &seg);
    let (features, maps) =
        match extract_local(&image, &seg.labels, &seg.provenance, &model.features) {
            Ok(f) => f,
            Err(e) => return rejected(&mut codes, e, image),
        };
    let row = match opts.scaler {
        Some(s) => s.apply(&features),
        None => features.clone(),
    };
    let probability = model
        .predict_proba(std::slice::from_ref(&row))?
        .first()
        .copied()
        .unwrap_or(0.0);
    let heat = match (&model.heatmap, opts.heatmap) {
        (Some(h), true) => Some(h.heat(&maps, model.features.size as f32 / 512.0)),
        _ => None,
    };
    Ok(Screened {
        image,
        qc: codes,
        scored: Some(Scored {
            probability,
            score: model.score(probability),
            tb: probability >= opts.threshold,
            segmentation: seg,
            features,
            heat,
        }),
        reason: String::new(),
    })
}

/// [`screen`] on a file (PNG, JPEG, TIFF or DICOM).
///
/// # Errors
/// Decoding errors, and as [`screen`], naming the file.
pub fn screen_file(
    path: &Path,
    model: &Model,
    prior: Option<&ShapePrior>,
    opts: &ScreenOptions<'_>,
) -> Result<Screened> {
    let (img, info) = decode_file_info(path)?;
    screen(img, info.as_ref(), model, prior, opts).map_err(|e| e.in_file(path))
}
