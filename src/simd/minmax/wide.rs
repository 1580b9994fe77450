//! `wide` element-wise extreme of two rows, sixteen bytes at a time; scalar tail.

use wide::u8x16;

pub(super) fn combine(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
    let n = out.len().min(a.len()).min(b.len());
    let body = n - n % 16;
    let (oa, ta) = out[..n].split_at_mut(body);
    for ((o, x), y) in oa
        .chunks_exact_mut(16)
        .zip(a[..body].chunks_exact(16))
        .zip(b[..body].chunks_exact(16))
    {
        let (x, y) = (u8x16::from(x), u8x16::from(y));
        let v = if max { x.max(y) } else { x.min(y) };
        o.copy_from_slice(v.as_array());
    }
    super::scalar::combine(&a[body..n], &b[body..n], ta, max);
}

pub(super) fn combine_into(acc: &mut [u8], b: &[u8], max: bool) {
    let n = acc.len().min(b.len());
    let body = n - n % 16;
    let (oa, ta) = acc[..n].split_at_mut(body);
    for (o, y) in oa.chunks_exact_mut(16).zip(b[..body].chunks_exact(16)) {
        let (x, y) = (u8x16::from(&*o), u8x16::from(y));
        let v = if max { x.max(y) } else { x.min(y) };
        o.copy_from_slice(v.as_array());
    }
    super::scalar::combine_into(ta, &b[body..n], max);
}
