//! Classifier benchmarks: `cargo bench --bench classifier`. Feature extraction on a 1024² and
//! a 3000² phantom, forest training on 600 × 150 synthetic features with 200 trees (the shape
//! of the scikit-learn comparison in docs/CLASSIFIER.md), and prediction; training on 300 images ×
//! the default feature set (the forest alone, its linear partner alone, and the whole model
//! with its out-of-fold calibration); one chunk of 25 trees on the same rows, one thread,
//! grown by smartcore and by `forest::cart` (the same trees).

use criterion::{criterion_group, criterion_main, Criterion};
use lungfield::classify::{Forest, ForestOptions, Linear, LinearOptions};
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
    let p = render(3000, 5, true);
    let img = Radiograph::U8(p.to_u8());
    c.bench_function("features/3000", |b| {
        b.iter(|| extract(&img, &p.labels, &opts))
    });
}

/// 300 images × the default feature set, 40 % TB, a weak signal in 20 features.
fn training_set() -> (Vec<String>, Vec<Vec<f64>>, Vec<u8>, Vec<String>) {
    let n_features = lungfield::features::feature_names(&FeatureOptions::default()).len();
    let mut r = Rng::new(2);
    let y: Vec<u8> = (0..300).map(|i| u8::from(i % 5 < 2)).collect();
    let x = y
        .iter()
        .map(|&k| {
            (0..n_features)
                .map(|j| r.normal() + if j < 20 { 0.6 * f64::from(k) } else { 0.0 })
                .collect()
        })
        .collect();
    let ids = (0..300).map(|i| format!("img{i}")).collect();
    (ids, x, y, vec!["site".into(); 300])
}

fn training(c: &mut Criterion) {
    let (ids, x, y, sites) = training_set();
    let mut g = c.benchmark_group("train_300");
    g.sample_size(10);
    g.bench_function("forest", |b| {
        b.iter(|| Forest::train(&x, &y, &ForestOptions::default()))
    });
    g.bench_function("linear", |b| {
        b.iter(|| Linear::train(&x, &y, &LinearOptions::default()))
    });
    let set = lungfield::classify::TrainingSet {
        ids: &ids,
        x: &x,
        y: &y,
        sites: &sites,
        local: &[],
    };
    g.bench_function("model_with_calibration", |b| {
        b.iter(|| {
            lungfield::classify::Model::train(
                set,
                &Default::default(),
                &FeatureOptions::default(),
                &Default::default(),
            )
        })
    });
    // The same rows from three sites: the operating points come from leave-one-site-out
    // refits (TrainOptions::by_site), as `lungfield train` with three --data folders.
    let three: Vec<String> = (0..300).map(|i| format!("site{}", i % 3)).collect();
    let set = lungfield::classify::TrainingSet {
        sites: &three,
        ..set
    };
    g.bench_function("model_three_sites", |b| {
        b.iter(|| {
            lungfield::classify::Model::train(
                set,
                &Default::default(),
                &FeatureOptions::default(),
                &Default::default(),
            )
        })
    });
    g.finish();
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

/// One chunk (25 trees) of the screen's forest on 300 images × the default feature set, one
/// thread: smartcore's own `fit` against `forest::cart`, which grows the same trees.
fn grower(c: &mut Criterion) {
    use lungfield::forest::cart::{grow_chunk, ChunkParams, Columns};
    use smartcore::ensemble::random_forest_regressor::RandomForestRegressor;
    use smartcore::linalg::basic::matrix::DenseMatrix;
    let (_, x, y, _) = training_set();
    let yf: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
    let mtry = (x[0].len() as f64).sqrt() as usize;
    let p = ChunkParams {
        trees: 25,
        mtry,
        min_samples_leaf: 1,
        max_depth: None,
        keep_samples: false,
        seed: 7,
    };
    let mut g = c.benchmark_group("grower_300");
    g.sample_size(10);
    g.bench_function("smartcore", |b| {
        b.iter(|| {
            let m = DenseMatrix::from_2d_vec(&x).expect("rows");
            RandomForestRegressor::<f64, f64, DenseMatrix<f64>, Vec<f64>>::fit(
                &m,
                &yf,
                p.smartcore(),
            )
        })
    });
    g.bench_function("cart", |b| {
        b.iter(|| {
            let v = Columns::new(&x).and_then(|cols| grow_chunk(&cols, &yf, &p));
            v.map(serde_json::from_value::<RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>>)
        })
    });
    g.finish();
}

criterion_group!(benches, features, forest, training, grower);
criterion_main!(benches);
