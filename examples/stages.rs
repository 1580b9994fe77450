use lungfield::*;
use std::time::Instant;
fn main() {
    let img = io::decode_file("../shared/data/jsrt-dev/images/JPCNN010.png".as_ref()).unwrap();
    let opts = SegmentOptions::default();
    for _ in 0..3 {
        let t = Instant::now(); let w = working_image(&img, &opts).unwrap(); let t1 = t.elapsed();
        let t = Instant::now(); let m = w.map(|&v| u8::from(v < 100)); let _ = segment::open(&m, 3); let t2 = t.elapsed();
        let t = Instant::now(); let _ = segment::distance::squared_distance(&m, true, false); let t3 = t.elapsed();
        let t = Instant::now(); let s = segment_radiograph(&img, &opts).unwrap(); let t4 = t.elapsed();
        let t = Instant::now(); let _ = segment_radiograph(&img, &opts.clone().without_contour()).unwrap(); let t5 = t.elapsed();
        let big = s.binary();
        let t = Instant::now(); let _ = segment::distance::squared_distance(&big, true, false); let t6 = t.elapsed();
        println!("work {t1:?} open {t2:?} edt256 {t3:?} total {t4:?} nocontour {t5:?} edt1024 {t6:?}");
    }
}
