//! Redaction of numbers people say aloud and callers type into free text: card numbers and phone
//! numbers never reach an open answer or a note (what a caller types is stored, exported and read by
//! campaign staff; a card number there is a PCI problem, a phone number personal data outside its
//! encrypted column).

/// The words a redacted number is replaced with.
pub const REDACTED: &str = "[number removed]";

/// Digits in a run before it counts as a phone or card number: 7 (a local phone number) and more.
/// Shorter runs — an age, a year, a house number, a ZIP code — stay.
pub const MIN_DIGITS: usize = 7;

/// `text` with every run of at least [`MIN_DIGITS`] digits replaced by [`REDACTED`]. A run may be
/// broken by spaces, dashes, dots, slashes and parentheses, as people write numbers, and may start
/// with `+`; the separators around it stay.
pub fn redact_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let joins = |c: char| matches!(c, ' ' | '-' | '.' | '/' | '(' | ')');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
            || (chars[i] == '(' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits and joiners, ending at its last digit.
        let mut end = i;
        let mut digits = 0;
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || joins(chars[j]) || (j == i && chars[j] == '+')) {
            if chars[j].is_ascii_digit() {
                digits += 1;
                end = j + 1;
            }
            j += 1;
        }
        if digits >= MIN_DIGITS {
            out.push_str(REDACTED);
        } else {
            out.extend(&chars[i..end]);
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_and_card_numbers_in_every_usual_shape_are_removed() {
        for (text, want) in [
            ("call me at (919) 555-0123 tonight", "call me at [number removed] tonight"),
            ("my cell is 919.555.0123.", "my cell is [number removed]."),
            ("+1 919 555 0123", "[number removed]"),
            ("card 4111 1111 1111 1111 exp 12/29", "card [number removed] exp 12/29"),
            ("4111-1111-1111-1111", "[number removed]"),
            ("555-0123", "[number removed]"),
        ] {
            assert_eq!(redact_numbers(text), want, "{text}");
        }
    }

    #[test]
    fn short_numbers_and_plain_text_stay() {
        for text in ["I am 44", "born in 1982, ZIP 27601", "fix Route 66 (please)", "", "nothing here", "é 12-34"] {
            assert_eq!(redact_numbers(text), text);
        }
    }
}
