//! The case file of `clearline policy check`: one JSON object per line in, one verdict per line out.
//!
//! Reading is by hand from a `serde_json::Value`, not a derived struct, so that every error names the
//! field and the reason and never echoes the value (a phone number is personal data, and serde's own
//! messages quote what they could not read). Unknown keys are ignored; `null` is the same as absent.
//! Text in, values out: no I/O here. The format is documented in docs/policy.md.

use super::zones::{StateCode, Window, ZoneSet, ZoneTable};
use super::{Case, Country, DialMode, Purpose, RndCheck, RndResult, Verdict};
use crate::disposition::Disposition;
use crate::phone::{LineType, PhoneE164};
use jiff::civil::Time;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Why a line is not a case: the field and the reason, never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseError {
    /// The field at fault; `None` when the line as a whole is (not JSON, not an object).
    pub field: Option<&'static str>,
    pub problem: &'static str,
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field {
            Some(field) => write!(f, "field `{field}`: {}", self.problem),
            None => f.write_str(self.problem),
        }
    }
}

impl std::error::Error for CaseError {}

fn bad(field: &'static str, problem: &'static str) -> CaseError {
    CaseError { field: Some(field), problem }
}

fn bad_line(problem: &'static str) -> CaseError {
    CaseError { field: None, problem }
}

/// One line of a case file: the case's `id` (any JSON value, echoed back; `null` when absent), the
/// facts, and the whole object (for keys other tools add, such as a test's expectations).
pub struct ParsedCase {
    pub id: Value,
    pub case: Case,
    pub object: Map<String, Value>,
}

/// Reads one line. Zones must be in `table`.
pub fn parse_case(line: &str, table: &ZoneTable) -> Result<ParsedCase, CaseError> {
    let value: Value = serde_json::from_str(line).map_err(|_| bad_line("not valid JSON"))?;
    let Value::Object(object) = value else { return Err(bad_line("not a JSON object")) };
    let f = Fields(&object);
    let mut candidate_zones = ZoneSet::EMPTY;
    if let Some(zones) = f.get("candidate_zones") {
        let Value::Array(zones) = zones else { return Err(bad("candidate_zones", "not a list of zone names")) };
        for zone in zones {
            let name = zone.as_str().ok_or(bad("candidate_zones", "not a list of zone names"))?;
            let id = table.id(name).ok_or(bad("candidate_zones", "a zone that is not a US or NANP IANA zone"))?;
            candidate_zones.insert(id);
        }
    }
    let rnd = match (f.text("rnd_result")?, f.instant("rnd_checked_at")?) {
        (None, None) => None,
        (Some(result), Some(checked_at)) => {
            let result = RndResult::parse(result).ok_or(bad("rnd_result", "not one of no, yes, no_data"))?;
            Some(RndCheck { result, checked_at })
        }
        (Some(_), None) => return Err(bad("rnd_checked_at", "required with rnd_result")),
        (None, Some(_)) => return Err(bad("rnd_result", "required with rnd_checked_at")),
    };
    let case = Case {
        instant: f.instant("instant")?,
        candidate_zones,
        address_state: f.state("address_state")?,
        phone: match f.text("phone")? {
            Some(text) => Some(text.parse::<PhoneE164>().map_err(|_| bad("phone", "not a valid E.164 number"))?),
            None => None,
        },
        line_type: f.parsed("line_type", parse_line_type, "not one of wireless, landline, voip, protected, unknown")?,
        line_type_checked_at: f.instant("line_type_checked_at")?,
        business_line: f.flag("business_line")?.unwrap_or(false),
        business_lines_in_progress: f.count("business_lines_in_progress")?,
        dial_mode: f.parsed(
            "dial_mode",
            DialMode::parse,
            "not one of manual, preview, power, predictive, prerecorded, artificial_voice, ivr",
        )?,
        purpose: f.parsed("purpose", Purpose::parse, "not one of gotv, fundraising, survey, persuasion")?,
        consent: f.flag("consent")?,
        written_consent: f.flag("written_consent")?.unwrap_or(false),
        consent_at: f.instant("consent_at")?,
        rnd,
        on_dnc: f.flag("on_dnc")?,
        on_org_dnc: f.flag("on_org_dnc")?.unwrap_or(false),
        on_national_dnc: f.flag("on_national_dnc")?,
        prerecorded_calls_30d: f.count("prerecorded_calls_30d")?,
        attempts: f.count("attempts")?,
        max_attempts: f.count("max_attempts")?,
        last_attempt_at: f.instant("last_attempt_at")?,
        min_spacing_minutes: f.count("min_spacing_minutes")?,
        household_attempts: f.count("household_attempts")?,
        max_household_attempts: f.count("max_household_attempts")?,
        last_disposition: f.parsed("last_disposition", Disposition::from_code, "not a base disposition code")?,
        recorded: f.flag("recorded")?,
        agent_country: f.parsed("agent_country", Country::parse, "not a two-letter country code")?,
        agent_state: f.state("agent_state")?,
        vendor_country: f.parsed("vendor_country", Country::parse, "not a two-letter country code")?,
        source_state: f.state("source_state")?,
        program_window: f.parsed("program_window", parse_window, "not a window such as 09:00-20:30")?,
        caller_id_authorized: f.flag("caller_id_authorized")?,
        commercial_content: f.flag("commercial_content")?.unwrap_or(false),
        calls_24h: f.count("calls_24h")?,
    };
    let id = object.get("id").cloned().unwrap_or(Value::Null);
    Ok(ParsedCase { id, case, object })
}

fn parse_line_type(text: &str) -> Option<LineType> {
    [LineType::Wireless, LineType::Landline, LineType::Voip, LineType::Protected, LineType::Unknown]
        .into_iter()
        .find(|l| l.as_str() == text)
}

/// `HH:MM-HH:MM` (or with seconds), local time; `24:00` closes at midnight.
pub fn parse_window(text: &str) -> Option<Window> {
    let (open, close) = text.split_once('-')?;
    let time = |t: &str| -> Option<i32> {
        if t.trim() == "24:00" {
            return Some(86_400);
        }
        let t: Time = t.trim().parse().ok()?;
        Some(i32::from(t.hour()) * 3600 + i32::from(t.minute()) * 60 + i32::from(t.second()))
    };
    Some(Window { open: time(open)?, close: time(close)? })
}

struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn text(&self, key: &'static str) -> Result<Option<&'a str>, CaseError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(bad(key, "not a string")),
        }
    }

    fn parsed<T>(
        &self,
        key: &'static str,
        parse: impl Fn(&str) -> Option<T>,
        problem: &'static str,
    ) -> Result<Option<T>, CaseError> {
        match self.text(key)? {
            None => Ok(None),
            Some(text) => parse(text).map(Some).ok_or(bad(key, problem)),
        }
    }

    fn instant(&self, key: &'static str) -> Result<Option<Timestamp>, CaseError> {
        self.parsed(key, |t| t.parse::<Timestamp>().ok(), "not an RFC 3339 instant with an offset")
    }

    fn state(&self, key: &'static str) -> Result<Option<StateCode>, CaseError> {
        match self.text(key)? {
            None => Ok(None),
            Some(t) if t.trim().is_empty() => Ok(None),
            Some(t) => StateCode::parse(t).map(Some).ok_or(bad(key, "not a two-letter US state or territory code")),
        }
    }

    fn flag(&self, key: &'static str) -> Result<Option<bool>, CaseError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(bad(key, "not true or false")),
        }
    }

    fn count(&self, key: &'static str) -> Result<Option<u32>, CaseError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                v.as_u64().and_then(|n| u32::try_from(n).ok()).map(Some).ok_or(bad(key, "not a whole number ≥ 0"))
            }
        }
    }
}

/// The output line for a verdict, keys in this order:
/// `{"id","verdict","conditions":[…],"rules":[…],"reason","next_allowed_at"}`.
#[derive(Debug, Serialize)]
pub struct VerdictLine<'a> {
    pub id: &'a Value,
    pub verdict: &'static str,
    pub conditions: Vec<&'static str>,
    pub rules: Vec<&'static str>,
    pub reason: Cow<'static, str>,
    pub next_allowed_at: Option<String>,
}

pub fn verdict_line<'a>(id: &'a Value, verdict: &Verdict) -> VerdictLine<'a> {
    VerdictLine {
        id,
        verdict: verdict.kind.as_str(),
        conditions: verdict.conditions.iter().map(|c| c.as_str()).collect(),
        rules: verdict.rules.iter().map(|r| r.as_str()).collect(),
        reason: verdict.reason(),
        next_allowed_at: verdict.next_allowed_at.map(|t| t.to_string()),
    }
}

/// [`verdict_line`] as one line of JSON.
pub fn verdict_json(id: &Value, verdict: &Verdict) -> String {
    serde_json::to_string(&verdict_line(id, verdict)).expect("a verdict serializes")
}
