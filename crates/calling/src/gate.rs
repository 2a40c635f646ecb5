//! The contact policy at the instant of dialing.
//!
//! When a lead is loaded its case is built from the same facts the call list was built from (the
//! address zones, the phone's line type, consent and do-not-call matches as they are *now*, the
//! program's rules, the agents' country) plus the entry's attempts so far. At the dial the engine asks
//! [`PolicyGate::gate`], which decides the case at that instant and again [`GUARD`] later: a preview
//! record can sit on an agent's screen for a while, and a dial allowed at 20:59:50 must not be placed
//! at 21:00:05. Every refusal is kept for the run loop to write: until the next allowed instant when
//! only time cures it, otherwise for good with the refusing rules.

use clearline_core::policy::{decide, Case, Condition, VerdictKind};
use clearline_dialer::lead::{gate_from_verdict, DialGate, Gate, Lead};
use clearline_dialer::Micros;
use clearline_ingest::policy_check::zone_table;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long a dial must stay allowed after the instant it is decided.
pub const GUARD: SignedDuration = SignedDuration::from_mins(5);

/// A refusal at the instant of dialing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    pub person_id: i64,
    /// Time only: not before this instant (µs since the epoch). `None`: refused for good.
    pub until_us: Option<i64>,
    /// The refusing rules, comma-separated (`CR-21`, `CR-47,CR-7`…), or why no case could be made.
    pub rules: String,
}

#[derive(Debug, Default)]
pub struct GateState {
    cases: HashMap<u64, Case>,
    denials: Vec<Denial>,
}

impl GateState {
    pub fn insert(&mut self, lead: &Lead, case: Case) {
        self.cases.insert(lead.person, case);
    }

    pub fn forget(&mut self, person_id: i64) {
        self.cases.remove(&(person_id as u64));
    }

    /// The person's number went on the do-not-call list while their lead is held: the dial is decided
    /// with it (CR-47 at once), not with the facts read when the lead was loaded.
    pub fn mark_on_dnc(&mut self, person_id: i64) {
        if let Some(case) = self.cases.get_mut(&(person_id as u64)) {
            case.on_dnc = Some(true);
        }
    }

    /// The person's number went on the calling vendor's own list while their lead is held.
    pub fn mark_on_org_dnc(&mut self, person_id: i64) {
        if let Some(case) = self.cases.get_mut(&(person_id as u64)) {
            case.on_org_dnc = true;
        }
    }

    /// The number a held lead's case dials (E.164), for the vendor's own list when the call ends in an
    /// opt-out.
    pub fn number_of(&self, person_id: i64) -> Option<String> {
        self.cases.get(&(person_id as u64)).and_then(|c| c.phone.as_ref()).map(|p| p.to_string())
    }

    /// Every held lead's person and number (E.164), for the lists to be asked again.
    pub fn held_numbers(&self) -> Vec<(i64, String)> {
        self.cases.iter().filter_map(|(p, c)| Some((*p as i64, c.phone.as_ref()?.to_string()))).collect()
    }

    pub fn take_denials(&mut self) -> Vec<Denial> {
        std::mem::take(&mut self.denials)
    }
}

/// The engine's [`DialGate`]: engine time is `origin_us` + the engine's micros.
#[derive(Clone, Debug)]
pub struct PolicyGate {
    pub state: Arc<Mutex<GateState>>,
    pub origin_us: i64,
}

impl PolicyGate {
    pub fn new(origin_us: i64) -> PolicyGate {
        PolicyGate { state: Arc::default(), origin_us }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().expect("the gate's lock is never poisoned (no panics while held)")
    }
}

impl DialGate for PolicyGate {
    fn gate(&self, lead: &Lead, now: Micros) -> Gate {
        let mut state = self.lock();
        let person_id = lead.person as i64;
        let Some(mut case) = state.cases.get(&lead.person).cloned() else {
            state.denials.push(Denial { person_id, until_us: None, rules: "unreadable_facts".into() });
            return Gate::Deny;
        };
        let Ok(at) = Timestamp::from_microsecond(self.origin_us + now) else {
            return Gate::Deny;
        };
        let table = zone_table();
        case.instant = Some(at);
        let now_verdict = decide(table, &case);
        case.instant = at.checked_add(GUARD).ok();
        let later_verdict = decide(table, &case);
        for verdict in [&now_verdict, &later_verdict] {
            if verdict.kind == VerdictKind::Deny {
                let until_us = verdict.next_allowed_at.map(|t| t.as_microsecond());
                let rules = if verdict.rules.is_empty() {
                    "missing_fact".to_string()
                } else {
                    verdict.rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
                };
                state.denials.push(Denial { person_id, until_us, rules });
                return Gate::Deny;
            }
        }
        if later_verdict.conditions.contains(Condition::ManualDialOnly) {
            return Gate::ManualOnly;
        }
        gate_from_verdict(&now_verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearline_core::phone::LineType;
    use clearline_core::policy::case_file::parse_case;

    const CASE: &str = r#"{"phone":"+19195550111","line_type":"unknown","dial_mode":"predictive","purpose":"gotv",
        "candidate_zones":["America/New_York"],"address_state":"NC","program_window":"09:00-20:30",
        "agent_country":"US","vendor_country":"US","on_dnc":false,"consent":false,"attempts":0,"max_attempts":3,
        "household_attempts":0,"recorded":true,"prerecorded_calls_30d":0,"caller_id_authorized":true}"#;

    fn gate_at(origin: &str) -> (PolicyGate, Lead) {
        let origin: Timestamp = origin.parse().unwrap();
        let gate = PolicyGate::new(origin.as_microsecond());
        let lead = crate::leads::lead_for(5, None, LineType::Unknown);
        gate.lock().insert(&lead, parse_case(CASE, zone_table()).unwrap().case);
        (gate, lead)
    }

    #[test]
    fn a_dial_must_stay_inside_the_calling_hours_for_the_guard_after_it() {
        // The program's window closes at 20:30 Eastern (00:30Z in October, EDT).
        let (gate, lead) = gate_at("2026-10-21T00:20:00Z");
        assert_eq!(gate.gate(&lead, 0), Gate::ManualOnly, "20:20: an unknown line, blended as a preview call (CR-49)");
        assert!(gate.lock().take_denials().is_empty());
        let seven_minutes = 7 * 60 * 1_000_000;
        assert_eq!(gate.gate(&lead, seven_minutes), Gate::Deny, "20:27: allowed now, not 5 minutes on");
        let denials = gate.lock().take_denials();
        assert_eq!(denials.len(), 1);
        assert_eq!(denials[0].rules, "program_window");
        let next_morning: Timestamp = "2026-10-21T13:00:00Z".parse().unwrap();
        assert_eq!(denials[0].until_us, Some(next_morning.as_microsecond()), "time only: until 09:00 local");
    }

    #[test]
    fn a_lead_without_a_case_is_refused_for_good() {
        let gate = PolicyGate::new(0);
        let lead = crate::leads::lead_for(9, None, LineType::Landline);
        assert_eq!(gate.gate(&lead, 0), Gate::Deny);
        assert_eq!(
            gate.lock().take_denials()[0],
            Denial { person_id: 9, until_us: None, rules: "unreadable_facts".into() }
        );
    }
}
