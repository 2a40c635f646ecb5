//! The tamper-evident audit chain: canonical encoding, hashing and verification.
//!
//! Each organization has one chain. Event `n` carries the SHA-256 of event `n-1` (`prev_hash`) and its
//! own hash over a canonical encoding of its content plus `prev_hash`. The sequence number is *not*
//! hashed: the order of the chain is carried by the links, so a reordering is detected as a link that
//! points at the wrong event, and a gap in the numbers as a removal.
//!
//! Details hold identifiers only — never personal data (no names, phones, emails, answers).

use crate::ids::OrgId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// `prev_hash` of the first event of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version of the canonical encoding; bump (and keep the old one verifiable) if it ever changes.
const ENCODING_VERSION: u32 = 1;

/// The content of an event, before it is placed on a chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Microseconds since the Unix epoch.
    pub occurred_at_us: i64,
    /// `user:42`, `anonymous`, `system:demo`.
    pub actor: String,
    /// The actor's organization, when the actor is a user.
    pub actor_org: Option<OrgId>,
    /// What happened, as `noun.verb`: `session.sign_in`, `user.invite`, `engagement.end`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// An IP address, "cli" or "system".
    pub source: String,
    /// Identifiers and outcomes only; a JSON object.
    pub details: Value,
}

/// An event on a chain, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub org_id: OrgId,
    pub seq: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Serialize)]
struct Canonical<'a> {
    v: u32,
    org: i64,
    at: i64,
    actor: &'a str,
    actor_org: Option<i64>,
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    source: &'a str,
    details: Value,
    prev: &'a str,
}

/// Rebuilds a JSON value with every object's keys in sorted order, whatever map type serde_json uses.
pub fn canonical_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> = map.iter().map(|(k, v)| (k, canonical_json(v))).collect();
            let mut out = serde_json::Map::new();
            for (k, v) in sorted {
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical_json).collect()),
        other => other.clone(),
    }
}

/// The details as the canonical JSON text stored beside the event.
pub fn canonical_details_text(details: &Value) -> String {
    serialize_sorted(&canonical_json(details))
}

/// Serializes with sorted keys regardless of serde_json's `preserve_order` feature.
fn serialize_sorted(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), serialize_sorted(&map[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(serialize_sorted).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// The exact bytes that are hashed for an event.
pub fn canonical_bytes(org_id: OrgId, entry: &AuditEntry, prev_hash: &str) -> Vec<u8> {
    let canonical = Canonical {
        v: ENCODING_VERSION,
        org: org_id.0,
        at: entry.occurred_at_us,
        actor: &entry.actor,
        actor_org: entry.actor_org.map(|o| o.0),
        action: &entry.action,
        object_type: &entry.object_type,
        object_id: &entry.object_id,
        source: &entry.source,
        details: canonical_json(&entry.details),
        prev: prev_hash,
    };
    let value = serde_json::to_value(&canonical).expect("canonical event serializes");
    serialize_sorted(&value).into_bytes()
}

/// The hash of an event given its content and its predecessor's hash (lowercase hex SHA-256).
pub fn event_hash(org_id: OrgId, entry: &AuditEntry, prev_hash: &str) -> String {
    hex::encode(Sha256::digest(canonical_bytes(org_id, entry, prev_hash)))
}

/// Places an entry on a chain after `prev` (None for the first event).
pub fn chain_next(org_id: OrgId, prev: Option<(i64, &str)>, entry: AuditEntry) -> AuditEvent {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_string()),
        None => (1, GENESIS_HASH.to_string()),
    };
    let hash = event_hash(org_id, &entry, &prev_hash);
    AuditEvent { org_id, seq, entry, prev_hash, hash }
}

/// A chain head: the sequence number and hash of the last event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for ChainHead {
    type Err = String;
    /// Parses `SEQ:HASH`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (seq, hash) = s.split_once(':').ok_or("expected SEQ:HASH")?;
        let seq: i64 = seq.parse().map_err(|_| "SEQ must be a whole number")?;
        if seq < 1 {
            return Err("SEQ must be at least 1".into());
        }
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("HASH must be 64 hexadecimal digits".into());
        }
        Ok(ChainHead { seq, hash: hash.to_ascii_lowercase() })
    }
}

/// The first thing wrong with a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum ChainProblem {
    /// The event's content no longer matches its hash.
    #[error("event {seq} was altered: its content does not match its hash")]
    Altered { seq: i64 },
    /// One or more events are missing before `seq`.
    #[error("an event was removed before event {seq} (expected event {expected_seq} there)")]
    Removed { seq: i64, expected_seq: i64 },
    /// The event at `seq` links to the event stored at `links_to_seq`, not to its predecessor.
    #[error("events were reordered: event {seq} follows event {links_to_seq}, not event {}", seq - 1)]
    Reordered { seq: i64, links_to_seq: i64 },
    /// The chain ends before an expected head.
    #[error("the chain was cut: it ends at event {last_seq} but event {expected_seq} was expected")]
    Truncated { last_seq: i64, expected_seq: i64 },
    /// The event at an expected head's position has another hash (the chain was rewritten).
    #[error("event {seq} differs from the expected head {expected_hash}: the chain was rewritten")]
    Rewritten { seq: i64, expected_hash: String },
}

impl ChainProblem {
    /// The sequence number the problem is first seen at.
    pub fn seq(&self) -> i64 {
        match self {
            ChainProblem::Altered { seq }
            | ChainProblem::Removed { seq, .. }
            | ChainProblem::Reordered { seq, .. }
            | ChainProblem::Rewritten { seq, .. } => *seq,
            ChainProblem::Truncated { last_seq, .. } => *last_seq,
        }
    }
}

/// Verifies one organization's chain, given its events in stored sequence order and the heads it is
/// expected to reach (a signed checkpoint, an `--expect-head`, the stored head). Returns the head.
pub fn verify_chain(events: &[AuditEvent], expected_heads: &[ChainHead]) -> Result<Option<ChainHead>, ChainProblem> {
    let mut prev_hash = GENESIS_HASH;
    for (index, event) in events.iter().enumerate() {
        let expected_seq = index as i64 + 1;
        if event.seq != expected_seq {
            return Err(ChainProblem::Removed { seq: event.seq, expected_seq });
        }
        if event_hash(event.org_id, &event.entry, &event.prev_hash) != event.hash {
            return Err(ChainProblem::Altered { seq: event.seq });
        }
        if event.prev_hash != prev_hash {
            return Err(match events.iter().find(|other| other.hash == event.prev_hash) {
                Some(other) => ChainProblem::Reordered { seq: event.seq, links_to_seq: other.seq },
                None => ChainProblem::Removed { seq: event.seq, expected_seq },
            });
        }
        prev_hash = &event.hash;
    }
    let last_seq = events.last().map_or(0, |e| e.seq);
    for head in expected_heads {
        if head.seq > last_seq {
            return Err(ChainProblem::Truncated { last_seq, expected_seq: head.seq });
        }
        let at = &events[(head.seq - 1) as usize];
        if at.hash != head.hash {
            return Err(ChainProblem::Rewritten { seq: head.seq, expected_hash: head.hash.clone() });
        }
    }
    Ok(events.last().map(|e| ChainHead { seq: e.seq, hash: e.hash.clone() }))
}

/// The message a daily checkpoint signs.
pub fn checkpoint_message(org_id: OrgId, day: &str, head: &ChainHead) -> Vec<u8> {
    format!("clearline-audit-checkpoint:v1:{}:{}:{}:{}", org_id.0, day, head.seq, head.hash).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(n: i64) -> AuditEntry {
        AuditEntry {
            occurred_at_us: 1_700_000_000_000_000 + n,
            actor: "user:1".into(),
            actor_org: Some(OrgId(1)),
            action: "thing.do".into(),
            object_type: "thing".into(),
            object_id: n.to_string(),
            source: "127.0.0.1".into(),
            details: json!({"b": 2, "a": n}),
        }
    }

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut out: Vec<AuditEvent> = Vec::new();
        for i in 1..=n {
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            let next = chain_next(OrgId(1), prev, entry(i));
            out.push(next);
        }
        out
    }

    #[test]
    fn a_clean_chain_verifies_to_its_head() {
        let events = chain(5);
        let head = verify_chain(&events, &[]).unwrap().unwrap();
        assert_eq!(head.seq, 5);
        assert_eq!(head.hash, events[4].hash);
        assert_eq!(verify_chain(&[], &[]).unwrap(), None);
    }

    #[test]
    fn key_order_of_details_does_not_change_the_hash() {
        let mut a = entry(1);
        a.details = json!({"x": 1, "y": {"b": 1, "a": 2}});
        let mut b = entry(1);
        b.details = serde_json::from_str(r#"{"y": {"a": 2, "b": 1}, "x": 1}"#).unwrap();
        assert_eq!(event_hash(OrgId(1), &a, GENESIS_HASH), event_hash(OrgId(1), &b, GENESIS_HASH));
        assert_eq!(canonical_details_text(&b.details), r#"{"x":1,"y":{"a":2,"b":1}}"#);
    }

    #[test]
    fn an_edited_event_is_named() {
        let mut events = chain(5);
        events[2].entry.object_id = "999".into();
        assert_eq!(verify_chain(&events, &[]), Err(ChainProblem::Altered { seq: 3 }));
    }

    #[test]
    fn a_removed_event_is_named_with_or_without_renumbering() {
        let mut events = chain(5);
        events.remove(2);
        assert_eq!(verify_chain(&events, &[]), Err(ChainProblem::Removed { seq: 4, expected_seq: 3 }));
        for (i, e) in events.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        assert_eq!(verify_chain(&events, &[]), Err(ChainProblem::Removed { seq: 3, expected_seq: 3 }));
    }

    #[test]
    fn a_reordering_is_named() {
        let mut events = chain(5);
        events.swap(1, 2);
        events[1].seq = 2;
        events[2].seq = 3;
        assert_eq!(verify_chain(&events, &[]), Err(ChainProblem::Reordered { seq: 2, links_to_seq: 3 }));
    }

    #[test]
    fn a_cut_tail_is_caught_against_an_expected_head() {
        let events = chain(5);
        let head = ChainHead { seq: 5, hash: events[4].hash.clone() };
        let cut = &events[..3];
        assert_eq!(verify_chain(cut, &[]).unwrap().unwrap().seq, 3, "without a head a cut is invisible");
        assert_eq!(
            verify_chain(cut, std::slice::from_ref(&head)),
            Err(ChainProblem::Truncated { last_seq: 3, expected_seq: 5 })
        );
    }

    #[test]
    fn a_rewritten_chain_is_caught_against_an_expected_head() {
        let events = chain(5);
        let head = ChainHead { seq: 4, hash: events[3].hash.clone() };
        let mut forged = chain(5);
        forged[0].entry.source = "10.0.0.1".into();
        // Recompute every hash so the forged chain is internally consistent.
        let mut prev = GENESIS_HASH.to_string();
        for e in forged.iter_mut() {
            e.prev_hash = prev.clone();
            e.hash = event_hash(e.org_id, &e.entry, &e.prev_hash);
            prev = e.hash.clone();
        }
        assert!(verify_chain(&forged, &[]).is_ok());
        assert!(matches!(verify_chain(&forged, &[head]), Err(ChainProblem::Rewritten { seq: 4, .. })));
    }

    #[test]
    fn chain_heads_parse_and_reject_nonsense() {
        let h: ChainHead = format!("7:{}", "A".repeat(64)).parse().unwrap();
        assert_eq!(h.seq, 7);
        assert_eq!(h.hash, "a".repeat(64));
        assert!("7".parse::<ChainHead>().is_err());
        assert!("0:abc".parse::<ChainHead>().is_err());
        assert!(format!("x:{}", "a".repeat(64)).parse::<ChainHead>().is_err());
    }
}
