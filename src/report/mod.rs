//! Reports: one model ([`Report`]) and one small trait ([`Render`]) with a
//! file per output format. Renderers are pure functions of the report: they
//! write to what they are given and read no clock, environment or file.

mod chain;
pub mod diff;
mod escape;
mod github;
pub mod graph;
pub mod html;
mod json;
mod junit;
mod markdown;
mod model;
pub mod query;
mod sarif;
mod text;
pub mod why;

pub use crate::analysis::codes::{Code, CodeInfo, FailOn, Level};
pub use github::GithubRenderer;
pub use json::JsonRenderer;
pub use junit::JunitRenderer;
pub use markdown::MarkdownRenderer;
pub use model::*;
pub use sarif::SarifRenderer;
pub use text::TextRenderer;

use std::io::{self, Write};

/// An output format.
pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// The formats `--format` and `--output FORMAT=PATH` accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, for terminals and CI logs.
    Text,
    /// The machine-readable report (keys documented in docs/report-json.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one test case per finding, for CI test reports.
    Junit,
    /// A Markdown summary, e.g. for $GITHUB_STEP_SUMMARY.
    Markdown,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
    /// One self-contained HTML page: findings, lanes, time travel and
    /// flamegraphs (docs/html-report.md).
    Html,
}

impl Format {
    /// Every format rendered from the report alone, in the order of
    /// `--help` (`html` also reads the recording: see [`html::renderer`]).
    pub const ALL: [Format; 6] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Github,
    ];

    /// The renderer of this format; `color` applies to text only.
    pub fn renderer(self, color: bool) -> Box<dyn Render> {
        match self {
            Format::Text => Box::new(TextRenderer { color }),
            Format::Json => Box::new(JsonRenderer),
            Format::Sarif => Box::new(SarifRenderer),
            Format::Junit => Box::new(JunitRenderer),
            Format::Markdown => Box::new(MarkdownRenderer),
            Format::Github => Box::new(GithubRenderer),
            Format::Html => Box::new(html::HtmlRenderer {
                recording: None,
                redact: &html::no_redaction,
            }),
        }
    }

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::Html => "html",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .chain([Format::Html])
            .find(|f| f.name() == name)
    }
}

/// Whether a character must not reach a terminal as it is: a control
/// character (which could move the cursor, recolour or retitle the
/// terminal) or an invisible format character that reorders or hides text
/// (bidi overrides and isolates, zero-width characters, the BOM).
fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Trace data made safe for a terminal: every [`hostile`] character is
/// written as a visible escape (`\u{1b}`, `\r`, `\u{202e}`).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(hostile) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hostile(c) {
            clean.extend(c.escape_default());
        } else {
            clean.push(c);
        }
    }
    std::borrow::Cow::Owned(clean)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn escapes_and_bidi_become_visible() {
        let dirty = "a\u{1b}[2Jb\u{1b}]0;pwn\u{7}c\rd\u{202E}e\u{2066}";
        let out = printable(dirty);
        assert!(
            !out.chars()
                .any(|c| c.is_control() || c == '\u{202E}' || c == '\u{2066}')
        );
        assert!(out.contains("\\u{1b}[2J"), "{out}");
        assert_eq!(printable("plain"), "plain");
    }
}
