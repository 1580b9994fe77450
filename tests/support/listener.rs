//! Shared by the listener tests (tests/it/listen.rs, tests/dcmtk.rs): phantom radiographs as
//! DX DICOM files, a small trained model, and a `lungfield listen` child process on a free
//! loopback port that is always stopped.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// The `lungfield` binary of this build.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lungfield"))
}

/// A UID of the test's own (under a private root).
pub fn uid(kind: u32, n: usize) -> String {
    format!("1.2.826.0.1.3680043.10.543.{kind}.{n}")
}

/// Writes phantom `seed` (`side` px; TB when `tb`) as a 16-bit DX DICOM file of patient
/// `P<n>` in study `uid(1, study)`, instance `uid(3, n)`.
pub fn write_dx(path: &Path, side: usize, seed: u64, tb: bool, n: usize, study: usize) {
    let img = lungfield::phantom::make(side, seed, tb).image;
    let px: Vec<u16> = img.as_slice().iter().map(|&v| u16::from(v) * 257).collect();
    let e = |tag, vr, v: PrimitiveValue| DataElement::new(tag, vr, v);
    let obj = InMemDicomObject::from_element_iter([
        e(
            tags::SOP_CLASS_UID,
            VR::UI,
            uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION.into(),
        ),
        e(tags::SOP_INSTANCE_UID, VR::UI, uid(3, n).into()),
        e(tags::ACCESSION_NUMBER, VR::SH, format!("ACC{n}").into()),
        e(tags::MODALITY, VR::CS, "DX".into()),
        e(
            tags::PATIENT_NAME,
            VR::PN,
            format!("Test^Patient{n}").into(),
        ),
        e(tags::PATIENT_ID, VR::LO, format!("P{n}").into()),
        e(tags::STUDY_INSTANCE_UID, VR::UI, uid(1, study).into()),
        e(tags::SERIES_INSTANCE_UID, VR::UI, uid(2, n).into()),
        e(tags::SAMPLES_PER_PIXEL, VR::US, 1u16.into()),
        e(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            "MONOCHROME2".into(),
        ),
        e(tags::ROWS, VR::US, (side as u16).into()),
        e(tags::COLUMNS, VR::US, (side as u16).into()),
        e(tags::BITS_ALLOCATED, VR::US, 16u16.into()),
        e(tags::BITS_STORED, VR::US, 16u16.into()),
        e(tags::HIGH_BIT, VR::US, 15u16.into()),
        e(tags::PIXEL_REPRESENTATION, VR::US, 0u16.into()),
        e(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(px.into())),
    ]);
    obj.with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .unwrap()
        .write_to_file(path)
        .unwrap();
}

/// A model trained once on 40 phantoms of 256 px (with its heatmap).
pub fn model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &MODEL
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().join("train");
            let o = bin()
                .args([
                    "phantom", "--count", "40", "--size", "256", "--seed", "17", "-o",
                ])
                .arg(&data)
                .output()
                .unwrap();
            assert!(o.status.success());
            let m = dir.path().join("m.lfm");
            let o = bin()
                .args(["train", "--trees", "30", "--data"])
                .arg(&data)
                .arg("-o")
                .arg(&m)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            (dir, m)
        })
        .1
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `lungfield listen`; stopped (SIGKILL) when dropped if still running.
pub struct Listener {
    pub child: Child,
    pub port: u16,
    pub out: PathBuf,
    pub log: PathBuf,
}

impl Listener {
    /// Starts `lungfield listen -o out --model <model> --port <free> extra…` and waits until
    /// it listens.
    pub fn start(out: &Path, extra: &[&str]) -> Listener {
        let port = free_port();
        std::fs::create_dir_all(out).unwrap();
        let log = out.with_extension("log");
        let child = bin()
            .args(["listen", "--port", &port.to_string(), "--model"])
            .arg(model())
            .arg("-o")
            .arg(out)
            .args(extra)
            .stderr(std::fs::File::create(&log).unwrap())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let l = Listener {
            child,
            port,
            out: out.to_path_buf(),
            log,
        };
        l.wait_for_log("listening on", 1);
        l
    }

    /// The log so far.
    pub fn log_text(&self) -> String {
        let mut s = String::new();
        std::fs::File::open(&self.log)
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    }

    /// Waits (up to 60 s) until `needle` is in the log `times` times.
    pub fn wait_for_log(&self, needle: &str, times: usize) {
        let t = Instant::now();
        while self.log_text().matches(needle).count() < times {
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "waited 60 s for {times}× '{needle}' in the log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The rows of `results.csv`.
    pub fn rows(&self) -> Vec<csv::StringRecord> {
        let p = self.out.join("results.csv");
        if !p.exists() {
            return Vec::new();
        }
        let mut r = csv::Reader::from_path(p).unwrap();
        r.records().map(|x| x.unwrap()).collect()
    }

    /// Waits (up to 120 s) for `n` rows.
    pub fn wait_for_rows(&self, n: usize) -> Vec<csv::StringRecord> {
        let t = Instant::now();
        loop {
            let rows = self.rows();
            if rows.len() >= n {
                return rows;
            }
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "{} of {n} rows after 120 s; log:\n{}",
                rows.len(),
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it with SIGTERM: its exit code.
    pub fn stop(&mut self) -> i32 {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let t = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code().unwrap_or(-1);
            }
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "no exit 60 s after SIGTERM; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `LUNGFIELD@127.0.0.1:<port>`.
    pub fn destination(&self) -> lungfield::listen::Destination {
        format!("LUNGFIELD@127.0.0.1:{}", self.port)
            .parse()
            .unwrap()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
