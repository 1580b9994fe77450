//! The one-command demo: make a phantom set, segment and score it, cross-validate the TB
//! classifier on it, and leave the results and a contact sheet for people to look at.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::evaluate::{evaluate, Evaluation};
use crate::io::{write_png_rgb8, Dataset, Subset};
use crate::options::SegmentOptions;
use crate::phantom::{write_set, PhantomSetOptions};

/// What the demo makes.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// The phantom set (default: 40 images of 512 px, half TB-like, seed 2026).
    pub phantoms: PhantomSetOptions,
    /// Radiographs on the contact sheet.
    pub sheet_count: usize,
    /// Cross-validation of the classifier (default: 5 folds, 100 trees).
    pub cv: crate::classify::CvOptions,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            phantoms: PhantomSetOptions {
                count: 40,
                seed: 2026,
                tb_fraction: 0.5,
                size: 512,
                bits: 8,
            },
            sheet_count: 8,
            cv: crate::classify::CvOptions {
                folds: 5,
                forest: crate::forest::ForestOptions {
                    trees: 100,
                    ..Default::default()
                },
                ..Default::default()
            },
        }
    }
}

/// What the demo produced.
#[derive(Debug)]
pub struct DemoReport {
    /// The phantom set's folder (`OUT/phantoms`).
    pub phantoms: PathBuf,
    /// The segmentation scores (also in `OUT/per_image.csv` and `OUT/summary.json`).
    pub evaluation: Evaluation,
    /// The segmentation scores with a shape prior cross-validated on the phantoms' own masks
    /// (5 folds; also in `OUT/prior-cv/`); `None` when the set is too small.
    pub prior_cv: Option<Evaluation>,
    /// The contact sheet (`OUT/contact_sheet.png`).
    pub contact_sheet: PathBuf,
    /// The classifier's cross-validation (also in `OUT/classifier/`); `None` when the set is
    /// too small for the folds.
    pub study: Option<crate::classify::Study>,
}

/// Runs the demo into `out`.
///
/// # Errors
/// [`crate::Error::Io`] when `out` cannot be written, or an error from a stage.
pub fn run_demo(out: &Path, opts: &DemoOptions) -> Result<DemoReport> {
    let phantoms = out.join("phantoms");
    write_set(&phantoms, &opts.phantoms)?;
    let data = Dataset::open(&phantoms)?;
    let seg = SegmentOptions::default();
    let evaluation = evaluate(&data, Subset::All, &seg);
    crate::report::write_evaluation(out, &evaluation)?;
    let prior_cv = crate::evaluate::evaluate_with(
        &data,
        Subset::All,
        &seg,
        crate::evaluate::PriorSource::CrossValidated(5),
        &(),
    )
    .ok();
    if let Some(ev) = &prior_cv {
        crate::report::write_evaluation(&out.join("prior-cv"), ev)?;
    }
    // The contact sheet: the first images, their lungs as found and the exact masks.
    let picked: Vec<_> = data.samples.iter().take(opts.sheet_count).collect();
    let (rgb, w, h) = crate::overlay::sample_sheet(&picked, &seg, None, 256, 4)?;
    let contact_sheet = out.join("contact_sheet.png");
    write_png_rgb8(&contact_sheet, &rgb, w, h)?;
    // The classifier, cross-validated on the lungs lungfield found.
    let jobs = crate::features::jobs_from_dataset(&data, Subset::All);
    let table = crate::features::feature_table(
        &jobs,
        crate::features::MaskSource::Found,
        &seg,
        None,
        &crate::features::FeatureOptions::default(),
        &(),
    );
    let split = data
        .samples
        .iter()
        .map(|s| (s.id.clone(), s.split))
        .collect();
    let study = crate::classify::study(&table, &split, &opts.cv).ok();
    if let Some(st) = &study {
        crate::report::write_study(&out.join("classifier"), st)?;
    }
    let title = format!(
        "lungfield demo: {} phantoms of {} px, seed {}",
        opts.phantoms.count, opts.phantoms.size, opts.phantoms.seed
    );
    let mut page = crate::report::html::Report::new(out, &title);
    page.evaluation(&evaluation, &data, &seg, None)?;
    if let Some(st) = &study {
        page.study(st)?;
    }
    page.write()?;
    Ok(DemoReport {
        phantoms,
        evaluation,
        prior_cv,
        contact_sheet,
        study,
    })
}
