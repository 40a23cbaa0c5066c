//! Reports: one model ([`Report`]) and one small trait ([`Render`]) with a
//! file per output format. Renderers are pure functions of the report: they
//! write to what they are given and read no clock, environment or file.

mod json;
mod model;
mod text;

pub use json::JsonRenderer;
pub use model::*;
pub use text::TextRenderer;

use std::io::{self, Write};

/// An output format.
pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// The formats `--format` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, for terminals and CI logs.
    Text,
    /// The machine-readable report (keys documented in docs/report-json.md).
    Json,
}

impl Format {
    /// The renderer of this format; `color` applies to text only.
    pub fn renderer(self, color: bool) -> Box<dyn Render> {
        match self {
            Format::Text => Box::new(TextRenderer { color }),
            Format::Json => Box::new(JsonRenderer),
        }
    }
}

/// Trace data made safe for a terminal: control characters (which could move
/// the cursor, recolour or retitle the terminal) are written as escapes.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            clean.extend(c.escape_default());
        } else {
            clean.push(c);
        }
    }
    std::borrow::Cow::Owned(clean)
}
