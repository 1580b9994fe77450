//! The 5×5 median network of [`super::network`] written out as straight-line code (generated
//! from `median_network(25)`; the test `written_network_is_the_generated_one` keeps the two
//! in step). The median ends on wire 12.

/// The network's steps as text, in order, for the test.
#[cfg(test)]
pub(crate) const STEPS: &str = "Both(0, 16);Both(1, 17);Both(2, 18);Both(3, 19);Both(4, 20);Both(5, 21);Both(6, 22);Both(7, 23);Both(8, 24);Both(0, 8);Both(1, 9);Both(2, 10);Both(3, 11);Both(4, 12);Both(5, 13);Both(6, 14);Both(7, 15);Both(16, 24);Both(8, 16);Both(9, 17);Both(10, 18);Both(11, 19);Both(12, 20);Both(13, 21);Both(14, 22);Both(15, 23);Both(0, 4);Both(1, 5);Both(2, 6);Both(3, 7);Both(8, 12);Both(9, 13);Both(10, 14);Both(11, 15);Both(16, 20);Both(17, 21);Both(18, 22);Both(19, 23);Both(4, 16);Both(5, 17);Both(6, 18);Both(7, 19);Both(12, 24);Both(4, 8);Both(5, 9);Both(6, 10);Both(7, 11);Both(12, 16);Both(13, 17);Both(14, 18);Both(15, 19);Both(20, 24);Both(0, 2);Both(1, 3);Both(4, 6);Both(5, 7);Both(8, 10);Both(9, 11);Both(12, 14);Both(13, 15);Both(16, 18);Both(17, 19);Both(20, 22);Both(21, 23);Both(2, 16);Both(3, 17);Both(6, 20);Both(7, 21);Both(10, 24);Both(2, 8);Both(3, 9);Both(6, 12);Both(7, 13);Both(10, 16);Both(11, 17);Both(14, 20);Both(15, 21);Both(18, 24);Both(2, 4);Both(3, 5);Both(6, 8);Both(7, 9);Both(10, 12);Both(11, 13);Both(14, 16);Both(15, 17);Both(18, 20);Both(19, 21);Both(22, 24);Max(0, 1);Max(2, 3);Max(4, 5);Max(6, 7);Max(8, 9);Max(10, 11);Min(12, 13);Min(14, 15);Min(16, 17);Min(18, 19);Min(20, 21);Min(22, 23);Max(1, 16);Max(3, 18);Min(5, 20);Min(7, 22);Min(9, 24);Max(5, 12);Max(7, 14);Min(9, 16);Min(11, 18);Max(9, 12);Min(11, 14);Max(11, 12)";

/// Applies the median-of-25 network to the wires `$p[0..25]` (any type with `min`/`max`).
macro_rules! median25 {
    ($p:ident) => {{
        #[allow(unused_imports)]
        use $crate::simd::median::{cx_both as both, cx_max as max, cx_min as min};
        both!($p, 0, 16);
        both!($p, 1, 17);
        both!($p, 2, 18);
        both!($p, 3, 19);
        both!($p, 4, 20);
        both!($p, 5, 21);
        both!($p, 6, 22);
        both!($p, 7, 23);
        both!($p, 8, 24);
        both!($p, 0, 8);
        both!($p, 1, 9);
        both!($p, 2, 10);
        both!($p, 3, 11);
        both!($p, 4, 12);
        both!($p, 5, 13);
        both!($p, 6, 14);
        both!($p, 7, 15);
        both!($p, 16, 24);
        both!($p, 8, 16);
        both!($p, 9, 17);
        both!($p, 10, 18);
        both!($p, 11, 19);
        both!($p, 12, 20);
        both!($p, 13, 21);
        both!($p, 14, 22);
        both!($p, 15, 23);
        both!($p, 0, 4);
        both!($p, 1, 5);
        both!($p, 2, 6);
        both!($p, 3, 7);
        both!($p, 8, 12);
        both!($p, 9, 13);
        both!($p, 10, 14);
        both!($p, 11, 15);
        both!($p, 16, 20);
        both!($p, 17, 21);
        both!($p, 18, 22);
        both!($p, 19, 23);
        both!($p, 4, 16);
        both!($p, 5, 17);
        both!($p, 6, 18);
        both!($p, 7, 19);
        both!($p, 12, 24);
        both!($p, 4, 8);
        both!($p, 5, 9);
        both!($p, 6, 10);
        both!($p, 7, 11);
        both!($p, 12, 16);
        both!($p, 13, 17);
        both!($p, 14, 18);
        both!($p, 15, 19);
        both!($p, 20, 24);
        both!($p, 0, 2);
        both!($p, 1, 3);
        both!($p, 4, 6);
        both!($p, 5, 7);
        both!($p, 8, 10);
        both!($p, 9, 11);
        both!($p, 12, 14);
        both!($p, 13, 15);
        both!($p, 16, 18);
        both!($p, 17, 19);
        both!($p, 20, 22);
        both!($p, 21, 23);
        both!($p, 2, 16);
        both!($p, 3, 17);
        both!($p, 6, 20);
        both!($p, 7, 21);
        both!($p, 10, 24);
        both!($p, 2, 8);
        both!($p, 3, 9);
        both!($p, 6, 12);
        both!($p, 7, 13);
        both!($p, 10, 16);
        both!($p, 11, 17);
        both!($p, 14, 20);
        both!($p, 15, 21);
        both!($p, 18, 24);
        both!($p, 2, 4);
        both!($p, 3, 5);
        both!($p, 6, 8);
        both!($p, 7, 9);
        both!($p, 10, 12);
        both!($p, 11, 13);
        both!($p, 14, 16);
        both!($p, 15, 17);
        both!($p, 18, 20);
        both!($p, 19, 21);
        both!($p, 22, 24);
        max!($p, 0, 1);
        max!($p, 2, 3);
        max!($p, 4, 5);
        max!($p, 6, 7);
        max!($p, 8, 9);
        max!($p, 10, 11);
        min!($p, 12, 13);
        min!($p, 14, 15);
        min!($p, 16, 17);
        min!($p, 18, 19);
        min!($p, 20, 21);
        min!($p, 22, 23);
        max!($p, 1, 16);
        max!($p, 3, 18);
        min!($p, 5, 20);
        min!($p, 7, 22);
        min!($p, 9, 24);
        max!($p, 5, 12);
        max!($p, 7, 14);
        min!($p, 9, 16);
        min!($p, 11, 18);
        max!($p, 9, 12);
        min!($p, 11, 14);
        max!($p, 11, 12);
    }};
}
pub(crate) use median25;
