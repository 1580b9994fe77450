//! `lungfield dataset check`: validates a dataset folder in SZ-CXR layout before a long run
//! and says exactly what is wrong — missing or extra files, names, label suffixes, images
//! that do not decode, masks without an image, masks of another size than their image, masks
//! that are not binary, and for the Shenzhen set itself its published counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};

/// The published make-up of the Shenzhen set (SZ-CXR): 662 images, 326 normal and 336 TB,
/// 566 lung masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Expected {
    /// Images.
    pub images: usize,
    /// Normal images (`_0`).
    pub normal: usize,
    /// TB images (`_1`).
    pub tb: usize,
    /// Masks.
    pub masks: usize,
}

impl Expected {
    /// SZ-CXR as published.
    pub const SZ_CXR: Expected = Expected {
        images: 662,
        normal: 326,
        tb: 336,
        masks: 566,
    };
}

/// What a check found.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CheckReport {
    /// Images found (files in `images/` with an image extension).
    pub images: usize,
    /// Images named `_0` (normal).
    pub normal: usize,
    /// Images named `_1` (TB).
    pub tb: usize,
    /// Masks found (`masks/<id>_mask.png`).
    pub masks: usize,
    /// Every problem, one readable line each, sorted.
    pub problems: Vec<String>,
}

impl CheckReport {
    /// Whether nothing is wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io)? {
        let p = e.map_err(io)?.path();
        if p.is_file() {
            v.push(p);
        }
    }
    v.sort();
    Ok(v)
}

/// An image's size, or why it cannot be read.
type Dims = std::result::Result<(u32, u32), String>;

/// An image's size from its header (no pixels decoded).
fn dimensions(path: &Path) -> Dims {
    image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| e.to_string())?
        .into_dimensions()
        .map_err(|e| e.to_string())
}

/// Checks the dataset at `root` (SZ-CXR layout: `images/<id>.png`, `masks/<id>_mask.png`),
/// and its counts against `expected` when given. Images are checked from their headers,
/// masks decoded in full (in parallel).
///
/// # Errors
/// [`Error::Dataset`] when `root/images` is missing; [`Error::Io`] for unreadable folders.
/// Problems with individual files are listed in the report, not returned as errors.
pub fn check_dataset(root: &Path, expected: Option<Expected>) -> Result<CheckReport> {
    let images_dir = root.join("images");
    if !images_dir.is_dir() {
        return Err(Error::Dataset {
            path: root.to_path_buf(),
            reason:
                "no `images/` folder: expected SZ-CXR layout (images/<id>.png, masks/<id>_mask.png)"
                    .into(),
        });
    }
    let mut problems = Vec::new();
    let mut r = CheckReport::default();
    let mut sizes: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let image_files = files_in(&images_dir)?;
    let checked: Vec<(PathBuf, Dims)> = image_files
        .par_iter()
        .map(|p| (p.clone(), dimensions(p)))
        .collect();
    for (p, dims) in checked {
        let name = p.display();
        let id = stem(&p);
        if !super::dataset::is_image(&p) {
            problems.push(format!(
                "{name}: not an image file name (expected .png, .jpg, .jpeg, .tif or .tiff)"
            ));
            continue;
        }
        r.images += 1;
        match super::dataset::label_of(&id) {
            Some(0) => r.normal += 1,
            Some(_) => r.tb += 1,
            None if expected.is_some() => problems.push(format!(
                "{name}: no label suffix (_0 normal or _1 TB) at the end of the name"
            )),
            None => {}
        }
        if expected == Some(Expected::SZ_CXR) && !is_sz_name(&id) {
            problems.push(format!(
                "{name}: not an SZ-CXR name (CHNCXR_NNNN_0 or CHNCXR_NNNN_1)"
            ));
        }
        match dims {
            Ok(d) if d.0 as usize >= crate::MIN_SIDE && d.1 as usize >= crate::MIN_SIDE => {
                sizes.insert(id, d);
            }
            Ok(d) => problems.push(format!(
                "{name}: {}x{} is too small for a radiograph",
                d.0, d.1
            )),
            Err(e) => problems.push(format!("{name}: cannot read the image: {e}")),
        }
    }
    let masks_dir = root.join("masks");
    if masks_dir.is_dir() {
        let mask_files = files_in(&masks_dir)?;
        let checked: Vec<(PathBuf, Option<String>)> = mask_files
            .par_iter()
            .map(|p| {
                let id = stem(p);
                let Some(img_id) = id.strip_suffix("_mask") else {
                    return (p.clone(), Some("not named <image id>_mask.png".into()));
                };
                let Some(&(w, h)) = sizes.get(img_id) else {
                    return (
                        p.clone(),
                        Some(format!("no image {img_id} in images/ for this mask")),
                    );
                };
                let why = match crate::io::read_mask(p) {
                    Err(e) => Some(strip_path(&e.to_string(), p)),
                    Ok(m) if (m.width(), m.height()) != (w as usize, h as usize) => Some(format!(
                        "mask is {}x{} but its image is {w}x{h}",
                        m.width(),
                        m.height()
                    )),
                    Ok(m) if m.count() == 0 => Some("the mask is empty (no lung pixels)".into()),
                    Ok(_) => None,
                };
                (p.clone(), why)
            })
            .collect();
        let mut with_mask = BTreeSet::new();
        for (p, why) in checked {
            match why {
                Some(w) => problems.push(format!("{}: {w}", p.display())),
                None => {
                    r.masks += 1;
                    with_mask.insert(stem(&p));
                }
            }
        }
    } else {
        problems.push(format!("{}: no masks/ folder", root.display()));
    }
    if let Some(e) = expected {
        let mut count = |what: &str, got: usize, want: usize| {
            if got != want {
                problems.push(format!(
                    "{}: {got} {what}, SZ-CXR has {want}",
                    root.display()
                ));
            }
        };
        count("images", r.images, e.images);
        count("normal (_0) images", r.normal, e.normal);
        count("TB (_1) images", r.tb, e.tb);
        count("usable masks", r.masks, e.masks);
    }
    problems.sort();
    r.problems = problems;
    Ok(r)
}

fn strip_path(msg: &str, p: &Path) -> String {
    let prefix = format!("{}: ", p.display());
    msg.strip_prefix(&prefix).unwrap_or(msg).to_string()
}

fn is_sz_name(id: &str) -> bool {
    let b = id.as_bytes();
    id.len() == 13
        && id.starts_with("CHNCXR_")
        && b[7..11].iter().all(u8::is_ascii_digit)
        && b[11] == b'_'
        && (b[12] == b'0' || b[12] == b'1')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sz_names() {
        assert!(is_sz_name("CHNCXR_0001_0"));
        assert!(is_sz_name("CHNCXR_0662_1"));
        assert!(!is_sz_name("CHNCXR_001_0"));
        assert!(!is_sz_name("CHNCXR_0001_2"));
        assert!(!is_sz_name("JPCLN001"));
    }
}
