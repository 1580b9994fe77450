//! One file per command: each takes its parsed arguments, calls the library and reports
//! (a line of text, or one typed JSON document with `--json`). Exit status: `Ok(true)` all
//! inputs succeeded, `Ok(false)` some failed (each named on stderr), `Err` a fatal error.

pub mod bench;
pub mod calibrate;
pub mod classify;
pub mod cv;
pub mod dataset_check;
pub mod dataset_import;
pub mod demo;
pub mod evaluate;
pub mod features;
pub mod listen;
pub mod phantom;
pub mod prior_fit;
pub mod segment;
pub mod tables;
pub mod train;

use anyhow::Result;
use lungfield::prior::ShapePrior;

use crate::args;

/// The shape prior to use: none with `--no-prior` (or when `cross_validated`, which fits its
/// own), the `--prior` file (loaded and checked), else the built-in one; a warning when its
/// corrections were measured with other segmentation settings.
pub fn load_prior(a: &args::PipelineArgs, cross_validated: bool) -> Result<Option<ShapePrior>> {
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
