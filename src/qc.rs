//! Quality checks before and after segmentation: one stable code per finding, so a
//! screening programme can sort what could not be read from what was scored.
//!
//! | code | meaning | scored? |
//! |---|---|---|
//! | `not_frontal_chest` | no plausible pair of lungs: a lateral film, another body part, a page, a blank | no |
//! | `too_small` | under the smallest side lungfield reads | no |
//! | `inverted` | the polarity is reversed (bone dark, air bright); scored after inversion | yes |
//! | `low_contrast` | the exposed field spans under [`LOW_CONTRAST`] of the grey range | yes |
//! | `paediatric` | a child: DICOM age under [`ADULT_AGE`], or the lungs small in the film (`small_body`) | yes |
//! | `ap_view` | the DICOM view position is AP | yes |
//! | `view_uncertain` | no bright midline between the lung fields (see below), or the lungs found are implausible as a frontal pair (the segmentation's `lungs_unequal`, `lung_area_implausible` or `*_lung_not_found`): perhaps a lateral or another view; review | yes |
//!
//! **Polarity.** In a frontal chest radiograph as displayed (MONOCHROME2: dense is bright)
//! the mediastinum and the upper abdomen are brighter than the lung fields beside them. The
//! check compares the mean of two bands where the lungs lie (rows 30–60 % of the exposed
//! field, columns 18–38 % and 62–82 %) with the mean of the mediastinum (columns 45–55 %, the
//! same rows) and the abdomen (rows 88–98 %, columns 30–70 %): when the lung bands are
//! brighter by more than [`INVERTED_MARGIN`] of the field's grey range, the image is taken
//! as inverted. A dense lung (an opacified hemithorax) brightens one band only: the mean of
//! the two stays below the mediastinum's. DICOM MONOCHROME1 is inverted on reading and never
//! flagged.
//!
//! **Midline.** A frontal chest film has a bright vertical column in the middle of the body
//! (spine, trachea and mediastinum) between two darker lung fields; a lateral film has one
//! air field in the middle of the trunk, with the spine at its back. The check takes the
//! column profile of the exposed field over rows 20–50 % (the upper thorax), finds the body
//! in it (from the first to the last run of columns, each at least a tenth of the field wide,
//! above 15 % of the profile's range: black air and thin bright collimation bands at the
//! sides are left out), and for each candidate axis in the middle 30 % of the body compares
//! the mean of a band 8 % of the body wide with the mean of the two fields 15–30 % to either
//! side. The best axis's difference, over the profile's range, is the midline measure; under
//! [`MIDLINE_MARGIN`] the image gets `view_uncertain`. It stays scored: a frontal film with
//! both lungs opacified also loses its midline contrast, and a diseased chest is never
//! refused. The measure depends on neither lung alone, so one opacified hemithorax keeps it
//! (the mediastinum is brighter than the mean of an opacified and an open lung).

use crate::enhance::{area_resize, exposed_field};
use crate::error::Error;
use crate::image::{GrayF32, GrayU16, GrayU8};
use crate::io::{DicomInfo, Radiograph};
use crate::pipeline::Segmentation;

/// The field's 1st–99th percentile span, as a share of the full grey range, under which the
/// image is `low_contrast`.
pub const LOW_CONTRAST: f64 = 0.12;
/// How much brighter (share of the field's 1st–99th percentile span) the lung bands must
/// be than the mediastinum and abdomen for `inverted`.
pub const INVERTED_MARGIN: f64 = 0.08;
/// The midline measure (the midline's excess over the fields beside it, as a share of the
/// upper thorax's column-profile range) under which the image gets `view_uncertain`.
pub const MIDLINE_MARGIN: f64 = 0.08;
/// Age in years under which a DICOM patient is `paediatric`.
pub const ADULT_AGE: f64 = 15.0;

/// A quality-check finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QcCode {
    /// No plausible pair of lungs: not a frontal chest radiograph. Not scored.
    NotFrontalChest,
    /// Smaller than lungfield reads. Not scored.
    TooSmall,
    /// Reversed polarity, scored after inversion.
    Inverted,
    /// Little contrast in the exposed field.
    LowContrast,
    /// A child.
    Paediatric,
    /// An AP view.
    ApView,
    /// The lungs are implausible as a frontal pair: perhaps not a frontal view.
    ViewUncertain,
}

impl QcCode {
    /// The stable code written to CSV, JSON and reports.
    pub fn code(self) -> &'static str {
        match self {
            QcCode::NotFrontalChest => "not_frontal_chest",
            QcCode::TooSmall => "too_small",
            QcCode::Inverted => "inverted",
            QcCode::LowContrast => "low_contrast",
            QcCode::Paediatric => "paediatric",
            QcCode::ApView => "ap_view",
            QcCode::ViewUncertain => "view_uncertain",
        }
    }

    /// The code of a segmentation error that means the image cannot be read as a chest
    /// radiograph (none for other errors, which are errors).
    pub fn of_error(e: &Error) -> Option<QcCode> {
        match e {
            Error::NoLungs { .. } => Some(QcCode::NotFrontalChest),
            Error::TooSmall { .. } => Some(QcCode::TooSmall),
            _ => None,
        }
    }
}

/// What the checks before segmentation found, and the image to segment (inverted back when
/// its polarity was reversed).
#[derive(Clone, Debug)]
pub struct Checked {
    /// The image to segment and score.
    pub image: Radiograph,
    /// The codes found so far.
    pub codes: Vec<QcCode>,
}

/// The grey image at most 256 px on its longer side, 0..1, and the exposed field's box in it.
fn small_field(img: &Radiograph) -> (GrayF32, (usize, usize, usize, usize)) {
    let (w, h) = (img.width(), img.height());
    let s = (256.0 / w.max(h) as f64).min(1.0);
    let (sw, sh) = (
        ((w as f64 * s).round() as usize).max(1),
        ((h as f64 * s).round() as usize).max(1),
    );
    let (small, field) = match img {
        Radiograph::U8(p) => (area_resize(p, sw, sh).map(|&v| v / 255.0), exposed_field(p)),
        Radiograph::U16(p) => (
            area_resize(p, sw, sh).map(|&v| v / 65535.0),
            exposed_field(p),
        ),
    };
    let sx = |v: usize| ((v as f64 * s).round() as usize).min(sw);
    let sy = |v: usize| ((v as f64 * s).round() as usize).min(sh);
    let (x0, y0) = (sx(field.x), sy(field.y));
    let (x1, y1) = (sx(field.x + field.width), sy(field.y + field.height));
    if x1 <= x0 + 4 || y1 <= y0 + 4 {
        return (small, (0, 0, sw, sh));
    }
    (small, (x0, y0, x1 - x0, y1 - y0))
}

/// Mean of `img` over the fractions `(x0, x1, y0, y1)` of the box.
fn band(img: &GrayF32, (bx, by, bw, bh): (usize, usize, usize, usize), f: [f64; 4]) -> f64 {
    let at = |o: usize, n: usize, t: f64| o + ((n as f64 * t) as usize).min(n.saturating_sub(1));
    let (x0, x1) = (at(bx, bw, f[0]), at(bx, bw, f[1]).max(at(bx, bw, f[0]) + 1));
    let (y0, y1) = (at(by, bh, f[2]), at(by, bh, f[3]).max(at(by, bh, f[2]) + 1));
    let mut s = 0.0;
    let mut n = 0.0;
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            s += f64::from(img.get(x, y));
            n += 1.0;
        }
    }
    if n > 0.0 {
        s / n
    } else {
        0.0
    }
}

/// The polarity and contrast measures: `(lung bands less mediastinum and abdomen, over the
/// field's span; the field's 1st–99th percentile span, 0..1)`.
pub fn polarity(img: &Radiograph) -> (f64, f64) {
    let (small, b) = small_field(img);
    polarity_of(&small, b)
}

fn polarity_of(small: &GrayF32, b: (usize, usize, usize, usize)) -> (f64, f64) {
    let mut inside: Vec<f32> = (b.1..b.1 + b.3)
        .flat_map(|y| (b.0..b.0 + b.2).map(move |x| (x, y)))
        .filter(|&(x, y)| x < small.width() && y < small.height())
        .map(|(x, y)| small.get(x, y))
        .collect();
    if inside.is_empty() {
        return (0.0, 0.0);
    }
    inside.sort_by(f32::total_cmp);
    let span = f64::from(inside[inside.len() * 99 / 100] - inside[inside.len() / 100]);
    let lungs =
        (band(small, b, [0.18, 0.38, 0.3, 0.6]) + band(small, b, [0.62, 0.82, 0.3, 0.6])) / 2.0;
    let centre =
        (band(small, b, [0.45, 0.55, 0.3, 0.6]) + band(small, b, [0.3, 0.7, 0.88, 0.98])) / 2.0;
    ((lungs - centre) / span.max(1e-3), span)
}

/// The midline measure of an upright image (see the module docs): how much brighter the
/// body's middle column is than the fields beside it, over the upper thorax's column-profile
/// range; about 0.1–0.9 for frontal films, near 0 or below for a lateral. `None` when the
/// body is too narrow to judge.
///
/// ```
/// use lungfield::io::Radiograph;
/// let frontal = lungfield::phantom::make(256, 4, false).image;
/// let lateral = lungfield::phantom::lateral(256, 4);
/// let m = |g| lungfield::qc::midline(&Radiograph::U8(g)).unwrap();
/// assert!(m(frontal) > lungfield::qc::MIDLINE_MARGIN);
/// assert!(m(lateral) < lungfield::qc::MIDLINE_MARGIN);
/// ```
pub fn midline(img: &Radiograph) -> Option<f64> {
    let (small, b) = small_field(img);
    midline_of(&small, b)
}

fn midline_of(small: &GrayF32, (bx, by, bw, bh): (usize, usize, usize, usize)) -> Option<f64> {
    let (r0, r1) = (by + bh / 5, (by + bh / 2).max(by + bh / 5 + 1));
    let profile: Vec<f64> = (bx..(bx + bw).min(small.width()))
        .map(|x| {
            let rows = r0..r1.min(small.height());
            let n = rows.len().max(1) as f64;
            rows.map(|y| f64::from(small.get(x, y))).sum::<f64>() / n
        })
        .collect();
    let (lo, hi) = profile
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let range = hi - lo;
    if profile.len() < 16 || range <= 1e-6 {
        return None;
    }
    // The body: from the first to the last long run of columns above the background.
    let above = lo + 0.15 * range;
    let min_run = profile.len() / 10;
    let mut runs = Vec::new();
    let mut start = None;
    for (i, &v) in profile.iter().chain([&f64::MIN]).enumerate() {
        match (v > above, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min_run {
                    runs.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    let (left, right) = (runs.first()?.0, runs.last()?.1);
    let width = (right - left) as f64;
    if width < 16.0 {
        return None;
    }
    let mean = |a: f64, b: f64| {
        let a = (a.round().max(0.0) as usize).min(profile.len() - 1);
        let b = (b.round().max(0.0) as usize).clamp(a, profile.len() - 1);
        profile[a..=b].iter().sum::<f64>() / (b - a + 1) as f64
    };
    let axes = (left as f64 + 0.35 * width).ceil() as usize..=(left as f64 + 0.65 * width) as usize;
    axes.map(|c| {
        let c = c as f64;
        let centre = mean(c - 0.04 * width, c + 0.04 * width);
        let sides = (mean(c - 0.3 * width, c - 0.15 * width)
            + mean(c + 0.15 * width, c + 0.3 * width))
            / 2.0;
        (centre - sides) / range
    })
    .reduce(f64::max)
}

fn invert(img: &Radiograph) -> Radiograph {
    match img {
        Radiograph::U8(p) => Radiograph::U8(GrayU8::from_rows(p.width(), p.height(), |y, r| {
            for (d, &s) in r.iter_mut().zip(p.row(y)) {
                *d = 255 - s;
            }
        })),
        Radiograph::U16(p) => Radiograph::U16(GrayU16::from_rows(p.width(), p.height(), |y, r| {
            for (d, &s) in r.iter_mut().zip(p.row(y)) {
                *d = 65535 - s;
            }
        })),
    }
}

/// The checks before segmentation: polarity (an inverted image is inverted back and
/// flagged), contrast, the midline, and what a DICOM header says (age, view position).
pub fn check(img: Radiograph, info: Option<&DicomInfo>) -> Checked {
    let mut codes = Vec::new();
    let (mut small, field) = small_field(&img);
    let (lungs_brighter, span) = polarity_of(&small, field);
    let image = if lungs_brighter > INVERTED_MARGIN {
        codes.push(QcCode::Inverted);
        small = small.map(|&v| 1.0 - v);
        invert(&img)
    } else {
        img
    };
    if span < LOW_CONTRAST {
        codes.push(QcCode::LowContrast);
    }
    if midline_of(&small, field).is_some_and(|m| m < MIDLINE_MARGIN) {
        codes.push(QcCode::ViewUncertain);
    }
    if let Some(i) = info {
        if i.patient_age_years.is_some_and(|a| a < ADULT_AGE) {
            codes.push(QcCode::Paediatric);
        }
        if i.view_position.as_deref() == Some("AP") {
            codes.push(QcCode::ApView);
        }
    }
    Checked { image, codes }
}

/// The segmentation flags that make the view uncertain.
pub const IMPLAUSIBLE: [&str; 4] = [
    "lungs_unequal",
    "lung_area_implausible",
    "right_lung_not_found",
    "left_lung_not_found",
];

/// The checks after segmentation: `paediatric` when the lungs are small in the film
/// (the segmentation's `small_body`) and no DICOM age said so already; `view_uncertain` when
/// the segmentation found the lungs implausible as a frontal pair ([`IMPLAUSIBLE`]) and the
/// midline check did not say so already.
pub fn after(codes: &mut Vec<QcCode>, seg: &Segmentation) {
    if seg.flags.iter().any(|f| IMPLAUSIBLE.contains(&f.as_str()))
        && !codes.contains(&QcCode::ViewUncertain)
    {
        codes.push(QcCode::ViewUncertain);
    }
    if seg.flags.iter().any(|f| f == "small_body") && !codes.contains(&QcCode::Paediatric) {
        codes.push(QcCode::Paediatric);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phantom_is_upright_and_its_negative_is_inverted() {
        let p = crate::phantom::render(256, 11, true);
        let img = Radiograph::U8(p.to_u8());
        let c = check(img.clone(), None);
        assert!(c.codes.is_empty(), "{:?} {:?}", c.codes, polarity(&img));
        let neg = invert(&img);
        let c = check(neg, None);
        assert_eq!(c.codes, [QcCode::Inverted]);
        assert_eq!(c.image, img, "inverted back");
    }

    #[test]
    fn a_flat_image_has_low_contrast() {
        let img = Radiograph::U8(GrayU8::from_rows(200, 200, |y, r| {
            r.fill(120 + (y % 7) as u8);
        }));
        assert!(check(img, None).codes.contains(&QcCode::LowContrast));
    }

    proptest::proptest! {
        /// Any picture, of any size from 1 px, flat, striped, noisy or with bright edges:
        /// the checks give codes and never panic, and the midline measure, when there is
        /// one, is finite.
        #[test]
        fn any_image_gets_a_verdict(
            w in 1usize..300, h in 1usize..300, kind in 0u8..4, seed in proptest::prelude::any::<u64>(),
        ) {
            let mut rng = crate::rng::Rng::new(seed);
            let img = GrayU8::from_rows(w, h, |y, r| {
                for (x, p) in r.iter_mut().enumerate() {
                    *p = match kind {
                        0 => 77,
                        1 => if (x / 3) % 2 == 0 { 255 } else { 0 },
                        2 => rng.range(0, 256) as u8,
                        _ => if x < 2 || x + 2 >= w || y < 2 { 250 } else { (x * 255 / w) as u8 },
                    };
                }
            });
            let img = Radiograph::U8(img);
            if let Some(m) = midline(&img) {
                proptest::prop_assert!(m.is_finite());
            }
            let c = check(img, None);
            proptest::prop_assert_eq!((c.image.width(), c.image.height()), (w, h));
        }
    }

    #[test]
    fn dicom_age_and_view_give_codes() {
        let p = crate::phantom::render(128, 2, false);
        let info = DicomInfo {
            patient_age_years: Some(6.0),
            view_position: Some("AP".into()),
            ..Default::default()
        };
        let c = check(Radiograph::U8(p.to_u8()), Some(&info));
        assert_eq!(c.codes, [QcCode::Paediatric, QcCode::ApView]);
    }
}
