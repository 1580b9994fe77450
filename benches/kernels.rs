//! Kernel and pipeline benchmarks: `cargo bench --bench kernels`. Bench ids are
//! `<kernel>/<level>/<size>` for every [`Kernels`] level this CPU has, the kernel names the
//! keys of `lungfield bench`.
//! Uses `../shared/data/jsrt-dev/images/JPCNN010.png` when present (the image the OpenCV
//! peer script is run on), else a 1024² phantom.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lungfield::simd::{gaussian, median, minmax, resize, threshold, Kernels};
use lungfield::{enhance, io, phantom, segment_radiograph, GrayU8, SegmentOptions};

fn image() -> GrayU8 {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/jsrt-dev/images/JPCNN010.png");
    match io::decode_file(&p) {
        Ok(img) => img.to_u8(),
        Err(_) => phantom::make(1024, 1, false).image,
    }
}

fn kernels(c: &mut Criterion) {
    let img = image();
    let size = format!("{}x{}", img.width(), img.height());
    let f = img.map(|&v| f32::from(v));
    eprintln!("instruction set: {}", lungfield::simd::instruction_set());
    let mut g = c.benchmark_group("gaussian_s2_u8");
    for &b in Kernels::available() {
        g.bench_function(BenchmarkId::new(b.name(), &size), |bench| {
            bench.iter(|| gaussian::gaussian_u8(&img, 2.0, b))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("gaussian_s2_f32");
    for &b in Kernels::available() {
        g.bench_function(BenchmarkId::new(b.name(), &size), |bench| {
            bench.iter(|| gaussian::gaussian_f32(&f, 2.0, b))
        });
    }
    g.finish();
    type Kernel<'a> = Box<dyn Fn(Kernels) + 'a>;
    let (_, bw) = threshold::otsu_u8(&img, Kernels::active());
    let dark = bw.map(|&v| u8::from(v == 0));
    let by_level: Vec<(&str, Kernel)> = vec![
        (
            "median3_u8",
            Box::new(|b| drop(median::median3_u8(&img, b))),
        ),
        (
            "median5_u8",
            Box::new(|b| drop(median::median5_u8(&img, b))),
        ),
        (
            "median7_u8",
            Box::new(|b| drop(median::median_u8(&img, 3, b))),
        ),
        (
            "median15_u8",
            Box::new(|b| drop(median::median_u8(&img, 7, b))),
        ),
        (
            "erode_disk7_u8",
            Box::new(|b| drop(minmax::erode_ellipse_u8(&img, 7, b))),
        ),
        (
            "dilate_disk7_u8",
            Box::new(|b| drop(minmax::dilate_ellipse_u8(&img, 7, b))),
        ),
        (
            "erode_rect15_u8",
            Box::new(|b| drop(minmax::erode_rect_u8(&img, 7, 7, b))),
        ),
        ("otsu_u8", Box::new(|b| drop(threshold::otsu_u8(&img, b)))),
        (
            "clahe_u8",
            Box::new(|b| drop(enhance::clahe_u8_with(&img, &Default::default(), b))),
        ),
        (
            "resize_half_u8",
            Box::new(|b| drop(resize::half_u8(&img, b))),
        ),
    ];
    for (name, k) in &by_level {
        let mut g = c.benchmark_group(*name);
        for &b in Kernels::available() {
            g.bench_function(BenchmarkId::new(b.name(), &size), |bench| {
                bench.iter(|| k(b))
            });
        }
        g.finish();
    }
    // Area resampling to the working resolution (256 on the longer side), as the pipeline
    // does first.
    let (ww, wh) = enhance::working_size(img.width(), img.height(), 256);
    let mut g = c.benchmark_group("area_resize_u8");
    for &b in Kernels::available() {
        g.bench_function(BenchmarkId::new(b.name(), &size), |bench| {
            bench.iter(|| enhance::area_resize_with(&img, ww, wh, b))
        });
    }
    g.finish();
    // 16-bit CLAHE (65536 bins) as the pipeline runs it on a 16-bit radiograph: at the
    // working resolution, on the image's grey levels spread to 16 bits.
    let small16 = enhance::area_resize(&img, ww, wh).map(|&v| (v * 257.0).round() as u16);
    c.bench_function(&format!("clahe_u16/scalar/{ww}x{wh}"), |bench| {
        bench.iter(|| enhance::clahe_u16(&small16, &Default::default()))
    });
    c.bench_function(&format!("ccl8_u8/scalar/{size}"), |bench| {
        bench.iter(|| lungfield::segment::components(&dark))
    });
    // The exact distance transform (HD95's surface distances, the prior's distance bins,
    // morphology with large disks): to the dark class and to the rest.
    c.bench_function(&format!("distance/scalar/{size}"), |bench| {
        bench.iter(|| {
            let a = lungfield::segment::distance::squared_distance(&dark, true, false);
            let b = lungfield::segment::distance::squared_distance(&dark, false, true);
            (a, b)
        })
    });
    // The same capped just past the shape prior's last distance bin (30 px).
    c.bench_function(&format!("distance_capped30/scalar/{size}"), |bench| {
        bench.iter(|| {
            let a = lungfield::segment::distance::squared_distance_capped(&dark, true, false, 30);
            let b = lungfield::segment::distance::squared_distance_capped(&dark, false, true, 30);
            (a, b)
        })
    });
}

fn pipeline(c: &mut Criterion) {
    let img = io::Radiograph::U8(image());
    let mut g = c.benchmark_group("segment_total");
    g.sample_size(20);
    g.bench_function("default", |b| {
        b.iter(|| segment_radiograph(&img, &SegmentOptions::default()))
    });
    g.bench_function("no_contour", |b| {
        b.iter(|| segment_radiograph(&img, &SegmentOptions::default().without_contour()))
    });
    g.finish();
    // The default segmentation (the built-in prior) at 1024², and a 3000-px film from its
    // PNG bytes to its mask's PNG bytes (what `lungfield segment` does per file).
    let prior = lungfield::prior::ShapePrior::builtin().unwrap();
    let mut g = c.benchmark_group("segment_builtin");
    g.sample_size(10);
    g.bench_function("1024", |b| {
        b.iter(|| lungfield::segment_with_prior(&img, &SegmentOptions::default(), Some(&prior)))
    });
    let big = lungfield::enhance::scale_cubic(&phantom::make(1024, 2, false).image, 2.9296875);
    let png = io::encode_png_gray8(&big).unwrap();
    g.bench_function("file_to_mask_3000", |b| {
        b.iter(|| {
            let img = io::decode_bytes(&png, std::path::Path::new("bench.png")).unwrap();
            let seg = lungfield::segment_with_prior(&img, &SegmentOptions::default(), Some(&prior))
                .unwrap();
            io::encode_png_gray8(&seg.mask_u8()).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, kernels, pipeline);
criterion_main!(benches);
