//! The `lungfield` binary: exit codes, one error line per bad file, outputs.

use crate::common::{bin, fixture};

use std::path::{Path, PathBuf};

/// Runs `lungfield evaluate` on a fixture dataset into a fresh folder.
fn evaluate(data: &str, extra: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let r = bin()
        .arg("evaluate")
        .args(extra)
        .arg("--data")
        .arg(fixture(data))
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    (r, out)
}

/// Asserts the exit code, showing stderr when it differs.
fn assert_exit(r: &std::process::Output, code: i32) {
    assert_eq!(
        r.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

fn summary(out: &tempfile::TempDir) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.path().join("summary.json")).unwrap()).unwrap()
}

#[test]
fn batch_goes_on_past_bad_files_and_exits_1() {
    let out = tempfile::tempdir().unwrap();
    let r = bin()
        .arg("segment")
        .arg(fixture("bad"))
        .arg(fixture("phantom_gray.png"))
        .arg("-o")
        .arg(out.path())
        .arg("--overlay")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    for f in [
        "empty.png",
        "truncated.png",
        "not_an_image.png",
        "one_pixel.png",
    ] {
        assert_eq!(
            err.lines().filter(|l| l.contains(f)).count(),
            1,
            "{f} in:\n{err}"
        );
    }
    assert!(err.contains("4 failed"), "{err}");
    let mask = lungfield::io::decode_file(&out.path().join("phantom_gray_mask.png")).unwrap();
    assert_eq!((mask.width(), mask.height()), (128, 128));
    let m = mask.to_u8();
    assert!(m.as_slice().iter().all(|&v| v == 0 || v == 255));
    assert!(m.as_slice().contains(&255));
    assert!(out.path().join("phantom_gray_overlay.png").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn all_good_exits_0() {
    let out = tempfile::tempdir().unwrap();
    let r = bin()
        .args(["segment", "-j", "2"])
        .arg(fixture("phantoms/images"))
        .arg("-o")
        .arg(out.path())
        .output()
        .unwrap();
    assert_exit(&r, 0);
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 8);
}

#[test]
fn evaluate_writes_csv_and_summary() {
    let (r, out) = evaluate("phantoms", &[]);
    assert_exit(&r, 0);
    let csv = std::fs::read_to_string(out.path().join("per_image.csv")).unwrap();
    assert!(
        csv.starts_with("id,dice,jaccard,hd95_px,hd95_mm,flags,right_from_image,left_from_image\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 9);
    let s = summary(&out);
    for k in [
        "n",
        "n_failed",
        "dice_mean",
        "dice_median",
        "dice_p5",
        "jaccard_mean",
        "hd95_median_px",
    ] {
        assert!(s.get(k).is_some(), "summary.json lacks {k}");
    }
    assert!(
        s.get("ms_per_image").is_none(),
        "timings belong in timing.json"
    );
    assert_eq!(s["n"], 8);
    assert!(s["dice_mean"].as_f64().unwrap() > 0.85);
    let timing = std::fs::read_to_string(out.path().join("timing.csv")).unwrap();
    assert!(timing.starts_with("id,ms\n") && timing.lines().count() == 9);
    let t: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("timing.json")).unwrap()).unwrap();
    assert!(t["ms_per_image"].as_f64().unwrap() > 0.0);
    // The report: self-contained (no external references), with its chart and montage.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let mean = format!("{:.4}", s["dice_mean"].as_f64().unwrap());
    for want in [
        "<svg",
        "Dice per image",
        "data:image/png;base64,",
        "Per image",
        &mean,
    ] {
        assert!(html.contains(want), "report.html lacks {want}");
    }
    for external in ["src=\"http", "href=\"http", "src=\"/", "@import"] {
        assert!(!html.contains(external), "report.html loads {external}");
    }
    assert!(out.path().join("dice_histogram.svg").is_file());
    let montage = lungfield::io::decode_file(&out.path().join("montage.png")).unwrap();
    assert_eq!((montage.width(), montage.height()), (4 * 220, 2 * 220));
}

#[test]
fn results_are_bit_identical_at_1_and_2_threads() {
    let runs: Vec<_> = ["1", "2"]
        .iter()
        .map(|j| evaluate("phantoms", &["-j", j, "--prior-cv", "2"]))
        .collect();
    for f in ["per_image.csv", "summary.json"] {
        let read = |o: &tempfile::TempDir| std::fs::read(o.path().join(f)).unwrap();
        assert_exit(&runs[0].0, 0);
        assert_eq!(read(&runs[0].1), read(&runs[1].1), "{f} differs");
    }
    let masks: Vec<tempfile::TempDir> = ["1", "2"]
        .iter()
        .map(|j| {
            let out = tempfile::tempdir().unwrap();
            let r = bin()
                .args(["segment", "-j", j])
                .arg(fixture("phantoms/images"))
                .arg("-o")
                .arg(out.path())
                .output()
                .unwrap();
            assert_exit(&r, 0);
            out
        })
        .collect();
    let mut names: Vec<_> = std::fs::read_dir(masks[0].path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 8);
    for n in names {
        assert_eq!(
            std::fs::read(masks[0].path().join(&n)).unwrap(),
            std::fs::read(masks[1].path().join(&n)).unwrap(),
            "{n:?} differs"
        );
    }
}

/// The kernels run at the CPU's widest instruction set (run-time dispatch); choosing another
/// level with `--kernels`, the scalar twins included, must not change a bit of the masks or
/// the features.
#[test]
fn results_are_bit_identical_at_every_instruction_set_level() {
    let run = |level: &str| {
        let out = tempfile::tempdir().unwrap();
        let r = bin()
            .args(["--kernels", level, "segment", "-j", "2"])
            .arg(fixture("phantoms/images"))
            .arg("-o")
            .arg(out.path().join("masks"))
            .output()
            .unwrap();
        assert_exit(&r, 0);
        let r = bin()
            .args(["--kernels", level, "features", "-j", "2"])
            .arg(fixture("phantoms/images"))
            .arg("-o")
            .arg(out.path().join("features.csv"))
            .output()
            .unwrap();
        assert_exit(&r, 0);
        let r = bin()
            .args([
                "--kernels",
                level,
                "bench",
                "--runs",
                "1",
                "--only",
                "median3_u8",
                "--image",
            ])
            .arg(fixture("phantom_gray.png"))
            .arg("--json")
            .arg(out.path().join("bench.json"))
            .output()
            .unwrap();
        assert_exit(&r, 0);
        out
    };
    let levels = ["scalar", "baseline", "avx2", "avx512"];
    let outs: Vec<_> = levels.iter().map(|l| run(l)).collect();
    let isa = |o: &tempfile::TempDir| -> String {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(o.path().join("bench.json")).unwrap()).unwrap();
        doc["instruction_set"].as_str().unwrap().to_string()
    };
    assert_eq!(isa(&outs[0]), "scalar");
    // Capped at the baseline, the kernels run at the build's own instruction set.
    assert_eq!(isa(&outs[1]), lungfield::simd::build_instruction_set());
    // An unknown level is ignored with one warning line naming the variable.
    let r = bin()
        .env("LUNGFIELD_KERNELS", "avx9000")
        .args(["bench", "--runs", "1", "--only", "median3_u8", "--image"])
        .arg(fixture("phantom_gray.png"))
        .output()
        .unwrap();
    assert_exit(&r, 0);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("LUNGFIELD_KERNELS=avx9000"))
            .count(),
        1,
        "{err}"
    );
    let read = |o: &tempfile::TempDir, f: &str| std::fs::read(o.path().join(f)).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(outs[0].path().join("masks"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 8);
    for (o, level) in outs.iter().zip(levels).skip(1) {
        let features = read(o, "features.csv");
        assert!(features.len() > 1000);
        assert_eq!(
            read(&outs[0], "features.csv"),
            features,
            "features differ at {level} ({})",
            isa(o)
        );
        for n in &names {
            let m = Path::new("masks").join(n);
            let m = m.to_str().unwrap();
            assert_eq!(
                read(&outs[0], m),
                read(o, m),
                "{n:?} differs at {level} ({})",
                isa(o)
            );
        }
    }
}

#[test]
fn subset_scores_only_its_part() {
    let (r, out) = evaluate("phantoms", &["--subset", "train"]);
    assert_eq!(r.status.code(), Some(0));
    let s = summary(&out);
    // 4 normal + 4 TB phantoms: round(0.8 * 4) = 3 of each in train.
    assert_eq!(s["n"], 6);
}

#[test]
fn mask_of_the_wrong_size_is_a_named_failure() {
    let (r, _out) = evaluate("mask_size_mismatch", &[]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("CASE_0001_0") && err.contains("size mismatch"),
        "{err}"
    );
}

#[test]
fn fatal_errors_exit_2_with_a_readable_message() {
    let r = bin()
        .args(["evaluate", "--data", "/no/such/folder"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("/no/such/folder"));
    let r = bin()
        .arg("segment")
        .arg(fixture("phantom_gray.png"))
        .args(["-o", "/proc/lungfield-cannot-write-here"])
        .output()
        .unwrap();
    assert_exit(&r, 2);
}

#[test]
fn a_prior_fitted_on_phantoms_is_used_and_cross_validated() {
    let dir = tempfile::tempdir().unwrap();
    let lfp = dir.path().join("lungs.lfp");
    let r = bin()
        .args(["prior", "fit", "--data"])
        .arg(fixture("phantoms"))
        .arg("-o")
        .arg(&lfp)
        .output()
        .unwrap();
    assert_exit(&r, 0);
    assert!(String::from_utf8_lossy(&r.stdout).contains("on 8 masks (8 with corrections"));
    let (r, none) = evaluate("phantoms", &["--no-prior"]);
    assert_exit(&r, 0);
    let (r, fixed) = evaluate("phantoms", &["--prior", lfp.to_str().unwrap()]);
    assert_exit(&r, 0);
    let (r, cv) = evaluate("phantoms", &["--prior-cv", "2"]);
    assert_exit(&r, 0);
    let dice = |s: &serde_json::Value| s["dice_mean"].as_f64().unwrap();
    let (none, fixed, cv) = (summary(&none), summary(&fixed), summary(&cv));
    assert_eq!(none["prior"], "none");
    assert_eq!(fixed["prior"], "fixed (8 shapes)");
    assert_eq!(cv["prior"], "cross-validated, 2 folds");
    // Fitted on the very masks it is scored on, the prior must fit them closely; fitted on
    // the other half, it must still beat no prior.
    assert!(dice(&fixed) > 0.95, "{fixed}");
    assert!(dice(&cv) > dice(&none) + 0.02, "{cv} vs {none}");
    // Without the shape model's repair: a different result, no warning about the settings
    // (how a prior is applied does not change its corrections).
    let (r, plain) = evaluate(
        "phantoms",
        &["--prior", lfp.to_str().unwrap(), "--no-shape-repair"],
    );
    assert_exit(&r, 0);
    assert!(!String::from_utf8_lossy(&r.stderr).contains("warning"));
    assert_ne!(summary(&plain)["dice_mean"], fixed["dice_mean"]);
    // Without the image's shade in the corrections: likewise.
    let (r, unshaded) = evaluate(
        "phantoms",
        &["--prior", lfp.to_str().unwrap(), "--no-prior-shade"],
    );
    assert_exit(&r, 0);
    assert!(!String::from_utf8_lossy(&r.stderr).contains("warning"));
    assert_ne!(summary(&unshaded)["dice_mean"], fixed["dice_mean"]);
    // The same prior from masks alone: shapes, no corrections.
    let r = bin()
        .args(["prior", "fit", "--masks"])
        .arg(fixture("phantoms/masks"))
        .arg("-o")
        .arg(dir.path().join("shapes.lfp"))
        .output()
        .unwrap();
    assert_exit(&r, 0);
    assert!(String::from_utf8_lossy(&r.stdout).contains("on 8 masks (0 with corrections"));
    // Segmenting with it writes every mask.
    let masks = dir.path().join("masks");
    let r = bin()
        .arg("segment")
        .arg(fixture("phantoms/images"))
        .arg("-o")
        .arg(&masks)
        .arg("--prior")
        .arg(&lfp)
        .output()
        .unwrap();
    assert_exit(&r, 0);
    assert_eq!(std::fs::read_dir(&masks).unwrap().count(), 8);
}

#[test]
fn a_broken_prior_file_is_a_fatal_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.lfp");
    std::fs::write(&bad, b"{\"format\": \"lungfield-prior\", \"format_vers").unwrap();
    let r = bin()
        .arg("segment")
        .arg(fixture("phantom_gray.png"))
        .arg("-o")
        .arg(dir.path().join("out"))
        .arg("--prior")
        .arg(&bad)
        .output()
        .unwrap();
    assert_exit(&r, 2);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("broken.lfp") && err.contains("not a lungfield prior"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let r = bin()
        .args(["evaluate", "--prior-cv", "1", "--data"])
        .arg(fixture("phantoms"))
        .arg("-o")
        .arg(dir.path().join("ev"))
        .output()
        .unwrap();
    assert_exit(&r, 2);
    assert!(String::from_utf8_lossy(&r.stderr).contains("at least 2 folds"));
}

#[test]
fn shards_split_a_batch_and_concatenate_to_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], out: &Path| {
        let r = bin()
            .args(args)
            .arg("--data")
            .arg(fixture("phantoms"))
            .arg("-o")
            .arg(out)
            .output()
            .unwrap();
        assert_exit(&r, 0);
    };
    let whole = dir.path().join("all.csv");
    run(&["features"], &whole);
    let mut joined = Vec::new();
    for i in 1..=3 {
        let part = dir.path().join(format!("part{i}.csv"));
        run(&["features", "--shard", &format!("{i}/3")], &part);
        joined.extend(std::fs::read(&part).unwrap());
    }
    assert_eq!(joined, std::fs::read(&whole).unwrap());
    // Segment shards cover every image exactly once.
    let out = dir.path().join("masks");
    for (i, n) in [(1, 2), (2, 3), (3, 3)] {
        let r = bin()
            .args(["segment", "--shard", &format!("{i}/3")])
            .arg(fixture("phantoms/images"))
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert_exit(&r, 0);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(
            err.contains(&format!("segmented {n} of {n} images")),
            "{err}"
        );
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 8);
    let r = bin()
        .args(["segment", "--shard", "4/3", "-o", "x"])
        .arg(fixture("phantom_gray.png"))
        .output()
        .unwrap();
    assert_exit(&r, 2);
    assert!(String::from_utf8_lossy(&r.stderr).contains("1 <= I <= N"));
}

#[test]
fn every_command_has_help_with_an_example_and_completions_cover_them() {
    let commands = [
        "segment",
        "evaluate",
        "phantom",
        "demo",
        "features",
        "train",
        "classify",
        "cv",
        "bench",
        "completions",
    ];
    for c in commands {
        let r = bin().args([c, "--help"]).output().unwrap();
        assert_exit(&r, 0);
        let help = String::from_utf8_lossy(&r.stdout);
        assert!(help.contains("Example: lungfield"), "{c}:\n{help}");
    }
    let r = bin().args(["prior", "fit", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&r.stdout).contains("Example: lungfield prior fit"));
    let r = bin().args(["completions", "bash"]).output().unwrap();
    assert_exit(&r, 0);
    let script = String::from_utf8_lossy(&r.stdout);
    for word in ["segment", "evaluate", "--prior-cv", "--shard", "--resume"] {
        assert!(script.contains(word), "bash completion lacks {word}");
    }
}

#[test]
fn json_output_is_one_parseable_document_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: Vec<std::ffi::OsString>| -> serde_json::Value {
        let r = bin().args(&args).arg("--json").output().unwrap();
        assert!(
            r.status.code() == Some(0) || r.status.code() == Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        serde_json::from_slice(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&r.stdout)))
    };
    let os = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
    let ph = fixture("phantoms");
    let ph = ph.to_str().unwrap();
    let v = run(os(&[
        "evaluate",
        "--data",
        ph,
        "-o",
        d.join("ev").to_str().unwrap(),
    ]));
    assert_eq!(v["summary"]["n"], 8);
    assert!(v["timing"]["ms_per_image"].as_f64().unwrap() > 0.0);
    let bad = fixture("bad");
    let v = run(os(&[
        "segment",
        bad.to_str().unwrap(),
        "-o",
        d.join("s").to_str().unwrap(),
    ]));
    assert_eq!(
        (v["done"].as_u64(), v["failed"].as_u64()),
        (Some(0), Some(4))
    );
    assert!(v["failures"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("empty.png"));
    let v = run(os(&[
        "features",
        "--data",
        ph,
        "-o",
        d.join("f.csv").to_str().unwrap(),
    ]));
    assert_eq!(v["rows"], 8);
    let v = run(os(&[
        "prior",
        "fit",
        "--data",
        ph,
        "-o",
        d.join("p.lfp").to_str().unwrap(),
    ]));
    assert_eq!(v["with_corrections"], 8);
    let v = run(os(&[
        "phantom",
        "--count",
        "2",
        "--size",
        "64",
        "-o",
        d.join("ph").to_str().unwrap(),
    ]));
    assert_eq!(v["count"], 2);
}

#[test]
fn dataset_check_names_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::common::dataset_dirs(root);
    let ph = fixture("phantoms");
    let ids = crate::common::phantom_ids();
    // Four good SZ-CXR-named pairs.
    for (i, id) in ids.iter().take(4).enumerate() {
        let name = format!("CHNCXR_{:04}_{}", i + 1, i % 2);
        std::fs::copy(
            ph.join(format!("images/{id}.png")),
            root.join(format!("images/{name}.png")),
        )
        .unwrap();
        std::fs::copy(
            ph.join(format!("masks/{id}_mask.png")),
            root.join(format!("masks/{name}_mask.png")),
        )
        .unwrap();
    }
    // Problems: a mask of the wrong size, a grey "mask", a mask without image, an image
    // without label suffix, an image that does not decode.
    lungfield::io::write_png_gray8(
        &root.join("masks/CHNCXR_0001_0_mask.png"),
        &lungfield::GrayU8::filled(40, 30, 255),
    )
    .unwrap();
    std::fs::copy(
        root.join("images/CHNCXR_0002_1.png"),
        root.join("masks/CHNCXR_0002_1_mask.png"),
    )
    .unwrap();
    std::fs::copy(
        root.join("masks/CHNCXR_0003_0_mask.png"),
        root.join("masks/CHNCXR_0999_0_mask.png"),
    )
    .unwrap();
    std::fs::copy(
        root.join("images/CHNCXR_0004_1.png"),
        root.join("images/scan.png"),
    )
    .unwrap();
    std::fs::write(root.join("images/CHNCXR_0005_0.png"), b"not a png").unwrap();
    let r = bin().args(["dataset", "check"]).arg(root).output().unwrap();
    assert_exit(&r, 1);
    let out = String::from_utf8_lossy(&r.stdout);
    for want in [
        "CHNCXR_0001_0_mask.png: mask is 40x30 but its image is",
        "CHNCXR_0002_1_mask.png: not a binary mask",
        "CHNCXR_0999_0_mask.png: no image CHNCXR_0999_0 in images/",
        "scan.png: no label suffix",
        "scan.png: not an SZ-CXR name",
        "CHNCXR_0005_0.png: cannot read the image",
        "6 images, SZ-CXR has 662",
        "2 usable masks, SZ-CXR has 566",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    // The layout alone, on a clean copy: no problems, exit 0.
    let r = bin()
        .args(["dataset", "check", "--any"])
        .arg(fixture("phantoms"))
        .output()
        .unwrap();
    assert_exit(&r, 0);
    assert!(String::from_utf8_lossy(&r.stdout).contains("8 usable masks: no problems"));
}

#[test]
fn dataset_import_gathers_the_public_layouts_from_folders_and_zips() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("downloads");
    let ph = fixture("phantoms");
    let ids = crate::common::phantom_ids();
    // NLM: images only; Kaggle "Chest Xray Masks and Labels": images and _mask masks;
    // shcxr-lung-mask: masks named like the images under mask/; plus clutter.
    let layout = [
        ("ChinaSet_AllFiles/CXR_png", false, ""),
        ("Lung Segmentation/CXR_png", false, ""),
        ("Lung Segmentation/masks", true, "_mask"),
        ("shcxr-lung-mask/mask", true, ""),
    ];
    for (k, id) in ids.iter().take(6).enumerate() {
        let name = format!("CHNCXR_{:04}_{}", k + 1, k % 2);
        for (i, (sub, mask, suffix)) in layout.iter().enumerate() {
            // Each source holds part of the set, overlapping.
            if (k + i) % 3 == 2 {
                continue;
            }
            std::fs::create_dir_all(src.join(sub)).unwrap();
            let from = if *mask {
                ph.join(format!("masks/{id}_mask.png"))
            } else {
                ph.join(format!("images/{id}.png"))
            };
            std::fs::copy(from, src.join(sub).join(format!("{name}{suffix}.png"))).unwrap();
        }
    }
    std::fs::create_dir_all(src.join("ChinaSet_AllFiles/ClinicalReadings")).unwrap();
    std::fs::write(
        src.join("ChinaSet_AllFiles/ClinicalReadings/CHNCXR_0001_0.txt"),
        "male 45yrs\nnormal\n",
    )
    .unwrap();
    let out = dir.path().join("sz");
    let r = bin()
        .args(["dataset", "import"])
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .arg("--json")
        .output()
        .unwrap();
    assert_exit(&r, 0);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(
        (
            v["import"]["images"].as_u64(),
            v["import"]["masks"].as_u64()
        ),
        (Some(6), Some(6))
    );
    assert!(v["check"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p.as_str().unwrap().contains("6 images, SZ-CXR has 662")));
    let data = lungfield::io::Dataset::open(&out).unwrap();
    assert_eq!(data.samples.len(), 6);
    assert!(data.samples.iter().all(|s| s.mask.is_some()));
    // The same sources as a zip give the same files.
    let zip_path = dir.path().join("all.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let mut files = Vec::new();
        fn walk(d: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out)
                } else {
                    out.push(p)
                }
            }
        }
        walk(&src, &mut files);
        files.sort();
        for f in files {
            let name = f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut z, &std::fs::read(&f).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
    let out2 = dir.path().join("sz2");
    let r = bin()
        .args(["dataset", "import"])
        .arg(&zip_path)
        .arg("-o")
        .arg(&out2)
        .output()
        .unwrap();
    assert_exit(&r, 0);
    for sub in ["images", "masks"] {
        let mut a: Vec<_> = std::fs::read_dir(out.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        a.sort();
        assert_eq!(a.len(), 6);
        for n in a {
            assert_eq!(
                std::fs::read(out.join(sub).join(&n)).unwrap(),
                std::fs::read(out2.join(sub).join(&n)).unwrap()
            );
        }
    }
}
