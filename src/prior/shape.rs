//! One lung's shape, resolution free: its bounding box as fractions of the image and the
//! fraction of each cell of a fixed grid laid over that box that is lung.

use super::shade::{shade_bins, shade_index, SHADE_BINS, SHADE_ENTRIES};
use crate::image::{GrayF32, GrayU8, Labels, Mask};
use crate::segment::distance::{squared_distance, squared_distance_capped};

/// Grid columns over a lung's bounding box.
pub const GRID_W: usize = 32;
/// Grid rows over a lung's bounding box.
pub const GRID_H: usize = 48;
/// Sub-samples per cell side when a mask is reduced to a grid.
const SUB: usize = 4;

/// A box `[x0, y0, x1, y1]` in fractions of the image width and height (`x1`, `y1` are the
/// far edges, exclusive).
pub type Frac = [f64; 4];

/// One lung in resolution-free form.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LungShape {
    /// The lung's bounding box in fractions of the image.
    pub frac: Frac,
    /// Lung coverage of each grid cell, `GRID_W × GRID_H` row-major, 0..=255.
    #[serde(with = "super::codec::bytes")]
    pub grid: Vec<u8>,
}

/// The pixel bounding box of the pixels labelled `label`, as a [`Frac`].
pub fn frac_box(labels: &Labels, label: u8) -> Option<Frac> {
    let (x0, y0, x1, y1) = labels.bounds(|v| v == label)?;
    let (w, h) = (labels.width() as f64, labels.height() as f64);
    Some([
        x0 as f64 / w,
        y0 as f64 / h,
        (x1 + 1) as f64 / w,
        (y1 + 1) as f64 / h,
    ])
}

impl LungShape {
    /// The shape of the pixels labelled `label` in `labels`; `None` when there are none.
    pub fn from_labels(labels: &Labels, label: u8) -> Option<LungShape> {
        let frac = frac_box(labels, label)?;
        Some(LungShape {
            frac,
            grid: reduce(labels, label, frac),
        })
    }

    /// Coverage (0..=1) at grid coordinates, bilinear, 0 outside the grid.
    #[inline]
    fn at(grid: &[f32], u: f32, v: f32) -> f32 {
        // Cell centres sit at integer + 0.5; outside the box is empty.
        let (u, v) = (u - 0.5, v - 0.5);
        let (iu, iv) = (u.floor(), v.floor());
        let (au, av) = (u - iu, v - iv);
        let (iu, iv) = (iu as isize, iv as isize);
        let get = |x: isize, y: isize| -> f32 {
            if x < 0 || y < 0 || x >= GRID_W as isize || y >= GRID_H as isize {
                0.0
            } else {
                grid[y as usize * GRID_W + x as usize]
            }
        };
        let top = get(iu, iv) * (1.0 - au) + get(iu + 1, iv) * au;
        let bottom = get(iu, iv + 1) * (1.0 - au) + get(iu + 1, iv + 1) * au;
        top * (1.0 - av) + bottom * av
    }
}

/// Reduces the pixels labelled `label` inside `frac` to grid coverages.
pub(crate) fn reduce(labels: &Labels, label: u8, frac: Frac) -> Vec<u8> {
    let (w, h) = (labels.width() as f64, labels.height() as f64);
    let (bx, by) = (frac[0] * w, frac[1] * h);
    let (bw, bh) = ((frac[2] - frac[0]) * w, (frac[3] - frac[1]) * h);
    let mut grid = vec![0u8; GRID_W * GRID_H];
    for gy in 0..GRID_H {
        for gx in 0..GRID_W {
            let mut hit = 0usize;
            for sy in 0..SUB {
                let y = by + bh * (gy as f64 + (sy as f64 + 0.5) / SUB as f64) / GRID_H as f64;
                let yi = (y.floor().max(0.0) as usize).min(labels.height() - 1);
                let row = labels.row(yi);
                for sx in 0..SUB {
                    let x = bx + bw * (gx as f64 + (sx as f64 + 0.5) / SUB as f64) / GRID_W as f64;
                    let xi = (x.floor().max(0.0) as usize).min(labels.width() - 1);
                    hit += usize::from(row[xi] == label);
                }
            }
            grid[gy * GRID_W + gx] = ((hit * 255 + SUB * SUB / 2) / (SUB * SUB)) as u8;
        }
    }
    grid
}

/// A grid of coverages (0..=1) drawn into a `w × h` probability map inside the pixel box
/// `[x0, y0, x1, y1)` (continuous coordinates), added to `out` (0 outside the box).
pub(crate) fn draw(grid: &[f32], bx: [f64; 4], out: &mut GrayF32) {
    let (w, h) = (out.width(), out.height());
    let (bw, bh) = ((bx[2] - bx[0]).max(1e-6), (bx[3] - bx[1]).max(1e-6));
    let (su, sv) = (GRID_W as f64 / bw, GRID_H as f64 / bh);
    // One cell of margin so the bilinear fade outside the box is drawn too.
    let x0 = ((bx[0] - 1.0 / su).floor().max(0.0) as usize).min(w);
    let x1 = ((bx[2] + 1.0 / su).ceil().max(0.0) as usize).min(w);
    let y0 = ((bx[1] - 1.0 / sv).floor().max(0.0) as usize).min(h);
    let y1 = ((bx[3] + 1.0 / sv).ceil().max(0.0) as usize).min(h);
    for y in y0..y1 {
        let v = ((y as f64 + 0.5 - bx[1]) * sv) as f32;
        let row = out.row_mut(y);
        for (x, o) in row.iter_mut().enumerate().take(x1).skip(x0) {
            let u = ((x as f64 + 0.5 - bx[0]) * su) as f32;
            *o += LungShape::at(grid, u, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rectangle_reduces_to_a_full_grid_and_draws_back() {
        let mut m = Mask::new(100, 120);
        for y in 10..90 {
            for x in 20..60 {
                m.set(x, y, 1);
            }
        }
        let s = LungShape::from_labels(&m, 1).unwrap();
        assert_eq!(s.frac, [0.2, 10.0 / 120.0, 0.6, 0.75]);
        assert!(s.grid.iter().all(|&v| v == 255));
        let g: Vec<f32> = s.grid.iter().map(|&v| f32::from(v) / 255.0).collect();
        let mut out = GrayF32::new(100, 120);
        draw(&g, [20.0, 10.0, 60.0, 90.0], &mut out);
        let inside = (0..120)
            .flat_map(|y| (0..100).map(move |x| (x, y)))
            .filter(|&(x, y)| out.get(x, y) >= 0.5)
            .count();
        assert_eq!(inside, 40 * 80);
        assert_eq!(LungShape::from_labels(&m, 2), None);
    }
}

pub use super::grid::{CORR_BINS, CORR_D, CORR_FINE, CORR_H, CORR_STEP, CORR_W};

/// The bin of a signed distance in reference pixels.
#[inline]
pub(crate) fn bin_of(d: f32) -> u8 {
    let a = d.abs().round() as i32;
    let k = if a <= CORR_FINE {
        a
    } else {
        (CORR_FINE + (a - CORR_FINE + CORR_STEP - 1) / CORR_STEP).min(CORR_D)
    };
    (CORR_D + if d < 0.0 { -k } else { k }) as u8
}
/// How far a [`Correction`] frame reaches beyond the found lung's box, as a fraction of the
/// box's width or height on each side.
pub const CORR_MARGIN: f64 = 0.2;

/// How the expert's lung relates to the found one near its boundary: over the found lung's
/// box grown by [`CORR_MARGIN`], cut into `CORR_W × CORR_H` cells, the pixels of each cell
/// are binned by their signed distance to the found boundary (negative inside), and each bin
/// counts its pixels and how many of them the expert called lung. A segmenter that stops
/// two pixels short of the rib cage shows up as expert lung in the +1 and +2 bins of the
/// lateral cells.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Correction {
    /// The non-empty (cell, bin) entries as `[index, pixels, expert-lung pixels]`, by index;
    /// index = `(cell_row · CORR_W + cell_col) · CORR_BINS + bin`.
    #[serde(with = "super::codec::triples")]
    pub entries: Vec<[u16; 3]>,
}

/// The frame of a [`Correction`]: `frac` grown by [`CORR_MARGIN`].
pub fn corr_frame(frac: &Frac) -> Frac {
    let (mw, mh) = (
        (frac[2] - frac[0]) * CORR_MARGIN,
        (frac[3] - frac[1]) * CORR_MARGIN,
    );
    [frac[0] - mw, frac[1] - mh, frac[2] + mw, frac[3] + mh]
}

/// Signed distance to the boundary of the pixels labelled `label` (negative inside: −1 for
/// an inside pixel next to the outside), in pixels times `scale`, rounded and clamped to
/// ±[`CORR_D`], as a bin index `0..CORR_BINS`.
///
/// Distances are only told apart up to where the last bin starts, so the transforms are
/// capped just past it ([`squared_distance_capped`]: the same bins) and each squared
/// distance is binned once, by table.
pub(crate) fn distance_bins(labels: &Labels, label: u8, scale: f32) -> Vec<u8> {
    let m = labels.map(|&v| u8::from(v == label));
    // From `SATURATED` reference pixels on (rounded), every distance is in the last bin.
    const SATURATED: f32 = (CORR_FINE + (CORR_D - CORR_FINE - 1) * CORR_STEP + 1) as f32;
    let cap = (SATURATED / scale).ceil();
    if cap.is_finite() && cap >= 0.0 {
        let cap = cap as usize + 1;
        if let (Some(to_in), Some(to_out)) = (
            squared_distance_capped(&m, true, false, cap),
            squared_distance_capped(&m, false, false, cap),
        ) {
            let top = (cap + 1) * (cap + 1);
            let table = |sign: f32| -> Vec<u8> {
                (0..=top)
                    .map(|d2| bin_of(sign * (d2 as f32).sqrt() * scale))
                    .collect()
            };
            let (inside, outside) = (table(-1.0), table(1.0));
            return m
                .as_slice()
                .iter()
                .zip(to_in.as_slice().iter().zip(to_out.as_slice()))
                .map(|(&v, (&di, &dout))| {
                    if v != 0 {
                        inside[usize::from(dout)]
                    } else {
                        outside[usize::from(di)]
                    }
                })
                .collect();
        }
    }
    distance_bins_exact(&m, scale)
}

/// [`distance_bins`] of the 0/1 mask `m` from the exact transforms.
fn distance_bins_exact(m: &Mask, scale: f32) -> Vec<u8> {
    let to_in = squared_distance(m, true, false);
    let to_out = squared_distance(m, false, false);
    m.as_slice()
        .iter()
        .zip(to_in.as_slice().iter().zip(to_out.as_slice()))
        .map(|(&v, (&di, &dout))| {
            let d = if v != 0 {
                -(dout as f32).sqrt()
            } else {
                (di as f32).sqrt()
            };
            bin_of(d * scale)
        })
        .collect()
}

/// The cell of pixel `(x, y)` in a frame of pixel box `px`, or `None` outside it.
#[inline]
pub(crate) fn cell_of(px: &[f64; 4], x: usize, y: usize) -> Option<(f32, f32)> {
    let u = (x as f64 + 0.5 - px[0]) / (px[2] - px[0]).max(1e-6) * CORR_W as f64;
    let v = (y as f64 + 0.5 - px[1]) / (px[3] - px[1]).max(1e-6) * CORR_H as f64;
    (u >= 0.0 && v >= 0.0 && u < CORR_W as f64 && v < CORR_H as f64).then_some((u as f32, v as f32))
}

/// A [`Frac`] box in pixels of a `w × h` image.
pub(crate) fn to_px(f: &Frac, w: usize, h: usize) -> [f64; 4] {
    [
        f[0] * w as f64,
        f[1] * h as f64,
        f[2] * w as f64,
        f[3] * h as f64,
    ]
}

impl Correction {
    /// The correction of the found lung `label` in `found` (working resolution, `scale` =
    /// 256 ÷ its longer side) by the expert lung `truth_label` in `truth` (any resolution,
    /// sampled at the centres of the working pixels).
    pub fn measure(
        found: &Labels,
        label: u8,
        scale: f32,
        truth: &Mask,
        truth_label: u8,
    ) -> Option<Self> {
        Self::measure_by(found, label, scale, truth, truth_label, None)
    }

    /// [`Correction::measure`] resolved by shade as well (each pixel's smoothed intensity
    /// placed between the found lung's inside and outside nearby): `img` is the smoothed
    /// working image the lungs were found in (the size of `found`). [`Correction::summed`]
    /// turns it into the plain one.
    pub fn measure_shaded(
        found: &Labels,
        label: u8,
        scale: f32,
        truth: &Mask,
        truth_label: u8,
        img: &GrayU8,
    ) -> Option<Self> {
        if img.width() != found.width() || img.height() != found.height() {
            return None;
        }
        Self::measure_by(found, label, scale, truth, truth_label, Some(img))
    }

    fn measure_by(
        found: &Labels,
        label: u8,
        scale: f32,
        truth: &Mask,
        truth_label: u8,
        img: Option<&GrayU8>,
    ) -> Option<Self> {
        let frame = corr_frame(&frac_box(found, label)?);
        let (w, h) = (found.width(), found.height());
        let px = to_px(&frame, w, h);
        let bins = distance_bins(found, label, scale);
        let shades = img.map(|img| shade_bins(img, 0, 0, w, &bins, &px));
        let n = if img.is_some() {
            SHADE_ENTRIES
        } else {
            CORR_W * CORR_H * CORR_BINS
        };
        let (mut total, mut hits) = (vec![0u16; n], vec![0u16; n]);
        let (tw, th) = (truth.width() as f64, truth.height() as f64);
        for y in 0..h {
            let ty = (((y as f64 + 0.5) / h as f64 * th) as usize).min(truth.height() - 1);
            let trow = truth.row(ty);
            for x in 0..w {
                let Some((u, v)) = cell_of(&px, x, y) else {
                    continue;
                };
                let tx = (((x as f64 + 0.5) / w as f64 * tw) as usize).min(truth.width() - 1);
                let cell = (v as usize) * CORR_W + u as usize;
                let b = usize::from(bins[y * w + x]);
                let i = match &shades {
                    Some(s) => shade_index(cell, b, s[y * w + x]),
                    None => cell * CORR_BINS + b,
                };
                total[i] = total[i].saturating_add(1);
                hits[i] = hits[i].saturating_add(u16::from(trow[tx] == truth_label));
            }
        }
        let entries = (0..n)
            .filter(|&i| total[i] > 0)
            .map(|i| [i as u16, total[i], hits[i]])
            .collect();
        Some(Correction { entries })
    }

    /// The plain correction of a shade-resolved one: each (cell, distance bin) entry the sum
    /// of its shade bins' (what [`Correction::measure`] gives on the same masks).
    pub fn summed(&self) -> Correction {
        let mut entries: Vec<[u16; 3]> = Vec::new();
        for &[i, t, h] in &self.entries {
            let j = (usize::from(i) / SHADE_BINS) as u16;
            match entries.last_mut() {
                Some(e) if e[0] == j => {
                    e[1] = e[1].saturating_add(t);
                    e[2] = e[2].saturating_add(h);
                }
                _ => entries.push([j, t, h]),
            }
        }
        Correction { entries }
    }

    /// Whether the entries are in range, strictly ordered and consistent (hits ≤ pixels).
    pub fn is_valid(&self) -> bool {
        self.is_valid_for(CORR_W * CORR_H * CORR_BINS)
    }

    /// [`Correction::is_valid`] for a table of `n` entries.
    pub(crate) fn is_valid_for(&self, n: usize) -> bool {
        self.entries
            .iter()
            .all(|&[i, t, h]| usize::from(i) < n && h <= t)
            && self.entries.windows(2).all(|p| p[0][0] < p[1][0])
    }
}

#[cfg(test)]
mod correction_tests {
    use super::*;

    fn rect(w: usize, h: usize, x: (usize, usize), y: (usize, usize), v: u8) -> Mask {
        let mut m = Mask::new(w, h);
        for yy in y.0..y.1 {
            for xx in x.0..x.1 {
                m.set(xx, yy, v);
            }
        }
        m
    }

    #[test]
    fn bins_are_symmetric_and_monotonic() {
        let c = CORR_D as u8;
        assert_eq!(bin_of(-1.0), c - 1);
        assert_eq!(bin_of(1.0), c + 1);
        assert_eq!(bin_of(-8.0), c - 8);
        assert_eq!(bin_of(9.0), c + 9);
        assert_eq!(bin_of(12.0), c + 9);
        assert_eq!(bin_of(13.0), c + 10);
        assert_eq!(bin_of(1e6), 2 * c);
        assert_eq!(bin_of(-1e6), 0);
        let mut last = 0;
        for i in -400..=400 {
            let b = bin_of(i as f32 / 10.0);
            assert!(b >= last, "{i}");
            last = b;
        }
    }

    #[test]
    fn distance_bins_count_pixels_from_the_boundary() {
        let m = rect(9, 1, (3, 6), (0, 1), 1);
        let c = CORR_D as u8;
        assert_eq!(
            distance_bins(&m, 1, 1.0),
            vec![
                c + 3,
                c + 2,
                c + 1,
                c - 1,
                c - 2,
                c - 1,
                c + 1,
                c + 2,
                c + 3
            ]
        );
    }

    #[test]
    fn a_habitually_short_boundary_shows_as_expert_lung_just_outside() {
        // Found: 20..40 wide; expert: 18..42 (two pixels further out each side).
        let found = rect(64, 64, (20, 40), (10, 50), 1);
        let truth = rect(64, 64, (18, 42), (10, 50), 1);
        let c = Correction::measure(&found, 1, 1.0, &truth, 1).unwrap();
        assert!(c.is_valid());
        let per_bin = |b: usize| {
            c.entries
                .iter()
                .filter(|e| usize::from(e[0]) % CORR_BINS == b)
                .fold((0u32, 0u32), |(t, h), e| {
                    (t + u32::from(e[1]), h + u32::from(e[2]))
                })
        };
        let d = CORR_D as usize;
        for b in 0..d {
            let (t, h) = per_bin(b);
            assert_eq!(t, h, "inside bin {b}: every found pixel is expert lung");
        }
        assert!(per_bin(d + 1).1 > 0 && per_bin(d + 2).1 > 0);
        assert_eq!(per_bin(d + 3).1, 0, "three pixels out is beyond the expert");
        // Same masks: nothing outside.
        let same = Correction::measure(&found, 1, 1.0, &found, 1).unwrap();
        assert!(same
            .entries
            .iter()
            .filter(|e| usize::from(e[0]) % CORR_BINS > d)
            .all(|e| e[2] == 0));
        assert_eq!(Correction::measure(&found, 2, 1.0, &truth, 1), None);
    }

    #[test]
    fn a_shaded_correction_summed_over_shade_is_the_plain_one() {
        let found = rect(64, 64, (20, 40), (10, 50), 1);
        let truth = rect(64, 64, (18, 43), (9, 50), 1);
        let img = truth.map(|&v| if v != 0 { 60 } else { 190 });
        let shaded = Correction::measure_shaded(&found, 1, 1.0, &truth, 1, &img).unwrap();
        assert!(shaded.is_valid_for(SHADE_ENTRIES) && shaded.entries.len() > 30);
        let plain = Correction::measure(&found, 1, 1.0, &truth, 1).unwrap();
        assert_eq!(shaded.summed(), plain);
        assert!(plain.is_valid());
    }

    #[test]
    fn invalid_corrections_are_detected() {
        let n = (CORR_W * CORR_H * CORR_BINS) as u16;
        assert!(Correction {
            entries: vec![[0, 3, 2], [5, 1, 1]]
        }
        .is_valid());
        assert!(!Correction {
            entries: vec![[0, 3, 4]]
        }
        .is_valid());
        assert!(!Correction {
            entries: vec![[n, 3, 2]]
        }
        .is_valid());
        assert!(!Correction {
            entries: vec![[5, 1, 1], [5, 1, 1]]
        }
        .is_valid());
    }

    proptest::proptest! {
        /// The capped, tabled bins are the exact transforms' bins: blobs and noise on frames
        /// wider and taller than the cap, every scale from well below the reference's (which
        /// takes the exact path) to above it.
        #[test]
        fn capped_bins_match_the_exact_ones(
            w in 1usize..90, h in 1usize..70, seed in proptest::prelude::any::<u64>(),
            blobs in 0usize..4, noise in 0u32..3, label in 1u8..3, scale in 0.1f32..4.0,
        ) {
            let mut rng = crate::rng::Rng::new(seed);
            let mut m = Mask::new(w, h);
            for _ in 0..blobs {
                let (x0, y0) = (rng.range(0, w - 1), rng.range(0, h - 1));
                let (x1, y1) = ((x0 + rng.range(1, 40)).min(w), (y0 + rng.range(1, 40)).min(h));
                m = rect_onto(m, (x0, x1), (y0, y1), label);
            }
            for _ in 0..noise * 5 {
                m.set(rng.range(0, w - 1), rng.range(0, h - 1), rng.range(0, 2) as u8);
            }
            let exact = distance_bins_exact(&m.map(|&v| u8::from(v == label)), scale);
            proptest::prop_assert_eq!(distance_bins(&m, label, scale), exact);
        }
    }

    fn rect_onto(mut m: Mask, x: (usize, usize), y: (usize, usize), v: u8) -> Mask {
        for yy in y.0..y.1 {
            for xx in x.0..x.1 {
                m.set(xx, yy, v);
            }
        }
        m
    }
}
