//! The JSON report: the [`Report`] serialized as one pretty-printed object.

use super::{Render, Report};
use std::io::{self, Write};

pub struct JsonRenderer;

impl Render for JsonRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)
    }
}
