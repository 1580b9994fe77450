//! The identifiers of a received DICOM image that its results carry: SOP, series and study
//! UIDs, the patient and the accession number, read without its pixel data.

use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, OpenFileOptions};

use crate::error::{Error, Result};

/// A received image's identifiers (empty strings where the file has none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Header {
    pub sop_class_uid: String,
    pub sop_instance_uid: String,
    pub study_uid: String,
    pub series_uid: String,
    pub patient_id: String,
    pub patient_name: String,
    pub birth_date: String,
    pub sex: String,
    pub study_date: String,
    pub study_time: String,
    pub study_id: String,
    pub accession: String,
    pub referring: String,
}

impl Header {
    /// The identifiers of a data set.
    pub fn of(obj: &InMemDicomObject) -> Header {
        let s = |tag| {
            obj.element_opt(tag)
                .ok()
                .flatten()
                .and_then(|e| e.to_str().ok())
                .map(|v| v.trim_end_matches(['\0', ' ']).to_string())
                .unwrap_or_default()
        };
        Header {
            sop_class_uid: s(tags::SOP_CLASS_UID),
            sop_instance_uid: s(tags::SOP_INSTANCE_UID),
            study_uid: s(tags::STUDY_INSTANCE_UID),
            series_uid: s(tags::SERIES_INSTANCE_UID),
            patient_id: s(tags::PATIENT_ID),
            patient_name: s(tags::PATIENT_NAME),
            birth_date: s(tags::PATIENT_BIRTH_DATE),
            sex: s(tags::PATIENT_SEX),
            study_date: s(tags::STUDY_DATE),
            study_time: s(tags::STUDY_TIME),
            study_id: s(tags::STUDY_ID),
            accession: s(tags::ACCESSION_NUMBER),
            referring: s(tags::REFERRING_PHYSICIAN_NAME),
        }
    }

    /// The identifiers of a DICOM file (read up to its pixel data).
    ///
    /// # Errors
    /// [`Error::Decode`] naming the file when it is not readable DICOM.
    pub fn read(path: &Path) -> Result<Header> {
        let obj = OpenFileOptions::new()
            .read_until(tags::PIXEL_DATA)
            .open_file(path)
            .map_err(|e| Error::Decode {
                path: path.to_path_buf(),
                reason: format!("not a readable DICOM file: {e}"),
            })?;
        Ok(Header::of(&obj))
    }
}

/// Whether `uid` is a valid DICOM UID (digits and dots, at most 64 characters, no empty or
/// zero-led component), so it can name a file.
pub fn valid_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid.len() <= 64
        && uid.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit())
                && (c == "0" || !c.starts_with('0'))
        })
}

#[cfg(test)]
mod tests {
    use super::valid_uid;

    #[test]
    fn only_real_uids_name_files() {
        assert!(valid_uid("1.2.840.10008.5.1.4.1.1.7"));
        assert!(valid_uid("2.25.0.1"));
        for bad in [
            "",
            "1..2",
            "1.02",
            "../etc",
            "1.2.3/4",
            "1.2.",
            &"1".repeat(65),
        ] {
            assert!(!valid_uid(bad), "{bad}");
        }
    }
}
