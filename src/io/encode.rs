//! Encoding PNGs (masks, overlays, phantoms; 8 and 16-bit) in memory and writing them
//! atomically.

use std::path::Path;

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

use crate::error::{Error, Result};
use crate::image::{GrayU16, GrayU8};

use super::write_atomic;

fn encode(data: &[u8], w: usize, h: usize, color: ExtendedColorType) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
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
    encode(&bytes, img.width(), img.height(), ExtendedColorType::L16)
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
    encode(rgb, width, height, ExtendedColorType::Rgb8)
}

/// Writes an 8-bit grey PNG atomically.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_png_gray8(path: &Path, img: &GrayU8) -> Result<()> {
    write_atomic(path, &encode_png_gray8(img)?)
}

/// Writes an RGB PNG atomically.
///
/// # Errors
/// [`Error::Io`] naming `path`.
pub fn write_png_rgb8(path: &Path, rgb: &[u8], width: usize, height: usize) -> Result<()> {
    write_atomic(path, &encode_png_rgb8(rgb, width, height)?)
}
