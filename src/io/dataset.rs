//! Datasets in SZ-CXR layout (`images/<id>.png`, `masks/<id>_mask.png`, optional
//! `MANIFEST.csv`), the deterministic 8:1:1 train/val/test split, and walking folders for images.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File extensions lungfield reads as images (case-insensitive).
const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "tif", "tiff", "dcm", "dicom"];

/// The seed of the documented train/val/test split. Changing it changes every published figure.
pub const SPLIT_SEED: u64 = 20_140_101;

/// One image of a dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// File stem, e.g. `CHNCXR_0001_0`.
    pub id: String,
    /// The radiograph.
    pub image: PathBuf,
    /// The expert lung mask, when the dataset has one.
    pub mask: Option<PathBuf>,
    /// 0 = normal, 1 = TB, from the `_0`/`_1` suffix of the id; `None` without a suffix.
    pub label: Option<u8>,
    /// Marked `degraded=1` in `MANIFEST.csv`: listed, but left out of scores.
    pub degraded: bool,
    /// The sample's part of the 8:1:1 split.
    pub split: Split,
    /// Where the image comes from: the `site` column of `MANIFEST.csv`, else the dataset
    /// folder's name. Leave-one-site-out validation holds out one site at a time.
    pub site: String,
}

/// A part of the train/val/test split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// 80 %.
    Train,
    /// 10 %.
    Val,
    /// 10 %.
    Test,
}

/// Which samples a command works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Subset {
    /// Every sample.
    #[default]
    All,
    /// Only one part of the split.
    Only(Split),
}

impl Subset {
    /// True when `split` belongs to this subset.
    pub fn contains(self, split: Split) -> bool {
        match self {
            Subset::All => true,
            Subset::Only(s) => s == split,
        }
    }
}

/// A dataset folder in SZ-CXR layout.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The folder.
    pub root: PathBuf,
    /// All images, sorted by id.
    pub samples: Vec<Sample>,
}

pub(crate) fn label_of(id: &str) -> Option<u8> {
    if id.ends_with("_0") {
        Some(0)
    } else if id.ends_with("_1") {
        Some(1)
    } else {
        None
    }
}

pub(crate) fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn is_mask_name(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.ends_with("_mask"))
}

/// 64-bit mix (splitmix64 finaliser): a fixed, portable hash for the split.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn id_hash(seed: u64, id: &str) -> u64 {
    // FNV-1a over the bytes, then mixed with the seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    mix(h ^ mix(seed))
}

/// Assigns the 8:1:1 split to ids, stratified by label (ids without a label form their own
/// stratum). Within a stratum ids are ordered by a seeded hash of the id; the first
/// `round(0.8 n)` are train, the next `round(0.1 n)` val, the rest test. The result depends only
/// on the ids and the seed, never on file order or thread count.
///
/// ```
/// use lungfield::io::{split_for, Split};
/// let ids: Vec<String> = (0..20).map(|i| format!("X_{i:04}_0")).collect();
/// let s = split_for(&ids, 1);
/// assert_eq!(s.values().filter(|&&p| p == Split::Train).count(), 16);
/// ```
pub fn split_for(ids: &[String], seed: u64) -> HashMap<String, Split> {
    let labels: HashMap<String, u8> = ids
        .iter()
        .filter_map(|id| label_of(id).map(|l| (id.clone(), l)))
        .collect();
    split_with_labels(ids, &labels, seed)
}

/// [`split_for`] with labels given (ids missing from `labels` form their own stratum).
fn split_with_labels(
    ids: &[String],
    labels: &HashMap<String, u8>,
    seed: u64,
) -> HashMap<String, Split> {
    let mut strata: HashMap<Option<u8>, Vec<&String>> = HashMap::new();
    for id in ids {
        strata.entry(labels.get(id).copied()).or_default().push(id);
    }
    let mut out = HashMap::new();
    for (_, mut members) in strata {
        members.sort_by_key(|id| (id_hash(seed, id), (*id).clone()));
        let n = members.len();
        let n_train = (n as f64 * 0.8).round() as usize;
        let n_val = ((n as f64 * 0.1).round() as usize).min(n - n_train);
        for (k, id) in members.into_iter().enumerate() {
            let s = if k < n_train {
                Split::Train
            } else if k < n_train + n_val {
                Split::Val
            } else {
                Split::Test
            };
            out.insert(id.clone(), s);
        }
    }
    out
}

/// One column of `MANIFEST.csv` by id (rows without the column's value are left out).
fn read_manifest_column(path: &Path, column: &str) -> Result<HashMap<String, String>> {
    let err = |reason: String| Error::Dataset {
        path: path.to_path_buf(),
        reason,
    };
    let mut rdr = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
    let headers = rdr.headers().map_err(|e| err(e.to_string()))?.clone();
    let id_col = headers
        .iter()
        .position(|h| h == "id")
        .ok_or_else(|| err("MANIFEST.csv has no `id` column".into()))?;
    let mut out = HashMap::new();
    let Some(col) = headers.iter().position(|h| h == column) else {
        return Ok(out);
    };
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        if let (Some(id), Some(v)) = (rec.get(id_col), rec.get(col)) {
            out.insert(id.to_string(), v.trim().to_string());
        }
    }
    Ok(out)
}

/// The site a dataset folder stands for when its manifest names none: the folder's name
/// (of the absolute path, so `.` works too).
fn site_of_folder(root: &Path) -> String {
    let abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    abs.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "site".into())
}

fn read_manifest_degraded(path: &Path) -> Result<Vec<String>> {
    Ok(read_manifest_column(path, "degraded")?
        .into_iter()
        .filter(|(_, v)| v == "1")
        .map(|(id, _)| id)
        .collect())
}

impl Dataset {
    /// Relabels the samples from a `MANIFEST.csv` column: 1 where it equals `positive`, 0
    /// elsewhere (e.g. `jsrt_class` = `nodule` on JSRT, which has no `_0`/`_1` suffixes).
    /// The split is recomputed, stratified by the new labels.
    ///
    /// # Errors
    /// [`Error::Dataset`] when there is no `MANIFEST.csv` or it lacks the column.
    pub fn relabel_from_manifest(&mut self, column: &str, positive: &str) -> Result<()> {
        let path = self.root.join("MANIFEST.csv");
        if !path.is_file() {
            return Err(Error::Dataset {
                path,
                reason: format!("no MANIFEST.csv to read the `{column}` column from"),
            });
        }
        let col = read_manifest_column(&path, column)?;
        if col.is_empty() {
            return Err(Error::Dataset {
                path,
                reason: format!("MANIFEST.csv has no `{column}` column"),
            });
        }
        for s in &mut self.samples {
            s.label = col.get(&s.id).map(|v| u8::from(v == positive));
        }
        let ids: Vec<String> = self.samples.iter().map(|s| s.id.clone()).collect();
        let labels: HashMap<String, u8> = self
            .samples
            .iter()
            .filter_map(|s| s.label.map(|l| (s.id.clone(), l)))
            .collect();
        let split = split_with_labels(&ids, &labels, SPLIT_SEED);
        for s in &mut self.samples {
            if let Some(&sp) = split.get(&s.id) {
                s.split = sp;
            }
        }
        Ok(())
    }

    /// Opens a folder in SZ-CXR layout.
    ///
    /// # Errors
    /// [`Error::Dataset`] when `root/images` is missing or holds no image, or `MANIFEST.csv`
    /// cannot be parsed.
    pub fn open(root: &Path) -> Result<Dataset> {
        let images_dir = root.join("images");
        if !images_dir.is_dir() {
            return Err(Error::Dataset {
                path: root.to_path_buf(),
                reason: "no `images/` folder: expected SZ-CXR layout \
                         (images/<id>.png, masks/<id>_mask.png, optional MANIFEST.csv)"
                    .into(),
            });
        }
        let images = find_images(std::slice::from_ref(&images_dir))?;
        if images.is_empty() {
            return Err(Error::Dataset {
                path: images_dir,
                reason: "holds no PNG, JPEG or TIFF image".into(),
            });
        }
        let manifest = root.join("MANIFEST.csv");
        let (degraded, sites) = if manifest.is_file() {
            (
                read_manifest_degraded(&manifest)?,
                read_manifest_column(&manifest, "site")?,
            )
        } else {
            (Vec::new(), HashMap::new())
        };
        let folder_site = site_of_folder(root);
        let ids: Vec<String> = images
            .iter()
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        let split = split_for(&ids, SPLIT_SEED);
        let mut samples: Vec<Sample> = images
            .into_iter()
            .zip(ids)
            .map(|(image, id)| {
                let mask = root.join("masks").join(format!("{id}_mask.png"));
                Sample {
                    site: sites
                        .get(&id)
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .unwrap_or_else(|| folder_site.clone()),
                    label: label_of(&id),
                    degraded: degraded.contains(&id),
                    split: split.get(&id).copied().unwrap_or(Split::Train),
                    mask: mask.is_file().then_some(mask),
                    image,
                    id,
                }
            })
            .collect();
        samples.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Dataset {
            root: root.to_path_buf(),
            samples,
        })
    }
}

/// Expands files and folders into a sorted, de-duplicated list of image files. Folders are
/// walked recursively; files named `*_mask.*` inside folders are skipped (they are masks).
/// Files named explicitly are kept whatever their extension, so that a bad file is reported
/// rather than silently ignored.
///
/// # Errors
/// [`Error::Io`] for a path that does not exist or a folder that cannot be read.
pub fn find_images(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(p, false, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Which part of a batch this process runs: shard `index` of `count` (1-based), a contiguous
/// block of the sorted inputs, so array jobs on a cluster split a batch with no coordination
/// and their outputs, concatenated in shard order, equal one unsharded run's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 1..=count.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// The whole batch.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// The index range of this shard in a batch of `len` items.
    ///
    /// ```
    /// use lungfield::io::Shard;
    /// let parts: Vec<_> = (1..=3).map(|i| Shard { index: i, count: 3 }.range(10)).collect();
    /// assert_eq!(parts, vec![0..3, 3..6, 6..10]);
    /// ```
    pub fn range(&self, len: usize) -> std::ops::Range<usize> {
        let n = self.count.max(1);
        let i = self.index.clamp(1, n);
        (i - 1) * len / n..i * len / n
    }

    /// Whether this is the first shard (the one that writes CSV headers).
    pub fn is_first(&self) -> bool {
        self.index <= 1
    }

    /// Whether this "shard" is the whole batch (`1/1`).
    pub fn is_whole(&self) -> bool {
        self.count <= 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parses `I/N` with `1 ≤ I ≤ N`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("--shard takes I/N with 1 <= I <= N (e.g. 3/10), not {s:?}");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// Every image file under the folder `dir` (recursively), masks included, sorted: the input
/// of a shape prior fitted on masks alone.
///
/// # Errors
/// [`Error::Io`] for an unreadable folder.
pub fn find_masks(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, true, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, masks_too: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            walk(&path, masks_too, out)?;
        } else if is_image(&path) && (masks_too || !is_mask_name(&path)) {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_8_1_1_per_label_and_stable() {
        let ids: Vec<String> = (0..100)
            .map(|i| format!("CHNCXR_{i:04}_{}", i % 2))
            .collect();
        let a = split_for(&ids, SPLIT_SEED);
        let mut rev = ids.clone();
        rev.reverse();
        assert_eq!(a, split_for(&rev, SPLIT_SEED), "order must not matter");
        for label in ["_0", "_1"] {
            let count = |s| {
                a.iter()
                    .filter(|(id, &p)| id.ends_with(label) && p == s)
                    .count()
            };
            assert_eq!(
                (count(Split::Train), count(Split::Val), count(Split::Test)),
                (40, 5, 5)
            );
        }
        assert_ne!(a, split_for(&ids, 7), "the seed must matter");
    }

    #[test]
    fn labels_from_suffix() {
        assert_eq!(label_of("CHNCXR_0001_0"), Some(0));
        assert_eq!(label_of("CHNCXR_0352_1"), Some(1));
        assert_eq!(label_of("JPCLN003"), None);
    }
}
