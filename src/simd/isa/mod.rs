//! Run-time dispatch: the vector kernels written once, generic over an [`Isa`] (which vector
//! types to use), and instantiated for every [`Kernels`](super::Kernels) level above the
//! scalar twin:
//!
//! * `Baseline`: `wide`'s types at the build's instruction set (SSE2, or NEON on aarch64,
//!   or whatever `-C target-cpu` gave); runs everywhere the binary runs.
//! * `Avx2` (x86-64 only): 256-bit `core::arch` types, in functions compiled with
//!   `#[target_feature(enable = "avx2")]`.
//! * `Avx512` (x86-64 only): 512-bit types, `avx512f` + `avx512bw`.
//!
//! Every instantiation performs the same operations in the same order per lane (min/max,
//! integer adds and shifts, `f32` multiplies and adds, never fused), so the results are
//! bit-identical whichever runs: the proptests check each available level against the
//! scalar twin.
//!
//! Safety: every method of the vector traits is an `unsafe fn` whose contract is "the CPU has
//! this `Isa`'s instruction set", and so is every kernel body generic over an `Isa`. The
//! only callers are the `unsafe fn`s with `#[target_feature]` that [`dispatch!`] generates,
//! which it calls after [`Kernels::reaches`](super::Kernels) checked the CPU, and the
//! `Baseline` instantiation, whose instruction set is the build's own.
#![allow(unsafe_code)]

mod baseline;
#[cfg(target_arch = "x86_64")]
mod x86;

pub(crate) use baseline::Baseline;
// A build whose own instruction set reaches a level does not dispatch to it.
#[cfg(target_arch = "x86_64")]
#[cfg_attr(target_feature = "avx2", allow(unused_imports))]
pub(crate) use x86::{Avx2, Avx512};

/// The vector types one instantiation of the kernels uses.
pub(crate) trait Isa {
    /// Bytes, as many as fit one register of this level (16, 32 or 64).
    type Bytes: Bytes;
    /// `f32` lanes; as many registers as keep the add chains of the Gaussian busy.
    type F32: F32s;
    /// `u16` lanes (32, or 64 in two AVX-512 registers).
    type U16: U16v;
    /// CLAHE's table mix, a vector of pixels at a time.
    type Mix: TableMix;
}

/// A vector of bytes: the operations of the min/max kernels.
pub(crate) trait Bytes: Copy {
    /// Lanes.
    const LANES: usize;
    /// All zero.
    unsafe fn zero() -> Self;
    /// Every lane `v`.
    unsafe fn splat(v: u8) -> Self;
    /// The first [`Self::LANES`] bytes of `s` (panics when `s` is shorter).
    unsafe fn load(s: &[u8]) -> Self;
    /// Writes the lanes to the first [`Self::LANES`] bytes of `d`.
    unsafe fn store(self, d: &mut [u8]);
    /// Lane-wise unsigned minimum.
    unsafe fn min(self, o: Self) -> Self;
    /// Lane-wise unsigned maximum.
    unsafe fn max(self, o: Self) -> Self;
    /// 0xFF where `self ≤ t` (unsigned), else 0.
    unsafe fn le_mask(self, t: Self) -> Self;
    /// Lane-wise exclusive or.
    unsafe fn xor(self, o: Self) -> Self;
    /// Lane `i` is `(r0[2i] + r0[2i+1] + r1[2i] + r1[2i+1] + 2) >> 2`: the rounded means of
    /// the 2×2 blocks of two rows (each at least `2 · LANES` long).
    unsafe fn mean2x2(r0: &[u8], r1: &[u8]) -> Self;
}

/// A vector of `f32`: the operations of the `f32` Gaussian.
pub(crate) trait F32s: Copy {
    /// Lanes.
    const LANES: usize;
    /// Every lane `v`.
    unsafe fn splat(v: f32) -> Self;
    /// The first [`Self::LANES`] values of `s`.
    unsafe fn load(s: &[f32]) -> Self;
    /// Writes the lanes to the first [`Self::LANES`] values of `d`.
    unsafe fn store(self, d: &mut [f32]);
    /// Lane-wise `self + o` (IEEE, rounded).
    unsafe fn add(self, o: Self) -> Self;
    /// Lane-wise `self · o` (IEEE, rounded; never fused with an add).
    unsafe fn mul(self, o: Self) -> Self;
}

/// A vector of `u16`: the operations of the fixed-point `u8` Gaussian.
pub(crate) trait U16v: Copy {
    /// Lanes (32 or 64).
    const LANES: usize;
    /// Every lane `v`.
    unsafe fn splat(v: u16) -> Self;
    /// The first [`Self::LANES`] values of `s`.
    unsafe fn load(s: &[u16]) -> Self;
    /// Writes the lanes to the first [`Self::LANES`] values of `d`.
    unsafe fn store(self, d: &mut [u16]);
    /// Lane-wise wrapping add.
    unsafe fn add(self, o: Self) -> Self;
    /// Lane-wise `(self · o) >> 16`.
    unsafe fn mulhi(self, o: Self) -> Self;
    /// Writes `(lane + bias) >> 8` of every lane to the first [`Self::LANES`] bytes of `d`
    /// (the caller guarantees each result is at most 255).
    unsafe fn store_q8(self, bias: Self, d: &mut [u8]);
}

/// CLAHE's bilinear mix of four byte tables (see `simd::table_mix`), [`Self::LANES`] pixels
/// at a time.
pub(crate) trait TableMix {
    /// Pixels per call.
    const LANES: usize;
    /// For `i < LANES`: `q = t[src[i]]`, its bytes low first as `f32` `tl, tr, bl, br`, and
    /// `out[i] = round((tl·xa1[i] + tr·xa[i])·ya1 + (bl·xa1[i] + br·xa[i])·ya)`, rounded half
    /// to even and saturated to a byte (each product and sum rounded to `f32`, never fused).
    /// Panics when a slice is shorter than `LANES`.
    unsafe fn mix(
        out: &mut [u8],
        src: &[u8],
        t: &[u32; 256],
        xa: &[f32],
        xa1: &[f32],
        ya: f32,
        ya1: f32,
    );
}

/// Defines `pub(super) fn $name(kernels: Kernels, args) -> R` that runs
/// `$kernel::<I>(args)` with `I` the [`Isa`] of `kernels`, or of the best level below it
/// that this CPU has (`Kernels::Scalar` runs the baseline: the scalar twins are called by
/// each kernel's `mod.rs`, not from here). The `Avx2` and `Avx512` instantiations are
/// compiled inside `unsafe fn`s with `#[target_feature]`, so the generic, `#[inline(always)]`
/// kernel body and its `core::arch` calls are compiled for that instruction set. A build
/// whose own instruction set already reaches a level does not dispatch to it.
macro_rules! dispatch {
    ($(#[$m:meta])* fn $name:ident($($a:ident: $t:ty),* $(,)?) -> $r:ty = $kernel:ident) => {
        $(#[$m])*
        #[allow(unused_variables)]
        pub(super) fn $name(kernels: $crate::simd::Kernels, $($a: $t),*) -> $r {
            #[cfg(all(target_arch = "x86_64", not(target_feature = "avx512bw")))]
            {
                /// # Safety
                /// The CPU has AVX-512 F and BW.
                #[target_feature(enable = "avx512f,avx512bw,avx2")]
                unsafe fn run($($a: $t),*) -> $r {
                    // SAFETY: the caller's contract is the kernel's.
                    unsafe { $kernel::<$crate::simd::isa::Avx512>($($a),*) }
                }
                if kernels.reaches($crate::simd::Kernels::Avx512) {
                    // SAFETY: the CPU has AVX-512 F and BW (checked above).
                    return unsafe { run($($a),*) };
                }
            }
            #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
            {
                /// # Safety
                /// The CPU has AVX2.
                #[target_feature(enable = "avx2")]
                unsafe fn run($($a: $t),*) -> $r {
                    // SAFETY: the caller's contract is the kernel's.
                    unsafe { $kernel::<$crate::simd::isa::Avx2>($($a),*) }
                }
                if kernels.reaches($crate::simd::Kernels::Avx2) {
                    // SAFETY: the CPU has AVX2 (checked above).
                    return unsafe { run($($a),*) };
                }
            }
            // SAFETY: the baseline is the build's own instruction set.
            unsafe { $kernel::<$crate::simd::isa::Baseline>($($a),*) }
        }
    };
}
pub(crate) use dispatch;
