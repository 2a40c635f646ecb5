//! "Why not now?" — for one person of a program, at one instant: what the call list says (on it, how,
//! excluded and why, attempts used, spacing, a callback, a final disposition), and what the contact
//! policy says of the dial the dialer would place, decided from exactly the case the dialer builds
//! ([`entry_case`]) — now and [`DIAL_GUARD`] later, as the dialer asks. When only time stands in the
//! way, the answer names the first instant the person is callable.
//!
//! The number is opened here, in memory, for the engine; the answer shows its area code and line
//! type only. The read is audited.

use crate::call_list::program_base_cases;
use crate::keys::VaultSealer;
use crate::policy_check::{
    entry_case, zone_table, CheckError, EntryHistory, RECORDED_CALLS_WINDOW_US, SALES_CALLS_WINDOW_US,
};
use clearline_core::policy::case_file::verdict_line;
use clearline_core::policy::{decide, Case, Verdict, VerdictKind};
use clearline_core::program::{EntryMode, ProgramStatus};
use clearline_core::Actor;
use clearline_store::{EntryState, Store};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// A dial must stay allowed this long after it is decided (the dialer's guard, `calling::gate`).
pub const DIAL_GUARD: SignedDuration = SignedDuration::from_mins(5);

/// How far ahead the next callable instant is searched: hours, spacing and hours again is the longest
/// chain of time-only denials the rules make.
const TIME_STEPS: usize = 4;

/// Where a person stands, most decisive first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The entry is done: a final disposition, or every attempt used.
    Finished,
    /// Left out when the call list was built.
    Excluded,
    /// No longer in the program's universe (for GOTV: voted, moved, changed party).
    LeftUniverse,
    /// The program is not running: nobody is called.
    ProgramNotRunning,
    /// The person or a household member is on a call now.
    OnACall,
    /// Waiting out the spacing, or a callback time.
    Waiting,
    /// The contact policy refuses the dial at this instant (see the verdict).
    RefusedNow,
    /// The dialer may call now.
    CallableNow,
}

/// The dialed phone, as shown: never the number.
#[derive(Clone, Debug, Serialize)]
pub struct PhoneShown {
    /// The phone's place among the person's phones, from 1.
    pub position: u32,
    pub kind: String,
    pub line_type: String,
    pub area_code: String,
}

/// The contact policy's verdict, as in `policy check` output.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyShown {
    pub verdict: &'static str,
    pub conditions: Vec<&'static str>,
    pub rules: Vec<&'static str>,
    pub reason: String,
    pub next_allowed_at: Option<String>,
}

impl PolicyShown {
    fn of(verdict: &Verdict) -> PolicyShown {
        let line = verdict_line(&serde_json::Value::Null, verdict);
        PolicyShown {
            verdict: line.verdict,
            conditions: line.conditions,
            rules: line.rules,
            reason: line.reason.into_owned(),
            next_allowed_at: line.next_allowed_at,
        }
    }
}

/// The answer.
#[derive(Clone, Debug, Serialize)]
pub struct DialExplanation {
    pub program: String,
    pub program_status: &'static str,
    pub instant: String,
    pub voter_id: String,
    pub standing: Standing,
    /// One plain sentence: where the person stands and why.
    pub summary: String,
    /// The first instant the person is callable, when only time stands in the way.
    pub next_callable_at: Option<String>,
    pub vendor: Option<String>,
    /// `program` (the program's own dial mode), `preview` (blended: an agent starts the dial), `excluded`.
    pub mode: &'static str,
    pub conditions: Vec<String>,
    pub exclusion: Option<String>,
    pub attempts: u32,
    pub max_attempts: u32,
    pub household_attempts: u32,
    pub last_attempt_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub final_disposition: Option<String>,
    pub callback: bool,
    pub phone: Option<PhoneShown>,
    /// The policy at the instant, for the dial the dialer would place (absent without a phone).
    pub policy: Option<PolicyShown>,
}

#[derive(Debug, thiserror::Error)]
pub enum WhyError {
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error(transparent)]
    Store(#[from] clearline_store::StoreError),
}

/// Explains person `voter_id` of program `slug` at `instant`, as `actor` (a role that explains dials).
/// `NotFound` when the person is not on the program's call list.
pub async fn explain_dial(
    store: &Store,
    actor: &Actor,
    sealer: &VaultSealer,
    slug: &str,
    voter_id: &str,
    instant: Timestamp,
) -> Result<DialExplanation, WhyError> {
    let program = store.program_by_slug(actor, slug).await?;
    let entry = store.call_list_entry(actor, &program, voter_id).await?;
    store.record_dial_explained(actor, &program, entry.person_id).await?;
    let instant_us = instant.as_microsecond();

    // The case the dialer would decide by, with the entry's vendor's facts.
    let facts = store.dial_facts_of(actor, &program, &[entry.person_id]).await?.into_iter().next();
    let mut phone_shown = None;
    let mut case: Option<Case> = None;
    if let (Some(person), Some(position)) = (&facts, entry.phone_position) {
        if let Some(phone) = person.phones.iter().find(|p| p.position == position) {
            let number = sealer.cipher().decrypt("phone", &phone.number_enc).map_err(|_| CheckError::Decrypt)?;
            let number = String::from_utf8_lossy(&number).into_owned();
            phone_shown = Some(PhoneShown {
                position: position + 1,
                kind: phone.kind.clone(),
                line_type: phone.line_type.clone(),
                area_code: number.get(2..5).unwrap_or("").to_string(),
            });
            let bases = program_base_cases(store, actor, &program, instant).await?;
            let vendor_index = entry.vendor_id.and_then(|v| program.vendor_ids.iter().position(|id| *id == v));
            let base = vendor_index.and_then(|i| bases.get(i)).or(bases.first()).and_then(|cases| cases.first());
            let recorded = if program.settings.dial_mode.is_robocall() {
                store.recorded_calls_since(actor, &[entry.person_id], instant_us - RECORDED_CALLS_WINDOW_US).await?
            } else {
                Default::default()
            };
            let calls_24h = if program.settings.commercial_content {
                store
                    .program_calls_since(actor, &program, &[entry.person_id], instant_us - SALES_CALLS_WINDOW_US)
                    .await?
            } else {
                Default::default()
            };
            let history = EntryHistory {
                attempts: entry.attempts,
                household_attempts: entry.household_attempts,
                last_attempt_at_us: entry.last_attempt_at_us,
                recorded_calls_30d: recorded.get(&(entry.person_id, position)).copied().unwrap_or(0),
                calls_24h: calls_24h.get(&(entry.person_id, position)).copied().unwrap_or(0),
                on_vendor_list: match entry.vendor_id {
                    Some(vendor) => crate::dnc::on_vendor_list(store, actor, sealer, vendor, &[&number]).await?[0],
                    None => false,
                },
            };
            case = base.and_then(|b| entry_case(zone_table(), b, person, phone, &number, &history).ok());
        }
    }
    let verdict = case.as_ref().map(|c| guarded(c, instant));
    let running = program.status == ProgramStatus::Running;
    let (standing, summary) = standing(&entry, &program, facts.is_some(), running, instant_us, verdict.as_ref());
    let next_callable_at = match standing {
        Standing::Waiting | Standing::RefusedNow => case.as_ref().and_then(|c| {
            let from = entry.next_attempt_at_us.map_or(instant_us, |t| t.max(instant_us));
            next_callable(c, Timestamp::from_microsecond(from).ok()?)
        }),
        _ => None,
    };
    let time = |us: Option<i64>| us.and_then(|t| Timestamp::from_microsecond(t).ok()).map(|t| t.to_string());
    Ok(DialExplanation {
        program: program.slug.clone(),
        program_status: program.status.as_str(),
        instant: instant.to_string(),
        voter_id: entry.voter_id.clone(),
        standing,
        summary,
        next_callable_at: next_callable_at.map(|t| t.to_string()),
        vendor: entry.vendor.clone(),
        mode: entry.mode.as_str(),
        conditions: entry.conditions.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect(),
        exclusion: Some(entry.exclusion.clone()).filter(|e| !e.is_empty()),
        attempts: entry.attempts,
        max_attempts: program.settings.max_attempts,
        household_attempts: entry.household_attempts,
        last_attempt_at: time(entry.last_attempt_at_us),
        next_attempt_at: time(entry.next_attempt_at_us),
        final_disposition: entry.final_disposition.clone(),
        callback: entry.callback,
        phone: phone_shown,
        policy: verdict.as_ref().map(PolicyShown::of),
    })
}

/// The verdict at `at` as the dialer takes it: a dial allowed now but refused [`DIAL_GUARD`] later is
/// refused (with the later verdict's rules and next instant).
fn guarded(case: &Case, at: Timestamp) -> Verdict {
    let table = zone_table();
    let mut c = case.clone();
    c.instant = Some(at);
    let now = decide(table, &c);
    if now.kind == VerdictKind::Deny {
        return now;
    }
    c.instant = at.checked_add(DIAL_GUARD).ok();
    let later = decide(table, &c);
    if later.kind == VerdictKind::Deny {
        later
    } else {
        now
    }
}

/// The first instant from `from` at which the dialer may place the dial, when only time stands in the
/// way; `None` when a denial waiting does not cure remains.
fn next_callable(case: &Case, from: Timestamp) -> Option<Timestamp> {
    let mut at = from;
    for _ in 0..TIME_STEPS {
        let verdict = guarded(case, at);
        match (verdict.kind, verdict.next_allowed_at) {
            (VerdictKind::Deny, Some(next)) => {
                // The guard's later verdict names an instant at or before `at` + guard: the dial must
                // start once the window has reopened for the whole guard, so step past it.
                at = if next > at { next } else { at.checked_add(DIAL_GUARD).ok()? };
            }
            (VerdictKind::Deny, None) => return None,
            _ => return Some(at),
        }
    }
    None
}

fn standing(
    entry: &EntryState,
    program: &clearline_store::Program,
    in_universe: bool,
    running: bool,
    instant_us: i64,
    verdict: Option<&Verdict>,
) -> (Standing, String) {
    if let Some(code) = &entry.final_disposition {
        return (
            Standing::Finished,
            format!("Finished: the call list entry closed with `{code}`; it is not dialed again."),
        );
    }
    if entry.mode == EntryMode::Excluded {
        let why = entry.exclusion_sentence.clone().unwrap_or_else(|| entry.exclusion.clone());
        return (Standing::Excluded, format!("Excluded when the call list was built ({}): {why}", entry.exclusion));
    }
    if entry.attempts >= program.settings.max_attempts {
        return (
            Standing::Finished,
            format!("Finished: all {} attempts the program allows have been made.", program.settings.max_attempts),
        );
    }
    if !in_universe {
        return (Standing::LeftUniverse, "No longer in the program's universe: the dialer skips this person.".into());
    }
    if !running {
        return (
            Standing::ProgramNotRunning,
            format!("The program is {}: nobody is called until it is started.", program.status.as_str()),
        );
    }
    if entry.household_in_flight {
        return (Standing::OnACall, "The person or someone in the household is on a call right now.".into());
    }
    if let Some(next) = entry.next_attempt_at_us.filter(|t| *t > instant_us) {
        let at = Timestamp::from_microsecond(next).map(|t| t.to_string()).unwrap_or_default();
        let why = if entry.callback { "the callback the person asked for" } else { "the spacing between attempts" };
        return (Standing::Waiting, format!("Waiting for {why}: not dialed before {at}."));
    }
    match verdict {
        None => (Standing::RefusedNow, "No phone to dial on the call list entry, or its facts cannot be read.".into()),
        Some(v) if v.kind == VerdictKind::Deny => {
            (Standing::RefusedNow, format!("The contact policy refuses the dial now: {}", v.reason()))
        }
        Some(_) => {
            (Standing::CallableNow, "Callable now: the dialer may place this call when an agent is free.".into())
        }
    }
}
