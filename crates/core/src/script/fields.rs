//! Merge fields: the `{source.name}` placeholders a script's text may use, and who fills them in.

use crate::policy::DialMode;

/// One merge field a program can provide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeField {
    /// As written in the text, without braces.
    pub name: &'static str,
    pub meaning: &'static str,
    /// Filled from the signed-in caller: absent when a recording talks.
    pub needs_agent: bool,
}

const fn field(name: &'static str, meaning: &'static str) -> MergeField {
    MergeField { name, meaning, needs_agent: false }
}

/// Every merge field Clearline knows. A program provides the ones its dial mode allows
/// ([`provided_fields`]); a script using another is refused.
pub const MERGE_FIELDS: &[MergeField] = &[
    field("voter.first_name", "the called person's first name, from the voter file"),
    field("voter.last_name", "the called person's last name, from the voter file"),
    field("voter.city", "the city of the person's residence address"),
    field("voter.precinct", "the person's precinct, from the voter file"),
    field("voter.polling_place", "the polling place of the person's precinct"),
    MergeField { name: "caller.first_name", meaning: "the agent's first name", needs_agent: true },
    field("campaign.legal_name", "the committee's registered legal name (campaign profile)"),
    field("campaign.paid_for_by", "the campaign profile's \"Paid for by …\" sentence"),
    field("campaign.callback_number", "the program's callback number (else the campaign profile's)"),
    field("campaign.candidate", "the campaign's first candidate"),
    field("election.date", "the date of the campaign's next election"),
];

/// The fields a program with this dial mode provides: all of them, less the caller's when no agent
/// talks.
pub fn provided_fields(dial_mode: DialMode) -> Vec<&'static str> {
    MERGE_FIELDS.iter().filter(|f| dial_mode.has_agent() || !f.needs_agent).map(|f| f.name).collect()
}

/// The merge fields in one line of text, in order, or the column (1-based) of an unmatched brace.
pub fn merge_fields_in(text: &str) -> Result<Vec<&str>, usize> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    loop {
        let open = rest.find('{');
        let close = rest.find('}');
        match (open, close) {
            (None, None) => return Ok(out),
            (Some(o), Some(c)) if o < c => {
                let name = &rest[o + 1..c];
                if name.contains('{') || name.trim().is_empty() {
                    return Err(offset + o + 1);
                }
                out.push(name.trim());
                offset += c + 1;
                rest = &rest[c + 1..];
            }
            (Some(o), None) => return Err(offset + o + 1),
            (_, Some(c)) => return Err(offset + c + 1),
        }
    }
}

/// `text` with each `{name}` replaced by its value. A field without a value (the voter file has no
/// polling place for this precinct, say) shows as `[name]`, so the caller sees a gap to fill by
/// asking rather than reading out a brace or, worse, nothing; text with an unmatched brace is
/// returned as it is (a submitted version never has one: validation refuses it).
pub fn fill(text: &str, value_of: impl Fn(&str) -> Option<String>) -> String {
    if merge_fields_in(text).is_err() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').expect("checked: every brace is matched");
        out.push_str(&rest[..open]);
        let name = rest[open + 1..close].trim();
        match value_of(name) {
            Some(v) => out.push_str(&v),
            None => {
                out.push('[');
                out.push_str(name);
                out.push(']');
            }
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod fill_tests {
    use super::fill;

    #[test]
    fn fields_are_replaced_and_a_missing_value_shows_as_a_bracketed_gap() {
        let value = |name: &str| (name == "voter.first_name").then(|| "Ana".to_string());
        assert_eq!(
            fill("Hello {voter.first_name}, your polling place is { voter.polling_place }.", value),
            "Hello Ana, your polling place is [voter.polling_place]."
        );
        assert_eq!(fill("no fields", value), "no fields");
        assert_eq!(fill("broken {voter.first_name", value), "broken {voter.first_name", "left as written");
    }
}
