//! The integration tests (all but the real-data floors in `tests/real_data.rs`), one module
//! per file and one test binary, so that a build on 2 cores links once instead of eleven
//! times: `cargo test --release --test it [NAME]`.

mod common;
mod clahe_reference;
mod classify;
mod cli;
mod dicom;
mod failure_classes;
mod fuzz_regressions;
mod layers;
mod listen;
mod phantom;
mod pipeline;
mod robustness;
mod screening;
mod sites;
