//! Classifier benchmarks: `cargo bench --bench classifier`. Feature extraction on a 1024²
//! phantom, forest training on 600 × 150 synthetic features with 200 trees (the shape of the
//! scikit-learn comparison in the README), and prediction.

use criterion::{criterion_group, criterion_main, Criterion};
use lungfield::classify::{Forest, ForestOptions};
use lungfield::features::{extract, FeatureOptions};
use lungfield::io::Radiograph;
use lungfield::phantom::{render, Rng};

fn features(c: &mut Criterion) {
    let p = render(1024, 5, true);
    let img = Radiograph::U8(p.to_u8());
    let opts = FeatureOptions::default();
    c.bench_function("features/1024", |b| {
        b.iter(|| extract(&img, &p.labels, &opts))
    });
}

fn forest(c: &mut Criterion) {
    let mut r = Rng::new(1);
    let y: Vec<u8> = (0..600).map(|i| (i % 2) as u8).collect();
    let x: Vec<Vec<f64>> = y
        .iter()
        .map(|&k| {
            (0..150)
                .map(|j| r.normal() + if j < 10 { 0.5 * f64::from(k) } else { 0.0 })
                .collect()
        })
        .collect();
    let opts = ForestOptions::default();
    let mut g = c.benchmark_group("forest");
    g.sample_size(10);
    g.bench_function("train/600x150/200trees", |b| {
        b.iter(|| Forest::train(&x, &y, &opts))
    });
    if let Ok(f) = Forest::train(&x, &y, &opts) {
        g.bench_function("predict/600x150/200trees", |b| {
            b.iter(|| f.predict_proba(&x))
        });
    }
    g.finish();
}

criterion_group!(benches, features, forest);
criterion_main!(benches);
