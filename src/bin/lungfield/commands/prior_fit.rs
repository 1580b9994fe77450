//! `lungfield prior fit`: fits a lung shape prior on a dataset's images and masks, or on masks alone.

use lungfield::prior::ShapePrior;

pub fn run(a: &crate::args::PriorFitArgs, quiet: bool) -> anyhow::Result<bool> {
    crate::threads(a.pipeline.threads)?;
    let opts: lungfield::SegmentOptions = (&a.pipeline).into();
    crate::outputs::writable_file(&a.out)?;
    let t = std::time::Instant::now();
    let prior = match (&a.data, &a.masks) {
        (Some(d), _) => {
            let data = lungfield::io::Dataset::open(d)?;
            let bar = crate::bar::Bar::new(data.samples.len(), "images", quiet);
            let p = ShapePrior::fit_dataset(&data, &opts, &bar);
            bar.finish();
            p?
        }
        (None, Some(m)) => {
            let files = lungfield::io::find_masks(m)?;
            ShapePrior::fit_files(&files)?
        }
        (None, None) => anyhow::bail!("give --data DIR or --masks DIR"),
    };
    for s in &prior.skipped {
        eprintln!("skipped {s}");
    }
    prior.save(&a.out)?;
    let corrected = prior
        .exemplars
        .iter()
        .filter(|e| e.correction.iter().any(Option::is_some))
        .count();
    if a.json {
        crate::print_json(&PriorFitJson {
            out: &a.out,
            masks: prior.exemplars.len(),
            with_corrections: corrected,
            band_classifier: prior.refiner.as_ref().map(|r| BandClassifier {
                images: r.images,
                pixels: r.rows,
                trees: r.forest.len(),
                nodes: r.forest.node_count(),
            }),
            skipped: &prior.skipped,
            seconds: t.elapsed().as_secs_f64(),
            bytes: std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0),
        });
        return Ok(true);
    }
    println!(
        "fitted a lung shape prior on {} masks ({} with corrections, {} skipped) in {:.1} s: wrote {} ({} KB)",
        prior.exemplars.len(),
        corrected,
        prior.skipped.len(),
        t.elapsed().as_secs_f64(),
        a.out.display(),
        std::fs::metadata(&a.out).map(|m| m.len() / 1024).unwrap_or(0)
    );
    match &prior.refiner {
        Some(r) => println!(
            "band classifier: {} trees ({} nodes) on {} pixels of {} images",
            r.forest.len(),
            r.forest.node_count(),
            r.rows,
            r.images
        ),
        None => println!(
            "no band classifier (it needs at least {} masks fitted with their images)",
            lungfield::prior::MIN_SCENES
        ),
    }
    Ok(true)
}

/// `prior fit --json`.
#[derive(serde::Serialize)]
struct PriorFitJson<'a> {
    out: &'a std::path::Path,
    masks: usize,
    with_corrections: usize,
    band_classifier: Option<BandClassifier>,
    skipped: &'a [String],
    seconds: f64,
    bytes: u64,
}

/// The prior's band classifier: what it was trained on and its size.
#[derive(serde::Serialize)]
struct BandClassifier {
    images: usize,
    pixels: usize,
    trees: usize,
    nodes: usize,
}
