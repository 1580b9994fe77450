//! Connected components (8-connected, imageproc's labelling) with per-component statistics,
//! and hole filling.

use image::GrayImage;
use imageproc::region_labelling::{connected_components, Connectivity};

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
    let g = GrayImage::from_raw(w as u32, h as u32, m.as_slice().to_vec())
        .unwrap_or_else(|| GrayImage::new(0, 0));
    let lab = connected_components(&g, Connectivity::Eight, image::Luma([0u8]));
    let labels = Plane::from_vec(w, h, lab.into_raw()).unwrap_or_else(|| Plane::new(w, h));
    let n = labels.as_slice().iter().copied().max().unwrap_or(0) as usize;
    let mut acc = vec![(0usize, usize::MAX, usize::MAX, 0usize, 0usize, 0f64, 0f64); n];
    for y in 0..h {
        for (x, &l) in labels.row(y).iter().enumerate() {
            if l == 0 {
                continue;
            }
            let a = &mut acc[l as usize - 1];
            a.0 += 1;
            a.1 = a.1.min(x);
            a.2 = a.2.min(y);
            a.3 = a.3.max(x);
            a.4 = a.4.max(y);
            a.5 += x as f64;
            a.6 += y as f64;
        }
    }
    let components = acc
        .into_iter()
        .enumerate()
        .filter(|(_, a)| a.0 > 0)
        .map(|(i, a)| Component {
            label: i as u32 + 1,
            area: a.0,
            bbox: (a.1, a.2, a.3, a.4),
            centroid: (a.5 / a.0 as f64, a.6 / a.0 as f64),
        })
        .collect();
    Labels { labels, components }
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
    Mask::from_vec(w, h, outside.into_iter().map(|o| 1 - o).collect()).unwrap_or_else(|| m.clone())
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
}
