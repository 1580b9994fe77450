//! Texture and shape features inside the lungs, one fixed, named vector per radiograph.
//!
//! The lungs' box (with a margin of 1/25 of its longer side) is cut out of the radiograph and
//! brought to [`FeatureOptions::size`] pixels (longer side, area average; never enlarged), so
//! every lung pair is seen at about one scale whatever the film's size, padding or field of
//! view; its intensities are normalised to the 1st–99th percentile of the lung pixels, so
//! exposure and bit depth do not matter. Then, in this order (see [`feature_names`]):
//! - `fo_<stat>_<region>`: first-order statistics ([`first_order`]) per lung (`r_all`,
//!   `l_all`) and per zone (`r_upper` … `l_lower`, thirds of each lung's height);
//! - `glcm_<feature>_d<d>_<lung>`: Haralick features of the co-occurrence matrix per lung at
//!   each distance (16 grey levels, 4 directions, pairs inside the same lung), then
//!   `glcm_<feature>_upper_<lung>` for the upper zones at the middle distance;
//! - `lbp_r<r>_<bin>` and `lbp_upper_r<r>_<bin>`: uniform LBP histograms over both lungs and
//!   over the upper zones, at each radius;
//! - `edge_o<bin>_<zone>` and `edge_mag_<zone>`: the magnitude-weighted edge-orientation
//!   histogram (8 bins over 0..π, a HOG pooled per zone) and the mean gradient magnitude;
//! - `blob_<scale>_<stat>_<zone>`: positive difference-of-Gaussians responses (fine: nodules,
//!   miliary; coarse: consolidation) per zone: mean, 95th and 99th percentile, maximum,
//!   fraction of blob pixels;
//!   `hessian_<scale>_<stat>_<zone>`: the same statistics of a Hessian bright-blob measure,
//!   which ignores ridges (ribs, vessels) and keeps round opacities;
//!   `zone_contrast_<zone>`: the zone's mean less its lung's mean;
//! - `shape_*`: areas, heights, their ratios, eccentricity, solidity, costophrenic fill,
//!   left/right symmetry;
//! - `seg_from_image_<lung>[_<zone>]`, `seg_from_image_min`: the share of each lung and zone
//!   the image showed; the rest was completed from shape (see
//!   [`crate::segment::Provenance`]), itself evidence of an opacified lung;
//! - `diff_*`: absolute left/right differences of the per-lung first-order and GLCM features;
//! - `si_<scale>_<bin>_<lung>_<zone>`: curvedness-weighted histograms of the Hessian's shape index
//!   per zone at two scales ([`curvature`]), free of exposure and contrast;
//! - `rel_lr_*`, `rel_ul_*`: every per-region feature of the right lung against the left, and
//!   of each upper zone against its lower zone ([`relative`]): features relative to the
//!   patient's own anatomy, which travel between sites better than absolute ones.
//!
//! **The default vector leaves out the absolute families** `fo_*`, `glcm_*` and `blob_*`
//! ([`ABSOLUTE_FAMILIES`]; [`FeatureOptions::absolute`] keeps them): they are computed, and
//! their relative forms (`rel_lr_*`, `rel_ul_*`, `diff_*`, `zone_contrast_*`) stay, but the
//! values themselves say more about the site than about the disease. Each family alone,
//! trained on two sites, ranks the third at chance (held-out AUC 0.45–0.67 against 0.78–0.80
//! in-site; `docs/SCREENING.md`), and leaving them out raised every held-out site's AUC.
//!
//! Distances and radii are given at 512 px and scale with the size.

pub mod blobs;
pub mod curvature;
mod edges;
mod first_order;
mod glcm;
mod lbp;
pub mod local;
mod regions;
pub mod relative;
mod shape;
mod table;

pub use blobs::{blob_stats, dog, hessian_blobs};
pub use edges::{gradients, orientation_histogram};
pub use first_order::first_order;
pub use glcm::{glcm, haralick};
pub use lbp::lbp_histogram;
pub use local::{LocalMaps, LocalSample};
pub use regions::{FeatureImage, Zone, MIN_LUNG_PIXELS};
pub use shape::{lung_shape, symmetry, LungShape};
pub use table::{
    feature_table, features_of, jobs_from_dataset, jobs_from_files, training_table, FeatureJob,
    FeatureRow, FeatureTable, MaskSource, Measured, LOCAL_STRIDE,
};

use crate::error::Result;
use crate::image::{GrayF32, Labels};
use crate::io::Radiograph;
use crate::segment::Provenance;

/// Feature extraction settings. Changing them changes the features: models record them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureOptions {
    /// Longer side of the lungs' box in the feature image, in pixels (of the whole image
    /// without [`FeatureOptions::lung_box`]). Default: 384.
    pub size: usize,
    /// Grey levels of the co-occurrence matrices. Default: 16.
    pub glcm_levels: usize,
    /// Co-occurrence distances at 512 px. Default: 1, 2, 4.
    pub glcm_distances: Vec<usize>,
    /// LBP radii at 512 px. Default: 1, 3.
    pub lbp_radii: Vec<f32>,
    /// Cut the lungs' box out before scaling to `size` (one scale per lung pair). Default:
    /// true; false in model files written before it existed (lungfield 0.1), which the whole
    /// image at 512 px describes.
    #[serde(default)]
    pub lung_box: bool,
    /// Add the anatomy-relative features (`seg_from_image_*`, `rel_lr_*`, `rel_ul_*`).
    /// Default: true; false in model files written before they existed.
    #[serde(default)]
    pub anatomy: bool,
    /// Keep the absolute families ([`ABSOLUTE_FAMILIES`]) in the vector. Default: false
    /// (they identify the site; see the module docs); true in model files written before
    /// it existed.
    #[serde(default = "kept_in_older_files")]
    pub absolute: bool,
    /// Add the shape-index histograms ([`curvature`], `si_*`). Default: true; false in model
    /// files written before they existed.
    #[serde(default)]
    pub curvature: bool,
}

fn kept_in_older_files() -> bool {
    true
}

/// Name prefixes of the absolute feature families: first-order statistics, co-occurrence
/// and difference-of-Gaussians measures of each lung and zone, left out of the default
/// vector (their relative forms stay).
pub const ABSOLUTE_FAMILIES: [&str; 3] = ["fo_", "glcm_", "blob_"];

fn is_absolute(name: &str) -> bool {
    ABSOLUTE_FAMILIES.iter().any(|f| name.starts_with(f))
}

impl Default for FeatureOptions {
    fn default() -> Self {
        FeatureOptions {
            size: 384,
            glcm_levels: 16,
            glcm_distances: vec![1, 2, 4],
            lbp_radii: vec![1.0, 3.0],
            lung_box: true,
            anatomy: true,
            absolute: false,
            curvature: true,
        }
    }
}

impl FeatureOptions {
    /// The features of lungfield 0.1 (the whole image at 512 px, no anatomy-relative
    /// features): what model files without the newer settings were trained on.
    pub fn legacy() -> Self {
        FeatureOptions {
            size: 512,
            lung_box: false,
            anatomy: false,
            absolute: true,
            curvature: false,
            ..Default::default()
        }
    }

    fn scale(&self) -> f64 {
        self.size as f64 / 512.0
    }

    fn distance(&self, d: usize) -> usize {
        ((d as f64 * self.scale()).round() as usize).max(1)
    }

    fn middle_distance(&self) -> usize {
        self.glcm_distances
            .get(self.glcm_distances.len() / 2)
            .copied()
            .unwrap_or(2)
    }
}

const LUNGS: [(u8, &str); 2] = [(1, "r"), (2, "l")];
const SHAPE: [&str; 14] = [
    "shape_area_r",
    "shape_area_l",
    "shape_area_ratio",
    "shape_height_r",
    "shape_height_l",
    "shape_height_ratio",
    "shape_eccentricity_r",
    "shape_eccentricity_l",
    "shape_solidity_r",
    "shape_solidity_l",
    "shape_costophrenic_r",
    "shape_costophrenic_l",
    "shape_symmetry",
    "shape_total_area",
];

/// The names of the features [`extract`] returns, in order.
///
/// ```
/// use lungfield::features::{feature_names, FeatureOptions};
/// let names = feature_names(&FeatureOptions::default());
/// assert_eq!(names[0], "lbp_r1_0");
/// assert!(names.len() > 150);
/// let all = FeatureOptions { absolute: true, ..Default::default() };
/// assert_eq!(feature_names(&all)[0], "fo_mean_r_all");
/// ```
pub fn feature_names(opts: &FeatureOptions) -> Vec<String> {
    let mut n = computed_names(opts);
    if !opts.absolute {
        n.retain(|name| !is_absolute(name));
    }
    n
}

/// The names of every value computed, the absolute families included.
fn computed_names(opts: &FeatureOptions) -> Vec<String> {
    let mut n = base_names(opts);
    if opts.anatomy {
        n.extend(relative::relations(&n).into_iter().map(|(name, _)| name));
    }
    n
}

/// The names of the features measured directly, before the relative ones.
fn base_names(opts: &FeatureOptions) -> Vec<String> {
    let mut n = Vec::new();
    let mut regions: Vec<String> = LUNGS.iter().map(|(_, l)| format!("{l}_all")).collect();
    for (_, l) in LUNGS {
        for z in Zone::ALL {
            regions.push(format!("{l}_{}", z.name()));
        }
    }
    for r in &regions {
        for s in first_order::NAMES {
            n.push(format!("fo_{s}_{r}"));
        }
    }
    for (_, l) in LUNGS {
        for &d in &opts.glcm_distances {
            for f in glcm::NAMES {
                n.push(format!("glcm_{f}_d{d}_{l}"));
            }
        }
    }
    for (_, l) in LUNGS {
        for f in glcm::NAMES {
            n.push(format!("glcm_{f}_upper_{l}"));
        }
    }
    for prefix in ["lbp", "lbp_upper"] {
        for r in &opts.lbp_radii {
            for b in 0..lbp::BINS {
                n.push(format!("{prefix}_r{r}_{b}"));
            }
        }
    }
    for (_, l) in LUNGS {
        for z in Zone::ALL {
            for b in 0..edges::BINS {
                n.push(format!("edge_o{b}_{l}_{}", z.name()));
            }
            n.push(format!("edge_mag_{l}_{}", z.name()));
        }
    }
    for (_, scale) in blobs::SCALES {
        for stat in blobs::NAMES {
            for (_, l) in LUNGS {
                for z in Zone::ALL {
                    n.push(format!("blob_{scale}_{stat}_{l}_{}", z.name()));
                }
            }
        }
    }
    for (_, scale) in blobs::HESSIAN_SCALES {
        for stat in blobs::NAMES {
            for (_, l) in LUNGS {
                for z in Zone::ALL {
                    n.push(format!("hessian_{scale}_{stat}_{l}_{}", z.name()));
                }
            }
        }
    }
    for (_, l) in LUNGS {
        for z in Zone::ALL {
            n.push(format!("zone_contrast_{l}_{}", z.name()));
        }
    }
    n.extend(SHAPE.iter().map(|s| s.to_string()));
    for (_, l) in LUNGS.iter().filter(|_| opts.anatomy) {
        n.push(format!("seg_from_image_{l}"));
        for z in Zone::ALL {
            n.push(format!("seg_from_image_{l}_{}", z.name()));
        }
    }
    if opts.anatomy {
        n.push("seg_from_image_min".into());
    }
    for s in first_order::NAMES {
        n.push(format!("diff_fo_{s}"));
    }
    for &d in &opts.glcm_distances {
        for f in glcm::NAMES {
            n.push(format!("diff_glcm_{f}_d{d}"));
        }
    }
    for (_, scale) in curvature::SCALES.iter().filter(|_| opts.curvature) {
        for b in curvature::BINS {
            for (_, l) in LUNGS {
                for z in Zone::ALL {
                    n.push(format!("si_{scale}_{b}_{l}_{}", z.name()));
                }
            }
        }
    }
    n
}

/// The feature vector of a radiograph and its lung labels (1 right, 2 left, at the
/// radiograph's size), in the order of [`feature_names`].
///
/// # Errors
/// [`crate::Error::SizeMismatch`] when the labels do not match the image,
/// [`crate::Error::NoLungs`] when a lung is (nearly) empty.
pub fn extract(img: &Radiograph, labels: &Labels, opts: &FeatureOptions) -> Result<Vec<f64>> {
    extract_with(img, labels, &Provenance::all_seen(), opts)
}

/// [`extract`] for lungs that were partly completed from shape: `provenance` says how much
/// of each lung and zone the image showed (the `seg_from_image_*` features; [`extract`]
/// sets them all to 1).
///
/// # Errors
/// As [`extract`].
pub fn extract_with(
    img: &Radiograph,
    labels: &Labels,
    provenance: &Provenance,
    opts: &FeatureOptions,
) -> Result<Vec<f64>> {
    extract_local(img, labels, provenance, opts).map(|(v, _)| v)
}

/// [`extract_with`], and the local evidence maps ([`local`]) the heatmap is made of, from
/// the same feature image and blob responses.
///
/// # Errors
/// As [`extract`].
pub fn extract_local(
    img: &Radiograph,
    labels: &Labels,
    provenance: &Provenance,
    opts: &FeatureOptions,
) -> Result<(Vec<f64>, LocalMaps)> {
    let fi = FeatureImage::new(img, labels, opts.size, opts.lung_box)?;
    let mut v = Vec::with_capacity(256);
    // First-order statistics: per lung, then per zone.
    let mut per_lung_fo = Vec::new();
    for (l, _) in LUNGS {
        let s = first_order(&fi.values(l, None));
        per_lung_fo.push(s);
        v.extend(s);
    }
    for (l, _) in LUNGS {
        for z in Zone::ALL {
            v.extend(first_order(&fi.values(l, Some(z))));
        }
    }
    // Co-occurrence.
    let levels = opts.glcm_levels;
    let mut per_lung_glcm: Vec<Vec<f64>> = Vec::new();
    for (l, _) in LUNGS {
        let region = fi.region(l, None);
        let mut g = Vec::new();
        for &d in &opts.glcm_distances {
            g.extend(haralick(
                &glcm(&fi.img, &region, levels, opts.distance(d)),
                levels,
            ));
        }
        v.extend(&g);
        per_lung_glcm.push(g);
    }
    for (l, _) in LUNGS {
        let region = fi.region(l, Some(Zone::Upper));
        let d = opts.distance(opts.middle_distance());
        v.extend(haralick(&glcm(&fi.img, &region, levels, d), levels));
    }
    // Local binary patterns.
    let both = fi.region(0, None);
    let upper = fi.region(0, Some(Zone::Upper));
    for region in [&both, &upper] {
        for &r in &opts.lbp_radii {
            let r = (r * opts.scale() as f32).max(1.0);
            v.extend(lbp_histogram(&fi.img, region, r));
        }
    }
    // Edges.
    let (mag, ori) = gradients(&fi.img);
    for (l, _) in LUNGS {
        for z in Zone::ALL {
            let (hist, mean) = orientation_histogram(&mag, &ori, &fi.region(l, Some(z)));
            v.extend(hist);
            v.push(mean);
        }
    }
    // Blobs (difference of Gaussians, then the Hessian measure) and zone contrasts.
    let responses: Vec<GrayF32> = blobs::SCALES
        .iter()
        .map(|(sigmas, _)| dog(&fi.img, *sigmas, opts.scale() as f32))
        .chain(
            blobs::HESSIAN_SCALES
                .iter()
                .map(|(sigma, _)| hessian_blobs(&fi.img, *sigma, opts.scale() as f32)),
        )
        .collect();
    let maps = local::local_maps(
        &fi,
        [
            &responses[0],
            &responses[1],
            &responses[blobs::SCALES.len()],
        ],
        opts.scale() as f32,
    );
    for resp in &responses {
        let mut per_zone: Vec<[f64; 5]> = Vec::new();
        for (l, _) in LUNGS {
            for z in Zone::ALL {
                let mut vals: Vec<f32> = resp
                    .as_slice()
                    .iter()
                    .zip(fi.labels.as_slice())
                    .zip(fi.zones.as_slice())
                    .filter(|((_, &lab), &zz)| lab == l && zz == z as u8)
                    .map(|((&v, _), _)| v)
                    .collect();
                per_zone.push(blob_stats(&mut vals));
            }
        }
        for k in 0..blobs::NAMES.len() {
            v.extend(per_zone.iter().map(|s| s[k]));
        }
    }
    for (li, (l, _)) in LUNGS.iter().enumerate() {
        for z in Zone::ALL {
            let zm = first_order(&fi.values(*l, Some(z)))[0];
            v.push(zm - per_lung_fo[li][0]);
        }
    }
    // Shape.
    let r = lung_shape(&fi.labels, 1, true);
    let l = lung_shape(&fi.labels, 2, false);
    let ratio = |a: f64, b: f64| {
        if a.max(b) > 0.0 {
            a.min(b) / a.max(b)
        } else {
            0.0
        }
    };
    v.extend([
        r.area,
        l.area,
        ratio(r.area, l.area),
        r.height,
        l.height,
        ratio(r.height, l.height),
        r.eccentricity,
        l.eccentricity,
        r.solidity,
        l.solidity,
        r.costophrenic,
        l.costophrenic,
        symmetry(&fi.labels, &r, &l),
        r.area + l.area,
    ]);
    // How much of each lung and zone the image showed (the rest was completed from shape).
    if opts.anatomy {
        for s in 0..2 {
            v.push(f64::from(provenance.from_image[s]));
            v.extend(provenance.zones[s].iter().map(|&z| f64::from(z)));
        }
        v.push(f64::from(
            provenance.from_image[0].min(provenance.from_image[1]),
        ));
    }
    // Left/right differences.
    v.extend((0..first_order::NAMES.len()).map(|i| (per_lung_fo[0][i] - per_lung_fo[1][i]).abs()));
    v.extend(
        per_lung_glcm[0]
            .iter()
            .zip(&per_lung_glcm[1])
            .map(|(a, b)| (a - b).abs()),
    );
    // Shape-index histograms per zone.
    if opts.curvature {
        let zones = Zone::ALL.len();
        let region: Vec<u8> = fi
            .labels
            .as_slice()
            .iter()
            .zip(fi.zones.as_slice())
            .map(|(&l, &z)| match l {
                1 | 2 if usize::from(z) < zones => 1 + (l - 1) * zones as u8 + z,
                _ => 0,
            })
            .collect();
        for (sigma, _) in curvature::SCALES {
            let per_zone = curvature::histograms(
                &fi.img,
                sigma,
                opts.scale() as f32,
                &region,
                LUNGS.len() * zones,
            );
            for k in 0..curvature::BINS.len() {
                v.extend(per_zone.iter().map(|h| h[k]));
            }
        }
    }
    // Relative to the patient's own anatomy: left against right, upper against lower.
    let mut names = base_names(opts);
    if opts.anatomy {
        let relations = relative::relations(&names);
        v.extend(relative::values(&relations, &v));
        names.extend(relations.into_iter().map(|(name, _)| name));
    }
    // The vector: the absolute families left out unless asked for.
    debug_assert_eq!(names.len(), v.len());
    if !opts.absolute {
        v = v
            .into_iter()
            .zip(&names)
            .filter(|(_, name)| !is_absolute(name))
            .map(|(x, _)| x)
            .collect();
    }
    // Nothing undefined reaches the forest.
    for x in &mut v {
        if !x.is_finite() {
            *x = 0.0;
        }
    }
    Ok((v, maps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_vector_and_are_unique() {
        let p = crate::phantom::render(256, 3, true);
        let img = Radiograph::U8(p.to_u8());
        for opts in [
            FeatureOptions::default(),
            FeatureOptions::legacy(),
            FeatureOptions {
                size: 256,
                glcm_distances: vec![1, 3],
                lbp_radii: vec![2.0],
                ..Default::default()
            },
        ] {
            let v = extract(&img, &p.labels, &opts).unwrap();
            let names = feature_names(&opts);
            assert_eq!(v.len(), names.len());
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len(), "duplicate names");
            assert!(v.iter().all(|x| x.is_finite()));
        }
    }

    #[test]
    fn the_default_vector_is_the_full_one_without_the_absolute_families() {
        let p = crate::phantom::render(192, 6, true);
        let img = Radiograph::U8(p.to_u8());
        let all = FeatureOptions {
            absolute: true,
            ..Default::default()
        };
        let (fd, fa) = (
            extract(&img, &p.labels, &FeatureOptions::default()).unwrap(),
            extract(&img, &p.labels, &all).unwrap(),
        );
        let (nd, na) = (
            feature_names(&FeatureOptions::default()),
            feature_names(&all),
        );
        assert_eq!((fd.len(), fa.len()), (nd.len(), na.len()));
        assert!(nd.len() < na.len() && nd.iter().all(|n| !is_absolute(n)));
        assert!(na.iter().any(|n| n.starts_with("fo_")));
        // Every kept value is the full vector's value of the same name.
        for (n, v) in nd.iter().zip(&fd) {
            let i = na.iter().position(|m| m == n).unwrap();
            assert_eq!(v.to_bits(), fa[i].to_bits(), "{n}");
        }
        // The relative forms of the absolute families stay.
        assert!(nd.iter().any(|n| n.starts_with("rel_lr_fo_")));
        assert!(nd.iter().any(|n| n.starts_with("diff_glcm_")));
    }

    #[test]
    fn a_missing_lung_is_an_error() {
        let p = crate::phantom::render(128, 4, false);
        let one = p.labels.map(|&v| if v == 2 { 0 } else { v });
        let e = extract(&Radiograph::U8(p.to_u8()), &one, &FeatureOptions::default());
        assert!(matches!(e, Err(crate::Error::NoLungs { .. })));
    }

    #[test]
    fn exposure_does_not_change_the_features_much() {
        // The same phantom darker and with less contrast gives nearly the same features.
        let p = crate::phantom::render(256, 8, false);
        let a = p.to_u8();
        let b = a.map(|&v| (f32::from(v) * 0.6 + 20.0).round() as u8);
        let opts = FeatureOptions {
            absolute: true,
            ..Default::default()
        };
        let fa = extract(&Radiograph::U8(a), &p.labels, &opts).unwrap();
        let fb = extract(&Radiograph::U8(b), &p.labels, &opts).unwrap();
        let names = feature_names(&opts);
        let i = names.iter().position(|n| n == "fo_mean_r_all").unwrap();
        assert!((fa[i] - fb[i]).abs() < 0.03, "{} vs {}", fa[i], fb[i]);
    }
}
