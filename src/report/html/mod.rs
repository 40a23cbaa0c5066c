//! The HTML report: one self-contained page (no network, works from
//! `file://`) with the findings, the lanes view of the causal graph, a
//! time-travel cursor and flamegraphs.
//!
//! The page's code and style are the project's own files under `page/`,
//! embedded with `include_str!`. Its data are two `application/json` blocks:
//! the JSON report (docs/report-json.md) and the trace data ([`data`]). Both
//! are escaped so that no trace string can end the block or start markup,
//! and a Content-Security-Policy allows only the page's own script and style
//! (by hash) and forbids every request.

pub mod data;

use super::{Format, Render, Report};
use crate::model::Recording;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// The page's script files, in the order they are concatenated into one
/// module (each declares what the later ones use).
const SCRIPTS: [(&str, &str); 8] = [
    ("util.js", include_str!("page/util.js")),
    ("trace.js", include_str!("page/trace.js")),
    ("findings.js", include_str!("page/findings.js")),
    ("lanes.js", include_str!("page/lanes.js")),
    ("timetravel.js", include_str!("page/timetravel.js")),
    ("flame.js", include_str!("page/flame.js")),
    ("extras.js", include_str!("page/extras.js")),
    ("main.js", include_str!("page/main.js")),
];

const STYLE: &str = include_str!("page/style.css");
const BODY: &str = include_str!("page/body.html");

/// Renders the HTML page. With a recording, the page holds its trace data
/// (lanes, time travel, flamegraphs); without one, only the findings.
pub struct HtmlRenderer<'r> {
    pub recording: Option<&'r Recording>,
    /// The config's redaction, applied to every string of the trace data.
    pub redact: &'r dyn Fn(&mut String),
}

/// Redaction that leaves text as it is.
pub fn no_redaction(_: &mut String) {}

/// The renderer of a format: [`HtmlRenderer`] with the recording for
/// `html`, else the format's own.
pub fn renderer<'r>(
    format: Format,
    color: bool,
    recording: &'r Recording,
    redact: &'r dyn Fn(&mut String),
) -> Box<dyn Render + 'r> {
    match format {
        Format::Html => Box::new(HtmlRenderer {
            recording: Some(recording),
            redact,
        }),
        other => other.renderer(color),
    }
}

impl Render for HtmlRenderer<'_> {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let report = serde_json::to_value(report).map_err(io::Error::other)?;
        let trace = match self.recording {
            Some(rec) => serde_json::to_string(&data::build(rec, &report, self.redact))
                .map_err(io::Error::other)?,
            None => "null".to_string(),
        };
        let report = serde_json::to_string(&report).map_err(io::Error::other)?;
        write_page(&report, &trace, out)
    }
}

/// The page's script: every file, in order, as one module.
pub fn script() -> String {
    let mut script = String::from("\n");
    for (name, text) in SCRIPTS {
        script.push_str("// ---- ");
        script.push_str(name);
        script.push('\n');
        script.push_str(text);
        script.push('\n');
    }
    script
}

/// The CSP source of a script or style: `'sha256-BASE64'`.
fn hash_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn write_page(report_json: &str, trace_json: &str, out: &mut dyn Write) -> io::Result<()> {
    let script = script();
    let style = format!("\n{STYLE}");
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"causeway {}\">\n\
         <title>Causeway report</title>\n<style>{}</style>\n</head>\n<body>\n{}",
        hash_source(&script),
        hash_source(&style),
        env!("CARGO_PKG_VERSION"),
        style,
        BODY
    )?;
    out.write_all(b"<script type=\"application/json\" id=\"causeway-report\">")?;
    out.write_all(script_safe(report_json).as_bytes())?;
    out.write_all(b"</script>\n<script type=\"application/json\" id=\"causeway-trace\">")?;
    out.write_all(script_safe(trace_json).as_bytes())?;
    out.write_all(b"</script>\n<script type=\"module\">")?;
    out.write_all(script.as_bytes())?;
    out.write_all(b"</script>\n</body>\n</html>\n")
}

/// JSON text made safe inside a `<script>` element: `<`, `>` and `&` (which
/// could end the element or open a comment) and U+2028/U+2029 are written as
/// `\u` escapes. They can only occur inside JSON strings, where the escape
/// means the same character.
pub fn script_safe(json: &str) -> String {
    let mut safe = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => safe.push_str("\\u003c"),
            '>' => safe.push_str("\\u003e"),
            '&' => safe.push_str("\\u0026"),
            '\u{2028}' => safe.push_str("\\u2028"),
            '\u{2029}' => safe.push_str("\\u2029"),
            c => safe.push(c),
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_a_format_by_name() {
        assert_eq!(Format::from_name("html"), Some(Format::Html));
        assert_eq!(Format::Html.name(), "html");
        // Without a recording the page holds the findings only.
        let rec = crate::ingest::load_bytes(vec![(
            "t.jsonl".to_string(),
            br#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"function_entry","metadata":{"function":"main"}}
"#
            .to_vec(),
        )])
        .unwrap();
        let report = Report::build(&rec, &crate::analysis::analyze(&rec, None));
        let mut page = Vec::new();
        Format::Html
            .renderer(false)
            .render(&report, &mut page)
            .unwrap();
        assert!(
            String::from_utf8(page)
                .unwrap()
                .contains("id=\"causeway-trace\">null</script>")
        );
    }

    #[test]
    fn script_safe_json_cannot_end_the_block() {
        let json = serde_json::to_string("</script><!-- & \u{2028}\u{2029}").unwrap();
        let safe = script_safe(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert!(!safe.contains('\u{2028}') && !safe.contains('\u{2029}'));
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "</script><!-- & \u{2028}\u{2029}");
    }

    #[test]
    fn the_policy_names_the_script_that_the_page_holds() {
        let mut page = Vec::new();
        write_page("{}", "null", &mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        let start = page.find("<script type=\"module\">").unwrap() + 22;
        let end = page[start..].find("</script>").unwrap() + start;
        assert!(page.contains(&hash_source(&page[start..end])));
        assert!(page.contains("default-src 'none'"));
        // The page's own code never holds the sequence that ends a script.
        assert!(!script().contains("</script"));
    }
}
