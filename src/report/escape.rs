//! Escaping of trace data for the formats that give characters meaning.
//! Everything a trace says is untrusted: a variable named `</details>`, a
//! message holding `%0A::error::` or a newline must come out as text.
//! Every function first makes control characters visible
//! ([`super::printable`]), so no trace string can start a new line.

use super::printable;
use std::fmt::Write as _;

/// Text for Markdown (GitHub Flavored), inside a line the renderer started:
/// HTML's special characters as entities, and the characters that open
/// inline syntax (code, emphasis, links, images, table cells,
/// strikethrough, math, issue references) escaped with a backslash. Safe in
/// paragraphs, list items and table cells; not inside raw HTML (use
/// [`html`]) and not at the start of a line, where `-` or `1.` would open a
/// block.
pub(super) fn markdown(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside raw HTML (a `<summary>`): entities only, since Markdown
/// backslash escapes are not read there. Brackets and backticks become
/// entities too, so that no Markdown link or code span can form even where
/// a renderer reads Markdown inside HTML.
pub(super) fn html(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '`' => out.push_str("&#96;"),
            c => out.push(c),
        }
    }
    out
}

/// The message of a GitHub workflow command (after `::`): `%`, CR and LF
/// are written as `%25`, `%0D` and `%0A`, GitHub's own escapes. Control
/// characters from the trace are made visible first, so the only line
/// breaks are the ones the renderer meant.
pub(super) fn command_data(text: &str) -> String {
    percent_escape(text, &[])
}

/// A property value of a GitHub workflow command (`file=`, `title=`): as
/// [`command_data`], and `:` and `,` as `%3A` and `%2C`, which would end
/// the value. Control characters are made visible.
pub(super) fn command_property(text: &str) -> String {
    percent_escape(&printable(text), &[':', ','])
}

/// `%`, CR, LF and the `also` characters as `%XX`.
fn percent_escape(text: &str, also: &[char]) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '%' | '\r' | '\n') || also.contains(&c) {
            let _ = write!(out, "%{:02X}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text inside a double-quoted Graphviz DOT string: backslashes and quotes
/// escaped (so no `\l`, `\N` or closing quote can come from the trace);
/// control characters are already visible escapes, whose backslash is
/// escaped in turn, so a newline stays on the label's line.
pub(super) fn dot(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a quoted Mermaid label (`["..."]`): everything but letters,
/// digits, spaces and `.,:/_-@()=+` becomes a Mermaid entity code (`#35;`),
/// so no quote, bracket, pipe, semicolon, markup or `%%` comment can come
/// from the trace.
pub(super) fn mermaid(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_alphanumeric() || " .,:/_-@()=+".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", u32::from(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cannot_open_html_links_code_or_cells() {
        let evil = "</details><script>x</script> [a](javascript:1) `c` | *b* \n# h";
        let out = markdown(evil);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        assert!(!out.contains('\n'), "{out}");
        for special in ['[', ']', '`', '|', '*', '#', '$', '~', '_'] {
            for (i, c) in out.char_indices() {
                if c == special {
                    assert_eq!(&out[i - 1..i], "\\", "{special} unescaped in {out}");
                }
            }
        }
    }

    #[test]
    fn html_has_no_tags() {
        assert_eq!(html("<b>&'\"\n"), "&lt;b&gt;&amp;&#39;&quot;\\n");
    }

    #[test]
    fn workflow_commands_cannot_be_injected() {
        assert_eq!(command_data("50%\r\n::error::x"), "50%25%0D%0A::error::x");
        assert_eq!(
            command_property("a.py,line=1::x\n%"),
            "a.py%2Cline=1%3A%3Ax\\n%25"
        );
    }
}
