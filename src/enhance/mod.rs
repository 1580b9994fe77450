//! The exposed field, contrast and resolution: the radiograph's part of the image, area resampling to the working resolution and CLAHE.
//! The SIMD filters the pipeline uses next live in [`crate::simd`].

mod clahe;
mod cubic;
mod field;
mod resize;

pub use clahe::{clahe_u16, clahe_u8, clahe_u8_with, ClaheOptions};
pub use cubic::scale_cubic;
pub use field::{exposed_field, Field};
pub(crate) use resize::upscale_threshold;
pub use resize::{area_resize, area_resize_with, upscale_bilinear_u8, working_size};
