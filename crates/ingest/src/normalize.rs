//! One source row → one `PersonRecord` ready for the store (clear targeting fields, ciphertext and
//! blind indexes), plus the rejects and field problems it produced.

use crate::rejects::Reject;
use clearline_core::phone::{self, BlockLineTypes, LineType};
use clearline_core::tz;
use clearline_store::{PersonRecord, PhoneRecord};
use clearline_voterfile::{CanonicalFields, PhoneKind, SourceRow};
use serde_json::json;

/// Encryption as the importer needs it; implemented over a campaign's keys by `clearline-vault`.
pub trait Sealer: Send + Sync {
    /// Authenticated encryption of one field's value.
    fn seal(&self, field: &str, plaintext: &[u8]) -> Vec<u8>;
    /// The keyed blind index of a normalized value, for equality look-ups.
    fn index(&self, purpose: &str, normalized: &[u8]) -> Vec<u8>;
}

/// Fields longer than this are kept but flagged: no real name or address is this long.
const LONG_FIELD: usize = 500;

pub struct Normalizer<'a> {
    pub sealer: &'a dyn Sealer,
    pub default_region: &'a str,
    pub line_types: Option<&'a BlockLineTypes>,
    /// Birth years after this are implausible for a voter (the current year minus 17).
    pub latest_birth_year: i64,
}

/// What normalizing one row produced.
pub struct Normalized {
    pub person: PersonRecord,
    pub phones_valid: u64,
    pub phone_rejects: Vec<Reject>,
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn kind_name(kind: &PhoneKind) -> &'static str {
    match kind {
        PhoneKind::Home => "home",
        PhoneKind::Cell => "cell",
        PhoneKind::Work => "work",
        PhoneKind::Other => "other",
    }
}

fn line_type_name(t: LineType) -> &'static str {
    match t {
        LineType::Wireless => "wireless",
        LineType::Landline => "landline",
        LineType::Voip => "voip",
        LineType::Protected => "protected",
        LineType::Unknown => "unknown",
    }
}

/// `extra` as a JSON array aligned with `columns` (trailing empty columns left out). The row's extras come in column order, a subset of
/// `columns`, so one forward walk places them. A name not among `columns` (never, for a reader's own
/// list) is kept at the end as a `[name, value]` pair rather than lost.
fn extra_values(extra: &[(String, String)], columns: &[String]) -> String {
    let mut values: Vec<Option<&str>> = vec![None; columns.len()];
    // Trailing empty columns are left out (an array shorter than `columns` means the rest are empty).
    let mut strays: Vec<[&str; 2]> = Vec::new();
    let mut at = 0;
    for (name, value) in extra {
        match columns[at..].iter().position(|c| c == name) {
            Some(offset) => {
                at += offset;
                values[at] = Some(value);
                at += 1;
            }
            None => strays.push([name, value]),
        }
    }
    while values.last() == Some(&None) {
        values.pop();
    }
    let mut out = serde_json::to_string(&values).expect("json");
    if !strays.is_empty() {
        out.pop();
        for pair in strays {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(&pair).expect("json"));
        }
        out.push(']');
    }
    out
}

impl Normalizer<'_> {
    /// Normalizes a row that has a person key (the pipeline rejects rows without one).
    ///
    /// `extra_columns` are the file's extra column names ([`clearline_voterfile::VoterReader::extra_columns`]):
    /// `extra` is stored as a JSON array of values aligned with them (`null` where empty), and the names
    /// once with the batch, instead of every name on every row.
    pub fn normalize(
        &self,
        row: &SourceRow,
        person_key: &str,
        source_state: Option<&str>,
        extra_columns: &[String],
    ) -> Normalized {
        let f: &CanonicalFields = &row.fields;
        let mut problems: Vec<serde_json::Value> = Vec::new();
        let mut problem = |field: &str, reason: &str| problems.push(json!({"field": field, "reason": reason}));

        let birth_year = match clean(&f.birth_year) {
            None => None,
            Some(y) => match y.parse::<i64>() {
                Ok(y) if (1900..=self.latest_birth_year).contains(&y) => Some(y),
                _ => {
                    problem("birth_year", "not a plausible birth year");
                    None
                }
            },
        };
        let res_zip = clean(&f.res_zip);
        if let Some(zip) = &res_zip {
            let digits: String = zip.chars().filter(|c| *c != '-').collect();
            if !(digits.len() == 5 || digits.len() == 9) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                problem("res_zip", "not a 5- or 9-digit ZIP code");
            }
        }
        let res_state =
            clean(&f.res_state).map(|s| s.to_ascii_uppercase()).or_else(|| source_state.map(str::to_string));
        let county = clean(&f.county);
        let address_zones = tz::zones_for_address(res_state.as_deref().unwrap_or(""), county.as_deref()).join(",");

        let text_fields = [
            ("first_name", &f.first_name),
            ("middle_name", &f.middle_name),
            ("last_name", &f.last_name),
            ("res_address", &f.res_address),
            ("res_city", &f.res_city),
        ];
        for (name, value) in text_fields {
            if value.as_ref().is_some_and(|v| v.chars().count() > LONG_FIELD) {
                problem(name, "longer than 500 characters; kept as given");
            }
        }

        // Encrypted fields.
        let birth_date_enc = clean(&f.birth_date).map(|d| self.sealer.seal("birth_date", d.as_bytes()));
        let (email_enc, email_index) = match clean(&f.email) {
            None => (None, None),
            Some(e) => {
                let lower = e.to_ascii_lowercase();
                let valid = clearline_core::validate::Email::parse(&lower).is_ok();
                if !valid {
                    problem("email", "not an email address; kept encrypted, not indexed");
                }
                let index = valid.then(|| self.sealer.index("email", lower.as_bytes()));
                (Some(self.sealer.seal("email", lower.as_bytes())), index)
            }
        };

        // Phones: a bad phone is rejected on its own; the person stays.
        let mut phones = Vec::new();
        let mut phone_rejects = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for p in &f.phones {
            let raw = p.raw.trim();
            if raw.is_empty() {
                continue;
            }
            let kind = kind_name(&p.kind);
            match phone::parse_phone(raw, self.default_region) {
                Err(e) => phone_rejects.push(Reject {
                    line: row.line,
                    person_key: person_key.to_string(),
                    field: format!("phone:{kind}"),
                    reason: e.to_string(),
                    value: raw.to_string(),
                }),
                Ok(parsed) => {
                    let e164 = parsed.number.to_string();
                    if seen.contains(&e164) {
                        continue; // the same number twice on one person is one phone
                    }
                    seen.push(e164.clone());
                    let line_type = p
                        .line_type_hint
                        .as_deref()
                        .and_then(LineType::from_hint)
                        .or_else(|| {
                            (phone::is_toll_free(&parsed.number) || phone::is_premium(&parsed.number))
                                .then_some(LineType::Protected)
                        })
                        .or_else(|| self.line_types.map(|t| t.lookup(&parsed.number)))
                        .unwrap_or(LineType::Unknown);
                    phones.push(PhoneRecord {
                        kind: kind.to_string(),
                        number_enc: self.sealer.seal("phone", e164.as_bytes()),
                        number_index: self.sealer.index("phone", e164.as_bytes()),
                        line_type: line_type_name(line_type).to_string(),
                        npa_zones: phone::nanp::zones_for(&parsed.number).join(","),
                        npa_state: phone::nanp::state_for(&parsed.number).map(str::to_string),
                    });
                }
            }
        }
        let phones_valid = phones.len() as u64;

        let vote_history =
            serde_json::to_string(&f.vote_history.iter().map(|v| [&v.election, &v.how]).collect::<Vec<_>>())
                .expect("json");
        let extra = extra_values(&f.extra, extra_columns);
        let mut person = PersonRecord {
            person_key: person_key.to_string(),
            source_state: source_state.map(str::to_string),
            first_name: clean(&f.first_name),
            middle_name: clean(&f.middle_name),
            last_name: clean(&f.last_name),
            name_suffix: clean(&f.name_suffix),
            res_address: clean(&f.res_address),
            res_city: clean(&f.res_city),
            res_state,
            res_zip,
            county,
            birth_year,
            gender: clean(&f.gender),
            race: clean(&f.race),
            party: clean(&f.party),
            voter_status: clean(&f.voter_status),
            registration_date: clean(&f.registration_date),
            precinct: clean(&f.precinct),
            congressional_district: clean(&f.congressional_district),
            state_house_district: clean(&f.state_house_district),
            state_senate_district: clean(&f.state_senate_district),
            birth_date_enc,
            email_enc,
            email_index,
            vote_history,
            extra,
            field_problems: serde_json::to_string(&problems).expect("json"),
            address_zones,
            content_hash: Vec::new(),
            phones,
        };
        person.content_hash = self.content_hash(row, &person);
        Normalized { person, phones_valid, phone_rejects }
    }

    /// A keyed hash of the row's plaintext (so "unchanged" needs no decryption, and the hash reveals
    /// nothing to someone without the campaign's key). Fields are written length-prefixed into one
    /// buffer, so no two different rows encode alike, and no JSON tree is built per row.
    fn content_hash(&self, row: &SourceRow, p: &PersonRecord) -> Vec<u8> {
        let f = &row.fields;
        let mut buf: Vec<u8> = Vec::with_capacity(512);
        buf.extend_from_slice(b"content-v2");
        let mut put = |v: Option<&str>| match v {
            None => buf.push(0),
            Some(v) => {
                buf.push(1);
                buf.extend_from_slice(&(v.len() as u64).to_le_bytes());
                buf.extend_from_slice(v.as_bytes());
            }
        };
        for v in [
            &p.first_name,
            &p.middle_name,
            &p.last_name,
            &p.name_suffix,
            &p.res_address,
            &p.res_city,
            &p.res_state,
            &p.res_zip,
            &p.county,
        ] {
            put(v.as_deref());
        }
        put(p.birth_year.map(|y| y.to_string()).as_deref());
        for v in [
            &p.gender,
            &p.race,
            &p.party,
            &p.voter_status,
            &p.registration_date,
            &p.precinct,
            &p.congressional_district,
            &p.state_house_district,
            &p.state_senate_district,
        ] {
            put(v.as_deref());
        }
        put(clean(&f.birth_date).as_deref());
        put(clean(&f.email).as_deref());
        put(Some(&p.vote_history));
        put(Some(&p.extra));
        put(Some(&f.phones.len().to_string()));
        for ph in &f.phones {
            put(Some(kind_name(&ph.kind)));
            put(Some(ph.raw.trim()));
            put(ph.line_type_hint.as_deref());
        }
        put(p.source_state.as_deref());
        self.sealer.index("content", &buf)
    }
}

#[cfg(test)]
mod tests {
    use super::extra_values;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn extras_line_up_with_the_file_columns() {
        let columns: Vec<String> = ["a", "b", "c"].iter().map(|c| c.to_string()).collect();
        assert_eq!(extra_values(&pairs(&[("a", "1"), ("c", "3")]), &columns), r#"["1",null,"3"]"#);
        assert_eq!(extra_values(&[], &columns), "[]");
        assert_eq!(extra_values(&pairs(&[("a", "1")]), &columns), r#"["1"]"#);
        assert_eq!(extra_values(&pairs(&[("b", "x\"y")]), &columns), r#"[null,"x\"y"]"#);
    }

    #[test]
    fn an_extra_outside_the_column_list_is_kept_not_lost() {
        let columns: Vec<String> = vec!["a".into()];
        assert_eq!(extra_values(&pairs(&[("a", "1"), ("z", "9")]), &columns), r#"["1",["z","9"]]"#);
        assert_eq!(extra_values(&pairs(&[("z", "9")]), &[]), r#"[["z","9"]]"#);
    }
}
