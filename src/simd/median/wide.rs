//! `wide` medians: sixteen columns at a time (`u8x16`), the same networks as the scalar twins
//! (min/max are exact, so results are identical); scalar tails.

use wide::u8x16;

use super::padded_rows;
use super::scalar::median_at;
use crate::image::GrayU8;

#[inline(always)]
fn load(s: &[u8]) -> u8x16 {
    u8x16::from(&s[..16])
}

pub(super) fn median3(src: &GrayU8) -> GrayU8 {
    let w = src.width();
    let mut dst = GrayU8::new(w, src.height());
    let mut bufs: [Vec<u8>; 3] = Default::default();
    let body = w - w % 16;
    for y in 0..src.height() {
        padded_rows(src, y, &mut bufs);
        let out = dst.row_mut(y);
        let mut x = 0;
        while x < body {
            let mut p = [u8x16::ZERO; 9];
            for (r, buf) in bufs.iter().enumerate() {
                for c in 0..3 {
                    p[3 * r + c] = load(&buf[x + c..]);
                }
            }
            crate::simd::median::scalar::median9!(p);
            out[x..x + 16].copy_from_slice(p[4].as_array());
            x += 16;
        }
        for (x, o) in out.iter_mut().enumerate().skip(body) {
            *o = median_at(&bufs, x);
        }
    }
    dst
}

pub(super) fn median5(src: &GrayU8) -> GrayU8 {
    let w = src.width();
    let mut dst = GrayU8::new(w, src.height());
    let mut bufs: [Vec<u8>; 5] = Default::default();
    let body = w - w % 16;
    for y in 0..src.height() {
        super::padded_rows5(src, y, &mut bufs);
        let out = dst.row_mut(y);
        let mut x = 0;
        while x < body {
            let mut p = [u8x16::ZERO; 25];
            for (r, buf) in bufs.iter().enumerate() {
                for c in 0..5 {
                    p[5 * r + c] = load(&buf[x + c..]);
                }
            }
            super::net25::median25!(p);
            out[x..x + 16].copy_from_slice(p[12].as_array());
            x += 16;
        }
        for (x, o) in out.iter_mut().enumerate().skip(body) {
            *o = super::scalar::median25_at(&bufs, x);
        }
    }
    dst
}
