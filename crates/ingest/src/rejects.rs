//! The reject file: one CSV row per rejected row or phone, with its line number, field and reason.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// Physical line of the source file (1-based; the header is line 1 when there is one).
    pub line: u64,
    /// The person key, when the row has one.
    pub person_key: String,
    /// `person_key`, `phone:home`, `phone:cell`…
    pub field: String,
    pub reason: String,
    /// The rejected value as the file gave it (personal data: the reject file is encrypted at rest).
    pub value: String,
}

/// Writes rejects as CSV text. Cells that a spreadsheet would run as a formula are prefixed with `'`.
pub fn to_csv(rejects: &[Reject]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["line", "person_key", "field", "reason", "value"]).expect("writing to memory");
    for r in rejects {
        w.write_record([
            r.line.to_string(),
            defuse(&r.person_key),
            defuse(&r.field),
            defuse(&r.reason),
            defuse(&r.value),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Neutralizes spreadsheet formula injection (`=`, `+`, `-`, `@`, tab, carriage return first).
pub fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_rows_are_csv() {
        let csv = to_csv(&[Reject {
            line: 7,
            person_key: "=cmd|' /C calc'!A0".into(),
            field: "phone:home".into(),
            reason: "too few digits".into(),
            value: "+1 555".into(),
        }]);
        let text = String::from_utf8(csv).unwrap();
        assert_eq!(text.lines().nth(1).unwrap(), "7,'=cmd|' /C calc'!A0,phone:home,too few digits,'+1 555");
    }
}
