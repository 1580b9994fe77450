//! `lungfield._lungfield`: the engine for Python (PyO3, NumPy). The pure-Python layer in
//! `pysrc/lungfield/__init__.py` re-exports these names and adds what is nicer written in
//! Python (dict and DataFrame forms).
//!
//! Images cross as 2-D `uint8` or `uint16` arrays (one copy in, to own the pixels while the
//! GIL is released); results leave as arrays built from Rust vectors without a copy. Every
//! call that works on pixels releases the GIL; the batch calls use all cores (rayon).
//! Errors are `lungfield.LungfieldError` with the CLI's message.

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;

use lungfield::classify::harmonise::SiteScaler;
use lungfield::classify::{screen, ScreenOptions, Screened, TrainOptions, TrainingRows};
use lungfield::features::{FeatureOptions, MaskSource};
use lungfield::io::{Radiograph, Subset};
use lungfield::prior::ShapePrior;
use lungfield::{GrayU16, GrayU8, Labels, SegmentOptions};

create_exception!(
    _lungfield,
    LungfieldError,
    PyException,
    "An error from lungfield (bad input, a broken model file …), with the CLI's message."
);

fn err(e: lungfield::Error) -> PyErr {
    LungfieldError::new_err(e.to_string())
}

/// The pixels of a 2-D array of `T`, if `obj` is one: `(width, height, row-major values)`
/// (copied, so the work can run without the GIL; a non-contiguous view is read as NumPy
/// sees it).
fn pixels<T: numpy::Element + Copy>(obj: &Bound<'_, PyAny>) -> Option<(usize, usize, Vec<T>)> {
    let a = obj.extract::<PyReadonlyArray2<'_, T>>().ok()?;
    let (h, w) = (a.shape()[0], a.shape()[1]);
    Some((w, h, a.as_array().iter().copied().collect()))
}

/// A 2-D uint8 or uint16 array as a radiograph.
fn radiograph(image: &Bound<'_, PyAny>) -> PyResult<Radiograph> {
    let shape = || PyTypeError::new_err("image: inconsistent shape");
    if let Some((w, h, data)) = pixels::<u8>(image) {
        return GrayU8::from_vec(w, h, data)
            .map(Radiograph::U8)
            .ok_or_else(shape);
    }
    if let Some((w, h, data)) = pixels::<u16>(image) {
        return GrayU16::from_vec(w, h, data)
            .map(Radiograph::U16)
            .ok_or_else(shape);
    }
    Err(PyTypeError::new_err(
        "image: expected a 2-D numpy array of uint8 or uint16 (grey, rows × columns)",
    ))
}

/// A 2-D uint8 array as lung labels (0 background, 1 right lung, 2 left lung).
fn labels(a: &Bound<'_, PyAny>) -> PyResult<Labels> {
    let (w, h, data) = pixels::<u8>(a).ok_or_else(|| {
        PyTypeError::new_err("labels: expected a 2-D numpy uint8 array (0, 1 right, 2 left)")
    })?;
    Labels::from_vec(w, h, data).ok_or_else(|| PyTypeError::new_err("labels: inconsistent shape"))
}

fn array_u8<'py>(py: Python<'py>, p: GrayU8) -> PyResult<Bound<'py, PyArray2<u8>>> {
    let (w, h) = (p.width(), p.height());
    p.into_vec()
        .into_pyarray(py)
        .reshape([h, w])
        .map_err(|e| PyException::new_err(e.to_string()))
}

fn array_u16<'py>(py: Python<'py>, p: GrayU16) -> PyResult<Bound<'py, PyArray2<u16>>> {
    let (w, h) = (p.width(), p.height());
    p.into_vec()
        .into_pyarray(py)
        .reshape([h, w])
        .map_err(|e| PyException::new_err(e.to_string()))
}

/// The shape prior named by `prior`: `"builtin"`, a `.lfp` file, or `None` for none.
fn prior_of(prior: Option<&str>) -> PyResult<Option<ShapePrior>> {
    match prior {
        None => Ok(None),
        Some("builtin") => ShapePrior::builtin().map(Some).map_err(err),
        Some(path) => ShapePrior::load(path.as_ref()).map(Some).map_err(err),
    }
}

/// Reads a radiograph (PNG, JPEG, TIFF or DICOM): `(pixels, meta)`, the pixels a 2-D uint8
/// or uint16 array, `meta` a dict (`width`, `height`, `bits`, and for DICOM the pixel
/// spacing, photometric interpretation, view position and age).
#[pyfunction]
fn read<'py>(py: Python<'py>, path: PathBuf) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyDict>)> {
    let (img, info) = py
        .detach(|| lungfield::io::decode_file_info(&path))
        .map_err(err)?;
    let meta = PyDict::new(py);
    meta.set_item("width", img.width())?;
    meta.set_item("height", img.height())?;
    if let Some(i) = info {
        meta.set_item("pixel_spacing_mm", i.pixel_spacing_mm)?;
        meta.set_item("photometric", i.photometric)?;
        meta.set_item("view_position", i.view_position)?;
        meta.set_item("patient_age_years", i.patient_age_years)?;
    }
    let pixels = match img {
        Radiograph::U8(p) => {
            meta.set_item("bits", 8)?;
            array_u8(py, p)?.into_any()
        }
        Radiograph::U16(p) => {
            meta.set_item("bits", 16)?;
            array_u16(py, p)?.into_any()
        }
    };
    Ok((pixels, meta))
}

/// The lungs of one radiograph.
#[pyclass(module = "lungfield")]
struct Segmentation {
    /// Lung labels at the image's size: 0 background, 1 right lung, 2 left lung.
    #[pyo3(get)]
    labels: Py<PyArray2<u8>>,
    /// Flags for review (stable codes).
    #[pyo3(get)]
    flags: Vec<String>,
    /// The share of the right and left lung the image showed (the rest came from shape).
    #[pyo3(get)]
    from_image: (f32, f32),
    /// The same per zone: `((right upper, middle, lower), (left upper, middle, lower))`.
    #[pyo3(get)]
    zones_from_image: ((f32, f32, f32), (f32, f32, f32)),
    provenance: lungfield::segment::Provenance,
}

#[pymethods]
impl Segmentation {
    /// The lung mask, 0/255 (what `lungfield segment` writes).
    #[getter]
    fn mask<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<u8>>> {
        let l = self.labels.bind(py).readonly();
        let (h, w) = (l.shape()[0], l.shape()[1]);
        let data: Vec<u8> = l
            .as_array()
            .iter()
            .map(|&v| if v != 0 { 255 } else { 0 })
            .collect();
        array_u8(
            py,
            GrayU8::from_vec(w, h, data).unwrap_or_else(|| GrayU8::new(w, h)),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Segmentation(from_image=({:.2}, {:.2}), flags={:?})",
            self.from_image.0, self.from_image.1, self.flags
        )
    }
}

fn segmentation(py: Python<'_>, seg: lungfield::Segmentation) -> PyResult<Segmentation> {
    let p = seg.provenance;
    let z = p.zones;
    Ok(Segmentation {
        from_image: (p.from_image[0], p.from_image[1]),
        zones_from_image: ((z[0][0], z[0][1], z[0][2]), (z[1][0], z[1][1], z[1][2])),
        provenance: p,
        flags: seg.flags,
        labels: array_u8(py, seg.labels)?.unbind(),
    })
}

/// Finds the two lungs of `image` (2-D uint8/uint16); `prior`: `"builtin"` (the default),
/// a prior file from `lungfield prior fit`, or `None`.
#[pyfunction]
#[pyo3(signature = (image, prior = Some("builtin")))]
fn segment(
    py: Python<'_>,
    image: &Bound<'_, PyAny>,
    prior: Option<&str>,
) -> PyResult<Segmentation> {
    let img = radiograph(image)?;
    let prior = prior_of(prior)?;
    let seg = py
        .detach(|| lungfield::segment_with_prior(&img, &SegmentOptions::default(), prior.as_ref()))
        .map_err(err)?;
    segmentation(py, seg)
}

/// The feature names, in the order of `features`' values.
#[pyfunction]
fn feature_names() -> Vec<String> {
    lungfield::features::feature_names(&FeatureOptions::default())
}

/// The feature values of `image` and its lungs, in the order of `feature_names()`: `lungs`
/// is a `Segmentation` (its labels, and how much of each lung the image showed, as the CLI
/// computes them) or a label array (0/1/2, the image's size; every lung taken as seen).
#[pyfunction]
fn feature_values(
    py: Python<'_>,
    image: &Bound<'_, PyAny>,
    lungs: &Bound<'_, PyAny>,
) -> PyResult<Vec<f64>> {
    let img = radiograph(image)?;
    let (lab, provenance) = match lungs.cast::<Segmentation>() {
        Ok(seg) => {
            let seg = seg.borrow();
            (labels(seg.labels.bind(py).as_any())?, seg.provenance)
        }
        Err(_) => (labels(lungs)?, lungfield::segment::Provenance::all_seen()),
    };
    py.detach(|| {
        lungfield::features::extract_with(&img, &lab, &provenance, &FeatureOptions::default())
    })
    .map_err(err)
}

/// A score: 0–100, the probability, the label at the operating point, flags, QC codes.
#[pyclass(module = "lungfield", get_all)]
#[derive(Clone)]
struct Score {
    /// The score 0–100 (`None` when a quality check refused the image).
    score: Option<f64>,
    /// The calibrated probability of TB (`None` when refused).
    probability: Option<f64>,
    /// `"tb"`, `"normal"`, or `""` when refused.
    label: String,
    /// The segmentation's flags (or why the image was refused).
    flags: Vec<String>,
    /// The quality-check codes.
    qc: Vec<String>,
}

#[pymethods]
impl Score {
    fn __repr__(&self) -> String {
        format!(
            "Score(score={:?}, probability={:?}, label={:?}, flags={:?}, qc={:?})",
            self.score, self.probability, self.label, self.flags, self.qc
        )
    }
}

fn score_of(s: &Screened) -> Score {
    Score {
        score: s.scored.as_ref().map(|x| x.score),
        probability: s.scored.as_ref().map(|x| x.probability),
        label: s.label().to_string(),
        flags: s.flags_or_reason(),
        qc: s.qc_codes().iter().map(|c| c.to_string()).collect(),
    }
}

/// A trained TB model (`lungfield train`'s `.lfm` files).
#[pyclass(module = "lungfield")]
struct Model {
    inner: lungfield::classify::Model,
    prior: Option<ShapePrior>,
    /// The site's feature statistics, for a harmonised model (`fit_site`).
    site: Option<SiteScaler>,
}

impl Model {
    fn opts<'a>(&'a self, scaler: Option<&'a SiteScaler>) -> ScreenOptions<'a> {
        ScreenOptions {
            threshold: self.inner.threshold,
            scaler,
            heatmap: false,
        }
    }

    /// The site statistics of a harmonised model, fitted on `paths` (CLI: `classify
    /// --harmonise-with`, or the batch itself).
    fn site_of(&self, paths: &[PathBuf]) -> lungfield::Result<SiteScaler> {
        let mut t = lungfield::features::feature_table(
            &lungfield::features::jobs_from_files(paths),
            MaskSource::Found,
            &self.inner.segment,
            self.prior.as_ref(),
            &self.inner.features,
            &(),
        );
        if let Some((_, e)) = std::mem::take(&mut t.failures).into_iter().next() {
            return Err(e);
        }
        let rows: Vec<&[f64]> = t.rows.iter().map(|r| r.values.as_slice()).collect();
        SiteScaler::fit(&rows)
    }
}

#[pymethods]
impl Model {
    /// Loads a model file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
        let inner = py
            .detach(|| lungfield::classify::Model::load(&path))
            .map_err(err)?;
        let prior = inner.prior().map_err(err)?;
        Ok(Model {
            inner,
            prior,
            site: None,
        })
    }

    /// Writes the model file (atomically).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        self.inner.save(&path).map_err(err)
    }

    /// Fits a harmonised model's site statistics on image files of the site (the CLI's
    /// `classify --harmonise-with DIR`); `score` and `score_files` then use them.
    fn fit_site(&mut self, py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<()> {
        if !self.inner.harmonised {
            return Err(LungfieldError::new_err(
                "fit_site: this model was trained without harmonisation",
            ));
        }
        self.site = Some(py.detach(|| self.site_of(&paths)).map_err(err)?);
        Ok(())
    }

    /// Scores one image (2-D uint8/uint16): quality checks, lungs, features, score.
    fn score(&self, py: Python<'_>, image: &Bound<'_, PyAny>) -> PyResult<Score> {
        if self.inner.harmonised && self.site.is_none() {
            return Err(LungfieldError::new_err(
                "this model harmonises each site's features: call fit_site(paths) with images of the site first, or score a batch with score_files",
            ));
        }
        let img = radiograph(image)?;
        let opts = self.opts(self.site.as_ref());
        let s = py
            .detach(|| screen(img, None, &self.inner, self.prior.as_ref(), &opts))
            .map_err(err)?;
        Ok(score_of(&s))
    }

    /// Scores image files on all cores; a file that cannot be read raises, naming it. A
    /// harmonised model without `fit_site` standardises on this batch, as the CLI does.
    fn score_files(&self, py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Vec<Score>> {
        let batch_site = match (&self.site, self.inner.harmonised) {
            (None, true) => Some(py.detach(|| self.site_of(&paths)).map_err(err)?),
            _ => None,
        };
        let opts = self.opts(batch_site.as_ref().or(self.site.as_ref()));
        let results: Vec<lungfield::Result<Screened>> = py.detach(|| {
            paths
                .par_iter()
                .map(|p| {
                    lungfield::classify::screen_file(p, &self.inner, self.prior.as_ref(), &opts)
                })
                .collect()
        });
        results
            .into_iter()
            .map(|r| r.map(|s| score_of(&s)).map_err(err))
            .collect()
    }

    /// Probability at or above which the label is `"tb"`.
    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.threshold
    }

    /// The images trained on: `(normal, tb)`.
    #[getter]
    fn n_train(&self) -> (usize, usize) {
        self.inner.n_train
    }

    /// Whether the model standardises each site's features (trained with `harmonise=True`).
    #[getter]
    fn harmonised(&self) -> bool {
        self.inner.harmonised
    }

    /// Whether the model has an abnormality heatmap.
    #[getter]
    fn has_heatmap(&self) -> bool {
        self.inner.heatmap.is_some()
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(n_train={:?}, sites=[{}], validation_auc={})",
            self.inner.n_train,
            self.inner
                .sites
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", "),
            self.inner
                .validation_auc
                .map_or("None".to_string(), |a| format!("{a:.3}"))
        )
    }
}

/// The datasets (SZ-CXR layout: `images/`, optional `masks/` and `MANIFEST.csv`) as feature
/// jobs, in folder then id order.
fn jobs(data: &[PathBuf]) -> PyResult<Vec<lungfield::features::FeatureJob>> {
    let mut jobs = Vec::new();
    for d in data {
        let ds = lungfield::io::Dataset::open(d).map_err(err)?;
        jobs.extend(lungfield::features::jobs_from_dataset(&ds, Subset::All));
    }
    Ok(jobs)
}

/// Trains a TB model on datasets (each folder a site), as `lungfield train` does.
#[pyfunction]
#[pyo3(signature = (data, trees = lungfield::forest::TREES, seed = 1, harmonise = false))]
fn train(
    py: Python<'_>,
    data: Vec<PathBuf>,
    trees: usize,
    seed: u64,
    harmonise: bool,
) -> PyResult<Model> {
    let jobs = jobs(&data)?;
    let inner = py
        .detach(|| {
            let prior = ShapePrior::builtin()?;
            let t = lungfield::features::training_table(
                &jobs,
                MaskSource::Found,
                &SegmentOptions::default(),
                Some(&prior),
                &FeatureOptions::default(),
                &(),
            );
            let rows = TrainingRows::labelled(&t)?;
            let mut opts = TrainOptions::default();
            opts.forest.trees = trees;
            opts.forest.seed = seed;
            opts.harmonise = harmonise;
            let m = lungfield::classify::Model::train(
                rows.set(),
                &SegmentOptions::default(),
                &FeatureOptions::default(),
                &opts,
            )?;
            // Through the file format once, so the model scores exactly as its saved file
            // will (JSON numbers are parsed to the nearest double, not always to the bits
            // they were printed from).
            let bytes = serde_json::to_vec(&m).map_err(|e| lungfield::Error::Model {
                path: "trained model".into(),
                reason: e.to_string(),
            })?;
            lungfield::classify::Model::from_json(&bytes, "trained model".as_ref())
        })
        .map_err(err)?;
    let prior = inner.prior().map_err(err)?;
    Ok(Model {
        inner,
        prior,
        site: None,
    })
}

/// The feature table of datasets on all cores: `(ids, names, values, labels, sites, flags,
/// failures)`, `values` a 2-D float64 array (rows × features), `failures` `(id, message)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn feature_table<'py>(
    py: Python<'py>,
    data: Vec<PathBuf>,
) -> PyResult<(
    Vec<String>,
    Vec<String>,
    Bound<'py, PyArray2<f64>>,
    Vec<Option<u8>>,
    Vec<String>,
    Vec<Vec<String>>,
    Vec<(String, String)>,
)> {
    let jobs = jobs(&data)?;
    let t = py
        .detach(|| {
            let prior = ShapePrior::builtin()?;
            Ok::<_, lungfield::Error>(lungfield::features::feature_table(
                &jobs,
                MaskSource::Found,
                &SegmentOptions::default(),
                Some(&prior),
                &FeatureOptions::default(),
                &(),
            ))
        })
        .map_err(err)?;
    let n = t.names.len();
    let flat: Vec<f64> = t
        .rows
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .collect();
    let values = flat
        .into_pyarray(py)
        .reshape([t.rows.len(), n])
        .map_err(|e| PyException::new_err(e.to_string()))?;
    Ok((
        t.rows.iter().map(|r| r.id.clone()).collect(),
        t.names.clone(),
        values,
        t.rows.iter().map(|r| r.label).collect(),
        t.rows.iter().map(|r| r.site.clone()).collect(),
        t.rows.iter().map(|r| r.flags.clone()).collect(),
        t.failures
            .iter()
            .map(|(id, e)| (id.clone(), e.to_string()))
            .collect(),
    ))
}

/// Segments image files on all cores; with `out`, writes `<stem>_mask.png` (0/255, the
/// bytes `lungfield segment` writes). Returns `(path, flags, error)` per file, in order
/// (`error` empty when it worked).
#[pyfunction]
#[pyo3(signature = (paths, out = None, prior = Some("builtin")))]
fn segment_files(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    out: Option<PathBuf>,
    prior: Option<&str>,
) -> PyResult<Vec<(PathBuf, Vec<String>, String)>> {
    let prior = prior_of(prior)?;
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir)
            .map_err(|e| LungfieldError::new_err(format!("{}: {e}", dir.display())))?;
    }
    Ok(py.detach(|| {
        paths
            .par_iter()
            .map(|p| {
                let r = lungfield::io::decode_file(p).and_then(|img| {
                    let seg = lungfield::segment_with_prior(
                        &img,
                        &SegmentOptions::default(),
                        prior.as_ref(),
                    )
                    .map_err(|e| e.in_file(p))?;
                    if let Some(dir) = &out {
                        let mut name = p.file_stem().unwrap_or_default().to_os_string();
                        name.push("_mask.png");
                        lungfield::io::write_png_mask(&dir.join(name), &seg.mask_u8())?;
                    }
                    Ok(seg.flags)
                });
                match r {
                    Ok(flags) => (p.clone(), flags, String::new()),
                    Err(e) => (p.clone(), Vec::new(), e.to_string()),
                }
            })
            .collect()
    }))
}

/// Scores the lungs found in a dataset against its expert masks, as `lungfield evaluate`
/// does: the summary as a JSON string (the Python layer parses it).
#[pyfunction]
#[pyo3(signature = (data, prior = Some("builtin")))]
fn evaluate_json(py: Python<'_>, data: PathBuf, prior: Option<&str>) -> PyResult<String> {
    let prior = prior_of(prior)?;
    let ds = lungfield::io::Dataset::open(&data).map_err(err)?;
    let ev = py
        .detach(|| {
            let source = match &prior {
                Some(p) => lungfield::evaluate::PriorSource::Fixed(p),
                None => lungfield::evaluate::PriorSource::None,
            };
            lungfield::evaluate::evaluate_with(
                &ds,
                Subset::All,
                &SegmentOptions::default(),
                source,
                &(),
            )
        })
        .map_err(err)?;
    serde_json::to_string(&ev.summary).map_err(|e| PyException::new_err(e.to_string()))
}

/// The extension module.
#[pymodule]
fn _lungfield(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("LungfieldError", m.py().get_type::<LungfieldError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Segmentation>()?;
    m.add_class::<Score>()?;
    m.add_class::<Model>()?;
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(segment, m)?)?;
    m.add_function(wrap_pyfunction!(feature_names, m)?)?;
    m.add_function(wrap_pyfunction!(feature_values, m)?)?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(feature_table, m)?)?;
    m.add_function(wrap_pyfunction!(segment_files, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_json, m)?)?;
    Ok(())
}
