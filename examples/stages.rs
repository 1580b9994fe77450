use lungfield::*;
fn main() {
    let img = io::decode_file("../shared/data/jsrt-dev/images/JPCNN010.png".as_ref()).unwrap();
    let opts = SegmentOptions::default();
    let t = std::time::Instant::now();
    for _ in 0..100 { let _ = segment_radiograph(&img, &opts).unwrap(); }
    println!("{:?}/image", t.elapsed() / 100);
}
