//! The contact policy engine: may this number be dialed, how, and when — and why not.
//!
//! [`decide`] takes the facts of one prospective dial ([`Case`]) and the zone table, and returns a
//! [`Verdict`]: `allow`, `allow_with_conditions` (manual dial only, announce the recording, …) or
//! `deny`, with the rules behind it (CR-n of compliance-rules.md, or a campaign setting), a plain
//! sentence, and, when only time stands in the way, the next instant the dial would be allowed.
//!
//! Pure: no I/O and no clock (the instant is a fact of the case), no allocation while deciding, and no
//! memory between cases. A missing or contradictory fact is never allowed: the case is denied, naming
//! the fact. Where the rules leave a choice to the campaign, the conservative setting is the default
//! (docs/policy.md lists each choice). [`staff`] holds the separate check of what vendor staff may edit
//! (CR-31); [`case_file`] reads and writes the JSON Lines case format of `clearline policy check`.

pub mod case_file;
mod rules;
pub mod staff;
mod vocab;
pub mod zones;

#[cfg(test)]
mod tests;

pub use vocab::{Condition, ConditionSet, Contradiction, DialMode, Fact, FactSet, Purpose, RuleId, RuleSet};
pub use zones::{StateCode, StateSet, Window, ZoneId, ZoneSet, ZoneTable};

use crate::disposition::Disposition;
use crate::phone::{LineType, PhoneE164};
use jiff::Timestamp;
use std::borrow::Cow;

/// Decides one prospective dial. See the module documentation.
pub fn decide(table: &ZoneTable, case: &Case) -> Verdict {
    rules::evaluate(table, case)
}

/// Every zone the calling windows of a case are checked in: the address zones (else every zone of the
/// state, else every US zone) and the area-code zones of the phone.
pub fn checked_zones(table: &ZoneTable, case: &Case) -> ZoneSet {
    rules::candidate_zones(table, case)
}

/// A two-letter ISO 3166 country code, upper case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Country([u8; 2]);

impl Country {
    pub const US: Country = Country(*b"US");

    /// Two ASCII letters, any case.
    pub fn parse(code: &str) -> Option<Country> {
        match code.trim().as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some(Country([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// What a Reassigned Numbers Database query said about the number since the consent date (CR-13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RndResult {
    /// Not permanently disconnected since the consent date: the consent still belongs to this person.
    NotReassigned,
    /// Disconnected since the consent date: the number may be someone else's now, the consent is void.
    Reassigned,
    /// The database has no data for the number.
    NoData,
}

impl RndResult {
    /// The case-file spelling, as [`RndResult::parse`] reads it.
    pub const fn as_str(self) -> &'static str {
        match self {
            RndResult::NotReassigned => "no",
            RndResult::Reassigned => "yes",
            RndResult::NoData => "no_data",
        }
    }

    pub fn parse(text: &str) -> Option<RndResult> {
        match text {
            "no" => Some(RndResult::NotReassigned),
            "yes" => Some(RndResult::Reassigned),
            "no_data" => Some(RndResult::NoData),
            _ => None,
        }
    }
}

/// A Reassigned Numbers Database query: its answer and when it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RndCheck {
    pub result: RndResult,
    pub checked_at: Timestamp,
}

/// The minimum time between two attempts on a number when the program sets none: a campaign's choice,
/// set long rather than short.
pub const DEFAULT_MIN_SPACING_MINUTES: u32 = 120;

/// The facts of one prospective dial. `None` is "not known", never "no": a rule that needs a fact it
/// does not have denies the case, naming the fact.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Case {
    /// When the dial would happen.
    pub instant: Option<Timestamp>,
    /// The zones of the person's address (and any other zone to check). Empty: the address zone is
    /// unknown, so every zone of `address_state` is checked, or every US zone when that is unknown too.
    /// The area-code zones of `phone` are always added.
    pub candidate_zones: ZoneSet,
    /// The state of the person's address; unknown means any state's law may apply.
    pub address_state: Option<StateCode>,
    pub phone: Option<PhoneE164>,
    pub line_type: Option<LineType>,
    /// When the line type was last looked up (CR-12). A landline is relied on as a landline only when
    /// looked up within [`LINE_TYPE_FRESH_DAYS`] before `instant`; `None` is "never", so it is not.
    pub line_type_checked_at: Option<Timestamp>,
    /// A landline marked as a business line (not residential for CR-3).
    pub business_line: bool,
    /// Other lines of the same business the system is dialing or connected to now (CR-10).
    pub business_lines_in_progress: Option<u32>,
    pub dial_mode: Option<DialMode>,
    pub purpose: Option<Purpose>,
    /// A consent record exists for this number and this calling entity.
    pub consent: Option<bool>,
    /// That consent is written (signed, or given on a web form or by text): what CR-27 needs for
    /// automated commercial calls. `false` when not said.
    pub written_consent: bool,
    pub consent_at: Option<Timestamp>,
    pub rnd: Option<RndCheck>,
    /// On the campaign's internal do-not-call list.
    pub on_dnc: Option<bool>,
    /// On the organization-wide internal do-not-call list.
    pub on_org_dnc: bool,
    /// On the federal Do Not Call Registry (needed only where a rule uses it: CR-24).
    pub on_national_dnc: Option<bool>,
    /// Prerecorded or artificial-voice calls to this number from this calling entity in the 30 days
    /// before `instant`.
    pub prerecorded_calls_30d: Option<u32>,
    /// Attempts on this person in this program so far.
    pub attempts: Option<u32>,
    pub max_attempts: Option<u32>,
    pub last_attempt_at: Option<Timestamp>,
    /// `None`: [`DEFAULT_MIN_SPACING_MINUTES`].
    pub min_spacing_minutes: Option<u32>,
    pub household_attempts: Option<u32>,
    /// `None`: no household cap.
    pub max_household_attempts: Option<u32>,
    pub last_disposition: Option<Disposition>,
    /// The call will be recorded. `None` is taken as recorded (CR-28): announcing a recording that does
    /// not happen costs nothing; an unannounced one in an all-party state is an offence.
    pub recorded: Option<bool>,
    /// Where the agent taking the call is (manual, preview, power and predictive dials).
    pub agent_country: Option<Country>,
    pub agent_state: Option<StateCode>,
    pub vendor_country: Option<Country>,
    /// The state whose voter file the record came from.
    pub source_state: Option<StateCode>,
    /// The program's own calling hours, local time in every candidate zone.
    pub program_window: Option<Window>,
    /// The caller ID the dial presents is one the campaign attested it may use and that rings back to it
    /// (CR-14), with documented right to use (CR-15). Needed for every dial.
    pub caller_id_authorized: Option<bool>,
    /// The program's calls carry commercial content (anything sold: merchandise, tickets, services),
    /// which makes them "telephonic sales calls" under Florida's and Oklahoma's laws (CR-27). `false`
    /// when not said: purely political calls are not covered.
    pub commercial_content: bool,
    /// Calls to this number on this program (one subject) in the 24 hours before `instant` (CR-27).
    pub calls_24h: Option<u32>,
}

/// CR-12 (47 CFR 64.1200(a)(1)(iv)): a call to a number ported from wireline to wireless is excused only
/// within 15 days of the port, so a landline classification older than that may be stale.
pub const LINE_TYPE_FRESH_DAYS: i64 = 15;

/// The three answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerdictKind {
    Allow,
    AllowWithConditions,
    Deny,
}

impl VerdictKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Allow => "allow",
            VerdictKind::AllowWithConditions => "allow_with_conditions",
            VerdictKind::Deny => "deny",
        }
    }

    pub fn parse(text: &str) -> Option<VerdictKind> {
        [VerdictKind::Allow, VerdictKind::AllowWithConditions, VerdictKind::Deny]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// Why, as one plain sentence: the first denial (or, for an allowed dial, the first condition) in the
/// engine's fixed order, whatever the order of the facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    NoRuleStops,
    MissingFacts,
    Contradictory(Contradiction),
    OnDnc,
    OnOrgDnc,
    FinalDisposition,
    BulkDataCountry,
    CaliforniaOffshore,
    WirelessRobocall,
    ProtectedRobocall,
    ResidentialRobocallLimit,
    MultiLineBusiness,
    NationalDncNewHampshire,
    CallerIdNotAuthorized,
    StaleLineRobocall,
    CommercialRobocallNoWrittenConsent,
    CommercialDailyLimit,
    MaxAttempts,
    HouseholdCap,
    MinSpacing,
    OutsideWindow,
    NoCommonWindow,
    ManualDialOnly,
    StaleLineManualOnly,
    CommercialManualOnly,
    LiveOperatorFirst,
    AnnounceRecording,
    SafeHarbor,
    IdentifyAndOptOut,
    NamePayer,
    /// A staff action refused by CR-31 ([`staff`] has the details).
    Staff,
}

impl Reason {
    /// The sentence, except for [`Reason::MissingFacts`], which [`Verdict::reason`] completes.
    pub const fn sentence(self) -> &'static str {
        match self {
            Reason::NoRuleStops => "No rule stops this dial.",
            Reason::MissingFacts => "A fact the rules need is missing.",
            Reason::Contradictory(c) => c.sentence(),
            Reason::OnDnc => "The number is on the campaign's do-not-call list: it is never dialed.",
            Reason::OnOrgDnc => "The number is on the organization's do-not-call list: it is never dialed.",
            Reason::FinalDisposition => "The last attempt ended with a final disposition: no redial.",
            Reason::BulkDataCountry => {
                "The agent or vendor is in a country of the US bulk-data rule: no access to this record."
            }
            Reason::CaliforniaOffshore => {
                "A California voter-file record is never shown to an agent outside the United States."
            }
            Reason::WirelessRobocall => {
                "No prerecorded or artificial-voice call to a wireless (or VoIP or unknown) line without consent for this number and caller."
            }
            Reason::ProtectedRobocall => {
                "No prerecorded or artificial-voice call to a protected line (toll-free, emergency, health care) without consent."
            }
            Reason::ResidentialRobocallLimit => {
                "Three prerecorded calls to this residential line in the last 30 days already: a fourth needs consent."
            }
            Reason::MultiLineBusiness => {
                "The system is already on another line of this business: one line of a multi-line business at a time."
            }
            Reason::NationalDncNewHampshire => {
                "New Hampshire: no prerecorded political message to a number on the federal Do Not Call list."
            }
            Reason::CallerIdNotAuthorized => {
                "The caller ID is not one the campaign attested it may use and that rings back to it."
            }
            Reason::StaleLineRobocall => {
                "The landline's line type was not looked up in the last 15 days: it may have been ported to a wireless line, so no recorded message without consent."
            }
            Reason::CommercialRobocallNoWrittenConsent => {
                "Florida or Oklahoma and commercial content: no recorded message without written consent."
            }
            Reason::CommercialDailyLimit => {
                "Florida or Oklahoma and commercial content: three calls on this subject in 24 hours already."
            }
            Reason::MaxAttempts => "The program's maximum number of attempts for this person is reached.",
            Reason::HouseholdCap => "The program's cap on attempts per household is reached.",
            Reason::MinSpacing => "Too soon after the last attempt on this number.",
            Reason::OutsideWindow => "Outside calling hours in at least one of the person's possible time zones.",
            Reason::NoCommonWindow => {
                "The calling hours of the person's possible time zones never overlap: no time is allowed."
            }
            Reason::ManualDialOnly => {
                "Wireless, VoIP, unknown or protected line without consent: an agent dials by hand (manual or preview), never the system."
            }
            Reason::StaleLineManualOnly => {
                "The landline's line type was not looked up in the last 15 days: it may have been ported to a wireless line, so an agent dials by hand."
            }
            Reason::CommercialManualOnly => {
                "Florida or Oklahoma and commercial content: automated dialing needs written consent, so an agent dials by hand."
            }
            Reason::LiveOperatorFirst => {
                "State law: a live operator introduces the call and obtains consent before any recording plays."
            }
            Reason::AnnounceRecording => "All-party consent: announce the recording first; stop if the person objects.",
            Reason::SafeHarbor => {
                "System-dialed: an abandoned call plays the safe-harbor message (name, callback number, opt-out)."
            }
            Reason::IdentifyAndOptOut => {
                "The message opens with the caller's legal name and callback number and offers an automated opt-out."
            }
            Reason::NamePayer => "New Hampshire: name the candidate or organization and the payer within 30 seconds.",
            Reason::Staff => "A foreign national may not edit scripts, targeting or lists.",
        }
    }
}

/// The engine's answer for one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Verdict {
    pub kind: VerdictKind,
    /// The rules behind a denial, or behind the conditions of an allowed dial; empty for `allow`.
    pub rules: RuleSet,
    /// What an allowed dial must do; empty unless `allow_with_conditions`.
    pub conditions: ConditionSet,
    pub reason: Reason,
    /// The facts whose absence denied the case.
    pub missing: FactSet,
    /// For a denial about time only (calling hours, spacing): the first instant the dial is allowed.
    pub next_allowed_at: Option<Timestamp>,
}

impl Verdict {
    /// `allow`: no rule stops the dial (or the staff action).
    pub const ALLOW: Verdict = Verdict {
        kind: VerdictKind::Allow,
        rules: RuleSet::EMPTY,
        conditions: ConditionSet::EMPTY,
        reason: Reason::NoRuleStops,
        missing: FactSet::EMPTY,
        next_allowed_at: None,
    };

    /// The plain sentence (built here, not while deciding).
    pub fn reason(&self) -> Cow<'static, str> {
        if self.reason == Reason::MissingFacts {
            let names: Vec<&str> = self.missing.iter().map(Fact::as_str).collect();
            let noun = if names.len() == 1 { "fact" } else { "facts" };
            return Cow::Owned(format!("Missing {noun} the rules need: {}.", names.join(", ")));
        }
        Cow::Borrowed(self.reason.sentence())
    }
}
