//! Binary morphology with Euclidean disks, through the exact distance transform, so the cost
//! does not grow with the radius: erosion, dilation, opening, closing on 0/1 masks. A disk of
//! radius `r` holds the offsets with `dx² + dy² <= r²`.

use super::distance::squared_distance;
use crate::image::Mask;

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
    let r2 = (r * r) as u32;
    squared_distance(m, true, false).map(|&d| u8::from(d <= r2))
}

/// Erosion by a disk of radius `r`. Pixels outside the image count as background.
pub fn erode(m: &Mask, r: usize) -> Mask {
    if r == 0 || m.is_empty() {
        return m.clone();
    }
    let r2 = (r * r) as u32;
    squared_distance(m, false, true).map(|&d| u8::from(d > r2))
}

/// Opening (erosion then dilation): removes parts thinner than the disk.
pub fn open(m: &Mask, r: usize) -> Mask {
    dilate(&erode(m, r), r)
}

/// Closing (dilation then erosion): bridges gaps narrower than the disk. The image border does
/// not erode the result (outside pixels do not count as background here).
pub fn close(m: &Mask, r: usize) -> Mask {
    if r == 0 || m.is_empty() {
        return m.clone();
    }
    let r2 = (r * r) as u32;
    let d = dilate(m, r);
    squared_distance(&d, false, false).map(|&v| u8::from(v > r2))
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
        assert_eq!(dilate(&m, 1).count(), 100 + 40);
        // A disk of radius 1 is a cross: opening rounds off exactly the four corners.
        let o = open(&m, 1);
        assert_eq!(o.count(), 96);
        assert_eq!(o.get(5, 5), 0);
        assert_eq!(o.get(6, 5), 1);
    }

    #[test]
    fn border_counts_as_background_for_erosion_not_closing() {
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

    #[test]
    fn disk_shape_radius_2() {
        let mut m = Mask::new(7, 7);
        m.set(3, 3, 1);
        // dx² + dy² <= 4: 13 offsets.
        assert_eq!(dilate(&m, 2).count(), 13);
    }
}
