//! The leads one floor holds: a buffer the run loop refills from the store between engine steps (the
//! engine asks synchronously; the store answers asynchronously).

use clearline_dialer::lead::{Lead, LeadSource, MemoryLeads};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// A person with no household gets a household of their own, out of the range of household ids.
const SOLO_HOUSEHOLD: u64 = 1 << 62;

/// The engine's view of a call-list entry: lead id and person are the person id.
pub fn lead_for(person_id: i64, household_id: Option<i64>, line_type: clearline_core::phone::LineType) -> Lead {
    let person = person_id as u64;
    Lead { id: person, person, household: household_id.map_or(SOLO_HOUSEHOLD | person, |h| h as u64), line_type }
}

#[derive(Debug, Default)]
pub struct LeadBuffer {
    /// Fresh leads, and those the engine could not dial yet (their household has a live attempt).
    leads: MemoryLeads,
    /// Every person this floor holds: queued, in the engine, or being dialed. Skipped when refilling.
    held: HashSet<i64>,
    /// No new leads: the run is draining or the program was paused.
    closed: bool,
}

impl LeadBuffer {
    pub fn push(&mut self, person_id: i64, lead: Lead) {
        if self.held.insert(person_id) {
            self.leads.push(lead);
        }
    }

    /// Fresh leads waiting (put-back leads not counted: they wait on a household).
    pub fn queued(&self) -> usize {
        self.leads.fresh()
    }

    pub fn held(&self) -> Vec<i64> {
        self.held.iter().copied().collect()
    }

    /// The person's attempt finished, or the policy refused the dial: the floor no longer holds them.
    pub fn release(&mut self, person_id: i64) {
        self.held.remove(&person_id);
    }

    pub fn close(&mut self) {
        self.closed = true;
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// The engine's [`LeadSource`] over a floor's buffer.
#[derive(Clone, Debug, Default)]
pub struct SharedLeads(pub Arc<Mutex<LeadBuffer>>);

impl SharedLeads {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, LeadBuffer> {
        self.0.lock().expect("the lead buffer's lock is never poisoned (no panics while held)")
    }
}

impl LeadSource for SharedLeads {
    fn next_lead(&mut self) -> Option<Lead> {
        let mut b = self.lock();
        if b.closed {
            return None;
        }
        b.leads.next_lead()
    }

    fn put_back(&mut self, lead: Lead) {
        self.lock().leads.put_back(lead);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearline_core::phone::LineType;

    #[test]
    fn a_held_person_is_not_queued_twice_and_a_closed_buffer_hands_out_nothing() {
        let shared = SharedLeads::default();
        let lead = lead_for(7, None, LineType::Landline);
        shared.lock().push(7, lead);
        shared.lock().push(7, lead);
        assert_eq!(shared.lock().queued(), 1);
        let mut source = shared.clone();
        assert_eq!(source.next_lead(), Some(lead));
        assert_eq!(source.next_lead(), None);
        source.put_back(lead);
        shared.lock().close();
        assert_eq!(source.next_lead(), None, "closed: the put-back lead is not dialed either");
        assert_eq!(shared.lock().held(), vec![7], "still held until its attempt is released");
    }

    #[test]
    fn people_without_a_household_get_distinct_households_of_their_own() {
        let a = lead_for(1, None, LineType::Wireless);
        let b = lead_for(2, None, LineType::Wireless);
        let c = lead_for(3, Some(1), LineType::Wireless);
        assert_ne!(a.household, b.household);
        assert_ne!(a.household, c.household, "person 1 alone is not household 1");
    }
}
