//! [`Baseline`]: `wide`'s types at the build's own instruction set ([`U8s`] bytes, `f32x16`
//! in [`BLOCK`]s, `u16x32`), usable on every CPU the binary runs on. The trait methods are
//! `unsafe fn`s only because the traits' are: nothing here needs more than the build has.
#![allow(unsafe_code)]

use wide::{f32x16, i16x8, u16x32, u8x16};

use super::{Bytes, F32s, Isa, TableMix, U16v};
use crate::simd::lanes::{mulhi_u16x32, U16s, U8s, BLOCK, U8_LANES};

/// The build's own instruction set, through `wide`.
pub(crate) struct Baseline;

impl Isa for Baseline {
    type Bytes = U8s;
    type F32 = F32Block;
    type U16 = u16x32;
    type Mix = MixWide;
}

impl Bytes for U8s {
    const LANES: usize = U8_LANES;
    #[inline(always)]
    unsafe fn zero() -> Self {
        U8s::ZERO
    }
    #[inline(always)]
    unsafe fn splat(v: u8) -> Self {
        U8s::splat(v)
    }
    #[inline(always)]
    unsafe fn load(s: &[u8]) -> Self {
        crate::simd::lanes::load_u8(s)
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [u8]) {
        crate::simd::lanes::store_u8(d, self)
    }
    #[inline(always)]
    unsafe fn min(self, o: Self) -> Self {
        U8s::min(self, o)
    }
    #[inline(always)]
    unsafe fn max(self, o: Self) -> Self {
        U8s::max(self, o)
    }
    #[inline(always)]
    unsafe fn le_mask(self, t: Self) -> Self {
        !self.simd_gt(t)
    }
    #[inline(always)]
    unsafe fn xor(self, o: Self) -> Self {
        self ^ o
    }
    #[inline(always)]
    unsafe fn mean2x2(r0: &[u8], r1: &[u8]) -> Self {
        // Each load read as `u16` lanes whose low and high bytes are a horizontal pair.
        let pair_sums = |s: &[u8]| -> U16s {
            let v: U16s = bytemuck::cast(Self::load(s));
            (v & U16s::splat(0xff)) + (v >> 8_u32)
        };
        let two = U16s::splat(2);
        let lo = (pair_sums(r0) + pair_sums(r1) + two) >> 2_u32;
        let hi = (pair_sums(&r0[U8_LANES..]) + pair_sums(&r1[U8_LANES..]) + two) >> 2_u32;
        // Every lane is at most 255: narrow 128 bits at a time.
        let v: [i16x8; U8_LANES / 8] = bytemuck::cast([lo, hi]);
        let mut out = [0u8; U8_LANES];
        for (p, o) in v.chunks_exact(2).zip(out.chunks_exact_mut(16)) {
            o.copy_from_slice(u8x16::narrow_i16x8(p[0], p[1]).as_array());
        }
        Self::load(&out)
    }
}

/// [`BLOCK`] `f32x16`s: enough independent accumulators to hide the add latency on this
/// build.
#[derive(Clone, Copy)]
pub(crate) struct F32Block([f32x16; BLOCK]);

impl F32s for F32Block {
    const LANES: usize = 16 * BLOCK;
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        F32Block([f32x16::splat(v); BLOCK])
    }
    #[inline(always)]
    unsafe fn load(s: &[f32]) -> Self {
        F32Block(core::array::from_fn(|i| {
            bytemuck::pod_read_unaligned(bytemuck::cast_slice(&s[16 * i..16 * i + 16]))
        }))
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [f32]) {
        for (i, v) in self.0.iter().enumerate() {
            d[16 * i..16 * i + 16].copy_from_slice(v.as_array());
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        F32Block(core::array::from_fn(|i| self.0[i] + o.0[i]))
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        F32Block(core::array::from_fn(|i| self.0[i] * o.0[i]))
    }
}

impl U16v for u16x32 {
    const LANES: usize = 32;
    #[inline(always)]
    unsafe fn splat(v: u16) -> Self {
        u16x32::splat(v)
    }
    #[inline(always)]
    unsafe fn load(s: &[u16]) -> Self {
        bytemuck::pod_read_unaligned(bytemuck::cast_slice(&s[..32]))
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [u16]) {
        d[..32].copy_from_slice(self.as_array());
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    unsafe fn mulhi(self, o: Self) -> Self {
        mulhi_u16x32(self, o)
    }
    #[inline(always)]
    unsafe fn store_q8(self, bias: Self, d: &mut [u8]) {
        let v: u16x32 = (self + bias) >> 8_u32;
        // At most 255 after the shift, so the signed saturating narrowing is exact.
        let [q0, q1, q2, q3]: [i16x8; 4] = bytemuck::cast(v);
        d[..16].copy_from_slice(u8x16::narrow_i16x8(q0, q1).as_array());
        d[16..32].copy_from_slice(u8x16::narrow_i16x8(q2, q3).as_array());
    }
}

/// The table mix on `f32x16`: sixteen scalar table loads, the arithmetic in vectors.
pub(crate) struct MixWide;

impl TableMix for MixWide {
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn mix(
        out: &mut [u8],
        src: &[u8],
        t: &[u32; 256],
        xa: &[f32],
        xa1: &[f32],
        ya: f32,
        ya1: f32,
    ) {
        const BIG: f32 = 8_388_608.0;
        let src = &src[..16];
        let q: [u32; 16] = core::array::from_fn(|i| t[usize::from(src[i])]);
        let byte = |k: u32| f32x16::from(q.map(|v| ((v >> (8 * k)) & 255) as f32));
        let (tl, tr, bl, br) = (byte(0), byte(1), byte(2), byte(3));
        let a: f32x16 = bytemuck::pod_read_unaligned(bytemuck::cast_slice(&xa[..16]));
        let a1: f32x16 = bytemuck::pod_read_unaligned(bytemuck::cast_slice(&xa1[..16]));
        let res = (tl * a1 + tr * a) * f32x16::splat(ya1) + (bl * a1 + br * a) * f32x16::splat(ya);
        // Clamped first (the same bytes as rounding first: the bounds are integers), then
        // rounded half to even by adding and removing 2²³, as the scalar twin.
        let r = (res.max(f32x16::ZERO).min(f32x16::splat(255.0)) + f32x16::splat(BIG))
            - f32x16::splat(BIG);
        let r: [f32; 16] = r.to_array();
        for (o, v) in out[..16].iter_mut().zip(r) {
            *o = v as u8;
        }
    }
}
