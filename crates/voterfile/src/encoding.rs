//! Text encodings of voter files: decoding a line's bytes, encoding generated text.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The character encoding of a voter file.
///
/// `Latin1` is true ISO-8859-1 (every byte is the code point of the same value); `Windows1252` is the
/// WHATWG windows-1252 table (0x80–0x9F hold `€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    #[serde(rename = "latin-1", alias = "latin1", alias = "iso-8859-1", alias = "ISO-8859-1")]
    Latin1,
    #[serde(rename = "windows-1252", alias = "cp1252", alias = "Windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// The name used in messages and in saved mappings.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Latin1 => "latin-1",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    /// Whether every character of `s` can be written in this encoding.
    pub fn can_encode(self, s: &str) -> bool {
        match self {
            TextEncoding::Utf8 => true,
            TextEncoding::Latin1 => s.chars().all(|c| (c as u32) < 0x100),
            TextEncoding::Windows1252 => s.chars().all(|c| c.is_ascii() || cp1252_byte(c).is_some()),
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of [`TextEncoding::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown encoding (expected utf-8, latin-1 / iso-8859-1, or windows-1252 / cp1252)")]
pub struct UnknownEncoding;

impl FromStr for TextEncoding {
    type Err = UnknownEncoding;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" => Ok(TextEncoding::Latin1),
            "windows-1252" | "cp1252" | "win-1252" => Ok(TextEncoding::Windows1252),
            _ => Err(UnknownEncoding),
        }
    }
}

/// windows-1252 byte → char, from encoding_rs (every byte decodes: the five unassigned bytes map to the
/// C1 control of the same value, as WHATWG specifies).
fn cp1252_table() -> &'static [char; 256] {
    static TABLE: OnceLock<[char; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = ['\0'; 256];
        for (b, slot) in table.iter_mut().enumerate() {
            let byte = [b as u8];
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
            *slot = text.chars().next().unwrap_or('\u{FFFD}');
        }
        table
    })
}

fn cp1252_byte(c: char) -> Option<u8> {
    if c.is_ascii() {
        return Some(c as u8);
    }
    cp1252_table().iter().position(|&t| t == c).filter(|&p| p >= 0x80).map(|p| p as u8)
}

/// Appends `bytes` decoded as `enc` to `out`. For UTF-8, `Err(offset)` gives the first invalid byte.
pub(crate) fn decode_append(enc: TextEncoding, bytes: &[u8], out: &mut String) -> Result<(), usize> {
    if bytes.is_ascii() {
        // ASCII is the same in all three encodings.
        out.push_str(std::str::from_utf8(bytes).map_err(|e| e.valid_up_to())?);
        return Ok(());
    }
    match enc {
        TextEncoding::Utf8 => {
            out.push_str(std::str::from_utf8(bytes).map_err(|e| e.valid_up_to())?);
        }
        TextEncoding::Latin1 => {
            out.reserve(bytes.len() + bytes.len() / 4);
            out.extend(bytes.iter().map(|&b| b as char));
        }
        TextEncoding::Windows1252 => {
            let table = cp1252_table();
            out.reserve(bytes.len() + bytes.len() / 4);
            out.extend(bytes.iter().map(|&b| table[b as usize]));
        }
    }
    Ok(())
}

/// Appends `s` encoded as `enc` to `out`. Characters the encoding cannot hold become `?`; the
/// generator only writes text it has checked with [`TextEncoding::can_encode`].
pub(crate) fn encode_append(enc: TextEncoding, s: &str, out: &mut Vec<u8>) {
    if s.is_ascii() || enc == TextEncoding::Utf8 {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    match enc {
        TextEncoding::Utf8 => unreachable!("handled above"),
        TextEncoding::Latin1 => out.extend(s.chars().map(|c| if (c as u32) < 0x100 { c as u32 as u8 } else { b'?' })),
        TextEncoding::Windows1252 => {
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(s);
            if unmappable {
                out.extend(s.chars().map(|c| cp1252_byte(c).unwrap_or(b'?')));
            } else {
                out.extend_from_slice(&bytes);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        assert_eq!("UTF-8".parse::<TextEncoding>(), Ok(TextEncoding::Utf8));
        assert_eq!("iso-8859-1".parse::<TextEncoding>(), Ok(TextEncoding::Latin1));
        assert_eq!("latin-1".parse::<TextEncoding>(), Ok(TextEncoding::Latin1));
        assert_eq!("cp1252".parse::<TextEncoding>(), Ok(TextEncoding::Windows1252));
        assert_eq!("windows-1252".parse::<TextEncoding>(), Ok(TextEncoding::Windows1252));
        assert!("utf-16".parse::<TextEncoding>().is_err());
    }

    #[test]
    fn latin1_and_cp1252_differ_in_the_c1_range() {
        let mut a = String::new();
        decode_append(TextEncoding::Latin1, &[0x92, 0xE9], &mut a).unwrap();
        assert_eq!(a, "\u{92}é");
        let mut b = String::new();
        decode_append(TextEncoding::Windows1252, &[0x92, 0xE9], &mut b).unwrap();
        assert_eq!(b, "’é");
    }

    #[test]
    fn encode_round_trips() {
        for (enc, s) in [
            (TextEncoding::Latin1, "JOSÉ ZOË NÚÑEZ"),
            (TextEncoding::Windows1252, "O’BRIEN ŽUKAUSKAS ZOË"),
            (TextEncoding::Utf8, "Nguyễn Łukasz"),
        ] {
            assert!(enc.can_encode(s));
            let mut bytes = Vec::new();
            encode_append(enc, s, &mut bytes);
            let mut back = String::new();
            decode_append(enc, &bytes, &mut back).unwrap();
            assert_eq!(back, s);
        }
        assert!(!TextEncoding::Latin1.can_encode("O’BRIEN"));
        assert!(!TextEncoding::Windows1252.can_encode("Łukasz"));
    }

    #[test]
    fn invalid_utf8_reports_its_offset() {
        let mut s = String::new();
        assert_eq!(decode_append(TextEncoding::Utf8, b"ab\xE9cd", &mut s), Err(2));
    }
}
