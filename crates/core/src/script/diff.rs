//! A line-by-line diff between two versions' texts, for the approver: the format puts one statement
//! on a line, so a changed word, answer or branch is a changed line.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffTag {
    Same,
    Removed,
    Added,
}

/// One line of a diff, with its line number in the old text, the new text, or both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub tag: DiffTag,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    pub text: String,
}

/// Every line of both texts in order, each marked same, removed or added (Myers' algorithm).
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                ChangeTag::Equal => DiffTag::Same,
                ChangeTag::Delete => DiffTag::Removed,
                ChangeTag::Insert => DiffTag::Added,
            },
            old_line: c.old_index().map(|i| i + 1),
            new_line: c.new_index().map(|i| i + 1),
            text: c.value().trim_end_matches(['\n', '\r']).to_string(),
        })
        .collect()
}

/// The diff as text: `  ` same, `- ` removed, `+ ` added, one line each.
pub fn render_diff(lines: &[DiffLine]) -> String {
    let mut out = String::new();
    for l in lines {
        out.push_str(match l.tag {
            DiffTag::Same => "  ",
            DiffTag::Removed => "- ",
            DiffTag::Added => "+ ",
        });
        out.push_str(&l.text);
        out.push('\n');
    }
    out
}
