//! # lungfield
//!
//! Finds the lungs in chest X-rays with classical image processing, no deep learning:
//!
//! 1. [`io`]: decode PNG/JPEG/TIFF (8/16-bit, grey/RGB/palette) to grey, keeping 16 bits;
//! 2. [`enhance`]: area downscale to a working resolution, CLAHE;
//! 3. [`simd`]: median and Gaussian filtering (`wide` kernels with scalar twins);
//! 4. [`segment`]: Otsu seed, morphology and components, an active contour, then exactly two
//!    lungs labelled right/left, optionally constrained and repaired by a learned shape prior
//!    ([`segment::prior`]);
//! 5. back to the original size; [`metrics`] scores masks (Dice, Jaccard, HD95) and
//!    [`evaluate`] runs a whole dataset.
//!
//! ```no_run
//! use lungfield::{io, segment_radiograph, SegmentOptions};
//! let img = io::decode_file("chest.png".as_ref())?;
//! let seg = segment_radiograph(&img, &SegmentOptions::default())?;
//! io::write_png_gray8("chest_mask.png".as_ref(), &seg.mask_u8())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod bench;
pub mod classify;
pub mod demo;
pub mod enhance;
mod error;
pub mod evaluate;
pub mod features;
mod image;
pub mod io;
pub mod metrics;
mod options;
pub mod overlay;
pub mod phantom;
mod pipeline;
pub mod progress;
pub mod report;
pub mod segment;
pub mod simd;

pub use error::{Error, Result};
pub use image::{GrayF32, GrayU16, GrayU8, Mask, Plane};
pub use options::SegmentOptions;
pub use pipeline::{
    found_lungs, found_lungs_in, segment_radiograph, segment_with_prior, working_image,
    Segmentation, MIN_SIDE, PADDING_FLAG, SMALL_BODY,
};
