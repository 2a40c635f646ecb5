//! The rules, in a fixed order, each with its identifier and source beside it. They add denials and
//! conditions to one accumulator; the first denial (or condition) in this order gives the sentence, so
//! the order of the facts never matters. Rule texts: ../shared/docs/compliance-rules.md.

use super::vocab::{Condition, ConditionSet, Contradiction, DialMode, Fact, FactSet, RuleId, RuleSet};
use super::zones::{local_second, next_open, StateCode, StateSet, Window, ZoneSet, ZoneTable};
use super::{
    Case, Country, Reason, RndResult, Verdict, VerdictKind, DEFAULT_MIN_SPACING_MINUTES, LINE_TYPE_FRESH_DAYS,
};
use crate::disposition::Disposition;
use crate::phone::{is_premium, is_toll_free, LineType};
use jiff::{SignedDuration, Timestamp};
use std::sync::OnceLock;

use RuleId::*;

/// CR-45 [BP]: dial only 08:00–21:00 local in every candidate zone (adopted for political calls although
/// FCC 64.1200(c)(1) binds only telephone solicitation).
const DEFAULT_WINDOW: Window = Window::hours(8, 21);
/// CR-23 (Cal. Pub. Util. Code 2871–2876, https://codes.findlaw.com/ca/public-utilities-code/puc-sect-2872.html):
/// no ADAD calls 21:00–09:00 California time. CR-21 (Minn. Stat. 325E.30): ADAD hours 09:00–21:00.
const ROBOCALL_WINDOW_9_TO_21: Window = Window::hours(9, 21);
/// CR-22 (N.D.C.C. 51-28-05, reported): 08:00–21:00.
const ND_ROBOCALL_WINDOW: Window = Window::hours(8, 21);
/// CR-27 (Fla. Stat. 501.059, Okla. Stat. tit. 15 §775C, https://www.dnc.com/news/compliance-refresher-calling-florida-and-oklahoma):
/// telephonic sales calls 08:00–20:00 local.
const SALES_CALL_WINDOW: Window = Window::hours(8, 20);
/// CR-27: at most 3 telephonic sales calls on one subject per 24 hours.
const SALES_CALLS_PER_24H: u32 = 3;

/// The states with a rule of their own, looked up once.
struct Laws {
    california: StateCode,
    minnesota: StateCode,
    north_dakota: StateCode,
    indiana: StateCode,
    new_hampshire: StateCode,
    /// CR-27: the mini-TCPAs of Florida and Oklahoma, for calls with commercial content.
    sales_call_laws: StateSet,
    /// CR-28: all-party consent to record (CA, DE, FL, IL, MD, MA, MT, NV, NH, PA, WA), plus the mixed
    /// states CT, MI and OR, taken at the stricter reading. Source: https://recordphonecall.com/resources/one-party-vs-all-party/
    all_party_recording: StateSet,
}

fn laws() -> &'static Laws {
    static LAWS: OnceLock<Laws> = OnceLock::new();
    LAWS.get_or_init(|| {
        let code = |c: &str| StateCode::parse(c).expect("a known state");
        Laws {
            california: code("CA"),
            minnesota: code("MN"),
            north_dakota: code("ND"),
            indiana: code("IN"),
            new_hampshire: code("NH"),
            sales_call_laws: StateSet::of(&["FL", "OK"]),
            all_party_recording: StateSet::of(&[
                "CA", "DE", "FL", "IL", "MD", "MA", "MT", "NV", "NH", "PA", "WA", "CT", "MI", "OR",
            ]),
        }
    })
}

/// CR-41 (28 CFR 202, DOJ Data Security Program, since 2025-04-08): China (with Hong Kong and Macau),
/// Russia, Iran, North Korea, Cuba, Venezuela. Source: https://clearygottlieb.com/news-and-insights/publication-listing/doj-issues-final-rule-targeting-bulk-sensitive-personal-and-us-government-related-data-transactions
const BULK_DATA_COUNTRIES: [&[u8; 2]; 8] = [b"CN", b"HK", b"MO", b"RU", b"IR", b"KP", b"CU", b"VE"];

fn is_bulk_data_country(country: Country) -> bool {
    BULK_DATA_COUNTRIES.iter().any(|c| **c == country.0)
}

#[derive(Default)]
struct Acc {
    denied: RuleSet,
    deny_reason: Option<Reason>,
    /// A denial that waiting cannot cure (anything but calling hours and spacing).
    denied_for_good: bool,
    conditions: ConditionSet,
    condition_rules: RuleSet,
    condition_reason: Option<Reason>,
    missing: FactSet,
}

impl Acc {
    fn deny(&mut self, reason: Reason, rules: RuleSet) {
        self.deny_timed(reason, rules);
        self.denied_for_good = true;
    }

    fn deny_timed(&mut self, reason: Reason, rules: RuleSet) {
        self.denied.extend(rules);
        self.deny_reason.get_or_insert(reason);
    }

    fn missing(&mut self, fact: Fact, rules: RuleSet) {
        self.missing.insert(fact);
        let mut rules = rules;
        rules.insert(MissingFact);
        self.deny(Reason::MissingFacts, rules);
    }

    fn contradiction(&mut self, what: Contradiction) {
        self.deny(Reason::Contradictory(what), RuleSet::of(&[ContradictoryFact]));
    }

    fn require<T: Copy>(&mut self, value: Option<T>, fact: Fact, rules: RuleSet) -> Option<T> {
        if value.is_none() {
            self.missing(fact, rules);
        }
        value
    }

    fn condition(&mut self, condition: Condition, reason: Reason, rules: RuleSet) {
        self.conditions.insert(condition);
        self.condition_rules.extend(rules);
        self.condition_reason.get_or_insert(reason);
    }
}

/// Whether a consent record can be relied on for this dial.
enum ConsentState {
    Valid,
    /// No consent, or (`void`) a consent the Reassigned Numbers Database voided (CR-13).
    Absent {
        void: bool,
    },
    /// Consent is claimed but the facts to rely on it are missing (the accumulator has them).
    Unverified,
}

/// CR-13 (47 CFR 64.1200(m), https://docs.fcc.gov/public/attachments/DA-21-1649A1.txt): a dial that
/// relies on consent needs the consent date and an RND query made after it; "yes" (reassigned since the
/// consent date) voids the consent.
fn consent_state(acc: &mut Acc, case: &Case) -> ConsentState {
    match case.consent {
        None => ConsentState::Unverified, // already reported as missing
        Some(false) => ConsentState::Absent { void: false },
        Some(true) => {
            let at = acc.require(case.consent_at, Fact::ConsentAt, RuleSet::of(&[Cr13]));
            let rnd = acc.require(case.rnd, Fact::RndResult, RuleSet::of(&[Cr13]));
            match (at, rnd) {
                (Some(_), Some(rnd)) if rnd.result == RndResult::Reassigned => ConsentState::Absent { void: true },
                (Some(_), Some(_)) => ConsentState::Valid,
                _ => ConsentState::Unverified,
            }
        }
    }
}

pub(super) fn evaluate(table: &ZoneTable, case: &Case) -> Verdict {
    let mut acc = Acc::default();
    let laws = laws();
    let none = RuleSet::EMPTY;

    // Facts every case needs.
    let instant = acc.require(case.instant, Fact::Instant, none);
    let phone = acc.require(case.phone, Fact::Phone, none);
    let line = acc.require(case.line_type, Fact::LineType, none);
    let mode = acc.require(case.dial_mode, Fact::DialMode, none);
    acc.require(case.purpose, Fact::Purpose, none);
    acc.require(case.consent, Fact::Consent, none);
    let on_dnc = acc.require(case.on_dnc, Fact::OnDnc, none);
    let attempts = acc.require(case.attempts, Fact::Attempts, none);
    let max_attempts = acc.require(case.max_attempts, Fact::MaxAttempts, none);
    contradictions(&mut acc, case);

    // Where the person may be. An unknown address state means any state's law may apply.
    let states = match case.address_state {
        Some(state) => {
            let mut states = StateSet::default();
            states.insert(state);
            if let Some(area_state) = phone.and_then(|p| table.phone_state(&p)) {
                states.insert(area_state);
            }
            states
        }
        None => StateSet::ALL,
    };
    let zones = candidate_zones(table, case);

    // CR-47 [BP] internal do-not-call list, every call type, effective at once; stricter than CR-7's 10
    // business days (47 CFR 64.1200(d), https://mslawgroup.com/fcc-delays-reasonable-methods-provision-of-new-revocation-of-consent-regulations-until-april-11-2026).
    let dnc_rules = RuleSet::of(&[Cr47, Cr7]);
    // CR-14 (47 CFR 64.1604, http://federal.elaws.us/cfr/title47.part64.section64.1604): the caller ID is
    // a number the caller may use and that rings back to it; CR-15 [BP] (STIR/SHAKEN "A" attestation,
    // https://docs.fcc.gov/public/attachments/DOC-367133A1.txt): with documented right to use. The
    // campaign attests both for the program's number; every dial carries the attestation.
    let caller_id_rules = RuleSet::of(&[Cr14, Cr15]);
    if acc.require(case.caller_id_authorized, Fact::CallerIdAuthorized, caller_id_rules) == Some(false) {
        acc.deny(Reason::CallerIdNotAuthorized, caller_id_rules);
    }
    if on_dnc == Some(true) {
        acc.deny(Reason::OnDnc, dnc_rules);
    }
    if case.on_org_dnc {
        acc.deny(Reason::OnOrgDnc, dnc_rules);
    }
    // No redial after a final disposition (refused, wrong number, deceased, moved, do-not-call, …); a
    // do-not-call answer is also CR-47.
    if let Some(last) = case.last_disposition {
        if last == Disposition::DoNotCall {
            acc.deny(Reason::FinalDisposition, RuleSet::of(&[FinalDisposition, Cr47]));
        } else if last.is_final() {
            acc.deny(Reason::FinalDisposition, RuleSet::of(&[FinalDisposition]));
        }
    }

    data_location(&mut acc, case, mode);
    let sales_call = case.commercial_content && states.intersects(laws.sales_call_laws);
    if let (Some(line), Some(mode)) = (line, mode) {
        line_and_mode(&mut acc, case, line, mode, instant);
        if sales_call {
            sales_call_consent(&mut acc, case, mode);
        }
        if mode.is_robocall() {
            state_robocall_laws(&mut acc, case, laws, states);
        }
        // CR-28 (all-party consent to record): announce when the callee or the agent may be in an
        // all-party state; an agent whose state is unknown is taken to be in one, and a call not known to be
        // unrecorded is taken as recorded.
        if case.recorded != Some(false) {
            let agent_side = mode.has_agent() && case.agent_state.is_none_or(|s| laws.all_party_recording.contains(s));
            if states.intersects(laws.all_party_recording) || agent_side {
                acc.condition(Condition::AnnounceRecording, Reason::AnnounceRecording, RuleSet::of(&[Cr28]));
            }
        }
        // CR-46 [BP] (copies 47 CFR 64.1200(a)(7)): an abandoned system-dialed call plays the safe-harbor
        // message. Source: https://telemarketingrules.com/curfew%2Fabandonment
        if mode.is_system_dialed() {
            acc.condition(Condition::PlaySafeHarbor, Reason::SafeHarbor, RuleSet::of(&[Cr46]));
        }
    }

    // Attempt rules: the program's settings.
    if let (Some(attempts), Some(max)) = (attempts, max_attempts) {
        if attempts >= max {
            acc.deny(Reason::MaxAttempts, RuleSet::of(&[MaxAttempts]));
        }
    }
    if let Some(cap) = case.max_household_attempts {
        let rules = RuleSet::of(&[HouseholdCap]);
        if let Some(done) = acc.require(case.household_attempts, Fact::HouseholdAttempts, rules) {
            if done >= cap {
                acc.deny(Reason::HouseholdCap, rules);
            }
        }
    }
    let mut earliest = instant;
    if let (Some(instant), Some(attempts)) = (instant, attempts) {
        if attempts > 0 {
            let rules = RuleSet::of(&[MinSpacing]);
            if let Some(last) = acc.require(case.last_attempt_at, Fact::LastAttemptAt, rules) {
                let minutes = case.min_spacing_minutes.unwrap_or(DEFAULT_MIN_SPACING_MINUTES);
                let next = last.saturating_add(SignedDuration::from_mins(i64::from(minutes))).unwrap_or(last);
                if instant < next {
                    acc.deny_timed(Reason::MinSpacing, rules);
                    earliest = Some(next);
                }
            }
        }
    }
    if sales_call {
        // CR-27: at most 3 telephonic sales calls on one subject (the program) per 24 hours. The next is
        // allowed 24 h after the last call: later than the oldest call's ageing out, never earlier.
        let rules = RuleSet::of(&[Cr27]);
        if acc.require(case.calls_24h, Fact::Calls24h, rules).is_some_and(|n| n >= SALES_CALLS_PER_24H) {
            if let Some(last) = acc.require(case.last_attempt_at, Fact::LastAttemptAt, rules) {
                acc.deny_timed(Reason::CommercialDailyLimit, rules);
                let next = last.saturating_add(SignedDuration::from_hours(24)).unwrap_or(last);
                earliest = earliest.map(|e| e.max(next));
            }
        }
    }

    // Calling windows in every candidate zone.
    let window = instant.map(|instant| hours(&mut acc, table, case, laws, states, zones, mode, instant, sales_call));

    let next_allowed_at = match (acc.deny_reason, acc.denied_for_good, window, earliest) {
        (Some(_), false, Some(window), Some(from)) => {
            let next = next_open(table, zones, window, from);
            if next.is_none() {
                // Only time stands in the way, yet no time ever works: say that, whatever came first.
                acc.deny_reason = Some(Reason::NoCommonWindow);
            }
            next
        }
        _ => None,
    };

    if let Some(reason) = acc.deny_reason {
        return Verdict {
            kind: VerdictKind::Deny,
            rules: acc.denied,
            conditions: ConditionSet::EMPTY,
            reason,
            missing: acc.missing,
            next_allowed_at,
        };
    }
    match acc.condition_reason {
        Some(reason) => Verdict {
            kind: VerdictKind::AllowWithConditions,
            rules: acc.condition_rules,
            conditions: acc.conditions,
            reason,
            missing: FactSet::EMPTY,
            next_allowed_at: None,
        },
        None => Verdict::ALLOW,
    }
}

fn contradictions(acc: &mut Acc, case: &Case) {
    if let (Some(phone), Some(line)) = (case.phone, case.line_type) {
        if (is_toll_free(&phone) || is_premium(&phone)) && line != LineType::Protected {
            acc.contradiction(Contradiction::TollFreeNotProtected);
        }
    }
    if let Some(instant) = case.instant {
        if case.last_attempt_at.is_some_and(|last| last > instant) {
            acc.contradiction(Contradiction::LastAttemptInFuture);
        }
        if case.consent_at.is_some_and(|at| at > instant) {
            acc.contradiction(Contradiction::ConsentInFuture);
        }
        if let Some(rnd) = case.rnd {
            if rnd.checked_at > instant || case.consent_at.is_some_and(|at| rnd.checked_at < at) {
                acc.contradiction(Contradiction::RndCheckOutOfOrder);
            }
        }
    }
    if case.attempts == Some(0) && (case.last_attempt_at.is_some() || case.last_disposition.is_some()) {
        acc.contradiction(Contradiction::HistoryWithoutAttempts);
    }
    if case.consent == Some(false) && case.consent_at.is_some() {
        acc.contradiction(Contradiction::ConsentDateWithoutConsent);
    }
    if case.program_window.is_some_and(Window::is_empty) {
        acc.contradiction(Contradiction::EmptyProgramWindow);
    }
    if case.written_consent && case.consent == Some(false) {
        acc.contradiction(Contradiction::WrittenConsentWithoutConsent);
    }
}

/// The address zones (else every zone of the state, else every US zone) and the area-code zones.
pub(super) fn candidate_zones(table: &ZoneTable, case: &Case) -> ZoneSet {
    let address = if !case.candidate_zones.is_empty() {
        case.candidate_zones
    } else {
        match case.address_state {
            Some(state) => table.state_zones(state),
            None => table.all_us(),
        }
    };
    match case.phone {
        Some(phone) => address.union(table.phone_zones(&phone)),
        None => address,
    }
}

/// CR-39 (2 CCR 19003–19004, Elections Code 2188.5, https://regulations.justia.com/states/california/title-2/division-7/chapter-1/article-1/section-19003):
/// California voter-file records never reach an agent outside the US. CR-41: nothing for agents or
/// vendors in the bulk-data-rule countries.
fn data_location(acc: &mut Acc, case: &Case, mode: Option<DialMode>) {
    if mode.is_some_and(DialMode::has_agent) {
        if let Some(country) = acc.require(case.agent_country, Fact::AgentCountry, RuleSet::of(&[Cr39, Cr41])) {
            if is_bulk_data_country(country) {
                acc.deny(Reason::BulkDataCountry, RuleSet::of(&[Cr41]));
            }
            if country != Country::US {
                let rules = RuleSet::of(&[Cr39]);
                if let Some(source) = acc.require(case.source_state, Fact::SourceState, rules) {
                    if source == laws().california {
                        acc.deny(Reason::CaliforniaOffshore, rules);
                    }
                }
            }
        }
    }
    if case.vendor_country.is_some_and(is_bulk_data_country) {
        acc.deny(Reason::BulkDataCountry, RuleSet::of(&[Cr41]));
    }
}

/// CR-12: whether a landline classification was looked up recently enough to rely on. A lookup made
/// after `instant` (a list built for an instant in the past) is taken as current.
fn line_type_fresh(case: &Case, instant: Option<Timestamp>) -> bool {
    match (case.line_type_checked_at, instant) {
        (Some(checked), Some(now)) => {
            now.duration_since(checked) <= SignedDuration::from_hours(24 * LINE_TYPE_FRESH_DAYS)
        }
        _ => false,
    }
}

/// CR-1, CR-2, CR-3, CR-4, CR-5, CR-6, CR-10, CR-12, CR-49: what the line type lets the dial mode do.
fn line_and_mode(acc: &mut Acc, case: &Case, line: LineType, mode: DialMode, instant: Option<Timestamp>) {
    let robocall = mode.is_robocall();
    // CR-4 (FCC 24-17): an AI or cloned voice is "artificial": every robocall rule applies; cited with them.
    let artificial = if mode == DialMode::ArtificialVoice { RuleSet::of(&[Cr4]) } else { RuleSet::EMPTY };
    // The issue: voip and unknown count as wireless for CR-1 and CR-49 (nothing is assumed a landline).
    // CR-12 (47 CFR 64.1200(a)(1)(iv)): a number ported from wireline to wireless is excused only for 15
    // days, and the rule says to look the line type up before every dial; a landline not looked up in
    // that time may be wireless now, so a dial that relies on it being a landline treats it as unknown.
    let stale_landline =
        line == LineType::Landline && (robocall || mode.is_system_dialed()) && !line_type_fresh(case, instant);
    let wireless_like = matches!(line, LineType::Wireless | LineType::Voip | LineType::Unknown) || stale_landline;
    let protected = line == LineType::Protected;

    if (robocall || mode.is_system_dialed()) && (wireless_like || protected) {
        // CR-1 (47 U.S.C. 227(b)(1)(A)(iii), https://www.fcc.gov/fcc-rules-political-robocalls-and-robotexts-explained):
        // no prerecorded, artificial or autodialed call to a wireless line without prior express consent
        // for this number and caller; no political exemption. CR-2: the same for protected lines, every
        // purpose.
        if let ConsentState::Absent { void } = consent_state(acc, case) {
            let mut rules = RuleSet::of(&[if protected { Cr2 } else { Cr1 }]);
            if void {
                rules.insert(Cr13);
            }
            if stale_landline {
                rules.insert(Cr12);
            }
            if robocall {
                rules.extend(artificial);
                let reason = match (protected, stale_landline) {
                    (true, _) => Reason::ProtectedRobocall,
                    (false, true) => Reason::StaleLineRobocall,
                    (false, false) => Reason::WirelessRobocall,
                };
                acc.deny(reason, rules);
            } else {
                // CR-49 [BP]: without consent, only a human starts the dial (hedges the ATDS disputes;
                // CR-11: a human-dialed live call needs no consent, Facebook v. Duguid).
                rules.insert(Cr49);
                let reason = if stale_landline { Reason::StaleLineManualOnly } else { Reason::ManualDialOnly };
                acc.condition(Condition::ManualDialOnly, reason, rules);
            }
        }
    }
    if robocall && line == LineType::Landline && !case.business_line {
        // CR-3 (47 CFR 64.1200(a)(3)(ii), since 2023-07-20, https://manatt.com/insights/newsletters/tcpa-connect/reminder%E2%80%94new-rules-impacting-exempted-calls-now-ef):
        // at most 3 political prerecorded calls per rolling 30 days to a residential line per caller
        // without consent; the 4th is refused.
        let mut rules = RuleSet::of(&[Cr3]);
        rules.extend(artificial);
        if let Some(previous) = acc.require(case.prerecorded_calls_30d, Fact::PrerecordedCalls30d, rules) {
            if previous >= 3 {
                if let ConsentState::Absent { void } = consent_state(acc, case) {
                    if void {
                        rules.insert(Cr13);
                    }
                    acc.deny(Reason::ResidentialRobocallLimit, rules);
                }
            }
        }
    }
    if line == LineType::Landline && case.business_line && (robocall || mode.is_system_dialed()) {
        // CR-10 (47 U.S.C. 227(b)(1)(D)): an autodialer never engages two or more lines of one
        // multi-line business at once. The caller counts the business's other lines in progress.
        let rules = RuleSet::of(&[Cr10]);
        if acc.require(case.business_lines_in_progress, Fact::BusinessLinesInProgress, rules).is_some_and(|n| n > 0) {
            acc.deny(Reason::MultiLineBusiness, rules);
        }
    }
    if robocall {
        // CR-5 (47 U.S.C. 227(d)(3)(A), 64.1200(b)) and CR-6 (64.1200(b)(2)–(3)): identification,
        // callback number and automated opt-out in every prerecorded or artificial message.
        let mut rules = RuleSet::of(&[Cr5, Cr6]);
        rules.extend(artificial);
        acc.condition(Condition::IdentifyAndOfferOptOut, Reason::IdentifyAndOptOut, rules);
    }
}

/// CR-27 (Florida and Oklahoma mini-TCPAs, https://www.dnc.com/news/compliance-refresher-calling-florida-and-oklahoma):
/// a call with commercial content is a "telephonic sales call": automated dialing (a recording, or the
/// system placing the call) needs the person's *written* consent. Without it a recording is refused and
/// the system does not dial: an agent does.
fn sales_call_consent(acc: &mut Acc, case: &Case, mode: DialMode) {
    if !(mode.is_robocall() || mode.is_system_dialed()) {
        return;
    }
    let mut rules = RuleSet::of(&[Cr27]);
    let written = match consent_state(acc, case) {
        ConsentState::Valid => case.written_consent,
        ConsentState::Absent { void } => {
            if void {
                rules.insert(Cr13);
            }
            false
        }
        ConsentState::Unverified => return, // denied already, naming the missing facts
    };
    if written {
        return;
    }
    if mode.is_robocall() {
        acc.deny(Reason::CommercialRobocallNoWrittenConsent, rules);
    } else {
        acc.condition(Condition::ManualDialOnly, Reason::CommercialManualOnly, rules);
    }
}

/// CR-20 to CR-24: the state laws on recorded messages, for the states the person may be in.
fn state_robocall_laws(acc: &mut Acc, case: &Case, laws: &Laws, states: StateSet) {
    // CR-20 Indiana (IC 24-5-14-5, https://lexace.ai/us/statute/indiana/24-5-14-5), CR-21 Minnesota
    // (325E.27, http://www.ag.state.mn.us/Consumer/Utilities/AutoDialingDeviceLaw.asp), CR-22 North
    // Dakota (51-28-02, https://lexace.ai/us/statute/north-dakota/51-28-02): refused unless the subscriber
    // consented or a live operator obtains consent before the message.
    let mut consent_first = RuleSet::EMPTY;
    for (state, rule) in [(laws.indiana, Cr20), (laws.minnesota, Cr21), (laws.north_dakota, Cr22)] {
        if states.contains(state) {
            consent_first.insert(rule);
        }
    }
    if !consent_first.is_empty() {
        if let ConsentState::Absent { void } = consent_state(acc, case) {
            if void {
                consent_first.insert(Cr13);
            }
            acc.condition(Condition::LiveOperatorConsentFirst, Reason::LiveOperatorFirst, consent_first);
        }
    }
    // CR-23 California (Pub. Util. Code 2874): a live natural voice introduces every ADAD message and asks
    // for consent; the text has no exception for prior consent, so always.
    if states.contains(laws.california) {
        acc.condition(Condition::LiveOperatorConsentFirst, Reason::LiveOperatorFirst, RuleSet::of(&[Cr23]));
    }
    // CR-24 New Hampshire (RSA 664:14-a, http://www.wileyrein.com/newsroom-newsletters-item-3973.html): no
    // prerecorded political message to a number on the federal Do Not Call list (the one place the
    // Registry applies to political calls, CR-17); name the candidate and payer within 30 s.
    if states.contains(laws.new_hampshire) {
        let rules = RuleSet::of(&[Cr24]);
        if acc.require(case.on_national_dnc, Fact::OnNationalDnc, rules) == Some(true) {
            acc.deny(Reason::NationalDncNewHampshire, rules);
        }
        acc.condition(Condition::NamePayerWithin30s, Reason::NamePayer, rules);
    }
}

/// CR-45 and the overlays: checks `instant` in every zone against each window that applies, denies
/// naming every window it falls outside, and returns the window that applies (their intersection).
#[allow(clippy::too_many_arguments)]
fn hours(
    acc: &mut Acc,
    table: &ZoneTable,
    case: &Case,
    laws: &Laws,
    states: StateSet,
    zones: ZoneSet,
    mode: Option<DialMode>,
    instant: Timestamp,
    sales_call: bool,
) -> Window {
    let robocall = mode.is_some_and(DialMode::is_robocall);
    let none = Window::hours(0, 24);
    // The overlays apply in every candidate zone: stricter than "California time" alone, never looser.
    let program = case.program_window.unwrap_or(none);
    let california = if robocall && states.contains(laws.california) { ROBOCALL_WINDOW_9_TO_21 } else { none };
    let minnesota = if robocall && states.contains(laws.minnesota) { ROBOCALL_WINDOW_9_TO_21 } else { none };
    let north_dakota = if robocall && states.contains(laws.north_dakota) { ND_ROBOCALL_WINDOW } else { none };
    // CR-27: every telephonic sales call, whatever the dial mode.
    let sales = if sales_call { SALES_CALL_WINDOW } else { none };
    let windows = [
        (Cr45, DEFAULT_WINDOW),
        (ProgramWindow, program),
        (Cr23, california),
        (Cr21, minnesota),
        (Cr22, north_dakota),
        (Cr27, sales),
    ];
    let mut outside = RuleSet::EMPTY;
    for id in zones.iter() {
        let second = local_second(table.zone(id), instant);
        for (rule, window) in windows {
            if !window.contains(second) {
                outside.insert(rule);
            }
        }
    }
    if !outside.is_empty() {
        acc.deny_timed(Reason::OutsideWindow, outside);
    }
    windows.iter().fold(none, |all, (_, w)| all.intersect(*w))
}
