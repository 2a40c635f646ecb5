//! Kish's design effect from weighting, the effective sample size and the margin of error.
//!
//! - deff = n·Σw² / (Σw)² = 1 + CV²(w), the coefficient of variation with population variance (ddof 0),
//!   as in balance's `design_effect`, samplics and PracTools `deffK`;
//! - effective n = (Σw)² / Σw² = n / deff (balance's `kish_ess`; weightipy's "weighting efficiency" is
//!   100 / deff);
//! - margin of error at a proportion p and normal quantile z: MOE = z·√(deff·p(1−p)/n), reported at
//!   p = 0.5 and z = 1.96 (95 %), as a proportion (0.031 is ±3.1 points).
//!
//! Not chosen, and why (docs/surveys.md): pewmethods' `calculate_deff` uses the sample standard
//! deviation (ddof 1), so its CV² is ours × n/(n−1), and reports the MOE × 100; R pollster's
//! `moedeff_calc` divides p(1−p) by n − 1 instead of n. For n in the hundreds the three agree to a
//! fraction of a percent of the MOE; we use the ddof-0 form because it is exactly n ÷ the effective
//! sample size.

use serde::Serialize;

/// The Kish summary of a set of weights.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Kish {
    pub n: usize,
    pub weight_sum: f64,
    pub design_effect: f64,
    pub effective_n: f64,
    /// z·√(deff·p(1−p)/n) at p = 0.5, z = 1.96.
    pub margin_of_error: f64,
}

/// Σw² and (Σw)²-based summary; `None` for no weights, a zero or non-finite sum.
pub fn kish(weights: &[f64]) -> Option<Kish> {
    let n = weights.len();
    let sum: f64 = weights.iter().sum();
    let squares: f64 = weights.iter().map(|w| w * w).sum();
    if n == 0 || !(sum.is_finite() && squares.is_finite()) || sum <= 0.0 {
        return None;
    }
    let design_effect = n as f64 * squares / (sum * sum);
    Some(Kish {
        n,
        weight_sum: sum,
        design_effect,
        effective_n: sum * sum / squares,
        margin_of_error: margin_of_error(design_effect, n, 0.5, 1.96),
    })
}

/// z·√(deff·p(1−p)/n).
pub fn margin_of_error(design_effect: f64, n: usize, p: f64, z: f64) -> f64 {
    z * (design_effect * p * (1.0 - p) / n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_golden_values() {
        // balance's design_effect doc/test values (references.md §1), to the last bit printed there.
        assert_eq!(kish(&[0.0, 1.0, 2.0, 3.0]).unwrap().design_effect, 1.5555555555555556);
        assert_eq!(kish(&[1.0, 1.0, 1000.0]).unwrap().design_effect, 2.9880418803112336);
    }

    #[test]
    fn equal_weights_have_no_design_effect() {
        let k = kish(&[2.5; 400]).unwrap();
        assert!((k.design_effect - 1.0).abs() < 1e-15);
        assert!((k.effective_n - 400.0).abs() < 1e-9);
        // The textbook ±4.9 points for n = 400.
        assert!((k.margin_of_error - 0.049).abs() < 1e-12, "{}", k.margin_of_error);
        assert_eq!(kish(&[]), None);
        assert_eq!(kish(&[0.0, 0.0]), None);
    }

    #[test]
    fn deff_is_one_plus_the_squared_cv_and_n_over_ess() {
        let w = [0.5, 1.5, 1.0, 3.0, 0.25];
        let k = kish(&w).unwrap();
        let mean = w.iter().sum::<f64>() / 5.0;
        let var = w.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / 5.0;
        assert!((k.design_effect - (1.0 + var / (mean * mean))).abs() < 1e-14);
        assert!((k.effective_n - 5.0 / k.design_effect).abs() < 1e-12);
        assert!((k.margin_of_error - 1.96 * (k.design_effect * 0.25 / 5.0).sqrt()).abs() < 1e-15);
    }
}
