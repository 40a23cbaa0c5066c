//! The diff as Markdown (a pull-request comment): a table of ordering
//! differences, then values and lone events.

use crate::analysis::diff::{DiffReport, Shown};
use crate::report::escape;
use std::io::{self, Write};

fn event(e: &Shown) -> String {
    format!(
        "{} {} ({})",
        escape::markdown(&e.lane),
        escape::markdown(&e.what),
        escape::markdown(&e.id)
    )
}

pub(super) fn render(report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Causeway diff\n")?;
    match &report.failure {
        Some(f) => writeln!(out, "Failure: {}\n", event(f))?,
        None => writeln!(out, "The failing run records no error.\n")?,
    }
    writeln!(out, "{} ordering difference(s)\n", report.order.len())?;
    if !report.order.is_empty() {
        writeln!(
            out,
            "| # | on | passing order | failing order | before the failure | race |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for (i, d) in report.order.iter().enumerate() {
            writeln!(
                out,
                "| {} | {} | {} then {} | {} then {} | {} | {} |",
                i + 1,
                escape::markdown(&d.resource),
                event(&d.passing[0]),
                event(&d.passing[1]),
                event(&d.failing[0]),
                event(&d.failing[1]),
                if d.precedes_failure { "yes" } else { "no" },
                if d.race_in.is_empty() {
                    "no".to_string()
                } else {
                    d.race_in.join(", ")
                }
            )?;
        }
        writeln!(out)?;
    }
    for v in &report.values {
        writeln!(
            out,
            "- {}: `{}` {} → {}",
            event(&v.failing),
            v.field,
            escape::markdown(&v.passing_value),
            escape::markdown(&v.failing_value)
        )?;
    }
    for (title, list) in [
        ("Only in the passing run", &report.only_passing),
        ("Only in the failing run", &report.only_failing),
    ] {
        if !list.is_empty() {
            writeln!(out, "\n{title}:\n")?;
            for e in list {
                writeln!(out, "- {}", event(e))?;
            }
        }
    }
    Ok(())
}
