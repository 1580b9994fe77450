//! [`WorkingImages`]: the working-resolution images the lungs were found in, which a prior's
//! shade-resolved corrections and its band classifier read.

use crate::image::GrayU8;

/// The images the found lungs came from, both the size of the found label image.
#[derive(Clone, Copy, Debug)]
pub struct WorkingImages<'a> {
    /// The smoothed working image (what the shade-resolved corrections read).
    pub smooth: &'a GrayU8,
    /// The working image itself, before smoothing (what the band classifier reads).
    pub work: &'a GrayU8,
}

impl<'a> WorkingImages<'a> {
    /// One image in both roles (tests and callers that keep only one).
    pub fn same(img: &'a GrayU8) -> Self {
        WorkingImages {
            smooth: img,
            work: img,
        }
    }
}
