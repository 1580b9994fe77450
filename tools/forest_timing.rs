//! Times forest training on synthetic data the shape of the benchmark (600 × 150,
//! 200 trees), for comparison with scikit-learn's RandomForestClassifier(200, n_jobs=1):
//! `cargo run --release --example forest_timing -- [ROWS] [FEATURES] [TREES]`.
use lungfield::classify::{Forest, ForestOptions};
use lungfield::phantom::Rng;

fn main() -> anyhow::Result<()> {
    let a: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let (rows, cols, trees) = (
        a.first().copied().unwrap_or(600),
        a.get(1).copied().unwrap_or(150),
        a.get(2).copied().unwrap_or(200),
    );
    let mut r = Rng::new(1);
    let y: Vec<u8> = (0..rows).map(|i| (i % 2) as u8).collect();
    let x: Vec<Vec<f64>> = y
        .iter()
        .map(|&c| {
            (0..cols)
                .map(|j| r.normal() + if j < 10 { 0.5 * f64::from(c) } else { 0.0 })
                .collect()
        })
        .collect();
    let opts = ForestOptions {
        trees,
        ..Default::default()
    };
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let f = pool.install(|| Forest::train(&x, &y, &opts))?;
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(f.len(), trees);
        }
        println!("{rows} x {cols}, {trees} trees, {threads} thread(s): {best:.0} ms (best of 3)");
    }
    Ok(())
}
