//! Scores: segmentation against expert masks ([`masks`]: Dice, Jaccard, HD95) and a
//! classifier's probabilities against labels ([`classification`]: ROC, AUC with a bootstrap
//! confidence interval, accuracy, sensitivity, specificity).

pub mod classification;
pub mod masks;

pub use classification::{auc, auc_ci, confusion, roc_points, Confusion};
pub use masks::{percentile, score_masks, MaskScores};
