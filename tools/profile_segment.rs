//! Segments every non-degraded image of a dataset twice on one thread, decoding excluded, and
//! prints the mean time: a steady loop to run under `perf record`.
//!
//! `cargo run --release --example profile_segment -- ../shared/data/jsrt-dev`
use lungfield::*;

fn main() -> anyhow::Result<()> {
    let root = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: profile_segment DATA"))?;
    let data = io::Dataset::open(root.as_ref())?;
    let imgs = data
        .samples
        .iter()
        .filter(|s| !s.degraded)
        .map(|s| io::decode_file(&s.image))
        .collect::<Result<Vec<_>>>()?;
    let opts = SegmentOptions::default();
    let t = std::time::Instant::now();
    let mut n = 0usize;
    for _ in 0..2 {
        for img in &imgs {
            let _ = segment_radiograph(img, &opts);
            n += 1;
        }
    }
    println!(
        "{:.2} ms/image over {n} runs",
        t.elapsed().as_secs_f64() * 1e3 / n.max(1) as f64
    );
    Ok(())
}
