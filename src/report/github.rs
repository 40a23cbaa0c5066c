//! GitHub Actions workflow commands: one `::error`, `::warning` or
//! `::notice` annotation per finding (by severity), on the finding's source
//! line (`file=...,line=...`), or on its line in the trace file when the
//! trace recorded no `file:line`. Findings a baseline accepts are not
//! annotated.
//!
//! GitHub shows at most [`MAX_PER_LEVEL`] annotations of each level per
//! step (and 50 per job). When a level has more, the first
//! `MAX_PER_LEVEL - 1` are annotated (failing findings first), one more
//! annotation says how many were left out, and those are listed as plain
//! log lines. Trace text goes through [`super::escape`]: properties escape
//! `%`, CR, LF, `:` and `,`, messages `%`, CR and LF, and control characters
//! are made visible first, so a trace cannot add a line, a property or a
//! command of its own. Plain log lines start with `causeway:`, never `::`.

use super::escape::{command_data, command_property};
use super::text::finding_text;
use super::{BaselineState, Finding, Level, Render, Report, printable, split_location};
use std::io::{self, Write};

/// Annotations GitHub shows per level and step.
pub(super) const MAX_PER_LEVEL: usize = 10;

pub struct GithubRenderer;

impl Render for GithubRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let shown = report.shown();
        let accepted = shown
            .iter()
            .filter(|f| f.head.baseline == Some(BaselineState::Unchanged))
            .count();
        let mut notices = 0;
        for level in [Level::Error, Level::Warning, Level::Note] {
            let mut findings: Vec<&Finding> = shown
                .iter()
                .map(|f| &**f)
                .filter(|f| {
                    f.head.severity == level && f.head.baseline != Some(BaselineState::Unchanged)
                })
                .collect();
            // Failing findings first; the sort is stable.
            findings.sort_by_key(|f| !f.head.fails);
            let reserved = if level == Level::Note {
                usize::from(
                    report
                        .baseline
                        .as_ref()
                        .is_some_and(|b| !b.absent.is_empty()),
                )
            } else {
                0
            };
            let budget = MAX_PER_LEVEL - reserved;
            let shown = if findings.len() <= budget {
                findings.len()
            } else {
                budget - 1
            };
            for &finding in &findings[..shown] {
                annotate(out, level, finding)?;
            }
            let rest = &findings[shown..];
            if !rest.is_empty() {
                writeln!(
                    out,
                    "::{}::{}",
                    command(level),
                    command_data(&format!(
                        "{} more {} not annotated here: GitHub shows {MAX_PER_LEVEL} annotations of a kind per step. They are listed in this step's log, the job summary and the SARIF report.",
                        rest.len(),
                        command_plural(level)
                    ))
                )?;
                for &finding in rest {
                    writeln!(
                        out,
                        "causeway: {}[{}]: {} ({})",
                        level.as_str(),
                        finding.head.code,
                        printable(&finding.head.title),
                        finding.head.fingerprint
                    )?;
                }
            }
            if level == Level::Note {
                notices = shown + usize::from(!rest.is_empty());
            }
        }
        if let Some(baseline) = &report.baseline
            && !baseline.absent.is_empty()
        {
            let gone: Vec<String> = baseline
                .absent
                .iter()
                .take(5)
                .map(|e| printable(&e.title).into_owned())
                .collect();
            writeln!(
                out,
                "::notice title={}::{}",
                command_property("causeway baseline"),
                command_data(&format!(
                    "{} finding{} of the baseline {} no longer found: {}{}. Update the baseline with --write-baseline.",
                    baseline.absent.len(),
                    if baseline.absent.len() == 1 { "" } else { "s" },
                    if baseline.absent.len() == 1 {
                        "is"
                    } else {
                        "are"
                    },
                    gone.join("; "),
                    if baseline.absent.len() > gone.len() {
                        "; …"
                    } else {
                        ""
                    }
                ))
            )?;
            notices += 1;
        }
        debug_assert!(notices <= MAX_PER_LEVEL);
        let s = &report.summary;
        writeln!(
            out,
            "causeway: {} race group{}{}, {} error{}, {} anomal{}, {} failing finding{}{}{} in {} event{}",
            s.races,
            if s.races == 1 { "" } else { "s" },
            super::text::sites_clause(s),
            s.errors,
            if s.errors == 1 { "" } else { "s" },
            s.anomalies,
            if s.anomalies == 1 { "y" } else { "ies" },
            s.failing,
            if s.failing == 1 { "" } else { "s" },
            if accepted > 0 {
                format!(", {accepted} accepted by the baseline")
            } else {
                String::new()
            },
            if s.ignored > 0 {
                format!(", {} left out by causeway.toml", s.ignored)
            } else {
                String::new()
            },
            s.events,
            if s.events == 1 { "" } else { "s" }
        )
    }
}

fn command(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "notice",
    }
}

fn command_plural(level: Level) -> &'static str {
    match level {
        Level::Error => "errors",
        Level::Warning => "warnings",
        Level::Note => "notes",
    }
}

/// `::error file=a.py,line=3,title=causeway data-race::message`.
fn annotate(out: &mut dyn Write, level: Level, finding: &Finding) -> io::Result<()> {
    let place = &finding.head.place;
    let (file, line) = match split_location(&place.location) {
        Some((file, line)) => (file.to_string(), line),
        None => (place.input.file.clone(), u64::from(place.input.line)),
    };
    let title = format!(
        "causeway {}{}",
        finding.head.code,
        if finding.head.fails {
            ""
        } else {
            " (does not fail the build)"
        }
    );
    // finding_text has made every trace string printable; its line breaks
    // are the renderer's own.
    let message = finding_text(finding);
    writeln!(
        out,
        "::{} file={},line={line},title={}::{}",
        command(level),
        command_property(&file),
        command_property(&title),
        command_data(&message)
    )
}
