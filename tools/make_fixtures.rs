//! Regenerates `data-fixtures/`: a small SZ-CXR-layout phantom set and crafted bad inputs.
//! Run from the repository root: `cargo run --release --example make_fixtures`.
use std::path::Path;

use lungfield::{io, phantom, GrayU8};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new("data-fixtures");
    // The committed phantom set: 8 images of 256 px, half TB-like (the `phantom` command's
    // engine, so it carries a MANIFEST.csv too).
    let set = phantom::PhantomSetOptions {
        count: 8,
        seed: 1000,
        tb_fraction: 0.5,
        size: 256,
        bits: 8,
    };
    phantom::write_set(&root.join("phantoms"), &set)?;
    let bad = root.join("bad");
    std::fs::create_dir_all(&bad)?;
    std::fs::write(bad.join("empty.png"), b"")?;
    let good = io::encode_png_gray8(&phantom::make(64, 1, false).image)?;
    std::fs::write(bad.join("truncated.png"), &good[..good.len() / 2])?;
    std::fs::write(
        bad.join("not_an_image.png"),
        b"GIF89a? no, this is just text pretending to be an image\n",
    )?;
    io::write_png_gray8(&bad.join("one_pixel.png"), &GrayU8::filled(1, 1, 128))?;
    // RGB and 16-bit versions of a phantom: valid inputs that must decode to grey.
    let p = phantom::make(128, 2, false);
    let rgb: Vec<u8> = p.image.as_slice().iter().flat_map(|&v| [v, v, v]).collect();
    io::write_png_rgb8(&root.join("phantom_rgb.png"), &rgb, 128, 128)?;
    let sixteen: Vec<u16> = p
        .image
        .as_slice()
        .iter()
        .map(|&v| u16::from(v) * 257)
        .collect();
    let img16 =
        image::ImageBuffer::<image::Luma<u16>, _>::from_raw(128, 128, sixteen).ok_or("size")?;
    img16.save(root.join("phantom_16bit.png"))?;
    io::write_png_gray8(&root.join("phantom_gray.png"), &p.image)?;
    // A dataset whose mask has the wrong size.
    let mm = root.join("mask_size_mismatch");
    std::fs::create_dir_all(mm.join("images"))?;
    std::fs::create_dir_all(mm.join("masks"))?;
    io::write_png_gray8(&mm.join("images/CASE_0001_0.png"), &p.image)?;
    io::write_png_gray8(
        &mm.join("masks/CASE_0001_0_mask.png"),
        &GrayU8::new(100, 90),
    )?;
    println!("wrote {}", root.display());
    Ok(())
}
