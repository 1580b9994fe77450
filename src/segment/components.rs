//! Connected components (8-connected) with per-component statistics, and hole filling.
//!
//! Labelling works on runs: each row's runs of foreground are joined (union–find) to the runs
//! of the row above that touch them, diagonals included; labels are then numbered in raster
//! order of each component's first pixel (what imageproc's `connected_components` gives, which
//! the tests check against), written run by run, and the statistics are summed per run.

use crate::image::{Mask, Plane};

/// One connected component of a mask.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// Its label in [`Labels::labels`] (1-based).
    pub label: u32,
    /// Pixel count.
    pub area: usize,
    /// Bounding box: `(x0, y0, x1, y1)`, inclusive.
    pub bbox: (usize, usize, usize, usize),
    /// Centroid `(x, y)`.
    pub centroid: (f64, f64),
}

/// A label image and the statistics of its components.
#[derive(Clone, Debug)]
pub struct Labels {
    /// 0 for background, else the component's label.
    pub labels: Plane<u32>,
    /// Components in label order.
    pub components: Vec<Component>,
}

impl Labels {
    /// Mask of the components whose labels are in `keep`.
    pub fn select(&self, keep: &[u32]) -> Mask {
        self.labels.map(|l| u8::from(*l != 0 && keep.contains(l)))
    }
}

/// Labels the 8-connected components of a 0/1 mask.
///
/// ```
/// use lungfield::{segment::components, Mask};
/// let m = Mask::from_vec(5, 1, vec![1, 1, 0, 1, 0]).unwrap();
/// let l = components(&m);
/// assert_eq!(l.components.len(), 2);
/// assert_eq!(l.components[0].area, 2);
/// ```
pub fn components(m: &Mask) -> Labels {
    let (w, h) = (m.width(), m.height());
    // Runs `(y, x0, x1)` (inclusive) in raster order, and where each row's runs start.
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut row_start = Vec::with_capacity(h + 1);
    for y in 0..h {
        row_start.push(runs.len());
        let row = m.row(y);
        let mut x = 0;
        while x < w {
            if row[x] == 0 {
                x += 1;
                continue;
            }
            let s = x;
            while x < w && row[x] != 0 {
                x += 1;
            }
            runs.push((y, s, x - 1));
        }
    }
    row_start.push(runs.len());
    // Union–find over runs (parents point to the smaller index, so roots are first runs).
    let mut parent: Vec<usize> = (0..runs.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for y in 1..h {
        let (prev, cur) = (
            row_start[y - 1]..row_start[y],
            row_start[y]..row_start[y + 1],
        );
        let mut j = prev.start;
        for i in cur {
            let (_, s, e) = runs[i];
            // Skip runs above that end before this one's diagonal reach.
            while j < prev.end && runs[j].2 + 1 < s {
                j += 1;
            }
            let mut k = j;
            while k < prev.end && runs[k].1 <= e + 1 {
                let (a, b) = (find(&mut parent, i), find(&mut parent, k));
                if a != b {
                    let (lo, hi) = (a.min(b), a.max(b));
                    parent[hi] = lo;
                }
                k += 1;
            }
        }
    }
    // Number the components in raster order of their first run, and sum their statistics.
    let mut label_of_root = vec![0u32; runs.len()];
    let mut comps: Vec<Component> = Vec::new();
    let mut sums: Vec<(u64, u64)> = Vec::new();
    let mut labels = Plane::<u32>::new(w, h);
    for (i, &(y, s, e)) in runs.iter().enumerate() {
        let root = find(&mut parent, i);
        if label_of_root[root] == 0 {
            comps.push(Component {
                label: comps.len() as u32 + 1,
                area: 0,
                bbox: (usize::MAX, usize::MAX, 0, 0),
                centroid: (0.0, 0.0),
            });
            sums.push((0, 0));
            label_of_root[root] = comps.len() as u32;
        }
        let l = label_of_root[root];
        labels.row_mut(y)[s..=e].fill(l);
        let c = &mut comps[l as usize - 1];
        let len = e - s + 1;
        c.area += len;
        c.bbox = (
            c.bbox.0.min(s),
            c.bbox.1.min(y),
            c.bbox.2.max(e),
            c.bbox.3.max(y),
        );
        let sum = &mut sums[l as usize - 1];
        sum.0 += ((s + e) * len / 2) as u64;
        sum.1 += (y * len) as u64;
    }
    for (c, (sx, sy)) in comps.iter_mut().zip(sums) {
        c.centroid = (sx as f64 / c.area as f64, sy as f64 / c.area as f64);
    }
    Labels {
        labels,
        components: comps,
    }
}

/// Fills holes: background regions (4-connected) that do not reach the image border.
///
/// ```
/// use lungfield::{segment::fill_holes, Mask};
/// let ring = Mask::from_vec(3, 3, vec![1, 1, 1, 1, 0, 1, 1, 1, 1]).unwrap();
/// assert_eq!(fill_holes(&ring).count(), 9);
/// ```
pub fn fill_holes(m: &Mask) -> Mask {
    let (w, h) = (m.width(), m.height());
    if w == 0 || h == 0 {
        return m.clone();
    }
    // Scanline flood fill of the background from the border (4-connected): each seed grows
    // into the whole run of background it lies in, and seeds the runs above and below that
    // touch it. `out` starts all 1; background reached from the border is set to 0, so what
    // stays 1 is foreground or a hole.
    let src = m.as_slice();
    let mut out = vec![1u8; w * h];
    // Background not reached yet.
    let open = |i: usize, out: &[u8]| src[i] == 0 && out[i] != 0;
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for x in 0..w {
        stack.push((x, 0));
        stack.push((x, h - 1));
    }
    for y in 0..h {
        stack.push((0, y));
        stack.push((w - 1, y));
    }
    while let Some((x, y)) = stack.pop() {
        let row = y * w;
        if !open(row + x, &out) {
            continue;
        }
        let (mut l, mut r) = (x, x);
        while l > 0 && open(row + l - 1, &out) {
            l -= 1;
        }
        while r + 1 < w && open(row + r + 1, &out) {
            r += 1;
        }
        out[row + l..=row + r].fill(0);
        // One seed per run of unreached background in the rows above and below.
        for ny in [y.wrapping_sub(1), y + 1] {
            if ny >= h {
                continue;
            }
            let nrow = ny * w;
            let mut inside_run = false;
            for nx in l..=r {
                let o = open(nrow + nx, &out);
                if o && !inside_run {
                    stack.push((nx, ny));
                }
                inside_run = o;
            }
        }
    }
    Mask::from_vec(w, h, out).unwrap_or_else(|| m.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_pixels_are_one_component() {
        let m = Mask::from_vec(3, 3, vec![1, 0, 0, 0, 1, 0, 0, 0, 1]).unwrap();
        let l = components(&m);
        assert_eq!(l.components.len(), 1);
        assert_eq!(l.components[0].bbox, (0, 0, 2, 2));
        assert_eq!(l.components[0].centroid, (1.0, 1.0));
    }

    #[test]
    fn hole_touching_border_is_not_filled() {
        let m = Mask::from_vec(3, 3, vec![1, 0, 1, 1, 0, 1, 1, 1, 1]).unwrap();
        assert_eq!(fill_holes(&m), m);
    }

    proptest::proptest! {
        #[test]
        // imageproc 0.27 panics on a 1×1 foreground image, so the reference starts at 2×2.
        fn labels_match_imageproc(w in 2usize..40, h in 2usize..30, seed: u64, density in 0.1f64..0.9) {
            use imageproc::region_labelling::{connected_components, Connectivity};
            let mut r = crate::rng::Rng::new(seed);
            let m = Mask::from_vec(w, h, (0..w * h).map(|_| u8::from(r.uniform(0.0, 1.0) < density)).collect()).unwrap();
            let ours = components(&m);
            let g = image::GrayImage::from_raw(w as u32, h as u32, m.as_slice().to_vec()).unwrap();
            let theirs = connected_components(&g, Connectivity::Eight, image::Luma([0u8]));
            proptest::prop_assert_eq!(ours.labels.as_slice(), theirs.as_raw().as_slice());
            // Statistics from the label image, the slow way.
            for c in &ours.components {
                let pts: Vec<(usize, usize)> = (0..h).flat_map(|y| (0..w).map(move |x| (x, y)))
                    .filter(|&(x, y)| ours.labels.get(x, y) == c.label).collect();
                proptest::prop_assert_eq!(c.area, pts.len());
                let sx: f64 = pts.iter().map(|p| p.0 as f64).sum();
                proptest::prop_assert_eq!(c.centroid.0, sx / pts.len() as f64);
                proptest::prop_assert_eq!(c.bbox.0, pts.iter().map(|p| p.0).min().unwrap());
                proptest::prop_assert_eq!(c.bbox.3, pts.iter().map(|p| p.1).max().unwrap());
            }
        }
    }

    /// The fill pixel by pixel (a stack of single pixels): the reference of the scanline fill.
    fn fill_holes_pixelwise(m: &Mask) -> Mask {
        let (w, h) = (m.width(), m.height());
        if w == 0 || h == 0 {
            return m.clone();
        }
        // 1 = outside (reached from the border through background).
        let mut outside = vec![0u8; w * h];
        let mut stack: Vec<usize> = Vec::new();
        let src = m.as_slice();
        let push = |i: usize, outside: &mut Vec<u8>, stack: &mut Vec<usize>| {
            if src[i] == 0 && outside[i] == 0 {
                outside[i] = 1;
                stack.push(i);
            }
        };
        for x in 0..w {
            push(x, &mut outside, &mut stack);
            push((h - 1) * w + x, &mut outside, &mut stack);
        }
        for y in 0..h {
            push(y * w, &mut outside, &mut stack);
            push(y * w + w - 1, &mut outside, &mut stack);
        }
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            if x > 0 {
                push(i - 1, &mut outside, &mut stack);
            }
            if x + 1 < w {
                push(i + 1, &mut outside, &mut stack);
            }
            if y > 0 {
                push(i - w, &mut outside, &mut stack);
            }
            if y + 1 < h {
                push(i + w, &mut outside, &mut stack);
            }
        }
        Mask::from_vec(w, h, outside.into_iter().map(|o| 1 - o).collect())
            .unwrap_or_else(|| m.clone())
    }

    proptest::proptest! {
        #[test]
        fn scanline_fill_matches_pixelwise(w in 1usize..40, h in 1usize..30, seed: u64, density in 0.2f64..0.9) {
            let mut r = crate::rng::Rng::new(seed);
            let m = Mask::from_vec(w, h, (0..w * h).map(|_| u8::from(r.uniform(0.0, 1.0) < density)).collect()).unwrap();
            proptest::prop_assert_eq!(fill_holes(&m), fill_holes_pixelwise(&m));
        }
    }

    #[test]
    fn one_pixel_images() {
        for v in [0u8, 1] {
            let l = components(&Mask::filled(1, 1, v));
            assert_eq!(l.components.len(), usize::from(v));
            assert_eq!(l.labels.get(0, 0), u32::from(v));
        }
    }
}
