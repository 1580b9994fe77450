//! Helpers shared by the integration tests: the binary, the fixtures, the phantom ids, Dice.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `lungfield` binary of this build.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lungfield"))
}

/// A path under `data-fixtures/`.
pub fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data-fixtures")
        .join(p)
}

/// The ids of the fixture phantoms (`data-fixtures/phantoms/images/<id>.png`), sorted.
pub fn phantom_ids() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(fixture("phantoms/images"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    ids.sort();
    ids
}

/// A fresh dataset folder `root` with empty `images/` and `masks/`.
pub fn dataset_dirs(root: &Path) {
    for sub in ["images", "masks"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
}

/// Dice of two masks (non-zero = inside).
pub fn dice(a: &lungfield::Mask, b: &lungfield::Mask) -> f64 {
    let (mut i, mut s) = (0usize, 0usize);
    for (&x, &y) in a.as_slice().iter().zip(b.as_slice()) {
        i += usize::from(x != 0 && y != 0);
        s += usize::from(x != 0) + usize::from(y != 0);
    }
    2.0 * i as f64 / s.max(1) as f64
}
