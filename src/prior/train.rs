//! Fitting the prior from shapes: [`ShapePrior::from_shapes`] (and on mask files,
//! [`ShapePrior::fit_files`]) builds the exemplars' prior and trains its band classifier
//! ([`Refiner::fit`]), which needs what the prior draws on held-out images, so it sits
//! above applying the prior ([`super::apply`]) as well as the model ([`super::model`]).

use std::path::PathBuf;

use rayon::prelude::*;

use super::apply::apply;
use super::images::WorkingImages;
use super::model::{PairShape, ShapePrior};
use super::refine::{
    Features, Refiner, Scene, INNER_FOLDS, MAX_DEPTH, MAX_ROWS, MIN_LEAF, MIN_SCENES, N_FEATURES,
    PER_IMAGE, TREES,
};
use crate::error::Result;
use crate::forest::{FlatForest, Forest, ForestOptions};
use crate::options::PriorOptions;
use crate::rng::Rng;

impl ShapePrior {
    /// A prior from shapes already reduced (sorted by id for determinism). With images
    /// (exemplars made by [`PairShape::from_sample`] or [`PairShape::with_found`]), it
    /// also trains the band classifier ([`super::Refiner::fit`]), then lets the images go.
    ///
    /// # Errors
    /// [`crate::Error::InvalidOption`] when fewer than 3 shapes are given.
    pub fn from_shapes(exemplars: Vec<PairShape>, skipped: Vec<String>) -> Result<Self> {
        let mut prior = Self::without_refiner(exemplars, skipped)?;
        prior.refiner = Refiner::fit(&prior);
        for e in &mut prior.exemplars {
            e.scene = None;
        }
        Ok(prior)
    }

    /// Fits a prior on mask files (read in parallel; the result does not depend on the
    /// thread count or the order of `files`). Masks without two lungs are skipped and listed.
    ///
    /// # Errors
    /// The first unreadable mask file (named), or too few usable masks.
    pub fn fit_files(files: &[PathBuf]) -> Result<Self> {
        let shapes: Vec<(String, Option<PairShape>)> = files
            .par_iter()
            .map(|p| {
                let id = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let m = crate::io::read_mask(p)?;
                Ok((id.clone(), PairShape::from_mask(&id, &m)))
            })
            .collect::<Result<_>>()?;
        Self::from_found(shapes)
    }

    /// A prior from per-mask results, the masks without two lungs listed as skipped.
    pub(crate) fn from_found(shapes: Vec<(String, Option<PairShape>)>) -> Result<Self> {
        let mut skipped = Vec::new();
        let mut ok = Vec::new();
        for (id, s) in shapes {
            match s {
                Some(s) => ok.push(s),
                None => skipped.push(format!("{id}: two lungs not found in the mask")),
            }
        }
        skipped.sort();
        Self::from_shapes(ok, skipped)
    }
}

impl Refiner {
    /// Trains the classifier of `prior` on its exemplars' scenes; `None` when fewer than
    /// [`MIN_SCENES`] exemplars have one (a prior fitted on masks alone) or the forest
    /// cannot be grown. Deterministic at any thread count.
    pub fn fit(prior: &ShapePrior) -> Option<Refiner> {
        let ex = &prior.exemplars;
        let with_scene = ex.iter().filter(|e| e.scene.is_some()).count();
        if with_scene < MIN_SCENES {
            return None;
        }
        let per_image = PER_IMAGE.min(MAX_ROWS / with_scene).max(1);
        let opts = PriorOptions {
            refine: false,
            ..PriorOptions::default()
        };
        let mut rows: Vec<Vec<f64>> = Vec::new();
        let mut labels: Vec<u8> = Vec::new();
        for fold in 0..INNER_FOLDS {
            let train: Vec<_> = ex
                .iter()
                .enumerate()
                .filter(|(i, _)| i % INNER_FOLDS != fold)
                .map(|(_, e)| e.clone())
                .collect();
            let inner = ShapePrior::without_refiner(train, Vec::new()).ok()?;
            let held: Vec<(usize, &Scene)> = ex
                .iter()
                .enumerate()
                .filter(|(i, _)| i % INNER_FOLDS == fold)
                .filter_map(|(i, e)| Some((i, e.scene.as_deref()?)))
                .collect();
            let sampled: Vec<(Vec<Vec<f64>>, Vec<u8>)> = held
                .par_iter()
                .map(|&(i, scene)| sample(&inner, scene, &opts, per_image, i as u64))
                .collect();
            for (r, l) in sampled {
                rows.extend(r);
                labels.extend(l);
            }
        }
        let forest = Forest::train(
            &rows,
            &labels,
            &ForestOptions {
                trees: TREES,
                seed: 7,
                mtry: Some(8),
                min_samples_leaf: MIN_LEAF,
                max_depth: Some(MAX_DEPTH),
            },
        )
        .ok()?;
        Some(Refiner {
            forest: FlatForest::from_forest(&forest).ok()?,
            rows: rows.len(),
            images: with_scene,
        })
    }
}

/// Training rows from one held-out scene: the band pixels of what `inner` draws there,
/// every `k`-th from a seeded offset so that at most `per_image` are kept, each with its
/// expert label.
fn sample(
    inner: &ShapePrior,
    scene: &Scene,
    opts: &PriorOptions,
    per_image: usize,
    seed: u64,
) -> (Vec<Vec<f64>>, Vec<u8>) {
    let images = WorkingImages::same(&scene.smooth);
    let labels = apply(inner, &scene.found, Some(images), opts);
    let Some(f) = Features::new(&scene.image, &scene.found, &labels) else {
        return (Vec::new(), Vec::new());
    };
    let band = f.band();
    let step = band.len().div_ceil(per_image).max(1);
    let start = (Rng::new(seed).next_u64() % step as u64) as usize;
    let mut row = [0f32; N_FEATURES];
    let mut rows = Vec::new();
    let mut ys = Vec::new();
    for &i in band.iter().skip(start).step_by(step) {
        f.row(i, &mut row);
        rows.push(row.iter().map(|&v| f64::from(v)).collect());
        ys.push(u8::from(scene.truth.as_slice()[i] != 0));
    }
    (rows, ys)
}
