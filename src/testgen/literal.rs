//! JSON values written as Python and JavaScript literals: the only way trace
//! data enters generated code (architecture habit 12).
//!
//! The writers emit ASCII only. Every string character outside printable
//! ASCII, and every character that means something in a surrounding context
//! (quotes, backslash, backtick, `$`, `<`, `>`, `&`), is written as an escape,
//! so a value can never end its literal, open an f-string or template
//! substitution, or close a `<script>` element. JSON `true`, `false` and
//! `null` become `True`, `False` and `None` in Python.

use serde_json::Value;
use std::fmt::Write;

/// A JSON value as a Python expression that evaluates to the equal value.
pub fn python(value: &Value) -> String {
    let mut out = String::new();
    write_literal(value, Language::Python, &mut out);
    out
}

/// A JSON value as a JavaScript expression that evaluates to the equal value.
pub fn javascript(value: &Value) -> String {
    let mut out = String::new();
    write_literal(value, Language::JavaScript, &mut out);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Language {
    Python,
    JavaScript,
}

impl Language {
    fn string(self, s: &str, out: &mut String) {
        match self {
            Language::Python => python_string(s, out),
            Language::JavaScript => js_string(s, out),
        }
    }
}

fn write_literal(value: &Value, language: Language, out: &mut String) {
    match value {
        Value::Null => out.push_str(match language {
            Language::Python => "None",
            Language::JavaScript => "null",
        }),
        Value::Bool(b) => out.push_str(match (language, b) {
            (Language::Python, true) => "True",
            (Language::Python, false) => "False",
            (Language::JavaScript, true) => "true",
            (Language::JavaScript, false) => "false",
        }),
        Value::Number(n) => write_number(n, out, language == Language::JavaScript),
        Value::String(s) => language.string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_literal(item, language, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if language == Language::JavaScript {
                    // A plain `"__proto__": v` in an object literal sets the
                    // prototype; a computed key defines an own property, as
                    // JSON.parse does.
                    out.push('[');
                    js_string(key, out);
                    out.push_str("]: ");
                } else {
                    python_string(key, out);
                    out.push_str(": ");
                }
                write_literal(item, language, out);
            }
            out.push('}');
        }
    }
}

/// Numbers as serde_json prints them are valid in both languages, except
/// that a JavaScript literal cannot start with `-` inside some contexts; the
/// parentheses keep `-1` an expression everywhere.
fn write_number(n: &serde_json::Number, out: &mut String, js: bool) {
    let text = n.to_string();
    if text.starts_with('-') && js {
        let _ = write!(out, "({text})");
    } else {
        out.push_str(&text);
    }
}

fn python_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' if !matches!(c, '\'' | '{' | '}' | '`' | '$' | '<' | '>' | '&') => {
                out.push(c)
            }
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
}

fn js_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' if !matches!(c, '\'' | '{' | '}' | '`' | '$' | '<' | '>' | '&') => {
                out.push(c)
            }
            c => {
                // UTF-16 code units: a non-BMP character is a surrogate pair.
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04x}", unit);
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_constants_become_python_constants() {
        assert_eq!(
            python(&json!([true, false, null, 1, -2.5, "a"])),
            r#"[True, False, None, 1, -2.5, "a"]"#
        );
        assert_eq!(javascript(&json!([true, null, -1])), "[true, null, (-1)]");
    }

    #[test]
    fn hostile_strings_stay_inside_their_literal() {
        let s = "\"\"\"'`${x}</script>\\\n\0\u{1F600}\u{2028}";
        let py = python(&json!(s));
        assert_eq!(
            py,
            r#""\"\"\"\x27\x60\x24\x7bx\x7d\x3c/script\x3e\\\n\x00\U0001f600\u2028""#
        );
        let js = javascript(&json!(s));
        assert_eq!(
            js,
            r#""\"\"\"\u0027\u0060\u0024\u007bx\u007d\u003c/script\u003e\\\n\u0000\ud83d\ude00\u2028""#
        );
        assert!(py.is_ascii() && js.is_ascii());
    }

    #[test]
    fn object_keys_are_own_properties_in_javascript() {
        assert_eq!(
            javascript(&json!({"__proto__": {"a": 1}})),
            r#"{["__proto__"]: {["a"]: 1}}"#
        );
        assert_eq!(python(&json!({"k": [1]})), r#"{"k": [1]}"#);
    }
}
