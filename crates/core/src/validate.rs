//! Parse, don't validate: values that exist are valid.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Why a value was refused: the field and a plain reason, never the value itself (it may be personal).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: &'static str,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Invalid { field, reason: reason.into() }
    }
}

macro_rules! string_newtype {
    ($name:ident, $parse:path) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::str::FromStr for $name {
            type Err = Invalid;
            fn from_str(s: &str) -> Result<Self, Invalid> {
                $parse(s)
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                $parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A lower-cased email address (an account name; personal data — never logged).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, Invalid> {
        let s = raw.trim().to_ascii_lowercase();
        let bad = || Invalid::new("email", "is not an email address");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || domain.len() < 3 || !domain.contains('.') || domain.contains('@') {
            return Err(bad());
        }
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(bad());
        }
        Ok(Email(s))
    }
}
string_newtype!(Email, Email::parse);

/// A URL-safe organization handle: `demo`, `smith-for-senate`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Slug, Invalid> {
        let ok = (2..=48).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if ok {
            Ok(Slug(raw.to_string()))
        } else {
            Err(Invalid::new("slug", "must be 2-48 characters of a-z, 0-9 and '-', not starting or ending with '-'"))
        }
    }
}
string_newtype!(Slug, Slug::parse);

/// An FEC committee identifier: `C` followed by eight digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FecCommitteeId(String);

impl FecCommitteeId {
    pub fn parse(raw: &str) -> Result<FecCommitteeId, Invalid> {
        let s = raw.trim().to_ascii_uppercase();
        if s.len() == 9 && s.starts_with('C') && s[1..].bytes().all(|b| b.is_ascii_digit()) {
            Ok(FecCommitteeId(s))
        } else {
            Err(Invalid::new("fec_committee_id", "must be C followed by 8 digits"))
        }
    }
}
string_newtype!(FecCommitteeId, FecCommitteeId::parse);

/// A US state or territory postal code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StateCode(String);

const STATES: [&str; 56] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR",
    "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
];

impl StateCode {
    pub fn parse(raw: &str) -> Result<StateCode, Invalid> {
        let s = raw.trim().to_ascii_uppercase();
        if STATES.contains(&s.as_str()) {
            Ok(StateCode(s))
        } else {
            Err(Invalid::new("state", "is not a US state or territory postal code"))
        }
    }
}
string_newtype!(StateCode, StateCode::parse);

/// Checks a North American number written in E.164 (`+1NXXNXXXXXX`). The full NANP table arrives with
/// the voter-data issue; this is the structural check a callback number needs.
pub fn nanp_e164(raw: &str) -> Result<(), String> {
    let digits = raw.strip_prefix("+1").ok_or("must be written +1 followed by 10 digits")?;
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be written +1 followed by 10 digits".into());
    }
    let (npa, nxx) = (digits.as_bytes()[0], digits.as_bytes()[3]);
    if npa < b'2' || nxx < b'2' {
        return Err("area code and exchange must not start with 0 or 1".into());
    }
    Ok(())
}

/// The password rule: at least 12 characters, at most 256 (argon2 input stays bounded).
pub fn password_acceptable(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < 12 {
        return Err(Invalid::new("password", "must be at least 12 characters"));
    }
    if n > 256 {
        return Err(Invalid::new("password", "must be at most 256 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_nonsense_refused() {
        assert_eq!(Email::parse(" Ann@Example.ORG ").unwrap().as_str(), "ann@example.org");
        for bad in ["", "ann", "ann@", "@example.org", "ann@example", "a b@example.org", "ann@.org", "a@b..org"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn errors_never_echo_the_value() {
        let err = Email::parse("secret-person@nowhere").unwrap_err();
        assert!(!err.to_string().contains("secret-person"));
    }

    #[test]
    fn slugs_fec_ids_states_and_callback_numbers() {
        assert!(Slug::parse("smith-for-senate").is_ok());
        assert!(Slug::parse("Smith").is_err());
        assert!(Slug::parse("-x").is_err());
        assert_eq!(FecCommitteeId::parse("c00123456").unwrap().as_str(), "C00123456");
        assert!(FecCommitteeId::parse("C0012345").is_err());
        assert_eq!(StateCode::parse("nc").unwrap().as_str(), "NC");
        assert!(StateCode::parse("XX").is_err());
        assert!(nanp_e164("+19195550123").is_ok());
        assert!(nanp_e164("9195550123").is_err());
        assert!(nanp_e164("+11195550123").is_err());
        assert!(nanp_e164("+1919555012").is_err());
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(password_acceptable("short").is_err());
        assert!(password_acceptable("correct horse battery").is_ok());
    }
}
