//! Binary morphology with Euclidean disks (imageproc's distance transform, so the cost does
//! not grow with the radius): erosion, dilation, opening, closing on 0/1 masks.

use image::GrayImage;
use imageproc::distance_transform::Norm;

use crate::image::Mask;

fn to_gray(m: &Mask) -> GrayImage {
    GrayImage::from_fn(m.width() as u32, m.height() as u32, |x, y| {
        image::Luma([if m.get(x as usize, y as usize) != 0 { 255 } else { 0 }])
    })
}

fn from_gray(g: &GrayImage) -> Mask {
    Mask::from_vec(
        g.width() as usize,
        g.height() as usize,
        g.as_raw().iter().map(|&v| u8::from(v != 0)).collect(),
    )
    .unwrap_or_else(|| Mask::new(0, 0))
}

fn radius(r: usize) -> u8 {
    r.min(255) as u8
}

/// Dilation by a disk of radius `r` (pixels within Euclidean distance `r` of the mask).
///
/// ```
/// use lungfield::{segment::dilate, Mask};
/// let mut m = Mask::new(5, 5);
/// m.set(2, 2, 1);
/// assert_eq!(dilate(&m, 1).count(), 5);
/// ```
pub fn dilate(m: &Mask, r: usize) -> Mask {
    if r == 0 || m.is_empty() {
        return m.clone();
    }
    from_gray(&imageproc::morphology::dilate(&to_gray(m), Norm::L2, radius(r)))
}

/// Erosion by a disk of radius `r`. Pixels outside the image count as background.
pub fn erode(m: &Mask, r: usize) -> Mask {
    if r == 0 || m.is_empty() {
        return m.clone();
    }
    // imageproc treats the outside as foreground-free only through the distance to zero
    // pixels; pad so that the image border erodes like background.
    let (w, h) = (m.width(), m.height());
    let p = r + 1;
    let mut padded = Mask::new(w + 2 * p, h + 2 * p);
    for y in 0..h {
        padded.row_mut(y + p)[p..p + w].copy_from_slice(m.row(y));
    }
    let e = from_gray(&imageproc::morphology::erode(&to_gray(&padded), Norm::L2, radius(r)));
    let mut out = Mask::new(w, h);
    for y in 0..h {
        out.row_mut(y).copy_from_slice(&e.row(y + p)[p..p + w]);
    }
    out
}

/// Opening (erosion then dilation): removes parts thinner than the disk.
pub fn open(m: &Mask, r: usize) -> Mask {
    dilate(&erode(m, r), r)
}

/// Closing (dilation then erosion): bridges gaps narrower than the disk. The image border
/// does not erode the result (the mask is padded before dilating).
pub fn close(m: &Mask, r: usize) -> Mask {
    if r == 0 || m.is_empty() {
        return m.clone();
    }
    let (w, h) = (m.width(), m.height());
    let p = r + 1;
    let mut padded = Mask::new(w + 2 * p, h + 2 * p);
    for y in 0..h {
        padded.row_mut(y + p)[p..p + w].copy_from_slice(m.row(y));
    }
    let c = erode(&dilate(&padded, r), r);
    let mut out = Mask::new(w, h);
    for y in 0..h {
        out.row_mut(y).copy_from_slice(&c.row(y + p)[p..p + w]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(n: usize, lo: usize, hi: usize) -> Mask {
        let mut m = Mask::new(n, n);
        for y in lo..hi {
            for x in lo..hi {
                m.set(x, y, 1);
            }
        }
        m
    }

    #[test]
    fn erosion_shrinks_and_dilation_grows() {
        let m = square(20, 5, 15);
        assert_eq!(erode(&m, 1).count(), 64);
        assert!(dilate(&m, 1).count() > 100);
        assert_eq!(open(&m, 1), m, "a square survives opening by a small disk");
    }

    #[test]
    fn border_counts_as_background_for_erosion() {
        let full = Mask::filled(10, 10, 1);
        assert_eq!(erode(&full, 1).count(), 64);
        assert_eq!(close(&full, 3), full);
    }

    #[test]
    fn closing_bridges_a_gap() {
        let mut m = square(30, 5, 25);
        for y in 0..30 {
            m.set(15, y, 0);
        }
        assert_eq!(close(&m, 2).get(15, 10), 1);
    }
}
