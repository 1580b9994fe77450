//! The segmentation pipeline, top-down: working resolution → CLAHE → SIMD filtering → Otsu
//! seed → morphology and components → active contour → two lungs → (a learned shape prior,
//! when given) → original size.

use crate::enhance::{area_resize, clahe_u16, clahe_u8, working_size};
use crate::error::{Error, Result};
use crate::image::{GrayU16, GrayU8, Mask};
use crate::io::Radiograph;
use crate::options::SegmentOptions;
use crate::segment::postprocess::{largest_piece, per_lung, pick_lungs, plausibility, Placement};
use crate::segment::prior::ShapePrior;
use crate::segment::{
    close, fill_holes, open, otsu_level, refine, threshold_below, BetaField, LungPair, Side,
};
use crate::simd::{gaussian::gaussian_u8, median::median3_u8};

/// Smallest width or height accepted, in pixels.
pub const MIN_SIDE: usize = 32;

/// The lungs found in one radiograph.
#[derive(Clone, Debug)]
pub struct Segmentation {
    /// Label image at the original size: 0 background, 1 right lung, 2 left lung.
    pub labels: Mask,
    /// Plausibility warnings (empty when both lungs look plausible).
    pub flags: Vec<String>,
    /// The working resolution used.
    pub work_size: (usize, usize),
}

impl Segmentation {
    /// The lung mask, 0/1.
    pub fn binary(&self) -> Mask {
        self.labels.map(|&v| u8::from(v != 0))
    }

    /// The lung mask as an 8-bit image, 0 or 255 (what `segment` writes).
    pub fn mask_u8(&self) -> GrayU8 {
        self.labels.map(|&v| if v != 0 { 255 } else { 0 })
    }

    /// Pixel count of one lung.
    pub fn area(&self, side: Side) -> usize {
        let l = side.label();
        self.labels.as_slice().iter().filter(|&&v| v == l).count()
    }
}

/// The contrast-enhanced working image: area downscale (16-bit precision kept), CLAHE.
///
/// # Errors
/// [`Error::BadImage`] for an image smaller than [`MIN_SIDE`], [`Error::InvalidOption`] for
/// unusable CLAHE options.
pub fn working_image(img: &Radiograph, opts: &SegmentOptions) -> Result<GrayU8> {
    let (w, h) = (img.width(), img.height());
    if w < MIN_SIDE || h < MIN_SIDE {
        return Err(Error::BadImage {
            path: Default::default(),
            reason: format!(
                "image is {w}x{h}: too small for a chest radiograph (at least {MIN_SIDE}x{MIN_SIDE})"
            ),
        });
    }
    if opts.work_size < MIN_SIDE {
        return Err(Error::InvalidOption(format!(
            "work size {} is below {MIN_SIDE}",
            opts.work_size
        )));
    }
    let (ww, wh) = working_size(w, h, opts.work_size);
    Ok(match img {
        Radiograph::U8(p) => {
            let small = area_resize(p, ww, wh).map(|&v| (v + 0.5).floor().clamp(0.0, 255.0) as u8);
            clahe_u8(&small, &opts.clahe)?
        }
        Radiograph::U16(p) => {
            let small: GrayU16 =
                area_resize(p, ww, wh).map(|&v| (v + 0.5).floor().clamp(0.0, 65535.0) as u16);
            clahe_u16(&small, &opts.clahe)?.map(|&v| (v >> 8) as u8)
        }
    })
}

/// The seed: Otsu's dark class, cut off from the image edge and from thin bridges, the
/// most plausible component on each side (retried with wider openings for a side left
/// empty), closed and hole-filled.
fn seed(smooth: &GrayU8, opts: &SegmentOptions) -> Mask {
    let (w, h) = (smooth.width(), smooth.height());
    let mut bw = threshold_below(smooth, otsu_level(smooth));
    let margin = (w.max(h) / 64).max(2);
    for y in 0..h {
        for x in 0..w {
            if x < margin || y < margin || x + margin >= w || y + margin >= h {
                bw.set(x, y, 0);
            }
        }
    }
    let bw = open(&bw, opts.px(opts.seed_open));
    let place = Placement {
        margin,
        ..Placement::SEED
    };
    let mut pair = pick_lungs(&bw, place);
    // A lung joined to the dark background beside the body (a thin chest wall, a low
    // collimation edge) is rejected with it; a wider opening cuts the joint.
    for r in [8, 12, 16] {
        if pair.areas.iter().all(|&a| a > 0) {
            break;
        }
        let alt = pick_lungs(&open(&bw, opts.px(r)), place);
        for side in [Side::Right, Side::Left] {
            let i = usize::from(side == Side::Left);
            if pair.areas[i] == 0 && alt.areas[i] > 0 {
                let l = side.label();
                for (o, &v) in pair
                    .labels
                    .as_mut_slice()
                    .iter_mut()
                    .zip(alt.labels.as_slice())
                {
                    if v == l {
                        *o = l;
                    }
                }
                pair.areas[i] = alt.areas[i];
            }
        }
    }
    let m = pair.labels.map(|&v| u8::from(v != 0));
    fill_holes(&close(&m, opts.px(opts.seed_close)))
}

/// Segments the lungs of a decoded radiograph.
///
/// # Errors
/// [`Error::BadImage`] for an image that is too small, [`Error::NoLungs`] when no plausible
/// lung is found at all.
///
/// ```no_run
/// let img = lungfield::io::decode_file("chest.png".as_ref())?;
/// let seg = lungfield::segment_radiograph(&img, &Default::default())?;
/// println!("{} lung pixels", seg.binary().count());
/// # Ok::<(), lungfield::Error>(())
/// ```
pub fn segment_radiograph(img: &Radiograph, opts: &SegmentOptions) -> Result<Segmentation> {
    segment_with_prior(img, opts, None)
}

/// [`segment_radiograph`] constrained and repaired by a learned shape prior (when given):
/// see [`crate::segment::prior`].
///
/// # Errors
/// As [`segment_radiograph`].
pub fn segment_with_prior(
    img: &Radiograph,
    opts: &SegmentOptions,
    prior: Option<&ShapePrior>,
) -> Result<Segmentation> {
    let (w, h) = (img.width(), img.height());
    let (mut pair, smooth, work) = found_lungs_parts(img, opts)?;
    let (ww, wh) = (pair.labels.width(), pair.labels.height());
    if let Some(prior) = prior {
        let labels =
            crate::segment::prior::apply_images(prior, &pair.labels, &smooth, &work, &opts.prior);
        pair = LungPair {
            areas: [1, 2].map(|l| labels.as_slice().iter().filter(|&&v| v == l).count()),
            labels,
        };
        if pair.areas == [0, 0] {
            return Err(Error::NoLungs("the shape prior left no lung".into()));
        }
    }
    let flags = plausibility(&pair, ww, wh);
    let labels = to_original_size(&pair.labels, w, h, opts);
    Ok(Segmentation {
        labels,
        flags,
        work_size: (ww, wh),
    })
}

/// The image-driven lungs at working resolution (label image: 1 right, 2 left): everything
/// before the shape prior and the return to the original size. What a shape prior's
/// corrections are measured against ([`crate::segment::prior::PairShape::with_found`]).
///
/// # Errors
/// As [`segment_radiograph`].
pub fn found_lungs(img: &Radiograph, opts: &SegmentOptions) -> Result<LungPair> {
    Ok(found_lungs_in(img, opts)?.0)
}

/// [`found_lungs`] and the smoothed working image they were found in (what a shape prior's
/// shade-resolved corrections read).
///
/// # Errors
/// As [`segment_radiograph`].
pub fn found_lungs_in(img: &Radiograph, opts: &SegmentOptions) -> Result<(LungPair, GrayU8)> {
    found_lungs_parts(img, opts).map(|(pair, smooth, _)| (pair, smooth))
}

/// [`found_lungs_in`] and the working image itself (before smoothing), which the shape
/// prior's band classifier reads.
pub(crate) fn found_lungs_parts(
    img: &Radiograph,
    opts: &SegmentOptions,
) -> Result<(LungPair, GrayU8, GrayU8)> {
    let work = working_image(img, opts)?;
    let smooth = gaussian_u8(
        &median3_u8(&work, opts.backend),
        opts.blur_sigma * opts.scale(),
        opts.backend,
    );
    let s = seed(&smooth, opts);
    if s.count() == 0 {
        return Err(Error::NoLungs(
            "no dark region of lung size and position after thresholding".into(),
        ));
    }
    let mut contour = opts.contour;
    contour.sigma *= opts.scale();
    contour.band = opts.px(contour.band);
    let beta = BetaField::anatomical(&s, &contour);
    let refined = refine(&smooth.map(|&v| f32::from(v)), &s, &contour, &beta);
    let pair = pick_lungs(&refined, Placement::FINAL);
    let pair = clean_lungs(&pair.labels, opts);
    if pair.areas == [0, 0] {
        return Err(Error::NoLungs(
            "the lung fields vanished after clean-up".into(),
        ));
    }
    Ok((pair, smooth, work))
}

/// Cleans each lung on its own: an opening cuts spurs and leaks through narrow necks (the
/// trachea, the stomach bubble below the diaphragm), the largest piece is kept, a closing
/// fills concavities narrower than the disk (rib shadows the contour missed), and holes are
/// filled. Treating the lungs separately keeps the closing from merging them.
fn clean_lungs(labels: &Mask, opts: &SegmentOptions) -> crate::segment::LungPair {
    // The box grown by the closing radius holds all the closing can reach (the opening only
    // shrinks); placement is judged afterwards in the whole image.
    let out = per_lung(
        labels,
        opts.px(opts.lung_close) + 2,
        |m| {
            let m = largest_piece(&open(m, opts.px(opts.final_open)))?;
            Some(fill_holes(&close(&m, opts.px(opts.lung_close))))
        },
        |_| 1,
    );
    pick_lungs(&out, Placement::FINAL)
}

/// The binary mask of `labels` (0/255) softened by a small Gaussian: what is interpolated back
/// to the original size.
fn soften(labels: &Mask, opts: &SegmentOptions) -> GrayU8 {
    gaussian_u8(
        &labels.map(|&v| if v != 0 { 255 } else { 0 }),
        0.7,
        opts.backend,
    )
}

/// Brings a working-resolution label image back to `w × h`: the binary mask is softened with a
/// small Gaussian, interpolated bilinearly and cut at half height (smooth outlines, no
/// staircase); each pixel then takes the side of the nearest working-resolution lung pixel.
fn to_original_size(labels: &Mask, w: usize, h: usize, opts: &SegmentOptions) -> Mask {
    let (ww, wh) = (labels.width(), labels.height());
    // The kept pixels (1) become their labels in place.
    let mut out = crate::enhance::upscale_threshold(&soften(labels, opts), w, h, 128);
    let sx = ww as f64 / w as f64;
    let sy = wh as f64 / h as f64;
    let col: Vec<usize> = (0..w)
        .map(|x| (((x as f64 + 0.5) * sx) as usize).min(ww - 1))
        .collect();
    // The working row's labels at the output columns, redone when the working row changes.
    let mut full = vec![0u8; w];
    let mut cached = usize::MAX;
    for y in 0..h {
        let wy = (((y as f64 + 0.5) * sy) as usize).min(wh - 1);
        let lrow = labels.row(wy);
        if wy != cached {
            for (f, &wx) in full.iter_mut().zip(&col) {
                *f = lrow[wx];
            }
            cached = wy;
        }
        // Sixteen columns at a time; kept pixels whose working pixel is unlabelled (just
        // outside the working outline) take the nearest labelled pixel along the row, else
        // the image half.
        for ((oc, fc), cc) in out
            .row_mut(y)
            .chunks_mut(16)
            .zip(full.chunks(16))
            .zip(col.chunks(16))
        {
            let mut missing = 0u8;
            for (&u, &f) in oc.iter().zip(fc) {
                missing |= u & u8::from(f == 0);
            }
            if missing == 0 {
                for (o, &f) in oc.iter_mut().zip(fc) {
                    *o *= f;
                }
                continue;
            }
            for ((o, &f), &wx) in oc.iter_mut().zip(fc).zip(cc) {
                *o = match (*o, f) {
                    (0, _) => 0,
                    (_, 0) => nearest_label(lrow, wx).unwrap_or(if wx < ww / 2 { 1 } else { 2 }),
                    (_, f) => f,
                };
            }
        }
    }
    out
}

fn nearest_label(row: &[u8], x: usize) -> Option<u8> {
    for d in 1..row.len() {
        if x >= d && row[x - d] != 0 {
            return Some(row[x - d]);
        }
        if x + d < row.len() && row[x + d] != 0 {
            return Some(row[x + d]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`to_original_size`] pixel by pixel: the full bilinear upscale of the same softened mask
    /// thresholded, then each
    /// kept pixel's label looked up one at a time.
    fn reference(labels: &Mask, w: usize, h: usize, opts: &SegmentOptions) -> Mask {
        let (ww, wh) = (labels.width(), labels.height());
        let up = crate::enhance::upscale_bilinear_u8(&soften(labels, opts), w, h);
        let mut out = Mask::new(w, h);
        for y in 0..h {
            let wy = (((y as f64 + 0.5) * (wh as f64 / h as f64)) as usize).min(wh - 1);
            let lrow = labels.row(wy);
            for x in 0..w {
                if up.get(x, y) < 128 {
                    continue;
                }
                let wx = (((x as f64 + 0.5) * (ww as f64 / w as f64)) as usize).min(ww - 1);
                let v = match lrow[wx] {
                    0 => nearest_label(lrow, wx).unwrap_or(if wx < ww / 2 { 1 } else { 2 }),
                    v => v,
                };
                out.set(x, y, v);
            }
        }
        out
    }

    proptest::proptest! {
        /// Blocky two-label images (runs of 0, 1 and 2, some rows empty) brought to sizes
        /// up, down and odd: the run-skipping version equals the pixel-by-pixel one.
        #[test]
        fn to_original_size_matches_pixel_by_pixel(
            ww in 2usize..40, wh in 2usize..40, w in 1usize..130, h in 1usize..130,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut rng = crate::phantom::Rng::new(seed);
            let mut labels = Mask::new(ww, wh);
            for y in 0..wh {
                if rng.chance(0.2) {
                    continue;
                }
                let mut x = 0;
                while x < ww {
                    let (run, v) = (rng.range(1, 8), [0u8, 0, 1, 2][rng.range(0, 3)]);
                    for xx in x..(x + run).min(ww) {
                        labels.set(xx, y, v);
                    }
                    x += run;
                }
            }
            let opts = SegmentOptions::default();
            proptest::prop_assert_eq!(
                to_original_size(&labels, w, h, &opts),
                reference(&labels, w, h, &opts)
            );
        }
    }
}
