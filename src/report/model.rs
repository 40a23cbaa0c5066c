//! The one report model: built once from the analysis, rendered by every
//! format. Its JSON form is the contract of `report-json.md`; keys are only
//! ever added.

use crate::analysis::Analysis;
use crate::analysis::race::RaceGroup;
use crate::analysis::root_cause::ErrorChain;
use crate::model::{Diagnostic, EventIdx, EventKind, Recording};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// Version of the JSON report's keys.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    /// The input files, as given.
    pub inputs: Vec<String>,
    pub summary: Summary,
    pub races: Vec<Race>,
    pub anomalies: Vec<Anomaly>,
    pub errors: Vec<ErrorReport>,
    pub diagnostics: Vec<DiagnosticEntry>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub events: u64,
    pub traces: u64,
    pub bad_lines: u64,
    pub races: u64,
    pub racy_events: u64,
    pub anomalies: u64,
    pub errors: u64,
    pub warnings: u64,
    /// `derived` (from the events) or `given` (`causality_vector`).
    pub clocks: &'static str,
}

/// One race group.
#[derive(Debug, Serialize)]
pub struct Race {
    pub code: &'static str,
    pub service: Option<String>,
    pub variable: String,
    pub locations: [String; 2],
    pub racy_events: u64,
    pub example: ExamplePair,
    /// The example's two accesses, earlier first.
    pub accesses: [Access; 2],
    pub help: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ExamplePair {
    pub first: String,
    pub second: String,
}

/// One access of a racing pair.
#[derive(Debug, Serialize)]
pub struct Access {
    pub event_id: String,
    pub trace_id: String,
    /// `read`, `write` or `atomic write`.
    pub access: &'static str,
    pub service: String,
    pub thread: String,
    pub location: String,
    pub function: Option<String>,
    pub timestamp: String,
    pub value: Option<Value>,
    /// Event ids from the root cause down to the access.
    pub chain: Vec<String>,
    pub steps: Vec<Step>,
}

/// One event of a causal chain, described.
#[derive(Debug, Serialize)]
pub struct Step {
    pub event_id: String,
    pub kind: &'static str,
    /// A short description: the function, the variable, the request.
    pub label: String,
    pub service: String,
    pub thread: String,
    pub location: String,
}

/// An outlier (filled by the anomaly detectors).
#[derive(Debug, Serialize)]
pub struct Anomaly {
    pub event_id: String,
    pub anomaly_type: String,
    pub score: f64,
    pub confidence: f64,
    pub description: String,
    pub affected_events: Vec<String>,
}

/// An error event or a function that exited by raising.
#[derive(Debug, Serialize)]
pub struct ErrorReport {
    pub code: &'static str,
    pub event_id: String,
    pub trace_id: String,
    pub kind: &'static str,
    pub error_type: Option<String>,
    pub message: String,
    pub service: String,
    pub thread: String,
    pub location: String,
    pub timestamp: String,
    /// Event ids from the root down to the error.
    pub chain: Vec<String>,
    pub steps: Vec<Step>,
    /// Values in the error's causal past that came from racing writes.
    pub racy_reads: Vec<RacyReadReport>,
    pub help: &'static str,
}

#[derive(Debug, Serialize)]
pub struct RacyReadReport {
    pub service: Option<String>,
    pub variable: String,
    pub read: String,
    pub read_location: String,
    pub write: String,
    pub write_location: String,
    pub write_thread: String,
    /// Event ids from the read to the error.
    pub path: Vec<String>,
    pub explanation: String,
}

#[derive(Debug, Serialize)]
pub struct DiagnosticEntry {
    pub severity: &'static str,
    pub file: String,
    pub line: u32,
    pub message: String,
}

pub const RACE_HELP: &str = "neither access happens before the other: protect both with the same lock, or order them with a message, a spawn or an await; if the variable is meant to be shared without a lock, make the writes atomic";
pub const ERROR_HELP: &str = "follow the chain from its root; where a racing write is named, fix that race first and record again";
pub const RACY_ERROR_HELP: &str = "this error depends on a value written by a racing write: fix the race named above, then record the run again";

/// The metadata of the events a report shows, read again from the input.
struct Details(HashMap<EventIdx, Value>);

impl Details {
    /// Reads the lines of every event the report will show.
    fn fetch(rec: &Recording, analysis: &Analysis) -> Details {
        let mut shown = Vec::new();
        for group in &analysis.races.groups {
            for idx in [group.example.0, group.example.1] {
                shown.extend(rec.parent_chain(idx));
            }
        }
        for error in &analysis.errors {
            shown.extend(&error.chain);
            for read in &error.racy_reads {
                shown.extend(&read.path);
                shown.push(read.write);
            }
        }
        let metadata = rec
            .raw_lines(&shown)
            .into_iter()
            .filter_map(|(idx, line)| {
                let mut event: Value = serde_json::from_slice(&line).ok()?;
                Some((idx, event.get_mut("metadata")?.take()))
            })
            .collect();
        Details(metadata)
    }

    fn metadata(&self, idx: EventIdx) -> Option<&Value> {
        self.0.get(&idx)
    }

    fn text(&self, idx: EventIdx, key: &str) -> Option<String> {
        self.metadata(idx)?.get(key)?.as_str().map(str::to_string)
    }
}

impl Report {
    /// Builds the report of a recording and its analysis.
    pub fn build(rec: &Recording, analysis: &Analysis) -> Report {
        let details = Details::fetch(rec, analysis);
        let races: Vec<Race> = analysis
            .races
            .groups
            .iter()
            .map(|g| race_report(rec, &details, g))
            .collect();
        let errors: Vec<ErrorReport> = analysis
            .errors
            .iter()
            .map(|e| error_report(rec, &details, e))
            .collect();
        let mut diagnostics: Vec<&Diagnostic> = rec
            .diagnostics
            .iter()
            .chain(&analysis.diagnostics)
            .collect();
        diagnostics.sort_by_key(|d| (d.file, d.line, std::cmp::Reverse(d.severity)));
        let diagnostics: Vec<DiagnosticEntry> = diagnostics
            .into_iter()
            .map(|d| DiagnosticEntry {
                severity: d.severity.as_str(),
                file: rec.files[d.file as usize].path.clone(),
                line: d.line,
                message: d.message.clone(),
            })
            .collect();
        let warnings = diagnostics
            .iter()
            .filter(|d| d.severity == "warning")
            .count() as u64;
        Report {
            version: REPORT_VERSION,
            inputs: rec.files.iter().map(|f| f.path.clone()).collect(),
            summary: Summary {
                events: rec.events.len() as u64,
                traces: rec.trace_count as u64,
                bad_lines: rec.bad_lines,
                races: races.len() as u64,
                racy_events: analysis.races.racy_events,
                anomalies: 0,
                errors: errors.len() as u64,
                warnings,
                clocks: if analysis.used_given_clocks {
                    "given"
                } else {
                    "derived"
                },
            },
            races,
            anomalies: Vec::new(),
            errors,
            diagnostics,
        }
    }
}

fn race_report(rec: &Recording, details: &Details, group: &RaceGroup) -> Race {
    let (first, second) = group.example;
    Race {
        code: "data-race",
        service: group.variable.service.map(|s| rec.str(s).to_string()),
        variable: rec.str(group.variable.name).to_string(),
        locations: group.locations.map(|l| rec.str(l).to_string()),
        racy_events: group.racy_events,
        example: ExamplePair {
            first: rec.id_str(first).to_string(),
            second: rec.id_str(second).to_string(),
        },
        accesses: [access(rec, details, first), access(rec, details, second)],
        help: RACE_HELP,
    }
}

fn access(rec: &Recording, details: &Details, idx: EventIdx) -> Access {
    let event = rec.event(idx);
    let line = rec.exec_line(idx);
    let chain = rec.parent_chain(idx);
    Access {
        event_id: rec.id_str(idx).to_string(),
        trace_id: rec.str(event.trace).to_string(),
        access: event.access_class().map_or("access", |c| c.as_str()),
        service: rec.str(line.service).to_string(),
        thread: rec.str(line.thread).to_string(),
        location: rec.location(idx).to_string(),
        function: event.function.map(|f| rec.str(f).to_string()),
        timestamp: timestamp(event.timestamp_ns),
        value: details.metadata(idx).and_then(|m| m.get("value").cloned()),
        chain: ids(rec, &chain),
        steps: steps(rec, details, &chain),
    }
}

fn error_report(rec: &Recording, details: &Details, explained: &ErrorChain) -> ErrorReport {
    let idx = explained.error;
    let event = rec.event(idx);
    let line = rec.exec_line(idx);
    let (error_type, message) = error_text(event.kind, details.metadata(idx));
    let racy_reads: Vec<RacyReadReport> = explained
        .racy_reads
        .iter()
        .map(|r| {
            let variable = rec.str(r.variable.name).to_string();
            let write_location = rec.location(r.write).to_string();
            let write_line = rec.exec_line(r.write);
            RacyReadReport {
                service: r.variable.service.map(|s| rec.str(s).to_string()),
                explanation: format!(
                    "this error read `{variable}`, last written by a racing write at {write_location}"
                ),
                variable,
                read: rec.id_str(r.read).to_string(),
                read_location: rec.location(r.read).to_string(),
                write: rec.id_str(r.write).to_string(),
                write_location,
                write_thread: format!("{}/{}", rec.str(write_line.service), rec.str(write_line.thread)),
                path: ids(rec, &r.path),
            }
        })
        .collect();
    ErrorReport {
        code: if event.kind == EventKind::Error {
            "error"
        } else {
            "exception"
        },
        event_id: rec.id_str(idx).to_string(),
        trace_id: rec.str(event.trace).to_string(),
        kind: event.kind.as_str(),
        error_type,
        message,
        service: rec.str(line.service).to_string(),
        thread: rec.str(line.thread).to_string(),
        location: rec.location(idx).to_string(),
        timestamp: timestamp(event.timestamp_ns),
        chain: ids(rec, &explained.chain),
        steps: steps(rec, details, &explained.chain),
        help: if racy_reads.is_empty() {
            ERROR_HELP
        } else {
            RACY_ERROR_HELP
        },
        racy_reads,
    }
}

/// The type and message of an error event or of a function exit's exception.
fn error_text(kind: EventKind, meta: Option<&Value>) -> (Option<String>, String) {
    let source = match kind {
        EventKind::FunctionExit => meta.and_then(|m| m.get("exception")),
        _ => meta,
    };
    let text = |key: &str| {
        source
            .and_then(|s| s.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let error_type = text("error_type").or_else(|| text("type"));
    let message = text("message").unwrap_or_else(|| match (&error_type, source) {
        (Some(t), _) => t.clone(),
        (None, Some(Value::String(s))) => s.clone(),
        _ => "(no message recorded)".to_string(),
    });
    (error_type, message)
}

fn ids(rec: &Recording, chain: &[EventIdx]) -> Vec<String> {
    chain.iter().map(|&i| rec.id_str(i).to_string()).collect()
}

fn steps(rec: &Recording, details: &Details, chain: &[EventIdx]) -> Vec<Step> {
    chain
        .iter()
        .map(|&idx| {
            let event = rec.event(idx);
            let line = rec.exec_line(idx);
            Step {
                event_id: rec.id_str(idx).to_string(),
                kind: event.kind.as_str(),
                label: label(rec, details, idx),
                service: rec.str(line.service).to_string(),
                thread: rec.str(line.thread).to_string(),
                location: rec.location(idx).to_string(),
            }
        })
        .collect()
}

/// A few words that say what an event did.
fn label(rec: &Recording, details: &Details, idx: EventIdx) -> String {
    let event = rec.event(idx);
    let subject = event.subject.map(|s| rec.str(s));
    let function = event.function.map(|f| rec.str(f));
    let text = |key: &str| details.text(idx, key);
    match (event.kind, subject, function) {
        (EventKind::StateRead, Some(v), _) => format!("read {v}"),
        (EventKind::StateWrite, Some(v), _) => format!("write {v}"),
        (EventKind::LockAcquire, Some(l), _) => format!("acquire {l}"),
        (EventKind::LockRelease, Some(l), _) => format!("release {l}"),
        (EventKind::AsyncSpawn, Some(t), _) => format!("spawn {t}"),
        (EventKind::AsyncAwait, Some(t), _) => format!("await {t}"),
        (EventKind::MessageSend, Some(m), _) => format!("send {m}"),
        (EventKind::MessageReceive, Some(m), _) => format!("receive {m}"),
        (EventKind::HttpRequest, _, _) => match (text("method"), text("url")) {
            (Some(m), Some(u)) => format!("{m} {u}"),
            (_, Some(u)) => u,
            _ => "http request".to_string(),
        },
        (EventKind::DbQuery, _, _) => text("statement").unwrap_or_else(|| "db query".to_string()),
        (EventKind::Error, _, _) => text("error_type").unwrap_or_else(|| "error".to_string()),
        (EventKind::FunctionExit, _, Some(f)) => format!("return from {f}"),
        (_, _, Some(f)) => f.to_string(),
        (kind, _, None) => kind.as_str().replace('_', " "),
    }
}

/// RFC 3339 in UTC with as many fractional digits as needed.
fn timestamp(ns: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(ns).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
