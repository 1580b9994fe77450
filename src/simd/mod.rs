//! SIMD kernels (crate `wide`), each with a plain scalar twin that is its specification.
//!
//! Every kernel is one folder: `mod.rs` holds the safe public function that matches on a
//! [`Backend`], `scalar.rs` the reference loops, `wide.rs` the vector body (tails handled by
//! the scalar code), and a proptest that the two agree bit for bit on random sizes and data.
//!
//! `wide` chooses its instruction set when the crate is compiled: SSE2 on a default x86-64
//! build, AVX2 with `-C target-cpu=x86-64-v3` (or `native`), NEON on aarch64. The hot kernels
//! (Gaussians, medians, the erosion/dilation row combine) are also dispatched at run time to
//! AVX2 or AVX-512 when the CPU has them ([`isa`]); [`instruction_set`] says which one runs,
//! so every benchmark figure can name it.

pub(crate) mod band;
pub mod gaussian;
pub mod isa;
mod lanes;
pub mod median;
pub mod minmax;
pub mod resize;
pub(crate) mod table_mix;
#[cfg(test)]
mod test_planes;
pub mod threshold;

/// Which implementation of a kernel to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Backend {
    /// Plain loops: the reference, on every platform.
    Scalar,
    /// `wide` vectors (the default).
    #[default]
    Wide,
}

impl Backend {
    /// Both backends, for tests and benchmarks that compare them.
    pub const ALL: [Backend; 2] = [Backend::Scalar, Backend::Wide];

    /// Short name used in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Wide => "wide",
        }
    }
}

/// The instruction set `wide` was compiled for in this build (e.g. `"sse2"`, `"avx2"`): the
/// [`isa::Level::Baseline`] the kernels fall back to.
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

/// The instruction set the vector kernels run at in this process: the run-time
/// [`isa::level`] when it is above the build's own, e.g. `"avx512 (run-time; build sse2)"`,
/// else the build's (`"sse2"`). Every benchmark figure names it.
pub fn instruction_set() -> String {
    let build = build_instruction_set();
    match isa::level() {
        isa::Level::Baseline => build.to_string(),
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
