//! Vector medians on the [`Isa`]'s byte vector (16, 32 or 64 columns at a time: `wide` at
//! the build's instruction set, or AVX2/AVX-512 when dispatched at run time); the 3×3 by
//! sorted columns, the 5×5 two rows at a time with the networks of [`super::net_pair`]
//! (the scalar twin runs the 25-input network; medians are exact, so results are
//! identical). A row's last vector ends at its last column ([`for_each_vector`]; at
//! 3000 columns and 64 lanes the scalar tail had been 40 % of the 3×3's instructions); only
//! rows narrower than a vector are the scalar twin's.

use crate::image::{GrayU8, RowsBuilder};
use crate::simd::isa::{dispatch, Bytes, Isa};
use crate::simd::lanes::{for_each_vector, scalar_from};

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
/// `med3(max of the lows, med3 of the mids, min of the highs)`, exact. The source rows are
/// read in place; the sorted columns are kept padded (the ends repeat the edge columns) with
/// column 0 on a 64-byte boundary, so no vector store splits a cache line. Both passes end a
/// row with a vector ending at its last column ([`for_each_vector`], recomputing a few
/// columns); only rows narrower than a vector are scalar.
#[inline(always)]
fn median3_with<I: Isa>(src: &GrayU8) -> GrayU8 {
    let load = <I::Bytes as Bytes>::load;
    let l = <I::Bytes as Bytes>::LANES;
    let (w, h) = (src.width(), src.height());
    // A sorted-column buffer and where its column 0 is.
    let column = || {
        let v = vec![0u8; w + 130];
        let base = 64 + v.as_ptr().align_offset(64).min(63);
        (v, base)
    };
    let ((mut lo, lo0), (mut mid, mid0), (mut hi, hi0)) = (column(), column(), column());
    // Views from one before column 0 to one past column w - 1: entry x + 1 is column x.
    GrayU8::from_rows(w, h, |y, out| {
        let (a, b, c) = (
            src.row(y.saturating_sub(1)),
            src.row(y),
            src.row((y + 1).min(h - 1)),
        );
        let (lo, mid, hi) = (
            &mut lo[lo0 - 1..lo0 + w + 1],
            &mut mid[mid0 - 1..mid0 + w + 1],
            &mut hi[hi0 - 1..hi0 + w + 1],
        );
        let tail = for_each_vector(w, l, |x| {
            crate::simd::lanes::prefetch(c, x + 1024);
            let (p, q, r) = (load(&a[x..]), load(&b[x..]), load(&c[x..]));
            let (p, q) = (p.min(q), p.max(q));
            let (q, r) = (q.min(r), q.max(r));
            let (p, q) = (p.min(q), p.max(q));
            p.store(&mut lo[x + 1..]);
            q.store(&mut mid[x + 1..]);
            r.store(&mut hi[x + 1..]);
        });
        for x in tail..w {
            let (p, q, r) = (a[x], b[x], c[x]);
            let (p, q) = (p.min(q), p.max(q));
            let (q, r) = (q.min(r), q.max(r));
            let (p, q) = (p.min(q), p.max(q));
            (lo[x + 1], mid[x + 1], hi[x + 1]) = (p, q, r);
        }
        for col in [&mut *lo, &mut *mid, &mut *hi] {
            col[0] = col[1];
            col[w + 1] = col[w];
        }
        let tail = for_each_vector(w, l, |x| {
            let lo3 = load(&lo[x..])
                .max(load(&lo[x + 1..]))
                .max(load(&lo[x + 2..]));
            let hi3 = load(&hi[x..])
                .min(load(&hi[x + 1..]))
                .min(load(&hi[x + 2..]));
            let m = med3(load(&mid[x..]), load(&mid[x + 1..]), load(&mid[x + 2..]));
            med3(lo3, m, hi3).store(&mut out[x..]);
        });
        for (x, o) in out.iter_mut().enumerate().skip(tail) {
            let l = lo[x].max(lo[x + 1]).max(lo[x + 2]);
            let h = hi[x].min(hi[x + 1]).min(hi[x + 2]);
            *o = med3_u8(l, med3_u8(mid[x], mid[x + 1], mid[x + 2]), h);
        }
    })
}

/// 5×5 median two output rows at a time ([`super::net_pair`]): the 20 pixels the two
/// windows share go through one selection network, then each row adds its own five; a last
/// odd row computes a pair whose second row (clamped to the image) is dropped. A row's last
/// vector ends at its last column; only rows narrower than a vector are the scalar twin's.
/// No closures on this path: the row and vector loops are written out here, so that the
/// whole body is compiled with the dispatched instruction set (the two networks make the
/// body too large for the compiler to inline a closure holding it).
#[inline(always)]
fn median5_with<I: Isa>(src: &GrayU8) -> GrayU8 {
    use super::net_pair::{median_of_mid6_and_5, mid6_of_20, MEDIAN, MID6};
    let load = <I::Bytes as Bytes>::load;
    let lanes = <I::Bytes as Bytes>::LANES;
    let (w, h) = (src.width(), src.height());
    let mut rows = super::Rows::<6>::new();
    let mut dst = RowsBuilder::new(w, h);
    let (mut first, mut second) = (vec![0u8; w], vec![0u8; w]);
    let mut y = 0;
    while y < h {
        let bufs = rows.around(src, y);
        let mut x = 0;
        let last = w.saturating_sub(lanes);
        let mut more = w >= lanes;
        while more {
            let mut p = [<I::Bytes as Bytes>::zero(); 20];
            for (r, buf) in bufs[1..5].iter().enumerate() {
                for c in 0..5 {
                    p[5 * r + c] = load(&buf[x + c..]);
                }
            }
            mid6_of_20!(p);
            for (extra, out) in [(bufs[0], &mut first), (bufs[5], &mut second)] {
                let mut q = [<I::Bytes as Bytes>::zero(); 16];
                for (k, &m) in MID6.iter().enumerate() {
                    q[k] = p[m];
                }
                for c in 0..5 {
                    q[8 + c] = load(&extra[x + c..]);
                }
                median_of_mid6_and_5!(q);
                q[MEDIAN].store(&mut out[x..]);
            }
            more = x < last;
            x = (x + lanes).min(last);
        }
        let top: [&[u8]; 5] = core::array::from_fn(|k| bufs[k]);
        let bottom: [&[u8]; 5] = core::array::from_fn(|k| bufs[k + 1]);
        for x in scalar_from(w, lanes)..w {
            first[x] = super::scalar::median25_at(&top, x);
            second[x] = super::scalar::median25_at(&bottom, x);
        }
        dst.push(&first);
        if y + 1 < h {
            dst.push(&second);
        }
        y += 2;
    }
    dst.finish()
}
