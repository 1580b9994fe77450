//! Batch runs: one library call per file in parallel, failures reported per file, never
//! stopping the batch; `--resume` skips finished files; Ctrl-C stops cleanly.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Result};
use rayon::prelude::*;

use lungfield::prior::ShapePrior;
use lungfield::{io, overlay, segment_with_prior, SegmentOptions};

/// Set by Ctrl-C (SIGINT) or SIGTERM: files not yet started are left for `--resume`.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C / SIGTERM handler (once; later calls are no-ops).
pub fn catch_interrupts() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            // A second Ctrl-C: stop now (outputs are atomic, so nothing is left half written).
            std::process::exit(130);
        }
        eprintln!("interrupted: finishing the images in progress (Ctrl-C again to stop now)");
    });
}

/// The flag Ctrl-C and SIGTERM set.
pub fn interrupt_flag() -> &'static AtomicBool {
    &INTERRUPTED
}

/// Whether the batch was interrupted.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// What happened to one input file.
pub enum Outcome {
    /// Written; its flags and how much of each lung the image showed.
    Done(Vec<String>, [f32; 2]),
    /// Its outputs were already there (`--resume`).
    Skipped,
    /// Not started: the batch was interrupted.
    NotStarted,
    /// Failed with this error.
    Failed(lungfield::Error),
}

/// `OUT/<stem><suffix>`, keeping the stem's exact bytes (non-UTF-8 names included).
fn output(out: &Path, stem: &OsStr, suffix: &str) -> PathBuf {
    let mut name = OsString::from(stem);
    name.push(suffix);
    out.join(name)
}

fn stem(p: &Path) -> &OsStr {
    p.file_stem().unwrap_or(OsStr::new("image"))
}

/// Settings of one `segment` batch.
pub struct SegmentBatch<'a> {
    /// Output folder.
    pub out: &'a Path,
    /// Also write overlays.
    pub overlay: bool,
    /// Skip inputs whose outputs exist.
    pub resume: bool,
    /// Pipeline options.
    pub opts: &'a SegmentOptions,
    /// Shape prior, if any.
    pub prior: Option<&'a ShapePrior>,
    /// No progress bar.
    pub quiet: bool,
}

impl SegmentBatch<'_> {
    fn outputs(&self, path: &Path) -> Vec<PathBuf> {
        let s = stem(path);
        let mut v = vec![output(self.out, s, "_mask.png")];
        if self.overlay {
            v.push(output(self.out, s, "_overlay.png"));
        }
        v
    }

    fn one(&self, path: &Path) -> Outcome {
        if interrupted() {
            return Outcome::NotStarted;
        }
        let outputs = self.outputs(path);
        // Outputs are written atomically: one that exists is complete.
        if self.resume && outputs.iter().all(|p| p.is_file()) {
            return Outcome::Skipped;
        }
        let run = || -> lungfield::Result<(Vec<String>, [f32; 2])> {
            let img = io::decode_file(path)?;
            let seg =
                segment_with_prior(&img, self.opts, self.prior).map_err(|e| e.in_file(path))?;
            io::write_png_mask(&outputs[0], &seg.mask_u8())?;
            if let Some(o) = outputs.get(1) {
                let grey = img.to_u8();
                let thickness = (grey.width().max(grey.height()) / 300).max(1);
                let mut rgb = overlay::overlay_rgb(&grey, &seg.labels, thickness);
                overlay::hatch_from_shape(&mut rgb, &seg, thickness);
                io::write_png_rgb8(o, &rgb, grey.width(), grey.height())?;
            }
            Ok((seg.flags, seg.provenance.from_image))
        };
        match run() {
            Ok((flags, from_image)) => Outcome::Done(flags, from_image),
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// Refuses inputs whose outputs would overwrite each other (the same file name in two
/// folders), before any work.
pub fn check_unique_stems(files: &[PathBuf]) -> Result<()> {
    let mut seen: HashMap<&OsStr, &Path> = HashMap::new();
    for f in files {
        if let Some(first) = seen.insert(stem(f), f) {
            bail!(
                "{} and {} would both write {}_mask.png: rename one, or run them into separate output folders",
                first.display(),
                f.display(),
                stem(f).to_string_lossy()
            );
        }
    }
    Ok(())
}

/// Counts of a finished (or interrupted) batch.
pub struct Tally {
    /// Inputs segmented.
    pub done: usize,
    /// Inputs skipped by `--resume`.
    pub skipped: usize,
    /// Inputs that failed.
    pub failed: usize,
    /// Inputs not started because of an interruption.
    pub not_started: usize,
    /// Each failed input and its error.
    pub failures: Vec<(PathBuf, String)>,
    /// Each segmented input, its flags and the share of each lung the image showed.
    pub segmented: Vec<(PathBuf, Vec<String>, [f32; 2])>,
}

/// Segments every file, writing masks (and overlays) into `b.out`. Reports each failure on
/// stderr and a summary line at the end.
pub fn segment_all(files: &[PathBuf], b: &SegmentBatch<'_>) -> Result<Tally> {
    crate::outputs::writable_dir(b.out)?;
    // Each worker reports as it goes; only small outcomes are kept, never images.
    let bar = crate::bar::Bar::new(files.len(), "images", b.quiet);
    let outcomes: Vec<Outcome> = files
        .par_iter()
        .map(|p| {
            let o = b.one(p);
            match &o {
                Outcome::Done(flags, _) if !flags.is_empty() => {
                    bar.println(&format!("{}: warning: {}", p.display(), flags.join("; ")));
                }
                Outcome::Failed(e) => bar.println(&e.to_string()),
                _ => {}
            }
            lungfield::progress::Progress::advance(&bar);
            o
        })
        .collect();
    bar.finish();
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let done = count(|o| matches!(o, Outcome::Done(..)));
    let skipped = count(|o| matches!(o, Outcome::Skipped));
    let failed = count(|o| matches!(o, Outcome::Failed(_)));
    let not_started = count(|o| matches!(o, Outcome::NotStarted));
    let mut line = format!(
        "segmented {done} of {} images into {}",
        files.len(),
        b.out.display()
    );
    if skipped > 0 {
        line += &format!(", {skipped} already done (--resume)");
    }
    if failed > 0 {
        line += &format!(", {failed} failed");
    }
    if not_started > 0 {
        line += &format!(
            ", {not_started} not started (interrupted: run again with --resume to finish)"
        );
    }
    eprintln!("{line}");
    let failures = files
        .iter()
        .zip(&outcomes)
        .filter_map(|(p, o)| match o {
            Outcome::Failed(e) => Some((p.clone(), e.to_string())),
            _ => None,
        })
        .collect();
    let segmented = files
        .iter()
        .zip(&outcomes)
        .filter_map(|(p, o)| match o {
            Outcome::Done(flags, from_image) => Some((p.clone(), flags.clone(), *from_image)),
            _ => None,
        })
        .collect();
    Ok(Tally {
        segmented,
        done,
        skipped,
        failed,
        not_started,
        failures,
    })
}
