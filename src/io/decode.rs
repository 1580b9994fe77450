//! Decoding radiographs to grey, keeping 16-bit precision, refusing decompression bombs.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageReader, Limits};

use super::radiograph::{decode_err, Radiograph, MAX_FILE_BYTES, MAX_PIXELS};
use crate::error::{Error, Result};
use crate::image::{GrayU16, GrayU8, Mask};

/// Decodes an image held in memory; `path` is only used to name the source in errors.
///
/// # Errors
/// [`Error::Decode`] for an empty, truncated, corrupt or unsupported file, and for one whose
/// header claims more than [`MAX_PIXELS`] pixels.
pub fn decode_bytes(bytes: &[u8], path: &Path) -> Result<Radiograph> {
    if bytes.is_empty() {
        return Err(decode_err(path, "the file is empty"));
    }
    if super::dicom::is_dicom(bytes) {
        return super::dicom::decode_dicom(bytes, path).map(|(img, _)| img);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode_err(path, e.to_string()))?;
    if reader.format().is_none() {
        return Err(decode_err(
            path,
            "not a PNG, JPEG, TIFF or DICOM image (unrecognised header)",
        ));
    }
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| decode_err(path, e.to_string()))?;
    if (w as u64) * (h as u64) > MAX_PIXELS {
        return Err(decode_err(
            path,
            format!("{w}x{h} pixels is over the limit of {MAX_PIXELS} pixels"),
        ));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode_err(path, e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(w.max(1));
    limits.max_image_height = Some(h.max(1));
    limits.max_alloc = Some(MAX_PIXELS * 16);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| decode_err(path, e.to_string()))?;
    if img.width() == 0 || img.height() == 0 {
        return Err(decode_err(path, "the image has no pixels"));
    }
    Ok(to_gray(img))
}

fn to_gray(img: DynamicImage) -> Radiograph {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let sixteen = matches!(
        img,
        DynamicImage::ImageLuma16(_)
            | DynamicImage::ImageLumaA16(_)
            | DynamicImage::ImageRgb16(_)
            | DynamicImage::ImageRgba16(_)
            | DynamicImage::ImageRgb32F(_)
            | DynamicImage::ImageRgba32F(_)
    );
    if sixteen {
        let g = img.into_luma16();
        Radiograph::U16(GrayU16::from_vec(w, h, g.into_raw()).unwrap_or_else(|| GrayU16::new(w, h)))
    } else {
        let g = img.into_luma8();
        Radiograph::U8(GrayU8::from_vec(w, h, g.into_raw()).unwrap_or_else(|| GrayU8::new(w, h)))
    }
}

/// Reads and decodes a radiograph file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Decode`] as for [`decode_bytes`] and
/// for a file that is not a regular file or is larger than [`MAX_FILE_BYTES`].
pub fn decode_file(path: &Path) -> Result<Radiograph> {
    decode_file_info(path).map(|(img, _)| img)
}

/// [`decode_file`], with what a DICOM file says besides its pixels (pixel spacing, window,
/// photometric interpretation); `None` for other formats.
///
/// # Errors
/// As [`decode_file`].
pub fn decode_file_info(path: &Path) -> Result<(Radiograph, Option<super::DicomInfo>)> {
    let bytes = super::read_bounded(path, MAX_FILE_BYTES).map_err(|u| match u {
        super::Unread::Io(e) => e,
        super::Unread::NotAFile => decode_err(path, "not a regular file"),
        super::Unread::TooLarge(len) => decode_err(
            path,
            format!("{len} bytes is over the limit of {MAX_FILE_BYTES} bytes for an image file"),
        ),
    })?;
    if super::dicom::is_dicom(&bytes) {
        return super::dicom::decode_dicom(&bytes, path).map(|(img, info)| (img, Some(info)));
    }
    decode_bytes(&bytes, path).map(|img| (img, None))
}

/// Reads a lung mask file: any pixel above half its range is inside (value 1).
///
/// # Errors
/// As [`decode_file`], and [`Error::BadImage`] for a file that is not a binary mask (more
/// than [`MAX_MASK_GREY`] of its pixels grey).
pub fn read_mask(path: &Path) -> Result<Mask> {
    // Grey levels in the middle of the range (10–90 %) are neither background nor lung: a few
    // on the outline are resampling; many mean this is not a mask (a radiograph given by
    // mistake, a probability map).
    let (mask, between) = match decode_file(path)? {
        Radiograph::U8(p) => (
            p.map(|&v| u8::from(v >= 128)),
            p.as_slice()
                .iter()
                .filter(|&&v| (26..=229).contains(&v))
                .count(),
        ),
        Radiograph::U16(p) => (
            p.map(|&v| u8::from(v >= 32768)),
            p.as_slice()
                .iter()
                .filter(|&&v| (6554..=58981).contains(&v))
                .count(),
        ),
    };
    let frac = between as f64 / mask.len().max(1) as f64;
    if frac > MAX_MASK_GREY {
        return Err(Error::BadImage {
            path: path.to_path_buf(),
            reason: format!(
                "not a binary mask: {:.0}% of its pixels are grey (neither background nor lung)",
                frac * 100.0
            ),
        });
    }
    Ok(mask)
}

/// Largest share of a mask's pixels allowed between 10 % and 90 % of the grey range (anti-aliased
/// outlines), above which [`read_mask`] refuses the file as not a binary mask.
pub const MAX_MASK_GREY: f64 = 0.02;

/// [`read_mask`], checked to be the size of the radiograph it belongs to.
///
/// # Errors
/// As [`read_mask`]; [`crate::Error::SizeMismatch`] naming the mask when the sizes differ.
pub fn read_mask_for(path: &Path, img: &Radiograph) -> Result<Mask> {
    let mask = read_mask(path)?;
    if (mask.width(), mask.height()) != (img.width(), img.height()) {
        return Err(crate::Error::SizeMismatch {
            what: path.display().to_string(),
            expected: (img.width() as u32, img.height() as u32),
            got: (mask.width() as u32, mask.height() as u32),
        });
    }
    Ok(mask)
}
