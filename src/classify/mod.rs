//! The TB classifier: a random forest on the lung features ([`crate::forest`]) blended with a
//! penalised linear model ([`linear`], [`ensemble`]), its versioned model
//! file ([`model`]) with a calibrated 0–100 score and operating points ([`calibration`]),
//! per-site harmonisation ([`harmonise`]), screening one image end to end ([`screen`](mod@screen):
//! quality checks, lungs, score, heatmap), cross-validation with the scores a paper needs
//! ([`cv`]), leave-one-site-out validation ([`sites`]) and the whole study on a dataset's
//! split ([`study`](mod@study)).

pub mod calibration;
pub mod cv;
pub mod ensemble;
pub mod harmonise;
pub mod linear;
pub mod model;
pub mod screen;
pub mod sites;
pub mod study;

pub use crate::forest::{FlatForest, Forest, ForestOptions};
pub use cv::{cross_validate, score, CvOptions, CvResult, Scores};
pub use ensemble::Ensemble;
pub use linear::{Linear, LinearOptions};
pub use model::{Model, TrainOptions, TrainingRows, TrainingSet, MODEL_FORMAT, MODEL_VERSION};
pub use screen::{screen, screen_file, Scored, ScreenOptions, Screened};
pub use sites::{leave_one_site_out, per_site, SiteScores, SiteStudy};
pub use study::{study, Study};
