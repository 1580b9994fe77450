//! The library in a dozen lines: segment one radiograph with the built-in lung model and
//! write its mask (0/255, the input's size), then print the flags and how much of each lung
//! the image showed.
//!
//! `cargo run --release --example segment_one -- data-fixtures/phantom_gray.png /tmp/mask.png`
use lungfield::prior::ShapePrior;
use lungfield::segment::Side;
use lungfield::{io, segment_with_prior, SegmentOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: segment_one IMAGE MASK.png".into());
    };
    let image = io::decode_file(input.as_ref())?;
    let prior = ShapePrior::builtin()?;
    let seg = segment_with_prior(&image, &SegmentOptions::default(), Some(&prior))?;
    io::write_png_gray8(output.as_ref(), &seg.mask_u8())?;
    for side in Side::BOTH {
        let seen = 100.0 * seg.provenance.from_image[side.index()];
        println!(
            "{side:?} lung: {} px, {seen:.0} % of it seen in the image",
            seg.area(side)
        );
    }
    println!("flags: {}", seg.flags.join(", "));
    Ok(())
}
