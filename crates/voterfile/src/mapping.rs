//! A user-saved column mapping for any delimited file (saved as JSON by a campaign).

use crate::encoding::TextEncoding;
use crate::layout::{Field, Target};
use crate::PhoneKind;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How to read a delimited file that has no preset layout.
///
/// ```json
/// {"delimiter": ";", "quoted": true, "header": true, "encoding": "detect",
///  "columns": {"voter_id": "ID", "first_name": "Prénom", "last_name": "Nom",
///              "res_address": ["Numéro", "Rue"], "cell_phone": "Portable",
///              "vote_history": ["G2022", "G2024"]}}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// One ASCII character (`","`, `";"`, `"\t"`, `"|"`, …), not `"`.
    pub delimiter: char,
    /// Whether fields may be double-quoted (RFC 4180: `""` inside a quoted field is one `"`, and a quoted
    /// field may hold the delimiter or a line break). When false, `"` is an ordinary character.
    #[serde(default)]
    pub quoted: bool,
    /// Whether the first line names the columns.
    pub header: bool,
    /// The file's encoding; `None` (`"detect"`, `null` or absent in JSON) detects: valid UTF-8 in the
    /// first 1 MiB is UTF-8, anything else windows-1252.
    #[serde(default, serialize_with = "ser_encoding", deserialize_with = "de_encoding")]
    pub encoding: Option<TextEncoding>,
    /// For each canonical field, its source column(s) (boxed: it is large, and `Layout` holds a mapping).
    pub columns: Box<MappedColumns>,
}

fn ser_encoding<S: Serializer>(e: &Option<TextEncoding>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        None => s.serialize_str("detect"),
        Some(e) => e.serialize(s),
    }
}

fn de_encoding<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TextEncoding>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("detect") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// A source column: by header name, or by 1-based position (the only way when there is no header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnRef {
    Position(u32),
    Name(String),
}

/// One column, or several joined with single spaces (e.g. house number and street name). For
/// `vote_history`, each column is one election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnSpec {
    One(ColumnRef),
    Many(Vec<ColumnRef>),
}

impl ColumnSpec {
    fn refs(&self) -> &[ColumnRef] {
        match self {
            ColumnSpec::One(r) => std::slice::from_ref(r),
            ColumnSpec::Many(v) => v,
        }
    }
}

macro_rules! mapped_columns {
    ($($(#[$doc:meta])* $name:ident => $target:expr,)*) => {
        /// The canonical fields a mapping can fill; every one is optional except `voter_id`. Columns the
        /// mapping does not name go to [`crate::CanonicalFields::extra`].
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct MappedColumns {
            $($(#[$doc])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $name: Option<ColumnSpec>,)*
        }

        impl MappedColumns {
            /// Every field a mapping can fill, as the JSON names it, in declaration order (what a
            /// mapping editor offers for a column).
            pub const FIELD_NAMES: &'static [&'static str] = &[$(stringify!($name),)*];

            /// Maps `field` (one of [`MappedColumns::FIELD_NAMES`]) to `spec`; false for any other name.
            pub fn set(&mut self, field: &str, spec: ColumnSpec) -> bool {
                match field {
                    $(stringify!($name) => { self.$name = Some(spec); true })*
                    _ => false,
                }
            }

            /// (field name, spec, target) for every mapped field, in declaration order.
            pub(crate) fn entries(&self) -> Vec<(&'static str, &ColumnSpec, Target)> {
                let mut out = Vec::new();
                $(if let Some(spec) = &self.$name { out.push((stringify!($name), spec, $target)); })*
                out
            }
        }
    };
}

mapped_columns! {
    /// The person key (state voter ID).
    voter_id => Target::Key,
    first_name => Target::Field(Field::FirstName),
    middle_name => Target::Field(Field::MiddleName),
    last_name => Target::Field(Field::LastName),
    name_suffix => Target::Field(Field::NameSuffix),
    res_address => Target::Field(Field::ResAddress),
    res_city => Target::Field(Field::ResCity),
    res_state => Target::Field(Field::ResState),
    res_zip => Target::Field(Field::ResZip),
    county => Target::Field(Field::County),
    birth_year => Target::Field(Field::BirthYear),
    birth_date => Target::Field(Field::BirthDate),
    gender => Target::Field(Field::Gender),
    race => Target::Field(Field::Race),
    party => Target::Field(Field::Party),
    voter_status => Target::Field(Field::VoterStatus),
    registration_date => Target::Field(Field::RegistrationDate),
    precinct => Target::Field(Field::Precinct),
    congressional_district => Target::Field(Field::CongressionalDistrict),
    state_house_district => Target::Field(Field::StateHouseDistrict),
    state_senate_district => Target::Field(Field::StateSenateDistrict),
    home_phone => Target::Phone(PhoneKind::Home),
    home_phone_line_type => Target::LineType(PhoneKind::Home),
    cell_phone => Target::Phone(PhoneKind::Cell),
    cell_phone_line_type => Target::LineType(PhoneKind::Cell),
    work_phone => Target::Phone(PhoneKind::Work),
    work_phone_line_type => Target::LineType(PhoneKind::Work),
    other_phone => Target::Phone(PhoneKind::Other),
    other_phone_line_type => Target::LineType(PhoneKind::Other),
    email => Target::Email,
    /// Each column is one election, named by its header (or `column N`); non-empty values are kept.
    vote_history => Target::Election,
}

impl ColumnMapping {
    /// Parses a saved mapping.
    pub fn from_json(text: &str) -> Result<ColumnMapping, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The mapping as JSON, as a campaign saves it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a mapping always serializes")
    }

    /// Reads a mapping and checks it: what `clearline import mapping` and the mapping editor both save.
    /// The reason names fields and columns, never values.
    pub fn parse_checked(text: &str) -> Result<ColumnMapping, String> {
        let mapping = ColumnMapping::from_json(text).map_err(|e| format!("not a column mapping: {e}"))?;
        mapping.validate()?;
        Ok(mapping)
    }

    /// (field, its source columns) for every mapped field, in declaration order.
    pub fn mapped(&self) -> Vec<(&'static str, &[ColumnRef])> {
        self.columns.entries().into_iter().map(|(field, spec, _)| (field, spec.refs())).collect()
    }

    /// Checks what can be checked without the file. The reason names fields and columns, never values.
    pub fn validate(&self) -> Result<(), String> {
        let d = self.delimiter;
        if !d.is_ascii() || d == '"' || d == '\r' || d == '\n' || d == '\0' {
            return Err("the delimiter must be one ASCII character other than a quote, NUL or line break".into());
        }
        if self.columns.voter_id.is_none() {
            return Err("the mapping has no column for `voter_id` (the person key)".into());
        }
        let entries = self.columns.entries();
        for (field, spec, target) in &entries {
            let refs = spec.refs();
            if refs.is_empty() {
                return Err(format!("`{field}` is mapped to an empty list of columns"));
            }
            for r in refs {
                match r {
                    ColumnRef::Position(0) => return Err(format!("`{field}`: column positions start at 1")),
                    ColumnRef::Name(n) if !self.header => {
                        return Err(format!(
                            "`{field}` names column `{n}` but the mapping says the file has no header; use a 1-based position"
                        ))
                    }
                    ColumnRef::Name(n) if n.trim().is_empty() => return Err(format!("`{field}`: empty column name")),
                    _ => {}
                }
            }
            if let Target::LineType(kind) = target {
                if !entries.iter().any(|(_, _, t)| *t == Target::Phone(*kind)) {
                    return Err(format!("`{field}` is mapped but its phone column is not"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let text = r#"{"delimiter":";","quoted":true,"header":true,"encoding":"latin-1",
            "columns":{"voter_id":"ID","res_address":["Num","Rue"],"vote_history":[7,8]}}"#;
        let m = ColumnMapping::from_json(text).unwrap();
        assert_eq!(m.delimiter, ';');
        assert_eq!(m.encoding, Some(TextEncoding::Latin1));
        assert_eq!(m.columns.voter_id, Some(ColumnSpec::One(ColumnRef::Name("ID".into()))));
        assert_eq!(
            m.columns.vote_history,
            Some(ColumnSpec::Many(vec![ColumnRef::Position(7), ColumnRef::Position(8)]))
        );
        assert_eq!(ColumnMapping::from_json(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn detect_is_none() {
        for enc in [r#""encoding":"detect","#, r#""encoding":null,"#, ""] {
            let text = format!(r#"{{"delimiter":",","header":false,{enc}"columns":{{"voter_id":1}}}}"#);
            let m = ColumnMapping::from_json(&text).unwrap();
            assert_eq!(m.encoding, None);
            assert!(!m.quoted);
        }
    }

    #[test]
    fn every_field_name_can_be_set_and_reads_back() {
        let mut columns = MappedColumns::default();
        for (i, field) in MappedColumns::FIELD_NAMES.iter().enumerate() {
            assert!(columns.set(field, ColumnSpec::One(ColumnRef::Position(i as u32 + 1))), "{field}");
        }
        assert!(!columns.set("frist_name", ColumnSpec::One(ColumnRef::Position(1))));
        let m =
            ColumnMapping { delimiter: ',', quoted: false, header: false, encoding: None, columns: Box::new(columns) };
        let names: Vec<&str> = m.mapped().into_iter().map(|(f, _)| f).collect();
        assert_eq!(names, MappedColumns::FIELD_NAMES);
        assert_eq!(ColumnMapping::parse_checked(&m.to_json()).unwrap(), m);
        assert!(ColumnMapping::parse_checked(r#"{"delimiter":",","header":true,"columns":{}}"#)
            .unwrap_err()
            .contains("voter_id"));
    }

    #[test]
    fn typos_are_refused() {
        let text = r#"{"delimiter":",","header":true,"columns":{"voter_id":"ID","frist_name":"F"}}"#;
        assert!(ColumnMapping::from_json(text).is_err());
    }

    #[test]
    fn validation() {
        let m = |cols: &str, header: bool, delim: &str| {
            ColumnMapping::from_json(&format!(r#"{{"delimiter":"{delim}","header":{header},"columns":{cols}}}"#))
                .unwrap()
                .validate()
        };
        assert!(m(r#"{"voter_id":"ID"}"#, true, ",").is_ok());
        assert!(m(r#"{"first_name":"F"}"#, true, ",").unwrap_err().contains("voter_id"));
        assert!(m(r#"{"voter_id":"ID"}"#, false, ",").unwrap_err().contains("no header"));
        assert!(m(r#"{"voter_id":0}"#, false, ",").unwrap_err().contains("start at 1"));
        assert!(m(r#"{"voter_id":1}"#, false, "\\\"").unwrap_err().contains("delimiter"));
        assert!(m(r#"{"voter_id":1,"cell_phone_line_type":2}"#, false, ",").unwrap_err().contains("phone"));
    }
}
