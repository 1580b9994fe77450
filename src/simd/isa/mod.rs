//! Runtime dispatch: one binary that runs the vector kernels at the widest instruction set the
//! CPU has.
//!
//! `wide` fixes its instruction set when the crate is compiled (SSE2 on a default x86-64
//! build), so the kernels are written once, generic over an `Isa` (which vector types to
//! use), and instantiated three times:
//!
//! * `Baseline`: `wide`'s types at the build's instruction set (SSE2, or NEON on aarch64,
//!   or whatever `-C target-cpu` gave); runs everywhere the binary runs.
//! * `Avx2` (x86-64 only): 256-bit `core::arch` types, in functions compiled with
//!   `#[target_feature(enable = "avx2")]`.
//! * `Avx512` (x86-64 only): 512-bit types, `avx512f` + `avx512bw`.
//!
//! [`level`] picks one at the first call from what the CPU reports
//! (`is_x86_feature_detected!`), capped by the environment variable `LUNGFIELD_SIMD`
//! (`baseline`, `avx2` or `avx512`) for comparisons. Every instantiation performs the same
//! operations in the same order per lane (min/max, integer adds and shifts, `f32` multiplies
//! and adds, never fused), so the results are bit-identical whichever runs: the proptests
//! check each available level against the scalar twin.
//!
//! The `core::arch` types may only be created inside the `#[target_feature]` functions that
//! `dispatch!` generates, which run only after detection: that
//! is the safety argument for their `unsafe` blocks.

mod baseline;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::sync::OnceLock;

pub(crate) use baseline::Baseline;
#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{Avx2, Avx512};

/// A run-time instruction-set level for the vector kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `wide` at the build's own instruction set.
    Baseline,
    /// AVX2 (256-bit) through `core::arch`.
    Avx2,
    /// AVX-512 F + BW (512-bit) through `core::arch`.
    Avx512,
}

impl Level {
    /// Lower-case name, as accepted by `LUNGFIELD_SIMD`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// Parses a `LUNGFIELD_SIMD` value.
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "baseline" | "sse2" | "neon" | "none" => Some(Level::Baseline),
            "avx2" | "x86-64-v3" => Some(Level::Avx2),
            "avx512" | "avx-512" | "x86-64-v4" => Some(Level::Avx512),
            _ => None,
        }
    }
}

/// The levels this CPU can run, lowest first (always starts with [`Level::Baseline`]).
pub fn available() -> &'static [Level] {
    static LEVELS: OnceLock<Vec<Level>> = OnceLock::new();
    LEVELS.get_or_init(|| {
        let v = vec![Level::Baseline];
        #[cfg(target_arch = "x86_64")]
        let v = {
            let mut v = v;
            if std::arch::is_x86_feature_detected!("avx2") {
                v.push(Level::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
            {
                v.push(Level::Avx512);
            }
            v
        };
        v
    })
}

/// Whether kernels asked to run at `level` may use `l`: `l` is at most `level` and this CPU
/// has it (the dispatch falls back to the best level below otherwise). Only x86-64 has
/// levels above the baseline.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) fn reaches(level: Level, l: Level) -> bool {
    level >= l && available().contains(&l)
}

/// The level the kernels run at: the highest [`available`] one, capped by `LUNGFIELD_SIMD`
/// when it is set (an unknown value is ignored). Decided once per process.
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let best = available().iter().copied().max().unwrap_or(Level::Baseline);
        match std::env::var("LUNGFIELD_SIMD")
            .ok()
            .and_then(|s| Level::parse(&s))
        {
            Some(cap) => best.min(cap),
            None => best,
        }
    })
}

/// A one-line warning when `LUNGFIELD_SIMD` is set to something [`Level::parse`] does not
/// accept (it is then ignored and the kernels run at the CPU's widest level), else `None`.
pub fn env_warning() -> Option<String> {
    let v = std::env::var_os("LUNGFIELD_SIMD")?;
    match v.to_str().and_then(Level::parse) {
        Some(_) => None,
        None => Some(format!(
            "LUNGFIELD_SIMD={} is not one of baseline, avx2, avx512: ignored, the kernels run at {}",
            v.to_string_lossy(),
            available().iter().copied().max().unwrap_or(Level::Baseline).name()
        )),
    }
}

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
    fn zero() -> Self;
    /// Every lane `v`.
    fn splat(v: u8) -> Self;
    /// The first [`Self::LANES`] bytes of `s` (panics when `s` is shorter).
    fn load(s: &[u8]) -> Self;
    /// Writes the lanes to the first [`Self::LANES`] bytes of `d`.
    fn store(self, d: &mut [u8]);
    /// Lane-wise unsigned minimum.
    fn min(self, o: Self) -> Self;
    /// Lane-wise unsigned maximum.
    fn max(self, o: Self) -> Self;
    /// 0xFF where `self ≤ t` (unsigned), else 0.
    fn le_mask(self, t: Self) -> Self;
    /// Lane-wise exclusive or.
    fn xor(self, o: Self) -> Self;
    /// Lane `i` is `(r0[2i] + r0[2i+1] + r1[2i] + r1[2i+1] + 2) >> 2`: the rounded means of
    /// the 2×2 blocks of two rows (each at least `2 · LANES` long).
    fn mean2x2(r0: &[u8], r1: &[u8]) -> Self;
}

/// A vector of `f32`: the operations of the `f32` Gaussian.
pub(crate) trait F32s: Copy {
    /// Lanes.
    const LANES: usize;
    /// Every lane `v`.
    fn splat(v: f32) -> Self;
    /// The first [`Self::LANES`] values of `s`.
    fn load(s: &[f32]) -> Self;
    /// Writes the lanes to the first [`Self::LANES`] values of `d`.
    fn store(self, d: &mut [f32]);
    /// Lane-wise `self + o` (IEEE, rounded).
    fn add(self, o: Self) -> Self;
    /// Lane-wise `self · o` (IEEE, rounded; never fused with an add).
    fn mul(self, o: Self) -> Self;
}

/// A vector of `u16`: the operations of the fixed-point `u8` Gaussian.
pub(crate) trait U16v: Copy {
    /// Lanes (32 or 64).
    const LANES: usize;
    /// Every lane `v`.
    fn splat(v: u16) -> Self;
    /// The first [`Self::LANES`] values of `s`.
    fn load(s: &[u16]) -> Self;
    /// Writes the lanes to the first [`Self::LANES`] values of `d`.
    fn store(self, d: &mut [u16]);
    /// Lane-wise wrapping add.
    fn add(self, o: Self) -> Self;
    /// Lane-wise `(self · o) >> 16`.
    fn mulhi(self, o: Self) -> Self;
    /// Writes `(lane + bias) >> 8` of every lane to the first [`Self::LANES`] bytes of `d`
    /// (the caller guarantees each result is at most 255).
    fn store_q8(self, bias: Self, d: &mut [u8]);
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
    fn mix(out: &mut [u8], src: &[u8], t: &[u32; 256], xa: &[f32], xa1: &[f32], ya: f32, ya1: f32);
}

/// Defines `pub(super) fn $name(args) -> R` that runs `$kernel::<I>(args)` with `I` the
/// [`level`]'s [`Isa`]: the `Avx2` and `Avx512` instantiations are compiled inside
/// `#[target_feature]` functions, so the generic, `#[inline(always)]` kernel body and its
/// `core::arch` calls are compiled for that instruction set. A build whose own instruction
/// set already reaches a level does not dispatch to it.
macro_rules! dispatch {
    ($(#[$m:meta])* fn $name:ident($($a:ident: $t:ty),* $(,)?) -> $r:ty = $kernel:ident) => {
        $(#[$m])*
        pub(super) fn $name($($a: $t),*) -> $r {
            $name::at($crate::simd::isa::level(), $($a),*)
        }

        /// The kernel at a given level (for the tests that compare levels); a level this
        /// CPU does not have falls back to the best one below it that it has.
        pub(super) mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::simd::isa::{Baseline, Level};

            #[allow(unused_variables)]
            pub(crate) fn at(level: Level, $($a: $t),*) -> $r {
                #[cfg(all(target_arch = "x86_64", not(target_feature = "avx512bw")))]
                {
                    #[target_feature(enable = "avx512f,avx512bw,avx2")]
                    fn run($($a: $t),*) -> $r {
                        $kernel::<$crate::simd::isa::Avx512>($($a),*)
                    }
                    if $crate::simd::isa::reaches(level, Level::Avx512) {
                        // SAFETY: the CPU has AVX-512 F and BW (checked above).
                        return unsafe { run($($a),*) };
                    }
                }
                #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
                {
                    #[target_feature(enable = "avx2")]
                    fn run($($a: $t),*) -> $r {
                        $kernel::<$crate::simd::isa::Avx2>($($a),*)
                    }
                    if $crate::simd::isa::reaches(level, Level::Avx2) {
                        // SAFETY: the CPU has AVX2 (checked above).
                        return unsafe { run($($a),*) };
                    }
                }
                $kernel::<Baseline>($($a),*)
            }
        }
    };
}
pub(crate) use dispatch;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_order() {
        assert_eq!(Level::parse(" AVX2 "), Some(Level::Avx2));
        assert_eq!(Level::parse("x86-64-v4"), Some(Level::Avx512));
        assert_eq!(Level::parse("sse2"), Some(Level::Baseline));
        assert_eq!(Level::parse("avx3000"), None);
        assert!(Level::Baseline < Level::Avx2 && Level::Avx2 < Level::Avx512);
        for l in [Level::Baseline, Level::Avx2, Level::Avx512] {
            assert_eq!(Level::parse(l.name()), Some(l));
        }
    }

    #[test]
    fn the_level_is_one_this_cpu_has() {
        let a = available();
        assert_eq!(a.first(), Some(&Level::Baseline));
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.contains(&level()));
    }
}
