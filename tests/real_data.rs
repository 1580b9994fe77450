//! Quality floors on the real radiographs in `../shared/data` (third-party data, never copied
//! into the project). These tests are `#[ignore]`d so the plain test command passes on a fresh
//! clone without the data; `.ci/run` runs them with `--include-ignored`, and they fail loudly
//! when the data is missing. The data folder is `$LUNGFIELD_DATA`, default `../shared/data`.
//!
//! The segmentation floors are issue #2's targets (jsrt-dev mean Dice >= 0.90, p5 >= 0.80;
//! sz-cxr-sample mean >= 0.88). The classifier has no target on real data here (no real TB
//! labels beyond the sample); its tests check that it runs end to end on real radiographs,
//! is deterministic, and learns something on JSRT's nodule task.

use std::path::PathBuf;

use lungfield::io::{Dataset, Subset};
use lungfield::SegmentOptions;

/// Dice of the lungs found in `img` with `prior` against `truth`; the error names the film.
fn builtin_dice(
    img: &lungfield::io::Radiograph,
    truth: &lungfield::Mask,
    prior: &lungfield::prior::ShapePrior,
    id: &str,
) -> Result<f64, String> {
    let seg = lungfield::segment_with_prior(img, &SegmentOptions::default(), Some(prior))
        .map_err(|e| format!("{id}: {e}"))?;
    Ok(lungfield::metrics::score_masks(&seg.binary(), truth)
        .unwrap()
        .dice)
}

/// Every film's Dice (none may have failed), sorted, with their mean and 5th percentile,
/// printed under `what`.
fn dice_summary(dice: Vec<Result<f64, String>>, what: &str) -> (Vec<f64>, f64, f64) {
    let failed: Vec<&String> = dice.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{what}: {failed:?}");
    let mut dice: Vec<f64> = dice.into_iter().flatten().collect();
    dice.sort_by(f64::total_cmp);
    let mean = dice.iter().sum::<f64>() / dice.len() as f64;
    let p5 = dice[(dice.len() as f64 * 0.05) as usize];
    eprintln!(
        "{what}: {} films, mean dice {mean:.4}, p5 {p5:.4}, worst {:.4}",
        dice.len(),
        dice[0]
    );
    (dice, mean, p5)
}

/// `p` pasted at `(x, y)` on a `width × height` canvas of `fill`.
fn on_canvas<T: Copy + Default + PartialEq>(
    p: &lungfield::Plane<T>,
    fill: T,
    (width, height): (usize, usize),
    (x, y): (usize, usize),
) -> lungfield::Plane<T> {
    let mut out = lungfield::Plane::from_rows(width, height, |_, row| row.fill(fill));
    out.paste(p, x, y);
    out
}

/// `r` framed, `m` pixels wide on every side, by a canvas of its own 70th-percentile grey
/// (as a converter's padding or a collimator's shadow filled with one grey).
fn on_grey_frame(r: &lungfield::io::Radiograph, m: usize) -> lungfield::io::Radiograph {
    use lungfield::io::Radiograph;
    fn framed<T: Copy + Default + PartialEq + Ord>(
        p: &lungfield::Plane<T>,
        m: usize,
    ) -> lungfield::Plane<T> {
        let mut v = p.as_slice().to_vec();
        v.sort_unstable();
        let fill = v[((v.len() - 1) as f64 * 0.7) as usize];
        on_canvas(p, fill, (p.width() + 2 * m, p.height() + 2 * m), (m, m))
    }
    match r {
        Radiograph::U8(p) => Radiograph::U8(framed(p, m)),
        Radiograph::U16(p) => Radiograph::U16(framed(p, m)),
    }
}

fn data(name: &str) -> Dataset {
    let root = std::env::var_os("LUNGFIELD_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = root.join(name);
    assert!(
        dir.join("images").is_dir(),
        "real data missing: {} (set LUNGFIELD_DATA to the folder holding jsrt-dev/ and sz-cxr-sample/)",
        dir.display()
    );
    Dataset::open(&dir).unwrap()
}

#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn jsrt_dev_dice_floor() {
    let ev =
        lungfield::evaluate::evaluate(&data("jsrt-dev"), Subset::All, &SegmentOptions::default());
    let s = &ev.summary;
    eprintln!("jsrt-dev: {}", lungfield::report::summary_table(&ev));
    assert_eq!(s.n, 140, "140 non-degraded images");
    assert_eq!(s.n_excluded_degraded, 7);
    assert_eq!(s.n_failed, 0);
    assert!(
        s.dice_mean >= 0.90,
        "mean dice {} (floor 0.90)",
        s.dice_mean
    );
    assert!(s.dice_p5 >= 0.80, "p5 dice {} (floor 0.80)", s.dice_p5);
}

#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn jsrt_dev_active_contour_beats_none() {
    let d = data("jsrt-dev");
    let with = lungfield::evaluate::evaluate(&d, Subset::All, &SegmentOptions::default());
    let without = lungfield::evaluate::evaluate(
        &d,
        Subset::All,
        &SegmentOptions::default().without_contour(),
    );
    assert!(
        with.summary.dice_mean > without.summary.dice_mean + 0.03,
        "with {} without {}",
        with.summary.dice_mean,
        without.summary.dice_mean
    );
}

#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn sz_cxr_sample_dice_floor() {
    let ev = lungfield::evaluate::evaluate(
        &data("sz-cxr-sample"),
        Subset::All,
        &SegmentOptions::default(),
    );
    eprintln!("sz-cxr-sample: {}", lungfield::report::summary_table(&ev));
    assert_eq!(ev.summary.n, 10);
    assert!(
        ev.summary.dice_mean >= 0.88,
        "mean dice {}",
        ev.summary.dice_mean
    );
}

#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn degraded_jsrt_images_fail_cleanly_or_segment() {
    // The near-white broken conversions must never panic; they give a mask or a clear error.
    let d = data("jsrt-dev");
    for s in d.samples.iter().filter(|s| s.degraded) {
        let img = lungfield::io::decode_file(&s.image).unwrap();
        match lungfield::segment_radiograph(&img, &SegmentOptions::default()) {
            Ok(seg) => assert_eq!(seg.labels.width(), img.width()),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn jsrt_nodule_task_cross_validates_above_chance_and_deterministically() {
    use lungfield::classify::{study, CvOptions};
    use lungfield::features::{feature_table, jobs_from_dataset, FeatureOptions, MaskSource};
    let mut d = data("jsrt-dev");
    d.relabel_from_manifest("jsrt_class", "nodule").unwrap();
    let jobs = jobs_from_dataset(&d, Subset::All);
    let t = feature_table(
        &jobs,
        MaskSource::Found,
        &SegmentOptions::default(),
        None,
        &FeatureOptions::default(),
        &(),
    );
    assert_eq!(t.rows.len(), 140, "failures: {:?}", t.failures);
    let split = d.samples.iter().map(|s| (s.id.clone(), s.split)).collect();
    let opts = CvOptions::default();
    let a = study(&t, &split, &opts).unwrap();
    let b = study(&t, &split, &opts).unwrap();
    assert_eq!(a.cv.oof, b.cv.oof);
    let s = &a.cv.scores;
    eprintln!(
        "jsrt nodule vs non-nodule: AUC {:.3} [{:.3}, {:.3}]",
        s.auc, s.auc_ci_low, s.auc_ci_high
    );
    assert_eq!(s.n, 124);
    // Small nodules are hard; the guard is only that the forest learns something.
    assert!(s.auc > 0.55, "AUC {}", s.auc);
}

#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn a_phantom_model_classifies_the_real_sample_and_names_what_fails() {
    use lungfield::classify::{Model, TrainOptions, TrainingSet};
    use lungfield::features::{feature_table, jobs_from_dataset, FeatureOptions, MaskSource};
    use lungfield::phantom::{write_set, PhantomSetOptions};
    let dir = tempfile::tempdir().unwrap();
    let opts = PhantomSetOptions {
        count: 40,
        seed: 4,
        size: 384,
        ..Default::default()
    };
    write_set(dir.path(), &opts).unwrap();
    let ph = Dataset::open(dir.path()).unwrap();
    let (seg, feat) = (SegmentOptions::default(), FeatureOptions::default());
    let prior = lungfield::prior::ShapePrior::builtin().unwrap();
    let t = feature_table(
        &jobs_from_dataset(&ph, Subset::All),
        MaskSource::Found,
        &seg,
        Some(&prior),
        &feat,
        &(),
    );
    let ids: Vec<String> = t.rows.iter().map(|r| r.id.clone()).collect();
    let x: Vec<Vec<f64>> = t.rows.iter().map(|r| r.values.clone()).collect();
    let y: Vec<u8> = t.rows.iter().map(|r| r.label.unwrap()).collect();
    let sites = vec![String::from("phantoms"); ids.len()];
    let set = TrainingSet {
        ids: &ids,
        x: &x,
        y: &y,
        sites: &sites,
        local: &[],
    };
    let model = Model::train(set, &seg, &feat, &TrainOptions::default()).unwrap();
    let sample = data("sz-cxr-sample");
    let real = feature_table(
        &jobs_from_dataset(&sample, Subset::All),
        MaskSource::Found,
        &seg,
        Some(&prior),
        &feat,
        &(),
    );
    // Every real frontal radiograph gets a row (issue 24).
    assert_eq!(real.rows.len(), 17, "failures: {:?}", real.failures);
    for (id, e) in &real.failures {
        assert!(e.to_string().contains(id.as_str()), "{e}");
    }
    let xr: Vec<Vec<f64>> = real.rows.iter().map(|r| r.values.clone()).collect();
    let p = model.predict_proba(&xr).unwrap();
    assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
    for (r, v) in real.rows.iter().zip(&p) {
        eprintln!("{} {v:.3}", r.id);
    }
}

/// Issue #6: a shape prior cross-validated within jsrt-dev (5 folds: each fold segmented with
/// a prior fitted on the other four folds' images and masks). Measured: mean 0.9693, p5 0.932,
/// HD95 median 14.2 px at ebe455b (the shape repair's fill held near the other lung's base;
/// 0.9693 / 0.933 at 0bea9e9, the flood also beside a turned film's canvas; 0.9693 /
/// 0.932 with the air flooded past a bright edge rim, 7 December 2026; 0.9693
/// at e51fb0c, 0.9689 with the rib bridge, 0.9691 / 0.934 before it, 0.9692 at d998497,
/// 0.9685 before that); without the band classifier 0.956 / 0.917 (0.957 / 0.921 before the
/// bridge); without it and without the point distribution model's repair 0.955 / 0.920
/// (0.955 / 0.914); without it and without the image's shade in the corrections 0.955 /
/// 0.912 (0.955 / 0.913); without the prior 0.925 / 0.889 / 34.9 px (0.920 / 0.853 / 36.2 px
/// at d998497).
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn jsrt_dev_prior_cross_validated_floor() {
    use lungfield::evaluate::{evaluate_with, PriorSource};
    let d = data("jsrt-dev");
    let opts = SegmentOptions::default();
    let ev = evaluate_with(&d, Subset::All, &opts, PriorSource::CrossValidated(5), &()).unwrap();
    let s = &ev.summary;
    eprintln!(
        "jsrt-dev, prior-cv 5: {}",
        lungfield::report::summary_table(&ev)
    );
    assert_eq!((s.n, s.n_failed), (140, 0));
    // The targets: mean, 5th percentile, HD95 median.
    assert!(
        s.dice_mean >= 0.96,
        "mean dice {} (floor 0.96)",
        s.dice_mean
    );
    assert!(s.dice_p5 >= 0.92, "p5 dice {} (floor 0.92)", s.dice_p5);
    assert!(
        s.hd95_median_px <= 15.0,
        "HD95 median {} px (ceiling 15)",
        s.hd95_median_px
    );
    let none = lungfield::evaluate::evaluate(&d, Subset::All, &opts);
    assert!(
        s.dice_mean > none.summary.dice_mean + 0.025,
        "prior {} vs none {}",
        s.dice_mean,
        none.summary.dice_mean
    );
    // The band classifier is what brings the boundaries to the experts'.
    let mut unrefined = opts;
    unrefined.prior.refine = false;
    let unrefined_ev = evaluate_with(
        &d,
        Subset::All,
        &unrefined,
        PriorSource::CrossValidated(5),
        &(),
    )
    .unwrap();
    let r = &unrefined_ev.summary;
    eprintln!(
        "jsrt-dev, prior-cv 5, no band classifier: {}",
        lungfield::report::summary_table(&unrefined_ev)
    );
    assert!(
        s.hd95_median_px < r.hd95_median_px - 3.0 && s.dice_mean > r.dice_mean + 0.005,
        "classifier {}/{} px vs none {}/{} px",
        s.dice_mean,
        s.hd95_median_px,
        r.dice_mean,
        r.hd95_median_px
    );
    // Below, the stages before the classifier, each against the prior without it.
    let s = r;
    // The shape model's repair is what cuts the gross errors: the far tail of the boundary
    // distance (measured without the band classifier: HD95 p95 67.1 px with the repair,
    // 75.5 without; mean 0.9564 against 0.9554). Since the seed bridges rib shadows it no
    // longer lifts the 5th-percentile Dice on jsrt-dev (0.917 with, 0.920 without; before
    // the bridge 0.921 and 0.914): the image-driven lungs it used to mend are found whole.
    let mut plain = unrefined;
    plain.prior.shape_repair = false;
    let no_repair =
        evaluate_with(&d, Subset::All, &plain, PriorSource::CrossValidated(5), &()).unwrap();
    eprintln!(
        "jsrt-dev, prior-cv 5, no shape repair: {}",
        lungfield::report::summary_table(&no_repair)
    );
    assert!(
        s.hd95_p95_px < no_repair.summary.hd95_p95_px - 4.0
            && s.dice_mean > no_repair.summary.dice_mean,
        "repair {}/{} px vs none {}/{} px",
        s.dice_mean,
        s.hd95_p95_px,
        no_repair.summary.dice_mean,
        no_repair.summary.hd95_p95_px
    );
    // The image's shade is what brings the boundaries closer.
    let mut unshaded = unrefined;
    unshaded.prior.shade = false;
    let unshaded = evaluate_with(
        &d,
        Subset::All,
        &unshaded,
        PriorSource::CrossValidated(5),
        &(),
    )
    .unwrap();
    eprintln!(
        "jsrt-dev, prior-cv 5, no shade: {}",
        lungfield::report::summary_table(&unshaded)
    );
    // Measured at e51fb0c: Dice 0.9570 against 0.9561, HD95 21.2 against 22.2 px.
    assert!(
        s.hd95_median_px < unshaded.summary.hd95_median_px - 0.75
            && s.dice_mean > unshaded.summary.dice_mean + 0.0005,
        "shade {}/{} px vs none {}/{} px",
        s.dice_mean,
        s.hd95_median_px,
        unshaded.summary.dice_mean,
        unshaded.summary.hd95_median_px
    );
}

/// Issue #6, cross-dataset: a prior fitted on jsrt-dev (SCR convention: the lung behind the
/// heart left out) used on the Shenzhen sample (whose masks differ in convention). Measured:
/// 0.922 against 0.901 without (0.913 without the band classifier); fitting is deterministic
/// across thread counts.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn a_jsrt_prior_helps_on_the_shenzhen_sample_and_fits_deterministically() {
    use lungfield::evaluate::{evaluate_with, PriorSource};
    use lungfield::prior::ShapePrior;
    let opts = SegmentOptions::default();
    let jsrt = data("jsrt-dev");
    let fit = |n| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap();
        pool.install(|| ShapePrior::fit_dataset(&jsrt, &opts, &()))
            .unwrap()
    };
    let prior = fit(2);
    assert_eq!(prior.exemplars.len(), 140);
    assert!(
        prior.refiner.is_some(),
        "fitted with images: a band classifier"
    );
    assert_eq!(
        serde_json::to_string(&prior).unwrap(),
        serde_json::to_string(&fit(1)).unwrap()
    );
    // Issue 23: the built-in prior is this fit, byte for byte (rebuild it with `lungfield
    // prior fit --data ../shared/data/jsrt-dev -o models/jsrt-prior.lfp.gz`).
    let shipped =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/jsrt-prior.lfp.gz"))
            .unwrap();
    let fresh = prior
        .to_bytes(true, std::path::Path::new("fresh.lfp.gz"))
        .unwrap();
    assert!(
        fresh == shipped,
        "models/jsrt-prior.lfp.gz is not what jsrt-dev fits to now ({} vs {} bytes): rebuild it",
        shipped.len(),
        fresh.len()
    );
    assert!(shipped.len() <= 5_000_000, "{} bytes", shipped.len());
    let sz = data("sz-cxr-sample");
    let with = evaluate_with(&sz, Subset::All, &opts, PriorSource::Fixed(&prior), &()).unwrap();
    let without = lungfield::evaluate::evaluate(&sz, Subset::All, &opts);
    eprintln!(
        "sz-cxr-sample, jsrt prior: {}",
        lungfield::report::summary_table(&with)
    );
    assert!(
        // Measured 0.9195 with the air flooded past a bright edge rim (0.919 at e51fb0c,
        // 0.921 before), 0.902 without.
        with.summary.dice_mean >= 0.91 && with.summary.dice_mean > without.summary.dice_mean,
        "with {} without {}",
        with.summary.dice_mean,
        without.summary.dice_mean
    );
}

/// Issue 23: every frontal radiograph in the shared data, however diseased, from every site,
/// gets two lungs with the built-in prior (as `lungfield segment` runs by default): no
/// "no plausible lungs", no lung missing.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn every_real_frontal_radiograph_gets_two_lungs() {
    use lungfield::{prior::ShapePrior, segment::Side};
    use rayon::prelude::*;
    let prior = ShapePrior::builtin().unwrap();
    let opts = SegmentOptions::default();
    let mut total = 0;
    for name in [
        "sz-tb-dev",
        "da-tb",
        "montgomery",
        "sz-cxr-sample",
        "jsrt-dev",
    ] {
        let d = data(name);
        let samples: Vec<_> = d.samples.iter().filter(|s| !s.degraded).collect();
        let bad: Vec<String> = samples
            .par_iter()
            .filter_map(|s| {
                let img = lungfield::io::decode_file(&s.image).unwrap();
                match lungfield::segment_with_prior(&img, &opts, Some(&prior)) {
                    Ok(seg) if seg.area(Side::Right) > 0 && seg.area(Side::Left) > 0 => None,
                    Ok(seg) => Some(format!("{}: {:?}", s.id, seg.flags)),
                    Err(e) => Some(format!("{}: {e}", s.id)),
                }
            })
            .collect();
        eprintln!(
            "{name}: {} images, {} without two lungs",
            samples.len(),
            bad.len()
        );
        assert!(bad.is_empty(), "{name}: {bad:?}");
        total += samples.len();
    }
    assert_eq!(total, 174 + 68 + 48 + 17 + 140);
}

/// Issue 23's Montgomery targets with the built-in prior (mean >= 0.95, p5 >= 0.90, the 14
/// TB images >= 0.93): 48 films from another site, most on black scanner canvases. Measured
/// 0.9601 / 0.9256 / 0.948 at ebe455b (0.9600 / 0.9253 / 0.947 at 0bea9e9, 0.9606 / 0.9261 /
/// 0.948 earlier on 7 December 2026,
/// 0.9609 / 0.9259 / 0.9485 with the rib bridge,
/// 0.9605 / 0.9259 / 0.948 before the seed bridged rib shadows;
/// the floors are the targets).
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn montgomery_with_the_builtin_prior_floor() {
    use lungfield::evaluate::{evaluate_with, PriorSource};
    use lungfield::prior::ShapePrior;
    let prior = ShapePrior::builtin().unwrap();
    let d = data("montgomery");
    let opts = SegmentOptions::default();
    let ev = evaluate_with(&d, Subset::All, &opts, PriorSource::Fixed(&prior), &()).unwrap();
    let s = &ev.summary;
    eprintln!(
        "montgomery, built-in prior: {}",
        lungfield::report::summary_table(&ev)
    );
    assert_eq!((s.n, s.n_failed, s.n_no_lungs), (48, 0, 0));
    assert!(
        s.dice_mean >= 0.95,
        "mean dice {} (floor 0.95)",
        s.dice_mean
    );
    assert!(s.dice_p5 >= 0.90, "p5 dice {} (floor 0.90)", s.dice_p5);
    let tb: Vec<f64> = ev
        .rows
        .iter()
        .filter(|r| r.id.ends_with("_1"))
        .map(|r| r.scores.dice)
        .collect();
    let tb_mean = tb.iter().sum::<f64>() / tb.len() as f64;
    assert_eq!(tb.len(), 14);
    assert!(tb_mean >= 0.93, "TB mean dice {tb_mean} (floor 0.93)");
    // Without the exposed field the canvases take lung (0.93 then, measured).
    let plain = SegmentOptions {
        field: false,
        ..Default::default()
    };
    let ev = evaluate_with(&d, Subset::All, &plain, PriorSource::Fixed(&prior), &()).unwrap();
    assert!(
        s.dice_p5 > ev.summary.dice_p5 + 0.05,
        "p5 with the field {} without {}",
        s.dice_p5,
        ev.summary.dice_p5
    );
}

/// Montgomery's films with 3 % of the grey range of Gaussian noise added (clipped at black, so
/// the canvas is black only to within its noise; in memory, nothing written): each is still
/// upright, gets two lungs, and keeps the clean films' quality (measured: mean Dice 0.958,
/// 0.9578 on 7 December 2026,
/// no refusal; before the noisy-canvas rule 13 of 48 were taken for inverted, and 10 of
/// those then refused as not a chest).
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn montgomery_with_noise_keeps_its_canvas_and_its_lungs() {
    use lungfield::io::Radiograph;
    use lungfield::prior::ShapePrior;
    use lungfield::qc::{check, QcCode};
    use rayon::prelude::*;
    let prior = ShapePrior::builtin().unwrap();
    let d = data("montgomery");
    let dice: Vec<Result<f64, String>> = d
        .samples
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let img = lungfield::io::decode_file(&s.image).unwrap();
            let truth = lungfield::io::read_mask_for(s.mask.as_ref().unwrap(), &img).unwrap();
            let mut rng = lungfield::phantom::Rng::new(100 + i as u64);
            let noisy = match img {
                Radiograph::U8(mut p) => {
                    for v in p.as_mut_slice() {
                        *v = (f64::from(*v) + 7.65 * rng.normal()).clamp(0.0, 255.0) as u8;
                    }
                    Radiograph::U8(p)
                }
                Radiograph::U16(mut p) => {
                    for v in p.as_mut_slice() {
                        *v = (f64::from(*v) + 1966.0 * rng.normal()).clamp(0.0, 65535.0) as u16;
                    }
                    Radiograph::U16(p)
                }
            };
            let c = check(noisy, None);
            if c.codes.contains(&QcCode::Inverted) {
                return Err(format!("{}: taken for inverted", s.id));
            }
            builtin_dice(&c.image, &truth, &prior, &s.id)
        })
        .collect();
    let failed: Vec<&String> = dice.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    let mean = dice.iter().flatten().sum::<f64>() / dice.len() as f64;
    eprintln!(
        "montgomery with 3 % noise: {} films, mean dice {mean:.4}",
        dice.len()
    );
    assert_eq!(dice.len(), 48);
    assert!(mean >= 0.95, "mean dice {mean} (floor 0.95)");
}

/// Montgomery's films turned by 3° about their centre (alternately either way; bilinear, the
/// corners black; in memory, nothing written), as a film scanned a little more askew on its
/// canvas: the lungs stay on the film. Each film's bright rim then runs slanted across the
/// box of the exposed field and, copied into the canvas corners, walled in the air between
/// the body and the arm, which became lung (MCUCXR_0077_0 turned by 2°: Dice 0.44). Measured
/// (the same turn in a scratch script) before the flood started beside the black canvas:
/// mean Dice 0.916, 5th percentile 0.52; with it 0.942 and 0.902 (upright: 0.960, 0.926).
/// Floors 0.93 and 0.87.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn montgomery_turned_by_three_degrees_keeps_its_lungs_on_the_film() {
    use lungfield::io::Radiograph;
    use lungfield::{prior::ShapePrior, Mask, Plane};
    use rayon::prelude::*;
    /// `p` turned by `deg` about its centre: bilinear (`nearest` for masks), 0 outside.
    fn turn<T: Copy + Default + PartialEq + Into<f64>>(
        p: &Plane<T>,
        deg: f64,
        nearest: bool,
        back: impl Fn(f64) -> T,
    ) -> Plane<T> {
        let (w, h) = (p.width(), p.height());
        let (c, s) = (deg.to_radians().cos(), deg.to_radians().sin());
        let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
        Plane::from_rows(w, h, |y, row| {
            for (x, v) in row.iter_mut().enumerate() {
                let (dx, dy) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
                let u = c * dx + s * dy + cx - 0.5;
                let t = -s * dx + c * dy + cy - 0.5;
                if u < 0.0 || t < 0.0 || u > (w - 1) as f64 || t > (h - 1) as f64 {
                    *v = T::default();
                    continue;
                }
                if nearest {
                    *v = p.get(u.round() as usize, t.round() as usize);
                    continue;
                }
                let (x0, y0) = (u.floor() as usize, t.floor() as usize);
                let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
                let (fx, fy) = (u - x0 as f64, t - y0 as f64);
                let g = |x: usize, y: usize| -> f64 { p.get(x, y).into() };
                let top = g(x0, y0) * (1.0 - fx) + g(x1, y0) * fx;
                let bottom = g(x0, y1) * (1.0 - fx) + g(x1, y1) * fx;
                *v = back(top * (1.0 - fy) + bottom * fy);
            }
        })
    }
    let prior = ShapePrior::builtin().unwrap();
    let d = data("montgomery");
    let dice: Vec<Result<f64, String>> = d
        .samples
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let deg = if i % 2 == 0 { 3.0 } else { -3.0 };
            let img = lungfield::io::decode_file(&s.image).unwrap();
            let truth = lungfield::io::read_mask_for(s.mask.as_ref().unwrap(), &img).unwrap();
            let truth: Mask = turn(&truth, deg, true, |v| v as u8);
            let turned = match img {
                Radiograph::U8(p) => Radiograph::U8(turn(&p, deg, false, |v| v.round() as u8)),
                Radiograph::U16(p) => Radiograph::U16(turn(&p, deg, false, |v| v.round() as u16)),
            };
            builtin_dice(&turned, &truth, &prior, &s.id)
        })
        .collect();
    let (dice, mean, p5) = dice_summary(dice, "montgomery turned by 3°");
    assert_eq!(dice.len(), 48);
    assert!(mean >= 0.93, "mean dice {mean} (floor 0.93)");
    assert!(p5 >= 0.87, "p5 dice {p5} (floor 0.87)");
}

/// Montgomery's films, each on its black canvas, scanned in turn onto a white canvas a fifth
/// larger (the film a tenth of the canvas in from each side; in memory, nothing written):
/// two paddings, whose seam the exposed field steps over from the white into the black.
/// Before it did, the white canvas was cut off and the black one left in the field, and the
/// black beside the film became lung (this test at 762c6ce: mean Dice 0.9034, 5th percentile
/// 0.508, worst 0.093; with the seam 0.9599, 0.916, worst 0.903; the films alone 0.9601 and
/// 0.926). Floors 0.95 and 0.90.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn montgomery_on_a_white_canvas_keeps_its_lungs_on_the_film() {
    use lungfield::io::Radiograph;
    use lungfield::{prior::ShapePrior, Mask};
    use rayon::prelude::*;
    let prior = ShapePrior::builtin().unwrap();
    let d = data("montgomery");
    let dice: Vec<Result<f64, String>> = d
        .samples
        .par_iter()
        .map(|s| {
            let img = lungfield::io::decode_file(&s.image).unwrap();
            let truth = lungfield::io::read_mask_for(s.mask.as_ref().unwrap(), &img).unwrap();
            // A canvas a fifth larger, the film a tenth of its size in from each side.
            let (w, h) = (img.width(), img.height());
            let (size, at) = ((w + w / 5, h + h / 5), (w / 10, h / 10));
            let truth: Mask = on_canvas(&truth, 0, size, at);
            let white = match img {
                Radiograph::U8(p) => Radiograph::U8(on_canvas(&p, u8::MAX, size, at)),
                Radiograph::U16(p) => Radiograph::U16(on_canvas(&p, u16::MAX, size, at)),
            };
            builtin_dice(&white, &truth, &prior, &s.id)
        })
        .collect();
    let (dice, mean, p5) = dice_summary(dice, "montgomery on a white canvas");
    assert_eq!(dice.len(), 48);
    assert!(mean >= 0.95, "mean dice {mean} (floor 0.95)");
    assert!(p5 >= 0.90, "p5 dice {p5} (floor 0.90)");
}

/// jsrt-dev's 140 non-degraded films, each with its expert mask changed by `change` (in
/// memory, nothing written), segmented with the built-in prior: every film's Dice, sorted,
/// the mean and the 5th percentile ([`dice_summary`], which prints them as `what`).
fn jsrt_dev_changed(
    what: &str,
    change: impl Fn(
            &lungfield::io::Radiograph,
            &lungfield::Mask,
        ) -> (lungfield::io::Radiograph, lungfield::Mask)
        + Sync,
) -> (Vec<f64>, f64, f64) {
    use rayon::prelude::*;
    let prior = lungfield::prior::ShapePrior::builtin().unwrap();
    let d = data("jsrt-dev");
    let samples: Vec<_> = d.samples.iter().filter(|s| !s.degraded).collect();
    let dice: Vec<Result<f64, String>> = samples
        .par_iter()
        .map(|s| {
            let img = lungfield::io::decode_file(&s.image).unwrap();
            let truth = lungfield::io::read_mask_for(s.mask.as_ref().unwrap(), &img).unwrap();
            let (img, truth) = change(&img, &truth);
            builtin_dice(&img, &truth, &prior, &s.id)
        })
        .collect();
    let summary = dice_summary(dice, what);
    assert_eq!(summary.0.len(), 140, "{what}");
    summary
}

/// jsrt-dev's 140 non-degraded films framed by a canvas of one mid grey (the film's own
/// 70th-percentile grey, a twelfth of the longer side wide on every side; in memory,
/// nothing written), as a converter that pads with a grey, or a collimator's shadow filled
/// with one grey, leaves them. Before the field found such a canvas it walled in the air
/// beside the body, which became lung (this test at 09a4220: JPCLN120, JPCNN077 and JPCNN080
/// refused as having no lungs; the same frame in a scratch script: mean Dice 0.883, 5th
/// percentile 0.575; with the film's 90th-percentile grey 0.830 and 10 refused). With the
/// grey canvas found (8f8b1ef): 0.9726, 0.940, worst 0.869; cut off to the pixel, the film
/// inside taken as if its edges were the image's: 0.9752, 0.952, worst 0.907 (the films
/// alone 0.9754, 0.954). Floors 0.965 and 0.92.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn jsrt_dev_on_a_grey_canvas_keeps_its_lungs() {
    let (_, mean, p5) = jsrt_dev_changed("jsrt-dev on a grey canvas", |img, truth| {
        let m = img.width().max(img.height()) / 12;
        let size = (img.width() + 2 * m, img.height() + 2 * m);
        (on_grey_frame(img, m), on_canvas(truth, 0, size, (m, m)))
    });
    assert!(mean >= 0.965, "mean dice {mean} (floor 0.965)");
    assert!(p5 >= 0.92, "p5 dice {p5} (floor 0.92)");
}

/// jsrt-dev's 140 non-degraded films cut tight (8 % off each side, 5 % off the top, 12 % off
/// the foot; in memory, nothing written), as a large patient on a small detector: the cut
/// runs through the outer side of many lungs and the costophrenic angles. The edge then
/// reaches a lung at its own grey, as it reaches air, and the open air took it from the seed
/// (JPCLN058: Dice 0.68, JPCLN120: 0.74). Measured with the same cut in a scratch script at
/// 5f01270: mean 0.9128, 5th percentile 0.764, 46 films under 0.9; with the cut lungs spared
/// (`segment::Air::open_sparing_cut`) and the prior refitted: 0.9397, 0.822, 23 under 0.9
/// (the films alone 0.9755). Floors 0.93 and 0.80.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn jsrt_dev_cut_tight_keeps_its_lungs() {
    use lungfield::io::Radiograph;
    let (dice, mean, p5) = jsrt_dev_changed("jsrt-dev cut tight", |img, truth| {
        let (w, h) = (img.width(), img.height());
        let (x, y) = (w * 8 / 100, h * 5 / 100);
        let (cw, ch) = (w - 2 * x, h - y - h * 12 / 100);
        let cut = match img {
            Radiograph::U8(p) => Radiograph::U8(p.crop(x, y, cw, ch)),
            Radiograph::U16(p) => Radiograph::U16(p.crop(x, y, cw, ch)),
        };
        (cut, truth.crop(x, y, cw, ch))
    });
    eprintln!("under 0.9: {}", dice.iter().filter(|&&d| d < 0.9).count());
    assert!(mean >= 0.93, "mean dice {mean} (floor 0.93)");
    assert!(p5 >= 0.80, "p5 dice {p5} (floor 0.80)");
}

/// `da-tb`'s and `sz-tb-dev`'s films (no expert masks) framed by a canvas of one mid grey, as
/// in `jsrt_dev_on_a_grey_canvas_keeps_its_lungs`, are segmented as the films alone: the
/// masks, cut back to the film, agree with the unframed films' (Dice). Measured: `da-tb` mean
/// 0.990 (5th percentile 0.913), `sz-tb-dev` 0.9945 (0.979); with the grey canvas cut to its
/// blocks rather than to the pixel (8f8b1ef) 0.969 and 0.982. Floor 0.98 for each.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn tb_films_on_a_grey_canvas_are_segmented_as_alone() {
    use lungfield::io::Radiograph;
    use lungfield::prior::ShapePrior;
    use rayon::prelude::*;
    let prior = ShapePrior::builtin().unwrap();
    let opts = SegmentOptions::default();
    for site in ["da-tb", "sz-tb-dev"] {
        let d = data(site);
        let agree: Vec<Result<f64, String>> = d
            .samples
            .par_iter()
            .map(|s| {
                let img = lungfield::io::decode_file(&s.image).unwrap();
                let (w, h) = (img.width(), img.height());
                let m = w.max(h) / 12;
                let grey = on_grey_frame(&img, m);
                let seg = |r: &Radiograph| {
                    lungfield::segment_with_prior(r, &opts, Some(&prior))
                        .map_err(|e| format!("{}: {e}", s.id))
                };
                let alone = seg(&img)?.binary();
                let back = seg(&grey)?.binary().crop(m, m, w, h);
                Ok(lungfield::metrics::score_masks(&back, &alone).unwrap().dice)
            })
            .collect();
        let what = format!("{site} on a grey canvas against alone");
        let (_, mean, _) = dice_summary(agree, &what);
        assert!(mean >= 0.98, "{site}: mean agreement {mean} (floor 0.98)");
    }
}

/// The built-in prior on the Shenzhen sample (issue 23's target 0.93 is not met: 0.921;
/// 0.922 before the rib bridge).
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn sz_cxr_sample_with_the_builtin_prior_floor() {
    use lungfield::evaluate::{evaluate_with, PriorSource};
    use lungfield::prior::ShapePrior;
    let prior = ShapePrior::builtin().unwrap();
    let d = data("sz-cxr-sample");
    let ev = evaluate_with(
        &d,
        Subset::All,
        &SegmentOptions::default(),
        PriorSource::Fixed(&prior),
        &(),
    )
    .unwrap();
    eprintln!(
        "sz-cxr-sample, built-in prior: {}",
        lungfield::report::summary_table(&ev)
    );
    assert_eq!(ev.summary.n, 10);
    assert!(
        ev.summary.dice_mean >= 0.915,
        "mean dice {}",
        ev.summary.dice_mean
    );
}

/// Issue 23: the three TB films of the Shenzhen sample get both lungs in their hemithoraces,
/// upper zones in (each lung's top in the upper quarter of the film) and not run down into the
/// abdomen (each bottom above 0.85 of the height), the two lungs' heights within 1.5 times each
/// other. CHNCXR_0502_1 (left hemithorax opacified) had its left lung placed from 0.21 to 0.97
/// of the height until the shape repair also tried the larger lung alone (7 December 2026);
/// now 0.18 to 0.72, the right lung 0.15 to 0.82.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn the_shenzhen_sample_tb_films_get_both_lungs_in_their_hemithoraces() {
    use lungfield::prior::ShapePrior;
    let prior = ShapePrior::builtin().unwrap();
    let d = data("sz-cxr-sample");
    let tb: Vec<_> = d.samples.iter().filter(|s| s.id.ends_with("_1")).collect();
    assert_eq!(tb.len(), 3);
    for s in tb {
        let img = lungfield::io::decode_file(&s.image).unwrap();
        let seg =
            lungfield::segment_with_prior(&img, &SegmentOptions::default(), Some(&prior)).unwrap();
        let h = seg.labels.height() as f64;
        let [r, l] = [1u8, 2].map(|v| seg.labels.bounds(|x| x == v));
        let (Some(r), Some(l)) = (r, l) else {
            panic!("{}: a lung missing, {:?}", s.id, seg.flags)
        };
        let frac = |b: (usize, usize, usize, usize)| (b.1 as f64 / h, (b.3 + 1) as f64 / h);
        let (rf, lf) = (frac(r), frac(l));
        eprintln!("{}: right {rf:.2?}, left {lf:.2?}, {:?}", s.id, seg.flags);
        assert!(r.0 + r.2 < l.0 + l.2, "{}: lungs swapped", s.id);
        for (top, bottom) in [rf, lf] {
            assert!(top <= 0.25 && bottom <= 0.85, "{}: {rf:?} {lf:?}", s.id);
        }
        let ratio = (rf.1 - rf.0) / (lf.1 - lf.0);
        assert!(
            (1.0 / 1.5..=1.5).contains(&ratio),
            "{}: heights {ratio}",
            s.id
        );
    }
}

/// Issue 24: TB screening on the real TB sets, every image scored. `sz-tb-dev` 10-fold
/// cross-validation (the `cv` study: train+val parts), and leave-one-site-out over
/// `sz-tb-dev`, `da-tb` and `montgomery` (the held-out site scored by a model trained on the
/// other two, at the default operating point chosen on their own out-of-fold predictions).
/// The floors sit a little below what was measured (docs/RESULTS.md), not at the issue's
/// targets, which are not all met.
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn tb_screening_in_site_and_leave_one_site_out_floors() {
    // Measured at ebe455b (the shape repair's fill held near the other lung's base, the
    // built-in model refitted; seed 1): sz-tb-dev 0.906; held out, plain: 0.895, 0.878,
    // 0.818; harmonised: 0.874, 0.916, 0.829 (a refit alone moves a held-out figure by up to
    // 0.03: montgomery 0.905 with a margin of 0.1 and nearly the same masks). At 0bea9e9:
    // 0.908; 0.895, 0.903, 0.831; 0.877, 0.901, 0.828.
    // Measured on 7 December 2026 with the air flooded past a bright edge rim (seed 1):
    // sz-tb-dev 0.907; held out, plain: 0.898, 0.914, 0.820; harmonised: 0.894, 0.895,
    // 0.828. Measured at e51fb0c (forest of 150 trees + linear model blended 0.2 / 0.8, the
    // absolute feature families left out, the shape-index histograms in, a short lung
    // re-seeded): sz-tb-dev 0.911; held out, plain: da-tb 0.898, montgomery 0.895, sz-tb-dev
    // 0.815 (issue 24's targets 0.88 and 0.80); harmonised: 0.882, 0.880, 0.817. Before the
    // re-seed (88d7817): 0.907; 0.894, 0.895, 0.805; 0.883, 0.899, 0.809. With 200 trees
    // (7391ee2): 0.907; 0.893, 0.893, 0.804; 0.882, 0.901, 0.810. With the even blend
    // (89875e2): 0.905; 0.896, 0.870,
    // 0.772; 0.889, 0.882, 0.784. Before the shape-index histograms: 0.892; 0.868, 0.872;
    // 0.862, 0.866 (with the seed's rib bridge; a 3-px cut of every film
    // moves held-out figures by up to 0.04, docs/SCREENING.md; before the bridge 0.893;
    // 0.881, 0.866; 0.876, 0.838; before the shape fit's several starts and square
    // frame 0.878; 0.877, 0.830; 0.885, 0.819, and at d998497's field and
    // repair changes 0.879; 0.885, 0.832; 0.881, 0.805). The forest's seed alone moves a
    // held-out figure by up to 0.03 (docs/SCREENING.md), and so does a refit of the
    // built-in lung model, so the floors sit 0.02–0.04 below (montgomery's lowered from 0.87
    // to 0.85 at ebe455b, which measured 0.878; at 34300ad, the forest alone:
    // 0.871; 0.855, 0.693; 0.854, 0.720. With the absolute families, before: 0.889; 0.848,
    // 0.817; 0.840, 0.798).
    // At the default operating point (sensitivity 0.90), chosen leave-one-site-out within the
    // training sites since 7 December 2026, the held-out sensitivity (da-tb / montgomery /
    // sz-tb-dev) is 0.955 / 0.929 / 0.872 at ebe455b (seed 1; over seeds 1-3 0.872-0.955;
    // 0.955 / 0.857 / 0.949 at 0bea9e9, over seeds 0.857-0.955; chosen on
    // in-site folds it was 0.955 / 0.571 / 0.872, and 0.50 on montgomery with seeds 2 and 3):
    // floor 0.78 on every held-out site, one of montgomery's 14 TB films below what it gets.
    // Harmonised models keep the in-site points and are not held to it.
    const SZ_CV_FLOOR: f64 = 0.89;
    const HELD_OUT_SENSITIVITY_FLOOR: f64 = 0.78;
    const LOSO_PLAIN: (f64, f64, f64) = (0.87, 0.85, 0.79);
    const LOSO_HARMONISED: (f64, f64, f64) = (0.86, 0.86, 0.79);
    use lungfield::classify::{leave_one_site_out, study, CvOptions, TrainOptions, TrainingRows};
    use lungfield::features::{feature_table, jobs_from_dataset, FeatureOptions, MaskSource};
    let prior = lungfield::prior::ShapePrior::builtin().unwrap();
    let (seg, feat) = (SegmentOptions::default(), FeatureOptions::default());
    let sets = ["sz-tb-dev", "da-tb", "montgomery"].map(data);
    let jobs: Vec<_> = sets
        .iter()
        .flat_map(|d| jobs_from_dataset(d, Subset::All))
        .collect();
    let t = feature_table(&jobs, MaskSource::Found, &seg, Some(&prior), &feat, &());
    // Every image a row: 174 + 68 + 48.
    assert!(t.failures.is_empty(), "{:?}", t.failures);
    assert_eq!(t.rows.len(), 290);
    // In-site: sz-tb-dev, 10-fold.
    let sz = lungfield::features::FeatureTable {
        names: t.names.clone(),
        rows: t
            .rows
            .iter()
            .filter(|r| r.site == "sz-tb-dev")
            .cloned()
            .collect(),
        failures: vec![],
    };
    let split = sets[0]
        .samples
        .iter()
        .map(|s| (s.id.clone(), s.split))
        .collect();
    let st = study(&sz, &split, &CvOptions::default()).unwrap();
    let s = &st.cv.scores;
    eprintln!(
        "sz-tb-dev 10-fold: n {} AUC {:.3} [{:.3}, {:.3}]",
        s.n, s.auc, s.auc_ci_low, s.auc_ci_high
    );
    assert!(s.auc >= SZ_CV_FLOOR, "sz-tb-dev 10-fold AUC {}", s.auc);
    // Leave one site out.
    let rows = TrainingRows::labelled(&t).unwrap();
    assert_eq!(rows.ids.len(), 290);
    let set = rows.set();
    for harmonise in [false, true] {
        let opts = TrainOptions {
            harmonise,
            ..Default::default()
        };
        let st = leave_one_site_out(set, &seg, &feat, &opts, 2000, 1).unwrap();
        for p in st.per_site.iter().chain([&st.pooled]) {
            let (lo, hi) = p.auc_ci.unwrap();
            eprintln!(
                "harmonise {harmonise}: {} n {} AUC {:.3} [{lo:.3}, {hi:.3}] sensitivity {:.3} specificity {:.3}",
                p.site, p.n, p.auc.unwrap(), p.sensitivity.0, p.specificity.0
            );
        }
        let auc = |site: &str| {
            st.per_site
                .iter()
                .find(|p| p.site == site)
                .unwrap()
                .auc
                .unwrap()
        };
        let (da, mc, sz) = if harmonise {
            LOSO_HARMONISED
        } else {
            LOSO_PLAIN
        };
        assert!(
            auc("da-tb") >= da,
            "da-tb held out (harmonise {harmonise}): {}",
            auc("da-tb")
        );
        assert!(
            auc("montgomery") >= mc,
            "montgomery held out (harmonise {harmonise}): {}",
            auc("montgomery")
        );
        assert!(
            auc("sz-tb-dev") >= sz,
            "sz-tb-dev held out (harmonise {harmonise}): {}",
            auc("sz-tb-dev")
        );
        if !harmonise {
            for p in &st.per_site {
                assert!(
                    p.sensitivity.0 >= HELD_OUT_SENSITIVITY_FLOOR,
                    "{} held out: sensitivity {} at the default operating point",
                    p.site,
                    p.sensitivity.0
                );
            }
        }
    }
}

/// Issue 26's quality checks on every real radiograph: none is refused or taken for inverted
/// (`low_contrast` only on the 7 degraded JSRT conversions, which it must catch), and the
/// negatives of the same films are caught as inverted. Measured: 0 false codes, low contrast
/// 7 of 7 degraded, negatives 450 of 454 (floor 440).
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn every_real_radiograph_passes_the_quality_checks_and_its_negative_is_caught() {
    use lungfield::io::Radiograph;
    use lungfield::qc::{check, QcCode};
    use lungfield::{prior::ShapePrior, segment_with_prior};
    use rayon::prelude::*;
    let prior = ShapePrior::builtin().unwrap();
    let opts = SegmentOptions::default();
    let feat = lungfield::features::FeatureOptions::default();
    let (mut total, mut caught, mut degraded) = (0, 0, 0);
    for name in [
        "sz-tb-dev",
        "da-tb",
        "montgomery",
        "sz-cxr-sample",
        "jsrt-dev",
    ] {
        let d = data(name);
        let rows: Vec<(bool, Vec<QcCode>, bool, String, f64)> = d
            .samples
            .par_iter()
            .map(|s| {
                let img = lungfield::io::decode_file(&s.image).unwrap();
                let negative = match &img {
                    Radiograph::U8(p) => Radiograph::U8(p.map(|&v| 255 - v)),
                    Radiograph::U16(p) => Radiograph::U16(p.map(|&v| 65535 - v)),
                };
                let c = check(img, None);
                let midline = lungfield::qc::midline(&c.image).unwrap_or(f64::NAN);
                let mut codes = c.codes.clone();
                let refused = match segment_with_prior(&c.image, &opts, Some(&prior)) {
                    Err(e) => Some(e.to_string()),
                    Ok(seg) => {
                        lungfield::qc::after(&mut codes, &seg);
                        lungfield::features::extract_local(
                            &c.image,
                            &seg.labels,
                            &seg.provenance,
                            &feat,
                        )
                        .err()
                        .map(|e| e.to_string())
                    }
                };
                let inverted_negative = check(negative, None).codes.contains(&QcCode::Inverted);
                (
                    s.degraded,
                    codes,
                    inverted_negative,
                    refused.map_or(String::new(), |e| format!("{}: {e}", s.id)),
                    midline,
                )
            })
            .collect();
        for (s, (deg, codes, neg, refused, _)) in d.samples.iter().zip(&rows) {
            assert!(refused.is_empty(), "{name}: refused {refused}");
            let expected: Vec<QcCode> = if *deg {
                vec![QcCode::LowContrast]
            } else {
                vec![]
            };
            // A child's film may be flagged paediatric (CHNCXR_0294_0 is); nothing else.
            let codes: Vec<QcCode> = codes
                .iter()
                .copied()
                .filter(|c| *c != QcCode::Paediatric)
                .collect();
            assert_eq!(codes, expected, "{name}/{}", s.id);
            caught += usize::from(*neg);
            degraded += usize::from(*deg);
        }
        let lowest = rows
            .iter()
            .zip(&d.samples)
            .min_by(|a, b| a.0 .4.total_cmp(&b.0 .4))
            .map(|(r, s)| format!("{:.3} ({})", r.4, s.id))
            .unwrap_or_default();
        eprintln!(
            "{name}: {} images pass; lowest midline measure {lowest} (flagged under {})",
            rows.len(),
            lungfield::qc::MIDLINE_MARGIN
        );
        total += rows.len();
    }
    eprintln!("negatives caught as inverted: {caught} of {total}");
    assert_eq!(total, 174 + 68 + 48 + 17 + 147);
    assert_eq!(degraded, 7);
    assert!(caught >= 440, "negatives caught: {caught} of {total}");
}

/// A film cut by 3 pixels on every side is the same radiograph: its lungs should be the
/// same too. Counts the films whose lungs, found on the cut film, agree with those found on
/// the whole one (cut the same way) at Dice < 0.95. Measured: `da-tb` 10 of 68 (26 before
/// the seed bridged rib shadows, 33 with the shape fit from one start), `sz-tb-dev` 8 of 174
/// (15; 13), `montgomery` 1 of 48 (1; 1); the ceilings sit a little above. Without the prior,
/// 6 of `da-tb`'s films move (14 before the bridge).
#[test]
#[ignore = "needs ../shared/data (run with --include-ignored)"]
fn a_film_cut_by_three_pixels_keeps_its_lungs() {
    use lungfield::io::Radiograph;
    use lungfield::{prior::ShapePrior, segment_with_prior};
    use rayon::prelude::*;
    let prior = ShapePrior::builtin().unwrap();
    let opts = SegmentOptions::default();
    let cut = |img: &Radiograph| {
        let (w, h) = (img.width() - 6, img.height() - 6);
        match img {
            Radiograph::U8(p) => Radiograph::U8(p.crop(3, 3, w, h)),
            Radiograph::U16(p) => Radiograph::U16(p.crop(3, 3, w, h)),
        }
    };
    for name in ["da-tb", "sz-tb-dev", "montgomery"] {
        let d = data(name);
        let moved: Vec<(String, f64)> = d
            .samples
            .par_iter()
            .filter_map(|s| {
                let img = lungfield::io::decode_file(&s.image).unwrap();
                let whole = segment_with_prior(&img, &opts, Some(&prior)).unwrap();
                let part = segment_with_prior(&cut(&img), &opts, Some(&prior)).unwrap();
                let m = whole.binary();
                let m = m.crop(3, 3, m.width() - 6, m.height() - 6);
                let dice = lungfield::metrics::score_masks(&part.binary(), &m)
                    .unwrap()
                    .dice;
                (dice < 0.95).then(|| (s.id.clone(), dice))
            })
            .collect();
        eprintln!(
            "{name}: {} films, {} moved by a 3-pixel cut: {moved:?}",
            d.samples.len(),
            moved.len()
        );
        let ceiling = match name {
            "da-tb" => 13,
            "sz-tb-dev" => 11,
            _ => 3,
        };
        assert!(
            moved.len() <= ceiling,
            "{name}: {} films moved (ceiling {ceiling})",
            moved.len()
        );
    }
}
