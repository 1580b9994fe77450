//! CLAHE against OpenCV 5.0.0 (`cv::createCLAHE`), the independent reference: the expected
//! images in data-fixtures/clahe/ were made by data-fixtures/clahe/make_reference.py.

use std::path::Path;

use lungfield::enhance::{clahe_u16, clahe_u8, ClaheOptions};
use lungfield::io::{decode_file, Radiograph};

fn load(name: &str) -> Radiograph {
    decode_file(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data-fixtures/clahe")
            .join(name),
    )
    .unwrap()
}

fn check(name: &str, clip: f32) {
    let opts = ClaheOptions {
        clip_limit: clip,
        tiles: (8, 8),
    };
    fn widen<T: Copy + Into<i64>>(p: &lungfield::Plane<T>) -> Vec<i64> {
        p.as_slice().iter().map(|&v| v.into()).collect()
    }
    let (got, want) = match (
        load(&format!("{name}_input.png")),
        load(&format!("{name}_opencv.png")),
    ) {
        (Radiograph::U8(i), Radiograph::U8(o)) => (widen(&clahe_u8(&i, &opts).unwrap()), widen(&o)),
        (Radiograph::U16(i), Radiograph::U16(o)) => {
            (widen(&clahe_u16(&i, &opts).unwrap()), widen(&o))
        }
        _ => panic!("{name}: input and reference differ in bit depth"),
    };
    assert_eq!(got.len(), want.len());
    let max_diff = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .max()
        .unwrap();
    let exact = got.iter().zip(&want).filter(|(a, b)| a == b).count();
    // OpenCV interpolates in f32 with a different association; allow a rounding step.
    assert!(max_diff <= 1, "{name}: max difference {max_diff}");
    assert!(
        exact as f64 >= 0.98 * got.len() as f64,
        "{name}: only {exact} of {} pixels identical",
        got.len()
    );
}

#[test]
fn clahe_u8_divisible_size_matches_opencv() {
    check("u8_64x64", 2.0);
}

#[test]
fn clahe_u8_padded_size_matches_opencv() {
    check("u8_67x53", 2.0);
}

#[test]
fn clahe_u8_other_clip_matches_opencv() {
    check("u8_40x37_clip4", 4.0);
}

#[test]
fn clahe_u16_matches_opencv() {
    check("u16_48x45", 2.0);
}
