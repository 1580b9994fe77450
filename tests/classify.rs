//! Features, the forest and its model file, and the `features`, `train`, `classify` and `cv`
//! commands, on phantoms the tests make.

use std::path::Path;
use std::process::{Command, Output};

use lungfield::phantom::{write_set, PhantomSetOptions};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lungfield"))
}

fn run(args: &[&str], extra: &[&Path]) -> Output {
    bin().args(args).args(extra).output().unwrap()
}

fn phantoms(count: usize, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let opts = PhantomSetOptions {
        count,
        seed,
        size: 256,
        ..Default::default()
    };
    write_set(dir.path(), &opts).unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn cv_separates_tb_phantoms_and_is_identical_at_any_thread_count() {
    let data = phantoms(60, 3);
    let out1 = tempfile::tempdir().unwrap();
    let out2 = tempfile::tempdir().unwrap();
    for (out, j) in [(&out1, "1"), (&out2, "2")] {
        let o = bin()
            .args(["cv", "--folds", "5", "--trees", "60", "-j", j, "--data"])
            .arg(data.path())
            .arg("-o")
            .arg(out.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join(f)).unwrap();
    for f in [
        "summary.json",
        "oof.csv",
        "roc.csv",
        "importance.csv",
        "features.csv",
    ] {
        assert_eq!(
            read(&out1, f),
            read(&out2, f),
            "{f} differs between 1 and 2 threads"
        );
    }
    let s: serde_json::Value = serde_json::from_slice(&read(&out1, "summary.json")).unwrap();
    for k in [
        "auc",
        "auc_ci_low",
        "auc_ci_high",
        "accuracy",
        "sensitivity",
        "specificity",
    ] {
        assert!(s[k].is_number(), "summary.json lacks {k}");
    }
    let auc = s["auc"].as_f64().unwrap();
    assert!(
        auc > 0.65,
        "TB phantoms should be told apart well above chance: {auc}"
    );
    assert!(s["auc_ci_low"].as_f64().unwrap() <= auc && auc <= s["auc_ci_high"].as_f64().unwrap());
    // The ROC runs from (0, 0) to (1, 1).
    let roc = String::from_utf8(read(&out1, "roc.csv")).unwrap();
    assert!(roc.lines().last().unwrap().ends_with("1.000000,1.000000"));
}

#[test]
fn train_then_classify_and_refuse_broken_models() {
    let data = phantoms(24, 8);
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.lfm");
    let o = bin()
        .args(["train", "--trees", "30", "--data"])
        .arg(data.path())
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let results = dir.path().join("r.csv");
    let o = bin()
        .args(["classify", "--model"])
        .arg(&model)
        .arg(data.path().join("images"))
        .arg("-o")
        .arg(&results)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(&results).unwrap();
    assert_eq!(csv.lines().count(), 25, "header + one row per image");
    assert!(csv.starts_with("id,probability,label"));
    // The model file is self-describing.
    let text = std::fs::read_to_string(&model).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "lungfield-model");
    assert!(v["feature_names"].as_array().unwrap().len() > 150);
    assert_eq!(v["training_set_hash"].as_str().unwrap().len(), 16);
    // Tampered trees: a child pointing outside its tree (or back to its parent, a loop), a
    // split on a feature that does not exist.
    let mut v2 = v.clone();
    let mut looped = v.clone();
    v2["forest"]["chunks"][0][1]["forest_regressor"]["trees"][0]["nodes"][0]["true_child"] =
        100_000.into();
    looped["forest"]["chunks"][0][1]["forest_regressor"]["trees"][0]["nodes"][1]["false_child"] =
        0.into();
    let mut feature = v.clone();
    feature["forest"]["chunks"][0][1]["forest_regressor"]["trees"][0]["nodes"][0]
        ["split_feature"] = 5000.into();
    // Truncated, from another version, with other features: one clear error line, exit 2.
    let cases = [
        ("child.lfm", v2.to_string(), "malformed forest"),
        ("loop.lfm", looped.to_string(), "malformed forest"),
        ("feature.lfm", feature.to_string(), "malformed forest"),
        (
            "truncated.lfm",
            text[..text.len() / 2].to_string(),
            "truncated",
        ),
        (
            "v9.lfm",
            text.replacen("\"format_version\":1", "\"format_version\":9", 1),
            "version 9",
        ),
        (
            "feat.lfm",
            text.replacen("\"fo_mean_r_all\"", "\"something_else\"", 1),
            "other features",
        ),
    ];
    for (name, body, expect) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        let o = bin()
            .args(["classify", "--model"])
            .arg(&p)
            .arg(data.path().join("images"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}");
        let e = stderr(&o);
        assert!(e.contains(expect) && e.contains(name), "{name}: {e}");
    }
}

#[test]
fn features_command_writes_named_columns_and_names_failures() {
    let data = phantoms(4, 2);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.csv");
    let o = run(
        &["features", "--masks", "provided", "--data"],
        &[data.path(), Path::new("-o"), &out],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(&header[..3], &["id", "label", "fo_mean_r_all"]);
    assert_eq!(csv.lines().count(), 5);
    // A bad file among good ones: named on stderr, the rest still written, exit 1.
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-fixtures/bad/truncated.png");
    let img = data.path().join("images/PHANTOM_0001_1.png");
    let o = run(&["features"], &[&img, &bad, Path::new("-o"), &out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("truncated"));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
}
