//! Two 5×5 medians at once, for two output rows one above the other: their windows share
//! 20 of their 25 pixels (rows `y − 1 ..= y + 2`). Those 20 go through [`mid6_of_20`] once,
//! which leaves their ranks 7 to 12 (0-based, in order) on wires
//! [`MID6`]: only these can be the 13th smallest of 25 once five more pixels join (each
//! joining pixel moves a rank by at most one). Each output then adds its own five pixels
//! (row `y − 2` or `y + 3`) with [`median_of_mid6_and_5`]: the 13th smallest of the 25 is the
//! 6th smallest of the six candidates and the five new pixels, which ends on wire
//! [`MEDIAN`]. 168 operations (min or max) shared by the two outputs and 28 for each: 112
//! per output, where the 25-input network takes 202.
//!
//! Both networks were generated from Batcher's odd–even merge sort (recursive form) by the
//! same pruning as [`super::network`]: wires that hold a known "+∞" are dropped and every
//! comparator the wanted outputs do not depend on is removed, keeping only the half (min or
//! max) that is used. [`mid6_of_20`]: a sort of 32 wires, 20 of them real, pruned to ranks
//! 7..=12. [`median_of_mid6_and_5`]: the six sorted candidates on wires 0..=5 (6 and 7
//! "+∞"), the five new pixels on wires 8..=12 sorted as 8 wires (13..=15 "+∞"), one odd–even
//! merge of the 16, pruned to rank 5. The tests check both against sorting.

/// Where [`mid6_of_20`] leaves ranks 7..=12 of its 20 inputs, in order.
pub(crate) const MID6: [usize; 6] = [7, 8, 9, 10, 11, 12];

/// Where [`median_of_mid6_and_5`] leaves its result.
pub(crate) const MEDIAN: usize = 5;

/// Ranks 7..=12 of the 20 wires `$p[0..20]` onto [`MID6`] (any type with `min`/`max`).
macro_rules! mid6_of_20 {
    ($p:ident) => {{
        #[allow(unused_imports)]
        use $crate::simd::median::{cx_both as both, cx_max as max, cx_min as min};
        both!($p, 0, 1);
        both!($p, 2, 3);
        both!($p, 0, 2);
        both!($p, 1, 3);
        both!($p, 1, 2);
        both!($p, 4, 5);
        both!($p, 6, 7);
        both!($p, 4, 6);
        both!($p, 5, 7);
        both!($p, 5, 6);
        both!($p, 0, 4);
        both!($p, 2, 6);
        both!($p, 2, 4);
        both!($p, 1, 5);
        both!($p, 3, 7);
        both!($p, 3, 5);
        both!($p, 1, 2);
        both!($p, 3, 4);
        both!($p, 5, 6);
        both!($p, 8, 9);
        both!($p, 10, 11);
        both!($p, 8, 10);
        both!($p, 9, 11);
        both!($p, 9, 10);
        both!($p, 12, 13);
        both!($p, 14, 15);
        both!($p, 12, 14);
        both!($p, 13, 15);
        both!($p, 13, 14);
        both!($p, 8, 12);
        both!($p, 10, 14);
        both!($p, 10, 12);
        both!($p, 9, 13);
        both!($p, 11, 15);
        both!($p, 11, 13);
        both!($p, 9, 10);
        both!($p, 11, 12);
        both!($p, 13, 14);
        both!($p, 0, 8);
        both!($p, 4, 12);
        both!($p, 4, 8);
        both!($p, 2, 10);
        both!($p, 6, 14);
        both!($p, 6, 10);
        both!($p, 2, 4);
        both!($p, 6, 8);
        both!($p, 10, 12);
        both!($p, 1, 9);
        both!($p, 5, 13);
        both!($p, 5, 9);
        both!($p, 3, 11);
        min!($p, 7, 15);
        both!($p, 7, 11);
        both!($p, 3, 5);
        both!($p, 7, 9);
        both!($p, 11, 13);
        both!($p, 1, 2);
        both!($p, 3, 4);
        both!($p, 5, 6);
        both!($p, 7, 8);
        both!($p, 9, 10);
        both!($p, 11, 12);
        min!($p, 13, 14);
        both!($p, 16, 17);
        both!($p, 18, 19);
        both!($p, 16, 18);
        both!($p, 17, 19);
        both!($p, 17, 18);
        both!($p, 17, 18);
        both!($p, 17, 18);
        max!($p, 0, 16);
        both!($p, 8, 16);
        max!($p, 4, 8);
        min!($p, 12, 16);
        max!($p, 2, 18);
        min!($p, 10, 18);
        both!($p, 6, 10);
        max!($p, 6, 8);
        both!($p, 10, 12);
        max!($p, 1, 17);
        both!($p, 9, 17);
        max!($p, 5, 9);
        min!($p, 13, 17);
        max!($p, 3, 19);
        min!($p, 11, 19);
        both!($p, 7, 11);
        both!($p, 7, 9);
        min!($p, 11, 13);
        both!($p, 7, 8);
        both!($p, 9, 10);
        both!($p, 11, 12);
    }};
}

pub(crate) use mid6_of_20;

/// The 6th smallest of six sorted candidates on wires `$p[0..6]` and five more on `$p[8..13]`,
/// onto wire [`MEDIAN`] of `$p[0..16]`.
macro_rules! median_of_mid6_and_5 {
    ($p:ident) => {{
        #[allow(unused_imports)]
        use $crate::simd::median::{cx_both as both, cx_max as max, cx_min as min};
        both!($p, 8, 9);
        both!($p, 10, 11);
        both!($p, 8, 10);
        both!($p, 9, 11);
        both!($p, 9, 10);
        both!($p, 8, 12);
        both!($p, 10, 12);
        both!($p, 9, 10);
        both!($p, 11, 12);
        max!($p, 0, 8);
        min!($p, 4, 12);
        max!($p, 4, 8);
        max!($p, 2, 10);
        min!($p, 10, 8);
        max!($p, 1, 9);
        min!($p, 5, 9);
        min!($p, 3, 11);
        max!($p, 3, 5);
        min!($p, 5, 10);
    }};
}

pub(crate) use median_of_mid6_and_5;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn two_medians_of_25_from_the_shared_20(v in proptest::collection::vec(0u8..40, 30)) {
            // Rows y-2 .. y+3 of five columns: shared rows 1..=4.
            let mut p: [u8; 20] = core::array::from_fn(|i| v[5 + i]);
            mid6_of_20!(p);
            let mut shared = v[5..25].to_vec();
            shared.sort_unstable();
            let cand: [u8; 6] = core::array::from_fn(|i| p[MID6[i]]);
            prop_assert_eq!(&cand[..], &shared[7..13]);
            for extra in [&v[0..5], &v[25..30]] {
                let mut q = [0u8; 16];
                q[..6].copy_from_slice(&cand);
                q[8..13].copy_from_slice(extra);
                median_of_mid6_and_5!(q);
                let mut all = v[5..25].to_vec();
                all.extend_from_slice(extra);
                all.sort_unstable();
                prop_assert_eq!(q[MEDIAN], all[12]);
            }
        }
    }
}
