//! Vector medians on the [`Isa`]'s byte vector (16, 32 or 64 columns at a time: `wide` at
//! the build's instruction set, or AVX2/AVX-512 when dispatched at run time); the 3×3 by sorted columns, the 5×5 with the scalar twin's network (min/max are
//! exact, so results are identical). The 3×3 has scalar tails (a few operations a pixel);
//! the 5×5's last vector ends at the row's last column ([`for_each_vector`]: its scalar
//! network costs a hundred times a vector's per pixel), only rows narrower than a vector
//! are the scalar twin's.

use crate::image::GrayU8;
use crate::simd::isa::{dispatch, Bytes, Isa};
use crate::simd::lanes::for_each_vector;

dispatch! {
    /// 3×3 median at the run-time [`level`](crate::simd::isa::level).
    fn median3(src: &GrayU8) -> GrayU8 = median3_with
}

dispatch! {
    /// 5×5 median at the run-time [`level`](crate::simd::isa::level).
    fn median5(src: &GrayU8) -> GrayU8 = median5_with
}

/// `med3(p, q, r)` with four min/max operations.
#[inline(always)]
fn med3<V: Bytes>(p: V, q: V, r: V) -> V {
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
#[inline(always)]
fn median3_with<I: Isa>(src: &GrayU8) -> GrayU8 {
    let load = <I::Bytes as Bytes>::load;
    let l = <I::Bytes as Bytes>::LANES;
    let (w, h) = (src.width(), src.height());
    let mut dst = GrayU8::new(w, h);
    let body = w - w % l;
    let (mut lo, mut mid, mut hi) = (vec![0u8; w + 2], vec![0u8; w + 2], vec![0u8; w + 2]);
    for y in 0..h {
        let (a, b, c) = (
            src.row(y.saturating_sub(1)),
            src.row(y),
            src.row((y + 1).min(h - 1)),
        );
        for x in (0..body).step_by(l) {
            let (p, q, r) = (load(&a[x..]), load(&b[x..]), load(&c[x..]));
            let (p, q) = (p.min(q), p.max(q));
            let (q, r) = (q.min(r), q.max(r));
            let (p, q) = (p.min(q), p.max(q));
            p.store(&mut lo[x + 1..]);
            q.store(&mut mid[x + 1..]);
            r.store(&mut hi[x + 1..]);
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
        for x in (0..body).step_by(l) {
            let lo3 = load(&lo[x..])
                .max(load(&lo[x + 1..]))
                .max(load(&lo[x + 2..]));
            let hi3 = load(&hi[x..])
                .min(load(&hi[x + 1..]))
                .min(load(&hi[x + 2..]));
            let m = med3(load(&mid[x..]), load(&mid[x + 1..]), load(&mid[x + 2..]));
            med3(lo3, m, hi3).store(&mut out[x..]);
        }
        for (x, o) in out.iter_mut().enumerate().skip(body) {
            let l = lo[x].max(lo[x + 1]).max(lo[x + 2]);
            let h = hi[x].min(hi[x + 1]).min(hi[x + 2]);
            *o = med3_u8(l, med3_u8(mid[x], mid[x + 1], mid[x + 2]), h);
        }
    }
    dst
}

#[inline(always)]
fn median5_with<I: Isa>(src: &GrayU8) -> GrayU8 {
    let load = <I::Bytes as Bytes>::load;
    let w = src.width();
    let mut dst = GrayU8::new(w, src.height());
    let mut bufs: [Vec<u8>; 5] = Default::default();
    for y in 0..src.height() {
        super::padded_rows5(src, y, &mut bufs);
        let out = dst.row_mut(y);
        let tail = for_each_vector(w, <I::Bytes as Bytes>::LANES, |x| {
            let mut p = [<I::Bytes as Bytes>::zero(); 25];
            for (r, buf) in bufs.iter().enumerate() {
                for c in 0..5 {
                    p[5 * r + c] = load(&buf[x + c..]);
                }
            }
            super::net25::median25!(p);
            p[12].store(&mut out[x..]);
        });
        for (x, o) in out.iter_mut().enumerate().skip(tail) {
            *o = super::scalar::median25_at(&bufs, x);
        }
    }
    dst
}
