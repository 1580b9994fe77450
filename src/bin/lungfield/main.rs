//! The `lungfield` command: parses arguments and calls the library. Exit codes: 0 all
//! succeeded, 1 some inputs failed (each named on stderr), 2 a fatal error (bad arguments,
//! unreadable dataset, unwritable output, clashing output names), 130 interrupted (Ctrl-C or
//! SIGTERM; finished outputs are complete, `--resume` does the rest).

mod args;
mod bar;
mod batch;
mod outputs;
mod screen;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use args::{Cli, Command, DatasetCommand, PriorCommand};
use lungfield::evaluate::PriorSource;
use lungfield::prior::ShapePrior;

/// A batch stopped by Ctrl-C or SIGTERM (exit code 130).
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
struct Interrupted;

fn threads(n: Option<usize>) -> Result<()> {
    if let Some(n) = n {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("setting up the thread pool")?;
    }
    Ok(())
}

/// The shape prior to use: none with `--no-prior` (or when `cross_validated`, which fits its
/// own), the `--prior` file (loaded and checked), else the built-in one; a warning when its
/// corrections were measured with other segmentation settings.
fn load_prior(a: &args::PipelineArgs, cross_validated: bool) -> Result<Option<ShapePrior>> {
    if a.no_prior || cross_validated {
        return Ok(None);
    }
    let (prior, path) = match &a.prior {
        Some(path) => (ShapePrior::load(path)?, path.clone()),
        None => (
            ShapePrior::builtin()?,
            lungfield::prior::BUILTIN_NAME.into(),
        ),
    };
    let opts: lungfield::SegmentOptions = a.into();
    // How the prior is applied (e.g. --no-shape-repair) does not change its corrections.
    let differs = prior.segment.is_some_and(|mut s| {
        s.prior = opts.prior;
        s != opts
    });
    if differs {
        eprintln!(
            "{}: warning: fitted with other segmentation settings (e.g. --work-size, --no-contour); its corrections may not fit",
            path.display()
        );
    }
    Ok(Some(prior))
}

fn run(cli: Cli) -> Result<bool> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Segment(a) => {
            threads(a.pipeline.threads)?;
            let files = lungfield::io::find_images(&a.inputs)?;
            if files.is_empty() {
                anyhow::bail!("no image files found in the given paths");
            }
            let prior = load_prior(&a.pipeline, false)?;
            batch::check_unique_stems(&files)?;
            let files = &files[a.shard.range(files.len())];
            batch::catch_interrupts();
            let tally = batch::segment_all(
                files,
                &batch::SegmentBatch {
                    out: &a.out,
                    overlay: a.overlay,
                    resume: a.resume,
                    opts: &(&a.pipeline).into(),
                    prior: prior.as_ref(),
                    quiet,
                },
            )?;
            if a.json {
                print_json(&serde_json::json!({
                    "out": a.out,
                    "images": files.len(),
                    "done": tally.done,
                    "skipped": tally.skipped,
                    "failed": tally.failed,
                    "not_started": tally.not_started,
                    "failures": tally.failures.iter()
                        .map(|(f, e)| serde_json::json!({"file": f, "error": e}))
                        .collect::<Vec<_>>(),
                    "segmented": tally.segmented.iter()
                        .map(|(f, flags, from_image)| serde_json::json!({
                            "file": f,
                            "flags": flags,
                            "right_from_image": from_image[0],
                            "left_from_image": from_image[1],
                        }))
                        .collect::<Vec<_>>(),
                }));
            }
            if tally.not_started > 0 {
                return Err(Interrupted.into());
            }
            Ok(tally.failed == 0)
        }
        Command::Evaluate(a) => {
            threads(a.pipeline.threads)?;
            outputs::writable_dir(&a.out)?;
            let data = lungfield::io::Dataset::open(&a.data)?;
            let prior = load_prior(&a.pipeline, a.prior_cv.is_some())?;
            let source = match (&prior, a.prior_cv) {
                (Some(p), _) => PriorSource::Fixed(p),
                (None, Some(k)) => PriorSource::CrossValidated(k),
                (None, None) => PriorSource::None,
            };
            let steps = lungfield::evaluate::progress_steps(&data, a.subset.into(), &source);
            let bar = bar::Bar::new(steps, "steps", quiet);
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
                let t = &ev.summary;
                print_json(&serde_json::json!({
                    "summary": t,
                    "timing": {"ms_per_image": t.ms_per_image, "ms_median": t.ms_median},
                    "out": a.out,
                    "report": html,
                    "failures": ev.failures.iter()
                        .map(|(id, e)| serde_json::json!({"id": id, "error": e.to_string()}))
                        .collect::<Vec<_>>(),
                }));
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
        Command::Phantom(a) => {
            threads(a.threads)?;
            let opts = lungfield::phantom::PhantomSetOptions {
                count: a.count,
                seed: a.seed,
                tb_fraction: a.tb_fraction,
                size: a.size,
                bits: a.bits,
            };
            outputs::writable_dir(&a.out)?;
            let set = lungfield::phantom::write_set(&a.out, &opts)?;
            let tb = set.rows.iter().filter(|r| r.label == 1).count();
            if a.json {
                print_json(&serde_json::json!({
                    "out": a.out,
                    "count": set.rows.len(),
                    "tb": tb,
                    "size": a.size,
                    "bits": a.bits,
                    "seed": a.seed,
                }));
                return Ok(true);
            }
            println!(
                "wrote {} phantoms ({} TB-like, {} px, {}-bit) to {}",
                set.rows.len(),
                tb,
                a.size,
                a.bits,
                a.out.display()
            );
            Ok(true)
        }
        Command::Demo(a) => {
            threads(a.threads)?;
            let mut opts = lungfield::demo::DemoOptions::default();
            opts.phantoms.count = a.count;
            opts.phantoms.size = a.size;
            opts.phantoms.seed = a.seed;
            let t = std::time::Instant::now();
            outputs::writable_dir(&a.out)?;
            let r = lungfield::demo::run_demo(&a.out, &opts)?;
            if a.json {
                let study: Option<serde_json::Value> = r.study.as_ref().and_then(|_| {
                    std::fs::read(a.out.join("classifier/summary.json"))
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok())
                });
                print_json(&serde_json::json!({
                    "phantoms": r.phantoms,
                    "segmentation": r.evaluation.summary,
                    "segmentation_prior_cv": r.prior_cv.as_ref().map(|e| &e.summary),
                    "classifier": study,
                    "contact_sheet": r.contact_sheet,
                    "seconds": t.elapsed().as_secs_f64(),
                }));
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
                "wrote {}/per_image.csv, summary.json, report.html, prior-cv/, classifier/ and {} in {:.1} s",
                a.out.display(),
                r.contact_sheet.display(),
                t.elapsed().as_secs_f64()
            );
            Ok(r.evaluation.failures.is_empty())
        }
        Command::Features(a) => {
            threads(a.threads)?;
            screen::features(&a, quiet)
        }
        Command::Train(a) => {
            threads(a.data.threads)?;
            screen::train(&a, quiet)
        }
        Command::Classify(a) => {
            threads(a.threads)?;
            screen::classify(&a, quiet)
        }
        Command::Calibrate(a) => {
            threads(a.data.threads)?;
            screen::calibrate(&a, quiet)
        }
        Command::Cv(a) => {
            threads(a.data.threads)?;
            screen::cv(&a, quiet)
        }
        Command::Bench(a) => bench(&a),
        Command::Dataset(DatasetCommand::Check(a)) => {
            let expected = (!a.any).then_some(lungfield::io::Expected::SZ_CXR);
            let r = lungfield::io::check_dataset(&a.dir, expected)?;
            if a.json {
                print_json(&serde_json::to_value(&r)?);
            } else {
                for p in &r.problems {
                    println!("{p}");
                }
                println!(
                    "{}: {} images ({} normal, {} TB), {} usable masks: {}",
                    a.dir.display(),
                    r.images,
                    r.normal,
                    r.tb,
                    r.masks,
                    if r.ok() {
                        "no problems".to_string()
                    } else {
                        format!("{} problem(s)", r.problems.len())
                    }
                );
            }
            Ok(r.ok())
        }
        Command::Dataset(DatasetCommand::Import(a)) => {
            outputs::writable_dir(&a.out)?;
            let r = lungfield::io::import_dataset(&a.src, &a.out)?;
            let check =
                lungfield::io::check_dataset(&a.out, Some(lungfield::io::Expected::SZ_CXR))?;
            for c in &r.conflicts {
                eprintln!("conflict: {c}");
            }
            if a.json {
                print_json(&serde_json::json!({"import": r, "check": check, "out": a.out}));
            } else {
                for p in &check.problems {
                    println!("{p}");
                }
                println!(
                    "imported {} images and {} masks into {} ({} other files ignored, {} conflicts); check: {}",
                    r.images,
                    r.masks,
                    a.out.display(),
                    r.ignored,
                    r.conflicts.len(),
                    if check.ok() {
                        "a complete SZ-CXR copy".to_string()
                    } else {
                        format!("{} problem(s) listed above", check.problems.len())
                    }
                );
            }
            Ok(r.conflicts.is_empty())
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "lungfield",
                &mut std::io::stdout(),
            );
            Ok(true)
        }
        Command::Prior(PriorCommand::Fit(a)) => {
            threads(a.pipeline.threads)?;
            let opts: lungfield::SegmentOptions = (&a.pipeline).into();
            outputs::writable_file(&a.out)?;
            let t = std::time::Instant::now();
            let prior = match (&a.data, &a.masks) {
                (Some(d), _) => {
                    let data = lungfield::io::Dataset::open(d)?;
                    let bar = bar::Bar::new(data.samples.len(), "images", quiet);
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
                print_json(&serde_json::json!({
                    "out": a.out,
                    "masks": prior.exemplars.len(),
                    "with_corrections": corrected,
                    "band_classifier": prior.refiner.as_ref().map(|r| serde_json::json!({
                        "images": r.images,
                        "pixels": r.rows,
                        "trees": r.forest.len(),
                        "nodes": r.forest.node_count(),
                    })),
                    "skipped": prior.skipped,
                    "seconds": t.elapsed().as_secs_f64(),
                    "bytes": std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0),
                }));
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
    }
}

fn bench(a: &args::BenchArgs) -> Result<bool> {
    if let Some(path) = &a.json {
        outputs::writable_file(path)?;
    }
    let mut img = lungfield::io::decode_file(&a.image)?.to_u8();
    if let Some(k) = a.scale {
        if !(k > 0.0 && k <= 16.0) {
            anyhow::bail!("--scale {k} is outside (0, 16]");
        }
        img = lungfield::bench::scale_cubic(&img, k);
    }
    let isa = lungfield::simd::instruction_set();
    println!(
        "# lungfield {}, 1 thread, image {}x{}, instruction set: {isa}",
        env!("CARGO_PKG_VERSION"),
        img.width(),
        img.height()
    );
    let prior = match &a.prior {
        Some(p) => ShapePrior::load(p)?,
        None => ShapePrior::builtin()?,
    };
    // The file as it is (not scaled): what `segment` reads.
    let file = match a.scale {
        None => Some(
            std::fs::read(&a.image).with_context(|| format!("reading {}", a.image.display()))?,
        ),
        Some(_) => None,
    };
    let ms = lungfield::bench::run(&img, a.runs, &a.only, Some(&prior), file.as_deref());
    let mpix = (img.width() * img.height()) as f64 / 1e6;
    for key in lungfield::bench::KEYS {
        if let Some(m) = ms.get(key) {
            println!(
                "{key:<18} {:>4}x{:<4} {m:>10.3} ms {:>10.1} MPix/s",
                img.width(),
                img.height(),
                mpix / (m / 1e3)
            );
        }
    }
    if let Some(path) = &a.json {
        let report = lungfield::bench::BenchReport {
            image: a.image.display().to_string(),
            width: img.width(),
            height: img.height(),
            instruction_set: isa.to_string(),
            ms,
        };
        lungfield::io::write_atomic(path, &serde_json::to_vec_pretty(&report)?)?;
    }
    Ok(true)
}

/// Prints one JSON document on stdout (`--json`).
pub fn print_json(v: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}

/// Output piped into `head` and the like ends quietly, as Unix tools do, instead of failing
/// to print.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE action before any thread is started; no handler
    // code runs (the default action ends the process).
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    quiet_broken_pipe();
    let cli = Cli::parse();
    if let Some(w) = lungfield::simd::isa::env_warning() {
        eprintln!("lungfield: warning: {w}");
    }
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // The batch already said what was left undone.
        Err(e) if e.is::<Interrupted>() => ExitCode::from(130),
        Err(e) => {
            eprintln!("lungfield: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
