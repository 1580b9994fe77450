//! `lungfield bench`: single-thread median timings of lungfield's kernels on one image, under
//! the keys and definitions of the OpenCV peer script (`../shared/peer/opencv_bench.py`), so
//! the two can be divided key by key; plus `segment_total`, the whole segmentation.
//!
//! Timing as the peer does it: three warm-up runs, then at least `runs` runs and half a
//! second, median. Everything runs on the calling thread.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lungfield::enhance::{clahe_u8, ClaheOptions};
use lungfield::io::Radiograph;
use lungfield::simd::{gaussian, median, minmax, resize, threshold, Kernels};
use lungfield::GrayU8;

/// The keys, in the peer's order, then lungfield's own: the histogram medians of 7×7 and
/// 15×15 (`median7_u8`, `median15_u8`: the same definition as OpenCV's `medianBlur` with
/// `ksize` 7 and 15, which the peer script does not time), the whole segmentation
/// (`segment_total`) and, given a prior, the segmentation with it (`segment_prior`); the
/// features of the found lungs (`features`, the local evidence maps included) and what the
/// heatmap adds to them (`heatmap`: the local maps, the map, and the map at the image's size).
pub const KEYS: [&str; 18] = [
    "clahe_u8",
    "gaussian_s2_u8",
    "gaussian_s2_f32",
    "median3_u8",
    "median5_u8",
    "erode_disk7_u8",
    "dilate_disk7_u8",
    "erode_rect15_u8",
    "otsu_u8",
    "ccl8_u8",
    "resize_half_u8",
    "median7_u8",
    "median15_u8",
    "segment_total",
    "segment_prior",
    "file_to_mask",
    "features",
    "heatmap",
];

/// What `--json` writes.
#[derive(Debug, serde::Serialize)]
pub struct BenchReport {
    /// The image's path as given.
    pub image: String,
    /// Width after scaling.
    pub width: usize,
    /// Height after scaling.
    pub height: usize,
    /// The SIMD instruction set of this build.
    pub instruction_set: String,
    /// Median milliseconds per key.
    pub ms: BTreeMap<String, f64>,
}

/// Median time in ms of `f`: 3 warm-ups, then at least `runs` runs and 0.5 s.
pub fn median_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..3 {
        std::hint::black_box(f());
    }
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < runs.max(1) || start.elapsed() < Duration::from_millis(500) {
        let t = Instant::now();
        std::hint::black_box(f());
        times.push(t.elapsed().as_secs_f64() * 1e3);
        if times.len() > 100_000 {
            break;
        }
    }
    lungfield::metrics::percentile(&mut times, 50.0)
}

/// Times every key (or those in `only`) on `img`; `segment_prior` (the whole segmentation
/// with a shape prior) only when `prior` is given; `file_to_mask` (the bytes of an image
/// file to the bytes of its mask PNG: decoding, segmenting with `prior`, encoding) only
/// when `file` (the file's bytes) is given too.
pub fn run(
    img: &GrayU8,
    runs: usize,
    only: &[String],
    prior: Option<&lungfield::prior::ShapePrior>,
    file: Option<&[u8]>,
) -> BTreeMap<String, f64> {
    let wanted = |k: &str| only.is_empty() || only.iter().any(|o| o == k);
    let b = Kernels::active();
    let f = img.map(|&v| f32::from(v));
    let clahe = ClaheOptions::default();
    let (_, bw) = threshold::otsu_u8(img, b);
    let dark = bw.map(|&v| u8::from(v == 0));
    let radiograph = Radiograph::U8(img.clone());
    let seg = lungfield::SegmentOptions::default();
    let mut out = BTreeMap::new();
    let mut time = |key: &str, ms: &mut dyn FnMut() -> f64| {
        if wanted(key) {
            out.insert(key.to_string(), ms());
        }
    };
    time("clahe_u8", &mut || {
        median_ms(runs, || clahe_u8(img, &clahe))
    });
    time("gaussian_s2_u8", &mut || {
        median_ms(runs, || gaussian::gaussian_u8(img, 2.0, b))
    });
    time("gaussian_s2_f32", &mut || {
        median_ms(runs, || gaussian::gaussian_f32(&f, 2.0, b))
    });
    time("median3_u8", &mut || {
        median_ms(runs, || median::median3_u8(img, b))
    });
    time("median5_u8", &mut || {
        median_ms(runs, || median::median5_u8(img, b))
    });
    time("erode_disk7_u8", &mut || {
        median_ms(runs, || minmax::erode_ellipse_u8(img, 7, b))
    });
    time("dilate_disk7_u8", &mut || {
        median_ms(runs, || minmax::dilate_ellipse_u8(img, 7, b))
    });
    time("erode_rect15_u8", &mut || {
        median_ms(runs, || minmax::erode_rect_u8(img, 7, 7, b))
    });
    time("otsu_u8", &mut || {
        median_ms(runs, || threshold::otsu_u8(img, b))
    });
    time("ccl8_u8", &mut || {
        median_ms(runs, || lungfield::segment::components(&dark))
    });
    time("resize_half_u8", &mut || {
        median_ms(runs, || resize::half_u8(img, b))
    });
    for (key, r) in [("median7_u8", 3), ("median15_u8", 7)] {
        time(key, &mut || {
            median_ms(runs, || median::median_u8(img, r, b))
        });
    }
    time("segment_total", &mut || {
        median_ms(runs, || lungfield::segment_radiograph(&radiograph, &seg))
    });
    if let Some(p) = prior {
        time("segment_prior", &mut || {
            median_ms(runs, || {
                lungfield::segment_with_prior(&radiograph, &seg, Some(p))
            })
        });
        if let Some(bytes) = file {
            time("file_to_mask", &mut || {
                median_ms(runs, || {
                    let img = lungfield::io::decode_bytes(bytes, std::path::Path::new("bench"))?;
                    let seg = lungfield::segment_with_prior(&img, &seg, Some(p))?;
                    lungfield::io::encode_png_mask(&seg.mask_u8())
                })
            });
        }
    }
    if wanted("features") || wanted("heatmap") {
        if let Ok(found) = lungfield::segment_with_prior(&radiograph, &seg, prior) {
            let feat = lungfield::features::FeatureOptions::default();
            let labels = &found.labels;
            time("features", &mut || {
                median_ms(runs, || {
                    lungfield::features::extract_local(
                        &radiograph,
                        labels,
                        &found.provenance,
                        &feat,
                    )
                })
            });
            time("heatmap", &mut || {
                heatmap_ms(&radiograph, labels, &feat, runs)
            });
        }
    }
    out
}

/// `heatmap`: the local maps from a feature image and its blob responses (which the
/// features compute anyway), the map, and the map at the image's size. The heatmap model is
/// fitted on the image itself (its values do not change the time).
fn heatmap_ms(
    img: &Radiograph,
    labels: &lungfield::Labels,
    feat: &lungfield::features::FeatureOptions,
    runs: usize,
) -> f64 {
    use lungfield::features::{blobs, dog, hessian_blobs, local, FeatureImage};
    let Ok(fi) = FeatureImage::new(img, labels, feat.size, feat.lung_box) else {
        return f64::NAN;
    };
    let scale = feat.size as f32 / 512.0;
    let fine = dog(&fi.img, blobs::SCALES[0].0, scale);
    let coarse = dog(&fi.img, blobs::SCALES[1].0, scale);
    let hess = hessian_blobs(&fi.img, blobs::HESSIAN_SCALES[0].0, scale);
    let maps = local::local_maps(&fi, [&fine, &coarse, &hess], scale);
    let s = maps.sample(lungfield::features::LOCAL_STRIDE);
    let Ok(model) = lungfield::heatmap::HeatModel::fit(&[(&s, 0), (&s, 1)]) else {
        return f64::NAN;
    };
    median_ms(runs, || {
        let maps = local::local_maps(&fi, [&fine, &coarse, &hess], scale);
        model.heat(&maps, scale).at_size(labels)
    })
}
