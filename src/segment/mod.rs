//! Segmentation stages, in pipeline order: threshold (Otsu) → morphology → connected
//! components and hole filling → active contour → anatomical post-processing.

pub mod components;
pub mod contour;
pub mod distance;
pub mod morphology;
pub mod outside;
pub mod postprocess;

pub mod provenance;
pub mod symmetry;
pub mod threshold;

pub use components::{components, fill_holes, Component, Labels};
pub use contour::{refine, BetaField, ContourOptions};
pub use morphology::{bridge_vertical, close, dilate, erode, open};
pub use outside::{air, air_beside, fill_level, fill_level_beside, fill_level_from, Air};
pub use postprocess::{two_lungs, LungPair, Side};
pub use provenance::Provenance;
pub use symmetry::complete_from_other;
pub use threshold::{otsu_from_histogram, otsu_level, threshold_below};
