//! The phantom generator and the `phantom` and `demo` commands.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use lungfield::io::{decode_file, Dataset, Radiograph};
use lungfield::phantom::{render, write_set, PhantomSetOptions};

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["images", "masks"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            out.insert(
                format!("{sub}/{}", p.file_name().unwrap().to_string_lossy()),
                std::fs::read(&p).unwrap(),
            );
        }
    }
    out.insert(
        "MANIFEST.csv".into(),
        std::fs::read(dir.join("MANIFEST.csv")).unwrap(),
    );
    out
}

fn set_in_pool(
    threads: usize,
    opts: &PhantomSetOptions,
) -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| write_set(dir.path(), opts)).unwrap();
    let f = files(dir.path());
    (dir, f)
}

#[test]
fn same_seed_gives_byte_identical_sets_at_any_thread_count() {
    let opts = PhantomSetOptions {
        count: 6,
        seed: 42,
        size: 128,
        ..Default::default()
    };
    let (_a, one) = set_in_pool(1, &opts);
    let (_b, two) = set_in_pool(2, &opts);
    assert_eq!(one.len(), 6 * 2 + 1);
    assert_eq!(one, two);
    let (_c, other) = set_in_pool(2, &PhantomSetOptions { seed: 43, ..opts });
    assert_ne!(
        one.get("images/PHANTOM_0001_1.png"),
        other.get("images/PHANTOM_0001_1.png")
    );
}

#[test]
fn a_set_is_a_dataset_with_labels_masks_and_a_manifest() {
    let opts = PhantomSetOptions {
        count: 10,
        seed: 5,
        size: 96,
        tb_fraction: 0.3,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let rep = write_set(dir.path(), &opts).unwrap();
    let data = Dataset::open(dir.path()).unwrap();
    assert_eq!(data.samples.len(), 10);
    assert_eq!(
        data.samples.iter().filter(|s| s.label == Some(1)).count(),
        3
    );
    assert!(data.samples.iter().all(|s| s.mask.is_some() && !s.degraded));
    for r in &rep.rows {
        // TB-like images carry findings and a severity; normal ones neither.
        assert_eq!(r.label == 1, !r.findings.is_empty(), "{}", r.id);
        assert_eq!(
            r.label == 1,
            r.severity > 0.0 || r.findings.contains("consolidation")
        );
    }
    let m = lungfield::io::read_mask(&dir.path().join("masks/PHANTOM_0001_0_mask.png")).unwrap();
    assert!(m.as_slice().iter().all(|&v| v <= 1), "read_mask gives 0/1");
    assert!(m.count() > 96 * 96 / 10);
}

#[test]
fn sixteen_bit_sets_decode_as_sixteen_bit() {
    let opts = PhantomSetOptions {
        count: 1,
        seed: 9,
        size: 80,
        bits: 16,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), &opts).unwrap();
    let img = decode_file(&dir.path().join("images/PHANTOM_0001_1.png")).unwrap();
    let Radiograph::U16(p) = img else {
        panic!("expected a 16-bit image")
    };
    // Real 16-bit data, not 8-bit values scaled up.
    assert!(p.as_slice().iter().any(|&v| v % 257 != 0));
    let bad = PhantomSetOptions { bits: 12, ..opts };
    assert!(write_set(dir.path(), &bad).is_err());
}

/// Mean film over the lower half and the medial third of one lung's mask.
fn lower_medial_mean(r: &lungfield::phantom::Rendered, label: u8) -> f64 {
    let m = r.labels.map(|&v| u8::from(v == label));
    let (x0, y0, x1, y1) = m.bounds(|v| v != 0).unwrap();
    let third = (x1 - x0) / 3;
    let (mut sum, mut n) = (0.0, 0usize);
    for y in (y0 + y1) / 2..=y1 {
        for x in x0..=x1 {
            let medial = if label == 1 {
                x >= x1 - third
            } else {
                x <= x0 + third
            };
            if medial && m.get(x, y) != 0 {
                sum += f64::from(r.film.get(x, y));
                n += 1;
            }
        }
    }
    sum / n.max(1) as f64
}

#[test]
fn mask_covers_the_lung_behind_the_heart() {
    // The SZ-CXR convention: the whole lung field, so the left lung's lower medial part lies
    // under the heart's shadow, clearly brighter than the same part of the right lung.
    for seed in 0..4 {
        let r = render(256, 300 + seed, false);
        let (right, left) = (lower_medial_mean(&r, 1), lower_medial_mean(&r, 2));
        eprintln!("seed {seed}: right {right:.3} left {left:.3}");
        assert!(
            left > right + 0.05,
            "seed {seed}: right {right:.3} left {left:.3}"
        );
    }
}

#[test]
fn tb_findings_change_the_lungs_and_normal_phantoms_have_none() {
    let normal = render(128, 11, false);
    assert!(normal.findings.is_empty() && normal.severity == 0.0);
    let tb = render(128, 11, true);
    assert!(!tb.findings.is_empty());
    // Same patient (the anatomy comes first from the seed), different lungs.
    assert_ne!(normal.film, tb.film);
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lungfield"))
}

#[test]
fn phantom_command_writes_a_set_and_refuses_bad_bits() {
    let out = tempfile::tempdir().unwrap();
    let r = bin()
        .args([
            "phantom",
            "--count",
            "4",
            "--seed",
            "3",
            "--size",
            "96",
            "--tb-fraction",
            "0.5",
            "-j",
            "2",
            "-o",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(files(out.path()).len(), 9);
    let r = bin()
        .args(["phantom", "--count", "1", "--bits", "12", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("8 or 16"));
}

#[test]
fn demo_segments_scores_and_draws_a_contact_sheet() {
    let out = tempfile::tempdir().unwrap();
    let r = bin()
        .args(["demo", "--count", "6", "--size", "256", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(stdout.contains("dice"), "{stdout}");
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["n"], 6);
    let dice = s["dice_mean"].as_f64().unwrap();
    assert!(
        dice > 0.75 && dice < 0.99,
        "phantoms neither trivial nor hopeless: {dice}"
    );
    let sheet = decode_file(&out.path().join("contact_sheet.png"));
    assert!(sheet.is_ok());
    // The report holds the segmentation section, and the classifier's when 6 phantoms were
    // enough to cross-validate it.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("Dice per image"), "report.html");
    assert_eq!(
        html.contains("ROC, AUC"),
        out.path().join("classifier/summary.json").is_file()
    );
    assert!(out.path().join("prior-cv/summary.json").is_file());
}
