//! Proptest strategies shared by the kernels' equivalence tests: planes of random size (from
//! 1×1, widths not a multiple of any lane count) and random content.

use proptest::prelude::*;

use crate::image::{GrayF32, GrayU8};

/// `u8` planes up to `max_w × max_h` (exclusive).
pub(crate) fn plane_u8(max_w: usize, max_h: usize) -> impl Strategy<Value = GrayU8> {
    (1usize..max_w, 1usize..max_h).prop_flat_map(|(w, h)| {
        proptest::collection::vec(any::<u8>(), w * h)
            .prop_map(move |d| GrayU8::from_vec(w, h, d).unwrap_or_else(|| GrayU8::new(w, h)))
    })
}

/// `f32` planes up to `max_w × max_h` (exclusive), values in ±1000.
pub(crate) fn plane_f32(max_w: usize, max_h: usize) -> impl Strategy<Value = GrayF32> {
    (1usize..max_w, 1usize..max_h).prop_flat_map(|(w, h)| {
        proptest::collection::vec(-1000.0f32..1000.0, w * h)
            .prop_map(move |d| GrayF32::from_vec(w, h, d).unwrap_or_else(|| GrayF32::new(w, h)))
    })
}
