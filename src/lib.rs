//! # lungfield
//!
//! Finds the lungs in chest X-rays with classical image processing, no deep learning:
//!
//! 1. [`io`]: decode PNG/JPEG/TIFF (8/16-bit, grey/RGB/palette) to grey, keeping 16 bits;
//! 2. [`enhance`]: area downscale to a working resolution, CLAHE;
//! 3. [`simd`]: median and Gaussian filtering (`wide` kernels with scalar twins);
//! 4. [`segment`]: Otsu seed, morphology and components, an active contour, then exactly two
//!    lungs labelled right/left, constrained and repaired by a learned shape prior ([`prior`],
//!    built in);
//! 5. back to the original size; [`metrics`] scores masks (Dice, Jaccard, HD95) and
//!    [`evaluate`] runs a whole dataset;
//! 6. [`features`] and [`classify`]: texture and shape features, a random forest ([`forest`])
//!    beside a linear model, calibrated to a TB score; quality checks with stable codes
//!    ([`qc`]) before it, an abnormality heatmap made of the same evidence ([`heatmap`]) and
//!    a result card per image ([`report::card`]) after it.
//!
//! The modules are declared below in layer order: each imports only from those declared
//! before it (`tests/it/layers.rs` checks), so the crate reads top-down.
//!
//! ```no_run
//! use lungfield::{io, segment_radiograph, SegmentOptions};
//! let img = io::decode_file("chest.png".as_ref())?;
//! let seg = segment_radiograph(&img, &SegmentOptions::default())?;
//! io::write_png_mask("chest_mask.png".as_ref(), &seg.mask_u8())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
// `unsafe` only in the kernels (`simd::isa` and the `vector.rs` files, each allowing it) and
// one `madvise` hint in `image`.
#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

// The layers, bottom up: each module imports only from modules declared above it
// (`tests/it/layers.rs` checks), so the pipeline reads top-down.
mod error;
pub mod rng;
pub mod progress;
mod image;
pub mod simd;
pub mod io;
pub mod enhance;
pub mod segment;
pub mod forest;
mod options;
pub mod prior;
mod pipeline;
pub mod qc;
mod fit;
pub mod features;
pub mod heatmap;
pub mod metrics;
pub mod classify;
pub mod evaluate;
pub mod phantom;
pub mod overlay;
pub mod report;
pub mod listen;

pub use error::{Error, Result};
pub use image::{GrayF32, GrayU16, GrayU8, Labels, Mask, Plane};
pub use options::{PriorOptions, SegmentOptions};
pub use pipeline::{
    found_lungs, segment_radiograph, segment_with_prior, working_image, Found, Segmentation,
    MIN_SIDE, PADDING_FLAG, SMALL_BODY,
};
