//! Reading and writing: radiographs in (PNG, JPEG, TIFF; 8/16-bit; grey, RGB, palette),
//! masks out (8-bit PNG, written atomically), and datasets in SZ-CXR layout.

mod atomic;
mod check;
mod dataset;
mod decode;
mod dicom;
mod dicom_lengths;
mod encode;
mod import;
mod radiograph;

pub use atomic::write_atomic;
pub(crate) use atomic::{read_bounded, Unread};
pub use check::{check_dataset, CheckReport, Expected};
pub use dataset::{find_images, find_masks, split_for, Dataset, Sample, Shard, Split, Subset};
pub use decode::{
    decode_bytes, decode_file, decode_file_info, read_mask, read_mask_for, MAX_MASK_GREY,
};
pub use dicom::{decode_dicom, dicom_age_years, is_dicom, DicomInfo};
pub use dicom_lengths::{check_dataset_lengths, check_file_lengths};
pub use encode::{
    encode_png_gray16, encode_png_gray8, encode_png_mask, encode_png_rgb8, write_png_gray8,
    write_png_mask, write_png_rgb8,
};
pub use import::{import_dataset, ImportReport, MAX_ENTRY_BYTES};
pub use radiograph::{Radiograph, MAX_FILE_BYTES, MAX_PIXELS};
