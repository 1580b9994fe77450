//! Scoring the pipeline against expert masks over a dataset in SZ-CXR layout.

use std::time::Instant;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::io::{decode_file, read_mask_for, Dataset, Sample, Subset};
use crate::metrics::{percentile, score_masks, MaskScores};
use crate::options::SegmentOptions;
use crate::pipeline::segment_with_prior;
use crate::prior::{PairShape, ShapePrior};
use crate::progress::Progress;

/// Which shape prior an evaluation uses.
#[derive(Clone, Copy, Debug)]
pub enum PriorSource<'a> {
    /// None: the image-driven pipeline alone.
    None,
    /// One prior for every image.
    Fixed(&'a ShapePrior),
    /// Cross-validated on the dataset's own masks: the scored images are split into this
    /// many folds (by id order, round robin) and each fold is segmented with a prior fitted on
    /// the masks of the others, so no image is scored with its own mask in the prior.
    CrossValidated(usize),
}

/// One scored image.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EvalRow {
    /// Sample id.
    pub id: String,
    /// Dice, Jaccard, HD95 (an image with no lungs found scores as an empty prediction).
    #[serde(flatten)]
    pub scores: MaskScores,
    /// HD95 in millimetres, for DICOM images with a square pixel spacing.
    pub hd95_mm: Option<f64>,
    /// Segmentation time in milliseconds, one thread, decoding excluded (`timing.csv`).
    #[serde(skip)]
    pub ms: f64,
    /// The segmentation's flags or its error, `; `-separated.
    pub flags: String,
    /// Share of the right and left lung the image showed (the rest came from the shape
    /// prior; 0 when no lungs were found).
    pub from_image: [f32; 2],
}

/// Summary of an evaluation run (what `summary.json` holds).
#[derive(Clone, Debug, serde::Serialize)]
pub struct EvalSummary {
    /// Images scored.
    pub n: usize,
    /// Images that could not be scored (unreadable image or mask, size mismatch).
    pub n_failed: usize,
    /// Images scored as empty because no plausible lungs were found.
    pub n_no_lungs: usize,
    /// Images listed as `degraded=1` and left out.
    pub n_excluded_degraded: usize,
    /// Mean Dice.
    pub dice_mean: f64,
    /// Median Dice.
    pub dice_median: f64,
    /// 5th percentile of Dice.
    pub dice_p5: f64,
    /// Mean Jaccard.
    pub jaccard_mean: f64,
    /// Median HD95 in pixels of the original image.
    pub hd95_median_px: f64,
    /// 95th percentile of HD95 in pixels.
    pub hd95_p95_px: f64,
    /// Median HD95 in millimetres, when every scored image is a DICOM file with a square
    /// pixel spacing.
    pub hd95_median_mm: Option<f64>,
    /// Mean segmentation time per image in ms (one thread per image, decoding excluded); a
    /// measurement, so written to `timing.json`, not `summary.json`.
    #[serde(skip)]
    pub ms_per_image: f64,
    /// Median segmentation time per image in ms (`timing.json`).
    #[serde(skip)]
    pub ms_median: f64,
    /// The subset scored (`all`, `train`, `val`, `test`).
    pub subset: String,
    /// Working resolution (longer side).
    pub work_size: usize,
    /// Active-contour iterations (0 = off).
    pub contour_iterations: usize,
    /// The SIMD instruction set of this build.
    pub instruction_set: String,
    /// The shape prior used: `none`, `fixed (N shapes)` or `cross-validated, K folds`.
    pub prior: String,
}

/// Everything an evaluation produced.
#[derive(Debug)]
pub struct Evaluation {
    /// Scored images, sorted by id.
    pub rows: Vec<EvalRow>,
    /// Images that could not be scored, with the reason (sorted by id).
    pub failures: Vec<(String, Error)>,
    /// Aggregates.
    pub summary: EvalSummary,
}

fn score_one(
    s: &Sample,
    mask: &std::path::Path,
    opts: &SegmentOptions,
    prior: Option<&ShapePrior>,
) -> Result<EvalRow> {
    let (img, info) = crate::io::decode_file_info(&s.image)?;
    let mm = info.as_ref().and_then(crate::io::DicomInfo::isotropic_mm);
    let truth = read_mask_for(mask, &img)?;
    let t0 = Instant::now();
    let seg = segment_with_prior(&img, opts, prior);
    let ms = t0.elapsed().as_secs_f64() * 1e3;
    let (pred, flags, from_image) = match seg {
        Ok(seg) => (
            seg.binary(),
            seg.flags.join("; "),
            seg.provenance.from_image,
        ),
        Err(Error::NoLungs { reason: why, .. }) => (
            crate::image::Mask::new(img.width(), img.height()),
            format!("no lungs: {why}"),
            [0.0; 2],
        ),
        Err(e) => return Err(e.in_file(&s.image)),
    };
    let scores = score_masks(&pred, &truth)?;
    Ok(EvalRow {
        id: s.id.clone(),
        hd95_mm: mm.map(|m| scores.hd95_px * m),
        scores,
        ms,
        flags,
        from_image,
    })
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

/// The images of `subset` with a mask, not degraded, and the number of degraded ones left out.
fn select(data: &Dataset, subset: Subset) -> (Vec<&Sample>, usize) {
    let chosen: Vec<&Sample> = data
        .samples
        .iter()
        .filter(|s| s.mask.is_some() && subset.contains(s.split))
        .collect();
    let degraded = chosen.iter().filter(|s| s.degraded).count();
    (
        chosen.into_iter().filter(|s| !s.degraded).collect(),
        degraded,
    )
}

type Scored = Vec<(String, Result<EvalRow>)>;

/// Scores `samples` in parallel.
fn run(
    samples: &[&Sample],
    opts: &SegmentOptions,
    prior: Option<&ShapePrior>,
    progress: &dyn Progress,
) -> Scored {
    samples
        .par_iter()
        .filter_map(|s| {
            let r = s
                .mask
                .as_ref()
                .map(|m| (s.id.clone(), score_one(s, m, opts, prior)));
            progress.advance();
            r
        })
        .collect()
}

/// How many [`Progress::advance`] calls [`evaluate_with`] makes for `data`, `subset` and
/// `prior`: one per image scored, and with a cross-validated prior one more per image
/// reduced into the folds' priors.
pub fn progress_steps(data: &Dataset, subset: Subset, prior: &PriorSource<'_>) -> usize {
    let n = select(data, subset).0.len();
    match prior {
        PriorSource::CrossValidated(_) => 2 * n,
        _ => n,
    }
}

/// Segments and scores every image of `data` in `subset` that has a mask and is not degraded,
/// in parallel (rayon's current pool). Results do not depend on the number of threads.
pub fn evaluate(data: &Dataset, subset: Subset, opts: &SegmentOptions) -> Evaluation {
    let (scored, degraded) = select(data, subset);
    summarise(
        run(&scored, opts, None, &()),
        degraded,
        opts,
        subset,
        "none".into(),
    )
}

/// [`evaluate`] with a shape prior, reporting to `progress` ([`progress_steps`] calls).
///
/// # Errors
/// With [`PriorSource::CrossValidated`]: fewer than 2 folds, or a fold whose other folds hold
/// too few usable masks to fit a prior.
pub fn evaluate_with(
    data: &Dataset,
    subset: Subset,
    opts: &SegmentOptions,
    prior: PriorSource<'_>,
    progress: &dyn Progress,
) -> Result<Evaluation> {
    let (scored, degraded) = select(data, subset);
    let (results, name) = match prior {
        PriorSource::None => (run(&scored, opts, None, progress), "none".to_string()),
        PriorSource::Fixed(p) => (
            run(&scored, opts, Some(p), progress),
            format!("fixed ({} shapes)", p.exemplars.len()),
        ),
        PriorSource::CrossValidated(k) => (
            cross_validated(&scored, opts, k, progress)?,
            format!("cross-validated, {k} folds"),
        ),
    };
    Ok(summarise(results, degraded, opts, subset, name))
}

/// Scores each of `k` folds (round robin in id order) with a prior fitted on the others' masks.
fn cross_validated(
    scored: &[&Sample],
    opts: &SegmentOptions,
    k: usize,
    progress: &dyn Progress,
) -> Result<Scored> {
    if k < 2 {
        return Err(Error::InvalidOption(format!(
            "--prior-cv needs at least 2 folds, got {k}"
        )));
    }
    // Every image and mask is reduced once; each fold's prior is made from the others'.
    let shapes: Vec<Option<PairShape>> = scored
        .par_iter()
        .map(|s| {
            let shape = decode_file(&s.image).ok().and_then(|img| {
                PairShape::from_sample(&s.id, &img, s.mask.as_ref()?, opts)
                    .ok()
                    .flatten()
            });
            progress.advance();
            shape
        })
        .collect();
    let mut results = Vec::new();
    for fold in 0..k {
        let train: Vec<PairShape> = shapes
            .iter()
            .enumerate()
            .filter(|(i, _)| i % k != fold)
            .filter_map(|(_, s)| s.clone())
            .collect();
        let test: Vec<&Sample> = scored.iter().skip(fold).step_by(k).copied().collect();
        if test.is_empty() {
            continue;
        }
        let p = ShapePrior::from_shapes(train, Vec::new())?;
        results.extend(run(&test, opts, Some(&p), progress));
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(results)
}

fn summarise(
    results: Scored,
    n_excluded_degraded: usize,
    opts: &SegmentOptions,
    subset: Subset,
    prior: String,
) -> Evaluation {
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for (id, r) in results {
        match r {
            Ok(row) => rows.push(row),
            Err(e) => failures.push((id, e)),
        }
    }
    let mut dice: Vec<f64> = rows.iter().map(|r| r.scores.dice).collect();
    let mut hd: Vec<f64> = rows.iter().map(|r| r.scores.hd95_px).collect();
    let mut ms: Vec<f64> = rows.iter().map(|r| r.ms).collect();
    let summary = EvalSummary {
        n: rows.len(),
        n_failed: failures.len(),
        n_no_lungs: rows
            .iter()
            .filter(|r| r.flags.starts_with("no lungs"))
            .count(),
        n_excluded_degraded,
        dice_mean: mean(dice.iter().copied()),
        dice_median: percentile(&mut dice, 50.0),
        dice_p5: percentile(&mut dice, 5.0),
        jaccard_mean: mean(rows.iter().map(|r| r.scores.jaccard)),
        hd95_median_px: percentile(&mut hd, 50.0),
        hd95_p95_px: percentile(&mut hd, 95.0),
        hd95_median_mm: {
            let mut mm: Vec<f64> = rows.iter().filter_map(|r| r.hd95_mm).collect();
            (!mm.is_empty() && mm.len() == rows.len()).then(|| percentile(&mut mm, 50.0))
        },
        ms_per_image: mean(ms.iter().copied()),
        ms_median: percentile(&mut ms, 50.0),
        subset: match subset {
            Subset::All => "all".into(),
            Subset::Only(s) => format!("{s:?}").to_lowercase(),
        },
        work_size: opts.work_size,
        contour_iterations: opts.contour.iterations,
        instruction_set: crate::simd::instruction_set(),
        prior,
    };
    Evaluation {
        rows,
        failures,
        summary,
    }
}
