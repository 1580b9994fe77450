//! The decoded radiograph ([`Radiograph`]: 8- or 16-bit grey), the size limits every reader
//! checks before allocating, and the decode error, shared by the image and DICOM decoders.

use std::path::Path;

use crate::error::Error;
use crate::image::{GrayU16, GrayU8};

/// The largest image lungfield accepts, in pixels (width × height), checked from the header
/// before any pixel memory is allocated. 100 megapixels is more than any radiograph.
pub const MAX_PIXELS: u64 = 100_000_000;

/// The largest image file lungfield reads, in bytes (checked before reading): 1 GiB, far more
/// than an uncompressed 16-bit RGB radiograph of [`MAX_PIXELS`] needs.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// A decoded radiograph: 8-bit or 16-bit grey, as the file had it.
#[derive(Clone, Debug, PartialEq)]
pub enum Radiograph {
    /// 8 bits per pixel.
    U8(GrayU8),
    /// 16 bits per pixel (full range 0..=65535).
    U16(GrayU16),
}

impl Radiograph {
    /// Width in pixels.
    pub fn width(&self) -> usize {
        match self {
            Radiograph::U8(p) => p.width(),
            Radiograph::U16(p) => p.width(),
        }
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        match self {
            Radiograph::U8(p) => p.height(),
            Radiograph::U16(p) => p.height(),
        }
    }

    /// An 8-bit view of the radiograph (16-bit data keeps its top 8 bits).
    pub fn to_u8(&self) -> GrayU8 {
        match self {
            Radiograph::U8(p) => p.clone(),
            Radiograph::U16(p) => p.map(|&v| (v >> 8) as u8),
        }
    }
}

pub(crate) fn decode_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::Decode {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}
