//! Compact JSON for the prior's tables: byte grids and `u16` triples as base64 strings
//! (little-endian), about a third of the size of JSON number arrays.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

/// `Vec<u8>` as one base64 string.
pub mod bytes {
    use super::*;

    /// Serialises the bytes.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    /// Deserialises the bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <&str>::deserialize(d)?;
        STANDARD.decode(text).map_err(D::Error::custom)
    }
}

/// `Vec<[u16; 3]>` as one base64 string of little-endian `u16`s.
pub mod triples {
    use super::*;

    /// Serialises the triples.
    pub fn serialize<S: Serializer>(v: &[[u16; 3]], s: S) -> Result<S::Ok, S::Error> {
        let raw: Vec<u8> = v.iter().flatten().flat_map(|x| x.to_le_bytes()).collect();
        s.serialize_str(&STANDARD.encode(raw))
    }

    /// Deserialises the triples; a length that is not a whole number of triples is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u16; 3]>, D::Error> {
        let text = <&str>::deserialize(d)?;
        let raw = STANDARD.decode(text).map_err(D::Error::custom)?;
        if raw.len() % 6 != 0 {
            return Err(D::Error::custom(
                "table length is not a multiple of 6 bytes",
            ));
        }
        Ok(raw
            .chunks_exact(6)
            .map(|c| {
                [
                    u16::from_le_bytes([c[0], c[1]]),
                    u16::from_le_bytes([c[2], c[3]]),
                    u16::from_le_bytes([c[4], c[5]]),
                ]
            })
            .collect())
    }
}
