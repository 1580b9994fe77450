//! The segmentation pipeline, top-down: working resolution → CLAHE → SIMD filtering → Otsu
//! seed (a lung much shorter than the other seeded again at a higher level) → morphology and
//! components → active contour → two lungs → (a learned shape prior, when given) → original
//! size.

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
    air_beside, bridge_vertical, close, complete_from_other, fill_holes, open, otsu_from_histogram,
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

/// How far in from the image edge no seed starts, and from which the air outside the body is
/// flooded (past a bright rim along the film's edge): 1/64 of the longer side, at least 2.
fn edge_margin(w: usize, h: usize) -> usize {
    (w.max(h) / 64).max(2)
}

/// The seed: Otsu's dark class, cut off from the image edge and from thin bridges, its rib
/// shadows bridged, the most plausible component on each side (retried with wider openings
/// for a side left empty), closed and hole-filled.
fn seed(smooth: &GrayU8, level: u8, outside: &Mask, opts: &SegmentOptions) -> Mask {
    closed_seed(
        &seed_lungs(smooth, level, outside, opts, Placement::SEED),
        opts,
    )
}

/// The seed's lungs as one mask, closed and hole-filled.
fn closed_seed(lungs: &Labels, opts: &SegmentOptions) -> Mask {
    let m = lungs.map(|&v| u8::from(v != 0));
    fill_holes(&close(&m, opts.px(opts.seed_close)))
}

/// [`seed`]'s lungs before the closing (labels: 1 right, 2 left).
fn seed_lungs(
    smooth: &GrayU8,
    level: u8,
    outside: &Mask,
    opts: &SegmentOptions,
    limits: Placement,
) -> Labels {
    let (w, h) = (smooth.width(), smooth.height());
    let no_air = |bw: &mut Mask| {
        for (b, &o) in bw.as_mut_slice().iter_mut().zip(outside.as_slice()) {
            *b &= 1 - o;
        }
    };
    let mut bw = threshold_below(smooth, level);
    no_air(&mut bw);
    let margin = edge_margin(w, h);
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
    let place = Placement { margin, ..limits };
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
    pair.labels
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
    let (sw, sh) = (smooth.width(), smooth.height());
    // The black canvas inside the box (a turned film's corners, filled from the film's edge,
    // its bright rim included): the flood starts beside it too.
    let padding = field.dark_padding_mask(sw, sh);
    let Air {
        outside,
        open: open_air,
        open_sparing_cut,
    } = air_beside(&smooth, level, edge_margin(sw, sh), &padding);
    // Otsu's level over the body alone, without the air around it.
    let mut hist = [0u64; 256];
    for (&v, &o) in smooth.as_slice().iter().zip(open_air.as_slice()) {
        if o == 0 {
            hist[usize::from(v)] += 1;
        }
    }
    let body_level = otsu_from_histogram(&hist);
    let mut lungs = seed_lungs(&smooth, level, &open_air, opts, Placement::SEED);
    if open_sparing_cut != open_air {
        lungs = spare_cut(
            lungs,
            &seed_lungs(&smooth, level, &open_sparing_cut, opts, Placement::SEED),
        );
    }
    let mut s = closed_seed(&lungs, opts);
    // A lung whose seed is much shorter than the other's, retried at the level midway to
    // the body's ([`lengthen_short`]).
    let longer = (body_level > level)
        .then(|| {
            let mid = level + (body_level - level) / 2;
            lengthen_short(&lungs, || {
                seed_lungs(&smooth, mid, &open_air, opts, Placement::SEED)
            })
        })
        .flatten();
    if s.count() == 0 && body_level > level {
        // A chest whose lungs are as bright as its soft tissue (both opacified, or a film
        // mostly air): the body's level.
        s = seed(&smooth, body_level, &open_air, opts);
    }
    let mut outside = outside;
    if s.count() == 0 {
        // Last, a film cut tight through both lungs: each lung is cut open by the image side
        // it runs along, as only the background beside the body is on a whole film, and the
        // edge reaches it at its own grey, as it reaches air. Seeded with nothing taken for
        // air and any contact with the frame, and nothing cut off as air afterwards.
        let cut_open = Placement {
            max_frame_contact: 1.0,
            ..Placement::SEED
        };
        let none = Mask::new(sw, sh);
        s = closed_seed(&seed_lungs(&smooth, level, &none, opts, cut_open), opts);
        outside = none;
    }
    if s.count() == 0 {
        return Err(Error::no_lungs(
            "no dark region of lung size and position after thresholding",
        ));
    }
    let mut contour = opts.contour;
    contour.sigma *= opts.scale();
    contour.band = opts.px(contour.band);
    let smooth_f = smooth.map(|&v| f32::from(v));
    let lungs_from = |s: &Mask| {
        let beta = BetaField::anatomical(s, &contour);
        let refined = refine(&smooth_f, s, &contour, &beta);
        let pair = pick_lungs(&refined, Placement::FINAL);
        clean_lungs(&pair.labels, opts)
    };
    let mut pair = lungs_from(&s);
    if let Some((long, side)) = longer {
        // The lengthened lung from its own run; the other keeps the contour it had.
        let other = lungs_from(&closed_seed(&long, opts));
        pair = pair_of(with_lung_from(&pair.labels, &other.labels, side));
    }
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

/// The seeded lungs `lungs` with each lung taken from `sparing` (seeded with the open air
/// sparing lungs cut open by the image edge, [`crate::segment::Air::open_sparing_cut`]) where
/// that lung is larger and holds nine tenths of the one in `lungs`.
///
/// On a tight crop the open air takes the side of a lung cut open by the image edge, and
/// the seed loses it. Seeded without that piece, the lung joins the image edge along its
/// cut and can be rejected as the dark background beside the body is, or another piece be
/// picked; so the lung seeded as before stays unless the spared one grows it.
fn spare_cut(lungs: Labels, sparing: &Labels) -> Labels {
    let mut out = lungs;
    for l in [Side::Right.label(), Side::Left.label()] {
        let (mut before, mut after, mut both) = (0usize, 0usize, 0usize);
        for (&a, &b) in out.as_slice().iter().zip(sparing.as_slice()) {
            before += usize::from(a == l);
            after += usize::from(b == l);
            both += usize::from(a == l && b == l);
        }
        if after > before && both * 10 >= before * 9 {
            out = with_lung_from(&out, sparing, l);
        }
    }
    out
}

/// The seeded lungs `lungs` with a lung much shorter than the other ([`SHORT_RATIO`]) taken
/// from `higher` (the seed at a higher level), and which lung that is; `None` when neither is
/// short or the higher seed's lung does not qualify.
///
/// A lower lung under breast shadow or under more soft tissue is brighter than Otsu's level
/// over the whole film and never joins the seed; the shape model then completes a lung the
/// image shows (on normal films too, which the flags then send for review). At the higher
/// level the lung qualifies when it holds nine tenths of the short seed, reaches lower,
/// starts no higher (a higher level can leak into the neck), is at most 1.15 times as wide
/// as the other lung (or it has leaked into the shoulder), no taller than 1.1 times it and
/// no larger than 1.5 times.
fn lengthen_short(lungs: &Labels, higher: impl FnOnce() -> Labels) -> Option<(Labels, u8)> {
    let b = [1u8, 2].map(|l| lungs.bounds(|v| v == l));
    let [Some(r), Some(l)] = b else { return None };
    let hgt = |b: (usize, usize, usize, usize)| (b.3 + 1 - b.1) as f64;
    let (hr, hl) = (hgt(r), hgt(l));
    let short = if hr < SHORT_RATIO * hl {
        1u8
    } else if hl < SHORT_RATIO * hr {
        2u8
    } else {
        return None;
    };
    let (si, oi) = (usize::from(short - 1), usize::from(2 - short));
    let hi = higher();
    let nb = hi.bounds(|v| v == short)?;
    let (area, area_new) = (areas(lungs), areas(&hi)[si]);
    let kept = lungs
        .as_slice()
        .iter()
        .zip(hi.as_slice())
        .filter(|&(&a, &b)| a == short && b == short)
        .count();
    let (ob, otb) = if short == 1 { (r, l) } else { (l, r) };
    let slack = lungs.height() / 50;
    let wid = |b: (usize, usize, usize, usize)| (b.2 + 1 - b.0) as f64;
    // Longer downwards only, the same top and about as wide as the other lung at most (a
    // higher level can leak upwards into the neck or sideways into the shoulder).
    let same_frame = nb.1 + slack >= ob.1 && wid(nb) <= 1.15 * wid(otb);
    if !same_frame
        || nb.3 <= ob.3
        || kept * 10 < area[si] * 9
        || hgt(nb) > 1.1 * hr.max(hl)
        || area_new as f64 > 1.5 * area[oi] as f64
    {
        return None;
    }
    Some((with_lung_from(lungs, &hi, short), short))
}

/// `labels` with its lung `label` replaced by that lung in `from`, where it does not fall
/// on the other lung.
fn with_lung_from(labels: &Labels, from: &Labels, label: u8) -> Labels {
    let mut out = labels.clone();
    for (o, &n) in out.as_mut_slice().iter_mut().zip(from.as_slice()) {
        if *o == label {
            *o = 0;
        }
        if n == label && *o == 0 {
            *o = label;
        }
    }
    out
}

/// A seeded lung shorter than this share of the other's height is retried at a higher level
/// (experts' left and right lungs: height ratio 0.92–1.11, 5th–95th percentile on jsrt-dev).
const SHORT_RATIO: f64 = 0.85;

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
        areas: areas(&labels),
        labels,
    }
}

/// Pixels of the right (1) and left (2) lung of `labels`.
fn areas(labels: &Labels) -> [usize; 2] {
    [1, 2].map(|l| labels.as_slice().iter().filter(|&&v| v == l).count())
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

    /// Two lungs as rectangles (1 right at x 10..40, 2 left at x 60..90), each from its top
    /// row to its bottom row (exclusive).
    fn two_lungs(right: (usize, usize), left: (usize, usize)) -> Labels {
        let mut m = Mask::new(100, 100);
        for (label, (x0, x1), (y0, y1)) in [(1u8, (10, 40), right), (2, (60, 90), left)] {
            for y in y0..y1 {
                for x in x0..x1 {
                    m.set(x, y, label);
                }
            }
        }
        m
    }

    #[test]
    fn a_short_lung_is_taken_from_the_higher_seed_when_it_only_reaches_lower() {
        let seeded = two_lungs((10, 50), (10, 80));
        // At the higher level the right lung reaches as low as the left one.
        let (out, side) = lengthen_short(&seeded, || two_lungs((10, 78), (10, 80))).unwrap();
        assert_eq!(side, 1);
        assert_eq!(out.get(20, 70), 1);
        assert_eq!(out, two_lungs((10, 78), (10, 80)));
    }

    #[test]
    fn a_higher_seed_that_leaks_is_not_taken() {
        let seeded = two_lungs((10, 50), (10, 80));
        // Up into the neck.
        assert!(lengthen_short(&seeded, || two_lungs((2, 78), (10, 80))).is_none());
        // Down past the other lung's height by more than a tenth.
        assert!(lengthen_short(&seeded, || two_lungs((10, 99), (10, 80))).is_none());
        // Sideways: the right lung twice as wide as the left.
        let mut wide = two_lungs((10, 78), (10, 80));
        for y in 10..78 {
            for x in 0..10 {
                wide.set(x, y, 1);
            }
            for x in 40..55 {
                wide.set(x, y, 1);
            }
        }
        assert!(lengthen_short(&seeded, || wide).is_none());
        // Not holding the short seed.
        assert!(lengthen_short(&seeded, || two_lungs((52, 80), (10, 80))).is_none());
    }

    #[test]
    fn lungs_of_like_height_are_left_alone_without_a_second_seed() {
        let seeded = two_lungs((10, 75), (10, 80));
        let out = lengthen_short(&seeded, || panic!("no second seed is needed"));
        assert!(out.is_none());
        // The left lung can be the short one too.
        let seeded = two_lungs((10, 80), (10, 50));
        let (_, side) = lengthen_short(&seeded, || two_lungs((10, 80), (10, 79))).unwrap();
        assert_eq!(side, 2);
    }
}
