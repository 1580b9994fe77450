//! CLAHE's bilinear mix on `u8` planes: every pixel mixes the values four tile tables give
//! its grey level. For a run of columns that mixes the same two tile columns, the four
//! tables are interleaved into one table of `u32` (one byte each), so a pixel costs one
//! table load; the vector kernel gathers a whole vector of those loads at once (`vpgatherdd`
//! at AVX2 and AVX-512) and does the arithmetic in `f32` lanes. Same operations in the same
//! order per pixel as the scalar twin, so the results are bit-identical at every level.

mod scalar;
mod vector;

use super::Kernels;

/// Columns `x0..x1` of a row, which all mix the same two tile columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    /// First column.
    pub x0: usize,
    /// One past the last column.
    pub x1: usize,
}

/// The columns of a plane: their spans and each column's weights.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Columns<'a> {
    /// Runs of columns, each mixing its own two tile columns (one table each).
    pub spans: &'a [Span],
    /// Per column, the weight of the right-hand tile.
    pub xa: &'a [f32],
    /// Per column, `1 − xa` (the left-hand tile's weight).
    pub xa1: &'a [f32],
}

/// The four tables' values for grey level `v`, one byte each, low byte first: top-left,
/// top-right, bottom-left, bottom-right tile.
pub(crate) fn interleave(
    tl: &[u8; 256],
    tr: &[u8; 256],
    bl: &[u8; 256],
    br: &[u8; 256],
) -> [u32; 256] {
    core::array::from_fn(|v| u32::from_le_bytes([tl[v], tr[v], bl[v], br[v]]))
}

/// One output row: for every column `x` of `cols.spans[i]`, with `q = tables[i][src[x]]`
/// split into its bytes `tl, tr, bl, br` (as `f32`),
/// `out[x] = round((tl·xa1[x] + tr·xa[x])·(1 − ya) + (bl·xa1[x] + br·xa[x])·ya)`, rounded half
/// to even and saturated to `0..=255` (`xa1[x]` is `1 − xa[x]`, precomputed).
///
/// Panics when a span reaches past `out`, `src`, `xa` or `xa1`, or `tables` is shorter than
/// the spans.
pub(crate) fn mix_row(
    out: &mut [u8],
    src: &[u8],
    cols: &Columns,
    tables: &[[u32; 256]],
    ya: f32,
    kernels: Kernels,
) {
    assert!(tables.len() >= cols.spans.len(), "one table per span");
    match kernels {
        Kernels::Scalar => scalar::mix_row(out, src, cols, tables, ya),
        level => vector::mix_row(level, out, src, cols, tables, ya),
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// A row as CLAHE makes it: random spans covering `0..w`, random tables and grey levels,
    /// the weights of a random tile width.
    struct Case {
        src: Vec<u8>,
        spans: Vec<Span>,
        tables: Vec<[u32; 256]>,
        xa: Vec<f32>,
        xa1: Vec<f32>,
        ya: f32,
    }

    impl Case {
        fn new(w: usize, seed: u64) -> Case {
            let mut r = crate::rng::Rng::new(seed);
            let src = (0..w).map(|_| r.next_u64() as u8).collect();
            let mut spans = Vec::new();
            let mut x = 0;
            while x < w {
                let len = 1 + (r.next_u64() as usize % 150).min(w - x - 1);
                spans.push(Span { x0: x, x1: x + len });
                x += len;
            }
            let tables = spans
                .iter()
                .map(|_| core::array::from_fn(|_| r.next_u64() as u32))
                .collect();
            let tw = 1 + r.next_u64() as usize % 400;
            let xa: Vec<f32> = (0..w)
                .map(|x| {
                    let t = x as f32 * (1.0 / tw as f32) - 0.5;
                    t - t.floor()
                })
                .collect();
            let xa1 = xa.iter().map(|&a| 1.0 - a).collect();
            let ya = (r.next_u64() % 1000) as f32 / 999.0;
            Case {
                src,
                spans,
                tables,
                xa,
                xa1,
                ya,
            }
        }

        fn cols(&self) -> Columns<'_> {
            Columns {
                spans: &self.spans,
                xa: &self.xa,
                xa1: &self.xa1,
            }
        }
    }

    proptest! {
        #[test]
        fn vector_matches_scalar_and_definition(w in 1usize..700, seed: u64) {
            let c = Case::new(w, seed);
            let mut s = vec![0u8; w];
            mix_row(&mut s, &c.src, &c.cols(), &c.tables, c.ya, Kernels::Scalar);
            let mut v = vec![0u8; w];
            mix_row(&mut v, &c.src, &c.cols(), &c.tables, c.ya, Kernels::active());
            prop_assert_eq!(&s, &v);
            // Every run-time level this CPU has (baseline `wide`, AVX2, AVX-512).
            for &level in crate::simd::Kernels::vectors() {
                let mut l = vec![0u8; w];
                vector::mix_row(level, &mut l, &c.src, &c.cols(), &c.tables, c.ya);
                prop_assert_eq!(&s, &l, "{:?}", level);
            }
            // The definition, in f64: within half a grey level plus rounding slack.
            for (sp, t) in c.spans.iter().zip(&c.tables) {
                for x in sp.x0..sp.x1 {
                    let b = t[c.src[x] as usize].to_le_bytes().map(f64::from);
                    let (a, ya) = (f64::from(c.xa[x]), f64::from(c.ya));
                    let want = (b[0] * (1.0 - a) + b[1] * a) * (1.0 - ya) + (b[2] * (1.0 - a) + b[3] * a) * ya;
                    prop_assert!((f64::from(s[x]) - want.clamp(0.0, 255.0)).abs() <= 0.5001, "x {} got {} want {}", x, s[x], want);
                }
            }
        }
    }

    #[test]
    fn one_pixel_and_ties_round_to_even() {
        // tl = 1, tr = 2, xa = 0.5: 1.5 rounds to 2; tl = 2, tr = 3: 2.5 rounds to 2.
        let t: [u32; 256] =
            core::array::from_fn(|v| if v == 0 { 0x0000_0201 } else { 0x0000_0302 });
        let cols = Columns {
            spans: &[Span { x0: 0, x1: 2 }],
            xa: &[0.5, 0.5],
            xa1: &[0.5, 0.5],
        };
        for &backend in Kernels::available() {
            let mut out = [9u8; 2];
            mix_row(&mut out, &[0, 1], &cols, &[t], 0.0, backend);
            assert_eq!(out, [2, 2], "{backend:?}");
        }
    }
}
