//! One incoming association (dicom-ul does the PDUs): C-ECHO answered, each C-STORE checked
//! (image SOP class, size, decodable pixels), written atomically to `received/` and queued
//! for screening, then answered; anything else answered with a failure status and one log
//! line. A malformed object never ends the listener, only (at worst) its association.

use std::collections::HashSet;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;
use std::sync::Mutex;
use std::time::Duration;

use dicom_dictionary_std::uids;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_ul::association::server::AccessControl;
use dicom_ul::association::Association;
use dicom_ul::pdu::{
    AssociationRJServiceUserReason, PDataValue, PDataValueType, PresentationContextResultReason,
    UserIdentity,
};
use dicom_ul::{Pdu, ServerAssociation, ServerAssociationOptions};

use super::dimse::{self, Command};
use super::header::{valid_uid, Header};
use super::Log;
use crate::io::{check_dataset_lengths, decode_dicom, write_atomic};

/// The image storage SOP classes lungfield screens.
pub const IMAGE_CLASSES: [&str; 6] = [
    uids::COMPUTED_RADIOGRAPHY_IMAGE_STORAGE,
    uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION,
    uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PROCESSING,
    uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
    uids::MULTI_FRAME_GRAYSCALE_BYTE_SECONDARY_CAPTURE_IMAGE_STORAGE,
    uids::MULTI_FRAME_GRAYSCALE_WORD_SECONDARY_CAPTURE_IMAGE_STORAGE,
];

/// The transfer syntaxes accepted: those lungfield decodes. A modality offering only a
/// compressed one is told so in the association (transfer syntaxes not supported).
pub const TRANSFER_SYNTAXES: [&str; 2] = [
    uids::EXPLICIT_VR_LITTLE_ENDIAN,
    uids::IMPLICIT_VR_LITTLE_ENDIAN,
];

/// What every association shares.
pub struct Scp {
    /// This AE title.
    pub aet: String,
    /// The calling AE titles allowed (`None`: any).
    pub allow: Option<Vec<String>>,
    /// `OUT/received`.
    pub received: PathBuf,
    /// The largest object accepted, in bytes.
    pub max_bytes: usize,
    /// Idle timeout of an association.
    pub timeout: Duration,
    /// SOP Instance UIDs already received (a re-sent one is acknowledged, not queued twice).
    pub seen: Mutex<HashSet<String>>,
    /// The screening queue (bounded: a full queue slows the sender down).
    pub jobs: SyncSender<super::Job>,
    /// The log.
    pub log: Log,
}

/// `--allow-aet`: refuses other calling AE titles, with a log line.
struct Allow {
    allow: Option<Vec<String>>,
    peer: String,
    log: Log,
}

impl AccessControl for Allow {
    fn check_access(
        &self,
        _this: &str,
        calling: &str,
        _called: &str,
        _user: Option<&UserIdentity>,
    ) -> Result<(), AssociationRJServiceUserReason> {
        match &self.allow {
            Some(list) if !list.iter().any(|a| a == calling.trim()) => {
                (self.log)(&format!(
                    "association from {} refused: calling AE title '{}' is not in --allow-aet",
                    self.peer,
                    calling.trim()
                ));
                Err(AssociationRJServiceUserReason::CallingAETitleNotRecognized)
            }
            _ => Ok(()),
        }
    }
}

/// Checks a received object (its data set `data` in transfer syntax `ts`, sent with `cmd`)
/// as the listener does before acknowledging it: an image SOP class, a valid SOP Instance
/// UID matching the command's, a readable data set, pixels that decode. `Ok`: the object as
/// a DICOM file and its identifiers; `Err`: the status to answer and why. Never panics,
/// whatever the bytes (fuzzed in tests/it/listen.rs).
///
/// # Errors
/// The status and reason of a refused object.
pub fn check_object(
    data: &[u8],
    cmd: &Command,
    ts: &str,
    path: &std::path::Path,
) -> Result<(Vec<u8>, Header), (u16, String)> {
    if !IMAGE_CLASSES.contains(&cmd.sop_class.as_str()) {
        return Err((
            dimse::SOP_CLASS_NOT_SUPPORTED,
            format!(
                "SOP class {} is not a radiograph lungfield screens",
                cmd.sop_class
            ),
        ));
    }
    if !valid_uid(&cmd.sop_instance) {
        return Err((dimse::DATASET_MISMATCH, "invalid SOP Instance UID".into()));
    }
    let Some(syntax) = TransferSyntaxRegistry.get(ts) else {
        return Err((dimse::CANNOT_UNDERSTAND, format!("transfer syntax {ts}")));
    };
    // Declared lengths must fit before dicom-rs allocates them.
    let explicit = ts != uids::IMPLICIT_VR_LITTLE_ENDIAN;
    check_dataset_lengths(data, explicit)
        .map_err(|e| (dimse::DATASET_MISMATCH, format!("unreadable data set: {e}")))?;
    let obj = InMemDicomObject::read_dataset_with_ts(data, syntax)
        .map_err(|e| (dimse::DATASET_MISMATCH, format!("unreadable data set: {e}")))?;
    let header = Header::of(&obj);
    if header.sop_instance_uid != cmd.sop_instance {
        return Err((
            dimse::DATASET_MISMATCH,
            "SOP Instance UID differs from the command's".into(),
        ));
    }
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(cmd.sop_class.as_str())
        .media_storage_sop_instance_uid(cmd.sop_instance.as_str())
        .transfer_syntax(ts);
    let mut file = Vec::with_capacity(data.len() + 512);
    obj.with_meta(meta)
        .map_err(|e| e.to_string())
        .and_then(|f| f.write_all(&mut file).map_err(|e| e.to_string()))
        .map_err(|e| {
            (
                dimse::DATASET_MISMATCH,
                format!("cannot be written back: {e}"),
            )
        })?;
    // The pixels must decode (uncompressed, grey, within the size limit) before the object
    // is acknowledged.
    if let Err(e) = decode_dicom(&file, path) {
        let why = e.to_string();
        let why = why
            .split_once(": cannot decode image: ")
            .map_or(why.as_str(), |x| x.1);
        return Err((dimse::CANNOT_UNDERSTAND, why.to_string()));
    }
    Ok((file, header))
}

/// The object of one C-STORE being received.
struct Incoming {
    cmd: Command,
    context: u8,
    data: Vec<u8>,
    too_large: bool,
}

impl Scp {
    /// Serves one association until it is released, aborted, times out or breaks.
    pub fn serve(&self, stream: TcpStream) {
        let peer = stream
            .peer_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        let mut options = ServerAssociationOptions::new()
            .ae_access_control(Allow {
                allow: self.allow.clone(),
                peer: peer.clone(),
                log: self.log.clone(),
            })
            .ae_title(self.aet.as_str())
            .promiscuous(true)
            .with_abstract_syntax(uids::VERIFICATION)
            .read_timeout(self.timeout)
            .write_timeout(self.timeout);
        for ts in TRANSFER_SYNTAXES {
            options = options.with_transfer_syntax(ts);
        }
        for class in IMAGE_CLASSES {
            options = options.with_abstract_syntax(class);
        }
        let mut assoc = match options.establish(stream) {
            Ok(a) => a,
            Err(dicom_ul::association::Error::Rejected { .. }) => return, // logged by Allow
            Err(e) => {
                (self.log)(&format!("association from {peer} failed: {e}"));
                return;
            }
        };
        let calling = assoc.peer_ae_title().trim().to_string();
        let refused: Vec<String> = assoc
            .presentation_contexts()
            .iter()
            .filter(|pc| pc.reason == PresentationContextResultReason::TransferSyntaxesNotSupported)
            .map(|pc| pc.abstract_syntax.clone())
            .collect();
        (self.log)(&format!(
            "association from {calling} ({peer}){}",
            if refused.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} presentation context(s) refused: only uncompressed transfer syntaxes (Explicit or Implicit VR Little Endian) are accepted",
                    refused.len()
                )
            }
        ));
        let (stored, failed) = self.exchange(&mut assoc, &calling);
        (self.log)(&format!(
            "association from {calling} ended: {stored} stored, {failed} refused"
        ));
    }

    /// The message loop: `(stored, refused)` objects.
    fn exchange(&self, assoc: &mut ServerAssociation<TcpStream>, calling: &str) -> (usize, usize) {
        let (mut stored, mut failed) = (0, 0);
        let mut command_bytes: Vec<u8> = Vec::new();
        let mut incoming: Option<Incoming> = None;
        loop {
            let pdu = match assoc.receive() {
                Ok(p) => p,
                Err(e) => {
                    (self.log)(&format!("association from {calling}: {e}, closing it"));
                    return (stored, failed);
                }
            };
            match pdu {
                Pdu::PData { data } => {
                    for pdv in data {
                        let reply = match pdv.value_type {
                            PDataValueType::Command => {
                                command_bytes.extend_from_slice(&pdv.data);
                                if !pdv.is_last {
                                    continue;
                                }
                                let bytes = std::mem::take(&mut command_bytes);
                                self.on_command(&bytes, pdv.presentation_context_id, &mut incoming)
                            }
                            PDataValueType::Data => {
                                let Some(inc) = incoming.as_mut() else {
                                    (self.log)(&format!(
                                        "association from {calling}: data without a command, ignored"
                                    ));
                                    continue;
                                };
                                if inc.data.len() + pdv.data.len() > self.max_bytes {
                                    inc.too_large = true;
                                    inc.data = Vec::new();
                                } else if !inc.too_large {
                                    inc.data.extend_from_slice(&pdv.data);
                                }
                                if !pdv.is_last {
                                    continue;
                                }
                                let Some(inc) = incoming.take() else { continue };
                                let ts = assoc
                                    .presentation_contexts()
                                    .iter()
                                    .find(|pc| pc.id == inc.context)
                                    .map(|pc| pc.transfer_syntax.clone())
                                    .unwrap_or_default();
                                let (status, comment) =
                                    self.store(inc.data, inc.too_large, &inc.cmd, &ts, calling);
                                if status == dimse::SUCCESS {
                                    stored += 1;
                                } else {
                                    failed += 1;
                                }
                                Some((inc.context, dimse::response(&inc.cmd, status, &comment)))
                            }
                        };
                        if let Some((context, bytes)) = reply {
                            let pdu = Pdu::PData {
                                data: vec![PDataValue {
                                    presentation_context_id: context,
                                    value_type: PDataValueType::Command,
                                    is_last: true,
                                    data: bytes,
                                }],
                            };
                            if let Err(e) = assoc.send(&pdu) {
                                (self.log)(&format!(
                                    "association from {calling}: cannot answer ({e}), closing it"
                                ));
                                return (stored, failed);
                            }
                        }
                    }
                }
                Pdu::ReleaseRQ => {
                    let _ = assoc.send(&Pdu::ReleaseRP);
                    return (stored, failed);
                }
                Pdu::AbortRQ { .. } => {
                    (self.log)(&format!("association from {calling} aborted by the caller"));
                    return (stored, failed);
                }
                other => {
                    (self.log)(&format!(
                        "association from {calling}: unexpected {}, ignored",
                        other.short_description()
                    ));
                }
            }
        }
    }

    /// A complete command set: the reply to send now, if any.
    fn on_command(
        &self,
        bytes: &[u8],
        context: u8,
        incoming: &mut Option<Incoming>,
    ) -> Option<(u8, Vec<u8>)> {
        let Some(cmd) = dimse::read_command(bytes) else {
            (self.log)("a command set that cannot be read, ignored");
            return None;
        };
        match cmd.field {
            dimse::C_ECHO_RQ => {
                (self.log)("C-ECHO answered");
                Some((context, dimse::response(&cmd, dimse::SUCCESS, "")))
            }
            dimse::C_STORE_RQ if cmd.has_data => {
                *incoming = Some(Incoming {
                    cmd,
                    context,
                    data: Vec::new(),
                    too_large: false,
                });
                None
            }
            _ => {
                (self.log)(&format!(
                    "command 0x{:04X} is not supported (only C-ECHO and C-STORE)",
                    cmd.field
                ));
                Some((
                    context,
                    dimse::response(
                        &cmd,
                        dimse::UNRECOGNISED_OPERATION,
                        "only C-ECHO and C-STORE",
                    ),
                ))
            }
        }
    }

    /// Checks, writes and queues one object: its status and error comment.
    fn store(
        &self,
        data: Vec<u8>,
        too_large: bool,
        cmd: &Command,
        ts: &str,
        calling: &str,
    ) -> (u16, String) {
        let refuse = |status: u16, why: String| {
            (self.log)(&format!(
                "from {calling}: object {} refused (status 0x{status:04X}): {why}",
                if cmd.sop_instance.is_empty() {
                    "?"
                } else {
                    &cmd.sop_instance
                }
            ));
            (status, why)
        };
        if too_large {
            return refuse(
                dimse::OUT_OF_RESOURCES,
                format!("larger than the limit of {} MB", self.max_bytes >> 20),
            );
        }
        let path = self.received.join(format!("{}.dcm", cmd.sop_instance));
        let (file, header) = match check_object(&data, cmd, ts, &path) {
            Ok(x) => x,
            Err((status, why)) => return refuse(status, why),
        };
        drop(data);
        let fresh = self
            .seen
            .lock()
            .map(|mut s| s.insert(cmd.sop_instance.clone()))
            .unwrap_or(false);
        if !fresh {
            (self.log)(&format!(
                "from {calling}: {} received again, already queued or done",
                cmd.sop_instance
            ));
            return (dimse::SUCCESS, String::new());
        }
        if let Err(e) = write_atomic(&path, &file) {
            if let Ok(mut s) = self.seen.lock() {
                s.remove(&cmd.sop_instance);
            }
            return refuse(dimse::OUT_OF_RESOURCES, format!("cannot store it: {e}"));
        }
        (self.log)(&format!(
            "from {calling}: received {} (patient '{}', study {})",
            cmd.sop_instance, header.patient_id, header.study_uid
        ));
        if self.jobs.send(super::Job { path }).is_err() {
            (self.log)("the screening queue is closed (shutting down): left for the next start");
        }
        (dimse::SUCCESS, String::new())
    }
}
