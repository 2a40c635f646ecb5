//! AAPOR outcome rates (Standard Definitions; compliance-rules.md section G, references.md §2).
//!
//! Cases are counted (optionally weighted) by their AAPOR final disposition code into the groups
//! I (1.1), P (1.2), R (2.1x), NC (2.2x), O (2.3x), UH (3.1x), UO (3.2x–3.9x) and NE (4.x). Each rate is
//! a numerator over a denominator, both sums of those groups, with UH and UO entering the RR3, RR4,
//! REF2 and CON2 denominators multiplied by `e`, the estimated eligible share of the cases of unknown
//! eligibility. The formulas are written once, as the coefficient table [`FORMULAS`] (the same layout
//! as ropensci/outcomerate's `data-raw/fmat.csv`, which a test compares it with).
//!
//! A rate whose denominator is zero is undefined: `None` (JSON `null`), never NaN and never a panic.

use clearline_core::disposition::AaporGroup;
use serde::Serialize;

/// Why a disposition code was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("the AAPOR code is empty")]
    Empty,
    #[error("{0:?} is not an AAPOR code (expected a Standard Definitions code such as 1.1, 2.10, 3.13 or 4.20)")]
    Malformed(String),
    #[error("{0:?} is a heading, not a final disposition: use one of its subcodes ({1})")]
    Heading(String, &'static str),
    #[error("{0:?} is not a final disposition code of the Standard Definitions")]
    Unknown(String),
}

/// The group of a Standard Definitions final disposition code: `1.1` complete, `1.2` partial, `2.1x`
/// refusal and break-off, `2.2x` non-contact, `2.3x` other, `3.1x` unknown if household, `3.2x`–`3.9x`
/// unknown other, `4.x` not eligible. Subcodes may have up to three digits after the point (`2.111`).
/// Headings that do not say which group a case is in (`1.0`, `2.0`, `3.0`) are refused.
pub fn parse_aapor_code(code: &str) -> Result<AaporGroup, CodeError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(CodeError::Empty);
    }
    let malformed = || CodeError::Malformed(code.to_string());
    let (major, minor) = code.split_once('.').ok_or_else(malformed)?;
    if major.len() != 1 || minor.is_empty() || minor.len() > 3 || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let sub = minor.as_bytes()[0];
    let unknown = || CodeError::Unknown(code.to_string());
    match major {
        "1" => match minor {
            "1" => Ok(AaporGroup::Complete),
            "2" => Ok(AaporGroup::Partial),
            "0" => Err(CodeError::Heading(code.to_string(), "1.1 complete, 1.2 partial")),
            _ => Err(unknown()),
        },
        "2" => match sub {
            b'1' => Ok(AaporGroup::Refusal),
            b'2' => Ok(AaporGroup::NonContact),
            b'3' => Ok(AaporGroup::Other),
            b'0' => Err(CodeError::Heading(code.to_string(), "2.1x refusal, 2.2x non-contact, 2.3x other")),
            _ => Err(unknown()),
        },
        "3" => match sub {
            b'1' => Ok(AaporGroup::UnknownHousehold),
            b'2'..=b'9' => Ok(AaporGroup::UnknownOther),
            _ => Err(CodeError::Heading(code.to_string(), "3.1x unknown if household, 3.2x–3.9x unknown other")),
        },
        "4" => Ok(AaporGroup::Ineligible),
        _ if major.bytes().all(|b| b.is_ascii_digit()) => Err(unknown()),
        _ => Err(malformed()),
    }
}

/// Case counts (or sums of case weights) by AAPOR group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    #[serde(rename = "I")]
    pub i: f64,
    #[serde(rename = "P")]
    pub p: f64,
    #[serde(rename = "R")]
    pub r: f64,
    #[serde(rename = "NC")]
    pub nc: f64,
    #[serde(rename = "O")]
    pub o: f64,
    #[serde(rename = "UH")]
    pub uh: f64,
    #[serde(rename = "UO")]
    pub uo: f64,
    #[serde(rename = "NE")]
    pub ne: f64,
}

impl Counts {
    /// Adds one case of this group with this weight (1 for unweighted counts).
    pub fn add(&mut self, group: AaporGroup, weight: f64) {
        let slot = match group {
            AaporGroup::Complete => &mut self.i,
            AaporGroup::Partial => &mut self.p,
            AaporGroup::Refusal => &mut self.r,
            AaporGroup::NonContact => &mut self.nc,
            AaporGroup::Other => &mut self.o,
            AaporGroup::UnknownHousehold => &mut self.uh,
            AaporGroup::UnknownOther => &mut self.uo,
            AaporGroup::Ineligible => &mut self.ne,
        };
        *slot += weight;
    }

    fn as_array(&self) -> [f64; 8] {
        [self.i, self.p, self.r, self.nc, self.o, self.uh, self.uo, self.ne]
    }

    /// The eligibility estimate by proportional allocation (the CASRO method, AAPOR's default):
    /// e = (I+P+R+NC+O) / (I+P+R+NC+O+NE), the eligible share of the cases whose eligibility was
    /// resolved. `None` when no case was resolved (the denominator is zero).
    pub fn estimated_e(&self) -> Option<f64> {
        let eligible = self.i + self.p + self.r + self.nc + self.o;
        ratio(eligible, eligible + self.ne)
    }
}

/// How `e` is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Eligibility {
    /// Given by the analyst (a documented outside estimate), in [0, 1].
    Given(f64),
    /// Estimated from the cases themselves by proportional allocation ([`Counts::estimated_e`]).
    Estimated,
}

/// Why rates could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RateError {
    #[error("e must be a number from 0 to 1")]
    BadE,
    #[error("the count of {0} must be a finite number of at least 0")]
    BadCount(&'static str),
}

/// The columns of [`FORMULAS`]: the groups, then UH and UO multiplied by e, then NE.
pub const COLUMNS: [&str; 10] = ["I", "P", "R", "NC", "O", "UH", "UO", "eUH", "eUO", "NE"];

/// Every rate as (name, numerator coefficients, denominator coefficients) over [`COLUMNS`], from the
/// Standard Definitions (references.md §2):
///
/// - RR1 = I/((I+P)+(R+NC+O)+(UH+UO)); RR2 = (I+P)/(same)
/// - RR3 = I/((I+P)+(R+NC+O)+e(UH+UO)); RR4 = (I+P)/(same)
/// - RR5 = I/((I+P)+(R+NC+O)); RR6 = (I+P)/(same)
/// - COOP1 = I/((I+P)+R+O); COOP2 = (I+P)/((I+P)+R+O); COOP3 = I/((I+P)+R); COOP4 = (I+P)/((I+P)+R)
/// - REF1, REF2, REF3 = R over the RR1, RR3, RR5 denominators
/// - CON1, CON2, CON3 = ((I+P)+R+O) over the RR1, RR3, RR5 denominators
pub const FORMULAS: [(&str, [u8; 10], [u8; 10]); 16] = {
    //                  I  P  R  NC O  UH UO eUH eUO NE
    const I: [u8; 10] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const IP: [u8; 10] = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    const R: [u8; 10] = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    const CONTACT: [u8; 10] = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0];
    const ALL: [u8; 10] = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0];
    const E: [u8; 10] = [1, 1, 1, 1, 1, 0, 0, 1, 1, 0];
    const KNOWN: [u8; 10] = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
    const COOP12: [u8; 10] = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0];
    const COOP34: [u8; 10] = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    [
        ("RR1", I, ALL),
        ("RR2", IP, ALL),
        ("RR3", I, E),
        ("RR4", IP, E),
        ("RR5", I, KNOWN),
        ("RR6", IP, KNOWN),
        ("COOP1", I, COOP12),
        ("COOP2", IP, COOP12),
        ("COOP3", I, COOP34),
        ("COOP4", IP, COOP34),
        ("REF1", R, ALL),
        ("REF2", R, E),
        ("REF3", R, KNOWN),
        ("CON1", CONTACT, ALL),
        ("CON2", CONTACT, E),
        ("CON3", CONTACT, KNOWN),
    ]
};

/// The outcome rates. `None` is an undefined rate (zero denominator, or `e` needed and undefined).
/// Serialized with the Standard Definitions' names (`RR1` … `CON3`, then `e`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rates {
    #[serde(rename = "RR1")]
    pub rr1: Option<f64>,
    #[serde(rename = "RR2")]
    pub rr2: Option<f64>,
    #[serde(rename = "RR3")]
    pub rr3: Option<f64>,
    #[serde(rename = "RR4")]
    pub rr4: Option<f64>,
    #[serde(rename = "RR5")]
    pub rr5: Option<f64>,
    #[serde(rename = "RR6")]
    pub rr6: Option<f64>,
    #[serde(rename = "COOP1")]
    pub coop1: Option<f64>,
    #[serde(rename = "COOP2")]
    pub coop2: Option<f64>,
    #[serde(rename = "COOP3")]
    pub coop3: Option<f64>,
    #[serde(rename = "COOP4")]
    pub coop4: Option<f64>,
    #[serde(rename = "REF1")]
    pub ref1: Option<f64>,
    #[serde(rename = "REF2")]
    pub ref2: Option<f64>,
    #[serde(rename = "REF3")]
    pub ref3: Option<f64>,
    #[serde(rename = "CON1")]
    pub con1: Option<f64>,
    #[serde(rename = "CON2")]
    pub con2: Option<f64>,
    #[serde(rename = "CON3")]
    pub con3: Option<f64>,
    /// The e used (given or estimated); `None` when estimated and no case was resolved.
    pub e: Option<f64>,
}

impl Rates {
    /// The rates in [`FORMULAS`] order, by name.
    pub fn by_name(&self) -> [(&'static str, Option<f64>); 16] {
        let v = [
            self.rr1, self.rr2, self.rr3, self.rr4, self.rr5, self.rr6, self.coop1, self.coop2, self.coop3, self.coop4,
            self.ref1, self.ref2, self.ref3, self.con1, self.con2, self.con3,
        ];
        std::array::from_fn(|k| (FORMULAS[k].0, v[k]))
    }
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Computes every rate from the counts. With an undefined `e` (estimated, nothing resolved), the rates
/// that use it are undefined unless there are no cases of unknown eligibility (UH + UO = 0, so the e
/// term is zero whatever e is).
pub fn outcome_rates(counts: &Counts, eligibility: Eligibility) -> Result<Rates, RateError> {
    let values = counts.as_array();
    for (name, v) in ["I", "P", "R", "NC", "O", "UH", "UO", "NE"].into_iter().zip(values) {
        if !v.is_finite() || v < 0.0 {
            return Err(RateError::BadCount(name));
        }
    }
    let e = match eligibility {
        Eligibility::Given(e) if e.is_finite() && (0.0..=1.0).contains(&e) => Some(e),
        Eligibility::Given(_) => return Err(RateError::BadE),
        Eligibility::Estimated => counts.estimated_e(),
    };
    let unknown = counts.uh + counts.uo;
    // The e-weighted columns; zero when there is nothing unknown, undefined when e is.
    let (euh, euo) = match e {
        Some(e) => (Some(e * counts.uh), Some(e * counts.uo)),
        None if unknown == 0.0 => (Some(0.0), Some(0.0)),
        None => (None, None),
    };
    let column = |k: usize| -> Option<f64> {
        match k {
            0..=6 => Some(values[k]),
            7 => euh,
            8 => euo,
            _ => Some(values[7]),
        }
    };
    let combine = |coef: &[u8; 10]| -> Option<f64> {
        let mut sum = 0.0;
        for (k, &c) in coef.iter().enumerate() {
            if c != 0 {
                sum += f64::from(c) * column(k)?;
            }
        }
        Some(sum)
    };
    let rate = |k: usize| -> Option<f64> {
        let (_, num, den) = &FORMULAS[k];
        ratio(combine(num)?, combine(den)?)
    };
    Ok(Rates {
        rr1: rate(0),
        rr2: rate(1),
        rr3: rate(2),
        rr4: rate(3),
        rr5: rate(4),
        rr6: rate(5),
        coop1: rate(6),
        coop2: rate(7),
        coop3: rate(8),
        coop4: rate(9),
        ref1: rate(10),
        ref2: rate(11),
        ref3: rate(12),
        con1: rate(13),
        con2: rate(14),
        con3: rate(15),
        e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_fall_in_their_groups() {
        let cases = [
            ("1.1", AaporGroup::Complete),
            ("1.2", AaporGroup::Partial),
            ("2.10", AaporGroup::Refusal),
            ("2.11", AaporGroup::Refusal),
            ("2.112", AaporGroup::Refusal),
            ("2.12", AaporGroup::Refusal),
            ("2.20", AaporGroup::NonContact),
            ("2.21", AaporGroup::NonContact),
            ("2.30", AaporGroup::Other),
            ("2.33", AaporGroup::Other),
            ("3.10", AaporGroup::UnknownHousehold),
            ("3.13", AaporGroup::UnknownHousehold),
            ("3.20", AaporGroup::UnknownOther),
            ("3.90", AaporGroup::UnknownOther),
            (" 3.9 ", AaporGroup::UnknownOther),
            ("4.10", AaporGroup::Ineligible),
            ("4.51", AaporGroup::Ineligible),
            ("4.90", AaporGroup::Ineligible),
        ];
        for (code, group) in cases {
            assert_eq!(parse_aapor_code(code), Ok(group), "{code}");
        }
        // Every code of the disposition table parses to the group the table gives it.
        for d in clearline_core::disposition::Disposition::ALL {
            assert_eq!(parse_aapor_code(d.aapor_code()), Ok(d.aapor_group()), "{d:?}");
        }
        assert_eq!(parse_aapor_code(""), Err(CodeError::Empty));
        for bad in ["1", "1.", ".1", "x.1", "1.1a", "11.1", "2.1111", "1,1", "complete"] {
            assert!(matches!(parse_aapor_code(bad), Err(CodeError::Malformed(_))), "{bad}");
        }
        for heading in ["1.0", "2.0", "2.00", "3.0", "3.00"] {
            assert!(matches!(parse_aapor_code(heading), Err(CodeError::Heading(..))), "{heading}");
        }
        for unknown in ["1.3", "1.11", "2.4", "2.9", "5.1", "0.1"] {
            assert!(matches!(parse_aapor_code(unknown), Err(CodeError::Unknown(_))), "{unknown}");
        }
    }

    /// Counts in the order I, P, R, NC, O, UH, UO, NE.
    fn counts(c: [f64; 8]) -> Counts {
        Counts { i: c[0], p: c[1], r: c[2], nc: c[3], o: c[4], uh: c[5], uo: c[6], ne: c[7] }
    }

    #[test]
    fn zero_denominators_are_undefined_not_nan() {
        let empty = outcome_rates(&Counts::default(), Eligibility::Estimated).unwrap();
        assert_eq!(empty.e, None);
        for (name, v) in empty.by_name() {
            assert_eq!(v, None, "{name}");
        }
        // Only ineligible cases: e is 0 and still every rate is undefined.
        let ne_only = outcome_rates(&counts([0., 0., 0., 0., 0., 0., 0., 3.]), Eligibility::Estimated).unwrap();
        assert_eq!(ne_only.e, Some(0.0));
        assert!(ne_only.by_name().iter().all(|(_, v)| v.is_none()));
        // Only unknown cases and an undefined e: RR1 is 0 (denominator UH+UO), RR3 needs e.
        let unknown = outcome_rates(&counts([0., 0., 0., 0., 0., 2., 1., 0.]), Eligibility::Estimated).unwrap();
        assert_eq!((unknown.e, unknown.rr1, unknown.rr3, unknown.rr5), (None, Some(0.0), None, None));
        // No unknown cases: e is not needed even when undefined.
        let known = outcome_rates(&counts([4., 1., 2., 3., 1., 0., 0., 0.]), Eligibility::Given(0.0)).unwrap();
        assert_eq!(known.rr3, Some(4.0 / 11.0));
        assert_eq!(known.rr3, known.rr5);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let c = counts([1., 0., 0., 0., 0., 1., 0., 0.]);
        assert_eq!(outcome_rates(&c, Eligibility::Given(1.5)), Err(RateError::BadE));
        assert_eq!(outcome_rates(&c, Eligibility::Given(-0.1)), Err(RateError::BadE));
        assert_eq!(outcome_rates(&c, Eligibility::Given(f64::NAN)), Err(RateError::BadE));
        let bad = counts([1., 0., f64::NAN, 0., 0., 0., 0., 0.]);
        assert_eq!(outcome_rates(&bad, Eligibility::Estimated), Err(RateError::BadCount("R")));
        let negative = counts([1., 0., 0., 0., 0., 0., 0., -1.]);
        assert_eq!(outcome_rates(&negative, Eligibility::Estimated), Err(RateError::BadCount("NE")));
    }

    #[test]
    fn the_invariants_of_section_g_hold() {
        // RR1 ≤ RR3 ≤ RR5, RR2 ≤ RR4 ≤ RR6; e = 1 ⇒ RR3 = RR1; e = 0 ⇒ RR3 = RR5.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % 20) as f64
        };
        for _ in 0..500 {
            let c = counts([next() + 1.0, next(), next(), next(), next(), next(), next(), next()]);
            let e = next() / 19.0;
            let r = outcome_rates(&c, Eligibility::Given(e)).unwrap();
            let (rr1, rr2, rr3, rr4, rr5, rr6) =
                (r.rr1.unwrap(), r.rr2.unwrap(), r.rr3.unwrap(), r.rr4.unwrap(), r.rr5.unwrap(), r.rr6.unwrap());
            assert!(rr1 <= rr3 + 1e-15 && rr3 <= rr5 + 1e-15, "{c:?} e={e}");
            assert!(rr2 <= rr4 + 1e-15 && rr4 <= rr6 + 1e-15, "{c:?} e={e}");
            let one = outcome_rates(&c, Eligibility::Given(1.0)).unwrap();
            assert_eq!(one.rr3, one.rr1);
            assert_eq!(one.ref2, one.ref1);
            let zero = outcome_rates(&c, Eligibility::Given(0.0)).unwrap();
            assert_eq!(zero.rr3, zero.rr5);
            assert_eq!(zero.rr4, zero.rr6);
            assert_eq!(zero.con2, zero.con3);
        }
    }
}
