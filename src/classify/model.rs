//! The model file (`.lfm`): a versioned, self-describing JSON document holding the forest,
//! the feature settings and names in order, the forest's parameters, a hash of the training
//! set and the decision threshold. Loading checks all of it and refuses what does not fit.

use std::path::Path;

use crate::error::{Error, Result};
use crate::features::{feature_names, FeatureOptions};
use crate::options::SegmentOptions;

use super::forest::{Forest, ForestOptions};

/// Identifies a lungfield model file.
pub const MODEL_FORMAT: &str = "lungfield-model";
/// Version of the model file layout; files of another version are refused.
pub const MODEL_VERSION: u32 = 1;
/// Largest model file read (a forest of thousands of trees fits well within it).
pub const MAX_MODEL_BYTES: u64 = 1 << 30;

/// A trained TB classifier.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Model {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// [`MODEL_VERSION`] when written.
    pub format_version: u32,
    /// The lungfield version that wrote it.
    pub lungfield_version: String,
    /// Segmentation settings used to find the lungs (applied again when classifying).
    pub segment: SegmentOptions,
    /// Feature settings.
    pub features: FeatureOptions,
    /// Feature names, in the order the forest expects them.
    pub feature_names: Vec<String>,
    /// Forest settings.
    pub forest_options: ForestOptions,
    /// FNV-1a hash (hex) of the training set: ids, labels and feature values.
    pub training_set_hash: String,
    /// Images trained on (normal, TB).
    pub n_train: (usize, usize),
    /// Probability at or above which an image is called TB.
    pub threshold: f64,
    /// The forest.
    pub forest: Forest,
}

/// FNV-1a over the training set, stable across platforms (not cryptographic).
pub fn training_set_hash(ids: &[String], y: &[u8], x: &[Vec<f64>]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for ((id, &label), row) in ids.iter().zip(y).zip(x) {
        eat(id.as_bytes());
        eat(&[0, label]);
        for v in row {
            eat(&v.to_bits().to_le_bytes());
        }
    }
    format!("{h:016x}")
}

impl Model {
    /// Trains a model.
    ///
    /// # Errors
    /// As [`Forest::train`].
    pub fn train(
        ids: &[String],
        x: &[Vec<f64>],
        y: &[u8],
        segment: &SegmentOptions,
        features: &FeatureOptions,
        forest_options: &ForestOptions,
    ) -> Result<Model> {
        let forest = Forest::train(x, y, forest_options)?;
        let tb = y.iter().filter(|&&v| v == 1).count();
        Ok(Model {
            format: MODEL_FORMAT.into(),
            format_version: MODEL_VERSION,
            lungfield_version: env!("CARGO_PKG_VERSION").into(),
            segment: *segment,
            features: features.clone(),
            feature_names: feature_names(features),
            forest_options: forest_options.clone(),
            training_set_hash: training_set_hash(ids, y, x),
            n_train: (y.len() - tb, tb),
            threshold: 0.5,
            forest,
        })
    }

    /// Probability of TB for each feature row.
    ///
    /// # Errors
    /// As [`Forest::predict_proba`].
    pub fn predict_proba(&self, x: &[Vec<f64>]) -> Result<Vec<f64>> {
        self.forest.predict_proba(x)
    }

    /// Writes the model atomically.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec(self).map_err(|e| Error::Model {
            path: path.to_path_buf(),
            reason: format!("cannot serialise the model: {e}"),
        })?;
        crate::io::write_atomic(path, &json)
    }

    /// Reads and checks a model file.
    ///
    /// # Errors
    /// [`Error::Io`] when unreadable; [`Error::Model`] when it is not a lungfield model, is
    /// malformed or truncated, has another format version, or its features are not the ones
    /// this lungfield computes with its settings.
    pub fn load(path: &Path) -> Result<Model> {
        let bad = |reason: String| Error::Model {
            path: path.to_path_buf(),
            reason,
        };
        use crate::io::Unread;
        let bytes = crate::io::read_bounded(path, MAX_MODEL_BYTES).map_err(|u| match u {
            Unread::Io(e) => e,
            Unread::NotAFile => bad("not a file".into()),
            Unread::TooLarge(len) => bad(format!(
                "{len} bytes is too large for a model file (at most {MAX_MODEL_BYTES})"
            )),
        })?;
        Model::from_json(&bytes, path)
    }

    /// A model from the bytes of a model file (`path` names it in errors), with every check of
    /// [`Model::load`] but the size limit.
    ///
    /// # Errors
    /// As [`Model::load`].
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Model> {
        let bad = |reason: String| Error::Model {
            path: path.to_path_buf(),
            reason,
        };
        // Check the header first, so a file from another version gets a clear message.
        #[derive(serde::Deserialize)]
        struct Header {
            format: String,
            format_version: u32,
        }
        let h: Header = serde_json::from_slice(bytes).map_err(|e| {
            bad(format!(
                "not a lungfield model (or truncated): {e}; train one with `lungfield train`"
            ))
        })?;
        if h.format != MODEL_FORMAT {
            return Err(bad(format!(
                "not a lungfield model (format `{}`)",
                h.format
            )));
        }
        if h.format_version != MODEL_VERSION {
            return Err(bad(format!(
                "model format version {} but this lungfield reads version {MODEL_VERSION}; retrain with `lungfield train`",
                h.format_version
            )));
        }
        let m: Model =
            serde_json::from_slice(bytes).map_err(|e| bad(format!("malformed model: {e}")))?;
        let names = feature_names(&m.features);
        if names != m.feature_names || m.forest.n_features != names.len() {
            return Err(bad(format!(
                "the model was trained on other features ({} recorded, {} computed now); retrain with `lungfield train`",
                m.feature_names.len(),
                names.len()
            )));
        }
        if !(0.0..=1.0).contains(&m.threshold) || m.forest.is_empty() {
            return Err(bad(
                "implausible model (no trees or threshold outside 0..1)".into(),
            ));
        }
        m.forest
            .check()
            .map_err(|e| bad(format!("malformed forest: {e}")))?;
        Ok(m)
    }
}
