//! The prior's last step: a pixel classifier in a band around the lungs the prior drew.
//!
//! The region corrections and the shape model move boundaries by where experts habitually
//! draw them; they cannot follow a costophrenic tip or a heart border that this image puts
//! elsewhere. So every pixel within [`BAND`] reference pixels of the prior's boundary is
//! described by [`N_FEATURES`] numbers: its signed distances to the prior's lungs and to the
//! image-driven ones, its place in the lungs' boxes, and the image around it (Gaussian blurs
//! at five scales, their gradients and Laplacians, in units of the lungs' own grey spread),
//! and a random forest trained on the expert masks says whether it is lung.
//!
//! Training ([`Refiner::fit`]) needs what the prior would draw on images it was not fitted
//! on: the training images are split into [`INNER_FOLDS`] folds and each fold's prior
//! output comes from a prior fitted on the other folds. Pixels are sampled from each
//! image's band, and the forest ([`crate::forest::Forest`], deterministic at any thread
//! count) is kept flat ([`FlatForest`]) for fast prediction.

use crate::forest::FlatForest;
use crate::image::{GrayF32, GrayU8, Labels, Mask};
use crate::segment::distance::{squared_distance, squared_distance_capped};
use crate::segment::fill_holes;
use crate::segment::postprocess::{largest_piece, per_lung};
use crate::simd::gaussian::gaussian_f32;
use crate::simd::Kernels;

/// Half-width of the band (pixels at the 256-pixel reference scale) around the prior's
/// boundary in which the classifier decides.
pub const BAND: f32 = 10.0;
/// Features per pixel.
pub const N_FEATURES: usize = 4 + 6 + 5 + 3 * 4;
/// Blur scales (reference pixels) of the image features.
const SIGMAS: [f32; 5] = [1.0, 2.0, 4.0, 8.0, 16.0];
/// Scales that also give gradients and Laplacians.
const DERIVED: usize = 4;
/// Folds of the training images for the prior outputs the classifier learns from.
pub const INNER_FOLDS: usize = 5;
/// Fewest training images with scenes for a classifier.
pub const MIN_SCENES: usize = 10;
/// Band pixels sampled per training image, at most.
pub(super) const PER_IMAGE: usize = 2000;
/// Training rows in all, at most (fewer per image for large training sets).
pub(super) const MAX_ROWS: usize = 250_000;
/// Trees of the forest.
pub(super) const TREES: usize = 40;
/// Deepest leaf: bounds the steps of every prediction (unbounded trees peel a few samples
/// per split and grow hundreds of levels deep).
pub(super) const MAX_DEPTH: u16 = 16;
/// Smallest leaf.
pub(super) const MIN_LEAF: usize = 10;
/// Signed distances are clamped to this (reference pixels).
const FAR: f32 = 32.0;
/// The forest decides every `STEP`-th pixel of every `STEP`-th row.
const STEP: usize = 2;

/// What a training image leaves for the classifier (not saved in the prior file).
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// The smoothed working image the lungs were found in (what the prior's corrections read).
    pub smooth: GrayU8,
    /// The working image itself (what the classifier reads).
    pub image: GrayU8,
    /// The image-driven lungs (1 right, 2 left).
    pub found: Mask,
    /// The expert's lungs at the working resolution (non-zero = lung).
    pub truth: Mask,
}

/// The trained band classifier of a prior.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Refiner {
    /// The forest, on [`N_FEATURES`] features per pixel.
    pub forest: FlatForest,
    /// Training rows it was grown on.
    pub rows: usize,
    /// Training images they came from.
    pub images: usize,
}

/// Signed distance to the boundary of `m`'s non-zero pixels, in reference pixels: positive
/// inside, negative outside, clamped to ±[`FAR`] (−[`FAR`] everywhere when `m` is empty).
///
/// Each side is computed on a part of the image, with the same values as on the whole: the
/// distance outside on the mask's box grown by the clamp's reach (and one pixel), which
/// holds every distance not clamped; the distance inside on the box grown by one pixel,
/// whose border of background is no farther from an inside pixel than any other
/// background pixel.
fn signed_distance(m: &Mask, unit: f32) -> Vec<f32> {
    let far = FAR * unit;
    let cap = far.ceil() as usize;
    let (w, h) = (m.width(), m.height());
    let mut out = vec![-FAR; w * h];
    let Some((x0, y0, x1, y1)) = m.bounds(|v| v != 0) else {
        return out;
    };
    let d = |v: u32| {
        if v == u32::MAX {
            FAR
        } else {
            ((v as f32).sqrt() / unit).min(FAR)
        }
    };
    // Writes the distance to the nearest pixel with `target`'s state into `out`, for the
    // pixels without it, on the box grown by `grow`.
    let mut side = |target: bool, grow: usize| {
        let (bx, by) = (x0.saturating_sub(grow), y0.saturating_sub(grow));
        let (bw, bh) = ((x1 + grow + 1).min(w) - bx, (y1 + grow + 1).min(h) - by);
        let part = m.crop(bx, by, bw, bh);
        let dist: Vec<f32> = match squared_distance_capped(&part, target, false, cap) {
            Some(p) => p.as_slice().iter().map(|&v| d(u32::from(v))).collect(),
            None => squared_distance(&part, target, false)
                .as_slice()
                .iter()
                .map(|&v| d(v))
                .collect(),
        };
        let sign = if target { -1.0 } else { 1.0 };
        for y in 0..bh {
            let row = &mut out[(by + y) * w + bx..(by + y) * w + bx + bw];
            for ((o, &v), &t) in row.iter_mut().zip(part.row(y)).zip(&dist[y * bw..]) {
                if (v != 0) != target {
                    *o = sign * t;
                }
            }
        }
    };
    side(true, cap + 1);
    side(false, 1);
    out
}

/// The box of the pixels `keep` selects as `[x0, y0, x1, y1]` (pixels; `x1`, `y1` are the
/// last column and row in it, so a lung's span reads one pixel short).
fn bounds(m: &Mask, keep: impl Fn(u8) -> bool) -> Option<[f32; 4]> {
    m.bounds(keep)
        .map(|(x0, y0, x1, y1)| [x0 as f32, y0 as f32, x1 as f32, y1 as f32])
}

/// Every pixel's features ([`N_FEATURES`] per pixel, in this order): the signed distances
/// (reference pixels) to the image-driven lungs, to the prior's pair ([`SD_PAIR`]), right
/// lung and left lung ([`SD_SIDE`]); the place in the pair's box and in each lung's box;
/// and the image at each blur scale (with its gradient and Laplacian at the first
/// [`DERIVED`] scales). Only what needs the whole image (the distances and the blurs) is
/// held as planes; the rest is computed for the pixels asked for ([`Features::row`]), which
/// are a small part of the image.
pub(super) struct Features {
    /// The signed-distance planes.
    sd: [Vec<f32>; 4],
    /// The pair's box, the right lung's and the left lung's as `[x0, y0, x1, y1]`.
    boxes: [[f32; 4]; 3],
    /// The normalised image blurred at each of [`SIGMAS`], with the scale in pixels.
    blurs: Vec<(GrayF32, f32)>,
    /// Width of the planes.
    width: usize,
}

/// Plane of the signed distance to the prior's pair of lungs.
const SD_PAIR: usize = 1;
/// Planes of the signed distances to the prior's right and left lung.
const SD_SIDE: [usize; 2] = [2, 3];

impl Features {
    /// The features of the working image `image` given the image-driven lungs `found` and
    /// the prior's `labels` (same size); `None` when the prior drew no lung.
    pub(super) fn new(image: &GrayU8, found: &Labels, labels: &Labels) -> Option<Features> {
        let (w, h) = (image.width(), image.height());
        let unit = w.max(h) as f32 / 256.0;
        let all = bounds(labels, |v| v != 0)?;
        let sd_side = [1u8, 2].map(|l| signed_distance(&labels.map(|&v| u8::from(v == l)), unit));
        // The lungs never touch (each is a piece of its own), so the distance to the pair's
        // boundary is the larger of the two.
        let sd: Vec<f32> = sd_side[0]
            .iter()
            .zip(&sd_side[1])
            .map(|(&a, &b)| a.max(b))
            .collect();
        let [right, left] = sd_side;
        let sd = [signed_distance(found, unit), sd, right, left];
        // The pair's box and each lung's (the pair's when a lung is missing).
        let boxes = [
            all,
            bounds(labels, |v| v == 1).unwrap_or(all),
            bounds(labels, |v| v == 2).unwrap_or(all),
        ];
        // The image in units of the found lungs' grey spread, about their mean.
        let (mut n, mut s, mut s2) = (0f64, 0f64, 0f64);
        let use_all = found.count() == 0;
        for (&g, &f) in image.as_slice().iter().zip(found.as_slice()) {
            if f != 0 || use_all {
                let g = f64::from(g);
                n += 1.0;
                s += g;
                s2 += g * g;
            }
        }
        let mean = s / n.max(1.0);
        let sd_grey = ((s2 / n.max(1.0) - mean * mean).max(0.0)).sqrt() + 1e-3;
        let norm = image.map(|&g| ((f64::from(g) - mean) / sd_grey) as f32);
        let blurs = SIGMAS
            .iter()
            .map(|&sigma| {
                let sp = sigma * unit;
                (gaussian_f32(&norm, sp, Kernels::active()), sp)
            })
            .collect();
        Some(Features {
            sd,
            boxes,
            blurs,
            width: w,
        })
    }

    /// Signed distance of pixel `i` to the prior's pair of lungs.
    fn sd(&self, i: usize) -> f32 {
        self.sd[SD_PAIR][i]
    }

    /// Whether pixel `i` is nearer the prior's right lung than its left.
    fn nearer_right(&self, i: usize) -> bool {
        self.sd[SD_SIDE[0]][i] >= self.sd[SD_SIDE[1]][i]
    }

    /// Indices of the band's pixels.
    pub(super) fn band(&self) -> Vec<usize> {
        let sd = &self.sd[SD_PAIR];
        (0..sd.len()).filter(|&i| sd[i].abs() <= BAND).collect()
    }

    /// The features of pixel `i` (`out` holds [`N_FEATURES`]).
    pub(super) fn row(&self, i: usize, out: &mut [f32]) {
        let (x, y) = (i % self.width, i / self.width);
        let mut k = 0;
        let mut put = |v: f32| {
            out[k] = v;
            k += 1;
        };
        for p in &self.sd {
            put(p[i]);
        }
        for b in &self.boxes {
            let (bw, bh) = ((b[2] - b[0]).max(1.0), (b[3] - b[1]).max(1.0));
            put((x as f32 + 0.5 - b[0]) / bw);
            put((y as f32 + 0.5 - b[1]) / bh);
        }
        for (s, (g, sigma)) in self.blurs.iter().enumerate() {
            if s < DERIVED {
                derivatives(g, *sigma, x, y).into_iter().for_each(&mut put);
            }
            put(g.row(y)[x]);
        }
        debug_assert_eq!(k, N_FEATURES);
    }
}

/// Central-difference gradient and Laplacian of `g` at `(x, y)` (border replicated), scaled
/// by the blur's σ (pixels) so that they are in the same units at every scale and
/// resolution.
fn derivatives(g: &GrayF32, sigma: f32, x: usize, y: usize) -> [f32; 3] {
    let (w, h) = (g.width(), g.height());
    let (up, row, down) = (
        g.row(y.saturating_sub(1)),
        g.row(y),
        g.row((y + 1).min(h - 1)),
    );
    let (l, r) = (row[x.saturating_sub(1)], row[(x + 1).min(w - 1)]);
    let c = row[x];
    [
        (r - l) * 0.5 * sigma,
        (down[x] - up[x]) * 0.5 * sigma,
        (l + r + up[x] + down[x] - 4.0 * c) * sigma * sigma,
    ]
}

impl Refiner {
    /// Checks a classifier read from a file.
    ///
    /// # Errors
    /// What is wrong.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.forest.n_features != N_FEATURES {
            return Err(format!(
                "band classifier on {} features, this lungfield computes {N_FEATURES}",
                self.forest.n_features
            ));
        }
        self.forest.check()
    }

    /// The lungs `labels` (the prior's, 1 right, 2 left) with every pixel of the band
    /// decided by the classifier, given the image-driven lungs `found` and the working image
    /// `image` (unsmoothed; all the same size). Each lung is then its largest piece with
    /// holes filled.
    pub fn apply(&self, image: &GrayU8, found: &Labels, labels: &Labels) -> Labels {
        let Some(f) = Features::new(image, found, labels) else {
            return labels.clone();
        };
        let (w, h) = (labels.width(), labels.height());
        let mut p: Vec<f32> = labels
            .as_slice()
            .iter()
            .map(|&v| f32::from(u8::from(v != 0)))
            .collect();
        // The forest runs on every other pixel of every other row (a quarter of the band);
        // the rest of the band takes the bilinear blend of its four nearest such pixels.
        let unit = w.max(h) as f32 / 256.0;
        let (cw, ch) = (w.div_ceil(STEP), h.div_ceil(STEP));
        let reach = BAND + STEP as f32 / unit;
        let mut nodes = Vec::new();
        let mut coarse: Vec<f32> = Vec::with_capacity(cw * ch);
        for cy in 0..ch {
            for cx in 0..cw {
                let i = cy * STEP * w + cx * STEP;
                if f.sd(i).abs() <= reach {
                    nodes.push((coarse.len(), i));
                }
                coarse.push(p[i]);
            }
        }
        let mut rows = vec![0f32; nodes.len() * N_FEATURES];
        for (&(_, i), row) in nodes.iter().zip(rows.chunks_exact_mut(N_FEATURES)) {
            f.row(i, row);
        }
        for (&(c, _), q) in nodes.iter().zip(self.forest.predict_rows(&rows)) {
            coarse[c] = q;
        }
        for i in f.band() {
            let (x, y) = (i % w, i / w);
            let (x0, y0) = (x / STEP, y / STEP);
            let (x1, y1) = ((x0 + 1).min(cw - 1), (y0 + 1).min(ch - 1));
            let (ax, ay) = (
                (x % STEP) as f32 / STEP as f32,
                (y % STEP) as f32 / STEP as f32,
            );
            let at = |cx: usize, cy: usize| coarse[cy * cw + cx];
            let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * ax;
            let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * ax;
            p[i] = top + (bottom - top) * ay;
        }
        // A light blur of the probabilities keeps single-pixel votes from fraying the edge.
        let Some(pm) = GrayF32::from_vec(w, h, p) else {
            return labels.clone();
        };
        let p = gaussian_f32(&pm, unit, Kernels::active());
        let mut out = Mask::new(w, h);
        for (i, (o, (&q, &l))) in out
            .as_mut_slice()
            .iter_mut()
            .zip(p.as_slice().iter().zip(labels.as_slice()))
            .enumerate()
        {
            *o = if q < 0.5 {
                0
            } else if l != 0 {
                l
            } else if f.nearer_right(i) {
                1
            } else {
                2
            };
        }
        tidy(&out)
    }
}

/// Each lung reduced to its largest piece, holes filled (the probability maps can leave
/// islands where a few training pairs had lung far from the found boundary).
pub(super) fn tidy(labels: &Labels) -> Labels {
    // On each lung's box grown by one pixel: the same pieces and holes, fewer pixels.
    per_lung(
        labels,
        1,
        |m| Some(fill_holes(&largest_piece(m)?)),
        |label| label,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::PriorOptions;
    use crate::prior::testing::{dice, lungs};
    use crate::prior::PairShape;
    use crate::prior::{apply, ShapePrior, WorkingImages};
    use crate::rng::Rng;

    /// Dark lungs on a brighter body, with noise.
    fn image(truth: &Mask, seed: u64) -> GrayU8 {
        let mut r = Rng::new(seed);
        let mut img = GrayU8::new(truth.width(), truth.height());
        for (o, &v) in img.as_mut_slice().iter_mut().zip(truth.as_slice()) {
            let base = if v != 0 { 60.0 } else { 160.0 };
            *o = (base + 12.0 * r.normal()).clamp(0.0, 255.0) as u8;
        }
        img
    }

    /// Training pairs whose found lungs stop 2 to 9 pixels short of the expert's, at random:
    /// the corrections can only move the boundary by the typical amount, the image shows
    /// where it is.
    fn pairs(n: usize) -> Vec<PairShape> {
        (0..n)
            .map(|i| {
                let k = 0.9 + 0.015 * i as f64;
                let short = -2.0 - (i * 7 % 8) as f64;
                let truth = lungs(256, k, 0.0, 0.0, 0.0);
                let found = lungs(256, k, 0.0, 0.0, short);
                let img = image(&truth, i as u64);
                PairShape::with_found(
                    &format!("t{i:02}"),
                    &truth,
                    &found,
                    Some(WorkingImages::same(&img)),
                )
                .unwrap()
            })
            .collect()
    }

    /// [`signed_distance`] on the whole image, as it was computed before the boxes.
    fn signed_distance_whole(m: &Mask, unit: f32) -> Vec<f32> {
        let cap = (FAR * unit).ceil() as usize;
        let d = |v: u16| ((f32::from(v)).sqrt() / unit).min(FAR);
        let to_out = squared_distance_capped(m, false, false, cap).unwrap();
        let to_in = squared_distance_capped(m, true, false, cap).unwrap();
        m.as_slice()
            .iter()
            .zip(to_out.as_slice().iter().zip(to_in.as_slice()))
            .map(|(&v, (&o, &i))| if v != 0 { d(o) } else { -d(i) })
            .collect()
    }

    #[test]
    fn signed_distances_on_the_boxes_equal_those_on_the_whole_image() {
        let mut r = Rng::new(7);
        for case in 0..40 {
            let (w, h) = (40 + case * 7 % 90, 30 + case * 11 % 100);
            let mut m = Mask::new(w, h);
            // A few discs, some across the image's edges, some tiny, some none.
            for _ in 0..case % 4 {
                let (cx, cy) = (
                    r.uniform(-5.0, w as f64 + 5.0),
                    r.uniform(-5.0, h as f64 + 5.0),
                );
                let rad = r.uniform(0.5, w.min(h) as f64 * 0.4);
                for y in 0..h {
                    for x in 0..w {
                        if (x as f64 - cx).hypot(y as f64 - cy) <= rad {
                            m.set(x, y, 1);
                        }
                    }
                }
            }
            for unit in [0.25f32, 0.5, 1.0] {
                let (got, want) = (signed_distance(&m, unit), signed_distance_whole(&m, unit));
                assert!(
                    got.iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "case {case}, unit {unit}"
                );
            }
        }
    }

    #[test]
    fn the_classifier_follows_the_image_where_the_corrections_cannot() {
        let prior = ShapePrior::from_shapes(pairs(12), Vec::new()).unwrap();
        let r = prior.refiner.as_ref().expect("12 pairs with images");
        assert_eq!((r.images, r.forest.len()), (12, TREES));
        assert!(
            prior.exemplars.iter().all(|e| e.scene.is_none()),
            "scenes let go"
        );
        let on = PriorOptions::default();
        let off = PriorOptions {
            refine: false,
            ..on
        };
        for (short, seed) in [(-2.0, 100), (-9.0, 101)] {
            let truth = lungs(256, 1.0, 0.0, 0.0, 0.0);
            let found = lungs(256, 1.0, 0.0, 0.0, short);
            let img = image(&truth, seed);
            let refined = apply(&prior, &found, Some(WorkingImages::same(&img)), &on);
            let plain = apply(&prior, &found, Some(WorkingImages::same(&img)), &off);
            let (a, b) = (dice(&refined, &truth), dice(&plain, &truth));
            assert!(
                a > 0.985 && a > b,
                "short {short}: classifier {a}, without {b}"
            );
            // Without the image there is nothing to classify.
            assert_eq!(
                apply(&prior, &found, None, &on),
                apply(&prior, &found, None, &off)
            );
        }
    }

    #[test]
    fn fitting_is_identical_at_any_thread_count() {
        let fit = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| ShapePrior::from_shapes(pairs(10), Vec::new()).unwrap())
        };
        let (a, b) = (fit(1), fit(2));
        assert!(a.refiner.is_some());
        assert_eq!(a.refiner, b.refiner);
    }

    #[test]
    fn too_few_images_or_masks_alone_give_no_classifier() {
        let few = ShapePrior::from_shapes(pairs(MIN_SCENES - 1), Vec::new()).unwrap();
        assert!(few.refiner.is_none());
        let masks = (0..12)
            .map(|i| PairShape::from_mask(&i.to_string(), &lungs(64, 1.0, 0.0, 0.0, 0.0)).unwrap())
            .collect();
        assert!(ShapePrior::from_shapes(masks, Vec::new())
            .unwrap()
            .refiner
            .is_none());
    }

    #[test]
    fn a_file_with_a_bad_classifier_is_refused() {
        let prior = ShapePrior::from_shapes(pairs(10), Vec::new()).unwrap();
        let text = serde_json::to_string(&prior).unwrap();
        let back = ShapePrior::from_json(text.as_bytes(), "p.lfp".as_ref()).unwrap();
        assert_eq!(back.refiner, prior.refiner);
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["refiner"]["forest"]["n_features"] = serde_json::json!(N_FEATURES + 1);
        let err = ShapePrior::from_json(v.to_string().as_bytes(), "p.lfp".as_ref()).unwrap_err();
        assert!(err.to_string().contains("p.lfp"), "{err}");
        // A file written before the classifier loads, and works without it.
        v.as_object_mut().unwrap().remove("refiner");
        let old = ShapePrior::from_json(v.to_string().as_bytes(), "old.lfp".as_ref()).unwrap();
        assert!(old.refiner.is_none());
    }
}
