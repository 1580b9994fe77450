//! The model file (`.lfm`): a versioned, self-describing JSON document holding the forest
//! and its linear partner, the feature settings and names in order, the forest's parameters, a hash of the training
//! set, the sites it was trained on, the calibration of its score and its operating points
//! (chosen on out-of-fold predictions: the forest's out-of-bag ones with its linear partner's
//! from stratified 5-fold refits, or leave-one-site-out refits on request).
//! Loading checks all
//! of it and refuses what does not fit. Version 1 files (no calibration, no operating points,
//! lungfield 0.1's features) still load and score as they did.

use std::path::Path;

use crate::error::{Error, Result};
use crate::features::{feature_names, FeatureOptions, LocalSample};
use crate::heatmap::HeatModel;
use crate::options::SegmentOptions;
use crate::prior::{ShapePrior, BUILTIN_NAME};

use super::calibration::{choose, OperatingPoint, Platt, Target};
use super::cv::{out_of_fold, train_out_of_bag, validation_groups};
use super::ensemble::{predict, Ensemble};
use super::linear::{Linear, LinearOptions};
use crate::forest::{Forest, ForestOptions};

/// Identifies a lungfield model file.
pub const MODEL_FORMAT: &str = "lungfield-model";
/// Version of the model file layout written; files of a later version are refused.
pub const MODEL_VERSION: u32 = 6;
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
    /// Probability at or above which an image is called TB: the default operating point's.
    pub threshold: f64,
    /// The forest.
    pub forest: Forest,
    /// The sites trained on, sorted (empty in version 1 files).
    #[serde(default)]
    pub sites: Vec<String>,
    /// The lung shape model the lungs were found with: [`crate::prior::BUILTIN_NAME`]
    /// or none (version 1 files).
    #[serde(default)]
    pub shape_prior: Option<String>,
    /// Features standardised site by site before the forest ([`super::harmonise`]): the
    /// images scored must be harmonised too.
    #[serde(default)]
    pub harmonised: bool,
    /// The map from the forest's probability to the 0–100 score.
    #[serde(default)]
    pub calibration: Platt,
    /// How the out-of-fold predictions behind the calibration and the operating points were
    /// made, e.g. `leave-one-site-out (3 sites)` or `out-of-bag forest, 5-fold linear model`.
    #[serde(default)]
    pub validation: String,
    /// The AUC of those out-of-fold predictions.
    #[serde(default)]
    pub validation_auc: Option<f64>,
    /// Operating points; the first is the default (its threshold is [`Model::threshold`]).
    #[serde(default)]
    pub operating_points: Vec<OperatingPoint>,
    /// The forest's linear partner ([`super::linear`]); the probability is the mean of the
    /// two. `None` in files written before it existed (and with `--forest-only`): the forest
    /// alone, scoring as it did.
    #[serde(default)]
    pub linear: Option<Linear>,
    /// The abnormality heatmap ([`crate::heatmap`]), fitted on the training images' local
    /// evidence; `None` in files written before it existed (they write no heatmaps).
    #[serde(default)]
    pub heatmap: Option<HeatModel>,
}

/// Settings of [`Model::train`] beyond the forest's.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// The forest.
    pub forest: ForestOptions,
    /// The forest's linear partner (`None`: the forest alone). Default: on.
    pub linear: Option<LinearOptions>,
    /// Standardise the features site by site ([`super::harmonise`]).
    pub harmonise: bool,
    /// Folds of the linear partner's out-of-fold predictions. Default: 5.
    pub folds: usize,
    /// Choose the operating points on leave-one-site-out predictions when there are several
    /// sites (each site predicted by a whole model trained on the others), so a threshold
    /// is chosen on sites the predicting model never saw, as a new site will be. The
    /// calibration of the score stays on the stratified folds. Default: true; a single
    /// site falls back to stratified folds, and so does a harmonised model, whose features
    /// already have each site's shift taken out. (Chosen on in-site folds, the default
    /// point's sensitivity on a held-out site ranged from 0.50 to 1.00 over three seeds;
    /// leave-one-site-out, from 0.857 to 0.955 over seeds and refits of the lung model.
    /// Harmonised, leaving a site out again overshoots: specificity 0.80 -> 0.35 on
    /// `da-tb`. docs/SCREENING.md.)
    pub by_site: bool,
    /// Targets of the operating points, the default first. Default: sensitivity 0.90,
    /// sensitivity 0.95, Youden's J.
    pub targets: Vec<Target>,
    /// The shape prior the lungs were found with (recorded in the model).
    pub shape_prior: Option<String>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            forest: ForestOptions::default(),
            linear: Some(LinearOptions::default()),
            harmonise: false,
            folds: 5,
            by_site: true,
            targets: vec![
                Target::Sensitivity(0.90),
                Target::Sensitivity(0.95),
                Target::Youden,
            ],
            shape_prior: Some(crate::prior::BUILTIN_NAME.into()),
        }
    }
}

/// The labelled rows of a feature table, owned: what [`TrainingRows::set`] lends out.
#[derive(Clone, Debug, Default)]
pub struct TrainingRows {
    /// Image ids.
    pub ids: Vec<String>,
    /// Feature rows.
    pub x: Vec<Vec<f64>>,
    /// Labels, 0/1.
    pub y: Vec<u8>,
    /// The site of each image.
    pub sites: Vec<String>,
    /// Each image's sampled local evidence (for the heatmap; empty samples when the table
    /// was not a [`crate::features::training_table`]).
    pub local: Vec<LocalSample>,
}

impl TrainingRows {
    /// The rows of `table` that have a label, in order.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when none has.
    pub fn labelled(table: &crate::features::FeatureTable) -> Result<TrainingRows> {
        Self::labelled_if(table, |_| true)
    }

    /// The rows of `table` that have a label and that `keep` keeps, in order.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when none is left.
    pub fn labelled_if(
        table: &crate::features::FeatureTable,
        keep: impl Fn(&crate::features::FeatureRow) -> bool,
    ) -> Result<TrainingRows> {
        let mut r = TrainingRows::default();
        for row in table.rows.iter().filter(|row| keep(row)) {
            if let Some(label) = row.label {
                r.ids.push(row.id.clone());
                r.x.push(row.values.clone());
                r.y.push(label);
                r.sites.push(row.site.clone());
                r.local.push(row.local.clone());
            }
        }
        if r.ids.is_empty() {
            return Err(Error::InvalidOption(
                "no labelled images: names need a _0 (normal) or _1 (TB) suffix, or use --label-from"
                    .into(),
            ));
        }
        Ok(r)
    }

    /// The rows as a [`TrainingSet`].
    pub fn set(&self) -> TrainingSet<'_> {
        TrainingSet {
            ids: &self.ids,
            x: &self.x,
            y: &self.y,
            sites: &self.sites,
            local: &self.local,
        }
    }
}

/// A labelled training set: one row per image.
#[derive(Clone, Copy, Debug)]
pub struct TrainingSet<'a> {
    /// Image ids.
    pub ids: &'a [String],
    /// Feature rows.
    pub x: &'a [Vec<f64>],
    /// Labels, 0/1.
    pub y: &'a [u8],
    /// The site of each image.
    pub sites: &'a [String],
    /// Each image's sampled local evidence, for the heatmap ([`crate::heatmap`]); empty:
    /// the model has no heatmap.
    pub local: &'a [LocalSample],
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
    /// Trains a model: the forest (and its linear partner) on everything, and out-of-fold
    /// predictions for the calibration and the operating points: the forest's out-of-bag
    /// probabilities with the linear partner's from stratified k-fold refits; with
    /// [`TrainOptions::by_site`] (the default) and two or more sites, unharmonised, the
    /// operating points come from a whole model refitted per held-out site instead.
    ///
    /// # Errors
    /// As [`Ensemble::train`]; [`Error::InvalidOption`] when the sets disagree in length, or a
    /// site has too few images to harmonise.
    pub fn train(
        set: TrainingSet<'_>,
        segment: &SegmentOptions,
        features: &FeatureOptions,
        opts: &TrainOptions,
    ) -> Result<Model> {
        let TrainingSet {
            ids,
            x,
            y,
            sites,
            local,
        } = set;
        if ids.len() != x.len()
            || y.len() != x.len()
            || sites.len() != x.len()
            || !(local.is_empty() || local.len() == x.len())
        {
            return Err(Error::InvalidOption(
                "training set: ids, rows, labels, sites and local samples differ in length".into(),
            ));
        }
        // No samples (a plain feature table): no heatmap.
        let heatmap = if local.iter().all(|s| s.cells.is_empty()) {
            None
        } else {
            let images: Vec<(&LocalSample, u8)> = local.iter().zip(y.iter().copied()).collect();
            Some(HeatModel::fit(&images)?)
        };
        let xh = if opts.harmonise {
            super::harmonise::by_site(x, sites)?
        } else {
            x.to_vec()
        };
        let mut names: Vec<String> = sites.to_vec();
        names.sort();
        names.dedup();
        // The calibration: the forest's out-of-bag probabilities with the linear partner's
        // from stratified folds (what a probability means where the model was trained).
        let folds = validation_groups(y, sites, opts.folds, opts.forest.seed, false)?;
        let (Ensemble { forest, linear }, oof) =
            train_out_of_bag(&xh, y, &folds.group, &opts.forest, opts.linear.as_ref())?;
        let mut validation = format!("out-of-bag forest, {} linear model", folds.description);
        // The operating points: on each site's predictions by a whole model trained on the
        // others when there are several sites (a threshold is applied at a site the model
        // never saw), else on the same out-of-fold predictions.
        let site_groups = if opts.by_site && !opts.harmonise {
            validation_groups(y, sites, opts.folds, opts.forest.seed, true)?
        } else {
            folds
        };
        let points_oof = if site_groups.by_site {
            validation.push_str(&format!("; operating points {}", site_groups.description));
            out_of_fold(
                &xh,
                y,
                &site_groups.group,
                &opts.forest,
                opts.linear.as_ref(),
            )?
        } else {
            oof.clone()
        };
        let calibration = Platt::fit(&oof, y).unwrap_or_default();
        let operating_points: Vec<OperatingPoint> = opts
            .targets
            .iter()
            .filter_map(|&t| choose(&points_oof, y, t))
            .collect();
        let tb = y.iter().filter(|&&v| v == 1).count();
        Ok(Model {
            format: MODEL_FORMAT.into(),
            format_version: MODEL_VERSION,
            lungfield_version: env!("CARGO_PKG_VERSION").into(),
            segment: *segment,
            features: features.clone(),
            feature_names: feature_names(features),
            forest_options: opts.forest.clone(),
            training_set_hash: training_set_hash(ids, y, x),
            n_train: (y.len() - tb, tb),
            threshold: operating_points.first().map_or(0.5, |o| o.threshold),
            forest,
            sites: names,
            shape_prior: opts.shape_prior.clone(),
            harmonised: opts.harmonise,
            calibration,
            validation,
            validation_auc: crate::metrics::auc(&oof, y),
            operating_points,
            linear,
            heatmap,
        })
    }

    /// The shape prior the model's lungs were found with, which scoring must use too: the
    /// built-in one, or none (version 1 files).
    ///
    /// # Errors
    /// [`Error::Model`] when the model names a prior this lungfield does not ship.
    pub fn prior(&self) -> Result<Option<ShapePrior>> {
        match self.shape_prior.as_deref() {
            None => Ok(None),
            Some(BUILTIN_NAME) => Ok(Some(ShapePrior::builtin()?)),
            Some(n) => Err(Error::Model {
                path: n.into(),
                reason: "the model's lungs were found with this shape prior, which this \
                         lungfield does not ship; retrain with `lungfield train`"
                    .into(),
            }),
        }
    }

    /// The score 0–100 of a probability ([`Model::predict_proba`]).
    pub fn score(&self, p: f64) -> f64 {
        self.calibration.score(p)
    }

    /// The operating point named `name`, if the model has it.
    pub fn operating_point(&self, name: &str) -> Option<&OperatingPoint> {
        self.operating_points.iter().find(|o| o.name == name)
    }

    /// Makes `op` the default operating point (first, and [`Model::threshold`]), replacing
    /// any of the same name.
    pub fn set_default_operating_point(&mut self, op: OperatingPoint) {
        // Operating points are a format 2 field: a version 1 model gaining one is written in
        // the current format (its feature settings, legacy ones included, are explicit in the
        // file; it has no linear partner, which every format reads as the forest alone).
        self.format_version = MODEL_VERSION;
        self.operating_points.retain(|o| o.name != op.name);
        self.threshold = op.threshold;
        self.operating_points.insert(0, op);
    }

    /// Probability of TB for each feature row: the forest's, or the mean of the forest's
    /// and the linear model's.
    ///
    /// # Errors
    /// As [`Forest::predict_proba`].
    pub fn predict_proba(&self, x: &[Vec<f64>]) -> Result<Vec<f64>> {
        predict(&self.forest, self.linear.as_ref(), x)
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
        if !(1..=MODEL_VERSION).contains(&h.format_version) {
            return Err(bad(format!(
                "model format version {} but this lungfield reads versions 1 to {MODEL_VERSION}; retrain with `lungfield train` (or use a newer lungfield)",
                h.format_version
            )));
        }
        let mut m: Model =
            serde_json::from_slice(bytes).map_err(|e| bad(format!("malformed model: {e}")))?;
        if h.format_version == 1 {
            // Version 1 files predate these settings: their features were lungfield 0.1's.
            m.features.lung_box = false;
            m.features.anatomy = false;
        }
        if h.format_version < 4 {
            // Files before version 4 kept the absolute feature families in the vector.
            m.features.absolute = true;
        }
        if h.format_version < 5 {
            // Files before version 5 had no shape-index histograms.
            m.features.curvature = false;
        }
        if h.format_version < 6 {
            // Files before version 6 blended the forest and the linear model evenly.
            if let Some(l) = m.linear.as_mut() {
                l.options.weight = 0.5;
            }
        }
        let names = feature_names(&m.features);
        if names != m.feature_names || m.forest.n_features != names.len() {
            return Err(bad(format!(
                "the model was trained on other features ({} recorded, {} computed now); retrain with `lungfield train`",
                m.feature_names.len(),
                names.len()
            )));
        }
        let thresholds_ok = std::iter::once(m.threshold)
            .chain(m.operating_points.iter().map(|o| o.threshold))
            .all(|t| (0.0..=1.0 + 1e-9).contains(&t));
        let weight_ok = m
            .linear
            .as_ref()
            .is_none_or(|l| (0.0..=1.0).contains(&l.options.weight));
        let plausible = thresholds_ok
            && weight_ok
            && !m.forest.is_empty()
            && m.calibration.a.is_finite()
            && m.calibration.b.is_finite();
        if !plausible {
            return Err(bad(
                "implausible model (no trees, or a threshold or blend weight outside 0..1)".into(),
            ));
        }
        m.forest
            .check()
            .map_err(|e| bad(format!("malformed forest: {e}")))?;
        if let Some(l) = &m.linear {
            l.check(names.len())
                .map_err(|e| bad(format!("malformed linear model: {e}")))?;
        }
        if let Some(h) = &m.heatmap {
            h.check()
                .map_err(|e| bad(format!("malformed heatmap: {e}")))?;
        }
        Ok(m)
    }
}
