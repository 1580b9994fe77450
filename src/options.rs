//! Pipeline options ([`SegmentOptions`], and [`PriorOptions`] for the shape prior it may
//! apply), with the defaults every published figure used.

use crate::enhance::ClaheOptions;
use crate::segment::ContourOptions;

/// Options of [`crate::segment_radiograph`]. Lengths are given for a 256-pixel working
/// resolution and scale with [`SegmentOptions::work_size`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SegmentOptions {
    /// Longer side of the working image in pixels (area downscale, aspect kept). Default: 256.
    pub work_size: usize,
    /// CLAHE applied at working resolution. Default: clip 2.0, 8×8 tiles.
    pub clahe: ClaheOptions,
    /// Gaussian σ of the pre-threshold smoothing (after a 3×3 median). Default: 1.0.
    pub blur_sigma: f32,
    /// Radius of the opening that cuts thin bridges between the lungs and the background before
    /// components are picked. Default: 3.
    pub seed_open: usize,
    /// Radius of the closing that bridges rib shadows in the seed. Default: 6.
    pub seed_close: usize,
    /// Longest vertical gap bridged between stacked pieces of the dark class before the
    /// seed's components are picked ([`crate::segment::bridge_vertical`]): about one rib
    /// shadow's height, so a lung field that bright ribs cut into intercostal pieces is
    /// found whole, not as its largest piece. 0 switches it off. Default: 6 (about 1 cm on
    /// a 43 cm film); 0 when absent from a file written before it, the segmentation such a
    /// file was made with.
    #[serde(default)]
    pub rib_bridge: usize,
    /// The active contour; `iterations: 0` switches it off. Default: see [`ContourOptions`].
    pub contour: ContourOptions,
    /// Radius of the per-lung opening that removes spurs and leaks (trachea, stomach bubble).
    /// Default: 4.
    pub final_open: usize,
    /// Radius of the per-lung closing that fills concavities the contour missed. Default: 12.
    pub lung_close: usize,
    /// How a shape prior is applied, when one is given (see [`crate::prior`]).
    #[serde(default)]
    pub prior: PriorOptions,
    /// Find the exposed field first and segment inside it (see
    /// [`crate::enhance::exposed_field`]): black or white padding around the film never
    /// becomes lung. Default: on.
    #[serde(default = "yes")]
    pub field: bool,
    /// Complete a lung whose base or apex ends far short of the other lung's from the other
    /// lung, mirrored (see [`crate::segment::complete_from_other`]): fluid or consolidation
    /// hides what is still lung. Default: on.
    #[serde(default = "yes")]
    pub symmetry: bool,
}

fn yes() -> bool {
    true
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            work_size: 256,
            clahe: ClaheOptions::default(),
            blur_sigma: 1.0,
            seed_open: 3,
            seed_close: 6,
            rib_bridge: 6,
            contour: ContourOptions::default(),
            final_open: 4,
            lung_close: 12,
            prior: PriorOptions::default(),
            field: true,
            symmetry: true,
        }
    }
}

impl SegmentOptions {
    /// The options without the active contour (for measuring what it adds).
    pub fn without_contour(mut self) -> Self {
        self.contour.iterations = 0;
        self
    }

    /// Scale factor of the lengths relative to the 256-pixel reference resolution.
    pub(crate) fn scale(&self) -> f32 {
        self.work_size as f32 / 256.0
    }

    /// A length given at 256 px, at the working resolution.
    pub(crate) fn px(&self, at256: usize) -> usize {
        ((at256 as f32 * self.scale()).round() as usize).max(usize::from(at256 > 0))
    }
}

/// How a shape prior is applied.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PriorOptions {
    /// Training pairs consulted per image (the most alike). Default: 20.
    pub neighbours: usize,
    /// Weight of the found mask against the averaged expert shapes where no correction is
    /// available (a prior fitted on masks alone). Default: 0.3.
    pub image_weight: f32,
    /// Repair gross errors with the prior's point distribution model (see
    /// [`crate::prior::ShapeModel`]). Default: on.
    #[serde(default = "yes")]
    pub shape_repair: bool,
    /// How far (pixels at the 256-pixel reference resolution) a lung may reach outside the
    /// fitted model's boundary before it is cut back. Default: 14.
    #[serde(default = "default_keep")]
    pub shape_keep: f32,
    /// How far (same units) inside the fitted model's boundary the model fills in what the
    /// lung misses. Default: 2.
    #[serde(default = "default_fill")]
    pub shape_fill: f32,
    /// Resolve the corrections by the image's shade when both the prior (fitted with images)
    /// and the caller ([`crate::prior::apply`] with the [`crate::prior::WorkingImages`]) give it: a boundary moves where the pixels look like
    /// the lung's inside, not only where the experts habitually draw it. Default: on.
    #[serde(default = "yes")]
    pub shade: bool,
    /// Let the prior's band classifier ([`crate::prior::Refiner`]) decide the pixels near the
    /// boundary, when the prior has one and the caller gives the image ([`crate::prior::apply`] with the [`crate::prior::WorkingImages`]).
    /// Default: on.
    #[serde(default = "yes")]
    pub refine: bool,
}

fn default_keep() -> f32 {
    PriorOptions::default().shape_keep
}

fn default_fill() -> f32 {
    PriorOptions::default().shape_fill
}

impl Default for PriorOptions {
    fn default() -> Self {
        PriorOptions {
            neighbours: 20,
            image_weight: 0.3,
            shape_repair: true,
            shape_keep: 14.0,
            shape_fill: 2.0,
            shade: true,
            refine: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SegmentOptions;

    /// Model and prior files written before the kernels became a run-time choice hold
    /// `"backend": "Wide"` in their options: it is ignored, everything else is read.
    #[test]
    fn options_of_older_files_still_load() {
        let mut v = serde_json::to_value(SegmentOptions::default()).unwrap();
        assert!(v.get("backend").is_none(), "the kernels are not stored");
        v["backend"] = serde_json::json!("Scalar");
        v["work_size"] = serde_json::json!(320);
        let old: SegmentOptions = serde_json::from_value(v).unwrap();
        assert_eq!(old.work_size, 320);
        assert_eq!(
            SegmentOptions {
                work_size: 256,
                ..old
            },
            SegmentOptions::default()
        );
    }
}
