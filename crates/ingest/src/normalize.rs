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

impl Normalizer<'_> {
    /// Normalizes a row that has a person key (the pipeline rejects rows without one).
    pub fn normalize(&self, row: &SourceRow, person_key: &str, source_state: Option<&str>) -> Normalized {
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
        let extra = serde_json::to_string(
            &f.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<std::collections::BTreeMap<_, _>>(),
        )
        .expect("json");
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
    /// nothing to someone without the campaign's key).
    fn content_hash(&self, row: &SourceRow, p: &PersonRecord) -> Vec<u8> {
        let f = &row.fields;
        let phones: Vec<(&str, &str, Option<&str>)> =
            f.phones.iter().map(|ph| (kind_name(&ph.kind), ph.raw.trim(), ph.line_type_hint.as_deref())).collect();
        let canonical = json!([
            p.first_name,
            p.middle_name,
            p.last_name,
            p.name_suffix,
            p.res_address,
            p.res_city,
            p.res_state,
            p.res_zip,
            p.county,
            p.birth_year,
            p.gender,
            p.race,
            p.party,
            p.voter_status,
            p.registration_date,
            p.precinct,
            p.congressional_district,
            p.state_house_district,
            p.state_senate_district,
            clean(&f.birth_date),
            clean(&f.email),
            p.vote_history,
            p.extra,
            phones,
            p.source_state,
        ]);
        self.sealer.index("content", canonical.to_string().as_bytes())
    }
}
