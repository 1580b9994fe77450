//! The dimensions of a correction's grid (cells over the found lung's box, distance bins
//! across its boundary), below both the corrections ([`super::shape`]) and their
//! shade-resolved form ([`super::shade`]) that index it.

/// Columns of a [`super::shape::Correction`]'s cell grid.
pub const CORR_W: usize = 12;
/// Rows of a [`super::shape::Correction`]'s cell grid.
pub const CORR_H: usize = 18;
/// Distance bins on each side of the found boundary: one per pixel (at the 256-pixel
/// reference resolution) up to `CORR_FINE`, then one per `CORR_STEP` pixels, `CORR_D` in
/// all, the last one open-ended.
pub const CORR_D: i32 = 14;
/// Distances binned pixel by pixel.
pub const CORR_FINE: i32 = 8;
/// Width of the coarse bins beyond [`CORR_FINE`].
pub const CORR_STEP: i32 = 4;
/// Bins per cell: `CORR_D` outside, `CORR_D` inside and the boundary itself (unused).
pub const CORR_BINS: usize = 2 * CORR_D as usize + 1;
