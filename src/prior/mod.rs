//! A learned lung shape prior, without deep learning: the lungs of many expert masks, and,
//! when the prior is fitted with the images, what lungfield's image-driven stages found in
//! those same images.
//!
//! Fitting ([`ShapePrior::fit_dataset`], [`ShapePrior::fit_files`]) reduces every training
//! lung to its bounding box and a coverage grid ([`LungShape`]); with images it also records,
//! region by region around each found lung, where the expert's boundary lies relative to the
//! found one ([`Correction`]): how many pixels at each signed distance from the found
//! boundary the expert called lung.
//!
//! Applying ([`apply`]) picks the training pairs whose found lungs look most like this
//! image's, pools their corrections, and gives every pixel near each found lung the share of
//! expert lung of its region and distance bin: boundaries the segmenter habitually draws too
//! far in (the rib cage, the apices, the costophrenic angles) or too far out (the
//! mediastinum, the heart) move to where the experts draw them. The corrections are also
//! resolved by how lung-like each pixel looks (its smoothed intensity placed between the found
//! lung's own inside and outside nearby), so within a region the boundary follows the image,
//! not only the region's habit. A lung the image-driven stages missed is
//! placed from the other lung and the averaged expert shapes.
//!
//! Last, a point distribution model of the expert lung pairs ([`ShapeModel`]: centroids and
//! extents along fixed rays, PCA) is fitted robustly to the result, and gross errors, where a
//! boundary strays far from the most plausible shape (a lower lobe lost under dense soft
//! tissue, a leak into the abdomen), are replaced by the model's.
//!
//! With images, fitting also trains a band classifier ([`Refiner`]): a random forest that
//! decides, pixel by pixel near the boundary the steps above drew, whether the pixel is lung,
//! from its distances to that boundary, its place in the lungs' boxes and the image around it.
//! The result follows the convention of the masks the prior was fitted on.
//!
//! The method write-up and its measurements follow (also in `docs/PRIOR.md`).
//!
#![doc = include_str!("../../docs/PRIOR.md")]

mod apply;
mod codec;
mod grid;
mod images;
mod model;
mod outline;
mod pdm;
mod refine;
mod shade;
mod shape;
mod train;
#[cfg(test)]
mod testing;

pub use apply::{apply, PriorOptions};
pub use images::WorkingImages;
pub use model::{
    PairShape, ShapePrior, BUILTIN_NAME, MAX_PRIOR_BYTES, PRIOR_FORMAT, PRIOR_VERSION,
};
pub use outline::{radial, RAYS, SHAPE_DIM};
pub use pdm::{Fitted, ShapeModel};
pub use refine::{Refiner, Scene, BAND, INNER_FOLDS, MIN_SCENES, N_FEATURES};
pub use shape::{
    corr_frame, frac_box, Correction, Frac, LungShape, CORR_BINS, CORR_H, CORR_MARGIN, CORR_W,
    GRID_H, GRID_W,
};
