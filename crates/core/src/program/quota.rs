//! Survey quotas per cell (issue 5, part 6): a cell is a combination of voter-file values (e.g. party
//! DEM × age 18-29); its quota is the number of completes wanted from it. Once a cell has its completes,
//! the call list's lead selection stops handing out its people and no attempt to one of them is opened
//! (the store checks both, `Store::dialable_entries` and `Store::open_attempt`): a full cell is no
//! longer sampled. Calls already in progress when it filled may still complete, so a cell ends with at
//! most its quota plus the calls to it that were in flight at that moment (docs/surveys.md).

use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A voter-file field a quota cell may name (plain columns of the voter file; `age_band` from the
/// birth year).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaField {
    Party,
    Gender,
    Race,
    County,
    Precinct,
    CongressionalDistrict,
    /// [`AGE_BANDS`], by the birth year's distance from the current year.
    AgeBand,
}

/// Age bands: label, youngest, oldest (inclusive; none: no upper bound). Age is the current year minus
/// the birth year (the voter file has the year; the day would need the encrypted date of birth).
pub const AGE_BANDS: [(&str, i64, Option<i64>); 4] =
    [("18-29", 18, Some(29)), ("30-44", 30, Some(44)), ("45-64", 45, Some(64)), ("65+", 65, None)];

/// The band of a person born in `birth_year`, in `year`.
pub fn age_band(birth_year: i64, year: i64) -> Option<&'static str> {
    let age = year - birth_year;
    AGE_BANDS.iter().find(|(_, lo, hi)| age >= *lo && hi.is_none_or(|hi| age <= hi)).map(|(l, _, _)| *l)
}

impl QuotaField {
    pub const ALL: [QuotaField; 7] = [
        QuotaField::Party,
        QuotaField::Gender,
        QuotaField::Race,
        QuotaField::County,
        QuotaField::Precinct,
        QuotaField::CongressionalDistrict,
        QuotaField::AgeBand,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            QuotaField::Party => "party",
            QuotaField::Gender => "gender",
            QuotaField::Race => "race",
            QuotaField::County => "county",
            QuotaField::Precinct => "precinct",
            QuotaField::CongressionalDistrict => "congressional_district",
            QuotaField::AgeBand => "age_band",
        }
    }

    pub fn parse(text: &str) -> Option<QuotaField> {
        QuotaField::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

/// One cell's quota.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// Every condition holds of the cell's people.
    pub cell: BTreeMap<QuotaField, String>,
    /// Completes wanted from the cell.
    pub completes: u32,
}

impl Quota {
    /// `FIELD=VALUE[,FIELD=VALUE…]:COMPLETES`, as the CLI takes it: `party=DEM,age_band=18-29:50`.
    pub fn parse(text: &str) -> Result<Quota, Invalid> {
        let bad = |why: &str| Invalid::new("quotas", why.to_string());
        let (cell_text, n) =
            text.rsplit_once(':').ok_or_else(|| bad("a quota is FIELD=VALUE[,FIELD=VALUE…]:COMPLETES"))?;
        let completes: u32 =
            n.trim().parse().map_err(|_| bad("a quota's completes are a whole number (after the last `:`)"))?;
        let mut cell = BTreeMap::new();
        for part in cell_text.split(',') {
            let (f, v) = part.split_once('=').ok_or_else(|| bad("each condition of a cell is FIELD=VALUE"))?;
            let field = QuotaField::parse(f.trim()).ok_or_else(|| {
                let names: Vec<&str> = QuotaField::ALL.iter().map(|f| f.as_str()).collect();
                Invalid::new("quotas", format!("a cell's field is one of {}", names.join(", ")))
            })?;
            if cell.insert(field, v.trim().to_string()).is_some() {
                return Err(bad("a cell names a field twice"));
            }
        }
        Ok(Quota { cell, completes })
    }

    /// The quota as [`Quota::parse`] reads it.
    pub fn label(&self) -> String {
        let cell: Vec<String> = self.cell.iter().map(|(f, v)| format!("{}={v}", f.as_str())).collect();
        format!("{}:{}", cell.join(","), self.completes)
    }
}

/// Every problem of a program's quotas.
pub fn quota_problems(quotas: &[Quota]) -> Vec<Invalid> {
    let mut out = Vec::new();
    for (i, q) in quotas.iter().enumerate() {
        if q.cell.is_empty() {
            out.push(Invalid::new("quotas", "a quota's cell names at least one field"));
        }
        if q.completes == 0 {
            out.push(Invalid::new("quotas", "a quota wants at least one complete"));
        }
        if q.cell.values().any(|v| v.is_empty()) {
            out.push(Invalid::new("quotas", "a cell's value is empty"));
        }
        if let Some(band) = q.cell.get(&QuotaField::AgeBand) {
            if !AGE_BANDS.iter().any(|(l, _, _)| l == band) {
                let bands: Vec<&str> = AGE_BANDS.iter().map(|b| b.0).collect();
                out.push(Invalid::new("quotas", format!("an age band is one of {}", bands.join(", "))));
            }
        }
        if quotas[..i].iter().any(|p| p.cell == q.cell) {
            out.push(Invalid::new("quotas", "a cell has two quotas"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_parse_and_their_problems_are_named() {
        let q = Quota::parse("party=DEM, age_band=18-29:50").unwrap();
        assert_eq!(q.completes, 50);
        assert_eq!(q.cell[&QuotaField::AgeBand], "18-29");
        assert_eq!(q.label(), "party=DEM,age_band=18-29:50");
        assert_eq!(Quota::parse(&q.label()).unwrap(), q);
        assert!(Quota::parse("party=DEM").is_err());
        assert!(Quota::parse("shoe=9:3").is_err());
        assert!(Quota::parse("party=DEM,party=REP:3").is_err());
        assert!(quota_problems(std::slice::from_ref(&q)).is_empty());
        let bad = Quota::parse("age_band=17-20:0").unwrap();
        assert_eq!(quota_problems(&[bad]).len(), 2);
        assert_eq!(quota_problems(&[q.clone(), q]).len(), 1, "a cell twice");
    }

    #[test]
    fn age_bands_cover_adults_without_overlap() {
        assert_eq!(age_band(2000, 2026), Some("18-29"));
        assert_eq!(age_band(1996, 2026), Some("30-44"));
        assert_eq!(age_band(1961, 2026), Some("65+"));
        assert_eq!(age_band(1962, 2026), Some("45-64"));
        assert_eq!(age_band(2010, 2026), None);
        for age in 18..120 {
            assert_eq!(AGE_BANDS.iter().filter(|(_, lo, hi)| age >= *lo && hi.is_none_or(|h| age <= h)).count(), 1);
        }
    }
}
