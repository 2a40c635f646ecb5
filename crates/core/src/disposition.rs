//! Dispositions: the coded result of one attempt, defined once for every later part of Clearline (the
//! dialer sets them, agents pick them, the policy engine reads the last one, survey rates count them).
//!
//! [`Disposition`] is the closed table of base codes. Each says who sets it (the system or an agent),
//! whether it is final (no redial) or allows a retry, whether it is a contact (the attempt reached the
//! person it was for, product.md "Words") and a complete (a contact that finished the script), and its
//! AAPOR final disposition code (Standard Definitions, telephone surveys; compliance-rules.md section G).
//!
//! A campaign may add its own codes ([`CustomDisposition`]); each is mapped onto one base code and takes
//! every property from it, so a custom code can never make a refusal redialable. [`DispositionSet`]
//! validates a campaign's list once.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Who records a disposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetBy {
    /// The dialer or carrier (no answer, busy, machine, fax, …).
    System,
    /// The agent on the call.
    Agent,
}

/// An AAPOR case-count group (compliance-rules.md section G), which decides where a case goes in the
/// response, cooperation, refusal and contact rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AaporGroup {
    /// I: complete interview (1.1).
    Complete,
    /// P: partial interview (1.2).
    Partial,
    /// R: refusal or break-off (2.10–2.12).
    Refusal,
    /// NC: non-contact (2.20).
    NonContact,
    /// O: other eligible non-interview (2.30).
    Other,
    /// UH: unknown if household (3.10).
    UnknownHousehold,
    /// UO: unknown other (3.20, 3.90).
    UnknownOther,
    /// Not eligible (4.x): excluded from every denominator.
    Ineligible,
}

macro_rules! dispositions {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $set_by:ident, $final:literal, $contact:literal,
        $complete:literal, $aapor:literal, $group:ident; )*) => {
        /// A base disposition code. The table below is the one definition; everything else reads it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Disposition {
            $( $(#[$doc])* $variant, )*
        }

        impl Disposition {
            /// Every base code, in table order.
            pub const ALL: &'static [Disposition] = &[$(Disposition::$variant),*];

            /// The stored and serialized code (`no_answer`, `refused`, …).
            pub const fn code(self) -> &'static str {
                match self { $(Disposition::$variant => $code,)* }
            }

            /// Who records it.
            pub const fn set_by(self) -> SetBy {
                match self { $(Disposition::$variant => SetBy::$set_by,)* }
            }

            /// Final: the number is not dialed again for this program. Otherwise a retry is allowed (within
            /// the attempt rules).
            pub const fn is_final(self) -> bool {
                match self { $(Disposition::$variant => $final,)* }
            }

            /// The attempt reached the person it was for.
            pub const fn is_contact(self) -> bool {
                match self { $(Disposition::$variant => $contact,)* }
            }

            /// A contact that finished the script.
            pub const fn is_complete(self) -> bool {
                match self { $(Disposition::$variant => $complete,)* }
            }

            /// The AAPOR final disposition code (Standard Definitions, telephone), e.g. `"2.11"`.
            pub const fn aapor_code(self) -> &'static str {
                match self { $(Disposition::$variant => $aapor,)* }
            }

            /// The AAPOR case-count group the code falls in.
            pub const fn aapor_group(self) -> AaporGroup {
                match self { $(Disposition::$variant => AaporGroup::$group,)* }
            }
        }
    };
}

// code, set by, final, contact, complete, AAPOR code, AAPOR group.
dispositions! {
    /// The script was finished.
    Complete = "complete", Agent, true, true, true, "1.1", Complete;
    /// The script was started and not finished; a callback may finish it.
    Partial = "partial", Agent, false, true, false, "1.2", Partial;
    /// The person declined.
    Refused = "refused", Agent, true, true, false, "2.11", Refusal;
    /// The person hung up after the script started.
    BreakOff = "break_off", Agent, true, true, false, "2.12", Refusal;
    /// The person asked not to be called again: a refusal, and the number goes on the do-not-call list
    /// at once (CR-47).
    DoNotCall = "do_not_call", Agent, true, true, false, "2.11", Refusal;
    /// Someone answered; the person was not available; call again.
    RespondentUnavailable = "respondent_unavailable", Agent, false, false, false, "2.21", NonContact;
    /// The person asked to be called at another time.
    CallbackRequested = "callback_requested", Agent, false, true, false, "2.21", NonContact;
    /// The household says the person has died.
    Deceased = "deceased", Agent, true, false, false, "2.31", Other;
    /// The person cannot take the call (physically or mentally unable).
    Unable = "unable", Agent, true, false, false, "2.32", Other;
    /// No shared language with any available caller.
    LanguageBarrier = "language_barrier", Agent, true, true, false, "2.33", Other;
    /// Rang out.
    NoAnswer = "no_answer", System, false, false, false, "3.13", UnknownHousehold;
    /// Busy signal.
    Busy = "busy", System, false, false, false, "3.12", UnknownHousehold;
    /// An answering machine or voicemail, household unknown.
    AnsweringMachine = "answering_machine", System, false, false, false, "3.14", UnknownHousehold;
    /// The network or a call-blocking service refused the call.
    CallBlocked = "call_blocked", System, false, false, false, "3.15", UnknownHousehold;
    /// A technical phone problem (an ambiguous operator message, a bad line).
    TechnicalProblem = "technical_problem", System, false, false, false, "3.16", UnknownHousehold;
    /// A live answer not connected to an agent in time (CR-46); counts against the abandonment rate.
    Abandoned = "abandoned", System, false, false, false, "3.90", UnknownOther;
    /// The attempt was in flight when the dialing process stopped; closed on restart. It counts toward
    /// the attempt rules and the number waits out its spacing before the next try.
    Interrupted = "interrupted", System, false, false, false, "3.90", UnknownOther;
    /// The number belongs to someone else.
    WrongNumber = "wrong_number", Agent, true, false, false, "4.10", Ineligible;
    /// The person no longer lives in the area the program is for.
    Moved = "moved", Agent, true, false, false, "4.10", Ineligible;
    /// A fax or data line.
    Fax = "fax", System, true, false, false, "4.20", Ineligible;
    /// Not in service.
    NonWorking = "non_working", System, true, false, false, "4.30", Ineligible;
    /// A business, government office or other organization.
    Business = "business", Agent, true, false, false, "4.51", Ineligible;
    /// Nobody at the number is eligible (e.g. not a registered voter in the district).
    NotEligible = "not_eligible", Agent, true, false, false, "4.70", Ineligible;
    /// A survey quota this person falls in is already full.
    QuotaFilled = "quota_filled", System, true, false, false, "4.80", Ineligible;
}

impl Disposition {
    /// A base code by its name, `None` when unknown.
    pub fn from_code(code: &str) -> Option<Disposition> {
        Disposition::ALL.iter().copied().find(|d| d.code() == code)
    }

    /// An agent may record it: the codes the table says an agent sets, and an answering machine (a
    /// preview call has no detector: the agent hears the machine). The rest only the dialer records.
    pub fn agent_may_record(self) -> bool {
        self.set_by() == SetBy::Agent || self == Disposition::AnsweringMachine
    }
}

/// The longest label a custom code may have (it is a choice in the agent's list, not a sentence).
pub const MAX_LABEL_CHARS: usize = 60;

/// A campaign's own code, mapped onto one base code whose properties it takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomDisposition {
    pub code: String,
    pub label: String,
    pub base: Disposition,
}

/// Why a campaign's list of custom codes was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DispositionError {
    #[error("custom disposition code {0:?}: use 2–40 characters of a–z, 0–9 and `_`, starting with a letter")]
    BadCode(String),
    #[error("custom disposition code {0:?} is a base code: base codes cannot be redefined")]
    ShadowsBase(String),
    #[error("custom disposition code {0:?} appears twice")]
    Duplicate(String),
    #[error("custom disposition code {0:?} needs a label")]
    NoLabel(String),
    #[error("custom disposition code {0:?}: a label is at most 60 characters, on one line")]
    BadLabel(String),
    #[error(
        "custom disposition code {code:?} maps onto {base}, which only the dialer records: map it onto a code an agent records"
    )]
    SystemBase { code: String, base: &'static str },
}

impl DispositionError {
    /// The field the refusal is about (`code`, `label` or `base`), for errors that name their field.
    pub fn field(&self) -> &'static str {
        match self {
            DispositionError::BadCode(_) | DispositionError::ShadowsBase(_) | DispositionError::Duplicate(_) => "code",
            DispositionError::NoLabel(_) | DispositionError::BadLabel(_) => "label",
            DispositionError::SystemBase { .. } => "base",
        }
    }
}

/// A campaign's dispositions: the base table plus its validated custom codes.
#[derive(Clone, Debug, Default)]
pub struct DispositionSet {
    custom: Vec<CustomDisposition>,
}

impl DispositionSet {
    /// Validates the custom codes: snake_case, not a base code, unique, labelled, and mapped onto a code
    /// an agent records (custom codes are picked at the agent desk; the dialer records only base codes).
    pub fn new(custom: Vec<CustomDisposition>) -> Result<DispositionSet, DispositionError> {
        let mut seen = HashSet::new();
        for c in &custom {
            let valid = (2..=40).contains(&c.code.len())
                && c.code.as_bytes()[0].is_ascii_lowercase()
                && c.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                return Err(DispositionError::BadCode(c.code.clone()));
            }
            if Disposition::from_code(&c.code).is_some() {
                return Err(DispositionError::ShadowsBase(c.code.clone()));
            }
            if !seen.insert(c.code.as_str()) {
                return Err(DispositionError::Duplicate(c.code.clone()));
            }
            if c.label.trim().is_empty() {
                return Err(DispositionError::NoLabel(c.code.clone()));
            }
            if c.label.chars().count() > MAX_LABEL_CHARS || c.label.chars().any(char::is_control) {
                return Err(DispositionError::BadLabel(c.code.clone()));
            }
            if !c.base.agent_may_record() {
                return Err(DispositionError::SystemBase { code: c.code.clone(), base: c.base.code() });
            }
        }
        Ok(DispositionSet { custom })
    }

    /// The base code behind a code (a base code itself, or a custom code's base).
    pub fn resolve(&self, code: &str) -> Option<Disposition> {
        Disposition::from_code(code).or_else(|| self.custom.iter().find(|c| c.code == code).map(|c| c.base))
    }

    pub fn custom(&self) -> &[CustomDisposition] {
        &self.custom
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for d in Disposition::ALL {
            assert!(seen.insert(d.code()), "{} twice", d.code());
            assert_eq!(Disposition::from_code(d.code()), Some(*d));
            let json = serde_json::to_string(d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.code()), "serde uses the same code");
        }
        assert_eq!(Disposition::from_code("nope"), None);
    }

    #[test]
    fn aapor_codes_match_the_standard_definitions() {
        let cases = [
            (Disposition::Complete, "1.1", AaporGroup::Complete),
            (Disposition::Partial, "1.2", AaporGroup::Partial),
            (Disposition::Refused, "2.11", AaporGroup::Refusal),
            (Disposition::BreakOff, "2.12", AaporGroup::Refusal),
            (Disposition::NoAnswer, "3.13", AaporGroup::UnknownHousehold),
            (Disposition::Busy, "3.12", AaporGroup::UnknownHousehold),
            (Disposition::AnsweringMachine, "3.14", AaporGroup::UnknownHousehold),
            (Disposition::Fax, "4.20", AaporGroup::Ineligible),
            (Disposition::NonWorking, "4.30", AaporGroup::Ineligible),
            (Disposition::Deceased, "2.31", AaporGroup::Other),
        ];
        for (d, code, group) in cases {
            assert_eq!(d.aapor_code(), code, "{d:?}");
            assert_eq!(d.aapor_group(), group, "{d:?}");
        }
        // The group follows from the code's leading digits, for every row of the table.
        for d in Disposition::ALL {
            let code = d.aapor_code();
            let expected = match code {
                "1.1" => AaporGroup::Complete,
                "1.2" => AaporGroup::Partial,
                c if c.starts_with("2.1") => AaporGroup::Refusal,
                c if c.starts_with("2.2") => AaporGroup::NonContact,
                c if c.starts_with("2.3") => AaporGroup::Other,
                c if c.starts_with("3.1") => AaporGroup::UnknownHousehold,
                c if c.starts_with("3.2") || c.starts_with("3.9") => AaporGroup::UnknownOther,
                c if c.starts_with("4.") => AaporGroup::Ineligible,
                other => panic!("{d:?}: unexpected AAPOR code {other}"),
            };
            assert_eq!(d.aapor_group(), expected, "{d:?} {code}");
        }
    }

    #[test]
    fn properties_are_consistent() {
        for d in Disposition::ALL {
            assert!(!d.is_complete() || d.is_contact(), "{d:?}: a complete is a contact");
            assert!(!d.is_complete() || d.is_final(), "{d:?}: a complete is final");
            if d.aapor_group() == AaporGroup::Ineligible || d.aapor_group() == AaporGroup::Refusal {
                assert!(d.is_final(), "{d:?}: refusals and ineligible numbers are never redialed");
            }
            if d.aapor_group() == AaporGroup::UnknownHousehold {
                assert_eq!(d.set_by(), SetBy::System, "{d:?}: the dialer records unknown-household outcomes");
                assert!(!d.is_final(), "{d:?}: no contact yet, a retry is allowed");
            }
        }
        // The list of codes after which a number is never redialed.
        for d in [
            Disposition::Refused,
            Disposition::WrongNumber,
            Disposition::Deceased,
            Disposition::Moved,
            Disposition::DoNotCall,
        ] {
            assert!(d.is_final(), "{d:?}");
        }
        for d in [Disposition::NoAnswer, Disposition::Busy, Disposition::AnsweringMachine, Disposition::Abandoned] {
            assert!(!d.is_final() && !d.is_contact(), "{d:?}");
        }
    }

    fn custom(code: &str, base: Disposition) -> CustomDisposition {
        CustomDisposition { code: code.into(), label: format!("{code} label"), base }
    }

    #[test]
    fn custom_codes_map_onto_a_base_and_take_its_properties() {
        let set = DispositionSet::new(vec![
            custom("hostile_refusal", Disposition::Refused),
            custom("left_message_v2", Disposition::AnsweringMachine),
        ])
        .unwrap();
        assert_eq!(set.resolve("hostile_refusal"), Some(Disposition::Refused));
        assert!(set.resolve("hostile_refusal").unwrap().is_final());
        assert_eq!(set.resolve("left_message_v2").map(Disposition::aapor_code), Some("3.14"));
        assert_eq!(set.resolve("busy"), Some(Disposition::Busy));
        assert_eq!(set.resolve("unknown_code"), None);
    }

    #[test]
    fn custom_codes_are_validated() {
        let bad = |list: Vec<CustomDisposition>| DispositionSet::new(list).unwrap_err();
        assert!(matches!(bad(vec![custom("Bad Code", Disposition::Refused)]), DispositionError::BadCode(_)));
        assert!(matches!(bad(vec![custom("9lives", Disposition::Refused)]), DispositionError::BadCode(_)));
        assert!(matches!(bad(vec![custom("x", Disposition::Refused)]), DispositionError::BadCode(_)));
        assert!(matches!(bad(vec![custom(&"a".repeat(41), Disposition::Refused)]), DispositionError::BadCode(_)));
        assert!(matches!(bad(vec![custom("refused", Disposition::Refused)]), DispositionError::ShadowsBase(_)));
        assert!(matches!(
            bad(vec![custom("dup_code", Disposition::Refused), custom("dup_code", Disposition::Complete)]),
            DispositionError::Duplicate(_)
        ));
        let unlabelled = CustomDisposition { code: "quiet".into(), label: "  ".into(), base: Disposition::Refused };
        assert!(matches!(bad(vec![unlabelled]), DispositionError::NoLabel(_)));
        let long = CustomDisposition { code: "wordy".into(), label: "x".repeat(61), base: Disposition::Refused };
        assert_eq!(bad(vec![long.clone()]).field(), "label");
        let two_lines = CustomDisposition { label: "one\ntwo".into(), ..long };
        assert!(matches!(bad(vec![two_lines]), DispositionError::BadLabel(_)));
        // Only the dialer records a busy signal: a custom code picked at the desk cannot mean one.
        let system = bad(vec![custom("line_busy", Disposition::Busy)]);
        assert_eq!(system, DispositionError::SystemBase { code: "line_busy".into(), base: "busy" });
        assert_eq!(system.field(), "base");
        assert_eq!(bad(vec![custom("refused", Disposition::Refused)]).field(), "code");
        assert!(DispositionSet::new(vec![custom("ok_code_2", Disposition::Complete)]).is_ok());
    }
}
