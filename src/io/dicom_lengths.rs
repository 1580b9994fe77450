//! A walk over a DICOM stream's element headers, before dicom-rs parses it: every declared
//! value length must fit in the bytes that are there. dicom-rs allocates (and zero-fills) a
//! value's declared length before reading it, so a 600-byte object declaring a 4 GB string
//! would cost seconds and gigabytes; this check answers it in microseconds. It follows the
//! structure as dicom-rs reads it (an unknown VR is UN, an undefined length other than
//! encapsulated pixel data opens a sequence) and refuses only what cannot be read anyway: a
//! length past the end. Big-endian and deflated data sets are left to dicom-rs.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::{uids, StandardDataDictionary};

const UNDEFINED: u32 = u32::MAX;
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);

/// Checks a DICOM file from its `DICM` magic on (no preamble): the file meta group (always
/// explicit VR little endian) and, when its transfer syntax is one lungfield can follow, the
/// data set.
///
/// # Errors
/// The first element whose declared length runs past the end, in words for a log line.
pub fn check_file_lengths(body: &[u8]) -> Result<(), String> {
    let Some(data) = body.strip_prefix(b"DICM") else {
        return Ok(()); // not DICOM: the reader says so
    };
    let mut ts = String::new();
    let mut walk = Walk::new(data, true);
    let end_of_meta = loop {
        match walk.peek_group() {
            Some(0x0002) => {}
            _ => break walk.pos,
        }
        let Some(e) = walk.next()? else {
            return Ok(());
        };
        if (e.group, e.element) == (0x0002, 0x0010) {
            let v = data
                .get(e.value..e.value + e.len as usize)
                .unwrap_or_default();
            ts = String::from_utf8_lossy(v)
                .trim_end_matches(['\0', ' '])
                .to_string();
        }
    };
    let rest = &data[end_of_meta..];
    match ts.as_str() {
        uids::IMPLICIT_VR_LITTLE_ENDIAN => check_dataset_lengths(rest, false),
        "1.2.840.10008.1.2.2" | uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN => Ok(()), // big endian, deflated
        _ => check_dataset_lengths(rest, true),
    }
}

/// Checks a data set in explicit (`explicit`) or implicit VR little endian.
///
/// # Errors
/// The first element whose declared length runs past the end, in words for a log line.
pub fn check_dataset_lengths(data: &[u8], explicit: bool) -> Result<(), String> {
    let mut walk = Walk::new(data, explicit);
    while walk.next()?.is_some() {}
    Ok(())
}

/// One element header: its tag, where its value starts and its declared length.
struct Element {
    group: u16,
    element: u16,
    value: usize,
    len: u32,
}

struct Walk<'a> {
    data: &'a [u8],
    explicit: bool,
    pos: usize,
    /// Inside encapsulated pixel data: items hold fragments, not data sets.
    fragments: bool,
}

impl<'a> Walk<'a> {
    fn new(data: &'a [u8], explicit: bool) -> Self {
        Self {
            data,
            explicit,
            pos: 0,
            fragments: false,
        }
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let b = self.data.get(at..at + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b = self.data.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn peek_group(&self) -> Option<u16> {
        self.u16_at(self.pos)
    }

    /// Steps over the next header (into sequences and items, over other values); `None`
    /// at the end, or where the structure can no longer be followed.
    fn next(&mut self) -> Result<Option<Element>, String> {
        let at = self.pos;
        if at >= self.data.len() {
            return Ok(None);
        }
        // A header cut off at the end is not a length: left to dicom-rs.
        let (Some(group), Some(element)) = (self.u16_at(at), self.u16_at(at + 2)) else {
            return Ok(None);
        };
        let header_of = |vr, len: Option<u32>, size| len.map(|len| (vr, len, size));
        let parsed = if group == 0xFFFE {
            header_of(None, self.u32_at(at + 4), 8)
        } else if self.explicit {
            self.data.get(at + 4..at + 6).and_then(|code| {
                // As dicom-rs reads it: an unknown VR is UN.
                let vr = VR::from_binary([code[0], code[1]]).unwrap_or(VR::UN);
                if long_length(vr) {
                    header_of(Some(vr), self.u32_at(at + 8), 12)
                } else {
                    header_of(Some(vr), self.u16_at(at + 6).map(u32::from), 8)
                }
            })
        } else {
            header_of(None, self.u32_at(at + 4), 8)
        };
        let Some((vr, len, header)) = parsed else {
            return Ok(None);
        };
        let value = at + header;
        let e = Element {
            group,
            element,
            value,
            len,
        };
        if group == 0xFFFE {
            // Items and delimiters.
            if element == 0xE0DD {
                self.fragments = false;
            }
            if len != UNDEFINED && element == 0xE000 {
                self.fits(&e)?;
                if self.fragments {
                    self.pos = value + len as usize;
                    return Ok(Some(e));
                }
            }
            self.pos = value;
            return Ok(Some(e));
        }
        if len == UNDEFINED {
            // As dicom-rs reads it: encapsulated pixel data holds fragments, any other
            // undefined-length element is a sequence.
            if (group, element) == PIXEL_DATA {
                self.fragments = true;
            }
            self.pos = value;
            return Ok(Some(e));
        }
        self.fits(&e)?;
        let sequence = match vr {
            Some(vr) => vr == VR::SQ,
            None => StandardDataDictionary
                .by_tag(Tag(group, element))
                .is_some_and(|d| d.vr() == VirtualVr::Exact(VR::SQ)),
        };
        self.pos = if sequence {
            value
        } else {
            value + len as usize
        };
        Ok(Some(e))
    }

    fn fits(&self, e: &Element) -> Result<(), String> {
        let left = self.data.len().saturating_sub(e.value);
        if e.len as usize > left {
            return Err(format!(
                "element ({:04X},{:04X}) declares {} bytes where {left} remain: truncated or corrupt",
                e.group, e.element, e.len
            ));
        }
        Ok(())
    }
}

/// Whether explicit VR little endian gives this VR a 4-byte length (after 2 reserved bytes).
fn long_length(vr: VR) -> bool {
    use VR::*;
    matches!(
        vr,
        OB | OD | OF | OL | OV | OW | SQ | SV | UC | UN | UR | UT | UV
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(tag.0.to_le_bytes());
        v.extend(tag.1.to_le_bytes());
        v.extend(vr);
        if long_length(VR::from_binary(*vr).unwrap()) {
            v.extend([0, 0]);
            v.extend((value.len() as u32).to_le_bytes());
        } else {
            v.extend((value.len() as u16).to_le_bytes());
        }
        v.extend(value);
        v
    }

    #[test]
    fn a_length_past_the_end_is_named_and_a_fitting_one_passes() {
        let mut ok = explicit((0x0010, 0x0010), b"PN", b"DOE^J ");
        ok.extend(explicit((0x7FE0, 0x0010), b"OW", &[0; 8]));
        assert_eq!(check_dataset_lengths(&ok, true), Ok(()));
        let mut bad = explicit((0x0010, 0x0010), b"PN", b"DOE^J ");
        bad.extend([0x10, 0x00, 0x20, 0x00, b'L', b'O', 0xFF, 0xFF]);
        let e = check_dataset_lengths(&bad, true).unwrap_err();
        assert!(
            e.contains("(0010,0020) declares 65535 bytes where 0 remain"),
            "{e}"
        );
        // Implicit VR: a 4-byte length.
        let imp = [0x10, 0x00, 0x10, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, b'A', b'B'];
        assert!(check_dataset_lengths(&imp, false).is_err());
    }

    #[test]
    fn lengths_inside_a_sequence_are_checked_too() {
        // (0008,1140) SQ, undefined length; an item of defined length holding an element
        // that declares more than is there.
        let mut v = vec![
            0x08, 0x00, 0x40, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        v.extend([0xFE, 0xFF, 0x00, 0xE0, 12, 0, 0, 0]);
        v.extend([
            0x08, 0x00, 0x50, 0x11, b'U', b'I', 200, 0, b'1', b'.', b'2', 0,
        ]);
        let e = check_dataset_lengths(&v, true).unwrap_err();
        assert!(e.contains("(0008,1150) declares 200"), "{e}");
    }

    #[test]
    fn a_file_is_walked_from_its_meta_group_into_its_data_set() {
        let ts = b"1.2.840.10008.1.2.1\0";
        let mut f = b"DICM".to_vec();
        f.extend(explicit((0x0002, 0x0010), b"UI", ts));
        f.extend(explicit((0x0010, 0x0010), b"PN", b"DOE^J "));
        assert_eq!(check_file_lengths(&f), Ok(()));
        // A meta element, then a data set element, declaring 4 GB.
        let mut meta = b"DICM".to_vec();
        meta.extend([
            0x02, 0x00, 0x01, 0x00, b'O', b'B', 0, 0, 0xFE, 0xFF, 0xFF, 0xFF,
        ]);
        assert!(check_file_lengths(&meta)
            .unwrap_err()
            .contains("(0002,0001)"));
        f.extend([
            0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0, 0xFE, 0xFF, 0xFF, 0xFF,
        ]);
        assert!(check_file_lengths(&f).unwrap_err().contains("(7FE0,0010)"));
        // Not DICOM: left to the reader.
        assert_eq!(check_file_lengths(b"\x89PNG"), Ok(()));
    }
}
