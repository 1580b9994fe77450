//! Local evidence maps: the image-level features' measures kept per pixel, for the
//! abnormality heatmap (`crate::heatmap`).
//!
//! At the feature resolution, inside the lungs, each pixel gets [`LOCAL_NAMES`]: its local
//! density and texture, the fine and coarse difference-of-Gaussians blob responses and the
//! Hessian blob measure (the very maps the `blob_*` and `hessian_*` features summarise per
//! zone), and its density against the mirrored point of the other lung (the `rel_lr_*`
//! features' left/right comparison, made local). Each lung is divided into a grid of
//! [`ROWS`] × [`COLS`] cells in its own box, columns counted from the lateral edge, so a cell
//! means the same place in every patient: the heatmap compares a pixel with the normal
//! population at its cell.

use crate::image::{GrayF32, Plane};
use crate::simd::{gaussian::gaussian_f32, Kernels};

use super::regions::FeatureImage;

/// Names of the local measures, in the order of [`LocalMaps::maps`].
pub const LOCAL_NAMES: [&str; 6] = [
    "density",
    "texture",
    "blob_fine",
    "blob_coarse",
    "hessian",
    "asymmetry",
];

/// Number of local measures.
pub const LOCAL_FEATURES: usize = LOCAL_NAMES.len();
/// Cell rows per lung (apex to base).
pub const ROWS: usize = 8;
/// Cell columns per lung (lateral to medial).
pub const COLS: usize = 4;
/// Cells in both lungs.
pub const CELLS: usize = 2 * ROWS * COLS;
/// Marks a pixel outside the lungs in [`LocalMaps::cells`].
pub const OUTSIDE: u16 = u16::MAX;

/// The local measures of one radiograph at the feature resolution.
#[derive(Clone, Debug)]
pub struct LocalMaps {
    /// One map per measure of [`LOCAL_NAMES`].
    pub maps: Vec<GrayF32>,
    /// The cell of each lung pixel (0..[`CELLS`]; right lung first), [`OUTSIDE`] elsewhere.
    pub cells: Plane<u16>,
    /// Where the feature image lies in the radiograph: `(x0, y0, width, height)`.
    pub origin: (usize, usize, usize, usize),
}

/// A subsample of [`LocalMaps`] for fitting: every `stride`-th lung pixel in each direction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LocalSample {
    /// The cell of each sampled pixel.
    pub cells: Vec<u16>,
    /// Its measures, [`LOCAL_FEATURES`] per pixel.
    pub values: Vec<f32>,
}

/// A lung's box in the feature image.
#[derive(Clone, Copy)]
struct LungBox {
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
    /// Whether its lateral edge is on the image's right (the patient's left lung).
    flipped: bool,
}

impl LungBox {
    fn of(fi: &FeatureImage, label: u8) -> Option<LungBox> {
        let (x0, y0, x1, y1) = fi.labels.bounds(|v| v == label)?;
        Some(LungBox {
            x0,
            y0,
            w: x1 + 1 - x0,
            h: y1 + 1 - y0,
            flipped: label == 2,
        })
    }

    /// `(row fraction, fraction from the lateral edge)` of a pixel, each in 0..1.
    fn normalised(&self, x: usize, y: usize) -> (f64, f64) {
        let fy = (y.saturating_sub(self.y0) as f64 + 0.5) / self.h as f64;
        let fx = (x.saturating_sub(self.x0) as f64 + 0.5) / self.w as f64;
        (fy, if self.flipped { 1.0 - fx } else { fx })
    }

    /// The pixel at normalised coordinates, clamped to the box.
    fn at(&self, (fy, flat): (f64, f64)) -> (usize, usize) {
        let fx = if self.flipped { 1.0 - flat } else { flat };
        let x = self.x0 + ((fx * self.w as f64) as usize).min(self.w - 1);
        let y = self.y0 + ((fy * self.h as f64) as usize).min(self.h - 1);
        (x, y)
    }
}

/// The local measures of `fi`. `blobs` are the fine and coarse difference-of-Gaussians
/// responses and the Hessian measure, as [`super::extract_with`] computes them; `scale` is
/// the feature size over 512.
pub fn local_maps(fi: &FeatureImage, blobs: [&GrayF32; 3], scale: f32) -> LocalMaps {
    let (w, h) = (fi.img.width(), fi.img.height());
    let k = Kernels::active();
    let density = gaussian_f32(&fi.img, 4.0 * scale, k);
    let squares = fi.img.map(|&v| v * v);
    let mean_sq = gaussian_f32(&squares, 4.0 * scale, k);
    let texture = GrayF32::from_rows(w, h, |y, row| {
        for (x, v) in row.iter_mut().enumerate() {
            let m = density.get(x, y);
            *v = libm::sqrtf((mean_sq.get(x, y) - m * m).max(0.0));
        }
    });
    let broad = gaussian_f32(&fi.img, 8.0 * scale, k);
    let boxes = [LungBox::of(fi, 1), LungBox::of(fi, 2)];
    let mut cells = Plane::filled(w, h, OUTSIDE);
    let mut asymmetry = GrayF32::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let l = fi.labels.get(x, y);
            if l == 0 || l > 2 {
                continue;
            }
            let s = usize::from(l - 1);
            let Some(own) = boxes[s] else { continue };
            let (fy, flat) = own.normalised(x, y);
            let row = ((fy * ROWS as f64) as usize).min(ROWS - 1);
            let col = ((flat * COLS as f64) as usize).min(COLS - 1);
            cells.set(x, y, (s * ROWS * COLS + row * COLS + col) as u16);
            if let Some(other) = boxes[1 - s] {
                let (ox, oy) = other.at((fy, flat));
                asymmetry.set(x, y, broad.get(x, y) - broad.get(ox, oy));
            }
        }
    }
    LocalMaps {
        maps: vec![
            density,
            texture,
            blobs[0].clone(),
            blobs[1].clone(),
            blobs[2].clone(),
            asymmetry,
        ],
        cells,
        origin: fi.origin,
    }
}

impl LocalMaps {
    /// The measures at every `stride`-th lung pixel (rows and columns), in raster order.
    pub fn sample(&self, stride: usize) -> LocalSample {
        let stride = stride.max(1);
        let mut s = LocalSample::default();
        let (w, h) = (self.cells.width(), self.cells.height());
        for y in (stride / 2..h).step_by(stride) {
            for x in (stride / 2..w).step_by(stride) {
                let c = self.cells.get(x, y);
                if c == OUTSIDE {
                    continue;
                }
                s.cells.push(c);
                s.values.extend(self.maps.iter().map(|m| m.get(x, y)));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::Radiograph;

    #[test]
    fn cells_cover_the_lungs_and_mirror_left_and_right() {
        let p = crate::phantom::render(256, 5, false);
        let img = Radiograph::U8(p.to_u8());
        let fi = FeatureImage::new(&img, &p.labels, 256, true).unwrap();
        let z = GrayF32::new(fi.img.width(), fi.img.height());
        let m = local_maps(&fi, [&z, &z, &z], 0.5);
        assert_eq!(m.maps.len(), LOCAL_FEATURES);
        let mut seen = [false; CELLS];
        for (c, &l) in m.cells.as_slice().iter().zip(fi.labels.as_slice()) {
            assert_eq!(l == 0, *c == OUTSIDE);
            if *c != OUTSIDE {
                seen[usize::from(*c)] = true;
                // Right lung pixels are in the first half of the cells.
                assert_eq!(usize::from(*c) < ROWS * COLS, l == 1);
            }
        }
        assert!(seen.iter().filter(|&&s| s).count() > CELLS * 3 / 4);
        // The lateral column of each lung is at its outer edge: column 0 of the right lung
        // lies left of its column COLS-1.
        let mean_x = |cell: u16| {
            let xs: Vec<usize> = (0..m.cells.len())
                .filter(|&i| m.cells.as_slice()[i] == cell)
                .map(|i| i % m.cells.width())
                .collect();
            xs.iter().sum::<usize>() as f64 / xs.len().max(1) as f64
        };
        let right_row = (3 * COLS) as u16;
        let left_row = (ROWS * COLS + 3 * COLS) as u16;
        assert!(mean_x(right_row) < mean_x(right_row + COLS as u16 - 1));
        assert!(mean_x(left_row) > mean_x(left_row + COLS as u16 - 1));
        let s = m.sample(4);
        assert_eq!(s.values.len(), s.cells.len() * LOCAL_FEATURES);
        assert!(s.cells.len() > 100);
    }
}
