//! `wide` binarisation: an unsigned compare gives 0xFF or 0 per lane; scalar tail.

use wide::u8x16;

pub(super) fn binarize(src: &[u8], level: u8, above: bool, out: &mut [u8]) {
    let n = src.len().min(out.len());
    let body = n - n % 16;
    let t = u8x16::splat(level);
    let flip = u8x16::splat(if above { 0 } else { 255 });
    for (o, s) in out[..body]
        .chunks_exact_mut(16)
        .zip(src[..body].chunks_exact(16))
    {
        let v = u8x16::from(s).simd_gt(t) ^ flip;
        o.copy_from_slice(v.as_array());
    }
    super::scalar::binarize(&src[body..n], level, above, &mut out[body..n]);
}
