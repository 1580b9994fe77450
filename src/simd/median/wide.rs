//! `wide` medians on the build's widest byte vector ([`U8s`]: 16, 32 or 64 columns at a
//! time); the 3×3 by sorted columns, the 5×5 with the scalar twin's network (min/max are
//! exact, so results are identical). The 3×3 has scalar tails (a few operations a pixel);
//! the 5×5's last vector ends at the row's last column ([`for_each_vector`]: its scalar
//! network costs a hundred times a vector's per pixel), only rows narrower than a vector
//! are the scalar twin's.

use crate::image::GrayU8;
use crate::simd::lanes::{for_each_vector, load_u8 as load, store_u8 as store, U8s, U8_LANES as L};

/// `med3(p, q, r)` with four min/max operations.
#[inline(always)]
fn med3(p: U8s, q: U8s, r: U8s) -> U8s {
    p.min(q).max(p.max(q).min(r))
}

/// The same on one byte.
#[inline(always)]
fn med3_u8(p: u8, q: u8, r: u8) -> u8 {
    p.min(q).max(p.max(q).min(r))
}

/// 3×3 median by column sorting: each column of the three rows is sorted once
/// (`lo ≤ mid ≤ hi`), shared by the three outputs that see it; the median of nine is then
/// `med3(max of the lows, med3 of the mids, min of the highs)`, exact. The sorted columns are
/// kept padded (entry `x + 1` is column `x`, the ends repeat the edge columns), so the source
/// rows are read in place.
pub(super) fn median3(src: &GrayU8) -> GrayU8 {
    let (w, h) = (src.width(), src.height());
    let mut dst = GrayU8::new(w, h);
    let body = w - w % L;
    let (mut lo, mut mid, mut hi) = (vec![0u8; w + 2], vec![0u8; w + 2], vec![0u8; w + 2]);
    for y in 0..h {
        let (a, b, c) = (
            src.row(y.saturating_sub(1)),
            src.row(y),
            src.row((y + 1).min(h - 1)),
        );
        for x in (0..body).step_by(L) {
            let (p, q, r) = (load(&a[x..]), load(&b[x..]), load(&c[x..]));
            let (p, q) = (p.min(q), p.max(q));
            let (q, r) = (q.min(r), q.max(r));
            let (p, q) = (p.min(q), p.max(q));
            store(&mut lo[x + 1..], p);
            store(&mut mid[x + 1..], q);
            store(&mut hi[x + 1..], r);
        }
        for x in body..w {
            let (p, q, r) = (a[x], b[x], c[x]);
            let (p, q) = (p.min(q), p.max(q));
            let (q, r) = (q.min(r), q.max(r));
            let (p, q) = (p.min(q), p.max(q));
            (lo[x + 1], mid[x + 1], hi[x + 1]) = (p, q, r);
        }
        for col in [&mut lo, &mut mid, &mut hi] {
            col[0] = col[1];
            col[w + 1] = col[w];
        }
        let out = dst.row_mut(y);
        for x in (0..body).step_by(L) {
            let l = load(&lo[x..])
                .max(load(&lo[x + 1..]))
                .max(load(&lo[x + 2..]));
            let h = load(&hi[x..])
                .min(load(&hi[x + 1..]))
                .min(load(&hi[x + 2..]));
            let m = med3(load(&mid[x..]), load(&mid[x + 1..]), load(&mid[x + 2..]));
            store(&mut out[x..], med3(l, m, h));
        }
        for (x, o) in out.iter_mut().enumerate().skip(body) {
            let l = lo[x].max(lo[x + 1]).max(lo[x + 2]);
            let h = hi[x].min(hi[x + 1]).min(hi[x + 2]);
            *o = med3_u8(l, med3_u8(mid[x], mid[x + 1], mid[x + 2]), h);
        }
    }
    dst
}

pub(super) fn median5(src: &GrayU8) -> GrayU8 {
    let w = src.width();
    let mut dst = GrayU8::new(w, src.height());
    let mut bufs: [Vec<u8>; 5] = Default::default();
    for y in 0..src.height() {
        super::padded_rows5(src, y, &mut bufs);
        let out = dst.row_mut(y);
        let tail = for_each_vector(w, L, |x| {
            let mut p = [U8s::ZERO; 25];
            for (r, buf) in bufs.iter().enumerate() {
                for c in 0..5 {
                    p[5 * r + c] = load(&buf[x + c..]);
                }
            }
            super::net25::median25!(p);
            store(&mut out[x..], p[12]);
        });
        for (x, o) in out.iter_mut().enumerate().skip(tail) {
            *o = super::scalar::median25_at(&bufs, x);
        }
    }
    dst
}
