//! The NANP fast path of [`super::parse_phone`]: one pass over the bytes, no allocation (an extension
//! aside), and an area-code table generated from libphonenumber's metadata (`npa.tsv`).
//!
//! It decides only what it fully understands: a NANP number (`+1…`, or no country code with a NANP
//! default region) made of ASCII digits, the usual separators and an optional extension. Anything else is
//! [`Outcome::Fallback`], for the `phonenumber` crate.

use super::nanp::{npa_coverage, Coverage};
use super::{ParsedPhone, PhoneE164, PhoneError};

pub(super) enum Outcome {
    Done(Result<ParsedPhone, PhoneError>),
    Fallback,
}

/// The regions that share country code 1, so that a number written without one is a NANP number.
const NANP_REGIONS: [[u8; 2]; 25] = [
    *b"US", *b"CA", *b"AG", *b"AI", *b"AS", *b"BB", *b"BM", *b"BS", *b"DM", *b"DO", *b"GD", *b"GU", *b"JM", *b"KN",
    *b"KY", *b"LC", *b"MP", *b"MS", *b"PR", *b"SX", *b"TC", *b"TT", *b"VC", *b"VG", *b"VI",
];

fn is_nanp_region(region: &str) -> bool {
    match region.as_bytes() {
        [a, b] => NANP_REGIONS.contains(&[a.to_ascii_uppercase(), b.to_ascii_uppercase()]),
        _ => false,
    }
}

pub(super) fn parse(raw: &str, default_region: &str) -> Outcome {
    use Outcome::{Done, Fallback};
    let s = raw.trim();
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Done(Err(PhoneError::Empty));
    }
    let plus = bytes[0] == b'+';
    let mut digits = [0u8; 11];
    let mut count = 0usize;
    let mut extension = None;
    let mut unusual = false;
    let mut i = usize::from(plus);
    while i < bytes.len() {
        match bytes[i] {
            b @ b'0'..=b'9' => {
                if count < digits.len() {
                    digits[count] = b - b'0';
                }
                count += 1;
            }
            b' ' | b'\t' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            b'x' | b'X' | b'e' | b'E' | b'#' => match parse_extension(&bytes[i..]) {
                Ok((start, end)) => {
                    extension = Some((i + start, i + end));
                    break;
                }
                Err(e) => return Done(Err(e)),
            },
            b if b.is_ascii_alphabetic() => return Done(Err(PhoneError::Letters)),
            // Non-ASCII (full-width digits, other scripts' extension labels, no-break spaces) and unusual
            // punctuation: the crate decides. Keep scanning, so that letters are refused either way.
            _ => unusual = true,
        }
        i += 1;
    }
    if unusual {
        return Fallback;
    }
    if count == 0 {
        return Done(Err(PhoneError::Empty));
    }
    let national = if plus {
        if digits[0] != 1 {
            return Fallback; // another country code
        }
        match count {
            11 => &digits[1..],
            n if n < 11 => return Done(Err(PhoneError::TooShort)),
            _ => return Done(Err(PhoneError::TooLong)),
        }
    } else {
        let international_prefix = digits[0] == 0 && (digits[1] == 0 || (digits[1] == 1 && digits[2] == 1));
        if !is_nanp_region(default_region) || international_prefix {
            return Fallback; // another country's national format, or an international prefix (011, 00)
        }
        match count {
            10 => &digits[..10],
            11 if digits[0] == 1 => &digits[1..],
            n if n < 10 => return Done(Err(PhoneError::TooShort)),
            _ => return Done(Err(PhoneError::TooLong)),
        }
    };
    if national[0] < 2 || (national[1] == 1 && national[2] == 1) {
        return Done(Err(PhoneError::InvalidAreaCode));
    }
    if national[3] < 2 {
        return Done(Err(PhoneError::InvalidExchange));
    }
    let npa = u16::from(national[0]) * 100 + u16::from(national[1]) * 10 + u16::from(national[2]);
    match npa_coverage(npa) {
        Coverage::All => {}
        Coverage::Some => return Fallback,
        Coverage::None => return Done(Err(PhoneError::UnassignedAreaCode)),
    }
    let number = national.iter().fold(0u64, |n, &d| n * 10 + u64::from(d));
    let extension = extension.map(|(start, end)| s[start..end].to_string());
    Done(Ok(ParsedPhone { number: PhoneE164::nanp(number), extension }))
}

/// An extension at the start of `rest`: a label (`ext`, `extn`, `extension`, optionally followed by `.` or
/// `:`; or `x` or `#`), optional spaces, the digits (up to 20 after a word label, 9 after `x`/`#`, as in
/// libphonenumber), an optional closing `#`, and nothing after. Returns the digits' byte range.
fn parse_extension(rest: &[u8]) -> Result<(usize, usize), PhoneError> {
    let starts_with = |label: &[u8]| rest.len() >= label.len() && rest[..label.len()].eq_ignore_ascii_case(label);
    let (mut j, max_digits) = if starts_with(b"extension") {
        (9, 20)
    } else if starts_with(b"extn") {
        (4, 20)
    } else if starts_with(b"ext") {
        (3, 20)
    } else if matches!(rest[0], b'x' | b'X' | b'#') {
        (1, 9)
    } else {
        return Err(PhoneError::Letters);
    };
    if max_digits == 20 && j < rest.len() && matches!(rest[j], b'.' | b':') {
        j += 1;
    }
    while j < rest.len() && matches!(rest[j], b' ' | b'\t' | b'-') {
        j += 1;
    }
    let start = j;
    while j < rest.len() && rest[j].is_ascii_digit() {
        j += 1;
    }
    let end = j;
    if end == start || end - start > max_digits {
        return Err(PhoneError::InvalidExtension);
    }
    if j < rest.len() && rest[j] == b'#' {
        j += 1;
    }
    while j < rest.len() && matches!(rest[j], b' ' | b'\t') {
        j += 1;
    }
    if j != rest.len() {
        return Err(if rest[j..].iter().any(u8::is_ascii_alphabetic) {
            PhoneError::Letters
        } else {
            PhoneError::InvalidExtension
        });
    }
    Ok((start, end))
}
