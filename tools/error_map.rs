//! Where the segmentation errs over a dataset: per-image Dice with the false-positive and
//! false-negative fractions (of the expert area), and a heat map of both over the image frame
//! (red = false positive, green = false negative), written as `OUT/error_map.png`.
//!
//! `cargo run --release --example error_map -- ../shared/data/jsrt-dev /tmp/errors`; with
//! `PRIOR=1`, each half of the images is segmented with a shape prior fitted on the other.
use lungfield::*;
use rayon::prelude::*;

const G: usize = 128;

struct Errors {
    id: String,
    dice: f64,
    fp: Vec<f64>,
    fneg: Vec<f64>,
    fp_total: f64,
    fn_total: f64,
}

fn errors(
    s: &io::Sample,
    opts: &SegmentOptions,
    prior: Option<&prior::ShapePrior>,
) -> anyhow::Result<Errors> {
    let img = io::decode_file(&s.image)?;
    let mask = s.mask.as_ref().ok_or_else(|| anyhow::anyhow!("no mask"))?;
    let truth = io::read_mask(mask)?;
    let pred = segment_with_prior(&img, opts, prior)
        .map(|g| g.binary())
        .unwrap_or_else(|_| Mask::new(img.width(), img.height()));
    let (w, h) = (truth.width(), truth.height());
    let (mut fp, mut fneg) = (vec![0f64; G * G], vec![0f64; G * G]);
    let (mut tp, mut nfp, mut nfn) = (0usize, 0usize, 0usize);
    for y in 0..h {
        for x in 0..w {
            let cell = (y * G / h) * G + x * G / w;
            match (pred.get(x, y) != 0, truth.get(x, y) != 0) {
                (true, true) => tp += 1,
                (true, false) => {
                    nfp += 1;
                    fp[cell] += 1.0;
                }
                (false, true) => {
                    nfn += 1;
                    fneg[cell] += 1.0;
                }
                _ => {}
            }
        }
    }
    let gt = (tp + nfn).max(1) as f64;
    fp.iter_mut().chain(fneg.iter_mut()).for_each(|v| *v /= gt);
    Ok(Errors {
        id: s.id.clone(),
        dice: 2.0 * tp as f64 / (2 * tp + nfp + nfn).max(1) as f64,
        fp,
        fneg,
        fp_total: nfp as f64 / gt,
        fn_total: nfn as f64 / gt,
    })
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: error_map DATA [OUT]"))?;
    let out = args.next().unwrap_or_else(|| "error-map".into());
    let data = io::Dataset::open(root.as_ref())?;
    let opts = SegmentOptions::default();
    let scored: Vec<&io::Sample> = data
        .samples
        .iter()
        .filter(|s| s.mask.is_some() && !s.degraded)
        .collect();
    // With PRIOR=1, a 2-fold prior: fitted on every other image, scored on the rest.
    let with_prior = std::env::var("PRIOR").is_ok_and(|v| v == "1");
    let mut rows: Vec<Errors> = Vec::new();
    for fold in 0..if with_prior { 2 } else { 1 } {
        let prior = if with_prior {
            let shapes = scored
                .iter()
                .skip(1 - fold)
                .step_by(2)
                .filter_map(|s| {
                    let img = io::decode_file(&s.image).ok()?;
                    prior::PairShape::from_sample(&s.id, &img, s.mask.as_ref()?, &opts)
                        .ok()
                        .flatten()
                })
                .collect();
            Some(prior::ShapePrior::from_shapes(shapes, Vec::new())?)
        } else {
            None
        };
        let step = if with_prior { 2 } else { 1 };
        let part: Vec<&io::Sample> = scored.iter().skip(fold).step_by(step).copied().collect();
        let got: Vec<Errors> = part
            .par_iter()
            .map(|s| errors(s, &opts, prior.as_ref()))
            .collect::<anyhow::Result<_>>()?;
        rows.extend(got);
    }
    rows.sort_by(|a, b| a.dice.total_cmp(&b.dice));
    let n = rows.len().max(1) as f64;
    let (mut hfp, mut hfn) = (vec![0f64; G * G], vec![0f64; G * G]);
    for r in &rows {
        println!(
            "{} dice {:.4} fp {:.3} fn {:.3}",
            r.id, r.dice, r.fp_total, r.fn_total
        );
        for i in 0..G * G {
            hfp[i] += r.fp[i];
            hfn[i] += r.fneg[i];
        }
    }
    let fp: f64 = rows.iter().map(|r| r.fp_total).sum::<f64>() / n;
    let fneg: f64 = rows.iter().map(|r| r.fn_total).sum::<f64>() / n;
    println!(
        "{} images: mean false positive {fp:.4}, false negative {fneg:.4} of the expert area",
        rows.len()
    );
    let max = hfp
        .iter()
        .chain(&hfn)
        .cloned()
        .fold(f64::MIN_POSITIVE, f64::max);
    let mut rgb = vec![0u8; G * G * 3];
    for i in 0..G * G {
        rgb[3 * i] = (255.0 * hfp[i] / max) as u8;
        rgb[3 * i + 1] = (255.0 * hfn[i] / max) as u8;
    }
    std::fs::create_dir_all(&out)?;
    io::write_png_rgb8(format!("{out}/error_map.png").as_ref(), &rgb, G, G)?;
    Ok(())
}
