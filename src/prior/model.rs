//! The shape prior itself: every training mask's two lungs in resolution-free form (with the
//! found lungs and corrections when fitted with images), saved as a versioned JSON file
//! (`.lfp`) whose loader checks every table before use.

use std::path::Path;

use super::images::WorkingImages;
use super::outline::{radial, SHAPE_DIM};
use super::pdm::ShapeModel;
use super::refine::{Refiner, Scene};
use super::shape::{Correction, LungShape, GRID_H, GRID_W};
use crate::error::{Error, Result};
use crate::image::{Labels, Mask};
use crate::segment::{two_lungs, Side};

/// Identifies a lungfield prior file.
pub const PRIOR_FORMAT: &str = "lungfield-prior";
/// Version of the prior file layout; files of another version are refused.
pub const PRIOR_VERSION: u32 = 1;
/// Largest prior file read (about 65 KB per training image with corrections, shade-resolved
/// ones included: some 16 000 images).
pub const MAX_PRIOR_BYTES: u64 = 1 << 30;

/// The shipped prior file, gzip-compressed JSON (see [`ShapePrior::builtin`]).
const BUILTIN: &[u8] = include_bytes!("../../models/jsrt-prior.lfp.gz");
/// How errors name the built-in prior.
pub const BUILTIN_NAME: &str = "<built-in prior models/jsrt-prior.lfp.gz>";

/// Both lungs of one training mask.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairShape {
    /// Mask file stem it came from.
    pub id: String,
    /// Patient's right lung (image left).
    pub right: LungShape,
    /// Patient's left lung (image right).
    pub left: LungShape,
    /// What lungfield's image-driven stages found in the same image (right, left), when the
    /// prior was fitted with images: how the found lungs relate to the expert's is what lets
    /// the prior correct the segmenter's systematic errors.
    #[serde(default)]
    pub found: [Option<LungShape>; 2],
    /// How the expert's lungs relate to the found ones, cell by cell (right, left), when the
    /// prior was fitted with images.
    #[serde(default)]
    pub correction: [Option<Correction>; 2],
    /// The expert lungs as a shape vector of the point distribution model (see
    /// [`super::ShapeModel`]): both lungs' centroids and extents along each ray.
    #[serde(default)]
    pub radial: Option<Vec<f32>>,
    /// The corrections resolved by shade too (right, left; see
    /// [`super::Correction::measure_shaded`]), when the prior was fitted with images.
    #[serde(default)]
    pub shaded: [Option<Correction>; 2],
    /// The image, found lungs and expert lungs at the working resolution, kept while a prior
    /// is fitted with images to train its band classifier ([`super::Refiner`]); never saved.
    #[serde(skip)]
    pub scene: Option<std::sync::Arc<Scene>>,
}

impl PairShape {
    /// The found lung on `side`: the image-driven one when known, else the
    /// expert's (a prior fitted on masks alone assumes the segmenter is unbiased).
    pub fn found(&self, side: Side) -> Option<&LungShape> {
        if self.found.iter().any(Option::is_some) {
            self.found[side.index()].as_ref()
        } else {
            Some(self.lung(side))
        }
    }

    /// Both lungs of the expert `mask` and the lungs found in the same image (`found`: a label
    /// image, 1 right, 2 left, at the working resolution of a 256-pixel reference scale or
    /// any other), with the corrections that relate them; `None` when the mask does not hold
    /// two lungs. With the working images the lungs were found in, the corrections are also
    /// resolved by shade and the band classifier gets its training pixels.
    pub fn with_found(
        id: &str,
        mask: &Mask,
        found: &Labels,
        images: Option<WorkingImages>,
    ) -> Option<PairShape> {
        let imgs = images.map(|i| (i.smooth, i.work));
        let img = imgs.map(|i| i.0);
        let truth = two_lungs(&mask.map(|&v| u8::from(v != 0))).labels;
        let scale = 256.0 / found.width().max(found.height()).max(1) as f32;
        // With the image, the plain corrections are the shaded ones summed over shade: one
        // measurement (one pair of distance transforms) per lung.
        let shaded = Side::BOTH.map(|side| {
            let l = side.label();
            Correction::measure_shaded(found, l, scale, &truth, l, img?)
        });
        let correction = Side::BOTH.map(|side| match (&shaded[side.index()], img) {
            (Some(c), Some(_)) => Some(c.summed()),
            _ => Correction::measure(found, side.label(), scale, &truth, side.label()),
        });
        Some(PairShape {
            id: id.to_string(),
            right: LungShape::from_labels(&truth, Side::Right.label())?,
            left: LungShape::from_labels(&truth, Side::Left.label())?,
            found: [
                LungShape::from_labels(found, Side::Right.label()),
                LungShape::from_labels(found, Side::Left.label()),
            ],
            correction,
            radial: shape_vector(&truth),
            shaded,
            scene: imgs.map(|(smooth, work)| std::sync::Arc::new(scene(mask, found, smooth, work))),
        })
    }

    /// The expert's lung on `side`.
    pub fn lung(&self, side: Side) -> &LungShape {
        if side == Side::Right {
            &self.right
        } else {
            &self.left
        }
    }

    /// Both lungs of a binary or label mask (largest plausible component each side of the
    /// midline); `None` when a lung is missing.
    pub fn from_mask(id: &str, mask: &Mask) -> Option<PairShape> {
        let pair = two_lungs(&mask.map(|&v| u8::from(v != 0)));
        Some(PairShape {
            id: id.to_string(),
            right: LungShape::from_labels(&pair.labels, 1)?,
            left: LungShape::from_labels(&pair.labels, 2)?,
            found: [None, None],
            correction: [None, None],
            radial: shape_vector(&pair.labels),
            shaded: [None, None],
            scene: None,
        })
    }
}

/// What the band classifier learns from in one training image: the expert `mask` (any
/// size) brought to the size of the found lungs by area averaging (lung where at least half
/// the area is).
fn scene(
    mask: &Mask,
    found: &Labels,
    smooth: &crate::image::GrayU8,
    work: &crate::image::GrayU8,
) -> Scene {
    let (w, h) = (found.width(), found.height());
    let area = crate::enhance::area_resize(&mask.map(|&v| f32::from(u8::from(v != 0))), w, h);
    Scene {
        smooth: smooth.clone(),
        image: work.clone(),
        found: found.clone(),
        truth: area.map(|&v| u8::from(v >= 0.5)),
    }
}

/// Both lungs of a label image (1 right, 2 left) as one shape vector of the point
/// distribution model; `None` when a lung is missing.
fn shape_vector(labels: &Labels) -> Option<Vec<f32>> {
    let mut v = radial(labels, 1)?.to_vec();
    v.extend(radial(labels, 2)?);
    Some(v)
}

/// A learned lung shape prior: the training masks' lungs, each reduced to its bounding box
/// and a `grid[0] × grid[1]` coverage grid.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ShapePrior {
    /// Always [`PRIOR_FORMAT`].
    pub format: String,
    /// [`PRIOR_VERSION`] when written.
    pub format_version: u32,
    /// The lungfield version that wrote it.
    pub lungfield_version: String,
    /// Grid columns and rows per lung.
    pub grid: (usize, usize),
    /// The segmentation settings the corrections were measured with (`None` for a prior
    /// fitted on masks alone); the corrections suit those settings.
    #[serde(default)]
    pub segment: Option<crate::options::SegmentOptions>,
    /// Masks skipped at fitting (no two lungs found), with the reason.
    pub skipped: Vec<String>,
    /// The training shapes, sorted by id.
    pub exemplars: Vec<PairShape>,
    /// The band classifier (see [`super::Refiner`]), when the prior was fitted with images
    /// of at least [`super::refine::MIN_SCENES`] training pairs.
    #[serde(default)]
    pub refiner: Option<Refiner>,
    /// The point distribution model of the exemplars' shape vectors, made on first use.
    #[serde(skip)]
    model: std::sync::OnceLock<Option<ShapeModel>>,
}

impl ShapePrior {
    /// [`ShapePrior::from_shapes`] without the band classifier (the scenes are kept).
    pub(crate) fn without_refiner(
        mut exemplars: Vec<PairShape>,
        skipped: Vec<String>,
    ) -> Result<Self> {
        if exemplars.len() < 3 {
            return Err(Error::InvalidOption(format!(
                "a shape prior needs at least 3 masks with two lungs each, got {}",
                exemplars.len()
            )));
        }
        exemplars.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(ShapePrior {
            format: PRIOR_FORMAT.into(),
            format_version: PRIOR_VERSION,
            lungfield_version: env!("CARGO_PKG_VERSION").into(),
            grid: (GRID_W, GRID_H),
            segment: None,
            skipped,
            exemplars,
            refiner: None,
            model: Default::default(),
        })
    }

    /// The point distribution model of the exemplars' lungs (`None` when fewer than three
    /// exemplars carry a shape vector, as in priors written before it existed).
    pub fn shape_model(&self) -> Option<&ShapeModel> {
        self.model
            .get_or_init(|| {
                let shapes: Vec<&[f32]> = self
                    .exemplars
                    .iter()
                    .filter_map(|e| e.radial.as_deref())
                    .collect();
                ShapeModel::fit(&shapes)
            })
            .as_ref()
    }

    /// Saves the prior as JSON, atomically; gzip-compressed when `path` ends in `.gz` (the
    /// built-in prior's form). The plain corrections that the shade-resolved ones sum to are
    /// left out (the loader derives them), so a prior fitted with images is about a third
    /// smaller than the corrections it holds.
    ///
    /// # Errors
    /// [`Error::Io`] naming the file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let gz = path.extension().is_some_and(|e| e == "gz");
        crate::io::write_atomic(path, &self.to_bytes(gz, path)?)
    }

    /// The bytes [`ShapePrior::save`] writes: JSON, gzip-compressed (level 9, no name or
    /// time in the header, so the same prior always gives the same bytes) when `gz`.
    ///
    /// # Errors
    /// [`Error::Model`] naming `path` when the prior cannot be serialised.
    pub fn to_bytes(&self, gz: bool, path: &Path) -> Result<Vec<u8>> {
        let bad = |reason: String| Error::Model {
            path: path.to_path_buf(),
            reason,
        };
        let mut lean = self.clone();
        for e in &mut lean.exemplars {
            for s in 0..2 {
                if e.shaded[s].is_some() {
                    e.correction[s] = None;
                }
            }
        }
        let json = serde_json::to_vec(&lean)
            .map_err(|e| bad(format!("cannot serialise the prior: {e}")))?;
        if !gz {
            return Ok(json);
        }
        use std::io::Write;
        let mut enc = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::best());
        enc.write_all(&json)
            .and_then(|()| enc.finish())
            .map_err(|e| bad(format!("cannot compress the prior: {e}")))
    }

    /// The built-in prior: fitted on the JSRT images with the SCR lung masks (`jsrt-dev`,
    /// 140 radiographs; Shiraishi et al. 2000, van Ginneken et al. 2006, research use with
    /// citation) and compiled into the library, so a segmentation gets the prior's quality
    /// with no file. Rebuilt by `lungfield prior fit --data ../shared/data/jsrt-dev -o
    /// models/jsrt-prior.lfp.gz` (a real-data test checks that the shipped file equals a fresh
    /// fit). Decoded on each call (about 0.1 s): keep the result.
    ///
    /// # Errors
    /// None in a correct build (the shipped file is checked by the tests); a corrupt one is
    /// reported as [`Error::Model`].
    pub fn builtin() -> Result<Self> {
        Self::from_json(BUILTIN, Path::new(BUILTIN_NAME))
    }

    /// Loads and checks a prior file.
    ///
    /// # Errors
    /// [`Error::Model`] naming the file when it is too large, malformed, truncated, from
    /// another format version or inconsistent (wrong grid sizes, boxes outside the image).
    pub fn load(path: &Path) -> Result<Self> {
        use crate::io::Unread;
        let bad = |reason: String| Error::Model {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = crate::io::read_bounded(path, MAX_PRIOR_BYTES).map_err(|u| match u {
            Unread::Io(e) => e,
            Unread::NotAFile => bad("not a file".into()),
            Unread::TooLarge(len) => bad(format!(
                "{len} bytes is larger than any prior lungfield writes ({MAX_PRIOR_BYTES})"
            )),
        })?;
        Self::from_json(&bytes, path)
    }

    /// A prior from the bytes of a prior file (`path` names it in errors), plain or
    /// gzip-compressed JSON, with every check of [`ShapePrior::load`] but the size limit of
    /// the file itself (the decompressed JSON is bounded by [`MAX_PRIOR_BYTES`]).
    ///
    /// # Errors
    /// As [`ShapePrior::load`].
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Self> {
        let bad = |reason: String| Error::Model {
            path: path.to_path_buf(),
            reason,
        };
        let unpacked;
        let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
            use std::io::Read;
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(bytes)
                .take(MAX_PRIOR_BYTES + 1)
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("not a gzip-compressed prior file ({e})")))?;
            if out.len() as u64 > MAX_PRIOR_BYTES {
                return Err(bad(format!(
                    "decompresses to more than any prior lungfield writes ({MAX_PRIOR_BYTES} bytes)"
                )));
            }
            unpacked = out;
            &unpacked[..]
        } else {
            bytes
        };
        let mut p: ShapePrior = serde_json::from_slice(bytes).map_err(|e| {
            bad(format!(
                "not a lungfield prior file ({e}); make one with `lungfield prior fit`"
            ))
        })?;
        if p.format != PRIOR_FORMAT {
            return Err(bad(format!(
                "format is {:?}, not {PRIOR_FORMAT:?}",
                p.format
            )));
        }
        if p.format_version != PRIOR_VERSION {
            return Err(bad(format!(
                "prior format version {} (this lungfield reads version {PRIOR_VERSION}); refit it with `lungfield prior fit`",
                p.format_version
            )));
        }
        p.check().map_err(bad)?;
        // Plain corrections left out of the file are the shade-resolved ones summed.
        for e in &mut p.exemplars {
            for s in 0..2 {
                if e.correction[s].is_none() {
                    e.correction[s] = e.shaded[s].as_ref().map(Correction::summed);
                }
            }
        }
        Ok(p)
    }

    fn check(&self) -> std::result::Result<(), String> {
        if self.grid != (GRID_W, GRID_H) {
            return Err(format!(
                "grid {:?} differs from this lungfield's {:?}",
                self.grid,
                (GRID_W, GRID_H)
            ));
        }
        if let Some(r) = &self.refiner {
            r.check()?;
        }
        if self.exemplars.len() < 3 {
            return Err(format!(
                "{} shapes; at least 3 needed",
                self.exemplars.len()
            ));
        }
        for e in &self.exemplars {
            for s in [&e.right, &e.left]
                .into_iter()
                .chain(e.found.iter().flatten())
            {
                let f = s.frac;
                let ok = f.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v))
                    && f[0] < f[2]
                    && f[1] < f[3];
                if !ok || s.grid.len() != GRID_W * GRID_H {
                    return Err(format!("shape {:?} is malformed", e.id));
                }
            }
            if let Some(r) = &e.radial {
                if r.len() != SHAPE_DIM || !r.iter().all(|v| v.is_finite() && v.abs() <= 4.0) {
                    return Err(format!("shape {:?} has a malformed shape vector", e.id));
                }
            }
            if !e
                .shaded
                .iter()
                .flatten()
                .all(|c| c.is_valid_for(super::shade::SHADE_ENTRIES))
            {
                return Err(format!(
                    "shape {:?} has a malformed shaded correction",
                    e.id
                ));
            }
            if !e.correction.iter().flatten().all(Correction::is_valid) {
                return Err(format!("shape {:?} has a malformed correction grid", e.id));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair_mask(w: usize, shift: usize) -> Mask {
        let mut m = Mask::new(w, w);
        for y in 10 + shift..50 {
            for x in 6..26 {
                m.set(x, y, 255);
                m.set(x + 32, y, 255);
            }
        }
        m
    }

    fn prior() -> ShapePrior {
        let shapes = (0..4)
            .map(|i| PairShape::from_mask(&format!("m{i}"), &pair_mask(64, i)).unwrap())
            .collect();
        ShapePrior::from_shapes(shapes, vec!["x: two lungs not found".into()]).unwrap()
    }

    #[test]
    fn saves_and_loads_the_same_prior() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lungs.lfp");
        let a = prior();
        a.save(&p).unwrap();
        let b = ShapePrior::load(&p).unwrap();
        assert_eq!(a.exemplars, b.exemplars);
        assert_eq!(a.skipped, b.skipped);
    }

    #[test]
    fn a_prior_without_shape_vectors_loads_without_a_shape_model() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("old.lfp");
        let a = prior();
        assert!(a.shape_model().is_some());
        let mut v = serde_json::to_value(&a).unwrap();
        for e in v["exemplars"].as_array_mut().unwrap() {
            e.as_object_mut().unwrap().remove("radial");
        }
        std::fs::write(&p, v.to_string()).unwrap();
        let b = ShapePrior::load(&p).unwrap();
        assert!(b.exemplars.iter().all(|e| e.radial.is_none()));
        assert!(b.shape_model().is_none());
    }

    #[test]
    fn too_few_masks_is_an_error() {
        let shapes = vec![PairShape::from_mask("a", &pair_mask(64, 0)).unwrap()];
        assert!(ShapePrior::from_shapes(shapes, Vec::new()).is_err());
        assert_eq!(PairShape::from_mask("empty", &Mask::new(64, 64)), None);
    }

    #[test]
    fn broken_files_are_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.lfp");
        prior().save(&good).unwrap();
        let text = std::fs::read_to_string(&good).unwrap();
        let mut cases: Vec<(&str, String)> = vec![
            ("empty", String::new()),
            ("truncated", text[..text.len() / 2].to_string()),
            ("not json", "PNG\u{1a}garbage".into()),
            (
                "other format",
                text.replace(PRIOR_FORMAT, "lungfield-model"),
            ),
            (
                "other version",
                text.replace("\"format_version\":1", "\"format_version\":99"),
            ),
        ];
        // A grid that is not base64, and one of the wrong length.
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["exemplars"][0]["right"]["grid"] = "!!!".into();
        cases.push(("bad base64", v.to_string()));
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["exemplars"][1]["left"]["grid"] = "AAAA".into();
        cases.push(("short grid", v.to_string()));
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["exemplars"][2]["left"]["frac"] = serde_json::json!([0.5, 0.1, 0.2, 0.9]);
        cases.push(("inverted box", v.to_string()));
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["exemplars"][0]["radial"] = serde_json::json!([0.5, 0.1]);
        cases.push(("short shape vector", v.to_string()));
        // A shade-resolved entry past the table ([65000, 1, 1]).
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["exemplars"][1]["shaded"] = serde_json::json!([{ "entries": "6P0BAAEA" }, null]);
        cases.push(("shaded entry out of range", v.to_string()));
        for (what, body) in cases {
            let p = dir.path().join(format!("{}.lfp", what.replace(' ', "_")));
            std::fs::write(&p, body).unwrap();
            let err = ShapePrior::load(&p).expect_err(what).to_string();
            assert!(err.contains(&*p.to_string_lossy()), "{what}: {err}");
        }
        // Larger than any prior: refused before reading (a sparse file, no disk used).
        let huge = dir.path().join("huge.lfp");
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(MAX_PRIOR_BYTES + 1)
            .unwrap();
        let err = ShapePrior::load(&huge).unwrap_err().to_string();
        assert!(err.contains("larger than any prior"), "{err}");
    }

    #[test]
    fn fitting_files_does_not_depend_on_threads_or_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for i in 0..5 {
            let p = dir.path().join(format!("m{i}_mask.png"));
            crate::io::write_png_gray8(&p, &pair_mask(64, i)).unwrap();
            files.push(p);
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let a = one.install(|| ShapePrior::fit_files(&files)).unwrap();
        files.reverse();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let b = two.install(|| ShapePrior::fit_files(&files)).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        assert_eq!(a.exemplars.len(), 5);
        assert_eq!(a.exemplars[0].id, "m0_mask");
    }
}
