//! Vector medians on the [`Isa`]'s byte vector (16, 32 or 64 columns at a time: `wide` at
//! the build's instruction set, or AVX2/AVX-512 when dispatched at run time); the 3×3 by
//! sorted row triples in one pass, the 5×5 two rows at a time with the networks of
//! [`super::net_pair`] (the scalar twins run Paeth's and the 25-input networks; medians are
//! exact, so results are identical). A row's last vector ends at (or next to) its last
//! column, recomputing a few columns, never a scalar tail (at 3000 columns and 64 lanes
//! that tail had been 40 % of the 3×3's instructions); only rows narrower than a vector
//! are the scalar twin's.
#![allow(unsafe_code)]

use crate::image::{GrayU8, RowsBuilder};
use crate::simd::isa::{dispatch, Bytes, Isa};
use crate::simd::lanes::scalar_from;

dispatch! {
    /// 3×3 median at `kernels`.
    fn median3(src: &GrayU8) -> GrayU8 = median3_with
}

dispatch! {
    /// 5×5 median at `kernels`.
    fn median5(src: &GrayU8) -> GrayU8 = median5_with
}

/// `med3(p, q, r)` with four min/max operations.
///
/// # Safety
/// The CPU has `V`'s instruction set.
#[inline(always)]
unsafe fn med3<V: Bytes>(p: V, q: V, r: V) -> V {
    p.min(q).max(p.max(q).min(r))
}

/// The same on one byte.
#[inline(always)]
fn med3_u8(p: u8, q: u8, r: u8) -> u8 {
    p.min(q).max(p.max(q).min(r))
}

/// 3×3 median by row sorting, in one pass: each source row's horizontal triples are sorted
/// once (`lo ≤ mid ≤ hi` of columns `x - 1`, `x`, `x + 1`) and kept in a ring of three rows,
/// shared by the three output rows that see them; the median of nine is then `med3(max of
/// the lows, med3 of the mids, min of the highs)` down a column, exact. Each output vector
/// sorts the triples of the row entering the window (three loads from the source) and reads
/// the two rows above from the ring at its own columns (no shifted loads), so the row
/// streaming in from memory overlaps the arithmetic. Columns 0 and `w - 1` (their triples
/// leave the row) are scalar; a row's last vector ends at column `w - 2`; rows narrower
/// than a vector plus two are the scalar twin's. The loops are written out (no closures on
/// the hot path), and every slice is cut to `w` so that one check covers a vector's loads.
///
/// Against sorting columns in a first pass and merging them in a second (the previous
/// kernel): 1024² 0.26 → 0.25 ms at AVX-512, 0.44 → 0.31 at AVX2, 0.80 → 0.60 at SSE2;
/// 3000² 3.3 → 2.8, 4.7 → 3.3, 7.7 → 5.5 ms (same machine, alternating, loaded).
///
/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn median3_with<I: Isa>(src: &GrayU8) -> GrayU8 {
    let load = <I::Bytes as Bytes>::load;
    let l = <I::Bytes as Bytes>::LANES;
    let (w, h) = (src.width(), src.height());
    if w < l + 2 {
        return super::scalar::median3(src);
    }
    // The ring: the sorted triples of rows y - 1, y and y + 1, rotated after each row. Each
    // holds lo, mid and hi, `stride` apart from `off`, column 1 on a 64-byte boundary.
    let stride = (w + 64).next_multiple_of(64);
    let triples = || {
        let v = vec![0u8; 3 * stride + 128];
        let off = v.as_ptr().align_offset(64).min(63) + 63;
        (v, off)
    };
    let mut ring = [triples(), triples(), triples()];
    // Row 0's triples, twice: row -1 repeats it.
    for (v, off) in &mut ring[..2] {
        sort_triples_row(src.row(0), &mut v[*off..], stride);
    }
    let mut dst = RowsBuilder::new(w, h, 0);
    // The last vector's first column: it ends at column w - 2.
    let last = w - 1 - l;
    for y in 0..h {
        let c = src.row((y + 1).min(h - 1));
        let [(a, a0), (b, b0), (n, n0)] = &mut ring;
        let [lo_a, mid_a, hi_a] = split3(&a[*a0..], stride, w);
        let [lo_b, mid_b, hi_b] = split3(&b[*b0..], stride, w);
        let (lo_c, rest) = n[*n0..].split_at_mut(stride);
        let (mid_c, hi_c) = rest.split_at_mut(stride);
        let (lo_c, mid_c, hi_c) = (&mut lo_c[..w], &mut mid_c[..w], &mut hi_c[..w]);
        let out = dst.next_row();
        let mut x = 1;
        loop {
            let v = x..x + l;
            let (p, q) = (load(&c[x - 1..x - 1 + l]), load(&c[v.clone()]));
            let r = load(&c[x + 1..x + 1 + l]);
            let (p, q) = (p.min(q), p.max(q));
            let (q, r) = (q.min(r), q.max(r));
            let (p, q) = (p.min(q), p.max(q));
            let lo3 = load(&lo_a[v.clone()]).max(load(&lo_b[v.clone()])).max(p);
            let mid = med3(load(&mid_a[v.clone()]), load(&mid_b[v.clone()]), q);
            let hi3 = load(&hi_a[v.clone()]).min(load(&hi_b[v.clone()])).min(r);
            p.store(&mut lo_c[v.clone()]);
            q.store(&mut mid_c[v.clone()]);
            r.store(&mut hi_c[v.clone()]);
            med3(lo3, mid, hi3).store(&mut out[v]);
            if x == last {
                break;
            }
            x = (x + l).min(last);
        }
        for x in [0, w - 1] {
            let [p, q, r] = sort_triple(c, x);
            (lo_c[x], mid_c[x], hi_c[x]) = (p, q, r);
            let lo3 = lo_a[x].max(lo_b[x]).max(p);
            let mid = med3_u8(mid_a[x], mid_b[x], q);
            let hi3 = hi_a[x].min(hi_b[x]).min(r);
            out[x] = med3_u8(lo3, mid, hi3);
        }
        ring.rotate_left(1);
    }
    dst.finish()
}

/// The three arrays of a ring row (lo, mid, hi: `stride` apart), each cut to `w`.
#[inline(always)]
fn split3(t: &[u8], stride: usize, w: usize) -> [&[u8]; 3] {
    [
        &t[..w],
        &t[stride..stride + w],
        &t[2 * stride..2 * stride + w],
    ]
}

/// `(lo, mid, hi)` of columns `x - 1`, `x`, `x + 1` of `row`, clamped to the row.
#[inline(always)]
fn sort_triple(row: &[u8], x: usize) -> [u8; 3] {
    let (p, q, r) = (
        row[x.saturating_sub(1)],
        row[x],
        row[(x + 1).min(row.len() - 1)],
    );
    let (p, q) = (p.min(q), p.max(q));
    let (q, r) = (q.min(r), q.max(r));
    [p.min(q), p.max(q), r]
}

/// The sorted triples of a whole row into `v`: lo, mid and hi `stride` apart.
fn sort_triples_row(row: &[u8], v: &mut [u8], stride: usize) {
    for x in 0..row.len() {
        for (k, t) in sort_triple(row, x).into_iter().enumerate() {
            v[k * stride + x] = t;
        }
    }
}

/// 5×5 median two output rows at a time ([`super::net_pair`]): the 20 pixels the two
/// windows share go through one selection network, then each row adds its own five; a last
/// odd row computes a pair whose second row (clamped to the image) is dropped. A row's last
/// vector ends at its last column; only rows narrower than a vector are the scalar twin's.
/// No closures on this path: the row and vector loops are written out here, so that the
/// whole body is compiled with the dispatched instruction set (the two networks make the
/// body too large for the compiler to inline a closure holding it).
///
/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn median5_with<I: Isa>(src: &GrayU8) -> GrayU8 {
    use super::net_pair::{median_of_mid6_and_5, mid6_of_20, MEDIAN, MID6};
    let load = <I::Bytes as Bytes>::load;
    let lanes = <I::Bytes as Bytes>::LANES;
    let (w, h) = (src.width(), src.height());
    let mut rows = super::Rows::<6>::new();
    let mut dst = RowsBuilder::new(w, h, 0);
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
