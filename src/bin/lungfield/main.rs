//! The `lungfield` command: parses arguments and calls the library. Exit codes: 0 all
//! succeeded, 1 some inputs failed (each named on stderr), 2 a fatal error (bad arguments,
//! unreadable dataset, unwritable output).

mod args;
mod batch;
mod screen;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use args::{Cli, Command};

fn threads(n: Option<usize>) -> Result<()> {
    if let Some(n) = n {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("setting up the thread pool")?;
    }
    Ok(())
}

fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Segment(a) => {
            threads(a.pipeline.threads)?;
            let files = lungfield::io::find_images(&a.inputs)?;
            if files.is_empty() {
                anyhow::bail!("no image files found in the given paths");
            }
            let failed = batch::segment_all(&files, &a.out, a.overlay, &(&a.pipeline).into())?;
            Ok(failed == 0)
        }
        Command::Evaluate(a) => {
            threads(a.pipeline.threads)?;
            let data = lungfield::io::Dataset::open(&a.data)?;
            let ev = lungfield::evaluate::evaluate(&data, a.subset.into(), &(&a.pipeline).into());
            for (id, e) in &ev.failures {
                eprintln!("{id}: {e}");
            }
            lungfield::report::write_evaluation(&a.out, &ev)?;
            print!("{}", lungfield::report::summary_table(&ev));
            println!("wrote {}/per_image.csv and summary.json", a.out.display());
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
            let set = lungfield::phantom::write_set(&a.out, &opts)?;
            let tb = set.rows.iter().filter(|r| r.label == 1).count();
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
            let r = lungfield::demo::run_demo(&a.out, &opts)?;
            println!(
                "lungfield demo: {} phantoms ({} px) in {}",
                a.count,
                a.size,
                r.phantoms.display()
            );
            print!("{}", lungfield::report::summary_table(&r.evaluation));
            match &r.study {
                Some(st) => {
                    println!("TB classifier, {}-fold cross-validation:", opts.cv.folds);
                    print!("{}", lungfield::report::study_table(st));
                }
                None => println!("TB classifier: too few phantoms for cross-validation"),
            }
            println!(
                "wrote {}/per_image.csv, summary.json, classifier/ and {} in {:.1} s",
                a.out.display(),
                r.contact_sheet.display(),
                t.elapsed().as_secs_f64()
            );
            Ok(r.evaluation.failures.is_empty())
        }
        Command::Features(a) => {
            threads(a.threads)?;
            screen::features(&a)
        }
        Command::Train(a) => {
            threads(a.data.threads)?;
            screen::train(&a)
        }
        Command::Classify(a) => {
            threads(a.threads)?;
            screen::classify(&a)
        }
        Command::Cv(a) => {
            threads(a.data.threads)?;
            screen::cv(&a)
        }
        Command::Bench(a) => bench(&a),
    }
}

fn bench(a: &args::BenchArgs) -> Result<bool> {
    let mut img = lungfield::io::decode_file(&a.image)?.to_u8();
    if let Some(k) = a.scale {
        if !(k > 0.0 && k <= 16.0) {
            anyhow::bail!("--scale {k} is outside (0, 16]");
        }
        img = lungfield::bench::scale_cubic(&img, k);
    }
    let isa = lungfield::simd::instruction_set();
    println!(
        "# lungfield {}, 1 thread, image {}x{}, wide instruction set: {isa}",
        env!("CARGO_PKG_VERSION"),
        img.width(),
        img.height()
    );
    let ms = lungfield::bench::run(&img, a.runs, &a.only);
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("lungfield: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
