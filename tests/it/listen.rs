//! `lungfield listen` driven by lungfield's own DICOM client (dicom-ul): images sent are
//! screened exactly as `classify` scores them, results come back as DICOM in the original
//! study, a re-sent image is not screened twice, bad objects and callers are refused with a
//! status and a log line while the listener keeps answering, a restart resumes, and results
//! that cannot be forwarded stay in the outbox. DCMTK as the peer: tests/dcmtk.rs.

#[path = "../support/listener.rs"]
mod support;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use dicom_dictionary_std::{tags, uids};
use dicom_object::{open_file, InMemDicomObject};
use dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN;
use dicom_ul::association::client::ClientAssociationOptions;
use dicom_ul::pdu::{PDataValue, PDataValueType};
use dicom_ul::Pdu;
use lungfield::listen::forward::{echo, send_files};
use lungfield::listen::{dimse, Destination};
use support::{bin, model, uid, write_dx, Listener};

const T: Duration = Duration::from_secs(20);

fn text(obj: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_string()
}

#[test]
fn listen_screens_what_it_receives_as_classify_does_and_answers_in_dicom() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..3)
        .map(|n| {
            let p = dir.path().join(format!("dx{n}.dcm"));
            write_dx(&p, 320, 40 + n as u64, n != 1, n, n / 2);
            p
        })
        .collect();
    let mut l = Listener::start(&dir.path().join("out"), &[]);
    let to = l.destination();
    echo("MODALITY", &to, T).unwrap();
    let sent = send_files("MODALITY", &to, &files, T).unwrap();
    assert!(sent.iter().all(Result::is_ok), "{sent:?}");
    let rows = l.wait_for_rows(3);
    // The same images through `classify`: the same scores, labels and flags.
    let cls = dir.path().join("classify.csv");
    let o = bin()
        .args(["classify", "--model"])
        .arg(model())
        .args(&files)
        .arg("-o")
        .arg(&cls)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let classified: Vec<csv::StringRecord> = csv::Reader::from_path(&cls)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    for (n, file) in files.iter().enumerate() {
        let row = rows.iter().find(|r| &r[1] == uid(3, n).as_str()).unwrap();
        // classify's columns: id, score, probability, label, flags, qc.
        let c = classified
            .iter()
            .find(|r| &r[0] == file.file_stem().unwrap().to_str().unwrap())
            .unwrap();
        // classify prints the score to 0.1 and the probability to 1e-4.
        let score: f64 = row[6].parse().unwrap();
        let p: f64 = row[7].parse().unwrap();
        assert_eq!(
            (format!("{score:.1}"), format!("{p:.4}")),
            (c[1].to_string(), c[2].to_string())
        );
        assert_eq!((&row[8], &row[9], &row[10]), (&c[3], &c[4], &c[5]));
        assert_eq!(
            (&row[2], &row[3]),
            (uid(1, n / 2).as_str(), format!("P{n}").as_str())
        );
        assert_eq!(&row[12], "", "no error");
        // The results, in the study's folder.
        let study = l.out.join("studies").join(uid(1, n / 2));
        for suffix in [
            "_mask.png",
            "_heatmap.png",
            "_card.png",
            "_sc.dcm",
            "_sr.dcm",
        ] {
            assert!(
                study.join(format!("{}{suffix}", uid(3, n))).is_file(),
                "{suffix}"
            );
        }
        assert_eq!(
            l.out.join(&row[11]),
            study.join(format!("{}_card.png", uid(3, n)))
        );
        let sr = open_file(study.join(format!("{}_sr.dcm", uid(3, n)))).unwrap();
        assert_eq!(text(&sr, tags::SOP_CLASS_UID), uids::ENHANCED_SR_STORAGE);
        assert_eq!(text(&sr, tags::STUDY_INSTANCE_UID), uid(1, n / 2));
        assert_eq!(text(&sr, tags::PATIENT_ID), format!("P{n}"));
        assert_ne!(text(&sr, tags::SERIES_INSTANCE_UID), uid(2, n));
        let items = sr.element(tags::CONTENT_SEQUENCE).unwrap().items().unwrap();
        let mv = &items[0]
            .element(tags::MEASURED_VALUE_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()[0];
        let reported: f64 = text(mv, tags::NUMERIC_VALUE).parse().unwrap();
        assert_eq!(format!("{reported:.1}"), format!("{score:.1}"));
        let sc = open_file(study.join(format!("{}_sc.dcm", uid(3, n)))).unwrap();
        assert_eq!(text(&sc, tags::STUDY_INSTANCE_UID), uid(1, n / 2));
        assert_eq!(text(&sc, tags::PHOTOMETRIC_INTERPRETATION), "RGB");
    }
    // The worklist page: every patient, newest first.
    let html = std::fs::read_to_string(l.out.join("index.html")).unwrap();
    assert!(html.contains(r#"http-equiv="refresh""#));
    let at = |n: usize| html.find(&format!("Test Patient{n}")).unwrap();
    assert!(at(2) < at(0), "newest first");
    // Sent again: acknowledged, not screened twice.
    let again = send_files("MODALITY", &to, &files[..1], T).unwrap();
    assert!(again[0].is_ok());
    l.wait_for_log("received again", 1);
    assert_eq!(l.stop(), 0);
    assert_eq!(l.rows().len(), 3);
    let log = l.log_text();
    assert!(log.contains("C-ECHO answered") && log.contains("stopped: 3 image(s) screened"));
}

/// Sends a C-STORE whose data set is `data` (Explicit VR LE) as is: its status.
fn store_raw(to: &Destination, class: &str, instance: &str, data: &[u8]) -> u16 {
    let mut a = ClientAssociationOptions::new()
        .calling_ae_title("MODALITY")
        .called_ae_title("LUNGFIELD")
        .with_presentation_context(class, vec![uids::EXPLICIT_VR_LITTLE_ENDIAN])
        .establish(to.address.as_str())
        .unwrap();
    let pc = a.presentation_contexts()[0].id;
    let cmd = PDataValue {
        presentation_context_id: pc,
        value_type: PDataValueType::Command,
        is_last: true,
        data: dimse::store_request(class, instance, 1),
    };
    a.send(&Pdu::PData { data: vec![cmd] }).unwrap();
    a.send_pdata(pc).write_all(data).unwrap();
    let status = match a.receive().unwrap() {
        Pdu::PData { data } => dimse::status_of(&data[0].data).unwrap(),
        other => panic!("{other:?}"),
    };
    a.release().unwrap();
    status
}

#[test]
fn listen_refuses_bad_objects_and_callers_and_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Listener::start(
        &dir.path().join("out"),
        &["--allow-aet", "MODALITY,CT1", "--max-mb", "1"],
    );
    let to = l.destination();
    // A calling AE title not allowed: the association is rejected, with a log line.
    let e = echo("INTRUDER", &to, T).unwrap_err();
    assert!(e.contains("cannot associate"), "{e}");
    l.wait_for_log("'INTRUDER' is not in --allow-aet", 1);
    // A report is not an image: refused with 0122.
    let sr = dir.path().join("sr.dcm");
    {
        let dx = dir.path().join("dx.dcm");
        write_dx(&dx, 256, 3, false, 9, 9);
        let h = lungfield::listen::header::Header::read(&dx).unwrap();
        let f = lungfield::listen::objects::Finding {
            score: Some(1.0),
            label: "normal".into(),
            operating_point: "x".into(),
            flags: vec![],
            qc: vec![],
            model: "m".into(),
        };
        let bytes =
            lungfield::listen::objects::structured_report(&h, &f, ("20261204", "000000")).unwrap();
        std::fs::write(&sr, bytes).unwrap();
    }
    let r = send_files("MODALITY", &to, &[sr], T).unwrap();
    assert!(r[0].as_ref().unwrap_err().contains("0x0122"), "{r:?}");
    // Over the size limit (--max-mb 1): A700.
    let big = dir.path().join("big.dcm");
    write_dx(&big, 1024, 4, false, 10, 10);
    let r = send_files("MODALITY", &to, std::slice::from_ref(&big), T).unwrap();
    assert!(r[0].as_ref().unwrap_err().contains("0xA700"), "{r:?}");
    // A truncated data set: A900; one without decodable pixels: C000.
    let mut data = Vec::new();
    let obj = open_file(&big).unwrap();
    obj.write_dataset_with_ts(&mut data, &EXPLICIT_VR_LITTLE_ENDIAN.erased())
        .unwrap();
    let class = uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION;
    let cut = data.len() - 1_500_000;
    assert_eq!(
        store_raw(&to, class, &uid(3, 10), &data[..cut]),
        dimse::DATASET_MISMATCH
    );
    let mut no_pixels = (*obj).clone();
    no_pixels.remove_element(tags::PIXEL_DATA);
    let mut data = Vec::new();
    no_pixels
        .write_dataset_with_ts(&mut data, &EXPLICIT_VR_LITTLE_ENDIAN.erased())
        .unwrap();
    assert_eq!(
        store_raw(&to, class, &uid(3, 10), &data),
        dimse::CANNOT_UNDERSTAND
    );
    // Still answering; nothing stored, nothing screened.
    echo("CT1", &to, T).unwrap();
    for code in ["0x0122", "0xA700", "0xA900", "0xC000"] {
        assert_eq!(
            l.log_text().matches(&format!("(status {code})")).count(),
            1,
            "{code}"
        );
    }
    assert_eq!(l.stop(), 0);
    assert_eq!(
        std::fs::read_dir(l.out.join("received")).unwrap().count(),
        0
    );
    assert_eq!(l.rows().len(), 0);
}

#[test]
fn listen_resumes_what_it_received_and_keeps_results_it_could_not_forward() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Received before a crash, never screened.
    std::fs::create_dir_all(out.join("received")).unwrap();
    write_dx(
        &out.join("received").join(format!("{}.dcm", uid(3, 20))),
        256,
        5,
        true,
        20,
        20,
    );
    // A PACS that is not there.
    let dead = support::free_port();
    let forward = format!("PACS@127.0.0.1:{dead}");
    let mut l = Listener::start(&out, &["--forward", &forward]);
    let rows = l.wait_for_rows(1);
    assert_eq!(&rows[0][1], uid(3, 20).as_str());
    assert!(l.log_text().contains("resuming 1 received image(s)"));
    l.wait_for_log("will retry", 1);
    assert_eq!(l.stop(), 0);
    let mut outbox: Vec<String> = std::fs::read_dir(out.join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    outbox.sort();
    assert_eq!(
        outbox,
        [
            format!("{}_sc.dcm", uid(3, 20)),
            format!("{}_sr.dcm", uid(3, 20))
        ]
    );
    assert!(l
        .log_text()
        .contains("2 result object(s) not yet forwarded stay in"));
    // A second start neither screens it again nor loses the outbox.
    let mut l = Listener::start(&out, &["--forward", &forward]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(l.stop(), 0);
    assert_eq!(l.rows().len(), 1);
    assert_eq!(std::fs::read_dir(out.join("outbox")).unwrap().count(), 2);
}

mod fuzz {
    //! The object path (what a C-STORE's bytes go through before they are acknowledged) on
    //! mutated and random data sets: a status or a file, never a panic.

    use super::support::{uid, write_dx};
    use dicom_dictionary_std::uids;
    use dicom_object::open_file;
    use dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN;
    use lungfield::listen::dimse::{self, Command, C_STORE_RQ};
    use lungfield::listen::scp::check_object;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn valid() -> &'static [u8] {
        static DATA: OnceLock<Vec<u8>> = OnceLock::new();
        DATA.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("dx.dcm");
            write_dx(&p, 64, 1, false, 1, 1);
            let mut data = Vec::new();
            open_file(&p)
                .unwrap()
                .write_dataset_with_ts(&mut data, &EXPLICIT_VR_LITTLE_ENDIAN.erased())
                .unwrap();
            data
        })
    }

    fn cmd() -> Command {
        Command {
            field: C_STORE_RQ,
            message_id: 1,
            sop_class: uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION.into(),
            sop_instance: uid(3, 1),
            has_data: true,
        }
    }

    fn statuses() -> [u16; 4] {
        [
            dimse::DATASET_MISMATCH,
            dimse::CANNOT_UNDERSTAND,
            dimse::SOP_CLASS_NOT_SUPPORTED,
            dimse::OUT_OF_RESOURCES,
        ]
    }

    #[test]
    fn the_unmutated_object_is_accepted_in_both_little_endian_syntaxes() {
        let path = std::path::Path::new("x.dcm");
        let (file, h) =
            check_object(valid(), &cmd(), uids::EXPLICIT_VR_LITTLE_ENDIAN, path).unwrap();
        assert_eq!(h.sop_instance_uid, uid(3, 1));
        assert!(lungfield::io::decode_dicom(&file, path).is_ok());
        // The same bytes read as Implicit VR are not the object they claim to be.
        assert!(check_object(valid(), &cmd(), uids::IMPLICIT_VR_LITTLE_ENDIAN, path).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn mutated_objects_get_a_status_never_a_panic(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
            implicit in any::<bool>(),
        ) {
            let mut data = valid().to_vec();
            for (i, b) in flips {
                let i = i.index(data.len());
                data[i] = b;
            }
            if truncate {
                data.truncate(cut.index(data.len()));
            }
            let ts = if implicit { uids::IMPLICIT_VR_LITTLE_ENDIAN } else { uids::EXPLICIT_VR_LITTLE_ENDIAN };
            match check_object(&data, &cmd(), ts, std::path::Path::new("x.dcm")) {
                Ok((file, _)) => prop_assert!(lungfield::io::decode_dicom(&file, std::path::Path::new("x.dcm")).is_ok()),
                Err((status, why)) => prop_assert!(statuses().contains(&status) && !why.is_empty()),
            }
        }

        #[test]
        fn random_bytes_get_a_status(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let r = check_object(&data, &cmd(), uids::EXPLICIT_VR_LITTLE_ENDIAN, std::path::Path::new("x.dcm"));
            prop_assert!(r.is_err());
        }
    }
}
