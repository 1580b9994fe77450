//! [`Avx2`] and [`Avx512`]: the kernels' vector types on `core::arch` registers, for the
//! x86-64 CPUs that have them while the build's baseline does not.
//!
//! Safety: every method executes an AVX2 (or AVX-512 F/BW) instruction, so these types are
//! only ever created inside the `#[target_feature]` functions that
//! [`dispatch!`](super::dispatch) runs after `is_x86_feature_detected!` said the CPU has the
//! feature; the methods are `#[inline(always)]`, so they are compiled into those functions.
//! Loads and stores slice first, so a short buffer panics instead of reading out of bounds.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::{Bytes, F32s, Isa, U16v};

/// AVX2: 32 bytes, 32 `f32` (four registers), 32 `u16` (two registers).
pub(crate) struct Avx2;

impl Isa for Avx2 {
    type Bytes = B32;
    type F32 = F32x32;
    type U16 = W32x2;
}

/// AVX-512 F + BW: 64 bytes, 64 `f32` (four registers), 64 `u16` (two registers).
pub(crate) struct Avx512;

impl Isa for Avx512 {
    type Bytes = B64;
    type F32 = F32x64;
    type U16 = W64;
}

/// 32 bytes in one AVX2 register.
#[derive(Clone, Copy)]
pub(crate) struct B32(__m256i);

impl Bytes for B32 {
    const LANES: usize = 32;
    #[inline(always)]
    fn zero() -> Self {
        // SAFETY: AVX2 is present (module doc); no memory is touched.
        B32(unsafe { _mm256_setzero_si256() })
    }
    #[inline(always)]
    fn splat(v: u8) -> Self {
        // SAFETY: AVX is present.
        B32(unsafe { _mm256_set1_epi8(v as i8) })
    }
    #[inline(always)]
    fn load(s: &[u8]) -> Self {
        let s = &s[..32];
        // SAFETY: AVX2 is present; `s` holds the 32 bytes read (unaligned load).
        B32(unsafe { _mm256_loadu_si256(s.as_ptr().cast()) })
    }
    #[inline(always)]
    fn store(self, d: &mut [u8]) {
        let d = &mut d[..32];
        // SAFETY: AVX2 is present; `d` holds the 32 bytes written.
        unsafe { _mm256_storeu_si256(d.as_mut_ptr().cast(), self.0) }
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        B32(unsafe { _mm256_min_epu8(self.0, o.0) })
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        B32(unsafe { _mm256_max_epu8(self.0, o.0) })
    }
    #[inline(always)]
    fn le_mask(self, t: Self) -> Self {
        // SAFETY: AVX2 is present. `v ≤ t` exactly when `min(v, t) = v`.
        B32(unsafe { _mm256_cmpeq_epi8(_mm256_min_epu8(self.0, t.0), self.0) })
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        B32(unsafe { _mm256_xor_si256(self.0, o.0) })
    }
    #[inline(always)]
    fn mean2x2(r0: &[u8], r1: &[u8]) -> Self {
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
    fn zero() -> Self {
        // SAFETY: AVX-512 F is present (module doc).
        B64(unsafe { _mm512_setzero_si512() })
    }
    #[inline(always)]
    fn splat(v: u8) -> Self {
        // SAFETY: AVX-512 F is present.
        B64(unsafe { _mm512_set1_epi8(v as i8) })
    }
    #[inline(always)]
    fn load(s: &[u8]) -> Self {
        let s = &s[..64];
        // SAFETY: AVX-512 F is present; `s` holds the 64 bytes read.
        B64(unsafe { _mm512_loadu_si512(s.as_ptr().cast()) })
    }
    #[inline(always)]
    fn store(self, d: &mut [u8]) {
        let d = &mut d[..64];
        // SAFETY: AVX-512 F is present; `d` holds the 64 bytes written.
        unsafe { _mm512_storeu_si512(d.as_mut_ptr().cast(), self.0) }
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        B64(unsafe { _mm512_min_epu8(self.0, o.0) })
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        B64(unsafe { _mm512_max_epu8(self.0, o.0) })
    }
    #[inline(always)]
    fn le_mask(self, t: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        B64(unsafe { _mm512_movm_epi8(_mm512_cmple_epu8_mask(self.0, t.0)) })
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        // SAFETY: AVX-512 F is present.
        B64(unsafe { _mm512_xor_si512(self.0, o.0) })
    }
    #[inline(always)]
    fn mean2x2(r0: &[u8], r1: &[u8]) -> Self {
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
    fn splat(v: f32) -> Self {
        // SAFETY: AVX is present (implied by AVX2).
        F32x32([unsafe { _mm256_set1_ps(v) }; 4])
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        let s = &s[..32];
        // SAFETY: AVX is present; `s` holds the 32 values read.
        F32x32(core::array::from_fn(|i| unsafe {
            _mm256_loadu_ps(s.as_ptr().add(8 * i))
        }))
    }
    #[inline(always)]
    fn store(self, d: &mut [f32]) {
        let d = &mut d[..32];
        for (i, v) in self.0.iter().enumerate() {
            // SAFETY: AVX is present; `d` holds the 32 values written.
            unsafe { _mm256_storeu_ps(d.as_mut_ptr().add(8 * i), *v) }
        }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: AVX is present.
        F32x32(core::array::from_fn(|i| unsafe {
            _mm256_add_ps(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
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
    fn splat(v: f32) -> Self {
        // SAFETY: AVX-512 F is present.
        F32x64([unsafe { _mm512_set1_ps(v) }; 4])
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        let s = &s[..64];
        // SAFETY: AVX-512 F is present; `s` holds the 64 values read.
        F32x64(core::array::from_fn(|i| unsafe {
            _mm512_loadu_ps(s.as_ptr().add(16 * i))
        }))
    }
    #[inline(always)]
    fn store(self, d: &mut [f32]) {
        let d = &mut d[..64];
        for (i, v) in self.0.iter().enumerate() {
            // SAFETY: AVX-512 F is present; `d` holds the 64 values written.
            unsafe { _mm512_storeu_ps(d.as_mut_ptr().add(16 * i), *v) }
        }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: AVX-512 F is present.
        F32x64(core::array::from_fn(|i| unsafe {
            _mm512_add_ps(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
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
    fn splat(v: u16) -> Self {
        // SAFETY: AVX is present.
        W32x2([unsafe { _mm256_set1_epi16(v as i16) }; 2])
    }
    #[inline(always)]
    fn load(s: &[u16]) -> Self {
        let s = &s[..32];
        // SAFETY: AVX is present; `s` holds the 32 values read.
        W32x2(core::array::from_fn(|i| unsafe {
            _mm256_loadu_si256(s.as_ptr().add(16 * i).cast())
        }))
    }
    #[inline(always)]
    fn store(self, d: &mut [u16]) {
        let d = &mut d[..32];
        for (i, v) in self.0.iter().enumerate() {
            // SAFETY: AVX is present; `d` holds the 32 values written.
            unsafe { _mm256_storeu_si256(d.as_mut_ptr().add(16 * i).cast(), *v) }
        }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        W32x2(core::array::from_fn(|i| unsafe {
            _mm256_add_epi16(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    fn mulhi(self, o: Self) -> Self {
        // SAFETY: AVX2 is present.
        W32x2(core::array::from_fn(|i| unsafe {
            _mm256_mulhi_epu16(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    fn store_q8(self, bias: Self, d: &mut [u8]) {
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
    fn splat(v: u16) -> Self {
        // SAFETY: AVX-512 BW is present.
        W64([unsafe { _mm512_set1_epi16(v as i16) }; 2])
    }
    #[inline(always)]
    fn load(s: &[u16]) -> Self {
        let s = &s[..64];
        // SAFETY: AVX-512 F is present; `s` holds the 64 values read.
        W64(core::array::from_fn(|i| unsafe {
            _mm512_loadu_si512(s.as_ptr().add(32 * i).cast())
        }))
    }
    #[inline(always)]
    fn store(self, d: &mut [u16]) {
        let d = &mut d[..64];
        for (i, v) in self.0.iter().enumerate() {
            // SAFETY: AVX-512 F is present; `d` holds the 64 values written.
            unsafe { _mm512_storeu_si512(d.as_mut_ptr().add(32 * i).cast(), *v) }
        }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        W64(core::array::from_fn(|i| unsafe {
            _mm512_add_epi16(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    fn mulhi(self, o: Self) -> Self {
        // SAFETY: AVX-512 BW is present.
        W64(core::array::from_fn(|i| unsafe {
            _mm512_mulhi_epu16(self.0[i], o.0[i])
        }))
    }
    #[inline(always)]
    fn store_q8(self, bias: Self, d: &mut [u8]) {
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
