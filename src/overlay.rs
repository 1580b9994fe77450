//! Overlays for people to look at: the radiograph in grey with the right lung outlined in
//! one colour and the left lung in another.

use crate::image::{GrayU8, Mask};

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
pub fn overlay_rgb(grey: &GrayU8, labels: &Mask, thickness: usize) -> Vec<u8> {
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
