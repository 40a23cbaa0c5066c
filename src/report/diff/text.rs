//! The diff for a terminal: the failure, then each ordering difference
//! with both orders and their locations, then values and lone events.

use crate::analysis::diff::{DiffReport, Shown};
use crate::report::printable;
use std::io::{self, Write};

fn event(e: &Shown) -> String {
    printable(&format!("{} {} ({})", e.lane, e.what, e.id)).into_owned()
}

pub(super) fn render(report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    match &report.failure {
        Some(f) => writeln!(out, "failure: {}", event(f))?,
        None => writeln!(out, "failure: the failing run records no error")?,
    }
    writeln!(out, "\n{} ordering difference(s)", report.order.len())?;
    for (i, d) in report.order.iter().enumerate() {
        let mut notes = Vec::new();
        if d.precedes_failure {
            notes.push("precedes the failure".to_string());
        }
        if !d.race_in.is_empty() {
            notes.push(format!("race reported in {} run", d.race_in.join(" and ")));
        }
        writeln!(
            out,
            "\n{}. {}{}",
            i + 1,
            printable(&d.resource),
            if notes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", notes.join("; "))
            }
        )?;
        writeln!(out, "   passing: {}", event(&d.passing[0]))?;
        writeln!(out, "      then  {}", event(&d.passing[1]))?;
        writeln!(out, "   failing: {}", event(&d.failing[0]))?;
        writeln!(out, "      then  {}", event(&d.failing[1]))?;
    }
    if !report.values.is_empty() {
        writeln!(out, "\n{} value difference(s)", report.values.len())?;
        for v in &report.values {
            writeln!(
                out,
                "  {}: {} {} -> {}",
                event(&v.failing),
                v.field,
                printable(&v.passing_value),
                printable(&v.failing_value)
            )?;
        }
    }
    for (title, list) in [
        ("only in the passing run", &report.only_passing),
        ("only in the failing run", &report.only_failing),
    ] {
        if !list.is_empty() {
            writeln!(out, "\n{} event(s) {title}", list.len())?;
            for e in list {
                writeln!(out, "  {}", event(e))?;
            }
        }
    }
    for skipped in &report.skipped {
        writeln!(
            out,
            "\nnot compared (too many operations): {}",
            printable(skipped)
        )?;
    }
    Ok(())
}
