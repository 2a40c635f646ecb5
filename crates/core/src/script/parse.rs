//! The text format (docs/scripts.md): one statement per line, so a diff between versions shows exactly
//! which words, answers or branches changed. Indentation is for the reader only.
//!
//! ```text
//! title: Election Day reminder
//! step opening: disclose identification purpose
//! | Hi {voter.first_name}, this is {caller.first_name} with {campaign.legal_name}.
//! -> plan
//! step plan: ask single
//! | Do you have a plan to vote?
//! option yes: Yes
//! option no: No
//! if plan is no -> polling
//! -> thanks
//! ```

use super::{AnswerKind, AnswerOption, Branch, Disclosure, Question, Script, Step, StepKind, Test};
use crate::disposition::Disposition;
use serde::Serialize;
use std::fmt;

/// A line the parser could not read. Carries the line number and the step it is in, never more of
/// the text than a keyword.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParseError {
    pub line: usize,
    /// The step the line belongs to, if it is inside one.
    pub step: Option<String>,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Some(step) => write!(f, "line {}, step {step}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Reads a script document. Every line that cannot be read is reported, not just the first.
pub fn parse(text: &str) -> Result<Script, Vec<ParseError>> {
    let mut parser = Parser { title: None, steps: Vec::new(), errors: Vec::new() };
    for (index, raw) in text.lines().enumerate() {
        parser.line(index + 1, raw.trim());
    }
    if parser.title.is_none() {
        parser.errors.push(ParseError { line: 1, step: None, message: "the document needs a `title:` line".into() });
    }
    if parser.steps.is_empty() && parser.errors.is_empty() {
        parser.errors.push(ParseError { line: 1, step: None, message: "the document has no steps".into() });
    }
    if parser.errors.is_empty() {
        Ok(Script { title: parser.title.unwrap_or_default(), steps: parser.steps })
    } else {
        Err(parser.errors)
    }
}

struct Parser {
    title: Option<String>,
    steps: Vec<Step>,
    errors: Vec<ParseError>,
}

impl Parser {
    fn fail(&mut self, line: usize, message: impl Into<String>) {
        let step = self.steps.last().map(|s| s.id.clone());
        self.errors.push(ParseError { line, step, message: message.into() });
    }

    fn line(&mut self, n: usize, line: &str) {
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        if let Some(text) = line.strip_prefix('|') {
            let text = text.strip_prefix(' ').unwrap_or(text).trim_end();
            return match self.steps.last_mut() {
                Some(step) => step.text.push(text.to_string()),
                None => self.fail(n, "text before the first `step`"),
            };
        }
        if let Some(title) = line.strip_prefix("title:") {
            return if self.title.is_some() {
                self.fail(n, "a second `title:` line")
            } else if !self.steps.is_empty() {
                self.fail(n, "`title:` must come before the first step")
            } else if title.trim().is_empty() {
                self.fail(n, "the title is empty")
            } else {
                self.title = Some(title.trim().to_string())
            };
        }
        if let Some(rest) = line.strip_prefix("step ") {
            return self.step(n, rest);
        }
        if self.steps.is_empty() {
            return self.fail(n, "expected `title:` or `step ID: KIND`");
        }
        if let Some(target) = line.strip_prefix("->") {
            return self.next(n, target.trim());
        }
        if let Some(rest) = line.strip_prefix("option ") {
            return self.option(n, rest);
        }
        if line == "randomize" {
            return match self.current_question() {
                Some(q) if q.answer.is_choice() => q.randomize = true,
                Some(_) => self.fail(n, "only single- and multiple-choice answers can be shown in random order"),
                None => self.fail(n, "`randomize` belongs to an `ask` step"),
            };
        }
        if let Some(rest) = line.strip_prefix("if ") {
            return self.branch(n, rest);
        }
        let word = line.split_whitespace().next().unwrap_or("").chars().take(20).collect::<String>();
        self.fail(n, format!("unknown statement `{word}` (expected `|`, `->`, `option`, `randomize`, `if` or `step`)"));
    }

    fn step(&mut self, n: usize, rest: &str) {
        let Some((id, kind)) = rest.split_once(':') else {
            return self.fail(n, "a step is `step ID: KIND` (say, disclose …, ask …, end DISPOSITION)");
        };
        let id = id.trim();
        if !is_id(id) {
            // Record a placeholder so later lines still name a step.
            self.steps.push(blank_step(id, n));
            return self.fail(n, "a step id is lower-case letters, digits and `_`, starting with a letter");
        }
        let duplicate = self.steps.iter().any(|s| s.id == id);
        let kind = parse_kind(kind.trim());
        self.steps.push(blank_step(id, n));
        if duplicate {
            self.fail(n, "a second step with this id");
        }
        match kind {
            Ok(kind) => self.steps.last_mut().expect("just pushed").kind = kind,
            Err(message) => self.fail(n, message),
        }
    }

    fn next(&mut self, n: usize, target: &str) {
        if !is_id(target) {
            return self.fail(n, "`->` names the next step's id");
        }
        let step = self.steps.last_mut().expect("inside a step");
        if matches!(step.kind, StepKind::End(_)) {
            return self.fail(n, "an `end` step ends the call: it has no next step");
        }
        if step.next.is_some() {
            return self.fail(n, "a second `->` (branches are `if STEP is ANSWER -> TARGET`)");
        }
        step.next = Some(target.to_string());
    }

    fn option(&mut self, n: usize, rest: &str) {
        let Some((key, label)) = rest.split_once(':') else {
            return self.fail(n, "an answer is `option KEY: Label`");
        };
        let (key, label) = (key.trim(), label.trim());
        if !is_id(key) {
            return self.fail(n, "an answer key is lower-case letters, digits and `_`, starting with a letter");
        }
        if label.is_empty() {
            return self.fail(n, "the answer needs a label");
        }
        match self.current_question() {
            Some(q) if q.answer.is_choice() => {
                if q.options.iter().any(|o| o.key == key) {
                    return self.fail(n, "a second answer with this key");
                }
                q.options.push(AnswerOption { key: key.to_string(), label: label.to_string() })
            }
            Some(_) => self.fail(n, "only single- and multiple-choice questions have options"),
            None => self.fail(n, "`option` belongs to an `ask single` or `ask multiple` step"),
        }
    }

    fn branch(&mut self, n: usize, rest: &str) {
        let Some((condition, target)) = rest.split_once("->") else {
            return self.fail(n, "a branch is `if STEP is ANSWER -> TARGET` (or `>= N`, `<= N`)");
        };
        let target = target.trim();
        let words: Vec<&str> = condition.split_whitespace().collect();
        let test = match words.as_slice() {
            [_, "is", key] if is_id(key) => Ok(Test::Is((*key).to_string())),
            [_, ">=", number] => number.parse().map(Test::AtLeast).map_err(|_| "`>=` takes a whole number"),
            [_, "<=", number] => number.parse().map(Test::AtMost).map_err(|_| "`<=` takes a whole number"),
            _ => Err("a branch is `if STEP is ANSWER -> TARGET` (or `>= N`, `<= N`)"),
        };
        let test = match test {
            Ok(t) => t,
            Err(message) => return self.fail(n, message),
        };
        if !is_id(words[0]) || !is_id(target) {
            return self.fail(n, "a branch names step ids: `if STEP is ANSWER -> TARGET`");
        }
        let step = self.steps.last_mut().expect("inside a step");
        if matches!(step.kind, StepKind::End(_)) {
            return self.fail(n, "an `end` step ends the call: it cannot branch");
        }
        step.branches.push(Branch { line: n, on: words[0].to_string(), test, target: target.to_string() });
    }

    fn current_question(&mut self) -> Option<&mut Question> {
        match &mut self.steps.last_mut()?.kind {
            StepKind::Ask(q) => Some(q),
            _ => None,
        }
    }
}

fn blank_step(id: &str, line: usize) -> Step {
    Step {
        id: id.chars().take(40).collect(),
        line,
        kind: StepKind::Say,
        text: Vec::new(),
        branches: Vec::new(),
        next: None,
    }
}

fn parse_kind(kind: &str) -> Result<StepKind, String> {
    let words: Vec<&str> = kind.split_whitespace().collect();
    match words.as_slice() {
        ["say"] => Ok(StepKind::Say),
        ["disclose", names @ ..] if !names.is_empty() => {
            let mut out = Vec::new();
            for name in names {
                let d = Disclosure::parse(name.trim_end_matches(',')).ok_or_else(|| {
                    format!("unknown disclosure (one of {})", Disclosure::ALL.map(Disclosure::as_str).join(", "))
                })?;
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            Ok(StepKind::Disclose(out))
        }
        ["disclose"] => Err("`disclose` names what the step discloses, e.g. `disclose identification purpose`".into()),
        ["ask", rest @ ..] => {
            parse_answer(rest).map(|answer| StepKind::Ask(Question { answer, options: Vec::new(), randomize: false }))
        }
        ["end", code] => match Disposition::from_code(code) {
            Some(d) => Ok(StepKind::End(d)),
            None => Err("unknown disposition code (see the disposition table, e.g. complete, refused)".into()),
        },
        ["end"] => Err("`end` names the call's disposition, e.g. `end complete`".into()),
        _ => Err("a step kind is say, disclose …, ask …, or end DISPOSITION".into()),
    }
}

fn parse_answer(words: &[&str]) -> Result<AnswerKind, String> {
    let range = |text: &str| -> Option<(i64, i64)> {
        let (lo, hi) = text.split_once("..")?;
        Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?))
    };
    match words {
        ["single"] => Ok(AnswerKind::Single),
        ["multiple"] => Ok(AnswerKind::Multiple),
        ["open"] => Ok(AnswerKind::Open),
        ["numeric"] => Ok(AnswerKind::Numeric { min: None, max: None }),
        ["numeric", r] => match range(r) {
            Some((min, max)) if min < max => Ok(AnswerKind::Numeric { min: Some(min), max: Some(max) }),
            _ => Err("a numeric range is MIN..MAX with MIN below MAX".into()),
        },
        ["scale", r] => match range(r) {
            Some((min, max)) if min < max && max - min <= 100 => Ok(AnswerKind::Scale { min, max }),
            _ => Err("a scale is MIN..MAX, e.g. `ask scale 1..5` (at most 100 points)".into()),
        },
        ["scale"] => Err("a scale needs its range, e.g. `ask scale 1..5`".into()),
        _ => Err(
            "a question is `ask single`, `ask multiple`, `ask scale MIN..MAX`, `ask numeric [MIN..MAX]` or `ask open`"
                .into(),
        ),
    }
}

/// Step ids and answer keys: `[a-z][a-z0-9_]*`, at most 40 characters.
pub(super) fn is_id(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && text.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
