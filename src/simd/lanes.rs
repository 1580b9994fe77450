//! The widest `u8` vector this build's instruction set has, for the byte kernels whose
//! working set fits in registers at any width (min/max networks, compares): `u8x64` with
//! AVX-512BW, `u8x32` with AVX2, `u8x16` otherwise (SSE2, NEON, scalar emulation). One
//! source, and an AVX-512 build does a quarter of the SSE2 build's instructions.
//!
//! Also the one gap filled below `wide`: [`mulhi_u16x32`].

#[cfg(target_feature = "avx512bw")]
pub(crate) type U8s = wide::u8x64;
#[cfg(all(target_feature = "avx2", not(target_feature = "avx512bw")))]
pub(crate) type U8s = wide::u8x32;
#[cfg(not(any(target_feature = "avx2", target_feature = "avx512bw")))]
pub(crate) type U8s = wide::u8x16;

/// [`U8s`] seen as `u16` lanes (same bytes, half the lanes).
#[cfg(target_feature = "avx512bw")]
pub(crate) type U16s = wide::u16x32;
#[cfg(all(target_feature = "avx2", not(target_feature = "avx512bw")))]
pub(crate) type U16s = wide::u16x16;
#[cfg(not(any(target_feature = "avx2", target_feature = "avx512bw")))]
pub(crate) type U16s = wide::u16x8;

/// How many `f32x16` vectors the `f32` Gaussian keeps in flight: enough independent
/// accumulators to hide the add latency (four registers' worth on every build: one `f32x16`
/// is four SSE registers, two AVX ones, one AVX-512 one). The `u16` Gaussian keeps one: with
/// more, LLVM rewrote its `pmulhuw` as 32-bit multiplies, five times slower.
#[cfg(target_feature = "avx512f")]
pub(crate) const BLOCK: usize = 4;
#[cfg(all(target_feature = "avx", not(target_feature = "avx512f")))]
pub(crate) const BLOCK: usize = 2;
#[cfg(not(any(target_feature = "avx", target_feature = "avx512f")))]
pub(crate) const BLOCK: usize = 1;

/// Calls `f(x)` for the vectors of a row of `n` outputs, `lanes` at a time: `x = 0, lanes,
/// 2·lanes, …` and, when `n` is not a multiple, one last vector ending exactly at `n` (it
/// overlaps the one before and recomputes a few outputs: identical values, as each output is
/// a function of the inputs alone). None when `n < lanes`: the scalar twin covers such a
/// row. Returns where the scalar tail starts ([`scalar_from`]). A plain loop with one call of
/// `f`: an iterator chain, or a second call for the last vector, kept the kernel body out of
/// line and made the small kernels two to three times slower.
#[inline(always)]
pub(crate) fn for_each_vector(n: usize, lanes: usize, mut f: impl FnMut(usize)) -> usize {
    // One call site, so the kernel body is inlined into the loop.
    if n >= lanes && lanes > 0 {
        let last = n - lanes;
        let mut x = 0;
        loop {
            f(x);
            if x == last {
                break;
            }
            x = (x + lanes).min(last);
        }
    }
    scalar_from(n, lanes)
}

/// Where the scalar tail starts after [`for_each_vector`]: `n` (no tail) when `n >= lanes`,
/// else 0 (the whole row).
pub(crate) fn scalar_from(n: usize, lanes: usize) -> usize {
    if n >= lanes {
        n
    } else {
        0
    }
}

/// Lanes in [`U8s`].
pub(crate) const U8_LANES: usize = core::mem::size_of::<U8s>();

/// The first [`U8_LANES`] bytes of `s` (an unaligned load; panics when `s` is shorter).
#[inline(always)]
pub(crate) fn load_u8(s: &[u8]) -> U8s {
    bytemuck::pod_read_unaligned(&s[..U8_LANES])
}

/// Writes `v` to the first [`U8_LANES`] bytes of `d`.
#[inline(always)]
pub(crate) fn store_u8(d: &mut [u8], v: U8s) {
    d[..U8_LANES].copy_from_slice(bytemuck::bytes_of(&v));
}

/// `(a · b) >> 16` in each `u16` lane. wide 1.7's `u16x32::mul_keep_high` splits into
/// 128-bit `pmulhuw`s on AVX2 and AVX-512 builds, although `vpmulhuw` exists at 256 and 512
/// bits; this uses it through `safe_arch` (wide's own x86 backend). Same result everywhere.
#[inline(always)]
pub(crate) fn mulhi_u16x32(a: wide::u16x32, b: wide::u16x32) -> wide::u16x32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512bw"))]
    {
        use bytemuck::cast;
        cast(safe_arch::mul_u16_keep_high_m512i(cast(a), cast(b)))
    }
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        not(target_feature = "avx512bw")
    ))]
    {
        use bytemuck::cast;
        let ([a0, a1], [b0, b1]): ([safe_arch::m256i; 2], [safe_arch::m256i; 2]) =
            (cast(a), cast(b));
        cast([
            safe_arch::mul_u16_keep_high_m256i(a0, b0),
            safe_arch::mul_u16_keep_high_m256i(a1, b1),
        ])
    }
    #[cfg(not(all(
        target_arch = "x86_64",
        any(target_feature = "avx2", target_feature = "avx512bw")
    )))]
    {
        a.mul_keep_high(b)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn vectors_cover_the_row_once_or_not_at_all() {
        for lanes in [1, 16, 64] {
            for n in 0..200 {
                let mut hits = vec![0; n];
                let from = super::for_each_vector(n, lanes, |x| {
                    assert!(x + lanes <= n, "n {n} lanes {lanes} start {x}");
                    hits[x..x + lanes].iter_mut().for_each(|h| *h += 1);
                });
                assert!(hits[..from].iter().all(|&h| h >= 1), "n {n} lanes {lanes}");
                assert!(hits[from..].iter().all(|&h| h == 0), "n {n} lanes {lanes}");
                assert!(hits.iter().all(|&h| h <= 2));
            }
        }
    }

    proptest! {
        #[test]
        fn mulhi_u16x32_is_the_high_half_of_the_product(a in any::<[u16; 32]>(), b in any::<[u16; 32]>()) {
            let got = super::mulhi_u16x32(wide::u16x32::new(a), wide::u16x32::new(b)).to_array();
            for i in 0..32 {
                prop_assert_eq!(got[i], ((u32::from(a[i]) * u32::from(b[i])) >> 16) as u16);
            }
        }
    }
}
