//! Batch runs: one library call per file in parallel, failures reported per file, never
//! stopping the batch.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use lungfield::segment::prior::ShapePrior;
use lungfield::{io, overlay, segment_with_prior, SegmentOptions};

/// What happened to one input file.
pub enum Outcome {
    /// Written; any plausibility warnings.
    Done(Vec<String>),
    /// Failed with this error.
    Failed(lungfield::Error),
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "image".into())
}

fn segment_file(
    path: &Path,
    out: &Path,
    overlay: bool,
    opts: &SegmentOptions,
    prior: Option<&ShapePrior>,
) -> Outcome {
    let run = || -> lungfield::Result<Vec<String>> {
        let img = io::decode_file(path)?;
        let seg = segment_with_prior(&img, opts, prior).map_err(|e| e.in_file(path))?;
        let name = stem(path);
        io::write_png_gray8(&out.join(format!("{name}_mask.png")), &seg.mask_u8())?;
        if overlay {
            let grey = img.to_u8();
            let thickness = (grey.width().max(grey.height()) / 300).max(1);
            let rgb = overlay::overlay_rgb(&grey, &seg.labels, thickness);
            io::write_png_rgb8(
                &out.join(format!("{name}_overlay.png")),
                &rgb,
                grey.width(),
                grey.height(),
            )?;
        }
        Ok(seg.flags)
    };
    match run() {
        Ok(flags) => Outcome::Done(flags),
        Err(e) => Outcome::Failed(e),
    }
}

/// Segments every file, writing masks (and overlays) into `out`. Returns the number of failures.
pub fn segment_all(
    files: &[PathBuf],
    out: &Path,
    overlay: bool,
    opts: &SegmentOptions,
    prior: Option<&ShapePrior>,
) -> Result<usize> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("creating output folder {}", out.display()))?;
    // Fail before any work when the folder is not writable.
    io::write_atomic(&out.join(".lungfield-write-test"), b"")
        .with_context(|| format!("output folder {} is not writable", out.display()))?;
    let _ = std::fs::remove_file(out.join(".lungfield-write-test"));
    let outcomes: Vec<(&PathBuf, Outcome)> = files
        .par_iter()
        .map(|p| (p, segment_file(p, out, overlay, opts, prior)))
        .collect();
    let mut failed = 0;
    for (path, o) in &outcomes {
        match o {
            Outcome::Done(flags) if !flags.is_empty() => {
                eprintln!("{}: warning: {}", path.display(), flags.join("; "));
            }
            Outcome::Done(_) => {}
            Outcome::Failed(e) => {
                failed += 1;
                eprintln!("{e}");
            }
        }
    }
    eprintln!(
        "segmented {} of {} images into {}{}",
        files.len() - failed,
        files.len(),
        out.display(),
        if failed > 0 {
            format!(" ({failed} failed)")
        } else {
            String::new()
        }
    );
    Ok(failed)
}
