//! Renderings of a [`DiffReport`]: text ([`text`]), JSON ([`json`]) and
//! Markdown ([`markdown`]), one file per format behind [`DiffFormat`].

mod json;
mod markdown;
mod text;

use crate::analysis::diff::DiffReport;
use std::io::{self, Write};

/// The formats of `causeway diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
}

impl DiffFormat {
    pub fn render(self, report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
        match self {
            DiffFormat::Text => text::render(report, out),
            DiffFormat::Json => json::render(report, out),
            DiffFormat::Markdown => markdown::render(report, out),
        }
    }
}
