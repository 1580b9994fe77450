//! Vector element-wise extreme of two rows, on the [`Isa`]'s byte vector (16, 32 or 64
//! bytes at a time: `wide` at the build's instruction set, or AVX2/AVX-512 chosen at run
//! time); scalar tail. The row operations are called thousands of times per image, so the
//! whole filter is dispatched once, with the row operations of its level inlined.
#![allow(unsafe_code)]

use std::marker::PhantomData;

use super::{RowOps, Shape};
use crate::image::GrayU8;
use crate::simd::isa::{dispatch, Bytes, Isa};

dispatch! {
    /// `out = min/max(a, b)` over the common length.
    fn combine(a: &[u8], b: &[u8], out: &mut [u8], max: bool) -> () = combine_isa
}

dispatch! {
    /// `acc = min/max(acc, b)` over the common length.
    fn combine_into(acc: &mut [u8], b: &[u8], max: bool) -> () = combine_into_isa
}

dispatch! {
    /// The erosion or dilation of `src` by `shape`.
    fn filter(src: &GrayU8, shape: Shape, max: bool) -> GrayU8 = filter_isa
}

/// The row operations of one vector type: a value is the proof that the CPU has its
/// instruction set (only [`Rows::new`], an `unsafe fn`, makes one).
#[derive(Clone, Copy)]
pub(super) struct Rows<V>(PhantomData<V>);

impl<V: Bytes> Rows<V> {
    /// # Safety
    /// The CPU has `V`'s instruction set.
    #[inline(always)]
    unsafe fn new() -> Self {
        Rows(PhantomData)
    }
}

impl<V: Bytes> RowOps for Rows<V> {
    #[inline(always)]
    fn combine(self, a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
        // SAFETY: `self` exists, so the CPU has `V`'s instruction set.
        unsafe { combine_with::<V>(a, b, out, max) }
    }
    #[inline(always)]
    fn combine_into(self, acc: &mut [u8], b: &[u8], max: bool) {
        // SAFETY: as in `combine`.
        unsafe { combine_into_with::<V>(acc, b, max) }
    }
}

/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn combine_isa<I: Isa>(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
    combine_with::<I::Bytes>(a, b, out, max)
}

/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn combine_into_isa<I: Isa>(acc: &mut [u8], b: &[u8], max: bool) {
    combine_into_with::<I::Bytes>(acc, b, max)
}

/// # Safety
/// The CPU has `I`'s instruction set.
#[inline(always)]
unsafe fn filter_isa<I: Isa>(src: &GrayU8, shape: Shape, max: bool) -> GrayU8 {
    super::filter(src, shape, max, Rows::<I::Bytes>::new())
}

/// # Safety
/// The CPU has `V`'s instruction set.
#[inline(always)]
unsafe fn combine_with<V: Bytes>(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
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

/// # Safety
/// The CPU has `V`'s instruction set.
#[inline(always)]
unsafe fn combine_into_with<V: Bytes>(acc: &mut [u8], b: &[u8], max: bool) {
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
