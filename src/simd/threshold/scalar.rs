//! The reference binarisation.

pub(super) fn binarize(src: &[u8], level: u8, above: bool, out: &mut [u8]) {
    for (o, &v) in out.iter_mut().zip(src) {
        *o = if (v > level) == above { 255 } else { 0 };
    }
}
