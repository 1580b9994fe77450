//! [`Avx2`] and [`Avx512`]: the kernels' vector types on `core::arch` registers, for the
//! x86-64 CPUs that have them while the build's baseline does not.
//!
//! Safety: every method is an `unsafe fn` that executes an AVX2 (or AVX-512 F/BW)
//! instruction; its contract, the [`Isa`]'s, is that the CPU has that instruction set. The
//! callers are the kernel bodies that [`dispatch!`](super::dispatch) compiles inside
//! `#[target_feature]` functions after it checked the CPU; the methods are
//! `#[inline(always)]`, so they are compiled into those functions. Loads and stores slice
//! first, so a short buffer panics instead of reading out of bounds.
#![allow(unsafe_code)]
// A build whose own instruction set reaches a level does not dispatch to it.
#![cfg_attr(target_feature = "avx2", allow(dead_code))]

use core::arch::x86_64::*;

use super::{Bytes, F32s, Isa, TableMix, U16v};

/// AVX2: 32 bytes, 32 `f32` (four registers), 32 `u16` (two registers).
pub(crate) struct Avx2;

impl Isa for Avx2 {
    type Bytes = B32;
    type F32 = F32x32;
    type U16 = W32x2;
    type Mix = MixAvx2;
}

/// AVX-512 F + BW: 64 bytes, 64 `f32` (four registers), 64 `u16` (two registers).
pub(crate) struct Avx512;

impl Isa for Avx512 {
    type Bytes = B64;
    type F32 = F32x64;
    type U16 = W64;
    type Mix = MixAvx512;
}

/// 32 bytes in one AVX2 register.
#[derive(Clone, Copy)]
pub(crate) struct B32(__m256i);

impl Bytes for B32 {
    const LANES: usize = 32;
    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: AVX2 is present (the method's contract); no memory is touched.
        B32(unsafe { _mm256_setzero_si256() })
    }
    #[inline(always)]
    unsafe fn splat(v: u8) -> Self {
        // SAFETY: AVX is present.
        B32(unsafe { _mm256_set1_epi8(v as i8) })
    }
    #[inline(always)]
    unsafe fn load(s: &[u8]) -> Self {
        let s = &s[..32];
        // SAFETY: AVX2 is present; `s` holds the 32 bytes read (unaligned load).
        B32(unsafe { _mm256_loadu_si256(s.as_ptr().cast()) })
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [u8]) {
        let d = &mut d[..32];
        // SAFETY: AVX2 is present; `d` holds the 32 bytes written.
        unsafe { _mm256_storeu_si256(d.as_mut_ptr().cast(), self.0) }
    }
    #[inline(always)]
    unsafe fn min(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        B32(unsafe { _mm256_min_epu8(self.0, o.0) })
    }
    #[inline(always)]
    unsafe fn max(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        B32(unsafe { _mm256_max_epu8(self.0, o.0) })
    }
    #[inline(always)]
    unsafe fn le_mask(self, t: Self) -> Self {
        // SAFETY: AVX2 is present. `v ≤ t` exactly when `min(v, t) = v`.
        B32(unsafe { _mm256_cmpeq_epi8(_mm256_min_epu8(self.0, t.0), self.0) })
    }
    #[inline(always)]
    unsafe fn xor(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        B32(unsafe { _mm256_xor_si256(self.0, o.0) })
    }
    #[inline(always)]
    unsafe fn mean2x2(r0: &[u8], r1: &[u8]) -> Self {
        let (r0, r1) = (&r0[..64], &r1[..64]);
        // SAFETY: AVX2 is present; each row holds the 64 bytes read. `maddubs` with ones
        // sums each horizontal pair into a `u16` lane (at most 510, no saturation); `packus`
        // interleaves per 128-bit half and the permute restores the order.
        B32(unsafe {
            let ones = _mm256_set1_epi8(1);
            let two = _mm256_set1_epi16(2);
            let sums = |p: *const u8| _mm256_maddubs_epi16(_mm256_loadu_si256(p.cast()), ones);
            let lo = _mm256_add_epi16(sums(r0.as_ptr()), sums(r1.as_ptr()));
            let hi = _mm256_add_epi16(sums(r0.as_ptr().add(32)), sums(r1.as_ptr().add(32)));
            let lo = _mm256_srli_epi16::<2>(_mm256_add_epi16(lo, two));
            let hi = _mm256_srli_epi16::<2>(_mm256_add_epi16(hi, two));
            _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(lo, hi))
        })
    }
}

/// 64 bytes in one AVX-512 register.
#[derive(Clone, Copy)]
pub(crate) struct B64(__m512i);

impl Bytes for B64 {
    const LANES: usize = 64;
    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: AVX-512 F is present (the method's contract).
        B64(unsafe { _mm512_setzero_si512() })
    }
    #[inline(always)]
    unsafe fn splat(v: u8) -> Self {
        // SAFETY: AVX-512 F is present.
        B64(unsafe { _mm512_set1_epi8(v as i8) })
    }
    #[inline(always)]
    unsafe fn load(s: &[u8]) -> Self {
        let s = &s[..64];
        // SAFETY: AVX-512 F is present; `s` holds the 64 bytes read.
        B64(unsafe { _mm512_loadu_si512(s.as_ptr().cast()) })
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [u8]) {
        let d = &mut d[..64];
        // SAFETY: AVX-512 F is present; `d` holds the 64 bytes written.
        unsafe { _mm512_storeu_si512(d.as_mut_ptr().cast(), self.0) }
    }
    #[inline(always)]
    unsafe fn min(self, o: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        B64(unsafe { _mm512_min_epu8(self.0, o.0) })
    }
    #[inline(always)]
    unsafe fn max(self, o: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        B64(unsafe { _mm512_max_epu8(self.0, o.0) })
    }
    #[inline(always)]
    unsafe fn le_mask(self, t: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        B64(unsafe { _mm512_movm_epi8(_mm512_cmple_epu8_mask(self.0, t.0)) })
    }
    #[inline(always)]
    unsafe fn xor(self, o: Self) -> Self {
        // SAFETY: AVX-512 F is present.
        B64(unsafe { _mm512_xor_si512(self.0, o.0) })
    }
    #[inline(always)]
    unsafe fn mean2x2(r0: &[u8], r1: &[u8]) -> Self {
        let (r0, r1) = (&r0[..128], &r1[..128]);
        // SAFETY: AVX-512 F/BW are present; each row holds the 128 bytes read. Pair sums as
        // in `B32::mean2x2`; each half is narrowed exactly (lanes at most 255) and the two
        // halves are joined in order.
        B64(unsafe {
            let ones = _mm512_set1_epi8(1);
            let two = _mm512_set1_epi16(2);
            let sums = |p: *const u8| _mm512_maddubs_epi16(_mm512_loadu_si512(p.cast()), ones);
            let lo = _mm512_add_epi16(sums(r0.as_ptr()), sums(r1.as_ptr()));
            let hi = _mm512_add_epi16(sums(r0.as_ptr().add(64)), sums(r1.as_ptr().add(64)));
            let lo = _mm512_cvtepi16_epi8(_mm512_srli_epi16::<2>(_mm512_add_epi16(lo, two)));
            let hi = _mm512_cvtepi16_epi8(_mm512_srli_epi16::<2>(_mm512_add_epi16(hi, two)));
            _mm512_inserti64x4::<1>(_mm512_castsi256_si512(lo), hi)
        })
    }
}

/// 32 `f32` in four AVX registers (independent add chains).
#[derive(Clone, Copy)]
pub(crate) struct F32x32([__m256; 4]);

impl F32s for F32x32 {
    const LANES: usize = 32;
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        // SAFETY: AVX is present (implied by AVX2).
        F32x32([unsafe { _mm256_set1_ps(v) }; 4])
    }
    #[inline(always)]
    unsafe fn load(s: &[f32]) -> Self {
        let s = &s[..32];
        // SAFETY: AVX is present; `s` holds the 32 values read.
        F32x32(core::array::from_fn(|i| unsafe {
            _mm256_loadu_ps(s.as_ptr().add(8 * i))
        }))
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [f32]) {
        let d = &mut d[..32];
        for (i, v) in self.0.iter().enumerate() {
            // SAFETY: AVX is present; `d` holds the 32 values written.
            unsafe { _mm256_storeu_ps(d.as_mut_ptr().add(8 * i), *v) }
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: AVX is present.
        F32x32(core::array::from_fn(|i| unsafe {
            _mm256_add_ps(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: AVX is present.
        F32x32(core::array::from_fn(|i| unsafe {
            _mm256_mul_ps(self.0[i], o.0[i])
        }))
    }
}

/// 64 `f32` in four AVX-512 registers.
#[derive(Clone, Copy)]
pub(crate) struct F32x64([__m512; 4]);

impl F32s for F32x64 {
    const LANES: usize = 64;
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        // SAFETY: AVX-512 F is present.
        F32x64([unsafe { _mm512_set1_ps(v) }; 4])
    }
    #[inline(always)]
    unsafe fn load(s: &[f32]) -> Self {
        let s = &s[..64];
        // SAFETY: AVX-512 F is present; `s` holds the 64 values read.
        F32x64(core::array::from_fn(|i| unsafe {
            _mm512_loadu_ps(s.as_ptr().add(16 * i))
        }))
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [f32]) {
        let d = &mut d[..64];
        for (i, v) in self.0.iter().enumerate() {
            // SAFETY: AVX-512 F is present; `d` holds the 64 values written.
            unsafe { _mm512_storeu_ps(d.as_mut_ptr().add(16 * i), *v) }
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: AVX-512 F is present.
        F32x64(core::array::from_fn(|i| unsafe {
            _mm512_add_ps(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: AVX-512 F is present.
        F32x64(core::array::from_fn(|i| unsafe {
            _mm512_mul_ps(self.0[i], o.0[i])
        }))
    }
}

/// 32 `u16` in two AVX2 registers.
#[derive(Clone, Copy)]
pub(crate) struct W32x2([__m256i; 2]);

impl U16v for W32x2 {
    const LANES: usize = 32;
    #[inline(always)]
    unsafe fn splat(v: u16) -> Self {
        // SAFETY: AVX is present.
        W32x2([unsafe { _mm256_set1_epi16(v as i16) }; 2])
    }
    #[inline(always)]
    unsafe fn load(s: &[u16]) -> Self {
        let s = &s[..32];
        // SAFETY: AVX is present; `s` holds the 32 values read.
        W32x2(core::array::from_fn(|i| unsafe {
            _mm256_loadu_si256(s.as_ptr().add(16 * i).cast())
        }))
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [u16]) {
        let d = &mut d[..32];
        for (i, v) in self.0.iter().enumerate() {
            // SAFETY: AVX is present; `d` holds the 32 values written.
            unsafe { _mm256_storeu_si256(d.as_mut_ptr().add(16 * i).cast(), *v) }
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        W32x2(core::array::from_fn(|i| unsafe {
            _mm256_add_epi16(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    unsafe fn mulhi(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        W32x2(core::array::from_fn(|i| unsafe {
            _mm256_mulhi_epu16(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    unsafe fn store_q8(self, bias: Self, d: &mut [u8]) {
        let d = &mut d[..32];
        // SAFETY: AVX2 is present; `d` holds the 32 bytes written. `packus` interleaves
        // the two registers per 128-bit half; the permute puts the quarters back in order.
        unsafe {
            let lo = _mm256_srli_epi16::<8>(_mm256_add_epi16(self.0[0], bias.0[0]));
            let hi = _mm256_srli_epi16::<8>(_mm256_add_epi16(self.0[1], bias.0[1]));
            let p = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(lo, hi));
            _mm256_storeu_si256(d.as_mut_ptr().cast(), p);
        }
    }
}

/// 64 `u16` in two AVX-512 registers (two independent add chains).
#[derive(Clone, Copy)]
pub(crate) struct W64([__m512i; 2]);

impl U16v for W64 {
    const LANES: usize = 64;
    #[inline(always)]
    unsafe fn splat(v: u16) -> Self {
        // SAFETY: AVX-512 BW is present.
        W64([unsafe { _mm512_set1_epi16(v as i16) }; 2])
    }
    #[inline(always)]
    unsafe fn load(s: &[u16]) -> Self {
        let s = &s[..64];
        // SAFETY: AVX-512 F is present; `s` holds the 64 values read.
        W64(core::array::from_fn(|i| unsafe {
            _mm512_loadu_si512(s.as_ptr().add(32 * i).cast())
        }))
    }
    #[inline(always)]
    unsafe fn store(self, d: &mut [u16]) {
        let d = &mut d[..64];
        for (i, v) in self.0.iter().enumerate() {
            // SAFETY: AVX-512 F is present; `d` holds the 64 values written.
            unsafe { _mm512_storeu_si512(d.as_mut_ptr().add(32 * i).cast(), *v) }
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        W64(core::array::from_fn(|i| unsafe {
            _mm512_add_epi16(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    unsafe fn mulhi(self, o: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        W64(core::array::from_fn(|i| unsafe {
            _mm512_mulhi_epu16(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    unsafe fn store_q8(self, bias: Self, d: &mut [u8]) {
        let d = &mut d[..64];
        for i in 0..2 {
            // SAFETY: AVX-512 BW is present; `d` holds the 64 bytes written. Each lane is at
            // most 255 after the shift, so the truncating narrowing is exact.
            unsafe {
                let v = _mm512_srli_epi16::<8>(_mm512_add_epi16(self.0[i], bias.0[i]));
                _mm256_storeu_si256(d.as_mut_ptr().add(32 * i).cast(), _mm512_cvtepi16_epi8(v));
            }
        }
    }
}

/// The table mix at AVX2: two gathers of eight table entries.
pub(crate) struct MixAvx2;

/// Eight pixels of the mix at AVX2, as `i32`.
///
/// # Safety
/// AVX2 must be present; `src` holds 8 bytes, `xa` and `xa1` 8 values each.
#[inline(always)]
unsafe fn mix8(
    src: &[u8],
    t: &[u32; 256],
    xa: &[f32],
    xa1: &[f32],
    y: __m256,
    y1: __m256,
) -> __m256i {
    let (src, xa, xa1) = (&src[..8], &xa[..8], &xa1[..8]);
    let m = _mm256_set1_epi32(255);
    let idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64(src.as_ptr().cast()));
    // Every index is a byte, and `t` has 256 entries.
    let q = _mm256_i32gather_epi32::<4>(t.as_ptr().cast(), idx);
    let tl = _mm256_cvtepi32_ps(_mm256_and_si256(q, m));
    let tr = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<8>(q), m));
    let bl = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<16>(q), m));
    let br = _mm256_cvtepi32_ps(_mm256_srli_epi32::<24>(q));
    let a = _mm256_loadu_ps(xa.as_ptr());
    let a1 = _mm256_loadu_ps(xa1.as_ptr());
    let top = _mm256_add_ps(_mm256_mul_ps(tl, a1), _mm256_mul_ps(tr, a));
    let bot = _mm256_add_ps(_mm256_mul_ps(bl, a1), _mm256_mul_ps(br, a));
    // Rounded half to even (the default rounding mode).
    _mm256_cvtps_epi32(_mm256_add_ps(_mm256_mul_ps(top, y1), _mm256_mul_ps(bot, y)))
}

impl TableMix for MixAvx2 {
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
        let (out, src, xa, xa1) = (&mut out[..16], &src[..16], &xa[..16], &xa1[..16]);
        // SAFETY: AVX2 is present (the method's contract); the slices hold what `mix8` reads and the 16
        // bytes stored.
        unsafe {
            let (y, y1) = (_mm256_set1_ps(ya), _mm256_set1_ps(ya1));
            let r0 = mix8(src, t, xa, xa1, y, y1);
            let r1 = mix8(&src[8..], t, &xa[8..], &xa1[8..], y, y1);
            // Saturating packs to u16 then u8 (the pack works within 128-bit halves).
            let p = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi32(r0, r1));
            let b = _mm_packus_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256::<1>(p));
            _mm_storeu_si128(out.as_mut_ptr().cast(), b);
        }
    }
}

/// The table mix at AVX-512: two gathers of sixteen table entries.
pub(crate) struct MixAvx512;

impl TableMix for MixAvx512 {
    const LANES: usize = 32;
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
        let (out, src, xa, xa1) = (&mut out[..32], &src[..32], &xa[..32], &xa1[..32]);
        // SAFETY: AVX-512 F is present (the method's contract); every index is a byte and `t` has 256
        // entries; the slices hold the 32 values read and the 32 bytes stored.
        unsafe {
            let m = _mm512_set1_epi32(255);
            let (y, y1) = (_mm512_set1_ps(ya), _mm512_set1_ps(ya1));
            for h in 0..2 {
                let idx = _mm512_cvtepu8_epi32(_mm_loadu_si128(src.as_ptr().add(16 * h).cast()));
                let q = _mm512_i32gather_epi32::<4>(idx, t.as_ptr().cast());
                let tl = _mm512_cvtepi32_ps(_mm512_and_si512(q, m));
                let tr = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32::<8>(q), m));
                let bl = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32::<16>(q), m));
                let br = _mm512_cvtepi32_ps(_mm512_srli_epi32::<24>(q));
                let a = _mm512_loadu_ps(xa.as_ptr().add(16 * h));
                let a1 = _mm512_loadu_ps(xa1.as_ptr().add(16 * h));
                let top = _mm512_add_ps(_mm512_mul_ps(tl, a1), _mm512_mul_ps(tr, a));
                let bot = _mm512_add_ps(_mm512_mul_ps(bl, a1), _mm512_mul_ps(br, a));
                // Rounded half to even (the default rounding mode), then saturated to bytes.
                let r = _mm512_cvtps_epi32(_mm512_add_ps(
                    _mm512_mul_ps(top, y1),
                    _mm512_mul_ps(bot, y),
                ));
                _mm_storeu_si128(
                    out.as_mut_ptr().add(16 * h).cast(),
                    _mm512_cvtusepi32_epi8(r),
                );
            }
        }
    }
}
