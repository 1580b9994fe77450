//! `lungfield dataset import`: gathers the Shenzhen images and masks from the common public
//! layouts — NLM's `ChinaSet_AllFiles/CXR_png/`, Kaggle's "Chest Xray Masks and Labels"
//! (`Lung Segmentation/CXR_png/` and `masks/`), Kaggle's `shcxr-lung-mask` (`mask/`), any mix
//! of them in one folder, or a zip of any of them — into SZ-CXR layout:
//! `DIR/images/CHNCXR_NNNN_L.png` and `DIR/masks/CHNCXR_NNNN_L_mask.png`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::io::write_atomic;

/// Largest single file taken from a zip (a radiograph PNG is well under it): guards against
/// zip bombs.
pub const MAX_ENTRY_BYTES: u64 = 256 << 20;

/// What an import did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ImportReport {
    /// Images written (or already identical in place).
    pub images: usize,
    /// Masks written (or already identical in place).
    pub masks: usize,
    /// Image files looked at that are neither (other sets' images…; in a zip, any other entry).
    pub ignored: usize,
    /// Conflicts: two different files for the same name (the first, in path order, kept).
    pub conflicts: Vec<String>,
}

/// An SZ-CXR image id (`CHNCXR_NNNN_0` / `_1`) at the start of a file stem, and whether the
/// stem marks a mask (`…_mask`).
fn sz_id(stem: &str) -> Option<(String, bool)> {
    let b = stem.as_bytes();
    if b.len() < 13
        || !stem.starts_with("CHNCXR_")
        || !b[7..11].iter().all(u8::is_ascii_digit)
        || b[11] != b'_'
        || !(b[12] == b'0' || b[12] == b'1')
    {
        return None;
    }
    match &stem[13..] {
        "" => Some((stem[..13].to_string(), false)),
        "_mask" => Some((stem[..13].to_string(), true)),
        _ => None,
    }
}

/// How one source file is used: `(id, is_mask)`. A file is a mask when its stem ends in
/// `_mask` or it lies in a folder named `mask` or `masks`.
fn classify(path: &Path) -> Option<(String, bool)> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    if ext != "png" {
        return None;
    }
    let (id, named_mask) = sz_id(path.file_stem()?.to_str()?)?;
    let in_mask_dir = path.components().any(|c| {
        let s = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        s == "mask" || s == "masks"
    });
    Some((id, named_mask || in_mask_dir))
}

/// Imports `src` (a folder or a `.zip`) into `dir` in SZ-CXR layout. Files are written
/// atomically; importing again is harmless (identical files are left as they are).
///
/// # Errors
/// [`Error::Io`] for unreadable sources or unwritable outputs, [`Error::Dataset`] for a zip
/// that cannot be read or an entry over [`MAX_ENTRY_BYTES`].
pub fn import_dataset(src: &Path, dir: &Path) -> Result<ImportReport> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    for sub in ["images", "masks"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io(&dir.join(sub)))?;
    }
    let mut report = ImportReport::default();
    // name in DIR → the source it came from
    let mut taken: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut put =
        |rel: &Path, from: String, bytes: &[u8], report: &mut ImportReport| -> Result<()> {
            let (id, mask) = match classify(rel) {
                Some(c) => c,
                None => {
                    report.ignored += 1;
                    return Ok(());
                }
            };
            let dest = if mask {
                dir.join("masks").join(format!("{id}_mask.png"))
            } else {
                dir.join("images").join(format!("{id}.png"))
            };
            if let Some(first) = taken.get(&dest) {
                let same = std::fs::read(&dest).map(|b| b == bytes).unwrap_or(false);
                if !same {
                    report.conflicts.push(format!(
                        "{}: {from} differs from {first}, which was kept",
                        dest.display()
                    ));
                }
                return Ok(());
            }
            if std::fs::read(&dest).map(|b| b != bytes).unwrap_or(true) {
                write_atomic(&dest, bytes)?;
            }
            taken.insert(dest, from);
            if mask {
                report.masks += 1;
            } else {
                report.images += 1;
            }
            Ok(())
        };
    let is_zip = src.is_file()
        && src
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if is_zip {
        let bad = |reason: String| Error::Dataset {
            path: src.to_path_buf(),
            reason,
        };
        let file = std::fs::File::open(src).map_err(io(src))?;
        let mut zip =
            zip::ZipArchive::new(file).map_err(|e| bad(format!("not a readable zip: {e}")))?;
        let mut names: Vec<(String, usize)> = (0..zip.len())
            .filter_map(|i| zip.by_index(i).ok().map(|f| (f.name().to_string(), i)))
            .collect();
        names.sort();
        for (name, i) in names {
            let mut f = zip.by_index(i).map_err(|e| bad(format!("{name}: {e}")))?;
            if f.is_dir() {
                continue;
            }
            let Some(rel) = f.enclosed_name() else {
                report.ignored += 1;
                continue;
            };
            if classify(&rel).is_none() {
                report.ignored += 1;
                continue;
            }
            if f.size() > MAX_ENTRY_BYTES {
                return Err(bad(format!(
                    "{name}: {} bytes unpacked is over the limit of {MAX_ENTRY_BYTES}",
                    f.size()
                )));
            }
            let mut bytes = Vec::with_capacity(f.size() as usize);
            (&mut f)
                .take(MAX_ENTRY_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| bad(format!("{name}: {e}")))?;
            put(
                &rel,
                format!("{}:{name}", src.display()),
                &bytes,
                &mut report,
            )?;
        }
    } else {
        for p in super::find_masks(src)? {
            let rel = p.strip_prefix(src).unwrap_or(&p).to_path_buf();
            if classify(&rel).is_none() {
                report.ignored += 1;
                continue;
            }
            let bytes = std::fs::read(&p).map_err(io(&p))?;
            put(&rel, p.display().to_string(), &bytes, &mut report)?;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_folders_decide_images_and_masks() {
        let c = |p: &str| classify(Path::new(p));
        assert_eq!(
            c("ChinaSet_AllFiles/CXR_png/CHNCXR_0001_0.png"),
            Some(("CHNCXR_0001_0".into(), false))
        );
        assert_eq!(
            c("Lung Segmentation/masks/CHNCXR_0002_1_mask.png"),
            Some(("CHNCXR_0002_1".into(), true))
        );
        assert_eq!(
            c("shcxr/mask/CHNCXR_0003_0.png"),
            Some(("CHNCXR_0003_0".into(), true))
        );
        assert_eq!(c("Lung Segmentation/CXR_png/MCUCXR_0001_0.png"), None);
        assert_eq!(c("ClinicalReadings/CHNCXR_0001_0.txt"), None);
        assert_eq!(c("CHNCXR_0001_0_mask_old.png"), None);
    }
}
