//! Scalar median of nine: the specification of the `wide` twin.

use super::padded_rows;
use crate::image::GrayU8;

/// Exchanges so that `a <= b`.
macro_rules! sort2 {
    ($p:ident, $a:expr, $b:expr) => {{
        let lo = $p[$a].min($p[$b]);
        let hi = $p[$a].max($p[$b]);
        $p[$a] = lo;
        $p[$b] = hi;
    }};
}
#[allow(unused_imports)]
pub(crate) use sort2;

/// Paeth's median-of-nine network; the median ends in `p[4]`.
macro_rules! median9 {
    ($p:ident) => {{
        #[allow(unused_imports)]
        use $crate::simd::median::scalar::sort2;
        sort2!($p, 1, 2);
        sort2!($p, 4, 5);
        sort2!($p, 7, 8);
        sort2!($p, 0, 1);
        sort2!($p, 3, 4);
        sort2!($p, 6, 7);
        sort2!($p, 1, 2);
        sort2!($p, 4, 5);
        sort2!($p, 7, 8);
        sort2!($p, 0, 3);
        sort2!($p, 5, 8);
        sort2!($p, 4, 7);
        sort2!($p, 3, 6);
        sort2!($p, 1, 4);
        sort2!($p, 2, 5);
        sort2!($p, 4, 7);
        sort2!($p, 4, 2);
        sort2!($p, 6, 4);
        sort2!($p, 4, 2);
    }};
}

/// Median of the nine pixels around column `x` of the padded rows.
#[inline]
pub(super) fn median_at(bufs: &[Vec<u8>; 3], x: usize) -> u8 {
    let mut p = [0u8; 9];
    for (r, buf) in bufs.iter().enumerate() {
        p[3 * r..3 * r + 3].copy_from_slice(&buf[x..x + 3]);
    }
    median9!(p);
    p[4]
}

pub(super) fn median3(src: &GrayU8) -> GrayU8 {
    let mut dst = GrayU8::new(src.width(), src.height());
    let mut bufs: [Vec<u8>; 3] = Default::default();
    for y in 0..src.height() {
        padded_rows(src, y, &mut bufs);
        for (x, o) in dst.row_mut(y).iter_mut().enumerate() {
            *o = median_at(&bufs, x);
        }
    }
    dst
}

/// The 5×5 median at column `x` of the padded rows.
pub(super) fn median25_at(bufs: &[&[u8]; 5], x: usize) -> u8 {
    let mut w = [0u8; 25];
    for (r, buf) in bufs.iter().enumerate() {
        w[5 * r..5 * r + 5].copy_from_slice(&buf[x..x + 5]);
    }
    super::net25::median25!(w);
    w[12]
}

pub(super) fn median5(src: &GrayU8) -> GrayU8 {
    let mut dst = GrayU8::new(src.width(), src.height());
    let mut rows = super::Rows5::new();
    for y in 0..src.height() {
        let bufs = rows.around(src, y);
        for (x, o) in dst.row_mut(y).iter_mut().enumerate() {
            *o = median25_at(&bufs, x);
        }
    }
    dst
}
