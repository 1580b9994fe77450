//! The segmentation pipeline, top-down: working resolution → CLAHE → SIMD filtering → Otsu
//! seed → morphology and components → active contour → two lungs → (a learned shape prior,
//! when given) → original size.

use crate::enhance::{area_resize, clahe_u16, clahe_u8, exposed_field, working_size, Field};
use crate::error::{Error, Result};
use crate::image::{GrayU16, GrayU8, Labels, Mask, Plane};
use crate::io::Radiograph;
use crate::options::SegmentOptions;
use crate::prior::{ShapePrior, WorkingImages};
use crate::segment::postprocess::{largest_piece, per_lung, pick_lungs, plausibility, Placement};
use crate::segment::provenance::COMPLETED_BELOW;
use crate::segment::symmetry::clamp_to_mirror;
use crate::segment::{
    air, bridge_vertical, close, complete_from_other, fill_holes, open, otsu_from_histogram,
    otsu_level, refine, threshold_below, Air, BetaField, LungPair, Provenance, Side,
};
use crate::simd::{gaussian::gaussian_u8, median::median3_u8, Kernels};

/// Smallest width or height accepted, in pixels.
pub const MIN_SIDE: usize = 32;

/// The lungs found in one radiograph.
#[derive(Clone, Debug)]
pub struct Segmentation {
    /// Label image at the original size: 0 background, 1 right lung, 2 left lung.
    pub labels: Labels,
    /// Flags for review, as stable snake_case codes (empty when nothing is remarkable):
    /// the plausibility flags ([`crate::segment::postprocess::plausibility`]), the lungs and
    /// zones completed from shape ([`Provenance::flags`]), `padding_removed` when padding
    /// around the film was cut off (the field's box under [`PADDING_FLAG`] of the image), `small_body` when the lungs span less than
    /// [`SMALL_BODY`] of the film's height (a child, or a film with much beyond the chest).
    pub flags: Vec<String>,
    /// How much of each lung the image showed (the rest came from the shape prior).
    pub provenance: Provenance,
    /// The working resolution used.
    pub work_size: (usize, usize),
    /// At working resolution over the field's box: 1 where the final lungs hold a pixel the
    /// image-driven stages did not find (completed from shape).
    from_shape: Mask,
    /// The exposed field's box in image pixels: `(x, y, width, height)`.
    field_box: (usize, usize, usize, usize),
}

/// A film whose exposed field's box is under this share of the image is flagged
/// `padding_removed` (burnt-out air at the edges, which the field step also sets aside,
/// is not worth a flag).
pub const PADDING_FLAG: f64 = 0.9;

/// The lungs' height, as a share of the film's, below which a segmentation is flagged
/// `small_body`.
pub const SMALL_BODY: f64 = 0.4;

impl Segmentation {
    /// The lung mask, 0/1.
    pub fn binary(&self) -> Mask {
        self.labels.map(|&v| u8::from(v != 0))
    }

    /// The lung mask as an 8-bit image, 0 or 255 (what `segment` writes).
    pub fn mask_u8(&self) -> GrayU8 {
        self.labels.map(|&v| if v != 0 { 255 } else { 0 })
    }

    /// Whether image pixel `(x, y)` belongs to a lung only because the shape prior (or the
    /// other lung, mirrored) completed it there: what overlays hatch.
    pub fn completed_from_shape(&self, x: usize, y: usize) -> bool {
        let (fx, fy, fw, fh) = self.field_box;
        if x < fx || y < fy || x >= fx + fw || y >= fy + fh || self.labels.get(x, y) == 0 {
            return false;
        }
        let (ww, wh) = (self.from_shape.width(), self.from_shape.height());
        let wx = ((x - fx) * ww / fw).min(ww - 1);
        let wy = ((y - fy) * wh / fh).min(wh - 1);
        self.from_shape.get(wx, wy) != 0
    }

    /// Pixel count of one lung.
    pub fn area(&self, side: Side) -> usize {
        let l = side.label();
        self.labels.as_slice().iter().filter(|&&v| v == l).count()
    }
}

/// The contrast-enhanced working image of the radiograph's exposed field (the whole image
/// when it has no padding): area downscale of the field's box (16-bit precision kept),
/// padding left in the box filled from its row, CLAHE.
///
/// # Errors
/// [`Error::BadImage`] for an image smaller than [`MIN_SIDE`], [`Error::InvalidOption`] for
/// unusable CLAHE options.
pub fn working_image(img: &Radiograph, opts: &SegmentOptions) -> Result<GrayU8> {
    Ok(working_field(img, opts)?.1)
}

/// [`working_image`] and the exposed field it covers.
pub(crate) fn working_field(img: &Radiograph, opts: &SegmentOptions) -> Result<(Field, GrayU8)> {
    let (w, h) = (img.width(), img.height());
    if w < MIN_SIDE || h < MIN_SIDE {
        return Err(Error::TooSmall {
            path: None,
            width: w,
            height: h,
            min: MIN_SIDE,
        });
    }
    if opts.work_size < MIN_SIDE {
        return Err(Error::InvalidOption(format!(
            "work size {} is below {MIN_SIDE}",
            opts.work_size
        )));
    }
    let field = match (opts.field, img) {
        (false, _) => Field::whole(w, h),
        (true, Radiograph::U8(p)) => exposed_field(p),
        (true, Radiograph::U16(p)) => exposed_field(p),
    };
    let (ww, wh) = working_size(field.width, field.height, opts.work_size);
    let work = match img {
        Radiograph::U8(p) => {
            let boxed = field_box(p, &field);
            let mut small = area_resize(boxed.as_ref().unwrap_or(p), ww, wh)
                .map(|&v| (v + 0.5).floor().clamp(0.0, 255.0) as u8);
            field.fill_padding(&mut small);
            clahe_u8(&small, &opts.clahe)?
        }
        Radiograph::U16(p) => {
            let boxed = field_box(p, &field);
            let mut small: GrayU16 = area_resize(boxed.as_ref().unwrap_or(p), ww, wh)
                .map(|&v| (v + 0.5).floor().clamp(0.0, 65535.0) as u16);
            field.fill_padding(&mut small);
            clahe_u16(&small, &opts.clahe)?.map(|&v| (v >> 8) as u8)
        }
    };
    Ok((field, work))
}

/// The field's box cut out of `p`; `None` when the box is the whole image.
fn field_box<T: Copy>(p: &Plane<T>, field: &Field) -> Option<Plane<T>> {
    (!field.box_is_image()).then(|| p.crop(field.x, field.y, field.width, field.height))
}

/// The seed: Otsu's dark class, cut off from the image edge and from thin bridges, its rib
/// shadows bridged, the most plausible component on each side (retried with wider openings
/// for a side left empty), closed and hole-filled.
fn seed(smooth: &GrayU8, level: u8, outside: &Mask, opts: &SegmentOptions) -> Mask {
    let (w, h) = (smooth.width(), smooth.height());
    let no_air = |bw: &mut Mask| {
        for (b, &o) in bw.as_mut_slice().iter_mut().zip(outside.as_slice()) {
            *b &= 1 - o;
        }
    };
    let mut bw = threshold_below(smooth, level);
    no_air(&mut bw);
    let margin = (w.max(h) / 64).max(2);
    for y in 0..h {
        for x in 0..w {
            if x < margin || y < margin || x + margin >= w || y + margin >= h {
                bw.set(x, y, 0);
            }
        }
    }
    let bw = open(&bw, opts.px(opts.seed_open));
    // Bright ribs cut a lung field into stacked pieces; bridged, it is one component. The
    // bridges join what the opening kept (never thin dark lines such as text); a bridge may
    // cross the air outside the body, and the clip below takes those pixels out again.
    let mut bw = bridge_vertical(&bw, opts.px(opts.rib_bridge));
    no_air(&mut bw);
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
        for side in Side::BOTH {
            let i = side.index();
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
/// see [`crate::prior`].
///
/// # Errors
/// As [`segment_radiograph`].
pub fn segment_with_prior(
    img: &Radiograph,
    opts: &SegmentOptions,
    prior: Option<&ShapePrior>,
) -> Result<Segmentation> {
    let (w, h) = (img.width(), img.height());
    let Found {
        mut pair,
        smooth,
        work,
        field,
        outside,
    } = found_lungs(img, opts)?;
    let (ww, wh) = (pair.labels.width(), pair.labels.height());
    let found = pair.labels.clone();
    if let Some(prior) = prior {
        let images = WorkingImages {
            smooth: &smooth,
            work: &work,
        };
        let labels = crate::prior::apply(prior, &pair.labels, Some(images), &opts.prior);
        pair = without(&labels, &outside);
        if pair.areas == [0, 0] {
            return Err(Error::no_lungs("the shape prior left no lung"));
        }
    }
    // A lung the shape model had to place is held to the hemithorax the other lung shows.
    let placed = Provenance::measure(&pair.labels, &found);
    for (s, label) in [(0, 1u8), (1, 2u8)] {
        let seen = |i: usize| placed.present[i] && placed.from_image[i] >= COMPLETED_BELOW;
        if placed.present[s] && !seen(s) && seen(1 - s) {
            pair = pair_of(clamp_to_mirror(&pair.labels, label));
        }
    }
    if opts.symmetry {
        pair = pair_of(complete_from_other(&pair.labels, &outside));
    }
    let provenance = Provenance::measure(&pair.labels, &found);
    let mut from_shape = pair.labels.clone();
    for (v, &f) in from_shape.as_mut_slice().iter_mut().zip(found.as_slice()) {
        *v = u8::from(*v != 0 && f == 0);
    }
    let mut flags = plausibility(&pair, ww, wh);
    flags.extend(provenance.flags());
    if field.box_share() < PADDING_FLAG {
        flags.push("padding_removed".into());
    }
    if let Some((_, y0, _, y1)) = pair.labels.bounds(|v| v != 0) {
        if ((y1 + 1 - y0) as f64) < SMALL_BODY * wh as f64 {
            flags.push("small_body".into());
        }
    }
    let labels = to_original_size(&pair.labels, field.width, field.height);
    let labels = if field.box_is_image() {
        labels
    } else {
        let mut full = Mask::new(w, h);
        full.paste(&labels, field.x, field.y);
        full
    };
    Ok(Segmentation {
        labels,
        flags,
        provenance,
        work_size: (ww, wh),
        from_shape,
        field_box: (field.x, field.y, field.width, field.height),
    })
}

/// What the image-driven stages find ([`found_lungs`]), and what they found it in.
#[derive(Clone, Debug)]
pub struct Found {
    /// The lungs at working resolution (label image: 1 right, 2 left).
    pub pair: LungPair,
    /// The smoothed working image.
    pub smooth: GrayU8,
    /// The working image itself (before smoothing), which the band classifier reads.
    pub work: GrayU8,
    /// The exposed field the working image covers.
    pub field: Field,
    /// The air outside the body at working resolution (0/1), which no lung may take.
    pub outside: Mask,
}

impl Found {
    /// The working images the lungs were found in, for a shape prior.
    pub fn images(&self) -> WorkingImages<'_> {
        WorkingImages {
            smooth: &self.smooth,
            work: &self.work,
        }
    }
}

/// The image-driven lungs at working resolution: everything before the shape prior and the
/// return to the original size, and the images they were found in. What a shape prior's
/// corrections are measured against ([`crate::prior::PairShape::with_found`]). The working
/// resolution covers the image's exposed field ([`crate::enhance::Field`]), which is the
/// whole image unless it has padding.
///
/// # Errors
/// As [`segment_radiograph`].
pub fn found_lungs(img: &Radiograph, opts: &SegmentOptions) -> Result<Found> {
    let (field, work) = working_field(img, opts)?;
    let smooth = gaussian_u8(
        &median3_u8(&work, Kernels::active()),
        opts.blur_sigma * opts.scale(),
        Kernels::active(),
    );
    let level = otsu_level(&smooth);
    let Air {
        outside,
        open: open_air,
    } = air(&smooth, level);
    let mut s = seed(&smooth, level, &open_air, opts);
    if s.count() == 0 {
        // A chest whose lungs are as bright as its soft tissue (both opacified, or a film
        // mostly air): Otsu's level again over the body alone, without the air around it.
        let mut hist = [0u64; 256];
        for (&v, &o) in smooth.as_slice().iter().zip(open_air.as_slice()) {
            if o == 0 {
                hist[usize::from(v)] += 1;
            }
        }
        let body_level = otsu_from_histogram(&hist);
        if body_level > level {
            s = seed(&smooth, body_level, &open_air, opts);
        }
    }
    if s.count() == 0 {
        return Err(Error::no_lungs(
            "no dark region of lung size and position after thresholding",
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
        return Err(Error::no_lungs("the lung fields vanished after clean-up"));
    }
    let pair = without(&pair.labels, &outside);
    if pair.areas == [0, 0] {
        return Err(Error::no_lungs("the lung fields vanished after clean-up"));
    }
    Ok(Found {
        pair,
        smooth,
        work,
        field,
        outside,
    })
}

/// Each lung of `labels` less the pixels of `outside`, its largest piece kept.
fn without(labels: &Labels, outside: &Mask) -> LungPair {
    let mut cut = labels.clone();
    for (v, &o) in cut.as_mut_slice().iter_mut().zip(outside.as_slice()) {
        if o != 0 {
            *v = 0;
        }
    }
    pair_of(per_lung(&cut, 0, largest_piece, |l| l))
}

/// A label image (1 right, 2 left) with its lungs' areas.
fn pair_of(labels: Labels) -> LungPair {
    LungPair {
        areas: [1, 2].map(|l| labels.as_slice().iter().filter(|&&v| v == l).count()),
        labels,
    }
}

/// Cleans each lung on its own: an opening cuts spurs and leaks through narrow necks (the
/// trachea, the stomach bubble below the diaphragm), the largest piece is kept, a closing
/// fills concavities narrower than the disk (rib shadows the contour missed), and holes are
/// filled. Treating the lungs separately keeps the closing from merging them.
fn clean_lungs(labels: &Labels, opts: &SegmentOptions) -> crate::segment::LungPair {
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
fn soften(labels: &Labels) -> GrayU8 {
    gaussian_u8(
        &labels.map(|&v| if v != 0 { 255 } else { 0 }),
        0.7,
        Kernels::active(),
    )
}

/// Brings a working-resolution label image back to `w × h`: the binary mask is softened with a
/// small Gaussian, interpolated bilinearly and cut at half height (smooth outlines, no
/// staircase); each pixel then takes the side of the nearest working-resolution lung pixel.
fn to_original_size(labels: &Labels, w: usize, h: usize) -> Labels {
    let (ww, wh) = (labels.width(), labels.height());
    // The kept pixels (1) become their labels in place.
    let mut out = crate::enhance::upscale_threshold(&soften(labels), w, h, 128);
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
    fn reference(labels: &Labels, w: usize, h: usize) -> Mask {
        let (ww, wh) = (labels.width(), labels.height());
        let up = crate::enhance::upscale_bilinear_u8(&soften(labels), w, h);
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
            let mut rng = crate::rng::Rng::new(seed);
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
            proptest::prop_assert_eq!(to_original_size(&labels, w, h), reference(&labels, w, h));
        }
    }
}
