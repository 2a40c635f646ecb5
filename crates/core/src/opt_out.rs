//! Opt-outs arriving by text or email (CR-8, 47 CFR 64.1200(a)(10)): a revocation may come by "any
//! reasonable means", and for texts the words stop, quit, end, revoke, opt out, cancel and unsubscribe
//! always count. Clearline honours an opt-out at once (CR-7, CR-47), not within the 10 business days the
//! rule allows.
//!
//! The check is deliberately generous — a missed opt-out is a violation, an extra one only a voter not
//! called — so a message counts when any of the words stands as a word of its own anywhere in it
//! ("Please STOP calling me", "unsubscribe."), not only as the whole message; "weekend" or "stopped"
//! do not contain the word. A few other plain ways of saying it count too ("do not call", "don't
//! call", "remove me", "take me off"). What does not count is kept for a person to read: the caller
//! of [`text_revokes`] records it as not recognised, never drops it silently.

/// The words CR-8 says always revoke consent in a text reply.
pub const CR8_WORDS: [&str; 7] = ["stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe"];

/// Other plain ways of asking not to be contacted, taken as reasonable means (CR-8's first clause).
pub const REASONABLE_PHRASES: [&str; 6] =
    ["optout", "do not call", "dont call", "remove me", "take me off", "stop calling"];

/// Whether a text reply (or an email's subject and body) revokes consent: see the module doc.
pub fn text_revokes(message: &str) -> bool {
    let words = normalized_words(message);
    let text = format!(" {} ", words.join(" "));
    CR8_WORDS.iter().chain(REASONABLE_PHRASES.iter()).any(|w| text.contains(&format!(" {w} ")))
}

/// Lower-case words of letters and digits; apostrophes vanish ("don't" → "dont"), hyphens and other
/// punctuation separate ("opt-out" → "opt out").
fn normalized_words(message: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in message.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if c == '\'' || c == '\u{2019}' {
            // an apostrophe joins: don't → dont
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cr8_word_revokes_alone_in_any_case_and_punctuation() {
        for w in CR8_WORDS {
            for form in [w.to_string(), w.to_uppercase(), format!("{w}."), format!("  {w}!!"), format!("\"{w}\"")] {
                assert!(text_revokes(&form), "{form:?} must revoke (CR-8)");
            }
        }
        assert!(text_revokes("opt-out"), "CR-8: opt out, hyphenated");
        assert!(text_revokes("OPTOUT"));
    }

    #[test]
    fn a_cr8_word_inside_a_sentence_revokes() {
        for message in [
            "Please stop calling me",
            "I want to unsubscribe from this",
            "cancel, thanks",
            "Don't call this number again",
            "remove me from your list",
            "STOP ALL",
        ] {
            assert!(text_revokes(message), "{message:?}");
        }
    }

    #[test]
    fn words_that_only_contain_a_cr8_word_do_not() {
        for message in ["See you this weekend", "I stopped by", "Yes", "Who is this?", "endorse", "", "Quite right"] {
            assert!(!text_revokes(message), "{message:?} is not an opt-out");
        }
    }
}
