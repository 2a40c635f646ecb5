//! CR-31: what vendor staff flagged as foreign nationals may do.
//!
//! 52 U.S.C. 30121 and 11 CFR 110.20(i): a foreign national may not direct, control or take part in a
//! committee's election-related decisions (targeting, scripts, spending, administration). Calling from a
//! script and recording answers is allowed (a paid vendor at the usual price making no decisions, AO
//! 2007-22). Sources: https://www.fec.gov/help-candidates-and-committees/candidate-taking-receipts/volunteer-activity/ ;
//! https://fec.gov/updates/ao-2007-22-campaign-committee-may-accept-volunteer-services-from-foreign-nationals
//!
//! A separate pure check from the dial policy: it decides an action of a person, not a dial.

use super::vocab::{ConditionSet, FactSet, RuleId, RuleSet};
use super::{Reason, Verdict, VerdictKind};

/// Something a member of staff asks to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaffAction {
    EditScript,
    EditTargeting,
    EditList,
    /// Take calls: read the script, record answers.
    TakeCalls,
    /// See results of their own calls.
    ViewOwnResults,
}

impl StaffAction {
    pub const ALL: [StaffAction; 5] = [
        StaffAction::EditScript,
        StaffAction::EditTargeting,
        StaffAction::EditList,
        StaffAction::TakeCalls,
        StaffAction::ViewOwnResults,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            StaffAction::EditScript => "edit_script",
            StaffAction::EditTargeting => "edit_targeting",
            StaffAction::EditList => "edit_list",
            StaffAction::TakeCalls => "take_calls",
            StaffAction::ViewOwnResults => "view_own_results",
        }
    }

    pub fn parse(text: &str) -> Option<StaffAction> {
        StaffAction::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// An election-related decision (scripts, targeting, lists): what CR-31 keeps from foreign nationals.
    pub const fn is_decision(self) -> bool {
        matches!(self, StaffAction::EditScript | StaffAction::EditTargeting | StaffAction::EditList)
    }
}

/// Why a staff action was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaffReason {
    Allowed,
    ForeignNationalDecision,
    /// The person's foreign-national flag is not recorded: never assumed to be a citizen.
    FlagUnknown,
}

impl StaffReason {
    pub const fn sentence(self) -> &'static str {
        match self {
            StaffReason::Allowed => "No rule stops this action.",
            StaffReason::ForeignNationalDecision => {
                "A foreign national may not edit scripts, targeting or lists: those are election decisions."
            }
            StaffReason::FlagUnknown => "Missing fact the rules need: foreign_national.",
        }
    }
}

/// CR-31: may this person take this action? `foreign_national` is `None` when the flag is not recorded;
/// an editing action is then denied (the flag is a missing fact).
pub fn check_staff_action(foreign_national: Option<bool>, action: StaffAction) -> (Verdict, StaffReason) {
    let deny = |missing: bool, reason| {
        let mut rules = RuleSet::of(&[RuleId::Cr31]);
        if missing {
            rules.insert(RuleId::MissingFact);
        }
        let verdict = Verdict {
            kind: VerdictKind::Deny,
            rules,
            conditions: ConditionSet::EMPTY,
            reason: Reason::Staff,
            missing: FactSet::EMPTY,
            next_allowed_at: None,
        };
        (verdict, reason)
    };
    if !action.is_decision() {
        return (Verdict::ALLOW, StaffReason::Allowed);
    }
    match foreign_national {
        Some(true) => deny(false, StaffReason::ForeignNationalDecision),
        None => deny(true, StaffReason::FlagUnknown),
        Some(false) => (Verdict::ALLOW, StaffReason::Allowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cr31_foreign_nationals_make_no_election_decisions() {
        // (foreign_national, action, expected kind) — from the rule text: decisions are refused to
        // foreign nationals and to people whose flag is unknown; calling is allowed to everyone.
        let cases = [
            (Some(true), StaffAction::EditScript, VerdictKind::Deny),
            (Some(true), StaffAction::EditTargeting, VerdictKind::Deny),
            (Some(true), StaffAction::EditList, VerdictKind::Deny),
            (Some(true), StaffAction::TakeCalls, VerdictKind::Allow),
            (Some(true), StaffAction::ViewOwnResults, VerdictKind::Allow),
            (Some(false), StaffAction::EditScript, VerdictKind::Allow),
            (Some(false), StaffAction::EditList, VerdictKind::Allow),
            (None, StaffAction::EditTargeting, VerdictKind::Deny),
            (None, StaffAction::TakeCalls, VerdictKind::Allow),
        ];
        for (flag, action, kind) in cases {
            let (verdict, reason) = check_staff_action(flag, action);
            assert_eq!(verdict.kind, kind, "{flag:?} {action:?}");
            assert_eq!(verdict.rules.contains(RuleId::Cr31), kind == VerdictKind::Deny, "{flag:?} {action:?}");
            assert_eq!(reason == StaffReason::FlagUnknown, flag.is_none() && kind == VerdictKind::Deny);
        }
    }

    #[test]
    fn action_names_round_trip() {
        for a in StaffAction::ALL {
            assert_eq!(StaffAction::parse(a.as_str()), Some(a));
        }
    }
}
