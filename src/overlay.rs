//! Overlays for people to look at: the radiograph in grey with the right lung outlined in
//! one colour and the left lung in another.

use crate::image::{GrayU8, Labels, Mask};

/// Outline colour of the patient's right lung (image left): orange.
pub const RIGHT_COLOUR: [u8; 3] = [255, 140, 0];
/// Outline colour of the patient's left lung (image right): cyan.
pub const LEFT_COLOUR: [u8; 3] = [0, 200, 255];

/// RGB bytes of `grey` with the outlines of the lungs in `labels` (1 right, 2 left) drawn
/// `thickness` pixels wide.
///
/// ```
/// use lungfield::{overlay::overlay_rgb, GrayU8, Mask};
/// let mut labels = Mask::new(6, 6);
/// for y in 1..5 { for x in 1..3 { labels.set(x, y, 1); } }
/// let rgb = overlay_rgb(&GrayU8::new(6, 6), &labels, 1);
/// assert_eq!(&rgb[(1 * 6 + 1) * 3..][..3], &[255, 140, 0]);
/// ```
pub fn overlay_rgb(grey: &GrayU8, labels: &Labels, thickness: usize) -> Vec<u8> {
    let (w, h) = (grey.width(), grey.height());
    let mut rgb: Vec<u8> = grey.as_slice().iter().flat_map(|&v| [v, v, v]).collect();
    if labels.width() != w || labels.height() != h {
        return rgb;
    }
    let t = thickness.max(1) as isize;
    let l = labels.as_slice();
    for y in 0..h {
        for x in 0..w {
            let v = l[y * w + x];
            if v == 0 {
                continue;
            }
            // An edge pixel has a differently labelled pixel within `t` (4-neighbourhood steps).
            let edge = [(1isize, 0isize), (-1, 0), (0, 1), (0, -1)]
                .iter()
                .any(|&(dx, dy)| {
                    (1..=t).any(|k| {
                        let (nx, ny) = (x as isize + dx * k, y as isize + dy * k);
                        nx < 0
                            || ny < 0
                            || nx >= w as isize
                            || ny >= h as isize
                            || l[ny as usize * w + nx as usize] != v
                    })
                });
            if edge {
                let c = if v == 1 { RIGHT_COLOUR } else { LEFT_COLOUR };
                rgb[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&c);
            }
        }
    }
    rgb
}

/// Colour of the hatching over lung completed from shape (not seen in the image): yellow.
pub const SHAPE_COLOUR: [u8; 3] = [255, 230, 0];

/// Hatches, in `rgb` (from [`overlay_rgb`] at the segmentation's size), the lung pixels that
/// came from the shape model rather than the image ([`crate::Segmentation::completed_from_shape`]):
/// diagonal stripes `thickness × 3` pixels apart, half blended with [`SHAPE_COLOUR`].
pub fn hatch_from_shape(rgb: &mut [u8], seg: &crate::Segmentation, thickness: usize) {
    let (w, h) = (seg.labels.width(), seg.labels.height());
    if rgb.len() != w * h * 3 {
        return;
    }
    let period = 3 * thickness.max(1);
    for y in 0..h {
        for x in 0..w {
            if (x + y) % period < thickness.max(1) && seg.completed_from_shape(x, y) {
                let px = &mut rgb[(y * w + x) * 3..(y * w + x) * 3 + 3];
                for (c, &s) in px.iter_mut().zip(&SHAPE_COLOUR) {
                    *c = ((u16::from(*c) + u16::from(s)) / 2) as u8;
                }
            }
        }
    }
}

/// The inferno colour map (perceptually uniform, dark to bright), at nine stops.
const INFERNO: [[u8; 3]; 9] = [
    [0, 0, 4],
    [31, 12, 72],
    [85, 15, 109],
    [136, 34, 106],
    [186, 54, 85],
    [227, 89, 51],
    [249, 140, 10],
    [249, 201, 50],
    [252, 255, 164],
];

/// The inferno colour of `v` (0..=255).
///
/// ```
/// assert_eq!(lungfield::overlay::inferno(0), [0, 0, 4]);
/// assert_eq!(lungfield::overlay::inferno(255), [252, 255, 164]);
/// ```
pub fn inferno(v: u8) -> [u8; 3] {
    let t = f32::from(v) / 255.0 * 8.0;
    let i = (t as usize).min(7);
    let f = t - i as f32;
    let mut c = [0u8; 3];
    for k in 0..3 {
        let (a, b) = (f32::from(INFERNO[i][k]), f32::from(INFERNO[i + 1][k]));
        c[k] = (a + (b - a) * f).round() as u8;
    }
    c
}

/// RGB bytes of `grey` with the heatmap `heat` (same size, 0–255) blended in the inferno
/// colour map where it is above zero (opacity rising with the value, so faint heat stays
/// faint), and the lung outlines of
/// `labels` on top.
///
/// ```
/// use lungfield::{overlay::heat_overlay_rgb, GrayU8, Mask};
/// let grey = GrayU8::filled(4, 4, 100);
/// let mut heat = GrayU8::new(4, 4);
/// heat.set(1, 1, 255);
/// let rgb = heat_overlay_rgb(&grey, &heat, &Mask::new(4, 4));
/// assert_eq!(&rgb[..3], &[100, 100, 100]);
/// assert_ne!(&rgb[(4 + 1) * 3..(4 + 1) * 3 + 3], &[100, 100, 100]);
/// ```
pub fn heat_overlay_rgb(grey: &GrayU8, heat: &GrayU8, labels: &Labels) -> Vec<u8> {
    let outlined = overlay_rgb(grey, labels, 1);
    if heat.width() != grey.width() || heat.height() != grey.height() {
        return outlined;
    }
    let mut rgb = outlined.clone();
    for (i, (&h, &g)) in heat.as_slice().iter().zip(grey.as_slice()).enumerate() {
        let px = &mut rgb[i * 3..i * 3 + 3];
        // Outline pixels (not grey any more) stay on top.
        if h == 0 || px != [g, g, g] {
            continue;
        }
        let a = 0.85 * libm::powf(f32::from(h) / 255.0, 0.6);
        for (p, c) in px.iter_mut().zip(inferno(h)) {
            *p = (f32::from(*p) * (1.0 - a) + f32::from(c) * a).round() as u8;
        }
    }
    rgb
}

/// Outline colour of the expert (ground-truth) mask on a contact sheet: green.
pub const TRUTH_COLOUR: [u8; 3] = [60, 220, 60];

/// One tile of a contact sheet: a radiograph with its lung labels and, optionally, the
/// expert mask.
pub struct SheetTile<'a> {
    /// The radiograph.
    pub grey: &'a GrayU8,
    /// Lung labels (1 right, 2 left) at the radiograph's size.
    pub labels: &'a Labels,
    /// The expert mask (non-zero = lung) at the radiograph's size.
    pub truth: Option<&'a Mask>,
}

/// A contact sheet: tiles of `tile × tile` pixels, `cols` per row, each radiograph shrunk to
/// fit with its lung outlines (orange and cyan) and the expert outline (green). Returns RGB
/// bytes, width and height.
///
/// ```
/// use lungfield::{overlay::{contact_sheet, SheetTile}, GrayU8, Mask};
/// let (g, m) = (GrayU8::filled(40, 40, 90), Mask::new(40, 40));
/// let t = SheetTile { grey: &g, labels: &m, truth: None };
/// let (rgb, w, h) = contact_sheet(&[t], 32, 4);
/// assert_eq!((w, h, rgb.len()), (32, 32, 32 * 32 * 3));
/// ```
pub fn contact_sheet(tiles: &[SheetTile], tile: usize, cols: usize) -> (Vec<u8>, usize, usize) {
    let tile = tile.max(8);
    let cols = cols.clamp(1, tiles.len().max(1));
    let rows = tiles.len().div_ceil(cols).max(1);
    let (w, h) = (cols * tile, rows * tile);
    let mut out = vec![0u8; w * h * 3];
    for (k, t) in tiles.iter().enumerate() {
        let (gw, gh) = (t.grey.width(), t.grey.height());
        if gw == 0 || gh == 0 {
            continue;
        }
        let s = (tile as f64 / gw.max(gh) as f64).min(1.0);
        let (tw, th) = (
            ((gw as f64 * s) as usize).max(1),
            ((gh as f64 * s) as usize).max(1),
        );
        let small =
            crate::enhance::area_resize(t.grey, tw, th).map(|&v| (v + 0.5).clamp(0.0, 255.0) as u8);
        let shrink = |m: &Mask| -> Mask {
            // Nearest sample of the full-size labels.
            let mut o = Mask::new(tw, th);
            for y in 0..th {
                let sy = ((y as f64 + 0.5) / s) as usize;
                for x in 0..tw {
                    let sx = ((x as f64 + 0.5) / s) as usize;
                    o.set(x, y, m.get(sx.min(gw - 1), sy.min(gh - 1)));
                }
            }
            o
        };
        let mut rgb = if t.labels.width() == gw && t.labels.height() == gh {
            overlay_rgb(&small, &shrink(t.labels), 1)
        } else {
            small.as_slice().iter().flat_map(|&v| [v, v, v]).collect()
        };
        if let Some(truth) = t.truth.filter(|m| m.width() == gw && m.height() == gh) {
            let tm = shrink(truth).map(|&v| u8::from(v != 0));
            for y in 0..th {
                for x in 0..tw {
                    let v = tm.get(x, y);
                    let edge = v != 0
                        && (x == 0
                            || y == 0
                            || x + 1 == tw
                            || y + 1 == th
                            || tm.get(x - 1, y) == 0
                            || tm.get(x + 1, y) == 0
                            || tm.get(x, y - 1) == 0
                            || tm.get(x, y + 1) == 0);
                    if edge {
                        rgb[(y * tw + x) * 3..(y * tw + x) * 3 + 3].copy_from_slice(&TRUTH_COLOUR);
                    }
                }
            }
        }
        let (ox, oy) = ((k % cols) * tile, (k / cols) * tile);
        for y in 0..th {
            let dst = ((oy + y) * w + ox) * 3;
            out[dst..dst + tw * 3].copy_from_slice(&rgb[y * tw * 3..(y + 1) * tw * 3]);
        }
    }
    (out, w, h)
}

/// A contact sheet of dataset samples: each segmented again (with `prior` when given; an
/// image with no lungs found shows none), its expert mask outlined when it has one. Returns
/// RGB bytes, width and height, as [`contact_sheet`].
///
/// # Errors
/// An image or mask that cannot be read (named).
pub fn sample_sheet(
    samples: &[&crate::io::Sample],
    opts: &crate::SegmentOptions,
    prior: Option<&crate::prior::ShapePrior>,
    tile: usize,
    cols: usize,
) -> crate::Result<(Vec<u8>, usize, usize)> {
    use rayon::prelude::*;
    let tiles = samples
        .par_iter()
        .map(|s| {
            let img = crate::io::decode_file(&s.image)?;
            let labels = crate::segment_with_prior(&img, opts, prior)
                .map(|g| g.labels)
                .unwrap_or_else(|_| Mask::new(img.width(), img.height()));
            let truth = s.mask.as_deref().map(crate::io::read_mask).transpose()?;
            Ok((img.to_u8(), labels, truth))
        })
        .collect::<crate::Result<Vec<_>>>()?;
    let sheet: Vec<SheetTile> = tiles
        .iter()
        .map(|(g, l, t)| SheetTile {
            grey: g,
            labels: l,
            truth: t.as_ref(),
        })
        .collect();
    Ok(contact_sheet(&sheet, tile, cols))
}
