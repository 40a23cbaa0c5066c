//! The terminal report: each race with both accesses (thread, location,
//! function) and their causal chains, each error with its chain and the
//! racing writes behind it, a `help:` line per finding, the input problems,
//! and a summary line. ANSI colour only when asked for.

use super::chain::{self, Shown};
use super::{
    Access, Anomaly, BaselineState, Body, DiagnosticEntry, ErrorReport, Finding, Head, Level, Race,
    Render, Report, Step, printable as p,
};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

/// How many input diagnostics are listed before the rest are counted.
const MAX_LISTED_DIAGNOSTICS: usize = 20;

pub struct TextRenderer {
    pub color: bool,
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const EMPHASIS: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const HELP: Style = AnsiColor::Cyan.on_default().bold();
const GOOD: Style = AnsiColor::Green.on_default().bold();
const NOTE: Style = AnsiColor::Blue.on_default().bold();

/// The block the text report shows for one finding, without colour: used by
/// the formats that carry a finding's details as plain text.
pub(super) fn finding_text(finding: &Finding) -> String {
    let renderer = TextRenderer { color: false };
    let mut out = Vec::new();
    renderer
        .finding(&mut out, finding)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(out)
        .expect("the text report is UTF-8")
        .trim_end()
        .to_string()
}

impl TextRenderer {
    /// `error[data-race]`, in the colour of the severity, marked when a
    /// baseline already holds the finding.
    fn heading(&self, head: &Head) -> String {
        let style = match head.severity {
            Level::Error => ERROR,
            Level::Warning => WARNING,
            Level::Note => NOTE,
        };
        let heading = self.paint(style, &format!("{}[{}]", head.severity.as_str(), head.code));
        match head.baseline {
            Some(BaselineState::Unchanged) => {
                format!("{heading} {}", self.paint(DIM, "(in baseline)"))
            }
            Some(BaselineState::New) => format!("{heading} {}", self.paint(EMPHASIS, "(new)")),
            None => heading,
        }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn finding(&self, out: &mut dyn Write, finding: &Finding) -> io::Result<()> {
        let head = &finding.head;
        match &finding.body {
            Body::Race(race) => self.race(out, head, race),
            Body::Error(error) => self.error(out, head, error),
            Body::Anomaly(anomaly) => self.anomaly(out, head, anomaly),
        }
    }

    fn race(&self, out: &mut dyn Write, head: &Head, race: &Race) -> io::Result<()> {
        let scope = match &race.service {
            Some(service) => format!("service {}", p(service)),
            None => "global".to_string(),
        };
        writeln!(
            out,
            "{}: data race on `{}` ({scope})",
            self.heading(head),
            self.paint(EMPHASIS, &p(&race.variable)),
        )?;
        let places = if race.locations[0] == race.locations[1] {
            format!("{} (with itself)", p(&race.locations[0]))
        } else {
            format!("{} and {}", p(&race.locations[0]), p(&race.locations[1]))
        };
        let plural = if race.racy_events == 1 { "" } else { "s" };
        writeln!(
            out,
            "  --> {places}: {} racy event{plural}",
            race.racy_events
        )?;
        for access in &race.accesses {
            self.access(out, access)?;
        }
        self.help(out, head)?;
        writeln!(out)
    }

    fn access(&self, out: &mut dyn Write, access: &Access) -> io::Result<()> {
        let function = access
            .function
            .as_deref()
            .map(|f| format!(" in {}", p(f)))
            .unwrap_or_default();
        writeln!(
            out,
            "   {:<12} {}{function}  [thread {}/{}, event {}]",
            access.access,
            self.paint(EMPHASIS, &p(&access.location)),
            p(&access.service),
            p(&access.thread),
            p(&access.event_id)
        )?;
        if let Some(value) = &access.value {
            writeln!(out, "   {:<12} value {}", "", p(&compact(value)))?;
        }
        self.chain(out, "chain", &access.steps)
    }

    /// The finding's `help:` line, after a note if it may depend on bad
    /// input lines.
    fn help(&self, out: &mut dyn Write, head: &Head) -> io::Result<()> {
        if let Some(note) = head.bad_lines_note() {
            writeln!(out, "  {} {}", self.paint(HELP, "note:"), p(&note))?;
        }
        writeln!(out, "  {} {}", self.paint(HELP, "help:"), head.help)
    }

    /// The chain one frame a line, each with where it is in the code.
    fn chain(&self, out: &mut dyn Write, title: &str, steps: &[Step]) -> io::Result<()> {
        if steps.len() <= 1 {
            return Ok(());
        }
        for (i, line) in chain::shown(steps).iter().enumerate() {
            let lead = if i == 0 {
                format!("{:<12}", self.paint(DIM, title))
            } else {
                format!("{:<12}", "")
            };
            let arrow = if i == 0 { "" } else { "-> " };
            match line {
                Shown::Frame(label, None) => writeln!(out, "   {lead} {arrow}{}", p(label))?,
                Shown::Frame(label, Some(location)) => writeln!(
                    out,
                    "   {lead} {arrow}{}  {}",
                    p(label),
                    self.paint(DIM, &p(location))
                )?,
                Shown::Elided(n) => writeln!(out, "   {lead} {arrow}... {n} more ...")?,
            }
        }
        Ok(())
    }

    fn error(&self, out: &mut dyn Write, head: &Head, error: &ErrorReport) -> io::Result<()> {
        let title = match &error.error_type {
            Some(t) if *t != error.message => format!("{}: {}", p(t), p(&error.message)),
            _ => p(&error.message).into_owned(),
        };
        writeln!(
            out,
            "{}: {}",
            self.heading(head),
            self.paint(EMPHASIS, &title)
        )?;
        writeln!(
            out,
            "  --> {}  [thread {}/{}, event {}, trace {}]",
            p(&error.location),
            p(&error.service),
            p(&error.thread),
            p(&error.event_id),
            p(&error.trace_id)
        )?;
        self.chain(out, "chain", &error.steps)?;
        if let Some(catcher) = &error.caught_in {
            writeln!(
                out,
                "   {:<12} {}",
                self.paint(DIM, "caught in"),
                p(catcher)
            )?;
        }
        for read in &error.racy_reads {
            writeln!(
                out,
                "   {:<12} {} (read at {}; the write was by {})",
                self.paint(WARNING, "cause"),
                p(&read.explanation),
                p(&read.read_location),
                p(&read.write_thread)
            )?;
        }
        self.help(out, head)?;
        writeln!(out)
    }

    fn anomaly(&self, out: &mut dyn Write, head: &Head, anomaly: &Anomaly) -> io::Result<()> {
        writeln!(
            out,
            "{}: {}",
            self.heading(head),
            self.paint(EMPHASIS, &p(&anomaly.description))
        )?;
        writeln!(
            out,
            "  --> {}  [thread {}/{}, event {}, trace {}]",
            p(&anomaly.location),
            p(&anomaly.service),
            p(&anomaly.thread),
            p(&anomaly.event_id),
            p(&anomaly.trace_id)
        )?;
        let others = anomaly.affected_events.len().saturating_sub(1);
        writeln!(
            out,
            "   {:<12} {} · score {:.2} · confidence {:.2}{}",
            self.paint(DIM, "type"),
            p(&anomaly.anomaly_type),
            anomaly.score,
            anomaly.confidence,
            match others {
                0 => String::new(),
                n => format!(
                    " · {n} more event{} involved",
                    if n == 1 { "" } else { "s" }
                ),
            }
        )?;
        self.help(out, head)?;
        writeln!(out)
    }

    fn diagnostics(&self, out: &mut dyn Write, diagnostics: &[DiagnosticEntry]) -> io::Result<()> {
        for d in diagnostics.iter().take(MAX_LISTED_DIAGNOSTICS) {
            let style = if d.severity == "error" {
                ERROR
            } else {
                WARNING
            };
            writeln!(
                out,
                "{}: {}:{}: {}",
                self.paint(style, &d.severity),
                p(&d.file),
                d.line,
                p(&d.message)
            )?;
        }
        if diagnostics.len() > MAX_LISTED_DIAGNOSTICS {
            writeln!(
                out,
                "... and {} more input problems (--format json lists them all)",
                diagnostics.len() - MAX_LISTED_DIAGNOSTICS
            )?;
        }
        if !diagnostics.is_empty() {
            writeln!(out)?;
        }
        Ok(())
    }
}

impl Render for TextRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for finding in report.shown() {
            self.finding(out, &finding)?;
        }
        self.diagnostics(out, &report.diagnostics)?;
        if let Some(baseline) = &report.baseline {
            writeln!(
                out,
                "{}: {} new, {} unchanged, {} no longer found (baseline {})",
                self.paint(EMPHASIS, "baseline"),
                baseline.new,
                baseline.unchanged,
                baseline.absent.len(),
                p(&baseline.file)
            )?;
            for entry in &baseline.absent {
                writeln!(
                    out,
                    "   {:<12} {} [{}]",
                    self.paint(GOOD, "gone"),
                    p(&entry.title),
                    p(&entry.fingerprint)
                )?;
            }
            if !baseline.absent.is_empty() {
                writeln!(
                    out,
                    "  {} update the baseline with --write-baseline to stop tracking what is gone",
                    self.paint(HELP, "help:")
                )?;
            }
            writeln!(out)?;
        }
        let s = &report.summary;
        let verdict = if s.races == 0 {
            self.paint(GOOD, "no data races")
        } else {
            self.paint(
                ERROR,
                &format!(
                    "{} race group{}{}",
                    s.races,
                    if s.races == 1 { "" } else { "s" },
                    sites_clause(s)
                ),
            )
        };
        writeln!(
            out,
            "{}: {verdict} ({} racy event{}) · {} error{} · {} anomal{} · {} events in {} trace{} · {} bad line{} · {} clocks",
            self.paint(EMPHASIS, "summary"),
            s.racy_events,
            if s.racy_events == 1 { "" } else { "s" },
            s.errors,
            if s.errors == 1 { "" } else { "s" },
            s.anomalies,
            if s.anomalies == 1 { "y" } else { "ies" },
            s.events,
            s.traces,
            if s.traces == 1 { "" } else { "s" },
            s.bad_lines,
            if s.bad_lines == 1 { "" } else { "s" },
            s.clocks
        )?;
        if s.ignored > 0 {
            writeln!(
                out,
                "{} finding{} left out by causeway.toml",
                s.ignored,
                if s.ignored == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// A JSON value on one line, shortened if long.
fn compact(value: &serde_json::Value) -> String {
    const LIMIT: usize = 80;
    let text = value.to_string();
    if text.chars().count() <= LIMIT {
        text
    } else {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}…")
    }
}

/// ` at 3 sites`, when the race groups are at fewer pairs of code
/// locations than there are groups (one variable per key, say).
pub(super) fn sites_clause(s: &super::Summary) -> String {
    if s.race_sites == s.races {
        String::new()
    } else {
        format!(
            " at {} site{}",
            s.race_sites,
            if s.race_sites == 1 { "" } else { "s" }
        )
    }
}
