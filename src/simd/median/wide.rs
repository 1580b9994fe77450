//! `wide` medians: sixteen columns at a time (`u8x16`); the 3×3 by sorted columns, the 5×5
//! with the scalar twin's network
//! (min/max are exact, so results are identical); scalar tails.

use wide::u8x16;

use super::padded_rows;
use super::scalar::median_at;
use crate::image::GrayU8;

#[inline(always)]
fn load(s: &[u8]) -> u8x16 {
    u8x16::from(&s[..16])
}

/// `med3(p, q, r)` with four min/max operations.
#[inline(always)]
fn med3(p: u8x16, q: u8x16, r: u8x16) -> u8x16 {
    p.min(q).max(p.max(q).min(r))
}

/// 3×3 median by column sorting: each padded column of the three rows is sorted once
/// (`lo ≤ mid ≤ hi`), shared by the three outputs that see it; the median of nine is then
/// `med3(max of the lows, med3 of the mids, min of the highs)`, exact.
pub(super) fn median3(src: &GrayU8) -> GrayU8 {
    let w = src.width();
    let mut dst = GrayU8::new(w, src.height());
    let mut bufs: [Vec<u8>; 3] = Default::default();
    let (mut lo, mut mid, mut hi) = (vec![0u8; w + 2], vec![0u8; w + 2], vec![0u8; w + 2]);
    let pw = w + 2;
    let pbody = pw - pw % 16;
    // Outputs x..x+16 read columns x..x+18 of the padded row.
    let body = w - w % 16;
    for y in 0..src.height() {
        padded_rows(src, y, &mut bufs);
        // Sort the columns.
        let mut x = 0;
        while x < pbody {
            let (a, b, c) = (
                load(&bufs[0][x..]),
                load(&bufs[1][x..]),
                load(&bufs[2][x..]),
            );
            let (a, b) = (a.min(b), a.max(b));
            let (b, c) = (b.min(c), b.max(c));
            let (a, b) = (a.min(b), a.max(b));
            lo[x..x + 16].copy_from_slice(a.as_array());
            mid[x..x + 16].copy_from_slice(b.as_array());
            hi[x..x + 16].copy_from_slice(c.as_array());
            x += 16;
        }
        for x in pbody..pw {
            let mut v = [bufs[0][x], bufs[1][x], bufs[2][x]];
            v.sort_unstable();
            (lo[x], mid[x], hi[x]) = (v[0], v[1], v[2]);
        }
        let out = dst.row_mut(y);
        let mut x = 0;
        while x < body {
            let l = load(&lo[x..])
                .max(load(&lo[x + 1..]))
                .max(load(&lo[x + 2..]));
            let h = load(&hi[x..])
                .min(load(&hi[x + 1..]))
                .min(load(&hi[x + 2..]));
            let m = med3(load(&mid[x..]), load(&mid[x + 1..]), load(&mid[x + 2..]));
            out[x..x + 16].copy_from_slice(med3(l, m, h).as_array());
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
