//! Call universes: saved targeting over imported fields, as a tree of AND / OR / NOT.
//!
//! This module is the vocabulary (what a filter can say, and checking it); the store compiles a filter
//! to SQL. Only the fields listed in [`Field`] can be targeted: names, addresses and phone numbers
//! cannot (nobody targets by name, and encrypted fields cannot be filtered).

use serde::{Deserialize, Serialize};

/// A targetable field of a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Party,
    Gender,
    Race,
    VoterStatus,
    County,
    ResCity,
    ResZip,
    ResState,
    SourceState,
    Precinct,
    CongressionalDistrict,
    StateHouseDistrict,
    StateSenateDistrict,
    BirthYear,
}

impl Field {
    /// The column behind the field (a closed list: never user text in SQL).
    pub fn column(self) -> &'static str {
        match self {
            Field::Party => "party",
            Field::Gender => "gender",
            Field::Race => "race",
            Field::VoterStatus => "voter_status",
            Field::County => "county",
            Field::ResCity => "res_city",
            Field::ResZip => "res_zip",
            Field::ResState => "res_state",
            Field::SourceState => "source_state",
            Field::Precinct => "precinct",
            Field::CongressionalDistrict => "congressional_district",
            Field::StateHouseDistrict => "state_house_district",
            Field::StateSenateDistrict => "state_senate_district",
            Field::BirthYear => "birth_year",
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Field::BirthYear)
    }
}

/// A targeting expression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op", deny_unknown_fields)]
pub enum Filter {
    /// Every sub-filter holds (an empty list holds for everyone).
    All {
        filters: Vec<Filter>,
    },
    /// At least one sub-filter holds (an empty list holds for no one).
    Any {
        filters: Vec<Filter>,
    },
    Not {
        filter: Box<Filter>,
    },
    /// The field equals one of the values (text fields; compared as given, case-sensitive).
    In {
        field: Field,
        values: Vec<String>,
    },
    /// A numeric field within [min, max] (either bound optional).
    Range {
        field: Field,
        min: Option<i64>,
        max: Option<i64>,
    },
    /// Ages within [min, max] on a reference year (age = year − birth year, the convention of voter
    /// files that carry only a birth year).
    Age {
        min: Option<i64>,
        max: Option<i64>,
        on_year: i64,
    },
    /// The person voted in this election, as the file names it (e.g. `GENERAL-11/08/2022`).
    VotedIn {
        election: String,
    },
    /// The person has at least one valid phone (of these line types, when given).
    HasPhone {
        #[serde(default)]
        line_types: Vec<String>,
    },
    /// One of the person's phones is on the campaign's do-not-call list (CR-47); usually under `not`.
    OnDoNotCall,
    /// The person is in another saved universe (by id); resolved by the store, cycles refused.
    InUniverse {
        universe_id: i64,
    },
    /// A seeded random sample of `size` of the people `of` selects (a survey's sample): the same seed
    /// over the same people draws the same sample; `stratify_by` allocates it proportionally over a
    /// field's values (largest remainders). The store draws it whenever the filter is used; a program's
    /// call list freezes it.
    Sample {
        of: Box<Filter>,
        size: u64,
        seed: u64,
        #[serde(default)]
        stratify_by: Option<Field>,
    },
    /// The people a sample drew, by id: the store's resolution of [`Filter::Sample`], never read from or
    /// written to JSON.
    #[serde(skip)]
    People {
        ids: Vec<i64>,
    },
}

/// The largest sample a filter may draw.
pub const MAX_SAMPLE: u64 = 1_000_000;

/// Why a filter was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

const MAX_DEPTH: usize = 12;
const MAX_VALUES: usize = 5_000;

impl Filter {
    /// Checks what the types cannot: numeric fields in ranges only, text fields in lists only, bounded
    /// size and depth (a filter comes from users).
    pub fn check(&self) -> Result<(), FilterError> {
        self.check_at(0)
    }

    /// Whether the filter holds for everyone, as written (an `all` of filters that each hold for
    /// everyone, the empty `all` included). A store can answer such a filter's counts from the whole
    /// campaign without evaluating it.
    pub fn selects_everyone(&self) -> bool {
        match self {
            Filter::All { filters } => filters.iter().all(Filter::selects_everyone),
            _ => false,
        }
    }

    /// Whether the filter, at any depth, names this saved universe (`in_universe`): such a universe
    /// cannot be deleted without changing what this filter selects.
    pub fn refers_to_universe(&self, universe_id: i64) -> bool {
        match self {
            Filter::All { filters } | Filter::Any { filters } => {
                filters.iter().any(|f| f.refers_to_universe(universe_id))
            }
            Filter::Not { filter } => filter.refers_to_universe(universe_id),
            Filter::InUniverse { universe_id: id } => *id == universe_id,
            Filter::Sample { of, .. } => of.refers_to_universe(universe_id),
            Filter::People { .. } => false,
            Filter::In { .. }
            | Filter::Range { .. }
            | Filter::Age { .. }
            | Filter::VotedIn { .. }
            | Filter::HasPhone { .. }
            | Filter::OnDoNotCall => false,
        }
    }

    fn check_at(&self, depth: usize) -> Result<(), FilterError> {
        if depth > MAX_DEPTH {
            return Err(FilterError(format!("nested more than {MAX_DEPTH} deep")));
        }
        match self {
            Filter::All { filters } | Filter::Any { filters } => filters.iter().try_for_each(|f| f.check_at(depth + 1)),
            Filter::Not { filter } => filter.check_at(depth + 1),
            Filter::In { field, values } => {
                if field.is_numeric() {
                    return Err(FilterError(format!("{field:?} is numeric: use a range")));
                }
                if values.is_empty() || values.len() > MAX_VALUES {
                    return Err(FilterError(format!("a list needs 1 to {MAX_VALUES} values")));
                }
                Ok(())
            }
            Filter::Range { field, min, max } => {
                if !field.is_numeric() {
                    return Err(FilterError(format!("{field:?} is not numeric: use a list of values")));
                }
                check_bounds(*min, *max)
            }
            Filter::Age { min, max, .. } => check_bounds(*min, *max),
            Filter::VotedIn { election } => {
                if election.is_empty() || election.len() > 100 || election.contains(['%', '_', '\\', '"']) {
                    return Err(FilterError("an election is named as the file names it, without % _ \\ or \"".into()));
                }
                Ok(())
            }
            Filter::OnDoNotCall | Filter::InUniverse { .. } | Filter::People { .. } => Ok(()),
            Filter::Sample { of, size, .. } => {
                if !(1..=MAX_SAMPLE).contains(size) {
                    return Err(FilterError(format!("a sample draws 1 to {MAX_SAMPLE} people")));
                }
                of.check_at(depth + 1)
            }
            Filter::HasPhone { line_types } => {
                for t in line_types {
                    if crate::phone::LineType::from_hint(t).is_none() {
                        return Err(FilterError("line types are wireless, landline, voip, protected, unknown".into()));
                    }
                }
                Ok(())
            }
        }
    }
}

fn check_bounds(min: Option<i64>, max: Option<i64>) -> Result<(), FilterError> {
    match (min, max) {
        (None, None) => Err(FilterError("a range needs a min or a max".into())),
        (Some(a), Some(b)) if a > b => Err(FilterError("min is above max".into())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_from_json_and_are_checked() {
        let f: Filter = serde_json::from_str(
            r#"{"op":"all","filters":[
                {"op":"in","field":"party","values":["DEM","UNA"]},
                {"op":"age","min":18,"max":35,"on_year":2026},
                {"op":"not","filter":{"op":"voted_in","election":"GENERAL-11/05/2024"}}]}"#,
        )
        .unwrap();
        assert!(f.check().is_ok());
        let bad: Filter = serde_json::from_str(r#"{"op":"in","field":"birth_year","values":["1980"]}"#).unwrap();
        assert!(bad.check().is_err());
        let bad: Filter = serde_json::from_str(r#"{"op":"range","field":"party","min":1}"#).unwrap();
        assert!(bad.check().is_err());
        let bad: Filter = serde_json::from_str(r#"{"op":"voted_in","election":"%"}"#).unwrap();
        assert!(bad.check().is_err());
        assert!(
            serde_json::from_str::<Filter>(r#"{"op":"in","field":"last_name","values":["X"]}"#).is_err(),
            "names are not targetable"
        );
        assert!(serde_json::from_str::<Filter>(r#"{"op":"in","field":"party","values":["X"],"x":1}"#).is_err());
        let mut deep = Filter::HasPhone { line_types: vec![] };
        for _ in 0..20 {
            deep = Filter::Not { filter: Box::new(deep) };
        }
        assert!(deep.check().is_err());
    }

    #[test]
    fn a_reference_to_a_universe_is_found_at_any_depth() {
        let f: Filter = serde_json::from_str(
            r#"{"op":"all","filters":[{"op":"in","field":"party","values":["DEM"]},
                {"op":"not","filter":{"op":"any","filters":[{"op":"in_universe","universe_id":7}]}}]}"#,
        )
        .unwrap();
        assert!(f.refers_to_universe(7));
        assert!(!f.refers_to_universe(8));
        assert!(!Filter::OnDoNotCall.refers_to_universe(7));
    }
}
