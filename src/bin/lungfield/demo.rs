//! The one-command demo: make a phantom set, segment and score it, cross-validate the TB
//! classifier on it, and leave the results and a contact sheet for people to look at.

use std::path::{Path, PathBuf};

use lungfield::evaluate::{evaluate, Evaluation};
use lungfield::io::{write_png_rgb8, Dataset, Subset};
use lungfield::phantom::{write_set, PhantomSetOptions};
use lungfield::Result;
use lungfield::SegmentOptions;

/// What the demo makes.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// The phantom set (default: 40 images of 512 px, half TB-like, seed 2026).
    pub phantoms: PhantomSetOptions,
    /// Radiographs on the contact sheet.
    pub sheet_count: usize,
    /// Cross-validation of the classifier (default: 5 folds, 100 trees).
    pub cv: lungfield::classify::CvOptions,
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
            cv: lungfield::classify::CvOptions {
                folds: 5,
                forest: lungfield::forest::ForestOptions {
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
    pub study: Option<lungfield::classify::Study>,
    /// Result cards (`OUT/cards/<id>_card.png`) of the validation and test images, scored by
    /// a model trained on the training split; how many were written.
    pub cards: usize,
}

/// Runs the demo into `out`.
///
/// # Errors
/// [`lungfield::Error::Io`] when `out` cannot be written, or an error from a stage.
pub fn run_demo(out: &Path, opts: &DemoOptions) -> Result<DemoReport> {
    let phantoms = out.join("phantoms");
    write_set(&phantoms, &opts.phantoms)?;
    let data = Dataset::open(&phantoms)?;
    let seg = SegmentOptions::default();
    let evaluation = evaluate(&data, Subset::All, &seg);
    lungfield::report::write_evaluation(out, &evaluation)?;
    let prior_cv = lungfield::evaluate::evaluate_with(
        &data,
        Subset::All,
        &seg,
        lungfield::evaluate::PriorSource::CrossValidated(5),
        &(),
    )
    .ok();
    if let Some(ev) = &prior_cv {
        lungfield::report::write_evaluation(&out.join("prior-cv"), ev)?;
    }
    // The contact sheet: the first images, their lungs as found and the exact masks.
    let picked: Vec<_> = data.samples.iter().take(opts.sheet_count).collect();
    let (rgb, w, h) = lungfield::overlay::sample_sheet(&picked, &seg, None, 256, 4)?;
    let contact_sheet = out.join("contact_sheet.png");
    write_png_rgb8(&contact_sheet, &rgb, w, h)?;
    // The classifier, cross-validated on the lungs lungfield found.
    let jobs = lungfield::features::jobs_from_dataset(&data, Subset::All);
    let table = lungfield::features::training_table(
        &jobs,
        lungfield::features::MaskSource::Found,
        &seg,
        None,
        &lungfield::features::FeatureOptions::default(),
        &(),
    );
    let split = data
        .samples
        .iter()
        .map(|s| (s.id.clone(), s.split))
        .collect();
    let study = lungfield::classify::study(&table, &split, &opts.cv).ok();
    if let Some(st) = &study {
        lungfield::report::write_study(&out.join("classifier"), st)?;
    }
    let title = format!(
        "lungfield demo: {} phantoms of {} px, seed {}",
        opts.phantoms.count, opts.phantoms.size, opts.phantoms.seed
    );
    let mut page = lungfield::report::html::Report::new(out, &title);
    page.evaluation(&evaluation, &data, &seg, None)?;
    if let Some(st) = &study {
        page.study(st)?;
    }
    let cards = cards(out, &data, &table, &split)?;
    page.results(&cards);
    page.write()?;
    Ok(DemoReport {
        phantoms,
        evaluation,
        prior_cv,
        contact_sheet,
        study,
        cards: cards.len(),
    })
}

/// A model trained on the training split (no shape prior, as the demo segments), then the
/// validation and test images screened with it: a result card each in `OUT/cards/`, and
/// their rows for the report. None when the training split lacks a class.
fn cards(
    out: &Path,
    data: &Dataset,
    table: &lungfield::features::FeatureTable,
    split: &std::collections::HashMap<String, lungfield::io::Split>,
) -> Result<Vec<lungfield::report::html::ResultRow>> {
    use lungfield::classify::{screen_file, Model, ScreenOptions, TrainOptions, TrainingRows};
    use lungfield::io::Split;
    use lungfield::report::card::{card_rgb, CardInfo};
    let mut train = TrainingRows::default();
    for r in table
        .rows
        .iter()
        .filter(|r| split.get(&r.id) == Some(&Split::Train))
    {
        if let Some(y) = r.label {
            train.ids.push(r.id.clone());
            train.x.push(r.values.clone());
            train.y.push(y);
            train.sites.push(r.site.clone());
            train.local.push(r.local.clone());
        }
    }
    let topts = TrainOptions {
        shape_prior: None,
        ..Default::default()
    };
    let Ok(model) = Model::train(
        train.set(),
        &SegmentOptions::default(),
        &lungfield::features::FeatureOptions::default(),
        &topts,
    ) else {
        return Ok(Vec::new());
    };
    let dir = out.join("cards");
    std::fs::create_dir_all(&dir).map_err(|source| lungfield::Error::Io {
        path: dir.clone(),
        source,
    })?;
    let words = format!(
        "demo model (trained on the {} training phantoms)",
        train.ids.len()
    );
    let op = format!(
        "operating point sensitivity_0.90: TB at score >= {:.1}",
        model.score(model.threshold)
    );
    let opts = ScreenOptions {
        threshold: model.threshold,
        scaler: None,
        heatmap: true,
    };
    let mut rows = Vec::new();
    for s in data.samples.iter().filter(|s| s.split != Split::Train) {
        let screened = screen_file(&s.image, &model, None, &opts)?;
        let info = CardInfo {
            id: &s.id,
            model: &words,
            operating_point: &op,
        };
        let (rgb, w, h) = card_rgb(&screened, &info);
        let file = format!("{}_card.png", s.id);
        write_png_rgb8(&dir.join(&file), &rgb, w, h)?;
        rows.push(lungfield::report::html::ResultRow {
            id: s.id.clone(),
            score: screened.scored.as_ref().map(|sc| sc.score),
            label: screened.label(),
            qc: screened.qc_codes().join(", "),
            flags: screened.flags_or_reason().join(", "),
            card: Some(format!("cards/{file}")),
        });
    }
    Ok(rows)
}
