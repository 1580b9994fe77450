//! Screening across sites (issue 24) on data the tests make: every image gets a feature row,
//! an opacified lung included; leave-one-site-out with per-site harmonisation does not let a
//! site-identifying feature carry the score; operating points meet their targets.

use lungfield::classify::calibration::{choose, Target};
use lungfield::classify::{leave_one_site_out, Model, TrainOptions, TrainingSet};
use lungfield::features::{
    feature_names, feature_table, jobs_from_files, FeatureOptions, MaskSource,
};
use lungfield::phantom::{self, Rng};
use lungfield::prior::ShapePrior;
use lungfield::SegmentOptions;

#[test]
fn every_image_gets_a_row_an_opacified_lung_included() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (seed, tb) in [(1, false), (2, true), (3, false)] {
        let p = phantom::make(256, seed, tb);
        let path = dir.path().join(format!("p{seed}_{}.png", u8::from(tb)));
        lungfield::io::write_png_gray8(&path, &p.image).unwrap();
        files.push(path);
    }
    // The patient's left lung (image right) as dense as the soft tissue beside the spine.
    let mut p = phantom::make(256, 21, true);
    let labels = phantom::render(256, 21, true).labels;
    let dense = p.image.get(128, 120);
    for y in 0..256 {
        for x in 0..256 {
            if labels.get(x, y) == 2 {
                p.image.set(x, y, dense);
            }
        }
    }
    let opaque = dir.path().join("opacified_1.png");
    lungfield::io::write_png_gray8(&opaque, &p.image).unwrap();
    files.push(opaque);
    let prior = ShapePrior::builtin().unwrap();
    let opts = FeatureOptions::default();
    let t = feature_table(
        &jobs_from_files(&files),
        MaskSource::Found,
        &SegmentOptions::default(),
        Some(&prior),
        &opts,
        &(),
    );
    assert!(t.failures.is_empty(), "{:?}", t.failures);
    assert_eq!(t.rows.len(), files.len());
    let row = t.rows.iter().find(|r| r.id == "opacified_1").unwrap();
    let at = |name: &str| feature_names(&opts).iter().position(|n| n == name).unwrap();
    let from_image = row.values[at("seg_from_image_l")];
    assert!(
        from_image < 0.6,
        "the opacified lung came from the image: {from_image}"
    );
    assert!(
        row.flags
            .iter()
            .any(|f| f == "left_lung_completed_from_shape"),
        "{:?}",
        row.flags
    );
}

/// Rows of three sites: feature 0 says which site (constant within it), feature 1 is the
/// disease signal with a site-specific offset and scale, feature 2 is noise. The training
/// sites' TB prevalence differs (80 % and 20 %), so the site marker predicts the label there.
fn three_sites() -> (Vec<String>, Vec<Vec<f64>>, Vec<u8>, Vec<String>) {
    let mut r = Rng::new(11);
    let (mut ids, mut x, mut y, mut sites) = (vec![], vec![], vec![], vec![]);
    for (s, (prevalence, offset, scale)) in [(0.8, 0.0, 1.0), (0.2, 5.0, 2.0), (0.5, -3.0, 0.5)]
        .into_iter()
        .enumerate()
    {
        for i in 0..60 {
            let tb = u8::from((i as f64) < prevalence * 60.0);
            let signal = offset + scale * (2.5 * f64::from(tb) + r.normal());
            ids.push(format!("s{s}_{i}"));
            x.push(vec![s as f64, signal, r.normal()]);
            y.push(tb);
            sites.push(format!("site{s}"));
        }
    }
    (ids, x, y, sites)
}

#[test]
fn harmonised_leave_one_site_out_is_not_carried_by_the_site() {
    let (ids, x, y, sites) = three_sites();
    let set = TrainingSet {
        ids: &ids,
        x: &x,
        y: &y,
        sites: &sites,
        local: &[],
    };
    let mut opts = TrainOptions::default();
    opts.forest.trees = 50;
    let feats = FeatureOptions::default();
    let seg = SegmentOptions::default();
    let plain = leave_one_site_out(set, &seg, &feats, &opts, 200, 1).unwrap();
    opts.harmonise = true;
    let harmonised = leave_one_site_out(set, &seg, &feats, &opts, 200, 1).unwrap();
    let auc = |st: &lungfield::classify::SiteStudy, s: &str| {
        st.per_site
            .iter()
            .find(|p| p.site == s)
            .unwrap()
            .auc
            .unwrap()
    };
    // Every image of every site is scored, by a model that never saw its site.
    assert_eq!(harmonised.score.len(), x.len());
    for p in &harmonised.per_site {
        assert!(!p.trained_on.contains(&p.site));
        assert_eq!(p.n, 60);
    }
    // Standardised site by site, the signal carries the score on the unseen site.
    for s in ["site0", "site1", "site2"] {
        assert!(auc(&harmonised, s) > 0.8, "{s}: {}", auc(&harmonised, s));
    }
    // Unharmonised, the site marker and the site's shift carry the model: on some held-out
    // site it ranks no better than chance (here it is even inverted).
    let worst = ["site0", "site1", "site2"]
        .iter()
        .map(|s| auc(&plain, s))
        .fold(1.0, f64::min);
    assert!(
        worst < 0.6,
        "without harmonisation the worst site is {worst}"
    );
    assert!(harmonised.pooled.auc.unwrap() > plain.pooled.auc.unwrap());
}

#[test]
fn a_model_stores_operating_points_chosen_out_of_fold() {
    let (ids, x, y, sites) = three_sites();
    let one_site = vec!["here".to_string(); x.len()];
    let xs: Vec<Vec<f64>> = x.iter().map(|r| vec![r[1] - r[0], r[2]]).collect();
    let mut opts = TrainOptions::default();
    opts.forest.trees = 50;
    let m = Model::train(
        TrainingSet {
            ids: &ids,
            x: &xs,
            y: &y,
            sites: &one_site,
            local: &[],
        },
        &SegmentOptions::default(),
        &FeatureOptions::default(),
        &opts,
    )
    .unwrap();
    assert_eq!(m.validation, "out-of-bag forest, 5-fold linear model");
    // The operating points come from honest predictions, not from the trees' own training
    // rows (which fully grown trees fit almost perfectly).
    let fitted = lungfield::metrics::auc(&m.predict_proba(&xs).unwrap(), &y).unwrap();
    let honest = m.validation_auc.unwrap();
    assert!(
        honest < fitted - 0.02,
        "out-of-fold {honest}, in-sample {fitted}"
    );
    let names: Vec<&str> = m.operating_points.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["sensitivity_0.90", "sensitivity_0.95", "youden"]);
    assert_eq!(m.threshold, m.operating_points[0].threshold);
    assert!(m.operating_points[0].sensitivity >= 0.90);
    assert!(m.operating_points[1].sensitivity >= 0.95);
    assert!(m.operating_points[1].threshold <= m.operating_points[0].threshold);
    // The score is monotone in the probability and spans 0–100.
    assert!(m.score(0.9) > m.score(0.1));
    assert!((0.0..=100.0).contains(&m.score(0.0)) && (0.0..=100.0).contains(&m.score(1.0)));
    // With several sites the operating points come, by default, from leave-one-site-out
    // (chosen where the predicting model never saw the site); the calibration of the score
    // and the model itself stay what the folds give.
    assert!(opts.by_site);
    let train = |opts: &TrainOptions| {
        Model::train(
            TrainingSet {
                ids: &ids,
                x: &xs,
                y: &y,
                sites: &sites,
                local: &[],
            },
            &SegmentOptions::default(),
            &FeatureOptions::default(),
            opts,
        )
        .unwrap()
    };
    let m3 = train(&opts);
    assert_eq!(
        m3.validation,
        "out-of-bag forest, 5-fold linear model; operating points leave-one-site-out (3 sites)"
    );
    assert_eq!(m3.sites, ["site0", "site1", "site2"]);
    let in_site = train(&TrainOptions {
        by_site: false,
        ..opts.clone()
    });
    assert_eq!(in_site.validation, "out-of-bag forest, 5-fold linear model");
    assert_eq!(in_site.calibration, m3.calibration);
    assert_eq!(
        in_site.predict_proba(&xs).unwrap(),
        m3.predict_proba(&xs).unwrap()
    );
    assert_ne!(in_site.threshold, m3.threshold);
    // Harmonised features have each site's shift taken out: the points stay on the folds.
    let harmonised = train(&TrainOptions {
        harmonise: true,
        ..opts.clone()
    });
    assert_eq!(
        harmonised.validation,
        "out-of-bag forest, 5-fold linear model"
    );
    // choose() on the same out-of-fold predictions agrees with what was stored.
    let p: Vec<f64> = (0..10).map(|i| i as f64 / 10.0).collect();
    let yy = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1];
    let op = choose(&p, &yy, Target::Specificity(0.8)).unwrap();
    assert!(op.specificity >= 0.8);
}
