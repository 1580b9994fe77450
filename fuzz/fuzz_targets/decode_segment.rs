//! Arbitrary bytes through decode → segment → features (and the mask reader): lungfield must
//! return an error for whatever it cannot use, never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lungfield::{features, io, segment_radiograph, SegmentOptions};

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.png");
    let Ok(img) = io::decode_bytes(data, path) else {
        return;
    };
    // Keep each run short: radiographs larger than 1 MPix add time, not coverage.
    if img.width() * img.height() > 1 << 20 {
        return;
    }
    let opts = SegmentOptions {
        work_size: 64,
        ..Default::default()
    };
    if let Ok(seg) = segment_radiograph(&img, &opts) {
        let fo = features::FeatureOptions {
            size: 64,
            ..Default::default()
        };
        let _ = features::extract(&img, &seg.labels, &fo);
    }
});
