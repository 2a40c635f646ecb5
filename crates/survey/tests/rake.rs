//! Raking: balance's published cases, agreement with a plain respondent-by-respondent IPF written here
//! as an oracle (both cell paths, base weights, trimming), the stopping rule, and every refusal.

use clearline_survey::rake::{rake, Margin, RakeError, RakeOptions};

fn margin(name: &str, targets: &[f64], codes: Vec<u16>) -> Margin {
    Margin {
        name: name.into(),
        categories: (0..targets.len()).map(|c| format!("c{c}")).collect(),
        targets: targets.to_vec(),
        codes,
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn balance_rake_golden_cases() {
    // balance tests/test_rake.py: sample a = ["1","2"]×6, b = "a"×6 + "b"×6; target a = "1"×10 + "2"×2,
    // b the same as the sample. balance prints [1.67, 0.33]×6: exactly 5/3 and 1/3.
    let a: Vec<u16> = (0..12).map(|i| (i % 2) as u16).collect();
    let b: Vec<u16> = (0..12).map(|i| (i / 6) as u16).collect();
    let margins = [margin("a", &[10.0, 2.0], a.clone()), margin("b", &[6.0, 6.0], b.clone())];
    let opts = RakeOptions { tolerance: 1e-12, ..RakeOptions::default() };
    let r = rake(&margins, None, &opts).unwrap();
    assert!(r.converged);
    for (i, w) in r.weights.iter().enumerate() {
        let want = if i % 2 == 0 { 5.0 / 3.0 } else { 1.0 / 3.0 };
        assert!(close(*w, want, 1e-12), "row {i}: {w} vs {want}");
    }
    // balance's second case puts weights [0.5, 1.0]×6 on the *target* rows and gets [1.25, 0.25]×6.
    // Here the same weights are the sample's design weights, which (b being balanced within a) gives
    // the same weights; ours keep the design weights' total, 9, which is also that target's total.
    let base: Vec<f64> = (0..12).map(|i| if i % 2 == 0 { 0.5 } else { 1.0 }).collect();
    let r = rake(&margins, Some(&base), &opts).unwrap();
    assert!(r.converged);
    for (i, w) in r.weights.iter().enumerate() {
        let want = if i % 2 == 0 { 1.25 } else { 0.25 };
        assert!(close(*w, want, 1e-12), "row {i}: {w} vs {want}");
    }
}

/// A small deterministic generator (no dependency), for correlated synthetic respondents.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> u16 {
        ((self.next() * n as f64) as usize).min(n - 1) as u16
    }
}

/// Respondents whose variables are correlated (so raking needs several sweeps), every category used.
fn synthetic(n: usize, cats: &[usize], seed: u64) -> Vec<Margin> {
    let mut rng = Lcg(seed);
    let mut codes: Vec<Vec<u16>> = vec![Vec::with_capacity(n); cats.len()];
    for i in 0..n {
        let first = if i < cats[0] { i as u16 } else { rng.below(cats[0]) };
        codes[0].push(first);
        for k in 1..cats.len() {
            let c = if i < cats[k] {
                i as u16
            } else if rng.next() < 0.4 {
                (codes[k - 1][i] as usize % cats[k]) as u16
            } else {
                rng.below(cats[k])
            };
            codes[k].push(c);
        }
    }
    cats.iter()
        .enumerate()
        .map(|(k, &c)| {
            let targets: Vec<f64> = (0..c).map(|_| 0.5 + rng.next()).collect();
            margin(&format!("v{k}"), &targets, std::mem::take(&mut codes[k]))
        })
        .collect()
}

/// The oracle: IPF respondent by respondent, the textbook way; trimming by clip-and-rescale until no
/// weight is over the cap. Same stopping rule.
fn naive(margins: &[Margin], base: Option<&[f64]>, tol: f64, cap: Option<f64>) -> (Vec<f64>, u32) {
    let n = margins[0].codes.len();
    let mut w: Vec<f64> = base.map_or(vec![1.0; n], |b| b.to_vec());
    let total: f64 = w.iter().sum();
    for it in 1..=10_000 {
        for m in margins {
            let sum_t: f64 = m.targets.iter().sum();
            let mut s = vec![0.0; m.targets.len()];
            for (x, &c) in w.iter().zip(&m.codes) {
                s[c as usize] += x;
            }
            for (x, &c) in w.iter_mut().zip(&m.codes) {
                let c = c as usize;
                *x *= m.targets[c] / sum_t * total / s[c];
            }
        }
        if let Some(cap) = cap {
            let limit = cap * total / n as f64;
            for _ in 0..100_000 {
                if w.iter().all(|&x| x <= limit * (1.0 + 1e-15)) {
                    break;
                }
                for x in w.iter_mut() {
                    *x = x.min(limit);
                }
                let sum: f64 = w.iter().sum();
                for x in w.iter_mut() {
                    *x *= total / sum;
                }
            }
            for x in w.iter_mut() {
                *x = x.min(limit);
            }
        }
        let err = max_error(margins, &w);
        if err < tol {
            return (w, it);
        }
    }
    panic!("the oracle did not converge");
}

fn max_error(margins: &[Margin], w: &[f64]) -> f64 {
    let total: f64 = w.iter().sum();
    let mut err: f64 = 0.0;
    for m in margins {
        let sum_t: f64 = m.targets.iter().sum();
        let mut s = vec![0.0; m.targets.len()];
        for (i, &c) in m.codes.iter().enumerate() {
            s[c as usize] += w[i];
        }
        for (c, s) in s.iter().enumerate() {
            err = err.max((s / (m.targets[c] / sum_t * total) - 1.0).abs());
        }
    }
    err
}

fn assert_agree(ours: &[f64], oracle: &[f64], rel: f64) {
    assert_eq!(ours.len(), oracle.len());
    let worst = ours.iter().zip(oracle).map(|(a, b)| ((a - b) / b).abs()).fold(0.0, f64::max);
    assert!(worst <= rel, "largest relative difference {worst:e}");
}

#[test]
fn agrees_with_respondent_by_respondent_ipf() {
    let tol = 1e-12;
    let opts = RakeOptions { tolerance: tol, max_iterations: 10_000, cap: None };
    // Few categories: cells by direct index.
    let margins = synthetic(5_000, &[4, 5, 6, 3, 7], 1);
    let r = rake(&margins, None, &opts).unwrap();
    let (oracle, sweeps) = naive(&margins, None, tol, None);
    assert!(r.converged && r.max_margin_error < tol, "{r:?}");
    assert!(r.iterations > 3, "correlated data needs several sweeps ({})", r.iterations);
    assert!(r.iterations.abs_diff(sweeps) <= 1, "{} vs {sweeps} sweeps", r.iterations);
    assert!(r.cells < 5_000 && r.cells > 100, "{} cells", r.cells);
    assert_agree(&r.weights, &oracle, 1e-9);
    assert!(max_error(&margins, &r.weights) < 1e-11);
    let sum: f64 = r.weights.iter().sum();
    assert!(close(sum, 5_000.0, 1e-12), "weights average 1: {sum}");

    // Many categories (the product is past the direct-index limit): cells by sorting.
    let margins = synthetic(3_000, &[40, 30, 60], 2);
    let r = rake(&margins, None, &opts).unwrap();
    let (oracle, _) = naive(&margins, None, tol, None);
    assert!(r.converged);
    assert_agree(&r.weights, &oracle, 1e-9);

    // Base weights.
    let margins = synthetic(4_000, &[3, 4, 5, 2], 3);
    let mut rng = Lcg(9);
    let base: Vec<f64> = (0..4_000).map(|_| 0.2 + 2.0 * rng.next()).collect();
    let r = rake(&margins, Some(&base), &opts).unwrap();
    let (oracle, _) = naive(&margins, Some(&base), tol, None);
    assert!(r.converged);
    assert_agree(&r.weights, &oracle, 1e-9);
    let sum: f64 = r.weights.iter().sum();
    assert!(close(sum, base.iter().sum(), 1e-12), "weights keep the base total");
}

#[test]
fn trimming_meets_the_cap_and_the_margins() {
    let tol = 1e-10;
    let margins = synthetic(4_000, &[4, 5, 6], 4);
    let free = rake(&margins, None, &RakeOptions { tolerance: tol, max_iterations: 10_000, cap: None }).unwrap();
    let max_free = free.weights.iter().cloned().fold(0.0, f64::max);
    let cap = 1.0 + (max_free - 1.0) * 0.7; // binding: below the untrimmed maximum
    let opts = RakeOptions { tolerance: tol, max_iterations: 10_000, cap: Some(cap) };
    let r = rake(&margins, None, &opts).unwrap();
    assert!(r.converged, "{:?}", (r.iterations, r.max_margin_error));
    let max = r.weights.iter().cloned().fold(0.0, f64::max);
    assert!(max <= cap * (1.0 + 1e-12), "max weight {max} over the cap {cap}");
    assert!(max < max_free * 0.9, "the cap changed the weights: {max} vs {max_free}");
    eprintln!("cap {cap}: {} respondents at the cap, {} sweeps", r.capped, r.iterations);
    assert!(max_error(&margins, &r.weights) < tol);
    let (oracle, _) = naive(&margins, None, tol, Some(cap));
    assert_agree(&r.weights, &oracle, 1e-7);

    // With base weights (cells split by base weight).
    let mut rng = Lcg(5);
    let base: Vec<f64> = (0..4_000).map(|_| if rng.next() < 0.5 { 0.8 } else { 1.3 }).collect();
    let r = rake(&margins, Some(&base), &opts).unwrap();
    assert!(r.converged);
    let mean = base.iter().sum::<f64>() / 4_000.0;
    assert!(r.weights.iter().all(|&w| w <= cap * mean * (1.0 + 1e-12)));
    let (oracle, _) = naive(&margins, Some(&base), tol, Some(cap));
    assert_agree(&r.weights, &oracle, 1e-7);

    // A cap the margins cannot live with: reported, never "converged".
    // One respondent of 1,000 in a category that must hold half the population needs weight 500.
    let codes: Vec<u16> = (0..1_000).map(|i| u16::from(i == 0)).collect();
    let m = [margin("rare", &[0.5, 0.5], codes)];
    let r = rake(&m, None, &RakeOptions { tolerance: 1e-6, max_iterations: 50, cap: Some(5.0) }).unwrap();
    assert!(!r.converged);
    assert_eq!(r.iterations, 50);
    assert!(r.max_margin_error > 0.9, "{}", r.max_margin_error);
}

#[test]
fn non_convergence_is_reported() {
    let margins = synthetic(2_000, &[4, 5, 6], 6);
    let r = rake(&margins, None, &RakeOptions { tolerance: 1e-12, max_iterations: 1, cap: None }).unwrap();
    assert!(!r.converged);
    assert_eq!(r.iterations, 1);
    assert!(r.max_margin_error >= 1e-12);
    assert!(close(r.max_margin_error, max_error(&margins, &r.weights), 1e-9), "the error reported is the real one");
}

#[test]
fn impossible_margins_are_refused() {
    let opts = RakeOptions::default();
    // An empty cell: a target category nobody is in.
    let m = [margin("age", &[1.0, 1.0, 1.0], vec![0, 1, 0, 1])];
    let err = rake(&m, None, &opts).unwrap_err();
    assert_eq!(err, RakeError::EmptyCell { variable: "age".into(), category: "c2".into() });
    assert!(err.to_string().contains("no respondents"));
    // A respondent category with no target.
    let m = [margin("age", &[1.0, 1.0], vec![0, 1, 2, 1])];
    assert_eq!(rake(&m, None, &opts).unwrap_err(), RakeError::NoTarget { variable: "age".into(), row: 2 });
    // Zero, negative, NaN targets.
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let m = [margin("age", &[1.0, bad], vec![0, 1])];
        assert!(matches!(rake(&m, None, &opts), Err(RakeError::BadTarget { .. })), "{bad}");
    }
    // Zero, negative, NaN base weights.
    let m = [margin("age", &[1.0, 1.0], vec![0, 1, 1])];
    for bad in [0.0, -2.0, f64::NAN] {
        assert_eq!(rake(&m, Some(&[1.0, 1.0, bad]), &opts), Err(RakeError::BadBaseWeight { row: 2 }), "{bad}");
    }
    assert_eq!(rake(&m, Some(&[1.0]), &opts), Err(RakeError::BaseLength(1, 3)));
    // Options.
    for cap in [1.0, 0.5, f64::NAN] {
        assert_eq!(rake(&m, None, &RakeOptions { cap: Some(cap), ..opts }), Err(RakeError::BadCap));
    }
    assert_eq!(rake(&m, None, &RakeOptions { tolerance: 0.0, ..opts }), Err(RakeError::BadTolerance));
    assert_eq!(rake(&m, None, &RakeOptions { max_iterations: 0, ..opts }), Err(RakeError::BadMaxIterations));
    assert_eq!(rake(&[], None, &opts), Err(RakeError::NoMargins));
    assert_eq!(rake(&[margin("a", &[1.0], vec![])], None, &opts), Err(RakeError::NoRespondents));
    let uneven = [margin("a", &[1.0], vec![0, 0]), margin("b", &[1.0], vec![0])];
    assert!(matches!(rake(&uneven, None, &opts), Err(RakeError::LengthMismatch { .. })));
}
