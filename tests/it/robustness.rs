//! Issue 8: nothing lost, nothing crashes. Every kind of broken input gives one line on stderr
//! naming the file and the reason while the good files are still processed; outputs are
//! complete or absent; `--resume` finishes an interrupted batch. All inputs are made here.

use crate::common::{bin, fixture};

use std::path::Path;
use std::process::Command;

use lungfield::GrayU8;

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// A valid PNG header claiming `w × h` grey pixels, with a few bytes of pixel data.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    png_chunk(&mut v, b"IHDR", &ihdr);
    png_chunk(
        &mut v,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut v, b"IEND", &[]);
    v
}

/// A little-endian TIFF whose one directory claims `w × h` 8-bit grey pixels.
fn tiff_bomb(w: u32, h: u32) -> Vec<u8> {
    let entries: [(u16, u16, u32); 8] = [
        (256, 4, w),                   // ImageWidth
        (257, 4, h),                   // ImageLength
        (258, 3, 8),                   // BitsPerSample
        (259, 3, 1),                   // Compression: none
        (262, 3, 1),                   // Photometric: black is zero
        (273, 4, 200),                 // StripOffsets
        (278, 4, h),                   // RowsPerStrip
        (279, 4, w.saturating_mul(h)), // StripByteCounts
    ];
    let mut v = b"II*\0".to_vec();
    v.extend(8u32.to_le_bytes());
    v.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        v.extend(tag.to_le_bytes());
        v.extend(kind.to_le_bytes());
        v.extend(1u32.to_le_bytes());
        if kind == 3 {
            v.extend((value as u16).to_le_bytes());
            v.extend([0, 0]);
        } else {
            v.extend(value.to_le_bytes());
        }
    }
    v.extend(0u32.to_le_bytes());
    v.resize(256, 0);
    v
}

/// A page of text: dark word-shaped bars in lines on white.
fn text_page() -> GrayU8 {
    let mut p = GrayU8::filled(400, 520, 245);
    let mut seed = 7u32;
    for line in 0..22 {
        let y = 30 + line * 21;
        let mut x = 30;
        while x < 360 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let w = 12 + (seed >> 16) as usize % 45;
            for yy in y..y + 9 {
                for xx in x..(x + w).min(370) {
                    p.set(xx, yy, 20);
                }
            }
            x += w + 7;
        }
    }
    p
}

/// A hand: a bright palm and fingers on a dark background.
fn hand() -> GrayU8 {
    let mut p = GrayU8::filled(384, 384, 15);
    for y in 0..384 {
        for x in 0..384 {
            let (dx, dy) = (x as f64 - 190.0, y as f64 - 270.0);
            let palm = (dx / 85.0).powi(2) + (dy / 80.0).powi(2) <= 1.0;
            let finger = [(110, 120), (150, 160), (190, 170), (230, 150), (270, 90)]
                .iter()
                .any(|&(fx, len)| x >= fx && x < fx + 28 && y + len >= 230 && y < 240);
            if palm || finger {
                p.set(x, y, 195);
            }
        }
    }
    p
}

fn write_png<P: image::PixelWithColorType>(
    path: &Path,
    img: &image::ImageBuffer<P, Vec<P::Subpixel>>,
) where
    [P::Subpixel]: image::EncodableLayout,
{
    img.save(path).unwrap();
}

/// The phantom fixture as a grey `image` buffer.
fn phantom() -> image::GrayImage {
    image::open(fixture("phantom_gray.png")).unwrap().to_luma8()
}

/// A palette PNG of the phantom (256 grey entries).
fn palette_png(path: &Path) {
    let g = phantom();
    let file = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(file, g.width(), g.height());
    enc.set_color(png::ColorType::Indexed);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_palette((0..=255u8).flat_map(|v| [v, v, v]).collect::<Vec<_>>());
    let mut w = enc.write_header().unwrap();
    w.write_image_data(g.as_raw()).unwrap();
}

#[test]
fn every_kind_of_bad_input_is_named_once_and_the_good_ones_are_processed() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("in");
    std::fs::create_dir(&inp).unwrap();
    let w = |name: &str, bytes: &[u8]| std::fs::write(inp.join(name), bytes).unwrap();
    let good_png = std::fs::read(fixture("phantom_gray.png")).unwrap();
    // Bad: each must fail with its own line.
    w("zero_bytes.png", b"");
    w("truncated.png", &good_png[..good_png.len() / 3]);
    let mut magic = good_png.clone();
    magic[1] = b'X';
    w("wrong_magic.png", &magic);
    w(
        "text_with_png_name.png",
        b"this is a text file, not an image\n",
    );
    w("bomb_100000.png", &png_bomb(100_000, 100_000));
    w("tiff_bomb_100000.tif", &tiff_bomb(100_000, 100_000));
    lungfield::io::write_png_gray8(&inp.join("one_by_one.png"), &GrayU8::filled(1, 1, 9)).unwrap();
    lungfield::io::write_png_gray8(&inp.join("eight_by_eight.png"), &GrayU8::filled(8, 8, 9))
        .unwrap();
    lungfield::io::write_png_gray8(&inp.join("all_black.png"), &GrayU8::filled(300, 300, 0))
        .unwrap();
    lungfield::io::write_png_gray8(&inp.join("all_white.png"), &GrayU8::filled(300, 300, 255))
        .unwrap();
    lungfield::io::write_png_gray8(&inp.join("text_page.png"), &text_page()).unwrap();
    lungfield::io::write_png_gray8(&inp.join("hand.png"), &hand()).unwrap();
    let bad = [
        ("zero_bytes.png", "empty"),
        ("truncated.png", ""),
        ("wrong_magic.png", "unrecognised header"),
        ("text_with_png_name.png", "unrecognised header"),
        ("bomb_100000.png", "over the limit"),
        ("tiff_bomb_100000.tif", "over the limit"),
        ("one_by_one.png", "too small"),
        ("eight_by_eight.png", "too small"),
        ("all_black.png", "no plausible lungs"),
        ("all_white.png", "no plausible lungs"),
        ("text_page.png", "no plausible lungs"),
        ("hand.png", "no plausible lungs"),
    ];
    // Good, in every encoding: grey, RGB, RGBA, palette, 16-bit, TIFF, JPEG, and a
    // non-UTF-8 file name.
    let g = phantom();
    std::fs::copy(fixture("phantom_gray.png"), inp.join("grey.png")).unwrap();
    std::fs::copy(fixture("phantom_rgb.png"), inp.join("rgb.png")).unwrap();
    std::fs::copy(fixture("phantom_16bit.png"), inp.join("sixteen.png")).unwrap();
    write_png(
        &inp.join("rgba.png"),
        &image::DynamicImage::ImageLuma8(g.clone()).to_rgba8(),
    );
    palette_png(&inp.join("palette.png"));
    g.save(inp.join("tiff.tif")).unwrap();
    g.save(inp.join("jpeg.jpg")).unwrap();
    #[cfg(unix)]
    let odd_name = {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.png");
        std::fs::copy(fixture("phantom_gray.png"), inp.join(name)).unwrap();
        Some(std::ffi::OsStr::from_bytes(b"caf\xe9_mask.png").to_os_string())
    };
    #[cfg(not(unix))]
    let odd_name: Option<std::ffi::OsString> = None;
    let good = ["grey", "rgb", "sixteen", "rgba", "palette", "tiff", "jpeg"];

    let out = dir.path().join("out");
    let r = bin()
        .args(["segment", "-j", "2"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    for (name, why) in bad {
        let lines: Vec<&str> = err.lines().filter(|l| l.contains(name)).collect();
        assert_eq!(lines.len(), 1, "{name} in:\n{err}");
        assert!(lines[0].contains(why), "{name}: {}", lines[0]);
    }
    assert!(err.contains(&format!("{} failed", bad.len())), "{err}");
    for stem in good {
        let m = lungfield::io::read_mask(&out.join(format!("{stem}_mask.png"))).unwrap();
        assert!(m.count() > 0, "{stem}");
    }
    if let Some(n) = odd_name {
        assert!(out.join(n).is_file(), "non-UTF-8 name lost");
    }
    let written = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(written, good.len() + usize::from(cfg!(unix)), "{err}");
}

#[test]
fn clashing_output_names_and_unwritable_folders_stop_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::copy(
            fixture("phantom_gray.png"),
            dir.path().join(sub).join("x.png"),
        )
        .unwrap();
    }
    let out = dir.path().join("out");
    let r = bin()
        .arg("segment")
        .arg(dir.path().join("a"))
        .arg(dir.path().join("b"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{err}");
    assert!(err.contains("would both write x_mask.png"), "{err}");
    assert!(!out.exists(), "nothing may be written");
    let r = bin()
        .arg("segment")
        .arg(fixture("phantom_gray.png"))
        .arg("-o")
        .arg("/proc/lungfield-cannot-write-here")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&r.stderr).lines().count(), 1);
    // Every command that writes checks its output first: one line, exit 2.
    let data = fixture("phantoms");
    let data = data.to_str().unwrap();
    for args in [
        vec!["evaluate", "--data", data, "-o", "/proc/lungfield-x"],
        vec!["features", "--data", data, "-o", "/proc/lungfield-x/f.csv"],
        vec!["train", "--data", data, "-o", "/proc/lungfield-x.lfm"],
        vec!["cv", "--data", data, "-o", "/proc/lungfield-x"],
        vec![
            "prior",
            "fit",
            "--data",
            data,
            "-o",
            "/proc/lungfield-x.lfp",
        ],
        vec!["phantom", "--count", "2", "-o", "/proc/lungfield-x"],
    ] {
        let r = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("/proc"), "{err}");
    }
}

#[test]
fn bad_masks_are_named_and_the_rest_scored() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("set");
    crate::common::dataset_dirs(&data);
    let src = fixture("phantoms");
    let ids = crate::common::phantom_ids();
    for id in &ids {
        std::fs::copy(
            src.join("images").join(format!("{id}.png")),
            data.join("images").join(format!("{id}.png")),
        )
        .unwrap();
        std::fs::copy(
            src.join("masks").join(format!("{id}_mask.png")),
            data.join("masks").join(format!("{id}_mask.png")),
        )
        .unwrap();
    }
    // One mask of the wrong size, one that is a radiograph rather than a mask.
    lungfield::io::write_png_gray8(
        &data.join("masks").join(format!("{}_mask.png", ids[0])),
        &GrayU8::filled(17, 23, 255),
    )
    .unwrap();
    std::fs::copy(
        src.join("images").join(format!("{}.png", ids[1])),
        data.join("masks").join(format!("{}_mask.png", ids[1])),
    )
    .unwrap();
    let out = dir.path().join("ev");
    let r = bin()
        .args(["evaluate", "--data"])
        .arg(&data)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains(&ids[0]) && l.contains("size mismatch")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.contains(&ids[1]) && l.contains("not a binary mask")),
        "{err}"
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        (s["n"].as_u64(), s["n_failed"].as_u64()),
        (Some(ids.len() as u64 - 2), Some(2))
    );
}

#[test]
fn a_directory_of_thousands_of_files_is_walked_and_processed() {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("many");
    std::fs::create_dir(&inp).unwrap();
    let small = lungfield::io::decode_file(&fixture("phantom_gray.png"))
        .unwrap()
        .to_u8();
    let tiny = lungfield::io::write_png_gray8(&inp.join("seed.png"), &small);
    tiny.unwrap();
    for i in 0..2500 {
        std::fs::hard_link(inp.join("seed.png"), inp.join(format!("img{i:05}.png"))).unwrap();
    }
    let out = dir.path().join("out");
    let r = bin()
        .args(["segment", "--work-size", "64"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{err}");
    assert!(err.contains("segmented 2501 of 2501 images"), "{err}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2501);
}

/// Ctrl-C in the middle of a batch: the images in progress finish, the rest are not started,
/// every output on disk is complete, and `--resume` does exactly what is left.
#[cfg(unix)]
#[test]
fn an_interrupted_batch_leaves_complete_files_and_resume_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let ph = dir.path().join("ph");
    let r = bin()
        .args(["phantom", "--count", "1", "--size", "1024", "-o"])
        .arg(&ph)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0));
    let seed = std::fs::read_dir(ph.join("images"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let inp = dir.path().join("in");
    std::fs::create_dir(&inp).unwrap();
    let n = 120;
    for i in 0..n {
        std::fs::hard_link(&seed, inp.join(format!("x{i:04}.png"))).unwrap();
    }
    let out = dir.path().join("out");
    let count = |d: &Path| {
        std::fs::read_dir(d)
            .map(|r| {
                r.filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .ends_with("_mask.png")
                })
                .count()
            })
            .unwrap_or(0)
    };
    let child = bin()
        .args(["segment", "-j", "2"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while count(&out) < 4 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let r = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(130), "{err}");
    assert!(
        err.contains("not started (interrupted: run again with --resume"),
        "{err}"
    );
    let done = count(&out);
    assert!(done >= 4 && done < n, "{done} of {n}: {err}");
    for e in std::fs::read_dir(&out).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.ends_with("_mask.png"), "leftover {name}");
        let m = lungfield::io::read_mask(&p).unwrap();
        assert_eq!((m.width(), m.height()), (1024, 1024));
    }
    let r = bin()
        .args(["segment", "--resume", "-j", "2"])
        .arg(&inp)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("segmented {} of {n} images", n - done))
            && err.contains(&format!("{done} already done (--resume)")),
        "{err}"
    );
    assert_eq!(count(&out), n);
}
