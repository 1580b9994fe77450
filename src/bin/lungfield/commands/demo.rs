//! `lungfield demo`: the one-command demo on phantoms.

pub fn run(a: &crate::args::DemoArgs, _quiet: bool) -> anyhow::Result<bool> {
    crate::threads(a.threads)?;
    let mut opts = crate::demo::DemoOptions::default();
    opts.phantoms.count = a.count;
    opts.phantoms.size = a.size;
    opts.phantoms.seed = a.seed;
    let t = std::time::Instant::now();
    crate::outputs::writable_dir(&a.out)?;
    let r = crate::demo::run_demo(&a.out, &opts)?;
    if a.json {
        crate::print_json(&DemoJson {
            phantoms: &r.phantoms,
            segmentation: &r.evaluation.summary,
            segmentation_prior_cv: r.prior_cv.as_ref().map(|e| &e.summary),
            classifier: r.study.as_ref().map(lungfield::report::study_summary),
            contact_sheet: &r.contact_sheet,
            cards: r.cards,
            seconds: t.elapsed().as_secs_f64(),
        });
        return Ok(r.evaluation.failures.is_empty());
    }
    println!(
        "lungfield demo: {} phantoms ({} px) in {}",
        a.count,
        a.size,
        r.phantoms.display()
    );
    print!("{}", lungfield::report::summary_table(&r.evaluation));
    if let Some(ev) = &r.prior_cv {
        let s = &ev.summary;
        println!(
            "with a shape prior, 5-fold cross-validated on the phantoms' masks: dice mean {:.4}  median {:.4}  p5 {:.4}  hd95 median {:.2} px",
            s.dice_mean, s.dice_median, s.dice_p5, s.hd95_median_px
        );
    }
    match &r.study {
        Some(st) => {
            println!("TB classifier, {}-fold cross-validation:", opts.cv.folds);
            print!("{}", lungfield::report::study_table(st));
        }
        None => println!("TB classifier: too few phantoms for cross-validation"),
    }
    println!(
        "wrote {}/per_image.csv, summary.json, report.html, prior-cv/, classifier/, {} result card(s) in cards/ and {} in {:.1} s",
        a.out.display(),
        r.cards,
        r.contact_sheet.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(r.evaluation.failures.is_empty())
}

/// `demo --json`.
#[derive(serde::Serialize)]
struct DemoJson<'a> {
    phantoms: &'a std::path::Path,
    segmentation: &'a lungfield::evaluate::EvalSummary,
    segmentation_prior_cv: Option<&'a lungfield::evaluate::EvalSummary>,
    classifier: Option<lungfield::report::StudySummary<'a>>,
    contact_sheet: &'a std::path::Path,
    cards: usize,
    seconds: f64,
}
