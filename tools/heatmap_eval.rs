//! The heatmap on phantoms, where the generator knows each lesion: fits the heatmap on
//! `TRAIN` normal and `TRAIN` TB phantoms, then scores `TEST` other TB phantoms: the pointing
//! hit rate (the map's maximum inside a lesion) and the AUC of the map's values for lesion
//! against other lung pixels.
//! `TRAIN=60 TEST=100 SIZE=512 cargo run --release --example heatmap_eval`.
use lungfield::features::{extract_local, FeatureOptions, LocalMaps, LOCAL_STRIDE};
use lungfield::heatmap::{points_at, HeatModel};
use lungfield::io::Radiograph;
use lungfield::prior::ShapePrior;
use lungfield::{segment_with_prior, SegmentOptions};
use rayon::prelude::*;

fn env(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn maps(
    size: usize,
    seed: u64,
    tb: bool,
    prior: &ShapePrior,
) -> (
    lungfield::phantom::Rendered,
    lungfield::Segmentation,
    LocalMaps,
) {
    let r = lungfield::phantom::render(size, seed, tb);
    let img = Radiograph::U8(r.to_u8());
    let seg = segment_with_prior(&img, &SegmentOptions::default(), Some(prior)).unwrap();
    let (_, m) = extract_local(
        &img,
        &seg.labels,
        &seg.provenance,
        &FeatureOptions::default(),
    )
    .unwrap();
    (r, seg, m)
}

fn main() {
    let (train, test, size) = (env("TRAIN", 60), env("TEST", 100), env("SIZE", 512));
    let prior = ShapePrior::builtin().unwrap();
    let t0 = std::time::Instant::now();
    let samples: Vec<(lungfield::features::LocalSample, u8)> = (0..2 * train)
        .into_par_iter()
        .map(|i| {
            let tb = i % 2 == 1;
            let (_, _, m) = maps(size, 10_000 + i as u64, tb, &prior);
            (m.sample(LOCAL_STRIDE), u8::from(tb))
        })
        .collect();
    let refs: Vec<(&lungfield::features::LocalSample, u8)> =
        samples.iter().map(|(s, y)| (s, *y)).collect();
    let model = HeatModel::fit(&refs).unwrap();
    eprintln!(
        "fitted on {} phantoms in {:.1} s; weights {:?}",
        2 * train,
        t0.elapsed().as_secs_f64(),
        model.weights
    );
    let scale = FeatureOptions::default().size as f32 / 512.0;
    let results: Vec<(bool, f64, u8)> = (0..test)
        .into_par_iter()
        .map(|i| {
            let (r, seg, m) = maps(size, 50_000 + i as u64, true, &prior);
            let heat = model.heat(&m, scale).at_size(&seg.labels);
            let hit = points_at(&heat, &r.lesions);
            let mut s = Vec::new();
            let mut y = Vec::new();
            for ((&h, &l), &les) in heat
                .as_slice()
                .iter()
                .zip(seg.labels.as_slice())
                .zip(r.lesions.as_slice())
            {
                if l != 0 {
                    s.push(f64::from(h));
                    y.push(les);
                }
            }
            (
                hit,
                lungfield::metrics::auc(&s, &y).unwrap_or(f64::NAN),
                heat.as_slice().iter().copied().max().unwrap_or(0),
            )
        })
        .collect();
    let hits = results.iter().filter(|r| r.0).count();
    let aucs: Vec<f64> = results
        .iter()
        .map(|r| r.1)
        .filter(|a| a.is_finite())
        .collect();
    let normal_peaks: Vec<u8> = (0..test.min(50))
        .into_par_iter()
        .map(|i| {
            let (_, seg, m) = maps(size, 90_000 + i as u64, false, &prior);
            model
                .heat(&m, scale)
                .at_size(&seg.labels)
                .as_slice()
                .iter()
                .copied()
                .max()
                .unwrap_or(0)
        })
        .collect();
    let tb_peak = results.iter().map(|r| f64::from(r.2)).sum::<f64>() / results.len() as f64;
    let n_peak =
        normal_peaks.iter().map(|&p| f64::from(p)).sum::<f64>() / normal_peaks.len().max(1) as f64;
    println!(
        "heatmap on {test} TB phantoms ({size} px; fitted on {train}+{train}): pointing hit rate {:.3} ({hits}/{test}); lesion-pixel AUC mean {:.3} (n {}); mean peak TB {tb_peak:.0}, normal {n_peak:.0}",
        hits as f64 / test as f64,
        aucs.iter().sum::<f64>() / aucs.len().max(1) as f64,
        aucs.len()
    );
}
