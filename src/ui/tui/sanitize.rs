//! Trace strings made safe for the terminal: control characters (ESC, CR,
//! BEL, ...) and the invisible format characters that reorder or hide text
//! (bidi overrides and isolates, zero-width characters, BOM) are written as
//! visible escapes, so no trace string can move the cursor, retitle the
//! terminal or disguise what it shows.

use std::borrow::Cow;

/// Whether a character must not reach the terminal as it is.
fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// `text` with every hostile character escaped (`\u{1b}`, `\r`, ...).
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hostile(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn escapes_and_bidi_become_visible() {
        let dirty = "a\u{1b}[2Jb\u{1b}]0;pwn\u{7}c\rd\u{202E}e\u{2066}";
        let out = clean(dirty);
        assert!(
            !out.chars()
                .any(|c| c.is_control() || c == '\u{202E}' || c == '\u{2066}')
        );
        assert!(out.contains("\\u{1b}[2J"), "{out}");
        assert_eq!(clean("plain"), "plain");
    }
}
