//! The DICOM objects a screened image sends back to the PACS: a Secondary Capture of the
//! result card and an Enhanced Structured Report with the score, the label, the flags and the
//! model, both in the original study (its Study Instance UID and patient) in new series.
//! UIDs are derived from the source image's (so a re-run makes the same objects).

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use super::header::Header;
use crate::error::{Error, Result};

/// What the report says about one image.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Score 0–100; `None` when a quality check refused the image.
    pub score: Option<f64>,
    /// `tb`, `normal`, or empty when not scored.
    pub label: String,
    /// The operating point, in words.
    pub operating_point: String,
    /// Segmentation flags (or why the image was not scored).
    pub flags: Vec<String>,
    /// Quality-check codes.
    pub qc: Vec<String>,
    /// The model, in words (file, lungfield version, training data).
    pub model: String,
}

/// The lungfield version that makes the objects (Software Versions).
const SOFTWARE: &str = concat!("lungfield ", env!("CARGO_PKG_VERSION"));
/// The coding scheme of lungfield's own concepts.
const SCHEME: &str = "99LUNGFIELD";

/// A UID under the `2.25` root (an integer UUID) derived from `parts`: the same parts give
/// the same UID. FNV-1a over 128 bits, with the bits of a name-based UUID set.
pub fn derived_uid(parts: &[&str]) -> String {
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013B;
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0u8)) {
            h ^= u128::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    // Version 8 (custom), RFC 4122 variant.
    h = (h & !(0xF << 76)) | (0x8 << 76);
    h = (h & !(0x3 << 62)) | (0x2 << 62);
    format!("2.25.{h}")
}

fn el(tag: Tag, vr: VR, v: impl Into<PrimitiveValue>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, v.into())
}

fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

fn code(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        el(tags::CODE_VALUE, VR::SH, value),
        el(tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme),
        el(tags::CODE_MEANING, VR::LO, meaning),
    ])
}

fn reference(class: &str, instance: &str) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        el(tags::REFERENCED_SOP_CLASS_UID, VR::UI, class),
        el(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, instance),
    ])
}

/// The patient and study of the source, a new series and instance, and the date and time.
fn common(
    h: &Header,
    class: &str,
    kind: &str,
    modality: &str,
    now: (&str, &str),
) -> InMemDicomObject {
    let series = derived_uid(&[&h.series_uid, "lungfield", kind]);
    let instance = derived_uid(&[&h.sop_instance_uid, "lungfield", kind]);
    InMemDicomObject::from_element_iter([
        el(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192"),
        el(tags::SOP_CLASS_UID, VR::UI, class),
        el(tags::SOP_INSTANCE_UID, VR::UI, instance),
        el(tags::STUDY_DATE, VR::DA, h.study_date.as_str()),
        el(tags::STUDY_TIME, VR::TM, h.study_time.as_str()),
        el(tags::CONTENT_DATE, VR::DA, now.0),
        el(tags::CONTENT_TIME, VR::TM, now.1),
        el(tags::ACCESSION_NUMBER, VR::SH, h.accession.as_str()),
        el(tags::MODALITY, VR::CS, modality),
        el(tags::MANUFACTURER, VR::LO, "lungfield"),
        el(tags::REFERRING_PHYSICIAN_NAME, VR::PN, h.referring.as_str()),
        el(
            tags::SERIES_DESCRIPTION,
            VR::LO,
            format!("lungfield TB screen ({kind})"),
        ),
        el(tags::PATIENT_NAME, VR::PN, h.patient_name.as_str()),
        el(tags::PATIENT_ID, VR::LO, h.patient_id.as_str()),
        el(tags::PATIENT_BIRTH_DATE, VR::DA, h.birth_date.as_str()),
        el(tags::PATIENT_SEX, VR::CS, h.sex.as_str()),
        el(tags::SOFTWARE_VERSIONS, VR::LO, SOFTWARE),
        el(tags::STUDY_INSTANCE_UID, VR::UI, h.study_uid.as_str()),
        el(tags::SERIES_INSTANCE_UID, VR::UI, series),
        el(tags::STUDY_ID, VR::SH, h.study_id.as_str()),
        el(
            tags::SERIES_NUMBER,
            VR::IS,
            if kind == "card" { "9901" } else { "9902" },
        ),
        el(tags::INSTANCE_NUMBER, VR::IS, "1"),
    ])
}

/// Encodes an object as a DICOM file (Explicit VR Little Endian).
fn file_bytes(obj: InMemDicomObject) -> Result<Vec<u8>> {
    let what = |e: String| Error::Model {
        path: "DICOM result object".into(),
        reason: e,
    };
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .map_err(|e| what(e.to_string()))?;
    let mut out = Vec::new();
    file.write_all(&mut out).map_err(|e| what(e.to_string()))?;
    Ok(out)
}

/// The Secondary Capture of a result card (`rgb`: `w`×`h` RGB, 8 bits).
///
/// # Errors
/// Only if the object cannot be encoded (a card larger than 65535 pixels a side).
pub fn secondary_capture(
    h: &Header,
    rgb: &[u8],
    w: usize,
    ht: usize,
    now: (&str, &str),
) -> Result<Vec<u8>> {
    let side = |n: usize| {
        u16::try_from(n).map_err(|_| Error::Model {
            path: "DICOM result object".into(),
            reason: format!("a card of {n} pixels a side is too large for DICOM"),
        })
    };
    let mut obj = common(h, uids::SECONDARY_CAPTURE_IMAGE_STORAGE, "card", "OT", now);
    for e in [
        el(tags::CONVERSION_TYPE, VR::CS, "WSD"),
        el(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"),
        el(
            tags::DERIVATION_DESCRIPTION,
            VR::ST,
            "lungfield result card: lung outlines, abnormality heatmap, TB score, flags",
        ),
        el(tags::SAMPLES_PER_PIXEL, VR::US, 3u16),
        el(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "RGB"),
        el(tags::PLANAR_CONFIGURATION, VR::US, 0u16),
        el(tags::ROWS, VR::US, side(ht)?),
        el(tags::COLUMNS, VR::US, side(w)?),
        el(tags::BITS_ALLOCATED, VR::US, 8u16),
        el(tags::BITS_STORED, VR::US, 8u16),
        el(tags::HIGH_BIT, VR::US, 7u16),
        el(tags::PIXEL_REPRESENTATION, VR::US, 0u16),
        el(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(rgb.into())),
    ] {
        obj.put(e);
    }
    obj.put(seq(
        tags::SOURCE_IMAGE_SEQUENCE,
        vec![reference(&h.sop_class_uid, &h.sop_instance_uid)],
    ));
    file_bytes(obj)
}

/// A content item: `CONTAINS` of the given value type and concept.
fn item(value_type: &str, concept: (&str, &str)) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        el(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
        el(tags::VALUE_TYPE, VR::CS, value_type),
        seq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code(concept.0, SCHEME, concept.1)],
        ),
    ])
}

fn text(concept: (&str, &str), value: &str) -> InMemDicomObject {
    let mut i = item("TEXT", concept);
    // Text Value is type 1: never empty.
    let value = if value.is_empty() { "none" } else { value };
    i.put(el(tags::TEXT_VALUE, VR::UT, value));
    i
}

/// The Enhanced Structured Report of one screened image.
///
/// # Errors
/// Only if the object cannot be encoded.
pub fn structured_report(h: &Header, f: &Finding, now: (&str, &str)) -> Result<Vec<u8>> {
    let mut obj = common(h, uids::ENHANCED_SR_STORAGE, "report", "SR", now);
    let mut content = Vec::new();
    if let Some(score) = f.score {
        let mut n = item("NUM", ("TBSCORE", "TB score (0-100)"));
        let value = InMemDicomObject::from_element_iter([
            el(tags::NUMERIC_VALUE, VR::DS, format!("{score:.1}")),
            seq(
                tags::MEASUREMENT_UNITS_CODE_SEQUENCE,
                vec![code("{score}", "UCUM", "score")],
            ),
        ]);
        n.put(seq(tags::MEASURED_VALUE_SEQUENCE, vec![value]));
        content.push(n);
    }
    let label = match f.label.as_str() {
        "tb" => "TB",
        "normal" => "normal",
        _ => "not scored",
    };
    content.push(text(
        ("TBLABEL", "Label at the operating point"),
        &format!("{label} ({})", f.operating_point),
    ));
    content.push(text(("FLAGS", "Flags"), &f.flags.join(", ")));
    content.push(text(("QC", "Quality checks"), &f.qc.join(", ")));
    content.push(text(
        ("MODEL", "Algorithm"),
        &format!("{SOFTWARE}; {}", f.model),
    ));
    let mut source = item("IMAGE", ("SOURCE", "Source image"));
    source.put(seq(
        tags::REFERENCED_SOP_SEQUENCE,
        vec![reference(&h.sop_class_uid, &h.sop_instance_uid)],
    ));
    content.push(source);
    for e in [
        el(tags::VALUE_TYPE, VR::CS, "CONTAINER"),
        seq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("TBSCREEN", SCHEME, "TB screening result (lungfield)")],
        ),
        el(tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE"),
        el(tags::COMPLETION_FLAG, VR::CS, "COMPLETE"),
        el(tags::VERIFICATION_FLAG, VR::CS, "UNVERIFIED"),
        seq(
            tags::REFERENCED_PERFORMED_PROCEDURE_STEP_SEQUENCE,
            Vec::new(),
        ),
        seq(tags::PERFORMED_PROCEDURE_CODE_SEQUENCE, Vec::new()),
        seq(tags::CONTENT_SEQUENCE, content),
    ] {
        obj.put(e);
    }
    let series = InMemDicomObject::from_element_iter([
        el(tags::SERIES_INSTANCE_UID, VR::UI, h.series_uid.as_str()),
        seq(
            tags::REFERENCED_SOP_SEQUENCE,
            vec![reference(&h.sop_class_uid, &h.sop_instance_uid)],
        ),
    ]);
    let study = InMemDicomObject::from_element_iter([
        el(tags::STUDY_INSTANCE_UID, VR::UI, h.study_uid.as_str()),
        seq(tags::REFERENCED_SERIES_SEQUENCE, vec![series]),
    ]);
    obj.put(seq(
        tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
        vec![study],
    ));
    file_bytes(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_object::OpenFileOptions;

    fn header() -> Header {
        Header {
            sop_class_uid: uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION.into(),
            sop_instance_uid: "1.2.3.4.5".into(),
            study_uid: "1.2.3.4".into(),
            series_uid: "1.2.3.4.1".into(),
            patient_id: "P01".into(),
            patient_name: "Doe^Jane".into(),
            ..Header::default()
        }
    }

    fn open(bytes: &[u8]) -> dicom_object::DefaultDicomObject {
        OpenFileOptions::new()
            .from_reader(&bytes[128..])
            .expect("our own object reads back")
    }

    fn text_of(obj: &dicom_object::DefaultDicomObject, tag: Tag) -> String {
        obj.element(tag)
            .expect("element present")
            .to_str()
            .expect("a string")
            .trim_end_matches(['\0', ' '])
            .to_string()
    }

    #[test]
    fn derived_uids_are_stable_valid_and_distinct() {
        let a = derived_uid(&["1.2.3", "card"]);
        assert_eq!(a, derived_uid(&["1.2.3", "card"]));
        assert_ne!(a, derived_uid(&["1.2.3", "report"]));
        assert_ne!(derived_uid(&["1.2", "3"]), derived_uid(&["1.23"]));
        assert!(a.starts_with("2.25.") && a.len() <= 64);
        assert!(a[5..].bytes().all(|b| b.is_ascii_digit()) && !a[5..].starts_with('0'));
    }

    #[test]
    fn the_report_keeps_the_study_and_says_the_score() {
        let f = Finding {
            score: Some(71.26),
            label: "tb".into(),
            operating_point: "sensitivity 0.90".into(),
            flags: vec!["left_lung_completed_from_shape".into()],
            qc: vec!["ap_view".into()],
            model: "tb.lfm".into(),
        };
        let obj = open(&structured_report(&header(), &f, ("20261204", "101500")).expect("sr"));
        assert_eq!(
            text_of(&obj, tags::SOP_CLASS_UID),
            uids::ENHANCED_SR_STORAGE
        );
        assert_eq!(text_of(&obj, tags::STUDY_INSTANCE_UID), "1.2.3.4");
        assert_eq!(text_of(&obj, tags::PATIENT_ID), "P01");
        assert_ne!(text_of(&obj, tags::SERIES_INSTANCE_UID), "1.2.3.4.1");
        let items = obj
            .element(tags::CONTENT_SEQUENCE)
            .expect("content")
            .items()
            .expect("a sequence")
            .to_vec();
        let num = &items[0];
        let mv = num
            .element(tags::MEASURED_VALUE_SEQUENCE)
            .expect("value")
            .items()
            .expect("items")[0]
            .element(tags::NUMERIC_VALUE)
            .expect("number")
            .to_str()
            .expect("text")
            .trim()
            .to_string();
        assert_eq!(mv, "71.3");
        let texts: Vec<String> = items[1..]
            .iter()
            .filter_map(|i| {
                i.element(tags::TEXT_VALUE)
                    .ok()?
                    .to_str()
                    .ok()
                    .map(|s| s.to_string())
            })
            .collect();
        assert!(texts[0].starts_with("TB (sensitivity 0.90"), "{texts:?}");
        assert!(texts
            .iter()
            .any(|t| t.contains("left_lung_completed_from_shape")));
        assert!(texts
            .iter()
            .any(|t| t.contains(SOFTWARE) && t.contains("tb.lfm")));
    }

    #[test]
    fn the_card_capture_is_an_rgb_image_of_the_card() {
        let (w, h) = (6usize, 4usize);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| i as u8).collect();
        let obj =
            open(&secondary_capture(&header(), &rgb, w, h, ("20261204", "101500")).expect("sc"));
        assert_eq!(text_of(&obj, tags::PHOTOMETRIC_INTERPRETATION), "RGB");
        assert_eq!(
            obj.element(tags::ROWS)
                .expect("rows")
                .to_int::<u16>()
                .expect("n"),
            4
        );
        let px = obj
            .element(tags::PIXEL_DATA)
            .expect("pixels")
            .to_bytes()
            .expect("bytes");
        assert_eq!(&px[..rgb.len()], &rgb[..]);
        assert_ne!(
            text_of(&obj, tags::SOP_INSTANCE_UID),
            derived_uid(&["1.2.3.4.5", "lungfield", "report"])
        );
    }
}
