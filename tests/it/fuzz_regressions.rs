//! The fuzzers' minimised corpora (`fuzz/regressions/`, files under 2 KB from
//! `cargo fuzz cmin`), replayed on the stable toolchain through the same paths as the fuzz
//! targets: decode → segment → features, and the model and prior loaders. A panic anywhere
//! fails the test. (No fuzz run has found a crash so far; a crasher found later goes here
//! too.)

use std::path::{Path, PathBuf};

use lungfield::classify::Model;
use lungfield::prior::{apply, PriorOptions, ShapePrior};
use lungfield::{features, io, segment_radiograph, Mask, SegmentOptions};

fn files(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn the_decode_segment_corpus_runs_without_panics() {
    let opts = SegmentOptions {
        work_size: 64,
        ..Default::default()
    };
    let fo = features::FeatureOptions {
        size: 64,
        ..Default::default()
    };
    let corpus = files("decode_segment");
    assert!(corpus.len() > 100, "{} files", corpus.len());
    let (mut decoded, mut segmented) = (0, 0);
    for f in &corpus {
        let bytes = std::fs::read(f).unwrap();
        let Ok(img) = io::decode_bytes(&bytes, f) else {
            continue;
        };
        decoded += 1;
        if img.width() * img.height() > 1 << 20 {
            continue;
        }
        if let Ok(seg) = segment_radiograph(&img, &opts) {
            segmented += 1;
            let _ = features::extract(&img, &seg.labels, &fo);
        }
    }
    // The corpus reaches past the decoder into segmentation and features.
    assert!(
        decoded > 20 && segmented > 0,
        "{decoded} decoded, {segmented} segmented"
    );
}

#[test]
fn the_model_and_prior_corpus_runs_without_panics() {
    let corpus = files("model_files");
    assert!(corpus.len() > 100, "{} files", corpus.len());
    let mut labels = Mask::new(48, 48);
    for y in 10..40 {
        for x in 5..20 {
            labels.set(x, y, 1);
            labels.set(x + 22, y, 2);
        }
    }
    for f in &corpus {
        let bytes = std::fs::read(f).unwrap();
        if let Ok(m) = Model::from_json(&bytes, f) {
            let _ = m.predict_proba(&[vec![0.5; m.forest.n_features]]);
        }
        if let Ok(p) = ShapePrior::from_json(&bytes, f) {
            let _ = apply(&p, &labels, None, &PriorOptions::default());
        }
    }
    // The seeds themselves load: the corpus is not all rejects.
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds-model");
    let s = |n: &str| std::fs::read(seeds.join(n)).unwrap();
    assert!(Model::from_json(&s("tiny.lfm"), Path::new("tiny.lfm")).is_ok());
    assert!(ShapePrior::from_json(&s("corrected.lfp"), Path::new("corrected.lfp")).is_ok());
}
