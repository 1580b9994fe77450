//! What a screening programme gets per image: the heatmap (does it point at the lesions the
//! phantom generator drew?), the quality checks (inverted, not a frontal chest, low
//! contrast), the result cards and the report's sortable table.

use std::path::Path;
use std::process::Output;

use lungfield::features::{extract_local, FeatureOptions, LocalSample, LOCAL_STRIDE};
use lungfield::heatmap::{points_at, HeatModel};
use lungfield::io::Radiograph;
use lungfield::phantom::{write_set, PhantomSetOptions};
use lungfield::prior::ShapePrior;
use lungfield::qc::QcCode;
use lungfield::{segment_with_prior, GrayU8, SegmentOptions};
use rayon::prelude::*;

use super::common::bin;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A phantom's rendering, its found lungs and their local evidence maps.
fn found(
    seed: u64,
    tb: bool,
    prior: &ShapePrior,
) -> (
    lungfield::phantom::Rendered,
    lungfield::Segmentation,
    lungfield::features::LocalMaps,
) {
    let r = lungfield::phantom::render(512, seed, tb);
    let img = Radiograph::U8(r.to_u8());
    let seg = segment_with_prior(&img, &SegmentOptions::default(), Some(prior)).unwrap();
    let (_, maps) = extract_local(
        &img,
        &seg.labels,
        &seg.provenance,
        &FeatureOptions::default(),
    )
    .unwrap();
    (r, seg, maps)
}

#[test]
fn the_heatmap_points_at_the_lesions_of_tb_phantoms() {
    // Fitted on 40 normal and 40 TB phantoms, tested on 50 other TB phantoms: the map's
    // maximum must lie inside a drawn lesion in at least 80 % of them (the target on
    // 100 is measured by `cargo run --release --example heatmap_eval`), and normal phantoms
    // must light up less than TB ones.
    let prior = ShapePrior::builtin().unwrap();
    let train: Vec<(LocalSample, u8)> = (0..80u64)
        .into_par_iter()
        .map(|i| {
            let tb = i % 2 == 1;
            (
                found(10_000 + i, tb, &prior).2.sample(LOCAL_STRIDE),
                u8::from(tb),
            )
        })
        .collect();
    let pairs: Vec<(&LocalSample, u8)> = train.iter().map(|(s, y)| (s, *y)).collect();
    let model = HeatModel::fit(&pairs).unwrap();
    let scale = FeatureOptions::default().size as f32 / 512.0;
    let tb: Vec<(bool, u8)> = (0..50u64)
        .into_par_iter()
        .map(|i| {
            let (r, seg, maps) = found(50_000 + i, true, &prior);
            assert!(!r.findings.is_empty() && r.lesions.count() > 0);
            let heat = model.heat(&maps, scale);
            let full = heat.at_size(&seg.labels);
            // Zero outside the lungs, the input's size.
            assert_eq!((full.width(), full.height()), (512, 512));
            for (&h, &l) in full.as_slice().iter().zip(seg.labels.as_slice()) {
                assert!(l != 0 || h == 0);
            }
            (points_at(&full, &r.lesions), heat.peak())
        })
        .collect();
    let hits = tb.iter().filter(|t| t.0).count();
    assert!(hits >= 40, "pointing hit rate {hits}/50");
    let normal_peaks: Vec<u8> = (0..20u64)
        .into_par_iter()
        .map(|i| {
            let (r, _, maps) = found(90_000 + i, false, &prior);
            assert_eq!(r.lesions.count(), 0);
            model.heat(&maps, scale).peak()
        })
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let tb_peak = mean(&tb.iter().map(|t| f64::from(t.1)).collect::<Vec<_>>());
    let n_peak = mean(
        &normal_peaks
            .iter()
            .map(|&p| f64::from(p))
            .collect::<Vec<_>>(),
    );
    assert!(
        tb_peak > n_peak + 60.0,
        "peaks: TB {tb_peak}, normal {n_peak}"
    );
}

/// A hand: a bright palm and fingers on a dark background.
fn hand() -> GrayU8 {
    GrayU8::from_rows(384, 384, |y, row| {
        for (x, p) in row.iter_mut().enumerate() {
            let (dx, dy) = (x as f64 - 190.0, y as f64 - 270.0);
            let palm = (dx / 85.0).powi(2) + (dy / 80.0).powi(2) <= 1.0;
            let finger = [(110, 120), (150, 160), (190, 170), (230, 150), (270, 90)]
                .iter()
                .any(|&(fx, len)| x >= fx && x < fx + 28 && y + len >= 230 && y < 240);
            *p = if palm || finger { 195 } else { 15 };
        }
    })
}

#[test]
fn classify_checks_quality_and_writes_heatmaps_cards_and_a_sortable_report() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train");
    let opts = PhantomSetOptions {
        count: 40,
        seed: 21,
        size: 384,
        ..Default::default()
    };
    write_set(&train, &opts).unwrap();
    let model = dir.path().join("m.lfm");
    let o = bin()
        .args(["train", "--trees", "40", "--data"])
        .arg(&train)
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(lungfield::classify::Model::load(&model)
        .unwrap()
        .heatmap
        .is_some());
    // The batch: two phantoms as they are, one inverted, one with little contrast, a hand,
    // and a lateral view.
    let inp = dir.path().join("in");
    std::fs::create_dir(&inp).unwrap();
    let write =
        |name: &str, g: &GrayU8| lungfield::io::write_png_gray8(&inp.join(name), g).unwrap();
    let tb = lungfield::phantom::make(384, 501, true).image;
    let normal = lungfield::phantom::make(384, 502, false).image;
    write("tb_1.png", &tb);
    write("normal_0.png", &normal);
    write("inverted_1.png", &tb.map(|&v| 255 - v));
    write("faint_0.png", &normal.map(|&v| 110 + v / 12));
    write("hand.png", &hand());
    // Seed 21 is a lateral view whose segmentation raises no flag at all.
    write("lateral.png", &lungfield::phantom::lateral(384, 21));
    std::fs::write(inp.join("empty.png"), b"").unwrap();
    let heat_dir = dir.path().join("heat");
    let cards = dir.path().join("cards");
    let csv = dir.path().join("out.csv");
    let o = bin()
        .args(["classify", "--json", "--model"])
        .arg(&model)
        .arg(&inp)
        .arg("--heatmaps")
        .arg(&heat_dir)
        .arg("--cards")
        .arg(&cards)
        .arg("-o")
        .arg(&csv)
        .output()
        .unwrap();
    let err = stderr(&o);
    // The hand is not scored: exit 1, one line naming it and its code.
    assert_eq!(o.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("hand.png")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("not_frontal_chest"), "{err}");
    // An unreadable file: one line naming it once, no row.
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("empty.png")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert_eq!(lines[0].matches("empty.png").count(), 1, "{err}");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 6, "every image has a row");
    let row = |id: &str| results.iter().find(|r| r["id"] == id).unwrap();
    let qc = |id: &str| -> Vec<String> {
        row(id)["qc"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect()
    };
    assert!(qc("tb_1").is_empty() && qc("normal_0").is_empty());
    assert_eq!(qc("inverted_1"), ["inverted"]);
    assert!(qc("faint_0").contains(&"low_contrast".to_string()));
    assert_eq!(qc("hand"), ["not_frontal_chest"]);
    assert!(row("hand")["score"].is_null() && row("hand")["label"] == "");
    assert_eq!(qc("lateral"), ["view_uncertain"], "{:?}", row("lateral"));
    // The inverted image is scored after inversion: as its upright self.
    assert_eq!(row("inverted_1")["score"], row("tb_1")["score"]);
    for id in ["tb_1", "normal_0", "inverted_1", "faint_0"] {
        assert!(row(id)["score"].is_number(), "{id}");
        // The heatmap at the input's size, zero outside the found lungs, and its overlay.
        let h = lungfield::io::decode_file(&heat_dir.join(format!("{id}_heatmap.png"))).unwrap();
        assert_eq!((h.width(), h.height()), (384, 384));
        let h = h.to_u8();
        assert!(
            h.get(0, 0) == 0 && h.get(192, 5) == 0,
            "zero outside the lungs"
        );
        assert!(heat_dir.join(format!("{id}_heatmap_overlay.png")).is_file());
        assert!(cards.join(format!("{id}_card.png")).is_file());
    }
    assert!(!heat_dir.join("hand_heatmap.png").exists());
    // The hand still gets a card saying why it was not scored.
    assert!(cards.join("hand_card.png").is_file());
    // The CSV carries the QC column; the report lists every image with its card.
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("id,score,probability,label,flags,qc\n"),
        "{text}"
    );
    assert!(text.contains("hand,,,,,not_frontal_chest"), "{text}");
    let html = std::fs::read_to_string(cards.join("report.html")).unwrap();
    for id in ["tb_1", "normal_0", "inverted_1", "faint_0", "hand"] {
        assert!(html.contains(&format!("src=\"{id}_card.png\"")), "{id}");
    }
    assert!(html.contains("table.sortable") && html.contains("not_frontal_chest"));
    // Deterministic: one thread gives the same model, scores and heatmaps byte for byte.
    let model1 = dir.path().join("m1.lfm");
    let o = bin()
        .args(["train", "-j", "1", "--trees", "40", "--data"])
        .arg(&train)
        .arg("-o")
        .arg(&model1)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read(&model).unwrap() == std::fs::read(&model1).unwrap(),
        "models differ"
    );
    let heat1 = dir.path().join("heat1");
    let csv1 = dir.path().join("out1.csv");
    let o = bin()
        .args(["classify", "-j", "1", "--model"])
        .arg(&model1)
        .arg(&inp)
        .arg("--heatmaps")
        .arg(&heat1)
        .arg("-o")
        .arg(&csv1)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&csv).unwrap(), std::fs::read(&csv1).unwrap());
    for id in ["tb_1", "inverted_1"] {
        let f = format!("{id}_heatmap.png");
        assert!(
            std::fs::read(heat_dir.join(&f)).unwrap() == std::fs::read(heat1.join(&f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn heatmaps_need_a_model_that_has_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-fixtures");
    let out = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["classify", "--model"])
        .arg(root.join("models/v1-phantom.lfm"))
        .arg(root.join("phantoms/images"))
        .arg("--heatmaps")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("retrain it"), "{}", stderr(&o));
}

#[test]
fn every_lateral_view_is_refused_or_flagged_and_none_is_taken_for_inverted() {
    // Lateral views the project makes: the midline check flags every one `view_uncertain`
    // before segmentation (one air field in the middle of the trunk, no bright midline), and
    // the segmentation refuses some outright (`not_frontal_chest`). None may pass unflagged,
    // and none may be taken for an inverted frontal film.
    let prior = ShapePrior::builtin().unwrap();
    let outcomes: Vec<(u64, Vec<QcCode>, bool, f64)> = (0..40u64)
        .into_par_iter()
        .map(|seed| {
            let img = Radiograph::U8(lungfield::phantom::lateral(384, seed));
            let measure = lungfield::qc::midline(&img).unwrap_or(f64::NAN);
            let checked = lungfield::qc::check(img, None);
            let mut codes = checked.codes.clone();
            let refused = match segment_with_prior(
                &checked.image,
                &SegmentOptions::default(),
                Some(&prior),
            ) {
                Err(_) => true,
                Ok(seg) => {
                    lungfield::qc::after(&mut codes, &seg);
                    false
                }
            };
            (seed, codes, refused, measure)
        })
        .collect();
    for (seed, codes, refused, _) in &outcomes {
        assert!(!codes.contains(&QcCode::Inverted), "{seed}: {codes:?}");
        assert!(
            *refused || codes.contains(&QcCode::ViewUncertain),
            "lateral {seed} passes: {codes:?}"
        );
    }
    let flagged_before = outcomes
        .iter()
        .filter(|(_, c, _, _)| c.first() == Some(&QcCode::ViewUncertain))
        .count();
    let refused = outcomes.iter().filter(|o| o.2).count();
    let highest = outcomes.iter().map(|o| o.3).fold(f64::MIN, f64::max);
    eprintln!(
        "lateral views: {flagged_before} of 40 flagged by the midline check (highest measure {highest:.3}), {refused} refused by the segmentation"
    );
}

#[test]
fn a_frontal_film_keeps_its_midline_with_one_lung_opacified_and_loses_it_with_both() {
    // One white lung leaves the mediastinum brighter than the mean of the two fields; both
    // white leave no midline, and the film is flagged, still scored (never refused for it).
    let measure = |sides: &[u8], seed: u64| {
        let mut p = lungfield::phantom::make(256, seed, false);
        let labels = lungfield::phantom::render(256, seed, false).labels;
        let mut mid: Vec<u8> = (80..160)
            .flat_map(|y| (120..136).map(move |x| (x, y)))
            .map(|(x, y)| p.image.get(x, y))
            .collect();
        mid.sort_unstable();
        let dense = mid[mid.len() / 2];
        for y in 0..256 {
            for x in 0..256 {
                if sides.contains(&labels.get(x, y)) {
                    p.image.set(x, y, dense);
                }
            }
        }
        let img = Radiograph::U8(p.image);
        (
            lungfield::qc::midline(&img).unwrap(),
            lungfield::qc::check(img, None).codes,
        )
    };
    for seed in 0..12 {
        let (clear, codes) = measure(&[], seed);
        assert!(codes.is_empty(), "{seed}: {codes:?}");
        for side in [1, 2] {
            let (one, codes) = measure(&[side], seed);
            assert!(codes.is_empty(), "{seed} side {side}: {one} {codes:?}");
            assert!(one < clear, "{seed}: {one} !< {clear}");
        }
    }
    let flagged = (0..12)
        .filter(|&seed| measure(&[1, 2], seed).1 == [QcCode::ViewUncertain])
        .count();
    eprintln!("white-out films: {flagged} of 12 flagged view_uncertain");
    assert!(flagged >= 6, "{flagged} of 12 white-out films flagged");
}
