//! DICOM radiographs (dicom-rs, pure Rust): uncompressed pixel data, 8 to 16 bits, signed or
//! not; the modality rescale (slope, intercept); the file's VOI LUT or else its window (centre,
//! width) when present, else a robust 0.5–99.5 % percentile window, mapped to the full 16-bit
//! range; MONOCHROME1
//! inverted to MONOCHROME2; the first frame of a multi-frame file. Compressed transfer
//! syntaxes give an error naming the syntax.

use std::io::Cursor;
use std::path::Path;

use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use super::dicom_lengths::check_file_lengths;
use super::radiograph::{decode_err, Radiograph, MAX_PIXELS};
use crate::error::Result;
use crate::image::{GrayU16, GrayU8};

/// What lungfield keeps of a DICOM file besides its pixels.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct DicomInfo {
    /// Pixel spacing (row, column) in millimetres, when the file gives it.
    pub pixel_spacing_mm: Option<(f64, f64)>,
    /// The photometric interpretation (`MONOCHROME1` is inverted on reading).
    pub photometric: String,
    /// The window used (centre, width) in rescaled units, and whether it came from the file.
    pub window: (f64, f64, bool),
    /// Whether the file's VOI LUT was applied (it takes precedence over the window).
    pub voi_lut: bool,
    /// The view position (0018,5101), e.g. `PA` or `AP`, when the file gives it.
    pub view_position: Option<String>,
    /// The patient's age in years (0010,1010, e.g. `007Y`, `018M`), when the file gives it.
    pub patient_age_years: Option<f64>,
}

/// Years of a DICOM age string (`nnnD`, `nnnW`, `nnnM` or `nnnY`).
///
/// ```
/// use lungfield::io::dicom_age_years;
/// assert_eq!(dicom_age_years("035Y"), Some(35.0));
/// assert_eq!(dicom_age_years("006M"), Some(0.5));
/// assert_eq!(dicom_age_years("abc"), None);
/// ```
pub fn dicom_age_years(s: &str) -> Option<f64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.len().checked_sub(1)?);
    let n: f64 = num
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let per_year = match unit {
        "Y" | "y" => 1.0,
        "M" | "m" => 12.0,
        "W" | "w" => 52.0,
        "D" | "d" => 365.0,
        _ => return None,
    };
    Some(n / per_year)
}

impl DicomInfo {
    /// The pixel size in millimetres when the spacing is given and square (rows and columns
    /// within 1 %), the case where a distance in pixels converts to millimetres.
    pub fn isotropic_mm(&self) -> Option<f64> {
        let (r, c) = self.pixel_spacing_mm?;
        ((r - c).abs() <= 0.01 * r.max(c)).then_some((r * c).sqrt())
    }
}

/// Whether `bytes` look like a DICOM file (the `DICM` magic after the 128-byte preamble, or
/// at the start when the preamble is missing).
pub fn is_dicom(bytes: &[u8]) -> bool {
    bytes.get(128..132) == Some(b"DICM") || bytes.get(0..4) == Some(b"DICM")
}

fn open(bytes: &[u8], path: &Path) -> Result<DefaultDicomObject> {
    let body = if bytes.get(128..132) == Some(b"DICM") {
        &bytes[128..]
    } else {
        bytes
    };
    check_file_lengths(body)
        .map_err(|e| decode_err(path, format!("not a readable DICOM file: {e}")))?;
    OpenFileOptions::new()
        .from_reader(Cursor::new(body))
        .map_err(|e| decode_err(path, format!("not a readable DICOM file: {e}")))
}

/// Decodes a DICOM file's first frame to grey.
///
/// # Errors
/// [`crate::Error::Decode`] naming the file: not DICOM, compressed pixel data (naming the
/// transfer syntax), colour, more than [`MAX_PIXELS`] pixels, missing or short pixel data.
pub fn decode_dicom(bytes: &[u8], path: &Path) -> Result<(Radiograph, DicomInfo)> {
    let obj = open(bytes, path)?;
    let bad = |why: String| decode_err(path, why);
    let int = |tag, name: &str| -> Result<u32> {
        obj.element(tag)
            .map_err(|_| bad(format!("DICOM file without {name}")))?
            .to_int::<u32>()
            .map_err(|e| bad(format!("DICOM {name}: {e}")))
    };
    let opt_f64 = |tag| -> Option<f64> { obj.element_opt(tag).ok().flatten()?.to_float64().ok() };
    let (rows, cols) = (int(tags::ROWS, "Rows")?, int(tags::COLUMNS, "Columns")?);
    if u64::from(rows) * u64::from(cols) > MAX_PIXELS {
        return Err(bad(format!(
            "{cols}x{rows} pixels is over the limit of {MAX_PIXELS} pixels"
        )));
    }
    if rows == 0 || cols == 0 {
        return Err(bad("the image has no pixels".into()));
    }
    let samples = opt_f64(tags::SAMPLES_PER_PIXEL).unwrap_or(1.0) as u32;
    if samples != 1 {
        return Err(bad(format!(
            "DICOM with {samples} samples per pixel (colour) is not a radiograph lungfield reads"
        )));
    }
    let allocated = int(tags::BITS_ALLOCATED, "BitsAllocated")?;
    let stored = opt_f64(tags::BITS_STORED)
        .map_or(allocated, |v| v as u32)
        .clamp(1, allocated.max(1));
    let signed = opt_f64(tags::PIXEL_REPRESENTATION).unwrap_or(0.0) as u32 == 1;
    let pixel = obj
        .element(tags::PIXEL_DATA)
        .map_err(|_| bad("DICOM file without pixel data".into()))?;
    if let Value::PixelSequence(_) = pixel.value() {
        let uid = obj
            .meta()
            .transfer_syntax()
            .trim_end_matches('\0')
            .to_string();
        let name = TransferSyntaxRegistry.get(&uid).map_or_else(
            || "an unknown transfer syntax".to_string(),
            |ts| ts.name().to_string(),
        );
        return Err(bad(format!(
            "compressed DICOM ({name}, {uid}) is not supported: convert it to uncompressed first (e.g. `gdcmconv --raw` or `dcmdjpeg`)"
        )));
    }
    let data = pixel
        .to_bytes()
        .map_err(|e| bad(format!("DICOM pixel data: {e}")))?;
    let n = rows as usize * cols as usize;
    let raw: Vec<f64> = match allocated {
        8 => data
            .get(..n)
            .ok_or_else(|| bad("DICOM pixel data is shorter than the image".into()))?
            .iter()
            .map(|&v| {
                if signed {
                    f64::from(v as i8)
                } else {
                    f64::from(v)
                }
            })
            .collect(),
        16 => {
            let mask: u16 = if stored >= 16 {
                u16::MAX
            } else {
                (1u16 << stored) - 1
            };
            data.get(..2 * n)
                .ok_or_else(|| bad("DICOM pixel data is shorter than the image".into()))?
                .chunks_exact(2)
                .map(|c| {
                    let v = u16::from_le_bytes([c[0], c[1]]) & mask;
                    if signed && stored < 16 && v >> (stored - 1) & 1 == 1 {
                        f64::from(v) - f64::from(1u32 << stored)
                    } else if signed {
                        f64::from(v as i16)
                    } else {
                        f64::from(v)
                    }
                })
                .collect()
        }
        b => {
            return Err(bad(format!(
                "DICOM with {b} bits allocated per pixel is not supported (8 or 16)"
            )))
        }
    };
    let slope = opt_f64(tags::RESCALE_SLOPE)
        .filter(|v| v.is_finite() && *v != 0.0)
        .unwrap_or(1.0);
    let intercept = opt_f64(tags::RESCALE_INTERCEPT)
        .filter(|v| v.is_finite())
        .unwrap_or(0.0);
    let values: Vec<f64> = raw.iter().map(|v| v * slope + intercept).collect();
    let photometric = obj
        .element_opt(tags::PHOTOMETRIC_INTERPRETATION)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok().map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "MONOCHROME2".into());
    let window = match (opt_f64(tags::WINDOW_CENTER), opt_f64(tags::WINDOW_WIDTH)) {
        (Some(c), Some(w)) if c.is_finite() && w.is_finite() && w >= 1.0 => (c, w, true),
        _ => {
            let mut s = values.clone();
            s.sort_by(f64::total_cmp);
            let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
            let (lo, hi) = (at(0.005), at(0.995));
            ((lo + hi) / 2.0, (hi - lo).max(1.0), false)
        }
    };
    let spacing = obj
        .element_opt(tags::PIXEL_SPACING)
        .ok()
        .flatten()
        .and_then(|e| e.to_multi_float64().ok())
        .filter(|v| v.len() == 2 && v.iter().all(|x| x.is_finite() && *x > 0.0))
        .map(|v| (v[0], v[1]));
    let text = |tag| {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
    };
    let view_position = text(tags::VIEW_POSITION).map(|s| s.to_uppercase());
    let patient_age_years = text(tags::PATIENT_AGE).and_then(|s| dicom_age_years(&s));
    let invert = photometric == "MONOCHROME1";
    let voi = voi_lut(&obj);
    let (lo, width) = (window.0 - window.1 / 2.0, window.1);
    let to_unit = |v: f64| {
        let t = match &voi {
            // The VOI LUT, when the file has one, takes precedence over the window.
            Some(l) => l.unit(v),
            None => ((v - lo) / width).clamp(0.0, 1.0),
        };
        if invert {
            1.0 - t
        } else {
            t
        }
    };
    let img = if allocated == 8 {
        Radiograph::U8(
            GrayU8::from_vec(
                cols as usize,
                rows as usize,
                values
                    .iter()
                    .map(|&v| (to_unit(v) * 255.0).round() as u8)
                    .collect(),
            )
            .ok_or_else(|| bad("DICOM size mismatch".into()))?,
        )
    } else {
        Radiograph::U16(
            GrayU16::from_vec(
                cols as usize,
                rows as usize,
                values
                    .iter()
                    .map(|&v| (to_unit(v) * 65535.0).round() as u16)
                    .collect(),
            )
            .ok_or_else(|| bad("DICOM size mismatch".into()))?,
        )
    };
    Ok((
        img,
        DicomInfo {
            pixel_spacing_mm: spacing,
            photometric,
            window,
            voi_lut: voi.is_some(),
            view_position,
            patient_age_years,
        },
    ))
}

/// A VOI LUT: `data[v − first]` (clamped to the table), scaled by the largest code.
struct VoiLut {
    first: f64,
    data: Vec<f64>,
    max: f64,
}

impl VoiLut {
    fn unit(&self, v: f64) -> f64 {
        let i = (v - self.first)
            .round()
            .clamp(0.0, (self.data.len() - 1) as f64) as usize;
        (self.data[i] / self.max).clamp(0.0, 1.0)
    }
}

/// The first item of the VOI LUT Sequence, when present and well formed.
fn voi_lut(obj: &DefaultDicomObject) -> Option<VoiLut> {
    let seq = obj.element_opt(tags::VOILUT_SEQUENCE).ok().flatten()?;
    let item = seq.items()?.first()?;
    let desc: Vec<f64> = item
        .element(tags::LUT_DESCRIPTOR)
        .ok()?
        .to_multi_float64()
        .ok()?;
    let data: Vec<f64> = item
        .element(tags::LUT_DATA)
        .ok()?
        .to_multi_int::<u16>()
        .ok()?
        .into_iter()
        .map(f64::from)
        .collect();
    let (&n, &first, &bits) = (desc.first()?, desc.get(1)?, desc.get(2)?);
    // A first entry count of 0 means 65536 entries.
    let n = if n == 0.0 { 65536 } else { n as usize };
    if data.is_empty() || data.len() < n.min(data.len()) || !(1.0..=16.0).contains(&bits) {
        return None;
    }
    Some(VoiLut {
        first,
        max: (2f64.powf(bits) - 1.0).max(1.0),
        data,
    })
}
