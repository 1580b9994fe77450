//! Vector element-wise extreme of two rows, on the [`Isa`]'s byte vector (16, 32 or 64
//! bytes at a time: `wide` at the build's instruction set, or AVX2/AVX-512 chosen at run
//! time); scalar tail.
//!
//! The row operations are called thousands of times per image, so they are not dispatched
//! per call: [`pick`] returns the level's functions once, as pointers.

use crate::simd::isa::{Baseline, Bytes, Isa, Level};

/// `out = min/max(a, b)` over the common length.
pub(super) type CombineFn = unsafe fn(&[u8], &[u8], &mut [u8], bool);
/// `acc = min/max(acc, b)` over the common length.
pub(super) type CombineIntoFn = unsafe fn(&mut [u8], &[u8], bool);

#[inline(always)]
fn combine_with<V: Bytes>(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
    let n = out.len().min(a.len()).min(b.len());
    let body = n - n % V::LANES;
    let (oa, ta) = out[..n].split_at_mut(body);
    for ((o, x), y) in oa
        .chunks_exact_mut(V::LANES)
        .zip(a[..body].chunks_exact(V::LANES))
        .zip(b[..body].chunks_exact(V::LANES))
    {
        let (x, y) = (V::load(x), V::load(y));
        let v = if max { x.max(y) } else { x.min(y) };
        v.store(o);
    }
    super::scalar::combine(&a[body..n], &b[body..n], ta, max);
}

#[inline(always)]
fn combine_into_with<V: Bytes>(acc: &mut [u8], b: &[u8], max: bool) {
    let n = acc.len().min(b.len());
    let body = n - n % V::LANES;
    let (oa, ta) = acc[..n].split_at_mut(body);
    for (o, y) in oa
        .chunks_exact_mut(V::LANES)
        .zip(b[..body].chunks_exact(V::LANES))
    {
        let (x, y) = (V::load(o), V::load(y));
        let v = if max { x.max(y) } else { x.min(y) };
        v.store(o);
    }
    super::scalar::combine_into(ta, &b[body..n], max);
}

fn combine_baseline(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
    combine_with::<<Baseline as Isa>::Bytes>(a, b, out, max)
}

fn combine_into_baseline(acc: &mut [u8], b: &[u8], max: bool) {
    combine_into_with::<<Baseline as Isa>::Bytes>(acc, b, max)
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use crate::simd::isa::{Avx2, Avx512};

    #[target_feature(enable = "avx2")]
    pub(super) fn combine_avx2(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
        combine_with::<<Avx2 as Isa>::Bytes>(a, b, out, max)
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn combine_into_avx2(acc: &mut [u8], b: &[u8], max: bool) {
        combine_into_with::<<Avx2 as Isa>::Bytes>(acc, b, max)
    }

    #[target_feature(enable = "avx512f,avx512bw,avx2")]
    pub(super) fn combine_avx512(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
        combine_with::<<Avx512 as Isa>::Bytes>(a, b, out, max)
    }

    #[target_feature(enable = "avx512f,avx512bw,avx2")]
    pub(super) fn combine_into_avx512(acc: &mut [u8], b: &[u8], max: bool) {
        combine_into_with::<<Avx512 as Isa>::Bytes>(acc, b, max)
    }
}

/// The row operations at `level`, or at the best level below it that this CPU has (a
/// build whose own instruction set reaches a level uses its baseline for it). Calling the
/// returned functions is safe: they only use instructions the CPU has.
pub(super) fn pick(level: Level) -> (CombineFn, CombineIntoFn) {
    #[cfg(target_arch = "x86_64")]
    {
        use crate::simd::isa::reaches;
        if !cfg!(target_feature = "avx512bw") && reaches(level, Level::Avx512) {
            return (x86::combine_avx512, x86::combine_into_avx512);
        }
        if !cfg!(target_feature = "avx2") && reaches(level, Level::Avx2) {
            return (x86::combine_avx2, x86::combine_into_avx2);
        }
    }
    let _ = level;
    (combine_baseline, combine_into_baseline)
}
