//! DIMSE command sets (PS3.7) the listener reads and writes: C-ECHO and C-STORE requests and
//! responses, always in Implicit VR Little Endian, and the status codes it answers with.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;

/// C-STORE-RQ.
pub const C_STORE_RQ: u16 = 0x0001;
/// C-ECHO-RQ.
pub const C_ECHO_RQ: u16 = 0x0030;
/// Success.
pub const SUCCESS: u16 = 0x0000;
/// Refused: out of resources (the object is over the size limit).
pub const OUT_OF_RESOURCES: u16 = 0xA700;
/// Refused: SOP class not supported (not an image lungfield screens).
pub const SOP_CLASS_NOT_SUPPORTED: u16 = 0x0122;
/// Error: data set does not match SOP class (unreadable or truncated object).
pub const DATASET_MISMATCH: u16 = 0xA900;
/// Error: cannot understand (pixel data lungfield cannot decode).
pub const CANNOT_UNDERSTAND: u16 = 0xC000;
/// Unrecognised operation.
pub const UNRECOGNISED_OPERATION: u16 = 0x0211;
/// No data set follows the command.
const NO_DATA_SET: u16 = 0x0101;

/// A parsed command set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// Command Field.
    pub field: u16,
    /// Message ID.
    pub message_id: u16,
    /// Affected SOP Class UID (empty when absent).
    pub sop_class: String,
    /// Affected SOP Instance UID (empty when absent).
    pub sop_instance: String,
    /// Whether a data set follows.
    pub has_data: bool,
}

fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .unwrap_or_default()
}

/// Reads a command set; `None` when it is not one (no Command Field).
pub fn read_command(bytes: &[u8]) -> Option<Command> {
    let ts = IMPLICIT_VR_LITTLE_ENDIAN.erased();
    let obj = InMemDicomObject::read_dataset_with_ts(bytes, &ts).ok()?;
    let int = |tag| -> Option<u16> { obj.element_opt(tag).ok().flatten()?.to_int::<u16>().ok() };
    Some(Command {
        field: int(tags::COMMAND_FIELD)?,
        message_id: int(tags::MESSAGE_ID).unwrap_or(0),
        sop_class: text(&obj, tags::AFFECTED_SOP_CLASS_UID),
        sop_instance: text(&obj, tags::AFFECTED_SOP_INSTANCE_UID),
        has_data: int(tags::COMMAND_DATA_SET_TYPE).is_some_and(|t| t != NO_DATA_SET),
    })
}

fn encode(obj: &InMemDicomObject) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing a handful of integers and short strings to memory cannot fail.
    let _ = obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased());
    out
}

fn us(tag: Tag, v: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(v))
}

fn ui(tag: Tag, v: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::UI, PrimitiveValue::from(v))
}

/// The response to `rq` with `status` (and an Error Comment when `comment` is not empty).
pub fn response(rq: &Command, status: u16, comment: &str) -> Vec<u8> {
    let mut elements = vec![
        us(tags::COMMAND_FIELD, rq.field | 0x8000),
        us(tags::MESSAGE_ID_BEING_RESPONDED_TO, rq.message_id),
        us(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
        us(tags::STATUS, status),
    ];
    if !rq.sop_class.is_empty() {
        elements.push(ui(tags::AFFECTED_SOP_CLASS_UID, &rq.sop_class));
    }
    if !rq.sop_instance.is_empty() {
        elements.push(ui(tags::AFFECTED_SOP_INSTANCE_UID, &rq.sop_instance));
    }
    if !comment.is_empty() && status != SUCCESS {
        // Error Comment is LO: at most 64 characters.
        let c: String = comment.chars().take(64).collect();
        elements.push(DataElement::new(
            tags::ERROR_COMMENT,
            VR::LO,
            PrimitiveValue::from(c),
        ));
    }
    encode(&InMemDicomObject::command_from_element_iter(elements))
}

/// A C-STORE-RQ for an instance.
pub fn store_request(sop_class: &str, sop_instance: &str, message_id: u16) -> Vec<u8> {
    encode(&InMemDicomObject::command_from_element_iter([
        ui(tags::AFFECTED_SOP_CLASS_UID, sop_class),
        us(tags::COMMAND_FIELD, C_STORE_RQ),
        us(tags::MESSAGE_ID, message_id),
        us(tags::PRIORITY, 0),
        us(tags::COMMAND_DATA_SET_TYPE, 0x0000),
        ui(tags::AFFECTED_SOP_INSTANCE_UID, sop_instance),
    ]))
}

/// A C-ECHO-RQ.
pub fn echo_request(message_id: u16) -> Vec<u8> {
    encode(&InMemDicomObject::command_from_element_iter([
        ui(
            tags::AFFECTED_SOP_CLASS_UID,
            dicom_dictionary_std::uids::VERIFICATION,
        ),
        us(tags::COMMAND_FIELD, C_ECHO_RQ),
        us(tags::MESSAGE_ID, message_id),
        us(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
    ]))
}

/// The status of a response command set; `None` when it has none.
pub fn status_of(bytes: &[u8]) -> Option<u16> {
    let ts = IMPLICIT_VR_LITTLE_ENDIAN.erased();
    let obj = InMemDicomObject::read_dataset_with_ts(bytes, &ts).ok()?;
    obj.element_opt(tags::STATUS)
        .ok()
        .flatten()?
        .to_int::<u16>()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_request_reads_back_and_its_response_carries_the_status() {
        let rq = read_command(&store_request("1.2.3", "1.2.3.4", 7)).expect("a command");
        assert_eq!(
            rq,
            Command {
                field: C_STORE_RQ,
                message_id: 7,
                sop_class: "1.2.3".into(),
                sop_instance: "1.2.3.4".into(),
                has_data: true,
            }
        );
        let rsp = response(&rq, SOP_CLASS_NOT_SUPPORTED, &"x".repeat(100));
        assert_eq!(status_of(&rsp), Some(SOP_CLASS_NOT_SUPPORTED));
        let back = read_command(&rsp).expect("a command");
        assert_eq!(back.field, 0x8001);
        assert!(!back.has_data);
        assert_eq!(read_command(b"not a command"), None);
    }
}
