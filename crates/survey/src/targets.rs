//! Targets by variable and category (the `variable,category,target` file of `clearline survey weight`),
//! validated, and respondents' answers encoded against them into raking [`Margin`]s.
//!
//! Each variable's targets are normalized by their own total, so population counts, percentages and
//! shares all work, under one rule: every variable must describe the same population. Totals that agree
//! across variables to 1e-6 (relative) are counts (or exact shares); otherwise, if every total is within
//! 1 % of 1 they are rounded shares; anything else is "targets that do not sum" and is refused, naming
//! the two variables that disagree most.

use crate::rake::Margin;
use serde::Serialize;
use std::collections::HashMap;

/// How the totals were read.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TargetKind {
    /// Every variable sums to (about) 1.
    Shares,
    /// Every variable sums to the same total (a population count, or 100 for percentages).
    Counts { total: f64 },
}

/// One variable's categories and targets, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetVariable {
    pub name: String,
    pub categories: Vec<String>,
    pub targets: Vec<f64>,
    index: HashMap<String, u16>,
}

impl TargetVariable {
    /// The code of a respondent's answer (trimmed), `None` when it has no target.
    pub fn code(&self, value: &str) -> Option<u16> {
        self.index.get(value.trim()).copied()
    }

    pub fn total(&self) -> f64 {
        self.targets.iter().sum()
    }
}

/// The validated targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Targets {
    pub variables: Vec<TargetVariable>,
    pub kind: TargetKind,
}

/// Why targets were refused. `row` is the 0-based index of the target among those given ([`TargetError::row`]).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TargetError {
    #[error("no targets")]
    Empty,
    #[error("the variable is empty")]
    EmptyVariable { row: usize },
    #[error("the category is empty")]
    EmptyCategory { row: usize },
    #[error("the target must be a finite number above 0 (a zero target cannot be raked to)")]
    BadValue { row: usize },
    #[error("variable `{variable}`, category `{category}` is given twice")]
    Duplicate { row: usize, variable: String, category: String },
    #[error("variable `{variable}` has more than 65,535 categories")]
    TooManyCategories { row: usize, variable: String },
    #[error("targets that do not sum: `{a}` totals {a_total} but `{b}` totals {b_total} (give shares that each sum to 1, or counts of one population)")]
    DoNotSum { a: String, a_total: f64, b: String, b_total: f64 },
}

impl TargetError {
    /// The target (0-based, in the order given) the error is about, if it is about one.
    pub fn row(&self) -> Option<usize> {
        match self {
            TargetError::EmptyVariable { row }
            | TargetError::EmptyCategory { row }
            | TargetError::BadValue { row }
            | TargetError::Duplicate { row, .. }
            | TargetError::TooManyCategories { row, .. } => Some(*row),
            TargetError::Empty | TargetError::DoNotSum { .. } => None,
        }
    }
}

/// Relative agreement required of count totals.
pub const COUNT_TOLERANCE: f64 = 1e-6;
/// How far from 1 a total may be and still be read as rounded shares.
pub const SHARE_TOLERANCE: f64 = 0.01;

impl Targets {
    /// Validates `(variable, category, target)` triples (names are trimmed).
    pub fn new<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, f64)>) -> Result<Targets, TargetError> {
        let mut variables: Vec<TargetVariable> = Vec::new();
        for (row, (variable, category, value)) in rows.into_iter().enumerate() {
            let (variable, category) = (variable.trim(), category.trim());
            if variable.is_empty() {
                return Err(TargetError::EmptyVariable { row });
            }
            if category.is_empty() {
                return Err(TargetError::EmptyCategory { row });
            }
            if !(value.is_finite() && value > 0.0) {
                return Err(TargetError::BadValue { row });
            }
            let v = match variables.iter().position(|v| v.name == variable) {
                Some(k) => &mut variables[k],
                None => {
                    variables.push(TargetVariable {
                        name: variable.to_string(),
                        categories: Vec::new(),
                        targets: Vec::new(),
                        index: HashMap::new(),
                    });
                    variables.last_mut().expect("just pushed")
                }
            };
            if v.index.contains_key(category) {
                return Err(TargetError::Duplicate { row, variable: variable.into(), category: category.into() });
            }
            let code = u16::try_from(v.categories.len())
                .map_err(|_| TargetError::TooManyCategories { row, variable: variable.into() })?;
            v.index.insert(category.to_string(), code);
            v.categories.push(category.to_string());
            v.targets.push(value);
        }
        if variables.is_empty() {
            return Err(TargetError::Empty);
        }
        let totals: Vec<f64> = variables.iter().map(TargetVariable::total).collect();
        let (lo, hi) = totals.iter().enumerate().fold((0, 0), |(lo, hi), (k, &t)| {
            (if t < totals[lo] { k } else { lo }, if t > totals[hi] { k } else { hi })
        });
        let kind = if totals.iter().all(|t| (t - 1.0).abs() <= SHARE_TOLERANCE) {
            TargetKind::Shares
        } else if (totals[hi] - totals[lo]) <= COUNT_TOLERANCE * totals[hi] {
            TargetKind::Counts { total: totals[hi] }
        } else {
            return Err(TargetError::DoNotSum {
                a: variables[lo].name.clone(),
                a_total: totals[lo],
                b: variables[hi].name.clone(),
                b_total: totals[hi],
            });
        };
        Ok(Targets { variables, kind })
    }

    /// Encodes one variable's answers (one per respondent). Err(i): respondent `i`'s answer has no
    /// target in this variable.
    pub fn margin<'a>(&self, variable: usize, answers: impl IntoIterator<Item = &'a str>) -> Result<Margin, usize> {
        let v = &self.variables[variable];
        let mut codes = Vec::new();
        for (i, a) in answers.into_iter().enumerate() {
            codes.push(v.code(a).ok_or(i)?);
        }
        Ok(Margin { name: v.name.clone(), categories: v.categories.clone(), targets: v.targets.clone(), codes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_shares_and_percentages() {
        let t =
            Targets::new([("sex", "f", 520.0), ("sex", "m", 480.0), ("age", "young", 300.0), ("age", "old", 700.0)])
                .unwrap();
        assert_eq!(t.kind, TargetKind::Counts { total: 1000.0 });
        assert_eq!(t.variables[1].categories, ["young", "old"]);
        let rounded = Targets::new([("a", "x", 0.333), ("a", "y", 0.333), ("a", "z", 0.333), ("b", "u", 1.0)]).unwrap();
        assert_eq!(rounded.kind, TargetKind::Shares);
        let pct = Targets::new([("a", "x", 40.0), ("a", "y", 60.0), ("b", "u", 100.0)]).unwrap();
        assert_eq!(pct.kind, TargetKind::Counts { total: 100.0 });
        let m = pct.margin(0, [" y", "x", "y"]).unwrap();
        assert_eq!(m.codes, [1, 0, 1]);
        assert_eq!(pct.margin(0, ["x", "w"]).unwrap_err(), 1);
        assert_eq!(pct.margin(0, ["x", ""]).unwrap_err(), 1);
    }

    #[test]
    fn bad_targets_are_refused() {
        let err = Targets::new([("sex", "f", 520.0), ("sex", "m", 480.0), ("age", "all", 999.0)]).unwrap_err();
        assert!(matches!(&err, TargetError::DoNotSum { a, b, .. } if a == "age" && b == "sex"), "{err}");
        assert!(err.to_string().contains("targets that do not sum"));
        assert_eq!(Targets::new([("a", "x", 0.0)]), Err(TargetError::BadValue { row: 0 }));
        assert_eq!(Targets::new([("a", "x", 1.0), ("a", "y", -1.0)]), Err(TargetError::BadValue { row: 1 }));
        assert_eq!(Targets::new([("a", "x", f64::NAN)]), Err(TargetError::BadValue { row: 0 }));
        assert_eq!(Targets::new([("", "x", 1.0)]), Err(TargetError::EmptyVariable { row: 0 }));
        assert_eq!(Targets::new([("a", " ", 1.0)]), Err(TargetError::EmptyCategory { row: 0 }));
        assert!(matches!(
            Targets::new([("a", "x", 1.0), ("a", "x ", 2.0)]),
            Err(TargetError::Duplicate { row: 1, .. })
        ));
        assert_eq!(Targets::new(std::iter::empty()), Err(TargetError::Empty));
    }
}
