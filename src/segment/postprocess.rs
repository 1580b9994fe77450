//! Anatomical post-processing: pick exactly one plausible component per side as the right and
//! left lung, with plausibility checks. No "clear border" step: a lung that touches the image
//! edge is kept (the textbook step drops whole lungs on about 6 % of JSRT images); instead,
//! components are judged by where they lie and how they are shaped.

use super::components::{components, Component};
use crate::image::{Labels, Mask};

/// A lung's side, in the patient's frame. On a PA radiograph the patient's right lung is on the
/// image's left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Patient's right lung (image left), label 1.
    Right,
    /// Patient's left lung (image right), label 2.
    Left,
}

impl Side {
    /// Both lungs, right first (the order of every per-lung array: `[right, left]`).
    pub const BOTH: [Side; 2] = [Side::Right, Side::Left];

    /// The position of this lung in a per-lung array: 0 right, 1 left.
    pub fn index(self) -> usize {
        match self {
            Side::Right => 0,
            Side::Left => 1,
        }
    }

    /// The other lung.
    pub fn other(self) -> Side {
        match self {
            Side::Right => Side::Left,
            Side::Left => Side::Right,
        }
    }

    /// The value of this lung in a label image.
    pub fn label(self) -> u8 {
        match self {
            Side::Right => 1,
            Side::Left => 2,
        }
    }
}

/// The two lungs found in a mask, as a label image (0 background, 1 right, 2 left).
#[derive(Clone, Debug)]
pub struct LungPair {
    /// Label image.
    pub labels: Labels,
    /// Area of the right and left lung in pixels (0 when missing).
    pub areas: [usize; 2],
}

/// Limits on where a lung may lie, as fractions of the image size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placement {
    /// Smallest area, as a fraction of the image.
    pub min_area: f64,
    /// Centroid rows allowed.
    pub cy: (f64, f64),
    /// Centroid columns allowed.
    pub cx: (f64, f64),
    /// Widest bounding box.
    pub max_width: f64,
    /// Longest contact allowed with the left, right or bottom frame `margin` pixels inside the
    /// image edge, as a fraction of that side (the dark background beside the body and
    /// between the arms touches the frame along a long stretch; a lung at most briefly).
    pub max_frame_contact: f64,
    /// Longest contact allowed with the top frame, as a fraction of the width: an apex cut
    /// off by the collimation touches it over a short stretch; the dark background above
    /// the shoulders and beside the neck over a long one.
    pub max_top_contact: f64,
    /// Smallest fill of the bounding box (area ÷ box area): a lung is compact; the dark
    /// background that wraps around a collimated body is not.
    pub min_fill: f64,
    /// Distance of that frame from the edge, in pixels.
    pub margin: usize,
}

impl Placement {
    /// Strict limits for seeds (reject the dark background around the body).
    pub const SEED: Placement = Placement {
        min_area: 0.01,
        cy: (0.15, 0.8),
        cx: (0.1, 0.9),
        max_width: 0.6,
        max_frame_contact: 0.08,
        max_top_contact: 0.2,
        min_fill: 0.3,
        margin: 0,
    };
    /// Loose limits for the final lungs.
    pub const FINAL: Placement = Placement {
        min_area: 0.005,
        cy: (0.05, 0.9),
        cx: (0.05, 0.95),
        max_width: 0.75,
        max_frame_contact: 1.0,
        max_top_contact: 1.0,
        min_fill: 0.0,
        margin: 0,
    };

    fn accepts(&self, c: &Component, contact: [usize; 4], w: usize, h: usize) -> bool {
        let side_limit = self.max_frame_contact * h as f64;
        let bottom_limit = self.max_frame_contact * w as f64;
        if contact[0] as f64 > side_limit
            || contact[1] as f64 > side_limit
            || contact[2] as f64 > bottom_limit
            || contact[3] as f64 > self.max_top_contact * w as f64
        {
            return false;
        }
        let (wf, hf) = (w as f64, h as f64);
        let width = (c.bbox.2 - c.bbox.0 + 1) as f64;
        let height = (c.bbox.3 - c.bbox.1 + 1) as f64;
        if (c.area as f64) < self.min_fill * width * height {
            return false;
        }
        c.area as f64 >= self.min_area * wf * hf
            && (self.cy.0 * hf..=self.cy.1 * hf).contains(&c.centroid.1)
            && (self.cx.0 * wf..=self.cx.1 * wf).contains(&c.centroid.0)
            && width <= self.max_width * wf
    }
}

/// Keeps the largest acceptable component on each side of the vertical midline.
pub(crate) fn pick_lungs(m: &Mask, place: Placement) -> LungPair {
    let (w, h) = (m.width(), m.height());
    let l = components(m);
    // Contact of each component with the left, right, bottom and top frame.
    let mut contact = vec![[0usize; 4]; l.components.len() + 1];
    let k = place.margin;
    if w > 2 * k && h > 2 * k {
        let lab = &l.labels;
        for y in 0..h {
            contact[lab.get(k, y) as usize][0] += 1;
            contact[lab.get(w - 1 - k, y) as usize][1] += 1;
        }
        for x in 0..w {
            contact[lab.get(x, h - 1 - k) as usize][2] += 1;
            contact[lab.get(x, k) as usize][3] += 1;
        }
    }
    let mut best: [Option<&Component>; 2] = [None, None];
    for c in &l.components {
        let touch = contact.get(c.label as usize).copied().unwrap_or_default();
        if !place.accepts(c, touch, w, h) {
            continue;
        }
        let side = usize::from(c.centroid.0 >= w as f64 / 2.0);
        if best[side].is_none_or(|b| c.area > b.area) {
            best[side] = Some(c);
        }
    }
    let ids = [best[0].map(|c| c.label), best[1].map(|c| c.label)];
    let labels = l.labels.map(|&v| {
        if v != 0 && Some(v) == ids[0] {
            Side::Right.label()
        } else if v != 0 && Some(v) == ids[1] {
            Side::Left.label()
        } else {
            0
        }
    });
    LungPair {
        labels,
        areas: [best[0].map_or(0, |c| c.area), best[1].map_or(0, |c| c.area)],
    }
}

/// Picks the two lungs (largest plausible component each side of the midline) with loose
/// placement limits.
///
/// ```
/// use lungfield::{segment::two_lungs, Mask};
/// let mut m = Mask::new(20, 20);
/// for y in 5..15 { for x in 3..8 { m.set(x, y, 1); m.set(x + 10, y, 1); } }
/// let pair = two_lungs(&m);
/// assert_eq!(pair.labels.get(4, 8), 1);
/// assert_eq!(pair.labels.get(14, 8), 2);
/// ```
pub fn two_lungs(m: &Mask) -> LungPair {
    pick_lungs(m, Placement::FINAL)
}

/// Applies `f` to each lung of the label image `labels` (1 right, 2 left), cut out as a 0/1
/// mask on its bounding box grown by `pad` (so `f` sees everything it could change, at a
/// fraction of the pixels), and paints what `f` returns into a new label image with value
/// `paint(label)`; pixels already painted keep their value.
pub(crate) fn per_lung(
    labels: &Labels,
    pad: usize,
    f: impl Fn(&Mask) -> Option<Mask>,
    paint: impl Fn(u8) -> u8,
) -> Mask {
    let (w, h) = (labels.width(), labels.height());
    let mut out = Mask::new(w, h);
    for label in [Side::Right.label(), Side::Left.label()] {
        let Some((x0, y0, x1, y1)) = labels.bounds(|v| v == label) else {
            continue;
        };
        let (x0, y0) = (x0.saturating_sub(pad), y0.saturating_sub(pad));
        let (x1, y1) = ((x1 + pad + 1).min(w), (y1 + pad + 1).min(h));
        let crop = labels
            .crop(x0, y0, x1 - x0, y1 - y0)
            .map(|&v| u8::from(v == label));
        let Some(m) = f(&crop) else { continue };
        let value = paint(label);
        for y in 0..m.height() {
            let orow = &mut out.row_mut(y0 + y)[x0..x1];
            for (o, &v) in orow.iter_mut().zip(m.row(y)) {
                if v != 0 && *o == 0 {
                    *o = value;
                }
            }
        }
    }
    out
}

/// The largest 8-connected piece of a 0/1 mask (ties: the first in label order); `None` when
/// the mask is empty.
pub(crate) fn largest_piece(m: &Mask) -> Option<Mask> {
    let parts = components(m);
    let big = parts
        .components
        .iter()
        .max_by_key(|c| (c.area, std::cmp::Reverse(c.label)))?;
    Some(parts.select(&[big.label]))
}

/// Plausibility flags for a pair of lungs in a `w × h` image (empty when plausible):
/// `right_lung_not_found`, `left_lung_not_found`, `lungs_unequal` (the smaller under 0.35 of
/// the larger), `lung_area_implausible` (both together outside 8–60 % of the image).
pub fn plausibility(pair: &LungPair, w: usize, h: usize) -> Vec<String> {
    let mut flags = Vec::new();
    let total = (w * h).max(1) as f64;
    let [r, l] = pair.areas;
    if r == 0 {
        flags.push("right_lung_not_found".to_string());
    }
    if l == 0 {
        flags.push("left_lung_not_found".to_string());
    }
    if r > 0 && l > 0 {
        let ratio = r.min(l) as f64 / r.max(l) as f64;
        if ratio < 0.35 {
            flags.push("lungs_unequal".to_string());
        }
    }
    let frac = (r + l) as f64 / total;
    if r + l > 0 && !(0.08..=0.6).contains(&frac) {
        flags.push("lung_area_implausible".to_string());
    }
    flags
}
