//! The TB classifier: a random forest on the lung features ([`forest`]), its versioned model
//! file ([`model`]), cross-validation with the scores a paper needs ([`cv`]) and the whole
//! study on a dataset's split ([`study`](mod@study)).

pub mod cv;
pub mod flat;
pub mod forest;
pub mod model;
pub mod study;

pub use cv::{cross_validate, score, CvOptions, CvResult, Scores};
pub use flat::FlatForest;
pub use forest::{Forest, ForestOptions};
pub use model::{Model, MODEL_FORMAT, MODEL_VERSION};
pub use study::{study, Study};
