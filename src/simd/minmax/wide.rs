//! `wide` element-wise extreme of two rows, on the build's widest byte vector ([`U8s`]: 16,
//! 32 or 64 bytes at a time); scalar tail.

use crate::simd::lanes::{load_u8 as load, store_u8 as store, U8s, U8_LANES as L};

pub(super) fn combine(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
    let n = out.len().min(a.len()).min(b.len());
    let body = n - n % L;
    let (oa, ta) = out[..n].split_at_mut(body);
    for ((o, x), y) in oa
        .chunks_exact_mut(L)
        .zip(a[..body].chunks_exact(L))
        .zip(b[..body].chunks_exact(L))
    {
        let (x, y): (U8s, U8s) = (load(x), load(y));
        let v = if max { x.max(y) } else { x.min(y) };
        store(o, v);
    }
    super::scalar::combine(&a[body..n], &b[body..n], ta, max);
}

pub(super) fn combine_into(acc: &mut [u8], b: &[u8], max: bool) {
    let n = acc.len().min(b.len());
    let body = n - n % L;
    let (oa, ta) = acc[..n].split_at_mut(body);
    for (o, y) in oa.chunks_exact_mut(L).zip(b[..body].chunks_exact(L)) {
        let (x, y): (U8s, U8s) = (load(o), load(y));
        let v = if max { x.max(y) } else { x.min(y) };
        store(o, v);
    }
    super::scalar::combine_into(ta, &b[body..n], max);
}
