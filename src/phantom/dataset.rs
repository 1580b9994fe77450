//! Writing a phantom set in SZ-CXR layout: `images/PHANTOM_0001_0.png`,
//! `masks/PHANTOM_0001_0_mask.png` and `MANIFEST.csv`, in parallel and byte-identical at any
//! thread count (each image has its own seed, derived from the set's seed and its number).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{render, Rng};
use crate::error::{Error, Result};
use crate::io::{encode_png_gray16, encode_png_gray8, write_atomic};

/// What to make.
#[derive(Clone, Debug)]
pub struct PhantomSetOptions {
    /// Number of images.
    pub count: usize,
    /// The set's seed.
    pub seed: u64,
    /// Fraction of TB-like images (`_1`), spread evenly through the set.
    pub tb_fraction: f64,
    /// Side of the square images in pixels.
    pub size: usize,
    /// 8 or 16 bits per pixel.
    pub bits: u8,
}

impl Default for PhantomSetOptions {
    fn default() -> Self {
        PhantomSetOptions {
            count: 40,
            seed: 1,
            tb_fraction: 0.5,
            size: 512,
            bits: 8,
        }
    }
}

/// One row of `MANIFEST.csv`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ManifestRow {
    /// File stem.
    pub id: String,
    /// 0 normal, 1 TB-like.
    pub label: u8,
    /// Severity of the findings, 0..1.
    pub severity: f64,
    /// The findings drawn, `;`-separated.
    pub findings: String,
    /// The image's own seed.
    pub seed: u64,
    /// Bits per pixel.
    pub bits: u8,
    /// Side in pixels.
    pub size: usize,
    /// Always 0 (the column `Dataset::open` reads).
    pub degraded: u8,
}

/// What [`write_set`] wrote.
#[derive(Clone, Debug)]
pub struct SetReport {
    /// The set's folder.
    pub root: PathBuf,
    /// One row per image, in order.
    pub rows: Vec<ManifestRow>,
}

/// Whether image `i` of `count` is TB-like: the first `round(count · f)` of an even spread.
fn is_tb(i: usize, count: usize, f: f64) -> bool {
    let f = f.clamp(0.0, 1.0);
    let before = (i as f64 * f).round() as usize;
    let after = ((i + 1) as f64 * f).round() as usize;
    after > before && count > 0
}

/// Makes the set under `dir` (created if needed). Uses rayon's current pool.
///
/// # Errors
/// [`Error::InvalidOption`] for a size below 64, bits other than 8 or 16, or a TB fraction
/// outside 0..=1; [`Error::Io`] naming the file that could not be written.
pub fn write_set(dir: &Path, opts: &PhantomSetOptions) -> Result<SetReport> {
    if opts.size < 64 {
        return Err(Error::InvalidOption(format!(
            "phantom size {} is too small (at least 64)",
            opts.size
        )));
    }
    if opts.bits != 8 && opts.bits != 16 {
        return Err(Error::InvalidOption(format!(
            "phantom bits must be 8 or 16, not {}",
            opts.bits
        )));
    }
    if !(0.0..=1.0).contains(&opts.tb_fraction) {
        return Err(Error::InvalidOption(format!(
            "TB fraction {} is outside 0..1",
            opts.tb_fraction
        )));
    }
    for sub in ["images", "masks"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(|source| Error::Io {
            path: d.clone(),
            source,
        })?;
    }
    let base = Rng::new(opts.seed);
    let rows = (0..opts.count)
        .into_par_iter()
        .map(|i| {
            let tb = is_tb(i, opts.count, opts.tb_fraction);
            let seed = base.fork(i as u64).next_u64();
            let p = render(opts.size, seed, tb);
            let id = format!("PHANTOM_{:04}_{}", i + 1, u8::from(tb));
            let png = if opts.bits == 16 {
                encode_png_gray16(&p.to_u16())?
            } else {
                encode_png_gray8(&p.to_u8())?
            };
            write_atomic(&dir.join("images").join(format!("{id}.png")), &png)?;
            let mask = encode_png_gray8(&p.labels.map(|&v| if v != 0 { 255 } else { 0 }))?;
            write_atomic(&dir.join("masks").join(format!("{id}_mask.png")), &mask)?;
            Ok(ManifestRow {
                id,
                label: u8::from(tb),
                severity: (p.severity * 1000.0).round() / 1000.0,
                findings: p
                    .findings
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(";"),
                seed,
                bits: opts.bits,
                size: opts.size,
                degraded: 0,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r)
            .map_err(|e| Error::InvalidOption(format!("MANIFEST.csv: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::InvalidOption(format!("MANIFEST.csv: {e}")))?;
    write_atomic(&dir.join("MANIFEST.csv"), &bytes)?;
    Ok(SetReport {
        root: dir.to_path_buf(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tb_images_are_spread_evenly() {
        let tb: Vec<bool> = (0..10).map(|i| is_tb(i, 10, 0.3)).collect();
        assert_eq!(tb.iter().filter(|&&t| t).count(), 3);
        assert!((0..10).all(|i| !is_tb(i, 10, 0.0)));
        assert!((0..10).all(|i| is_tb(i, 10, 1.0)));
    }
}
