//! The `lungfield` command: parses arguments and calls the library. Exit codes: 0 all
//! succeeded, 1 some inputs failed (each named on stderr), 2 a fatal error (bad arguments,
//! unreadable dataset, unwritable output, clashing output names), 130 interrupted (Ctrl-C or
//! SIGTERM; finished outputs are complete, `--resume` does the rest).

#![deny(unsafe_code)]

mod args;
mod bar;
mod bench;
mod batch;
mod commands;
mod demo;
mod outputs;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use args::{Cli, Command, DatasetCommand, PriorCommand};

/// A batch stopped by Ctrl-C or SIGTERM (exit code 130).
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
struct Interrupted;

/// Sets the size of rayon's global pool (`--threads`); all cores when `None`.
fn threads(n: Option<usize>) -> Result<()> {
    if let Some(n) = n {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("setting up the thread pool")?;
    }
    Ok(())
}

/// Runs one command: `Ok(true)` when every input succeeded.
fn run(cli: Cli) -> Result<bool> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Segment(a) => commands::segment::run(&a, quiet),
        Command::Evaluate(a) => commands::evaluate::run(&a, quiet),
        Command::Phantom(a) => commands::phantom::run(&a, quiet),
        Command::Demo(a) => commands::demo::run(&a, quiet),
        Command::Features(a) => {
            threads(a.threads)?;
            commands::features::run(&a, quiet)
        }
        Command::Train(a) => {
            threads(a.data.threads)?;
            commands::train::run(&a, quiet)
        }
        Command::Classify(a) => {
            threads(a.threads)?;
            commands::classify::run(&a, quiet)
        }
        Command::Calibrate(a) => {
            threads(a.data.threads)?;
            commands::calibrate::run(&a, quiet)
        }
        Command::Cv(a) => {
            threads(a.data.threads)?;
            commands::cv::run(&a, quiet)
        }
        Command::Listen(a) => commands::listen::run(&a),
        Command::Bench(a) => commands::bench::run(&a),
        Command::Dataset(DatasetCommand::Check(a)) => commands::dataset_check::run(&a, quiet),
        Command::Dataset(DatasetCommand::Import(a)) => commands::dataset_import::run(&a, quiet),
        Command::Prior(PriorCommand::Fit(a)) => commands::prior_fit::run(&a, quiet),
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
    }
}

/// Prints one JSON document on stdout (`--json`).
pub fn print_json<T: serde::Serialize + ?Sized>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}

/// Output piped into `head` and the like ends quietly, as Unix tools do, instead of failing
/// to print.
#[allow(unsafe_code)]
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
    use lungfield::simd::Kernels;
    match cli.kernels {
        Some(k) => {
            // Nothing has run yet, so the choice always takes; only the CPU can cap it.
            let got = Kernels::choose(k).unwrap_or_else(|now| now);
            if got != k {
                eprintln!(
                    "lungfield: warning: this CPU has no {} kernels: running {}",
                    k.name(),
                    got.name()
                );
            }
        }
        None => {
            if let Some(w) = Kernels::env_warning() {
                eprintln!("lungfield: warning: {w}");
            }
        }
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
