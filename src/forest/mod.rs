//! Random forests: grown in parallel on smartcore's regression trees with real
//! probabilities ([`Forest`], bit-identical at any thread count; the trees grown by
//! [`cart`] where that is faster, the same trees), and laid out flat for fast prediction one
//! row at a time ([`FlatForest`]). Used by the screen's classifier and by
//! the shape prior's boundary refiner, so it sits below both.

pub mod cart;
pub mod flat;
pub mod grow;

pub use flat::FlatForest;
pub use grow::{Forest, ForestOptions, TREES};
