//! Otsu's threshold: the grey level that maximises the between-class variance.

use crate::image::{GrayU8, Mask};
pub use crate::simd::threshold::otsu_from_histogram;

/// Otsu's level of an 8-bit plane: pixels `<= level` form the dark class.
/// A constant image returns its value.
///
/// ```
/// use lungfield::{segment::otsu_level, GrayU8};
/// let img = GrayU8::from_vec(4, 1, vec![10, 12, 200, 202]).unwrap();
/// let t = otsu_level(&img);
/// assert!((12..200).contains(&t));
/// ```
pub fn otsu_level(img: &GrayU8) -> u8 {
    otsu_from_histogram(&crate::simd::threshold::histogram_u8(img))
}

/// Binary mask of the pixels `<= level` (the dark class: lungs are dark on a radiograph).
pub fn threshold_below(img: &GrayU8, level: u8) -> Mask {
    img.map(|&v| u8::from(v <= level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otsu_separates_two_modes_like_opencv() {
        // Two noisy modes around 50 and 180: OpenCV's THRESH_OTSU gives a level between them.
        let data: Vec<u8> = (0..1000)
            .map(|i| {
                if i % 3 == 0 {
                    180 + (i % 7) as u8
                } else {
                    50 + (i % 5) as u8
                }
            })
            .collect();
        let img = GrayU8::from_vec(100, 10, data).unwrap();
        let t = otsu_level(&img);
        assert!((54..180).contains(&t), "{t}");
        let m = threshold_below(&img, t);
        assert_eq!(
            m.count(),
            img.as_slice().iter().filter(|&&v| v < 100).count()
        );
    }

    #[test]
    fn constant_image() {
        assert_eq!(otsu_level(&GrayU8::filled(3, 3, 77)), 77);
    }
}
