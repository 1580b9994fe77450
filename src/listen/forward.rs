//! Sending DICOM files on with C-STORE (a Storage SCU over dicom-ul), and the outbox that
//! `--forward` drains: a file leaves `OUT/outbox/` only when the PACS has answered success;
//! a failed send is logged and retried with a growing pause, and survives a restart.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dicom_dictionary_std::uids;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::OpenFileOptions;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_ul::association::client::ClientAssociationOptions;
use dicom_ul::pdu::{PDataValue, PDataValueType, PresentationContextResultReason};
use dicom_ul::Pdu;

use super::dimse;
use super::Log;

/// Where to send: `AET@HOST:PORT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// The called AE title.
    pub aet: String,
    /// `host:port`.
    pub address: String,
}

impl std::str::FromStr for Destination {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (aet, address) = s
            .split_once('@')
            .ok_or_else(|| format!("'{s}': expected AET@HOST:PORT, e.g. PACS@10.0.0.5:104"))?;
        let port_ok = address
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if aet.is_empty() || aet.len() > 16 || !port_ok {
            return Err(format!(
                "'{s}': expected AET@HOST:PORT with an AE title of 1 to 16 characters and a port number"
            ));
        }
        Ok(Destination {
            aet: aet.to_string(),
            address: address.to_string(),
        })
    }
}

/// The SOP classes the listener sends (its result objects) and the images tests send it.
const CLASSES: [&str; 4] = [
    uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
    uids::ENHANCED_SR_STORAGE,
    uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION,
    uids::COMPUTED_RADIOGRAPHY_IMAGE_STORAGE,
];

/// Sends `files` in one association: one result per file (`Err` holds why, in words).
/// Files of other SOP classes than the listener's results and DX/CR images are refused.
///
/// # Errors
/// When no association can be made (then no file was sent).
pub fn send_files(
    calling: &str,
    to: &Destination,
    files: &[PathBuf],
    timeout: Duration,
) -> Result<Vec<Result<(), String>>, String> {
    let mut options = ClientAssociationOptions::new()
        .calling_ae_title(calling)
        .called_ae_title(to.aet.as_str())
        .connection_timeout(timeout)
        .read_timeout(timeout)
        .write_timeout(timeout);
    for class in CLASSES {
        options = options.with_presentation_context(
            class,
            vec![
                uids::EXPLICIT_VR_LITTLE_ENDIAN,
                uids::IMPLICIT_VR_LITTLE_ENDIAN,
            ],
        );
    }
    let mut assoc = options
        .establish(to.address.as_str())
        .map_err(|e| format!("cannot associate with {}@{}: {e}", to.aet, to.address))?;
    let contexts = assoc.presentation_contexts().to_vec();
    let mut results = Vec::with_capacity(files.len());
    for (n, file) in files.iter().enumerate() {
        // `Err((why, link_broken))`.
        let r = (|| -> Result<(), (String, bool)> {
            let file_err = |e: String| (e, false);
            let link_err = |e: String| (e, true);
            let obj = OpenFileOptions::new()
                .open_file(file)
                .map_err(|e| file_err(format!("{}: {e}", file.display())))?;
            let class = obj
                .meta()
                .media_storage_sop_class_uid()
                .trim_end_matches('\0')
                .to_string();
            let instance = obj
                .meta()
                .media_storage_sop_instance_uid()
                .trim_end_matches('\0')
                .to_string();
            let pc = contexts
                .iter()
                .find(|pc| {
                    pc.abstract_syntax == class
                        && pc.reason == PresentationContextResultReason::Acceptance
                })
                .ok_or_else(|| {
                    file_err(format!(
                        "{}: the peer does not accept SOP class {class}",
                        file.display()
                    ))
                })?;
            let ts = TransferSyntaxRegistry
                .get(&pc.transfer_syntax)
                .ok_or_else(|| {
                    file_err(format!("unknown transfer syntax {}", pc.transfer_syntax))
                })?;
            let mut data = Vec::new();
            obj.write_dataset_with_ts(&mut data, ts)
                .map_err(|e| file_err(format!("{}: {e}", file.display())))?;
            let id = u16::try_from(n % 65535 + 1).unwrap_or(1);
            let cmd = dimse::store_request(&class, &instance, id);
            assoc
                .send(&Pdu::PData {
                    data: vec![PDataValue {
                        presentation_context_id: pc.id,
                        value_type: PDataValueType::Command,
                        is_last: true,
                        data: cmd,
                    }],
                })
                .map_err(|e| link_err(e.to_string()))?;
            {
                let mut w = assoc.send_pdata(pc.id);
                w.write_all(&data).map_err(|e| link_err(e.to_string()))?;
            }
            match assoc.receive().map_err(|e| link_err(e.to_string()))? {
                Pdu::PData { data } => {
                    let status = data
                        .first()
                        .and_then(|v| dimse::status_of(&v.data))
                        .ok_or_else(|| link_err("a response without a status".into()))?;
                    // Success, or a warning (the object was stored).
                    if status == dimse::SUCCESS
                        || status == 0x0107
                        || status == 0x0116
                        || (0xB000..=0xBFFF).contains(&status)
                    {
                        Ok(())
                    } else {
                        Err(file_err(format!("the peer answered status 0x{status:04X}")))
                    }
                }
                other => Err(link_err(format!(
                    "unexpected {}",
                    other.short_description()
                ))),
            }
        })();
        let broken = r.as_ref().is_err_and(|e| e.1);
        results.push(r.map_err(|e| e.0));
        if broken {
            // The association itself failed: the rest cannot be sent on it.
            while results.len() < files.len() {
                results.push(Err("not sent: the association broke".into()));
            }
            return Ok(results);
        }
    }
    let _ = assoc.release();
    Ok(results)
}

/// C-ECHO: whether `to` answers (`Err` says why not).
///
/// # Errors
/// No association, or an answer other than success.
pub fn echo(calling: &str, to: &Destination, timeout: Duration) -> Result<(), String> {
    let mut assoc = ClientAssociationOptions::new()
        .calling_ae_title(calling)
        .called_ae_title(to.aet.as_str())
        .with_abstract_syntax(uids::VERIFICATION)
        .connection_timeout(timeout)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .establish(to.address.as_str())
        .map_err(|e| format!("cannot associate with {}@{}: {e}", to.aet, to.address))?;
    let id = assoc
        .presentation_contexts()
        .first()
        .map(|pc| pc.id)
        .ok_or("no presentation context")?;
    assoc
        .send(&Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: id,
                value_type: PDataValueType::Command,
                is_last: true,
                data: dimse::echo_request(1),
            }],
        })
        .map_err(|e| e.to_string())?;
    let status = match assoc.receive().map_err(|e| e.to_string())? {
        Pdu::PData { data } => data.first().and_then(|v| dimse::status_of(&v.data)),
        _ => None,
    };
    let _ = assoc.release();
    match status {
        Some(dimse::SUCCESS) => Ok(()),
        Some(s) => Err(format!("C-ECHO answered with status 0x{s:04X}")),
        None => Err("C-ECHO without an answer".into()),
    }
}

/// The `.dcm` files waiting in `outbox`, oldest name first.
fn waiting(outbox: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(outbox)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Drains `outbox` to `to` until `done` is set and one last attempt has been made; what
/// could not be sent stays for the next start.
pub fn drain(calling: &str, to: &Destination, outbox: &Path, done: &AtomicBool, log: &Log) {
    let mut pause = Duration::from_secs(1);
    loop {
        let finishing = done.load(Ordering::SeqCst);
        let files = waiting(outbox);
        if !files.is_empty() {
            match send_files(calling, to, &files, Duration::from_secs(30)) {
                Ok(results) => {
                    let mut failed = 0;
                    for (f, r) in files.iter().zip(results) {
                        match r {
                            Ok(()) => {
                                let _ = std::fs::remove_file(f);
                                log(&format!(
                                    "forwarded {} to {}@{}",
                                    f.file_name().unwrap_or_default().to_string_lossy(),
                                    to.aet,
                                    to.address
                                ));
                            }
                            Err(e) => {
                                failed += 1;
                                log(&format!("forwarding {}: {e} (will retry)", f.display()));
                            }
                        }
                    }
                    pause = if failed == 0 {
                        Duration::from_secs(1)
                    } else {
                        (pause * 2).min(Duration::from_secs(60))
                    };
                }
                Err(e) => {
                    log(&format!(
                        "forwarding {} file(s): {e} (will retry in {} s)",
                        files.len(),
                        pause.as_secs()
                    ));
                    pause = (pause * 2).min(Duration::from_secs(60));
                }
            }
        }
        if finishing {
            let left = waiting(outbox).len();
            if left > 0 {
                log(&format!(
                    "{left} result object(s) not yet forwarded stay in {} for the next start",
                    outbox.display()
                ));
            }
            return;
        }
        // Sleep in short steps so a shutdown is prompt.
        let mut slept = Duration::ZERO;
        let step = Duration::from_millis(100);
        let wait = if waiting(outbox).is_empty() {
            Duration::from_millis(300)
        } else {
            pause
        };
        while slept < wait && !done.load(Ordering::SeqCst) {
            std::thread::sleep(step);
            slept += step;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Destination;

    #[test]
    fn destinations_parse_or_say_what_is_expected() {
        let d: Destination = "PACS@127.0.0.1:11113".parse().expect("valid");
        assert_eq!(
            (d.aet.as_str(), d.address.as_str()),
            ("PACS", "127.0.0.1:11113")
        );
        for bad in [
            "PACS",
            "@h:1",
            "PACS@h",
            "PACS@h:port",
            "AVERYLONGAETITLE17@h:1",
        ] {
            let e = bad.parse::<Destination>().expect_err(bad);
            assert!(e.contains("AET@HOST:PORT"), "{e}");
        }
    }
}
