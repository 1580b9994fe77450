//! `lungfield bench`: times each stage on one image, one thread.

use anyhow::Context;
use lungfield::prior::ShapePrior;

pub fn run(a: &crate::args::BenchArgs) -> anyhow::Result<bool> {
    if let Some(path) = &a.json {
        crate::outputs::writable_file(path)?;
    }
    let mut img = lungfield::io::decode_file(&a.image)?.to_u8();
    if let Some(k) = a.scale {
        if !(k > 0.0 && k <= 16.0) {
            anyhow::bail!("--scale {k} is outside (0, 16]");
        }
        img = lungfield::enhance::scale_cubic(&img, k);
    }
    let isa = lungfield::simd::instruction_set();
    println!(
        "# lungfield {}, 1 thread, image {}x{}, instruction set: {isa}",
        env!("CARGO_PKG_VERSION"),
        img.width(),
        img.height()
    );
    let prior = match &a.prior {
        Some(p) => ShapePrior::load(p)?,
        None => ShapePrior::builtin()?,
    };
    // The file as it is (not scaled): what `segment` reads.
    let file = match a.scale {
        None => Some(
            std::fs::read(&a.image).with_context(|| format!("reading {}", a.image.display()))?,
        ),
        Some(_) => None,
    };
    let ms = crate::bench::run(&img, a.runs, &a.only, Some(&prior), file.as_deref());
    let mpix = (img.width() * img.height()) as f64 / 1e6;
    for key in crate::bench::KEYS {
        if let Some(m) = ms.get(key) {
            println!(
                "{key:<18} {:>4}x{:<4} {m:>10.3} ms {:>10.1} MPix/s",
                img.width(),
                img.height(),
                mpix / (m / 1e3)
            );
        }
    }
    if let Some(path) = &a.json {
        let report = crate::bench::BenchReport {
            image: a.image.display().to_string(),
            width: img.width(),
            height: img.height(),
            instruction_set: isa.to_string(),
            ms,
        };
        lungfield::io::write_atomic(path, &serde_json::to_vec_pretty(&report)?)?;
    }
    Ok(true)
}
