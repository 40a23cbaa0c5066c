//! A Markdown job summary (GitHub Flavored Markdown, for
//! `$GITHUB_STEP_SUMMARY` or a pull-request comment): the verdict, a table
//! of counts, a table of races and one of errors, each finding's details
//! folded in `<details>`, the baseline comparison and the input problems.
//!
//! Trace text is escaped ([`super::escape`]) so that it can neither add
//! HTML, links or table cells nor end the `<details>` it sits in. GitHub
//! caps a step summary at 1 MiB: at most [`MAX_DETAILED`] findings per
//! table are listed, the rest counted, and chains are shortened as in the
//! text report.

use super::chain::{self, Shown};
use super::escape::{html, markdown as md};
use super::{Access, BaselineState, Body, ErrorReport, Head, Level, Race, Render, Report, Step};
use std::io::{self, Write};

/// Findings listed per table before the rest are counted.
pub(super) const MAX_DETAILED: usize = 100;
/// Input problems listed before the rest are counted.
const MAX_DIAGNOSTICS: usize = 20;

pub struct MarkdownRenderer;

impl Render for MarkdownRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let s = &report.summary;
        let verdict = if s.failing > 0 {
            format!(
                "❌ {} finding{} fail{} the build",
                s.failing,
                plural(s.failing),
                if s.failing == 1 { "s" } else { "" }
            )
        } else if s.races > 0 || s.errors > 0 || s.anomalies > 0 {
            "⚠️ findings reported, none fails the build".to_string()
        } else {
            "✅ no data races, no errors".to_string()
        };
        writeln!(out, "## Causeway: {verdict}")?;
        writeln!(out)?;
        let inputs: Vec<String> = report.inputs.iter().map(|i| md(i)).collect();
        writeln!(out, "Inputs: {}", inputs.join(", "))?;
        writeln!(out)?;
        writeln!(out, "| | count |")?;
        writeln!(out, "|---|---:|")?;
        writeln!(out, "| race groups | {} |", s.races)?;
        if s.race_sites != s.races {
            writeln!(
                out,
                "| race sites (pairs of code locations) | {} |",
                s.race_sites
            )?;
        }
        writeln!(out, "| racy events | {} |", s.racy_events)?;
        writeln!(out, "| errors | {} |", s.errors)?;
        writeln!(out, "| anomalies | {} |", s.anomalies)?;
        writeln!(out, "| failing findings | {} |", s.failing)?;
        if s.ignored > 0 {
            writeln!(out, "| left out by causeway.toml | {} |", s.ignored)?;
        }
        writeln!(
            out,
            "| events | {} in {} trace{} |",
            s.events,
            s.traces,
            plural(s.traces)
        )?;
        writeln!(out, "| bad input lines | {} |", s.bad_lines)?;
        writeln!(out)?;

        let shown = report.shown();
        let races: Vec<(&Head, &Race)> = shown
            .iter()
            .filter_map(|f| match &f.body {
                Body::Race(race) => Some((&f.head, &**race)),
                _ => None,
            })
            .collect();
        if !races.is_empty() {
            writeln!(out, "### Data races")?;
            writeln!(out)?;
            writeln!(out, "| | variable | service | locations | racy events |")?;
            writeln!(out, "|---|---|---|---|---:|")?;
            for &(head, race) in races.iter().take(MAX_DETAILED) {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    mark(head),
                    md(&race.variable),
                    race.service.as_deref().map_or("(global)".to_string(), md),
                    places(race),
                    race.racy_events
                )?;
            }
            more(out, races.len())?;
            for &(head, race) in races.iter().take(MAX_DETAILED) {
                race_details(out, head, race)?;
            }
        }

        let errors: Vec<(&Head, &ErrorReport)> = report.errors().collect();
        if !errors.is_empty() {
            writeln!(out, "### Errors")?;
            writeln!(out)?;
            writeln!(out, "| | error | location | caused by a race |")?;
            writeln!(out, "|---|---|---|---|")?;
            for &(head, error) in errors.iter().take(MAX_DETAILED) {
                writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    mark(head),
                    md(&error_title(error)),
                    md(&error.location),
                    if error.racy_reads.is_empty() {
                        "no"
                    } else {
                        "**yes**"
                    }
                )?;
            }
            more(out, errors.len())?;
            for &(head, error) in errors.iter().take(MAX_DETAILED) {
                error_details(out, head, error)?;
            }
        }

        let anomalies: Vec<_> = report.anomalies().collect();
        if !anomalies.is_empty() {
            writeln!(out, "### Anomalies")?;
            writeln!(out)?;
            writeln!(out, "| | code | what | location | score |")?;
            writeln!(out, "|---|---|---|---|---:|")?;
            for &(head, anomaly) in anomalies.iter().take(MAX_DETAILED) {
                writeln!(
                    out,
                    "| {} | `{}` | {} | {} | {:.2} |",
                    mark(head),
                    head.code,
                    md(&anomaly.description),
                    md(&anomaly.location),
                    anomaly.score
                )?;
            }
            more(out, anomalies.len())?;
            writeln!(out)?;
        }

        if let Some(baseline) = &report.baseline {
            writeln!(out, "### Baseline")?;
            writeln!(out)?;
            writeln!(
                out,
                "Compared with {}: {} new, {} unchanged, {} no longer found.",
                md(&baseline.file),
                baseline.new,
                baseline.unchanged,
                baseline.absent.len()
            )?;
            writeln!(out)?;
            for entry in baseline.absent.iter().take(MAX_DETAILED) {
                writeln!(
                    out,
                    "- gone: {} \\[{}\\]",
                    md(&entry.title),
                    md(&entry.fingerprint)
                )?;
            }
            if baseline.absent.len() > MAX_DETAILED {
                writeln!(out, "- … and {} more", baseline.absent.len() - MAX_DETAILED)?;
            }
            if !baseline.absent.is_empty() {
                writeln!(out)?;
                writeln!(
                    out,
                    "Update the baseline with `--write-baseline` to stop tracking what is gone."
                )?;
                writeln!(out)?;
            }
        }

        if !report.diagnostics.is_empty() {
            writeln!(out, "### Input problems")?;
            writeln!(out)?;
            for d in report.diagnostics.iter().take(MAX_DIAGNOSTICS) {
                writeln!(
                    out,
                    "- {}: {}:{}: {}",
                    d.severity,
                    md(&d.file),
                    d.line,
                    md(&d.message)
                )?;
            }
            if report.diagnostics.len() > MAX_DIAGNOSTICS {
                writeln!(
                    out,
                    "- … and {} more (the JSON report lists them all)",
                    report.diagnostics.len() - MAX_DIAGNOSTICS
                )?;
            }
            writeln!(out)?;
        }
        Ok(())
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The first column: fails, is accepted by the baseline, or only reports.
fn mark(head: &Head) -> &'static str {
    if head.fails {
        "❌"
    } else if head.baseline == Some(BaselineState::Unchanged) {
        "☑️ baseline"
    } else {
        match head.severity {
            Level::Error | Level::Warning => "⚠️",
            Level::Note => "ℹ️",
        }
    }
}

fn places(race: &Race) -> String {
    if race.locations[0] == race.locations[1] {
        format!("{} (with itself)", md(&race.locations[0]))
    } else {
        format!("{}<br>{}", md(&race.locations[0]), md(&race.locations[1]))
    }
}

fn more(out: &mut dyn Write, total: usize) -> io::Result<()> {
    if total > MAX_DETAILED {
        writeln!(
            out,
            "\n… and {} more, not listed here: the JSON and SARIF reports have them all.",
            total - MAX_DETAILED
        )?;
    }
    writeln!(out)
}

fn error_title(error: &ErrorReport) -> String {
    match &error.error_type {
        Some(t) if *t != error.message => format!("{t}: {}", error.message),
        _ => error.message.clone(),
    }
}

fn race_details(out: &mut dyn Write, head: &Head, race: &Race) -> io::Result<()> {
    let scope = race.service.as_deref().unwrap_or("global");
    writeln!(
        out,
        "<details><summary>data race on <code>{}</code> ({}) at {}</summary>",
        html(&race.variable),
        html(scope),
        html(&race.locations.join(" and "))
    )?;
    writeln!(out)?;
    for (n, access) in race.accesses.iter().enumerate() {
        access_item(out, n + 1, access)?;
    }
    writeln!(out)?;
    if let Some(note) = head.bad_lines_note() {
        writeln!(out, "**note:** {}", md(&note))?;
        writeln!(out)?;
    }
    writeln!(out, "**help:** {}", head.help)?;
    writeln!(out)?;
    writeln!(out, "fingerprint `{}`", head.fingerprint)?;
    writeln!(out)?;
    writeln!(out, "</details>")?;
    writeln!(out)
}

fn access_item(out: &mut dyn Write, n: usize, access: &Access) -> io::Result<()> {
    let function = access
        .function
        .as_deref()
        .map(|f| format!(" in {}", md(f)))
        .unwrap_or_default();
    writeln!(
        out,
        "{n}. **{}** at {}{function}, thread {}/{}, event {}",
        access.access,
        md(&access.location),
        md(&access.service),
        md(&access.thread),
        md(&access.event_id)
    )?;
    if access.steps.len() > 1 {
        writeln!(out, "   chain: {}", chain(&access.steps))?;
    }
    Ok(())
}

fn error_details(out: &mut dyn Write, head: &Head, error: &ErrorReport) -> io::Result<()> {
    writeln!(
        out,
        "<details><summary>{} at {}</summary>",
        html(&error_title(error)),
        html(&error.location)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "- {} in thread {}/{}, event {}, trace {}",
        head.code,
        md(&error.service),
        md(&error.thread),
        md(&error.event_id),
        md(&error.trace_id)
    )?;
    if error.steps.len() > 1 {
        writeln!(out, "- chain: {}", chain(&error.steps))?;
    }
    for read in &error.racy_reads {
        writeln!(
            out,
            "- cause: {} (read at {}; the write was by {})",
            md(&read.explanation),
            md(&read.read_location),
            md(&read.write_thread)
        )?;
    }
    writeln!(out)?;
    if let Some(note) = head.bad_lines_note() {
        writeln!(out, "**note:** {}", md(&note))?;
        writeln!(out)?;
    }
    writeln!(out, "**help:** {}", head.help)?;
    writeln!(out)?;
    writeln!(out, "fingerprint `{}`", head.fingerprint)?;
    writeln!(out)?;
    writeln!(out, "</details>")?;
    writeln!(out)
}

/// The chain on one line, each frame with its code location.
fn chain(steps: &[Step]) -> String {
    let frames: Vec<String> = chain::shown(steps)
        .iter()
        .map(|line| match line {
            Shown::Frame(label, None) => md(label),
            Shown::Frame(label, Some(location)) => format!("{} ({})", md(label), md(location)),
            Shown::Elided(n) => format!("… {n} more …"),
        })
        .collect();
    frames.join(" → ")
}
