//! The diff as JSON: the [`DiffReport`] fields, with `format`
//! `causeway-diff` and `version` 1.

use crate::analysis::diff::DiffReport;
use std::io::{self, Write};

pub(super) fn render(report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    let mut doc = serde_json::to_value(report).map_err(io::Error::other)?;
    if let Some(map) = doc.as_object_mut() {
        map.insert("format".into(), "causeway-diff".into());
        map.insert("version".into(), 1.into());
        map.insert(
            "ordering_precedes_failure".into(),
            report.ordering_precedes_failure().into(),
        );
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
