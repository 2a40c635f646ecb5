//! Line types from a file of number-block assignments: which NPA-NXX (6 digits) or NPA-NXX-X thousands
//! block (7 digits) is wireless, landline or VoIP. NANPA's pooling data plus a carrier-type list (LERG,
//! NNACL or a commercial block database) can produce such a file; Clearline does not ship one.
//!
//! Block data says what a block was assigned for, not what a ported number is now: a number ported from a
//! landline block to a wireless carrier still looks like landline here. It is one provider among several.
//!
//! Pure: the importer reads the file and hands over its text.

use super::{LineType, PhoneE164};
use std::collections::HashMap;

/// Block assignments: NPA-NXX and NPA-NXX-X prefixes to line types. The longest matching prefix wins; a
/// number in no listed block is `Unknown`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockLineTypes {
    /// NPA-NXX (6 digits) → line type.
    exchanges: HashMap<u32, LineType>,
    /// NPA-NXX-X (7 digits) → line type.
    thousands: HashMap<u32, LineType>,
}

impl BlockLineTypes {
    /// Parse CSV lines `prefix,line_type`: a 6-digit NPA-NXX or 7-digit NPA-NXX-X prefix (`-`, `.` and
    /// spaces inside it are ignored, so `919-555` and `919-555-0` work) and a line type as
    /// [`LineType::from_hint`] reads it (`wireless`, `W`, `landline`, `voip`, …). Blank lines and lines
    /// starting with `#` are skipped; so is a first line whose prefix is not a number (a header). Fields may
    /// be double-quoted. The same prefix twice with different types is an error.
    ///
    /// The error is the 1-based line number and a reason (which never repeats the line's content).
    pub fn parse(text: &str) -> Result<BlockLineTypes, (usize, String)> {
        let mut blocks = BlockLineTypes::default();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split(',').map(|f| f.trim().trim_matches('"').trim());
            let (Some(prefix), Some(kind)) = (fields.next(), fields.next()) else {
                return Err((number, "expected two fields: prefix,line_type".into()));
            };
            if fields.next().is_some() {
                return Err((number, "expected two fields: prefix,line_type".into()));
            }
            if number == 1 && !prefix.is_empty() && !prefix.bytes().any(|b| b.is_ascii_digit()) {
                continue; // a header line
            }
            let mut digits = 0u32;
            let mut count = 0;
            for b in prefix.bytes() {
                match b {
                    b'0'..=b'9' if count < 7 => {
                        digits = digits * 10 + u32::from(b - b'0');
                        count += 1;
                    }
                    b'0'..=b'9' => return Err((number, "the prefix has more than 7 digits".into())),
                    b'-' | b'.' | b' ' => {}
                    _ => return Err((number, "the prefix may hold only digits".into())),
                }
            }
            let npa_nxx = match count {
                6 => digits,
                7 => digits / 10,
                _ => return Err((number, "the prefix must be 6 digits (NPA-NXX) or 7 (NPA-NXX-X)".into())),
            };
            if npa_nxx / 100_000 < 2 || npa_nxx / 100 % 10 < 2 {
                return Err((number, "the area code and exchange must each start with 2-9".into()));
            }
            let Some(line_type) = LineType::from_hint(kind) else {
                return Err((number, "unknown line type (expected e.g. wireless, landline, voip)".into()));
            };
            let map = if count == 6 { &mut blocks.exchanges } else { &mut blocks.thousands };
            if let Some(previous) = map.insert(digits, line_type) {
                if previous != line_type {
                    return Err((number, "the same prefix appears earlier with another line type".into()));
                }
            }
        }
        Ok(blocks)
    }

    /// The line type of a number's block: the thousands block if listed, else its exchange, else `Unknown`
    /// (also for numbers outside the NANP).
    pub fn lookup(&self, number: &PhoneE164) -> LineType {
        let Some(national) = number.nanp_national() else { return LineType::Unknown };
        let thousands = (national / 1000) as u32;
        self.thousands
            .get(&thousands)
            .or_else(|| self.exchanges.get(&(thousands / 10)))
            .copied()
            .unwrap_or(LineType::Unknown)
    }

    /// How many prefixes are listed.
    pub fn len(&self) -> usize {
        self.exchanges.len() + self.thousands.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
