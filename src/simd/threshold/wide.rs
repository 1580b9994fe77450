//! `wide` binarisation on the build's widest byte vector ([`U8s`]): an unsigned compare gives
//! 0xFF or 0 per lane; scalar tail.

use crate::simd::lanes::{load_u8 as load, store_u8 as store, U8s, U8_LANES as L};

pub(super) fn binarize(src: &[u8], level: u8, above: bool, out: &mut [u8]) {
    let n = src.len().min(out.len());
    let body = n - n % L;
    let t = U8s::splat(level);
    let flip = U8s::splat(if above { 0 } else { 255 });
    for (o, s) in out[..body]
        .chunks_exact_mut(L)
        .zip(src[..body].chunks_exact(L))
    {
        let v = load(s).simd_gt(t) ^ flip;
        store(o, v);
    }
    super::scalar::binarize(&src[body..n], level, above, &mut out[body..n]);
}
