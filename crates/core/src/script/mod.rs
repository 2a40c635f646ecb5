//! Scripts: what a caller (or a recording) says, as a structured document the campaign approves.
//!
//! A [`Script`] is a list of steps. A step says text (with merge fields such as
//! `{voter.first_name}`), discloses what the law requires (a `disclose` step names the disclosures it
//! makes, and its text must carry their merge fields or words), asks a question, or ends the call with
//! a disposition. A step goes on to the next by its default `->`, or by a branch on the answer to a
//! question — its own or an earlier step's.
//!
//! - [`parse`] reads the line-oriented text format (docs/scripts.md); every error names its line and
//!   the step it is in.
//! - [`validate`] checks a parsed document against the facts of the program it is for
//!   ([`ScriptFacts`]): every path ends in a disposition, no step is unreachable, no cycle lacks an exit,
//!   every merge field is provided, and the disclosures the program needs are where they must be
//!   (CR-5, CR-6, CR-28, CR-34, CR-37, CR-38, CR-48). Every problem names the step.
//! - [`diff_lines`] compares two versions' texts line by line, for the approver.
//!
//! Pure: no I/O, no clock. The store keeps versions and their approval; the CLI and the web read files
//! and forms and hand the text here.

mod diff;
mod fields;
pub mod ivr;
mod parse;
mod validate;
pub mod walk;

pub use diff::{diff_lines, render_diff, DiffLine, DiffTag};
pub use fields::{fill, merge_fields_in, MergeField, MERGE_FIELDS};
pub use parse::{parse, ParseError};
pub use validate::{validate, Problem, ScriptFacts};
pub use walk::{walk, walk_until, Answer, GivenAnswer, Partial, Walk};

use crate::disposition::Disposition;
use serde::Serialize;

/// A parsed script document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Script {
    pub title: String,
    /// In document order; the first step is where every call starts.
    pub steps: Vec<Step>,
}

impl Script {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// One step of a script.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Lower-case letters, digits and `_`, unique in the document.
    pub id: String,
    /// The line of its `step` header, for messages.
    pub line: usize,
    pub kind: StepKind,
    /// The words to say, one entry per `|` line.
    pub text: Vec<String>,
    /// Tried in order; the first that holds decides the next step.
    pub branches: Vec<Branch>,
    /// Where the call goes when no branch holds. Every step but an `end` has one.
    pub next: Option<String>,
}

impl Step {
    /// The text as one string (lines joined by spaces), as the caller reads it.
    pub fn spoken(&self) -> String {
        self.text.join(" ")
    }

    /// Every step this one can lead to: its branches' targets, then its default.
    pub fn targets(&self) -> impl Iterator<Item = &str> {
        self.branches.iter().map(|b| b.target.as_str()).chain(self.next.as_deref())
    }

    pub fn disclosures(&self) -> &[Disclosure] {
        match &self.kind {
            StepKind::Disclose(d) => d,
            _ => &[],
        }
    }

    /// An answer to this step's question as the caller reads it: the options' labels (a key the
    /// question does not have, as it is), the number, the text.
    pub fn answer_label(&self, answer: &Answer) -> String {
        let label = |key: &str| {
            self.question()
                .and_then(|q| q.options.iter().find(|o| o.key == key))
                .map_or(key.to_string(), |o| o.label.clone())
        };
        match answer {
            Answer::Choice(k) => label(k),
            Answer::Choices(ks) => ks.iter().map(|k| label(k)).collect::<Vec<_>>().join(", "),
            Answer::Number(n) => n.to_string(),
            Answer::Text(t) => t.clone(),
        }
    }

    pub fn question(&self) -> Option<&Question> {
        match &self.kind {
            StepKind::Ask(q) => Some(q),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Words to say.
    Say,
    /// Words to say that make the listed disclosures.
    Disclose(Vec<Disclosure>),
    /// A question with its answers.
    Ask(Question),
    /// The call ends with this disposition (one an agent records).
    End(Disposition),
}

/// A question and the answers it takes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    pub answer: AnswerKind,
    /// For single- and multiple-choice questions, at least two.
    pub options: Vec<AnswerOption>,
    /// Show the options in a random order on each call (the order shown is recorded with the answer).
    pub randomize: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum AnswerKind {
    /// One option.
    Single,
    /// Any number of options.
    Multiple,
    /// A whole number on a closed scale, e.g. 1..5.
    Scale { min: i64, max: i64 },
    /// A whole number, optionally bounded.
    Numeric { min: Option<i64>, max: Option<i64> },
    /// Free text.
    Open,
}

impl AnswerKind {
    pub const fn is_choice(&self) -> bool {
        matches!(self, AnswerKind::Single | AnswerKind::Multiple)
    }

    pub const fn is_number(&self) -> bool {
        matches!(self, AnswerKind::Scale { .. } | AnswerKind::Numeric { .. })
    }

    /// The kind's name in forms and reports: `single`, `multiple`, `scale`, `numeric`, `open`.
    pub const fn name(&self) -> &'static str {
        match self {
            AnswerKind::Single => "single",
            AnswerKind::Multiple => "multiple",
            AnswerKind::Scale { .. } => "scale",
            AnswerKind::Numeric { .. } => "numeric",
            AnswerKind::Open => "open",
        }
    }

    /// A number answer's bounds (a scale has both; a numeric question those it gives); none otherwise.
    pub const fn bounds(&self) -> (Option<i64>, Option<i64>) {
        match *self {
            AnswerKind::Scale { min, max } => (Some(min), Some(max)),
            AnswerKind::Numeric { min, max } => (min, max),
            _ => (None, None),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnswerOption {
    /// Stored with the answer and named by branches.
    pub key: String,
    /// What the caller reads or the agent clicks.
    pub label: String,
}

/// `if STEP is KEY -> TARGET` and its numeric forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Branch {
    pub line: usize,
    /// The question step whose answer is tested (this step or an earlier one).
    pub on: String,
    pub test: Test,
    pub target: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// A single-choice answer is KEY; a multiple-choice answer includes KEY.
    Is(String),
    /// A scale or numeric answer is at least N.
    AtLeast(i64),
    /// A scale or numeric answer is at most N.
    AtMost(i64),
}

/// What a `disclose` step says, by the rule that requires it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Who is calling: the committee's legal name, and on a live call the caller's first name
    /// (CR-48; CR-5 for a recording).
    Identification,
    /// Why we are calling (CR-48).
    Purpose,
    /// "Paid for by …" (CR-37).
    PaidForBy,
    /// The best-efforts request for name, mailing address, occupation and employer (CR-34).
    BestEfforts,
    /// Contributions are not tax deductible (CR-38).
    NonDeductible,
    /// The call is recorded (CR-28).
    Recording,
    /// A number to call back (CR-5).
    Callback,
    /// How to stop these calls (CR-6).
    OptOut,
}

impl Disclosure {
    pub const ALL: [Disclosure; 8] = [
        Disclosure::Identification,
        Disclosure::Purpose,
        Disclosure::PaidForBy,
        Disclosure::BestEfforts,
        Disclosure::NonDeductible,
        Disclosure::Recording,
        Disclosure::Callback,
        Disclosure::OptOut,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Disclosure::Identification => "identification",
            Disclosure::Purpose => "purpose",
            Disclosure::PaidForBy => "paid_for_by",
            Disclosure::BestEfforts => "best_efforts",
            Disclosure::NonDeductible => "non_deductible",
            Disclosure::Recording => "recording",
            Disclosure::Callback => "callback",
            Disclosure::OptOut => "opt_out",
        }
    }

    pub fn parse(text: &str) -> Option<Disclosure> {
        Disclosure::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// The rule that asks for it.
    pub const fn rule(self) -> &'static str {
        match self {
            Disclosure::Identification | Disclosure::Purpose => "CR-48",
            Disclosure::PaidForBy => "CR-37",
            Disclosure::BestEfforts => "CR-34",
            Disclosure::NonDeductible => "CR-38",
            Disclosure::Recording => "CR-28",
            Disclosure::Callback => "CR-5",
            Disclosure::OptOut => "CR-6",
        }
    }
}

/// Where a stored version is in its approval. A version's text never changes; only its status moves,
/// draft → submitted → approved or rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Submitted,
    Approved,
    Rejected,
}

impl VersionStatus {
    pub const ALL: [VersionStatus; 4] =
        [VersionStatus::Draft, VersionStatus::Submitted, VersionStatus::Approved, VersionStatus::Rejected];

    pub const fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Submitted => "submitted",
            VersionStatus::Approved => "approved",
            VersionStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<VersionStatus> {
        VersionStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The one way forward: a draft is submitted; a submitted version is approved or rejected. Approved
    /// and rejected are final (a change is a new version).
    pub const fn may_become(self, next: VersionStatus) -> bool {
        matches!(
            (self, next),
            (VersionStatus::Draft, VersionStatus::Submitted)
                | (VersionStatus::Submitted, VersionStatus::Approved | VersionStatus::Rejected)
        )
    }
}

/// `en`, `es`, `es-MX`, `zh-Hant`: a primary subtag of 2-3 letters and an optional region or script.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let ok_primary = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
    let rest: Vec<&str> = parts.collect();
    ok_primary
        && rest.len() <= 1
        && rest.iter().all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests;
