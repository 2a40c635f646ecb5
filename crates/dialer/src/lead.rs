//! Whom to call: leads behind a trait, and the policy gate asked at the instant of dialing.
//!
//! A lead is one phone record of one person in one household. The engine never sees the number: the
//! carrier resolves the lead id. [`LeadSource`] hands out leads in the program's order (the store-backed
//! source — callbacks due first, then fresh records, then retries — comes with the program tables);
//! [`MemoryLeads`] serves the benchmark and the tests.

use clearline_core::phone::LineType;
use clearline_core::policy::{Condition, Verdict, VerdictKind};
use std::collections::VecDeque;

/// One phone record to dial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lead {
    pub id: u64,
    pub person: u64,
    pub household: u64,
    pub line_type: LineType,
}

/// Leads in the order the program wants them dialed.
pub trait LeadSource {
    /// The next lead, or `None` when the list is exhausted.
    fn next_lead(&mut self) -> Option<Lead>;
    /// A lead that could not be dialed now (its household has a live attempt): offer it again later.
    ///
    /// Put-back leads come back one after each fresh lead, oldest first, and only once the fresh ones
    /// are gone do they come back to back: so a busy household is not retried in a tight loop, no
    /// number of busy households can keep fresh leads from being reached, and two put-back leads in a
    /// row mean nothing fresh is left (the engine stops looking there).
    fn put_back(&mut self, lead: Lead);
}

/// A list in memory, with the put-back rule of [`LeadSource::put_back`]; also the queue inside other
/// sources (a floor's lead buffer in `clearline-calling`).
#[derive(Debug, Default)]
pub struct MemoryLeads {
    queue: VecDeque<Lead>,
    later: VecDeque<Lead>,
    /// A fresh lead went out since the last put-back one: a put-back lead is next, if any.
    later_due: bool,
}

impl MemoryLeads {
    pub fn new(leads: impl IntoIterator<Item = Lead>) -> MemoryLeads {
        MemoryLeads { queue: leads.into_iter().collect(), later: VecDeque::new(), later_due: false }
    }

    /// Adds a fresh lead at the end of the list.
    pub fn push(&mut self, lead: Lead) {
        self.queue.push_back(lead);
    }

    /// Fresh leads waiting (put-back leads not counted: they wait on a household).
    pub fn fresh(&self) -> usize {
        self.queue.len()
    }
}

impl LeadSource for MemoryLeads {
    fn next_lead(&mut self) -> Option<Lead> {
        // One put-back lead after each fresh one (see `LeadSource::put_back`).
        if std::mem::take(&mut self.later_due) {
            if let Some(lead) = self.later.pop_front() {
                return Some(lead);
            }
        }
        match self.queue.pop_front() {
            Some(lead) => {
                self.later_due = true;
                Some(lead)
            }
            None => self.later.pop_front(),
        }
    }

    fn put_back(&mut self, lead: Lead) {
        self.later.push_back(lead);
    }
}

/// What the contact policy lets the engine do with a lead at this instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// System dialing (power, predictive, agentless) is allowed.
    SystemDial,
    /// Only a human may start the dial: the lead goes to an agent as a preview call (CR-49).
    ManualOnly,
    /// Not callable now.
    Deny,
}

/// The policy engine, asked again at the instant of dialing.
pub trait DialGate {
    /// May `lead` be dialed at `now` (the engine's clock), and how.
    fn gate(&self, lead: &Lead, now: crate::Micros) -> Gate;
}

/// The gate from a contact-policy [`Verdict`] (`clearline_core::policy::decide` on the lead's facts):
/// a denial denies; an allowance with the manual-dial-only condition (CR-49) makes a preview call.
pub fn gate_from_verdict(verdict: &Verdict) -> Gate {
    match verdict.kind {
        VerdictKind::Deny => Gate::Deny,
        _ if verdict.conditions.contains(Condition::ManualDialOnly) => Gate::ManualOnly,
        _ => Gate::SystemDial,
    }
}

/// The line-type part of the policy alone, for the benchmark: CR-49 — wireless, VoIP and unknown lines
/// (nothing is assumed a landline) and protected lines without consent are dialed by hand only. The
/// store-backed gate will call `clearline_core::policy::decide` with every fact and use
/// [`gate_from_verdict`].
#[derive(Clone, Copy, Debug, Default)]
pub struct LineTypeGate;

impl DialGate for LineTypeGate {
    fn gate(&self, lead: &Lead, _now: crate::Micros) -> Gate {
        match lead.line_type {
            LineType::Landline => Gate::SystemDial,
            _ => Gate::ManualOnly,
        }
    }
}
