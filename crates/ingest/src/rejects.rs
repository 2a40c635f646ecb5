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

/// Rejects kept as the CSV rows of the reject file as they arrive, each with its line.
///
/// Why not a `Vec<Reject>`: five `String`s a reject cost ~250 bytes with their allocations, and a
/// 5M-row file has ~130,000 rejects; a CSV row is ~70. Why in memory, not a spill file: the rows hold
/// rejected values as given (phone numbers), which reach the disk only encrypted; and their memory
/// grows with the rejects, not the rows.
pub(crate) struct RejectRows {
    writer: csv::Writer<Vec<u8>>,
    /// Each row's line and where it ends in the writer's bytes.
    rows: Vec<(u64, usize)>,
}

impl Default for RejectRows {
    fn default() -> Self {
        RejectRows { writer: csv::Writer::from_writer(Vec::new()), rows: Vec::new() }
    }
}

impl RejectRows {
    pub(crate) fn push(&mut self, r: &Reject) {
        let record = [r.line.to_string(), defuse(&r.person_key), defuse(&r.field), defuse(&r.reason), defuse(&r.value)];
        self.writer.write_record(record).expect("writing to memory");
        self.writer.flush().expect("writing to memory");
        self.rows.push((r.line, self.writer.get_ref().len()));
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// The reject file: the header, then both streams' rows by line (each stream is in file order;
    /// on equal lines `a`'s rows come first, as a stable sort of `a` then `b` would put them).
    pub(crate) fn merge_csv(a: RejectRows, b: RejectRows) -> Vec<u8> {
        let mut out = to_csv(&[]);
        let (a_bytes, b_bytes) = (a.writer.into_inner().expect("memory"), b.writer.into_inner().expect("memory"));
        out.reserve(a_bytes.len() + b_bytes.len());
        let (mut i, mut j, mut a_at, mut b_at) = (0, 0, 0, 0);
        while i < a.rows.len() || j < b.rows.len() {
            let take_a = j == b.rows.len() || (i < a.rows.len() && a.rows[i].0 <= b.rows[j].0);
            if take_a {
                out.extend_from_slice(&a_bytes[a_at..a.rows[i].1]);
                a_at = a.rows[i].1;
                i += 1;
            } else {
                out.extend_from_slice(&b_bytes[b_at..b.rows[j].1]);
                b_at = b.rows[j].1;
                j += 1;
            }
        }
        out
    }
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

    fn reject(line: u64, field: &str, value: &str) -> Reject {
        Reject {
            line,
            person_key: format!("NC{line}"),
            field: field.into(),
            reason: "a reason, with a comma and \"quotes\"".into(),
            value: value.into(),
        }
    }

    #[test]
    fn two_streams_merge_into_the_same_file_as_sorting_every_reject() {
        let keys = [reject(3, "person_key", ""), reject(9, "person_key", "=1+1"), reject(12, "person_key", "")];
        let phones = [
            reject(2, "phone:home", "555"),
            reject(9, "phone:cell", "x"),
            reject(12, "phone:home", "1"),
            reject(12, "phone:cell", "2"),
            reject(40, "phone:work", "line\nbreak"),
        ];
        let (mut a, mut b) = (RejectRows::default(), RejectRows::default());
        keys.iter().for_each(|r| a.push(r));
        phones.iter().for_each(|r| b.push(r));
        assert_eq!((a.len(), b.len()), (3, 5));
        let mut all: Vec<Reject> = keys.iter().chain(&phones).cloned().collect();
        all.sort_by_key(|r| r.line);
        assert_eq!(String::from_utf8(RejectRows::merge_csv(a, b)).unwrap(), String::from_utf8(to_csv(&all)).unwrap());
        let empty = RejectRows::merge_csv(RejectRows::default(), RejectRows::default());
        assert_eq!(empty, to_csv(&[]), "no rejects: the header alone");
    }
}
