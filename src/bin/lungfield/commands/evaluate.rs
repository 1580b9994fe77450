//! `lungfield evaluate`: segments a dataset and scores the masks against the experts'.

use lungfield::evaluate::PriorSource;

pub fn run(a: &crate::args::EvaluateArgs, quiet: bool) -> anyhow::Result<bool> {
    crate::threads(a.pipeline.threads)?;
    crate::outputs::writable_dir(&a.out)?;
    let data = lungfield::io::Dataset::open(&a.data)?;
    let prior = super::load_prior(&a.pipeline, a.prior_cv.is_some())?;
    let source = match (&prior, a.prior_cv) {
        (Some(p), _) => PriorSource::Fixed(p),
        (None, Some(k)) => PriorSource::CrossValidated(k),
        (None, None) => PriorSource::None,
    };
    let steps = lungfield::evaluate::progress_steps(&data, a.subset.into(), &source);
    let bar = crate::bar::Bar::new(steps, "steps", quiet);
    let ev = lungfield::evaluate::evaluate_with(
        &data,
        a.subset.into(),
        &(&a.pipeline).into(),
        source,
        &bar,
    )?;
    bar.finish();
    for (id, e) in &ev.failures {
        eprintln!("{id}: {e}");
    }
    lungfield::report::write_evaluation(&a.out, &ev)?;
    let mut page = lungfield::report::html::Report::new(
        &a.out,
        &format!("lungfield evaluation: {}", a.data.display()),
    );
    page.evaluation(&ev, &data, &(&a.pipeline).into(), prior.as_ref())?;
    let html = page.write()?;
    if a.json {
        crate::print_json(&EvaluateJson {
            summary: &ev.summary,
            timing: Timing {
                ms_per_image: ev.summary.ms_per_image,
                ms_median: ev.summary.ms_median,
            },
            out: &a.out,
            report: &html,
            failures: super::tables::failures(&ev.failures),
        });
    } else {
        print!("{}", lungfield::report::summary_table(&ev));
        println!(
            "wrote {}/per_image.csv, summary.json, timing.csv, timing.json and {}",
            a.out.display(),
            html.display()
        );
    }
    Ok(ev.failures.is_empty())
}

/// `evaluate --json`.
#[derive(serde::Serialize)]
struct EvaluateJson<'a> {
    summary: &'a lungfield::evaluate::EvalSummary,
    timing: Timing,
    out: &'a std::path::Path,
    report: &'a std::path::Path,
    failures: Vec<super::tables::Failure<'a>>,
}

/// Milliseconds per image, mean and median.
#[derive(serde::Serialize)]
struct Timing {
    ms_per_image: f64,
    ms_median: f64,
}
