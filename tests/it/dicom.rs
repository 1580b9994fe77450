//! DICOM input: a 16-bit MONOCHROME1 file made here from a phantom segments to the same mask
//! as the PNG it came from; files without a window are windowed robustly; compressed pixel
//! data is refused with the transfer syntax named.

use crate::common::{dice, fixture};

use std::path::Path;

use dicom_core::value::{PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use lungfield::io::{decode_dicom, decode_file, Radiograph};
use lungfield::{segment_radiograph, SegmentOptions};

/// Writes `pixels` (stored values) as a DICOM file with the given attributes.
fn write_dicom(
    path: &Path,
    w: usize,
    h: usize,
    pixels: &[u16],
    photometric: &str,
    window: Option<(f64, f64)>,
    ts: &str,
) {
    let mut obj = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION),
        ),
        DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.826.0.1.3680043.10.1"),
        ),
        DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("DX")),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
        DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from(photometric),
        ),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(h as u16)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(w as u16)),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
        DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(16u16)),
        DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(15u16)),
        DataElement::new(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ),
        DataElement::new(
            tags::PIXEL_SPACING,
            VR::DS,
            PrimitiveValue::from("0.143\\0.143"),
        ),
    ]);
    if let Some((c, wd)) = window {
        obj.put(DataElement::new(
            tags::WINDOW_CENTER,
            VR::DS,
            PrimitiveValue::from(format!("{c}")),
        ));
        obj.put(DataElement::new(
            tags::WINDOW_WIDTH,
            VR::DS,
            PrimitiveValue::from(format!("{wd}")),
        ));
    }
    if ts == uids::EXPLICIT_VR_LITTLE_ENDIAN {
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(pixels.to_vec().into()),
        ));
    } else {
        let frag: Vec<u8> = vec![0xFF, 0xD8, 0xFF, 0xD9];
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            Value::PixelSequence(PixelFragmentSequence::new(vec![0u32], vec![frag])),
        ));
    }
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(ts))
        .unwrap();
    file.write_to_file(path).unwrap();
}

fn phantom16() -> (usize, usize, Vec<u16>) {
    match decode_file(&fixture("phantom_16bit.png")).unwrap() {
        Radiograph::U16(p) => (p.width(), p.height(), p.as_slice().to_vec()),
        Radiograph::U8(_) => panic!("the fixture is 16-bit"),
    }
}

#[test]
fn a_monochrome1_16_bit_dicom_segments_like_its_png() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h, v) = phantom16();
    // MONOCHROME1 stores the negative; the window spans the stored range exactly.
    let inverted: Vec<u16> = v.iter().map(|&x| 65535 - x).collect();
    let dcm = dir.path().join("phantom.dcm");
    write_dicom(
        &dcm,
        w,
        h,
        &inverted,
        "MONOCHROME1",
        Some((32767.5, 65535.0)),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let bytes = std::fs::read(&dcm).unwrap();
    let (img, info) = decode_dicom(&bytes, &dcm).unwrap();
    assert_eq!(info.pixel_spacing_mm, Some((0.143, 0.143)));
    assert_eq!(info.photometric, "MONOCHROME1");
    assert!(info.window.2, "the file's window is used");
    match &img {
        Radiograph::U16(p) => assert_eq!(p.as_slice(), &v[..], "inverted back exactly"),
        Radiograph::U8(_) => panic!("16-bit DICOM must stay 16-bit"),
    }
    let png = decode_file(&fixture("phantom_16bit.png")).unwrap();
    let opts = SegmentOptions::default();
    let a = segment_radiograph(&decode_file(&dcm).unwrap(), &opts).unwrap();
    let b = segment_radiograph(&png, &opts).unwrap();
    assert_eq!(a.labels, b.labels, "same mask as the PNG");
    // Without a window: a robust percentile window, nearly the same lungs.
    let dcm2 = dir.path().join("nowindow.dcm");
    write_dicom(
        &dcm2,
        w,
        h,
        &inverted,
        "MONOCHROME1",
        None,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let (img2, info2) = decode_dicom(&std::fs::read(&dcm2).unwrap(), &dcm2).unwrap();
    assert!(!info2.window.2);
    let c = segment_radiograph(&img2, &opts).unwrap();
    assert!(dice(&c.binary(), &b.binary()) > 0.97);
}

#[test]
fn compressed_dicom_is_refused_naming_the_transfer_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h, v) = phantom16();
    let dcm = dir.path().join("jpeg.dcm");
    write_dicom(
        &dcm,
        w,
        h,
        &v,
        "MONOCHROME2",
        None,
        uids::JPEG_BASELINE8_BIT,
    );
    let err = decode_file(&dcm).unwrap_err().to_string();
    assert!(
        err.contains("jpeg.dcm")
            && err.contains("compressed DICOM")
            && err.contains("1.2.840.10008.1.2.4.50"),
        "{err}"
    );
    assert!(err.to_lowercase().contains("jpeg"), "{err}");
    // The CLI names it in its one line, and goes on with the others.
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_lungfield"))
        .arg("segment")
        .arg(&dcm)
        .arg(fixture("phantom_gray.png"))
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    let e = String::from_utf8_lossy(&r.stderr);
    assert_eq!(
        e.lines().filter(|l| l.contains("jpeg.dcm")).count(),
        1,
        "{e}"
    );
}

#[test]
fn a_dicom_dataset_reports_hd95_in_millimetres() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("set");
    crate::common::dataset_dirs(&root);
    let ph = fixture("phantoms");
    let ids = crate::common::phantom_ids();
    for id in ids.iter().take(3) {
        let g = decode_file(&ph.join(format!("images/{id}.png")))
            .unwrap()
            .to_u8();
        let v: Vec<u16> = g.as_slice().iter().map(|&x| u16::from(x) * 257).collect();
        write_dicom(
            &root.join(format!("images/{id}.dcm")),
            g.width(),
            g.height(),
            &v,
            "MONOCHROME2",
            Some((32767.5, 65535.0)),
            uids::EXPLICIT_VR_LITTLE_ENDIAN,
        );
        std::fs::copy(
            ph.join(format!("masks/{id}_mask.png")),
            root.join(format!("masks/{id}_mask.png")),
        )
        .unwrap();
    }
    let data = lungfield::io::Dataset::open(&root).unwrap();
    let ev = lungfield::evaluate::evaluate(
        &data,
        lungfield::io::Subset::All,
        &SegmentOptions::default(),
    );
    assert_eq!(ev.rows.len(), 3, "{:?}", ev.failures);
    for r in &ev.rows {
        let mm = r.hd95_mm.expect("spacing known");
        assert!((mm - r.scores.hd95_px * 0.143).abs() < 1e-9);
        assert!(r.scores.dice > 0.8);
    }
    assert!(ev.summary.hd95_median_mm.is_some());
}

#[test]
fn a_voi_lut_takes_precedence_over_the_window() {
    use dicom_core::value::DataSetSequence;
    let dir = tempfile::tempdir().unwrap();
    let (w, h, v) = phantom16();
    // 12-bit stored values and a VOI LUT that inverts them (so the result is the negative of
    // what the window alone would give).
    let stored: Vec<u16> = v.iter().map(|&x| x >> 4).collect();
    let path = dir.path().join("lut.dcm");
    write_dicom(
        &path,
        w,
        h,
        &stored,
        "MONOCHROME2",
        Some((2047.5, 4095.0)),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    // Add the VOI LUT Sequence to the written file.
    let mut obj = dicom_object::open_file(&path).unwrap();
    let lut: Vec<u16> = (0..4096u16).map(|i| 4095 - i).collect();
    let item = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::LUT_DESCRIPTOR,
            VR::US,
            PrimitiveValue::U16(vec![4096u16, 0, 12].into()),
        ),
        DataElement::new(tags::LUT_DATA, VR::OW, PrimitiveValue::U16(lut.into())),
    ]);
    obj.put(DataElement::new(
        tags::VOILUT_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![item]),
    ));
    obj.write_to_file(&path).unwrap();
    let (img, info) = decode_dicom(&std::fs::read(&path).unwrap(), &path).unwrap();
    assert!(info.voi_lut);
    let Radiograph::U16(p) = img else {
        panic!("16-bit")
    };
    for (i, (&got, &s)) in p.as_slice().iter().zip(&stored).enumerate().step_by(997) {
        let want = ((4095 - s) as f64 / 4095.0 * 65535.0).round() as u16;
        assert_eq!(got, want, "pixel {i}");
    }
}

#[test]
fn a_child_s_ap_film_gets_its_qc_codes_from_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h, v) = phantom16();
    let path = dir.path().join("child_ap.dcm");
    write_dicom(
        &path,
        w,
        h,
        &v,
        "MONOCHROME2",
        None,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let mut obj = dicom_object::open_file(&path).unwrap();
    obj.put(DataElement::new(
        tags::PATIENT_AGE,
        VR::AS,
        PrimitiveValue::from("007Y"),
    ));
    obj.put(DataElement::new(
        tags::VIEW_POSITION,
        VR::CS,
        PrimitiveValue::from("AP"),
    ));
    obj.write_to_file(&path).unwrap();
    let (img, info) = decode_dicom(&std::fs::read(&path).unwrap(), &path).unwrap();
    assert_eq!(info.patient_age_years, Some(7.0));
    assert_eq!(info.view_position.as_deref(), Some("AP"));
    let checked = lungfield::qc::check(img, Some(&info));
    let codes: Vec<&str> = checked.codes.iter().map(|c| c.code()).collect();
    assert_eq!(codes, ["paediatric", "ap_view"]);
    // A MONOCHROME2 file of the same film without those attributes passes.
    let plain = dir.path().join("plain.dcm");
    write_dicom(
        &plain,
        w,
        h,
        &v,
        "MONOCHROME2",
        None,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let (img, info) = decode_dicom(&std::fs::read(&plain).unwrap(), &plain).unwrap();
    assert!(lungfield::qc::check(img, Some(&info)).codes.is_empty());
    // MONOCHROME1 (stored inverted) is turned upright on reading: not flagged `inverted`.
    let mono1 = dir.path().join("mono1.dcm");
    let negative: Vec<u16> = v.iter().map(|&x| 65535 - x).collect();
    write_dicom(
        &mono1,
        w,
        h,
        &negative,
        "MONOCHROME1",
        None,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    let (img, info) = decode_dicom(&std::fs::read(&mono1).unwrap(), &mono1).unwrap();
    assert!(lungfield::qc::check(img, Some(&info)).codes.is_empty());
}
