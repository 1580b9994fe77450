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

/// What `classify --model model images` prints; it must succeed.
fn classified(model: &Path, images: &Path) -> Vec<u8> {
    let o = run(&["classify", "--model"], &[model, images]);
    assert!(o.status.success(), "{}", stderr(&o));
    o.stdout
}

/// The model file `v` as format `version` wrote it: without the fields later formats added
/// (`features.absolute` in 4, `features.curvature` in 5, the blend's weight in 6).
fn written_as(v: &mut serde_json::Value, version: u32) {
    v["format_version"] = version.into();
    let features = v["features"].as_object_mut().unwrap();
    for (field, added) in [("absolute", 4), ("curvature", 5)] {
        if version < added {
            features.remove(field);
        }
    }
    if version < 6 {
        v["linear"]["options"]
            .as_object_mut()
            .unwrap()
            .remove("weight");
    }
}

/// A model trained through the library with `feat` (20 trees) and the even blend of model
/// files before format 6, for the settings the command line does not offer; saved to `path`.
fn train_with(data: &Path, feat: &lungfield::features::FeatureOptions, path: &Path) {
    use lungfield::classify::{Model, TrainOptions, TrainingSet};
    use lungfield::features::{feature_table, jobs_from_dataset, MaskSource};
    use lungfield::io::{Dataset, Subset};
    let seg = lungfield::SegmentOptions::default();
    let prior = lungfield::prior::ShapePrior::builtin().unwrap();
    let set = Dataset::open(data).unwrap();
    let t = feature_table(
        &jobs_from_dataset(&set, Subset::All),
        MaskSource::Found,
        &seg,
        Some(&prior),
        feat,
        &(),
    );
    let ids: Vec<String> = t.rows.iter().map(|r| r.id.clone()).collect();
    let x: Vec<Vec<f64>> = t.rows.iter().map(|r| r.values.clone()).collect();
    let y: Vec<u8> = t.rows.iter().map(|r| r.label.unwrap()).collect();
    let sites = vec![String::from("phantoms"); ids.len()];
    let mut opts = TrainOptions::default();
    opts.forest.trees = 20;
    opts.linear = Some(lungfield::classify::LinearOptions {
        weight: 0.5,
        ..Default::default()
    });
    let training = TrainingSet {
        ids: &ids,
        x: &x,
        y: &y,
        sites: &sites,
        local: &[],
    };
    Model::train(training, &seg, feat, &opts)
        .unwrap()
        .save(path)
        .unwrap();
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
        // The top features listed are those whose shuffling lowered the out-of-fold AUC.
        let text = String::from_utf8_lossy(&o.stdout);
        let top = text
            .lines()
            .find_map(|l| l.strip_prefix("top features: "))
            .unwrap_or_else(|| panic!("no top features line: {text}"));
        if !top.starts_with("none lowers") {
            for item in top.split(", ") {
                let d: f64 = item
                    .rsplit_once(" (")
                    .unwrap()
                    .1
                    .trim_end_matches(')')
                    .parse()
                    .unwrap();
                assert!(d >= 0.001, "{item} listed among the top features");
            }
        }
    }
    let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join(f)).unwrap();
    for f in [
        "summary.json",
        "oof.csv",
        "roc.csv",
        "importance.csv",
        "per_site.csv",
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
    assert!(csv.starts_with("id,score,probability,label,flags"));
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (score, p): (f64, f64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        assert!(
            (0.0..=100.0).contains(&score) && (0.0..=1.0).contains(&p),
            "{line}"
        );
    }
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
            text.replacen("\"format_version\":6", "\"format_version\":9", 1),
            "version 9",
        ),
        (
            "feat.lfm",
            text.replacen("\"lbp_r1_0\"", "\"something_else\"", 1),
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
fn a_version_3_model_keeps_its_absolute_features_and_scores_as_it_did() {
    // Version 3 files predate FeatureOptions::absolute and kept every family: such a file
    // (here one trained with --absolute-features, written back as version 3 without the
    // field) loads with them and scores exactly as the same model in version 4.
    let data = phantoms(16, 9);
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.lfm");
    let feat = lungfield::features::FeatureOptions {
        absolute: true,
        curvature: false,
        ..Default::default()
    };
    train_with(data.path(), &feat, &model);
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(v["features"]["absolute"], true);
    assert_eq!(v["feature_names"][0], "fo_mean_r_all");
    written_as(&mut v, 3);
    let old = dir.path().join("v3.lfm");
    std::fs::write(&old, v.to_string()).unwrap();
    let classify = |m: &Path| classified(m, &data.path().join("images"));
    assert_eq!(classify(&model), classify(&old));
    // A version 4 model without them, relabelled version 3, is refused: its names are not
    // the ones a version 3 file computes.
    let lean = dir.path().join("lean.lfm");
    let o = run(
        &["train", "--trees", "20", "--data"],
        &[data.path(), Path::new("-o"), &lean],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&lean).unwrap()).unwrap();
    v["format_version"] = 3.into();
    std::fs::write(&lean, v.to_string()).unwrap();
    let o = run(
        &["classify", "--model"],
        &[&lean, &data.path().join("images")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("other features"), "{}", stderr(&o));
}

#[test]
fn a_version_4_model_has_no_shape_index_features_and_scores_as_it_did() {
    // Version 4 files predate FeatureOptions::curvature: a model trained without the
    // shape-index histograms, written back as version 4 without the field, loads without
    // them and scores exactly as the same model in version 6.
    let data = phantoms(16, 10);
    let feat = lungfield::features::FeatureOptions {
        curvature: false,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("v6.lfm");
    train_with(data.path(), &feat, &new);
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&new).unwrap()).unwrap();
    assert_eq!(v["format_version"], 6);
    written_as(&mut v, 4);
    let old = dir.path().join("v4.lfm");
    std::fs::write(&old, v.to_string()).unwrap();
    let classify = |m: &Path| classified(m, &data.path().join("images"));
    let scored = classify(&new);
    assert_eq!(String::from_utf8_lossy(&scored).lines().count(), 17);
    assert_eq!(scored, classify(&old));
    // A model with them, relabelled version 4, is refused: its names are not the
    // ones a version 4 file computes.
    let full = dir.path().join("full.lfm");
    let o = run(
        &["train", "--trees", "20", "--data"],
        &[data.path(), Path::new("-o"), &full],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap();
    assert!(v["feature_names"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().starts_with("si_s2_cap_")));
    v["format_version"] = 4.into();
    std::fs::write(&full, v.to_string()).unwrap();
    let o = run(
        &["classify", "--model"],
        &[&full, &data.path().join("images")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("other features"), "{}", stderr(&o));
}

#[test]
fn a_version_5_model_blends_evenly_and_scores_as_it_did() {
    // Version 5 files predate LinearOptions::weight and blended the forest and the linear model
    // evenly: a model written back as version 5 without the field scores exactly as the same
    // model with weight 0.5 in version 6, and not as the default blend.
    let data = phantoms(16, 12);
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.lfm");
    let o = run(
        &["train", "--trees", "20", "--data"],
        &[data.path(), Path::new("-o"), &model],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(v["format_version"], 6);
    assert_eq!(
        v["linear"]["options"]["weight"].as_f64(),
        Some(lungfield::classify::linear::WEIGHT)
    );
    v["linear"]["options"]["weight"] = 0.5.into();
    let even = dir.path().join("even.lfm");
    std::fs::write(&even, v.to_string()).unwrap();
    written_as(&mut v, 5);
    let old = dir.path().join("v5.lfm");
    std::fs::write(&old, v.to_string()).unwrap();
    let classify = |m: &Path| classified(m, &data.path().join("images"));
    let scored = classify(&old);
    assert_eq!(String::from_utf8_lossy(&scored).lines().count(), 17);
    assert_eq!(scored, classify(&even));
    assert_ne!(scored, classify(&model));
    // A weight outside 0..1 is refused, in a file and on the command line.
    let o = run(
        &["train", "--trees", "20", "--linear-weight", "1.5", "--data"],
        &[data.path(), Path::new("-o"), &dir.path().join("heavy.lfm")],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("between 0 and 1"), "{}", stderr(&o));
    v["format_version"] = 6.into();
    v["linear"]["options"]["weight"] = 1.5.into();
    std::fs::write(&old, v.to_string()).unwrap();
    let o = run(
        &["classify", "--model"],
        &[&old, &data.path().join("images")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("blend weight"), "{}", stderr(&o));
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
    // The default vector leaves the absolute families out; --absolute-features keeps them.
    assert_eq!(&header[..5], &["id", "label", "site", "flags", "lbp_r1_0"]);
    assert!(!header
        .iter()
        .any(|h| h.starts_with("fo_") || h.starts_with("glcm_")));
    assert_eq!(csv.lines().count(), 5);
    let all = dir.path().join("all.csv");
    let o = run(
        &[
            "features",
            "--absolute-features",
            "--masks",
            "provided",
            "--data",
        ],
        &[data.path(), Path::new("-o"), &all],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let csv_all = std::fs::read_to_string(&all).unwrap();
    let header_all: Vec<&str> = csv_all.lines().next().unwrap().split(',').collect();
    assert_eq!(header_all[4], "fo_mean_r_all");
    assert!(header_all.len() > header.len() && header.iter().all(|h| header_all.contains(h)));
    // A bad file among good ones: named on stderr, the rest still written, exit 1.
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-fixtures/bad/truncated.png");
    let img = data.path().join("images/PHANTOM_0001_1.png");
    let o = run(&["features"], &[&img, &bad, Path::new("-o"), &out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("truncated"));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
}

#[test]
fn calibrate_hits_the_requested_sensitivity_and_classify_labels_at_it() {
    let train = phantoms(40, 3);
    let local = phantoms(40, 31);
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.lfm");
    let o = run(
        &["train", "--trees", "40", "--data"],
        &[train.path(), Path::new("-o"), &model],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(v["format_version"], 6);
    assert!(
        v["linear"]["weights"].is_array(),
        "the linear partner is in the file"
    );
    assert_eq!(v["operating_points"][0]["name"], "sensitivity_0.90");
    let local_model = dir.path().join("local.lfm");
    let o = run(
        &["calibrate", "--json", "--sensitivity", "0.9", "--model"],
        &[
            &model,
            Path::new("--data"),
            local.path(),
            Path::new("-o"),
            &local_model,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sens = r["sensitivity"][0].as_f64().unwrap();
    assert!(sens >= 0.9, "{r}");
    assert!(r["sensitivity"][1].as_f64().unwrap() <= sens);
    // Classified with the calibrated model, the local TB images are called at that rate.
    let o = run(
        &["classify", "--json", "--model"],
        &[&local_model, &local.path().join("images")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["operating_point"], "local_sensitivity_0.90");
    let rows = c["results"].as_array().unwrap();
    let tb: Vec<_> = rows
        .iter()
        .filter(|x| x["id"].as_str().unwrap().ends_with("_1"))
        .collect();
    let called = tb.iter().filter(|x| x["label"] == "tb").count();
    assert!(
        called as f64 >= 0.9 * tb.len() as f64,
        "{called} of {}",
        tb.len()
    );
    // The other operating points are still there; an unknown one is a clear error.
    let o = run(
        &["classify", "--operating-point", "youden", "--model"],
        &[&local_model, &local.path().join("images")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        &["classify", "--operating-point", "nope", "--model"],
        &[&local_model, &local.path().join("images")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no operating point `nope`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cv_by_site_holds_out_each_site_and_scores_every_image() {
    let a = phantoms(30, 5);
    let b = phantoms(30, 6);
    // The second site: another exposure (darker, less contrast).
    for e in std::fs::read_dir(b.path().join("images")).unwrap() {
        let p = e.unwrap().path();
        let img = lungfield::io::decode_file(&p).unwrap().to_u8();
        let dark = img.map(|&v| (f32::from(v) * 0.7 + 10.0) as u8);
        lungfield::io::write_png_gray8(&p, &dark).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let o = run(
        &["cv", "--by-site", "--trees", "40", "--data"],
        &[
            a.path(),
            Path::new("--data"),
            b.path(),
            Path::new("-o"),
            out.path(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let per_site = std::fs::read_to_string(out.path().join("per_site.csv")).unwrap();
    let lines: Vec<&str> = per_site.lines().collect();
    assert_eq!(lines.len(), 4, "header, two sites, pooled: {per_site}");
    assert!(lines[3].starts_with("pooled,"));
    let oof = std::fs::read_to_string(out.path().join("oof.csv")).unwrap();
    assert_eq!(oof.lines().count(), 61, "every image scored");
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("leave-one-site-out"));
    // One site only: a clear error.
    let o = run(
        &["cv", "--by-site", "--data"],
        &[a.path(), Path::new("-o"), out.path()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least two sites"), "{}", stderr(&o));
}

#[test]
fn a_version_1_model_still_loads_and_scores_as_it_did() {
    // data-fixtures/models/v1-phantom.lfm: trained by lungfield at 6979e08 (model format 1,
    // lungfield 0.1's features) on 24 phantoms; v1-phantom-classify.csv: what that lungfield's
    // `classify` printed for the fixture phantoms.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-fixtures");
    let model = root.join("models/v1-phantom.lfm");
    let m = lungfield::classify::Model::load(&model).unwrap();
    assert_eq!(m.format_version, 1);
    assert!(!m.features.lung_box && !m.features.anatomy);
    assert!(m.operating_points.is_empty() && m.shape_prior.is_none());
    // Written before the rib bridge: segmented again without it, as it was trained.
    assert_eq!(m.segment.rib_bridge, 0);
    let o = run(
        &["classify", "--model"],
        &[&model, &root.join("phantoms/images")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let now = String::from_utf8(o.stdout).unwrap();
    let then = std::fs::read_to_string(root.join("models/v1-phantom-classify.csv")).unwrap();
    assert_eq!(now.lines().count(), then.lines().count());
    for (a, b) in now.lines().skip(1).zip(then.lines().skip(1)) {
        let a: Vec<&str> = a.split(',').collect();
        let b: Vec<&str> = b.split(',').collect();
        // id, probability and label as before; the score is the probability × 100.
        assert_eq!((a[0], a[2], a[3]), (b[0], b[1], b[2]));
        let p: f64 = b[1].parse().unwrap();
        assert_eq!(a[1], format!("{:.1}", 100.0 * p));
    }
}

#[test]
fn a_harmonised_model_standardises_the_batch_or_a_reference_folder() {
    let train = phantoms(24, 12);
    let site = phantoms(24, 14);
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("h.lfm");
    let o = run(
        &["train", "--harmonise", "--trees", "30", "--data"],
        &[train.path(), Path::new("-o"), &model],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let images = site.path().join("images");
    // A batch of the site's images: standardised by itself.
    let o = run(&["classify", "--json", "--model"], &[&model, &images]);
    assert!(o.status.success(), "{}", stderr(&o));
    let batch: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(batch["results"].as_array().unwrap().len() >= 20);
    // One image alone cannot be standardised by itself: a clear error …
    let one = images.join("PHANTOM_0001_1.png");
    let o = run(&["classify", "--model"], &[&model, &one]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--harmonise"), "{}", stderr(&o));
    // … but with the site's folder as the reference it scores as it did in the batch.
    let o = run(
        &["classify", "--json", "--harmonise-with"],
        &[&images, Path::new("--model"), &model, &one],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let alone: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let in_batch = batch["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "PHANTOM_0001_1")
        .unwrap();
    assert_eq!(alone["results"][0]["probability"], in_batch["probability"]);
}
