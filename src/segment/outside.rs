//! The air outside the body. Lungs are dark basins walled in by the chest wall, the
//! shoulders and the diaphragm; the air beside the body, above the shoulders and between the
//! arms is dark too, but reaches the image edge without climbing over anything bright.
//!
//! [`fill_level`] is the greyscale hole fill (morphological reconstruction by erosion from
//! the border): for each pixel, the lowest grey level a path from the image edge must climb
//! to reach it. A lung pixel's level is that of the lowest pass over its walls, well above
//! its own grey; a pixel of outside air is reached at about its own grey. [`air`] sets the
//! air outside the body apart from the lungs by that difference: no lung is dropped for
//! being dark, only for being open to the edge. A bright rim along a scanned film's lower or
//! side edge would wall the air in, so the flood starts from a band a few pixels deep there
//! ([`fill_level_from`]).
//!
//! A tight crop cuts a lung open at the image's side or foot: the edge then reaches the
//! lung at its own grey, as it reaches air. Air outside the body is the film's direct
//! exposure, the darkest grey it holds; a lung cut open holds nothing that dark.
//! [`Air::open_sparing_cut`] leaves out of the open air every piece along the sides and the
//! foot whose darkest tenth is no darker than half the `dark` level.
//!
//! The flood is a priority flood with one bucket per grey level, so it costs O(pixels).

use super::components::components;
use crate::image::{neighbours4, GrayU8, Mask};

/// The greyscale hole fill of `img` from its border: for each pixel, the smallest over all
/// 4-connected paths from the image edge of the largest grey on the path (the pixel's own
/// grey included).
///
/// ```
/// use lungfield::{segment::fill_level, GrayU8};
/// // A dark hole (10) in a bright wall (200) on a dark ground (20).
/// let img = GrayU8::from_rows(7, 7, |y, row| for (x, v) in row.iter_mut().enumerate() {
///     *v = if x == 3 && y == 3 { 10 } else if (1..6).contains(&x) && (1..6).contains(&y) { 200 } else { 20 };
/// });
/// let f = fill_level(&img);
/// assert_eq!((f.get(0, 0), f.get(3, 3), f.get(1, 1)), (20, 200, 200));
/// ```
pub fn fill_level(img: &GrayU8) -> GrayU8 {
    fill_level_from(img, 1)
}

/// [`fill_level`] with the flood also starting from every pixel less than `band` pixels
/// from the left, right and bottom edges (`band` 1 or 0: the edges themselves); the top
/// edge is always the edge itself.
///
/// A scanned film often has a bright rim along its lower edge (or a bright line where it
/// meets a black canvas): flooded from the edge itself, the air beside the body is walled
/// in by the rim and looks like a lung. The band steps over such a rim. Not at the top,
/// where a tightly cut film can show the lung apices within a few pixels of the edge.
///
/// ```
/// use lungfield::{segment::fill_level_from, GrayU8};
/// // Dark air (20) walled in by bright (200) sides three pixels thick, the top, and a
/// // rim one pixel in from the bottom edge.
/// let rim = GrayU8::from_rows(9, 8, |y, row| for (x, v) in row.iter_mut().enumerate() {
///     *v = if y == 0 || y == 6 || x < 3 || x >= 6 { 200 } else { 20 };
/// });
/// assert_eq!(fill_level_from(&rim, 1).get(4, 3), 200);
/// assert_eq!(fill_level_from(&rim, 3).get(4, 3), 20);
/// // Walls three pixels thick, the top one pixel: the band does not step over the top.
/// let top = GrayU8::from_rows(9, 8, |y, row| for (x, v) in row.iter_mut().enumerate() {
///     *v = if y == 0 || y >= 5 || x < 3 || x >= 6 { 200 } else { 20 };
/// });
/// assert_eq!(fill_level_from(&top, 2).get(4, 3), 200);
/// ```
pub fn fill_level_from(img: &GrayU8, band: usize) -> GrayU8 {
    fill_level_beside(img, band, &Mask::new(img.width(), img.height()))
}

/// [`fill_level_from`] with the flood also starting from every pixel less than `band`
/// pixels from a pixel of `padding` (the black canvas in the corners of a turned film,
/// filled from the film's edge: [`crate::enhance::Field::dark_padding_mask`]; `img`'s size,
/// a mask of another size adds nothing). A film's edge that runs slanted across the image
/// is no side of it; the bright rim along that edge, copied into the padding beside it,
/// would wall in the air between the body and the arm.
///
/// ```
/// use lungfield::{segment::{fill_level_beside, fill_level_from}, GrayU8, Mask};
/// // Dark air (20) walled in by bright (200): three pixels thick at the left and the
/// // bottom, one at the top, and on the right a rim one pixel wide beside four pixels of
/// // padding (filled bright from the rim).
/// let img = GrayU8::from_rows(12, 8, |y, row| for (x, v) in row.iter_mut().enumerate() {
///     *v = if y == 0 || y >= 5 || x < 3 || x >= 7 { 200 } else { 20 };
/// });
/// let padding = Mask::from_rows(12, 8, |_, row| for (x, v) in row.iter_mut().enumerate() {
///     *v = u8::from(x >= 8);
/// });
/// assert_eq!(fill_level_from(&img, 2).get(4, 3), 200);
/// assert_eq!(fill_level_beside(&img, 2, &padding).get(4, 3), 20);
/// ```
pub fn fill_level_beside(img: &GrayU8, band: usize, padding: &Mask) -> GrayU8 {
    let (w, h) = (img.width(), img.height());
    let band = band.max(1);
    let mut out = GrayU8::new(w, h);
    if w == 0 || h == 0 {
        return out;
    }
    let beside = if padding.as_slice().iter().any(|&v| v != 0) {
        super::morphology::dilate(padding, band)
    } else {
        Mask::new(0, 0)
    };
    let src = img.as_slice();
    let mut seen = vec![false; w * h];
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); 256];
    for y in 0..h {
        for x in 0..w {
            if x < band
                || y == 0
                || x + band >= w
                || y + band >= h
                || (beside.width() == w && beside.get(x, y) != 0)
            {
                let i = y * w + x;
                seen[i] = true;
                buckets[usize::from(src[i])].push(i as u32);
            }
        }
    }
    let o = out.as_mut_slice();
    for level in 0..256usize {
        while let Some(i) = buckets[level].pop() {
            let i = i as usize;
            o[i] = level as u8;
            for j in neighbours4(i, w, h) {
                if !seen[j] {
                    seen[j] = true;
                    buckets[level.max(usize::from(src[j]))].push(j as u32);
                }
            }
        }
    }
    out
}

/// How far (grey levels) below the level at which the image edge reaches it a pixel must lie
/// to count as the core of a walled-in basin, a lung.
pub const CORE_DEPTH: u8 = 12;

/// How far (grey levels) above its own grey a dark pixel may be reached from the image edge
/// and still count as open air for a seed.
pub const OPEN_SLACK: u8 = 6;

/// The air outside the body of a smoothed working image (see the module docs).
#[derive(Clone, Debug)]
pub struct Air {
    /// What no lung may take (0/1): the pixels the image edge reaches below the grey of the
    /// lungs' cores and below the `dark` level. The cores are the pixels at least
    /// [`CORE_DEPTH`] grey levels below their [`fill_level`] (the bottoms of walled basins);
    /// a lung's walls rise above its own core, so the flood stops at them, while air beside
    /// the body is reached at about its own grey, below the cores'. When nothing is walled
    /// in, nothing is outside.
    pub outside: Mask,
    /// What no seed may start from (0/1): `outside`, and every pixel darker than `dark` that
    /// the edge reaches within [`OPEN_SLACK`] grey levels of its own (this also takes the
    /// brightest pixels of some lungs, which a seed can spare: the contour brings them back).
    pub open: Mask,
    /// `open` without the pieces a lung cut open by the image's side or foot leaves in it:
    /// each 8-connected piece of open air that is not `outside`, lies in the flood's band
    /// along the left, right or lower edge over at least [`CUT_LUNG_CONTACT`] of the image
    /// and not at the top, reaches [`CUT_LUNG_REACH`] of the image in from those edges, and
    /// whose darkest tenth is at least [`CUT_LUNG_DARKEST`] of the `dark` level. The same
    /// mask as `open` when there is no such piece.
    pub open_sparing_cut: Mask,
}

/// The darkest tenth of a piece of open air along the side or the foot, as a share of the
/// `dark` level, at or above which it is taken for a lung cut open by the image edge rather
/// than for air ([`Air::open_sparing_cut`]). Air beside the body is the direct exposure: on
/// Montgomery's films the darkest tenth of the open air beside the body lies below 0.43 of
/// the level in 95 of 100 pieces; in jsrt-dev's lungs cut open by an 8 % crop of each side,
/// above 0.56 in 95 of 100.
pub const CUT_LUNG_DARKEST: f64 = 0.5;

/// A lung cut open by the image edge reaches at least 1/n of the image's shorter side in
/// from the left, right and lower edges ([`Air::open_sparing_cut`]); the strip of dimmer
/// air along a body's side, beside the darkest air, does not.
pub const CUT_LUNG_REACH: usize = 10;

/// A lung cut open by the image edge lies along it over at least 1/n of the image's shorter
/// side ([`Air::open_sparing_cut`]); a strip along the body's side meets the image's foot
/// over a few pixels only.
pub const CUT_LUNG_CONTACT: usize = 32;

/// The outside air of a smoothed working image; `dark` is the level below which a pixel
/// may be air (e.g. Otsu's), `band` how far in from the sides and the bottom the flood
/// starts ([`fill_level_from`]: a bright rim along the film's edge does not wall the air in).
///
/// ```
/// use lungfield::{segment::air, GrayU8};
/// // A dark hole (10) in a bright wall (200) on a darker ground (5).
/// let img = GrayU8::from_rows(7, 7, |y, row| for (x, v) in row.iter_mut().enumerate() {
///     *v = if x == 3 && y == 3 { 10 } else if (1..6).contains(&x) && (1..6).contains(&y) { 200 } else { 5 };
/// });
/// let a = air(&img, 100, 1);
/// assert_eq!((a.outside.get(0, 0), a.outside.get(3, 3), a.outside.get(2, 2)), (1, 0, 0));
/// assert_eq!(a.open.get(3, 3), 0);
/// ```
pub fn air(img: &GrayU8, dark: u8, band: usize) -> Air {
    air_beside(img, dark, band, &Mask::new(img.width(), img.height()))
}

/// [`air`] with the flood also starting beside the `padding` ([`fill_level_beside`]).
pub fn air_beside(img: &GrayU8, dark: u8, band: usize, padding: &Mask) -> Air {
    let fill = fill_level_beside(img, band, padding);
    let mut hist = [0usize; 256];
    for (&v, &f) in img.as_slice().iter().zip(fill.as_slice()) {
        if f >= v.saturating_add(CORE_DEPTH) {
            hist[usize::from(v)] += 1;
        }
    }
    let cores: usize = hist.iter().sum();
    let median = rank_level(&hist, 1, 2) as u8;
    // No cores: level 0, nothing outside.
    let level = if cores == 0 { 0 } else { median.min(dark) };
    let mut outside = Mask::new(img.width(), img.height());
    let mut open = Mask::new(img.width(), img.height());
    for (((o, p), &v), &f) in outside
        .as_mut_slice()
        .iter_mut()
        .zip(open.as_mut_slice())
        .zip(img.as_slice())
        .zip(fill.as_slice())
    {
        *o = u8::from(f < level);
        *p = *o | u8::from(v < dark && f <= v.saturating_add(OPEN_SLACK));
    }
    let open_sparing_cut = sparing_cut(img, dark, band, &outside, &open);
    Air {
        outside,
        open,
        open_sparing_cut,
    }
}

/// The lowest grey level at or below which at least `num / den` of a histogram's count lies
/// (0 for an empty histogram).
fn rank_level(hist: &[usize; 256], num: usize, den: usize) -> usize {
    let total: usize = hist.iter().sum();
    let mut acc = 0;
    hist.iter()
        .position(|&n| {
            acc += n;
            den * acc >= num * total
        })
        .unwrap_or(0)
}

/// `open` less its pieces that a lung cut open by the image edge leaves in it (see
/// [`Air::open_sparing_cut`]).
fn sparing_cut(img: &GrayU8, dark: u8, band: usize, outside: &Mask, open: &Mask) -> Mask {
    let (w, h) = (img.width(), img.height());
    let band = band.max(1);
    let mut pieces = open.clone();
    for (p, &o) in pieces.as_mut_slice().iter_mut().zip(outside.as_slice()) {
        *p &= 1 - o;
    }
    let lab = components(&pieces);
    let n = lab.components.len() + 1;
    let mut top = vec![false; n];
    let (mut reach, mut contact) = (vec![0usize; n], vec![0usize; n]);
    for y in 0..h {
        for x in 0..w {
            let l = lab.labels.get(x, y) as usize;
            contact[l] += usize::from(x < band || x + band >= w || y + band >= h);
            top[l] |= y < band;
            reach[l] = reach[l].max(x.min(w - 1 - x).min(h - 1 - y));
        }
    }
    // Grey histograms for the pieces placed as a cut lung is, and only for them: a noisy
    // film can hold thousands of small pieces.
    let side = w.min(h);
    let mut slot = vec![usize::MAX; n];
    let mut hist: Vec<[usize; 256]> = Vec::new();
    for l in 1..n {
        if !top[l]
            && reach[l] * CUT_LUNG_REACH >= side
            && contact[l] * CUT_LUNG_CONTACT >= side * band
        {
            slot[l] = hist.len();
            hist.push([0; 256]);
        }
    }
    if hist.is_empty() {
        return open.clone();
    }
    for (&l, &v) in lab.labels.as_slice().iter().zip(img.as_slice()) {
        if let Some(h) = hist.get_mut(slot[l as usize]) {
            h[usize::from(v)] += 1;
        }
    }
    let cut: Vec<bool> = slot
        .iter()
        .map(|&i| {
            let Some(h) = hist.get(i) else { return false };
            rank_level(h, 1, 10) as f64 >= CUT_LUNG_DARKEST * f64::from(dark)
        })
        .collect();
    let mut out = open.clone();
    for (o, &l) in out.as_mut_slice().iter_mut().zip(lab.labels.as_slice()) {
        if cut[l as usize] {
            *o = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fill level by its definition (flooded from `band`): repeated relaxation until
    /// nothing changes.
    fn reference(img: &GrayU8, band: usize) -> GrayU8 {
        let (w, h) = (img.width(), img.height());
        let band = band.max(1);
        let mut f = GrayU8::filled(w, h, 255);
        for y in 0..h {
            for x in 0..w {
                if x < band || y == 0 || x + band >= w || y + band >= h {
                    f.set(x, y, img.get(x, y));
                }
            }
        }
        loop {
            let mut changed = false;
            for y in 0..h {
                for x in 0..w {
                    let mut best = f.get(x, y);
                    let n = [
                        (x.wrapping_sub(1), y),
                        (x + 1, y),
                        (x, y.wrapping_sub(1)),
                        (x, y + 1),
                    ];
                    for (nx, ny) in n {
                        if nx < w && ny < h {
                            best = best.min(f.get(nx, ny).max(img.get(x, y)));
                        }
                    }
                    if best < f.get(x, y) {
                        f.set(x, y, best);
                        changed = true;
                    }
                }
            }
            if !changed {
                return f;
            }
        }
    }

    /// A body (150) holding a lung (60), the air beside it (40) walled in by an arm (200)
    /// eight pixels wide out to the right edge, the shoulder above and a bright rim two rows
    /// deep, one row in from the lower edge (the film's last row dark again).
    fn walled_air() -> GrayU8 {
        GrayU8::from_rows(64, 64, |y, row| {
            for (x, v) in row.iter_mut().enumerate() {
                *v = if (61..63).contains(&y) || x >= 56 || (1..8).contains(&y) {
                    200
                } else if x >= 44 {
                    40
                } else if (8..36).contains(&x) && (12..52).contains(&y) {
                    60
                } else {
                    150
                };
            }
        })
    }

    #[test]
    fn a_bright_rim_at_the_films_edge_does_not_wall_the_air_in() {
        let img = walled_air();
        let a = air(&img, 100, 4);
        assert_eq!(a.outside.get(50, 30), 1, "the air beside the body");
        assert_eq!(a.outside.get(20, 30), 0, "the lung");
        // Flooded from the edge itself, the rim walls the air in: it passes for a lung.
        let edge = air(&img, 100, 1);
        assert_eq!(edge.outside.get(50, 30), 0);
        assert_eq!(edge.outside.get(20, 30), 0);
    }

    /// A body (150) with air (10) beside it at the right, below half the `dark` level, and
    /// a piece of grey `lung` where `inside` holds.
    fn body_with(lung: u8, inside: impl Fn(usize, usize) -> bool) -> GrayU8 {
        GrayU8::from_rows(64, 64, |y, row| {
            for (x, v) in row.iter_mut().enumerate() {
                *v = if x >= 56 {
                    10
                } else if inside(x, y) {
                    lung
                } else {
                    150
                };
            }
        })
    }

    #[test]
    fn a_lung_cut_open_by_the_image_side_is_spared_and_air_is_not() {
        // A right lung (90) cut open by the image's left side.
        let cut = |x: usize, y: usize| x < 20 && (12..52).contains(&y);
        let a = air(&body_with(90, cut), 120, 2);
        // The edge reaches both at their own grey: both are open air.
        assert_eq!((a.open.get(5, 30), a.open.get(60, 30)), (1, 1));
        // Only the air holds anything as dark as half the level.
        assert_eq!(a.open_sparing_cut.get(5, 30), 0, "the cut lung");
        assert_eq!(a.open_sparing_cut.get(60, 30), 1, "the air");
        // As dark as air, the same piece stays open.
        assert_eq!(
            air(&body_with(50, cut), 120, 2).open_sparing_cut.get(5, 30),
            1
        );
        // A piece at the top is never spared (the air above the shoulders).
        let top = body_with(90, |x, y| x < 20 && y < 40);
        assert_eq!(air(&top, 120, 2).open_sparing_cut.get(5, 30), 1);
        // Nor a strip along the side a few pixels wide.
        let strip = body_with(90, |x, y| x < 4 && (12..52).contains(&y));
        assert_eq!(air(&strip, 120, 2).open_sparing_cut.get(1, 30), 1);
    }

    proptest::proptest! {
        #[test]
        fn fill_level_matches_relaxation(
            w in 1usize..24, h in 1usize..24, band in 0usize..5,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut rng = crate::rng::Rng::new(seed);
            let img = GrayU8::from_rows(w, h, |_, row| {
                for v in row.iter_mut() {
                    *v = rng.range(0, 255) as u8;
                }
            });
            proptest::prop_assert_eq!(fill_level_from(&img, band), reference(&img, band));
            proptest::prop_assert_eq!(fill_level(&img), reference(&img, 1));
        }
    }
}
