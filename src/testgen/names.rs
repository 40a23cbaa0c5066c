//! Names in generated code: identifiers the trace may supply, and slugs
//! built from trace text for test and file names.

/// An identifier of Python and JavaScript alike (ASCII only).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A lower-case `[a-z0-9_]` slug of some text, at most `max` characters.
pub fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '-' && out.is_empty() {
            out.push_str("neg");
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_identifier_safe() {
        assert_eq!(slug("Hello, World!", 40), "hello_world");
        assert_eq!(slug("-3.5", 40), "neg3_5");
        assert_eq!(slug("\"\"\"'); import os #", 40), "import_os");
    }

    #[test]
    fn identifiers_are_ascii_words() {
        assert!(is_identifier("transfer") && is_identifier("_x1") && is_identifier("$el"));
        assert!(!is_identifier("1x") && !is_identifier("a-b") && !is_identifier("é"));
        assert!(!is_identifier(""));
    }
}
