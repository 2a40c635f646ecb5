//! Validation of a parsed script against the facts of the program it is for. Runs before a version can
//! be submitted; every problem names its step, and the rule where one asks for it.

use super::fields::{provided_fields, MERGE_FIELDS};
use super::{merge_fields_in, AnswerKind, Disclosure, Script, Step, StepKind, Test};
use crate::disposition::SetBy;
use crate::policy::{DialMode, Purpose};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};
use std::fmt;

/// Calls in 30 days above which a phone bank is a public communication needing "Paid for by" (CR-37).
pub const PHONE_BANK_THRESHOLD: u64 = 500;

/// What validation needs to know about the program a script is for. A stored script declares these
/// facts; a program may only attach a script declared for its own purpose and dial mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptFacts {
    pub purpose: Purpose,
    pub dial_mode: DialMode,
    /// Calls are recorded: the opening announces it (CR-28).
    pub recorded: bool,
    /// Calls expected within 30 days; unknown counts as more than 500 (CR-37 applies).
    pub expected_calls: Option<u64>,
}

impl ScriptFacts {
    /// Facts for a purpose and dial mode: not recorded, call count unknown.
    pub fn new(purpose: Purpose, dial_mode: DialMode) -> ScriptFacts {
        ScriptFacts { purpose, dial_mode, recorded: false, expected_calls: None }
    }

    /// Why a script validated for these facts may not be read on a program with `settings` and
    /// `listed` people on its call list: empty when it may. The script was checked for its declared
    /// purpose and dial mode only, and for a recording notice only if declared recorded.
    pub fn mismatches(&self, settings: &crate::program::ProgramSettings, listed: u64) -> Vec<String> {
        let mut out = Vec::new();
        if self.purpose != settings.purpose {
            out.push(format!(
                "the script is for {} calls, the program is {}",
                self.purpose.as_str(),
                settings.purpose.as_str()
            ));
        }
        if self.dial_mode != settings.dial_mode {
            out.push(format!(
                "the script is for {} dialing, the program dials {}",
                self.dial_mode.as_str(),
                settings.dial_mode.as_str()
            ));
        }
        if settings.recorded && !self.recorded {
            out.push("the program records calls; the script was not checked for the recording notice (CR-28)".into());
        }
        if self.expected_calls.is_some_and(|n| n <= PHONE_BANK_THRESHOLD) && listed > PHONE_BANK_THRESHOLD {
            out.push(format!(
                "the script was checked for at most {PHONE_BANK_THRESHOLD} calls without \"Paid for by\"; the call list has {listed} people (CR-37)"
            ));
        }
        out
    }

    fn needs_paid_for_by(&self) -> bool {
        self.expected_calls.is_none_or(|n| n > PHONE_BANK_THRESHOLD)
    }
}

/// One reason a script cannot be submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub step: String,
    /// The compliance rule behind it (`CR-48`), when one is.
    pub rule: Option<&'static str>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {}: {}", self.step, self.message)?;
        if let Some(rule) = self.rule {
            write!(f, " ({rule})")?;
        }
        Ok(())
    }
}

/// Every problem of `script` for a program with `facts`; empty when it may be submitted.
pub fn validate(script: &Script, facts: &ScriptFacts) -> Vec<Problem> {
    let mut v = Validator { script, facts, out: Vec::new() };
    v.structure();
    v.paths();
    v.merge_fields();
    v.disclosure_texts();
    v.required_disclosures();
    v.out
}

struct Validator<'a> {
    script: &'a Script,
    facts: &'a ScriptFacts,
    out: Vec<Problem>,
}

impl<'a> Validator<'a> {
    fn problem(&mut self, step: &str, rule: Option<&'static str>, message: impl Into<String>) {
        self.out.push(Problem { step: step.to_string(), rule, message: message.into() });
    }

    /// Each step on its own: text, answers, targets, branches, dispositions.
    fn structure(&mut self) {
        let script = self.script;
        for step in &script.steps {
            let id = step.id.as_str();
            if !matches!(step.kind, StepKind::End(_)) && step.text.iter().all(|t| t.trim().is_empty()) {
                self.problem(id, None, "has nothing to say (add `|` lines)");
            }
            match &step.kind {
                StepKind::End(d) => {
                    if d.set_by() == SetBy::System {
                        self.problem(id, None, format!("ends in `{}`, which only the dialer records", d.code()));
                    }
                }
                StepKind::Ask(q) => {
                    if q.answer.is_choice() && q.options.len() < 2 {
                        self.problem(id, None, "a choice question needs at least two `option` lines");
                    }
                    if self.facts.dial_mode == DialMode::Ivr {
                        if let Err(why) = super::ivr::keys(q) {
                            self.problem(id, None, format!("{why} (an IVR question is answered by one key press)"));
                        }
                    }
                    if self.facts.dial_mode == DialMode::Prerecorded {
                        self.problem(
                            id,
                            None,
                            "a prerecorded message cannot listen for answers (use the ivr dial mode)",
                        );
                    }
                }
                StepKind::Say | StepKind::Disclose(_) => {}
            }
            if !matches!(step.kind, StepKind::End(_)) && step.next.is_none() {
                self.problem(id, None, "has no `->`: every path must end in a disposition");
            }
            for target in step.targets() {
                if script.step(target).is_none() {
                    self.problem(id, None, format!("goes to step {target}, which does not exist"));
                }
            }
            for branch in &step.branches {
                self.branch(step, branch);
            }
        }
    }

    fn branch(&mut self, step: &Step, branch: &super::Branch) {
        let id = step.id.as_str();
        let Some(on) = self.script.step(&branch.on) else {
            return self.problem(
                id,
                None,
                format!("line {}: branches on step {}, which does not exist", branch.line, branch.on),
            );
        };
        let Some(question) = on.question() else {
            return self.problem(id, None, format!("line {}: step {} asks nothing to branch on", branch.line, on.id));
        };
        if on.id != step.id && !self.reaches(&on.id, &step.id) {
            self.problem(id, None, format!("line {}: step {} is never answered before this step", branch.line, on.id));
        }
        match (&branch.test, &question.answer) {
            (Test::Is(key), a) if a.is_choice() => {
                if !question.options.iter().any(|o| &o.key == key) {
                    self.problem(id, None, format!("line {}: step {} has no answer {key}", branch.line, on.id));
                }
            }
            (Test::AtLeast(n) | Test::AtMost(n), a) if a.is_number() => {
                if let AnswerKind::Scale { min, max } = a {
                    if n < min || n > max {
                        self.problem(
                            id,
                            None,
                            format!("line {}: {n} is outside step {}'s scale {min}..{max}", branch.line, on.id),
                        );
                    }
                }
            }
            (Test::Is(_), _) => self.problem(
                id,
                None,
                format!("line {}: `is` tests a choice answer; step {} takes a number or text", branch.line, on.id),
            ),
            _ => self.problem(
                id,
                None,
                format!("line {}: `>=` and `<=` test a scale or numeric answer, not step {}'s", branch.line, on.id),
            ),
        }
    }

    /// Reachability from the first step, and from every reachable step to an end.
    fn paths(&mut self) {
        let script = self.script;
        let Some(first) = script.steps.first() else { return };
        let reachable = self.reachable_from(&first.id, |_| true);
        for step in &script.steps {
            if !reachable.contains(step.id.as_str()) {
                self.problem(&step.id, None, "is unreachable: no path from the first step leads here");
            }
        }
        let ending = self.can_end();
        let stuck: Vec<&str> = script
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .filter(|id| reachable.contains(id) && !ending.contains(id))
            .collect();
        // A step that cannot reach an end, when every target exists, is caught in a closed cycle.
        let missing_target = script.steps.iter().any(|s| s.targets().any(|t| script.step(t).is_none()));
        if !stuck.is_empty() && !missing_target {
            // Name the loop itself, not the steps that lead into it.
            let cycle: Vec<&str> = stuck.iter().copied().filter(|id| self.reaches(id, id)).collect();
            if let Some(first_in_cycle) = cycle.first() {
                let message =
                    format!("a cycle with no exit: the call loops through {} and never ends", cycle.join(", "));
                self.problem(first_in_cycle, None, message);
            }
        }
        if !script.steps.iter().any(|s| matches!(s.kind, StepKind::End(d) if d.is_complete())) {
            self.problem(&first.id, None, "no path ends in `complete`: the script can never be finished");
        }
    }

    fn merge_fields(&mut self) {
        let provided = provided_fields(self.facts.dial_mode);
        let script = self.script;
        for step in &script.steps {
            let labels = step.question().into_iter().flat_map(|q| q.options.iter().map(|o| o.label.as_str()));
            for text in step.text.iter().map(String::as_str).chain(labels) {
                match merge_fields_in(text) {
                    Err(column) => self.problem(
                        &step.id,
                        None,
                        format!("an unmatched brace at column {column} (merge fields are {{source.name}})"),
                    ),
                    Ok(fields) => {
                        for name in fields {
                            if provided.contains(&name) {
                                continue;
                            }
                            let known = MERGE_FIELDS.iter().any(|f| f.name == name);
                            let message = if known {
                                format!("merge field {{{name}}} is not provided when a recording talks (no caller)")
                            } else {
                                format!("unknown merge field {{{}}}", name.chars().take(40).collect::<String>())
                            };
                            self.problem(&step.id, None, message);
                        }
                    }
                }
            }
        }
    }

    /// A `disclose` step's text must carry what its disclosures say.
    fn disclosure_texts(&mut self) {
        let live = self.facts.dial_mode.has_agent();
        let script = self.script;
        for step in &script.steps {
            let spoken = step.spoken().to_lowercase();
            for &d in step.disclosures() {
                let (fields, words): (&[&str], &[&str]) = match d {
                    Disclosure::Identification if live => (&["campaign.legal_name", "caller.first_name"], &[]),
                    Disclosure::Identification => (&["campaign.legal_name"], &[]),
                    Disclosure::Purpose => (&[], &[]),
                    Disclosure::PaidForBy => (&["campaign.paid_for_by"], &[]),
                    Disclosure::BestEfforts => (&[], &["best efforts", "address", "occupation", "employer"]),
                    Disclosure::NonDeductible => (&[], &["not deductible"]),
                    Disclosure::Recording => (&[], &["recorded"]),
                    Disclosure::Callback => (&["campaign.callback_number"], &[]),
                    Disclosure::OptOut => (&[], &["press"]),
                };
                let used: BTreeSet<&str> =
                    step.text.iter().flat_map(|t| merge_fields_in(t).unwrap_or_default()).collect();
                for field in fields {
                    if !used.contains(field) {
                        self.problem(
                            &step.id,
                            Some(d.rule()),
                            format!("discloses {} but its text lacks {{{field}}}", d.as_str()),
                        );
                    }
                }
                for word in words {
                    if !spoken.contains(word) {
                        self.problem(
                            &step.id,
                            Some(d.rule()),
                            format!("discloses {} but its text does not say \"{word}\"", d.as_str()),
                        );
                    }
                }
            }
        }
    }

    /// The disclosures this program's purpose, dial mode and facts require, each where it must be.
    fn required_disclosures(&mut self) {
        let script = self.script;
        let Some(first) = script.steps.first() else { return };
        let facts = *self.facts;
        let opening = self.opening();
        let opening_names = match opening.is_empty() {
            true => "empty: the call starts with a question".to_string(),
            false => opening.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", "),
        };
        let in_opening = |d: Disclosure| opening.iter().any(|s| s.disclosures().contains(&d));
        if facts.dial_mode.has_agent() {
            for d in [Disclosure::Identification, Disclosure::Purpose] {
                if !in_opening(d) {
                    let message = format!(
                        "the opening ({opening_names}) needs a `disclose {}` step before the first question",
                        d.as_str()
                    );
                    self.problem(&first.id, Some("CR-48"), message);
                }
            }
        } else {
            // A recording opens with who is calling and offers the opt-out right after (within 2 s).
            if !first.disclosures().contains(&Disclosure::Identification) {
                self.problem(&first.id, Some("CR-5"), "a recorded message must open with `disclose identification`");
            }
            let second = first.next.as_deref().and_then(|id| script.step(id));
            let opt_out_early = first.disclosures().contains(&Disclosure::OptOut)
                || second.is_some_and(|s| s.disclosures().contains(&Disclosure::OptOut));
            if !opt_out_early {
                self.problem(
                    &first.id,
                    Some("CR-6"),
                    "the opt-out (`disclose opt_out`) must come in the first step or the one right after it",
                );
            }
            self.on_every_path(Disclosure::Callback, false);
        }
        if facts.recorded && !in_opening(Disclosure::Recording) {
            let message = format!(
                "calls are recorded: the opening ({opening_names}) must announce it (`disclose recording`) first"
            );
            self.problem(&first.id, Some("CR-28"), message);
        }
        if facts.needs_paid_for_by() {
            self.on_every_path(Disclosure::PaidForBy, true);
        }
        if facts.purpose == Purpose::Fundraising {
            self.on_every_path(Disclosure::BestEfforts, true);
            self.on_every_path(Disclosure::NonDeductible, true);
        }
    }

    /// The first step and those it leads to by default before anything is asked or the call ends.
    fn opening(&self) -> Vec<&'a Step> {
        let script: &'a Script = self.script;
        let mut out: Vec<&'a Step> = Vec::new();
        let mut current = script.steps.first();
        while let Some(step) = current {
            if !matches!(step.kind, StepKind::Say | StepKind::Disclose(_)) || out.iter().any(|s| s.id == step.id) {
                break;
            }
            out.push(step);
            current = step.next.as_deref().and_then(|id| script.step(id));
        }
        out
    }

    /// Every path from the first step to an end (a `complete` end when `completes_only`) passes a step
    /// making disclosure `d`. Reported once, at the first end reached without it.
    fn on_every_path(&mut self, d: Disclosure, completes_only: bool) {
        let script: &'a Script = self.script;
        let Some(first) = script.steps.first() else { return };
        let without = self.reachable_from(&first.id, |s| !s.disclosures().contains(&d));
        let bare_end = script.steps.iter().find(|s| {
            without.contains(s.id.as_str())
                && matches!(s.kind, StepKind::End(disp) if !completes_only || disp.is_complete())
        });
        if let Some(end) = bare_end {
            let which = if completes_only { "a completed call" } else { "the end of the message" };
            let message = format!("a path reaches {which} here without a `disclose {}` step", d.as_str());
            let id = end.id.clone();
            self.problem(&id, Some(d.rule()), message);
        }
    }

    /// The steps reachable from `start`, entering only steps that pass `allowed` (the start too).
    fn reachable_from(&self, start: &str, allowed: impl Fn(&Step) -> bool) -> BTreeSet<&'a str> {
        let script: &'a Script = self.script;
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::new();
        if let Some(s) = script.step(start).filter(|s| allowed(s)) {
            seen.insert(s.id.as_str());
            queue.push_back(s);
        }
        while let Some(step) = queue.pop_front() {
            for target in step.targets() {
                if let Some(next) = script.step(target).filter(|s| allowed(s)) {
                    if seen.insert(next.id.as_str()) {
                        queue.push_back(next);
                    }
                }
            }
        }
        seen
    }

    /// `to` can be reached from `from` by at least one step.
    fn reaches(&self, from: &str, to: &str) -> bool {
        let Some(from) = self.script.step(from) else { return false };
        from.targets().any(|t| t == to || self.reachable_from(t, |_| true).contains(to))
    }

    /// The steps from which some end can be reached.
    fn can_end(&self) -> BTreeSet<&'a str> {
        let steps = &self.script.steps;
        let mut ending: BTreeSet<&str> =
            steps.iter().filter(|s| matches!(s.kind, StepKind::End(_))).map(|s| s.id.as_str()).collect();
        loop {
            let before = ending.len();
            for s in steps {
                if s.targets().any(|t| ending.contains(t)) {
                    ending.insert(s.id.as_str());
                }
            }
            if ending.len() == before {
                return ending;
            }
        }
    }
}
