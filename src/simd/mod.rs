//! SIMD kernels (crate `wide`, and `core::arch` for AVX2/AVX-512), each with a plain scalar
//! twin that is its specification.
//!
//! Every kernel is one folder: `mod.rs` holds the safe public function, which takes a
//! [`Kernels`] and runs either `scalar.rs` (the reference loops) or `vector.rs` (the vector
//! body, generic over an instruction set (`simd/isa`) and dispatched at run time to the level asked for; tails
//! handled by the scalar code), and a proptest that every level this CPU has agrees with the
//! scalar twin bit for bit on random sizes and data. `unsafe` code lives in `isa` and the
//! `vector.rs` files only; the rest of the crate denies it.
//!
//! `wide` chooses its instruction set when the crate is compiled: SSE2 on a default x86-64
//! build, AVX2 with `-C target-cpu=x86-64-v3` (or `native`), NEON on aarch64. That is the
//! [`Kernels::Baseline`] level; [`Kernels::Avx2`] and [`Kernels::Avx512`] are compiled with
//! `#[target_feature]` and chosen when the CPU has them. [`instruction_set`] says which one
//! runs, so every benchmark figure can name it.

pub(crate) mod area;
pub(crate) mod band;
pub mod gaussian;
pub(crate) mod isa;
mod kernels;
mod lanes;
pub mod median;
pub mod minmax;
pub mod resize;
pub(crate) mod table_mix;
#[cfg(test)]
mod test_planes;
pub mod threshold;

pub use kernels::Kernels;

/// The instruction set `wide` was compiled for in this build (e.g. `"sse2"`, `"avx2"`): what
/// [`Kernels::Baseline`] runs.
pub fn build_instruction_set() -> &'static str {
    if cfg!(target_feature = "avx512bw") {
        "avx512"
    } else if cfg!(target_feature = "avx2") {
        "avx2"
    } else if cfg!(target_feature = "sse4.1") {
        "sse4.1"
    } else if cfg!(target_feature = "sse2") {
        "sse2"
    } else if cfg!(target_feature = "neon") {
        "neon"
    } else if cfg!(target_feature = "simd128") {
        "wasm-simd128"
    } else {
        "scalar-emulation"
    }
}

/// The instruction set the engine's kernels run at in this process ([`Kernels::active`]):
/// the run-time level when it is above the build's own, e.g. `"avx512 (run-time; build
/// sse2)"`, else the build's (`"sse2"`), or `"scalar"`. Every benchmark figure names it.
pub fn instruction_set() -> String {
    let build = build_instruction_set();
    match Kernels::active() {
        Kernels::Scalar => "scalar".to_string(),
        Kernels::Baseline => build.to_string(),
        l if l.name() == build => build.to_string(),
        l => format!("{} (run-time; build {build})", l.name()),
    }
}

/// Round half to even (what OpenCV's `cvRound` does), inline: adding and removing 2²³ leaves
/// a float in `0 ≤ v < 2²³` rounded to an integer in the default rounding mode. Other values
/// (never met by CLAHE: its table entries are at most 65535) fall back to `round_ties_even`.
#[inline(always)]
pub(crate) fn round_even(v: f32) -> f32 {
    const BIG: f32 = 8_388_608.0;
    if (0.0..BIG).contains(&v) {
        (v + BIG) - BIG
    } else {
        v.round_ties_even()
    }
}

/// Index `i` reflected into `0..n` without repeating the edge pixel (OpenCV's
/// `BORDER_REFLECT_101`: `…2 1 | 0 1 2 … n-1 | n-2 …`). `n` must be at least 1.
#[inline]
pub(crate) fn reflect101(mut i: isize, n: usize) -> usize {
    let n = n as isize;
    if n == 1 {
        return 0;
    }
    loop {
        if i < 0 {
            i = -i;
        } else if i >= n {
            i = 2 * n - 2 - i;
        } else {
            return i as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reflect101;

    #[test]
    fn reflect101_matches_opencv() {
        let got: Vec<usize> = (-3..8).map(|i| reflect101(i, 5)).collect();
        assert_eq!(got, vec![3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1]);
        assert_eq!(reflect101(-4, 1), 0);
        assert_eq!(reflect101(3, 2), 1);
    }
}
