//! Phone numbers as Clearline uses them.
//!
//! - [`PhoneE164`]: parse, don't validate. A value that exists is a valid E.164 number; `Display` gives
//!   `+19195550123`. It is a small `Copy` value (the digits as an integer), so storing and comparing
//!   millions of them allocates nothing.
//! - [`parse_phone`]: the number as people type it, in any of the usual NANP formats, with an optional
//!   extension. A hand-written fast path handles NANP numbers; everything else (other country codes,
//!   international dialling prefixes, unusual characters, the few area codes valid only for some exchanges)
//!   falls back to the `phonenumber` crate. `differential_tests` compares the two.
//! - [`LineType`] and where it comes from: [`is_toll_free`] / [`is_premium`] (protected lines, CR-2), a
//!   block-assignment file ([`BlockLineTypes`]), and [`LineType::from_hint`] for what voter files say.
//!   Unknown stays unknown: nothing here ever assumes a landline.
//! - [`nanp`]: time zones and state of a NANP number, from libphonenumber's metadata.
//!
//! Phone numbers are personal data: errors name a reason, never the number, and `Debug` shows only the
//! country code and area code.

mod blocks;
mod fast;
pub mod nanp;

#[cfg(test)]
mod differential_tests;
#[cfg(test)]
mod tests;

pub use blocks::BlockLineTypes;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A valid phone number in E.164 form (`+` and up to 15 digits).
///
/// Only [`parse_phone`] and [`FromStr`] make one, so a value that exists is valid: a NANP number has a
/// valid, assigned area code and an exchange starting 2–9; any other number was accepted as valid by the
/// `phonenumber` crate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneE164 {
    /// All the digits (country code first) as one integer: E.164 digits never start with 0.
    digits: u64,
    /// How many of the leading digits are the country code (1–3).
    cc_len: u8,
}

impl PhoneE164 {
    /// A NANP number from its parts; the caller has checked them.
    pub(crate) const fn nanp(national: u64) -> PhoneE164 {
        PhoneE164 { digits: 10_000_000_000 + national, cc_len: 1 }
    }

    /// The country calling code (1 for the NANP, 44 for the UK, …).
    pub fn country_code(&self) -> u16 {
        (self.digits / 10u64.pow(self.digit_count() - u32::from(self.cc_len))) as u16
    }

    /// Whether this is a North American Numbering Plan number (+1).
    pub fn is_nanp(&self) -> bool {
        self.cc_len == 1 && self.digits / 10_000_000_000 == 1
    }

    /// The ten national digits of a NANP number (NPA, NXX, line), `None` for other countries.
    pub fn nanp_national(&self) -> Option<u64> {
        self.is_nanp().then_some(self.digits - 10_000_000_000)
    }

    /// The area code (NPA) of a NANP number.
    pub fn npa(&self) -> Option<u16> {
        self.nanp_national().map(|n| (n / 10_000_000) as u16)
    }

    /// The exchange (NXX, the central office code) of a NANP number.
    pub fn nxx(&self) -> Option<u16> {
        self.nanp_national().map(|n| (n / 10_000 % 1000) as u16)
    }

    /// The digits as one integer (`19195550123`), a compact key for storage. E.164 digits never start with
    /// a zero, so nothing is lost.
    pub fn as_u64(&self) -> u64 {
        self.digits
    }

    fn digit_count(&self) -> u32 {
        self.digits.checked_ilog10().unwrap_or(0) + 1
    }
}

impl fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.digits)
    }
}

/// Shows the country code and, for NANP numbers, the area code only: the number is personal data and
/// `Debug` output ends up in logs and test failures.
impl fmt::Debug for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.npa() {
            Some(npa) => write!(f, "PhoneE164(+1 {npa} *******)"),
            None => write!(f, "PhoneE164(+{} …)", self.country_code()),
        }
    }
}

/// Strict E.164 text: `+` and digits only, no spaces, no extension (the stored form; use [`parse_phone`]
/// for what people type).
impl FromStr for PhoneE164 {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, PhoneError> {
        let digits = s.strip_prefix('+').ok_or(PhoneError::NotE164)?;
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError::NotE164);
        }
        let parsed = parse_phone(s, "US")?;
        if parsed.extension.is_some() || parsed.number.digits.to_string() != digits {
            return Err(PhoneError::NotE164);
        }
        Ok(parsed.number)
    }
}

impl Serialize for PhoneE164 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PhoneE164 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// What a number is to the person: the column it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Home,
    Cell,
    Work,
    Other,
}

/// What kind of line a number is on, which decides what may dial it (CR-1, CR-2, CR-49).
///
/// `Unknown` is a real answer, not a default for "landline": no source here ever guesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineType {
    Wireless,
    Landline,
    Voip,
    /// Toll-free, premium-rate, emergency and health-care lines: treated like wireless for every purpose
    /// (CR-2).
    Protected,
    Unknown,
}

impl LineType {
    /// The stored and serialized name: `wireless`, `landline`, `voip`, `protected`, `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            LineType::Wireless => "wireless",
            LineType::Landline => "landline",
            LineType::Voip => "voip",
            LineType::Protected => "protected",
            LineType::Unknown => "unknown",
        }
    }

    /// What a file says about a line ("cell", "Mobile", "W", "landline", "L", "residential", "VoIP", "V",
    /// "toll free", "unknown", …), case-insensitive and tolerant of spaces, `-` and `_`.
    ///
    /// Text that is not recognised gives `None` (the caller records `Unknown` and may report the column);
    /// text that explicitly says "unknown" gives `Some(Unknown)`. Descriptions of what a number is to the
    /// person ("home", "work") are not line types: a home number may well be a cell phone.
    pub fn from_hint(hint: &str) -> Option<LineType> {
        let mut key = [0u8; 24];
        let mut len = 0;
        for b in hint.trim().bytes() {
            let b = match b {
                b'a'..=b'z' | b'0'..=b'9' => b,
                b'A'..=b'Z' => b.to_ascii_lowercase(),
                b' ' | b'-' | b'_' | b'.' | b'/' => continue,
                _ => return None,
            };
            if len == key.len() {
                return None;
            }
            key[len] = b;
            len += 1;
        }
        let key = std::str::from_utf8(&key[..len]).ok()?;
        Some(match key {
            "wireless" | "w" | "cell" | "cellular" | "cellphone" | "c" | "mobile" | "mobilephone" | "m" | "wls"
            | "wrls" | "cel" | "mob" => LineType::Wireless,
            "landline" | "land" | "l" | "landlinephone" | "residential" | "res" | "wireline" | "fixed"
            | "fixedline" | "pots" => LineType::Landline,
            "voip" | "v" | "voiceoverip" | "fixedvoip" | "nonfixedvoip" | "interconnectedvoip" => LineType::Voip,
            "protected" | "tollfree" | "premium" | "premiumrate" | "emergency" | "healthcare" | "hospital" => {
                LineType::Protected
            }
            "unknown" | "u" | "unk" | "fixedlineormobile" => LineType::Unknown,
            _ => return None,
        })
    }
}

impl fmt::Display for LineType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed number and the extension typed after it (`x12`, `ext. 12`, `#12`), digits only.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParsedPhone {
    pub number: PhoneE164,
    pub extension: Option<String>,
}

/// Why text is not a phone number: a reason only, never the input (phone numbers are personal data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum PhoneError {
    #[error("no phone number given")]
    Empty,
    #[error("too few digits for a phone number")]
    TooShort,
    #[error("too many digits for a phone number")]
    TooLong,
    #[error("letters are not allowed in a phone number (except an extension such as `x12`)")]
    Letters,
    #[error("a character not allowed in a phone number")]
    BadCharacter,
    #[error("the area code is not valid (it may not start with 0 or 1, nor be an N11 service code)")]
    InvalidAreaCode,
    #[error("the area code is not in use")]
    UnassignedAreaCode,
    #[error("the exchange (the three digits after the area code) may not start with 0 or 1")]
    InvalidExchange,
    #[error("the extension is malformed (expected e.g. `x12`, `ext. 12` or `#12`)")]
    InvalidExtension,
    #[error("the default region is not a known two-letter region code")]
    UnknownRegion,
    #[error("the country code is not valid")]
    InvalidCountryCode,
    #[error("not a valid phone number")]
    NotValid,
    #[error("not in E.164 form (`+` followed by digits only)")]
    NotE164,
}

/// Parse a phone number as people type it. `default_region` (e.g. `"US"`) applies to numbers written
/// without a country code.
///
/// NANP numbers in every usual format take a fast path that allocates nothing (an extension aside):
/// `(919) 555-0123`, `919-555-0123`, `919.555.0123`, `919 555 0123`, `9195550123`, `+1 919 555 0123`,
/// `1-919-555-0123`, `1 (919) 555-0123`, `+19195550123`, each optionally followed by an extension `x12`,
/// `ext. 12`, `ext 12`, `extension 12` or `#12`. The fictional 555-01XX lines are valid. Rejected: too few
/// or too many digits, an area code or exchange starting with 0 or 1, N11 area codes (211…911), area codes
/// not in use, and letters other than an extension marker.
///
/// Other numbers (`+44 …`, `011 44 …`, a non-NANP default region) go to the `phonenumber` crate.
pub fn parse_phone(raw: &str, default_region: &str) -> Result<ParsedPhone, PhoneError> {
    match fast::parse(raw, default_region) {
        fast::Outcome::Done(result) => result,
        fast::Outcome::Fallback => parse_with_crate(raw, default_region),
    }
}

/// The `phonenumber` crate's verdict: parsed, then valid by its metadata.
pub(crate) fn parse_with_crate(raw: &str, default_region: &str) -> Result<ParsedPhone, PhoneError> {
    use phonenumber::country::Id;

    let mut region = [0u8; 2];
    match default_region.as_bytes() {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            region = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
        }
        _ => {}
    }
    let region: Id = std::str::from_utf8(&region).ok().and_then(|r| r.parse().ok()).ok_or(PhoneError::UnknownRegion)?;
    // The crate has panicked on malformed input before (rust-phonenumber #32): a bad row in a voter file
    // must be an error, not a crashed import.
    let parsed =
        std::panic::catch_unwind(|| phonenumber::parse(Some(region), raw)).map_err(|_| PhoneError::NotValid)?;
    let number = parsed.map_err(|e| match e {
        phonenumber::ParseError::InvalidCountryCode => PhoneError::InvalidCountryCode,
        phonenumber::ParseError::TooLong => PhoneError::TooLong,
        phonenumber::ParseError::TooShortNsn | phonenumber::ParseError::TooShortAfterIdd => PhoneError::TooShort,
        _ => PhoneError::NotValid,
    })?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneError::NotValid);
    }
    let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
    let digits: u64 = e164.strip_prefix('+').and_then(|d| d.parse().ok()).ok_or(PhoneError::NotValid)?;
    let code = number.code().value();
    let cc_len = code.checked_ilog10().unwrap_or(0) as u8 + 1;
    if digits.checked_ilog10().unwrap_or(0) + 1 > 15 {
        return Err(PhoneError::TooLong);
    }
    let extension = number.extension().map(|e| e.to_string()).filter(|e| !e.is_empty());
    Ok(ParsedPhone { number: PhoneE164 { digits, cc_len }, extension })
}

/// The NANP toll-free area codes (800, 833, 844, 855, 866, 877, 888).
pub const TOLL_FREE_NPAS: [u16; 7] = [800, 833, 844, 855, 866, 877, 888];

/// Whether a number is NANP toll-free (800, 833, 844, 855, 866, 877, 888): a protected line (CR-2), since
/// the called party pays for the call.
pub fn is_toll_free(number: &PhoneE164) -> bool {
    number.npa().is_some_and(|npa| TOLL_FREE_NPAS.contains(&npa))
}

/// Whether a number is NANP premium-rate (900): a protected line (CR-2).
pub fn is_premium(number: &PhoneE164) -> bool {
    number.npa() == Some(900)
}

/// What the number itself says about its line: `Protected` for toll-free and premium-rate numbers,
/// `Unknown` for everything else (a number alone never tells wireless from landline in the NANP).
pub fn line_type_of_number(number: &PhoneE164) -> LineType {
    if is_toll_free(number) || is_premium(number) {
        LineType::Protected
    } else {
        LineType::Unknown
    }
}

/// The line type from every source at hand: protected numbers first (a block file cannot make a toll-free
/// number dialable), then the block assignments; `Unknown` when neither knows.
pub fn line_type(number: &PhoneE164, blocks: &BlockLineTypes) -> LineType {
    match line_type_of_number(number) {
        LineType::Unknown => blocks.lookup(number),
        known => known,
    }
}
