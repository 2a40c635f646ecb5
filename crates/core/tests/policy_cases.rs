//! The contact-policy case table: every line of `policy_cases.jsonl` (written by
//! tools/policy_cases/make.py, expectations reasoned from the rule texts) through the case-file reader
//! and the engine, compared with its expected verdict, rules, conditions and next allowed instant; and
//! the coverage rule: every CR-n the policy code cites has at least three cases.

use clearline_core::policy::case_file::parse_case;
use clearline_core::policy::staff::{check_staff_action, StaffAction};
use clearline_core::policy::{decide, ZoneTable};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const CASES: &str = include_str!("policy_cases.jsonl");
const STAFF_CASES: &str = include_str!("staff_cases.jsonl");
/// The policy code (not its tests), where rules are cited.
const POLICY_SOURCES: &[(&str, &str)] = &[
    ("mod.rs", include_str!("../src/policy/mod.rs")),
    ("rules.rs", include_str!("../src/policy/rules.rs")),
    ("vocab.rs", include_str!("../src/policy/vocab.rs")),
    ("zones.rs", include_str!("../src/policy/zones.rs")),
    ("case_file.rs", include_str!("../src/policy/case_file.rs")),
    ("staff.rs", include_str!("../src/policy/staff.rs")),
];

fn strings(value: &Value) -> BTreeSet<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[test]
fn every_case_of_the_table_gets_its_expected_verdict() {
    let table = ZoneTable::new(jiff::tz::TimeZone::get).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in CASES.lines().enumerate() {
        let parsed = parse_case(line, &table).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        let expect = &parsed.object["expect"];
        let verdict = decide(&table, &parsed.case);
        let got_rules: BTreeSet<String> = verdict.rules.iter().map(|r| r.as_str().to_string()).collect();
        let got_conditions: BTreeSet<String> = verdict.conditions.iter().map(|c| c.as_str().to_string()).collect();
        let got_next = verdict.next_allowed_at.map(|t| t.to_string());
        let want_next = expect["next_allowed_at"].as_str().map(String::from);
        if verdict.kind.as_str() != expect["verdict"]
            || got_rules != strings(&expect["rules"])
            || got_conditions != strings(&expect["conditions"])
            || got_next != want_next
        {
            failures.push(format!(
                "{}: expected {} {:?} {:?} next {:?}; got {} {:?} {:?} next {:?} ({})",
                parsed.id,
                expect["verdict"],
                strings(&expect["rules"]),
                strings(&expect["conditions"]),
                want_next,
                verdict.kind.as_str(),
                got_rules,
                got_conditions,
                got_next,
                verdict.reason()
            ));
        }
        count += 1;
    }
    assert!(failures.is_empty(), "{} of {count} cases failed:\n{}", failures.len(), failures.join("\n"));
    assert!(count >= 150, "the issue asks for at least 150 cases; the table has {count}");
}

#[test]
fn every_staff_case_gets_its_expected_verdict() {
    for line in STAFF_CASES.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let action = StaffAction::parse(case["action"].as_str().unwrap()).unwrap();
        let (verdict, _) = check_staff_action(case["foreign_national"].as_bool(), action);
        let rules: BTreeSet<String> = verdict.rules.iter().map(|r| r.as_str().to_string()).collect();
        assert_eq!(verdict.kind.as_str(), case["expect"]["verdict"], "{}", case["id"]);
        assert_eq!(rules, strings(&case["expect"]["rules"]), "{}", case["id"]);
    }
}

/// Every `CR-n` in the text.
fn cited(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("CR-") {
        let digits: String = text[i + 3..].chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            found.insert(format!("CR-{digits}"));
        }
    }
    found
}

#[test]
fn every_rule_the_policy_code_cites_has_at_least_three_cases() {
    let mut cases_per_rule: BTreeMap<String, usize> = BTreeMap::new();
    for line in CASES.lines().chain(STAFF_CASES.lines()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let mut rules = strings(&case["expect"]["rules"]);
        rules.extend(strings(&case["covers"]));
        for rule in rules {
            *cases_per_rule.entry(rule).or_default() += 1;
        }
    }
    let mut short = Vec::new();
    for (file, text) in POLICY_SOURCES {
        for rule in cited(text) {
            let n = cases_per_rule.get(&rule).copied().unwrap_or(0);
            if n < 3 {
                short.push(format!("{rule} (cited in {file}): {n} case(s)"));
            }
        }
    }
    short.sort();
    short.dedup();
    assert!(short.is_empty(), "rules with fewer than three cases:\n{}", short.join("\n"));
    assert!(cases_per_rule.len() > 20, "the count itself found the cases");
}

#[test]
fn the_citation_scan_finds_rules() {
    assert_eq!(cited("CR-1 and CR-45; CR- alone"), BTreeSet::from(["CR-1".to_string(), "CR-45".to_string()]));
}
