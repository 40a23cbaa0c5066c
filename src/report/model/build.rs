//! Building the report from a recording and its analysis: each finding's
//! body from the events, its head from the code, then fingerprints, and
//! the failing policy at its default until the caller settles it.

use super::fingerprint::fingerprint_all;
use super::{
    Access, Anomaly, BadLinesBefore, Body, DiagnosticEntry, ErrorReport, ExamplePair, Finding,
    InputLine, MAX_BAD_LINES_NAMED, REPORT_VERSION, Race, RacyReadReport, Report, Step, Summary,
};
use crate::analysis::Analysis;
use crate::analysis::anomaly::Found;
use crate::analysis::codes::{
    Code, FailOn, RACE_FREE_ERROR_HELP, RACE_HELP, RACY_ERROR_HELP, STATELESS_ERROR_HELP,
};
use crate::analysis::race::RaceGroup;
use crate::analysis::root_cause::ErrorChain;
use crate::ingest::metadata::read_metadata;
use crate::model::{Diagnostic, EventIdx, EventKind, Recording, Severity};
use serde_json::Value;
use std::collections::HashMap;

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
        Details(read_metadata(rec, &shown))
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
        let races = analysis.races.groups.iter().map(|g| {
            let body = Body::Race(Box::new(race_report(rec, &details, g)));
            Finding::new(
                Code::DataRace,
                Code::DataRace.info().default_level,
                RACE_HELP.to_string(),
                body,
            )
        });
        // The help of an error says what was checked: advice about racing
        // writes means nothing in a recording with no shared state.
        let has_state =
            !analysis.errors.is_empty() && rec.events.iter().any(|e| e.access_class().is_some());
        let errors = analysis.errors.iter().map(|e| {
            let (code, body) = error_report(rec, &details, e);
            let help = match (code, body.racy_reads.is_empty()) {
                (Code::CaughtException, true) => code.info().help,
                (_, false) => RACY_ERROR_HELP,
                _ if has_state => RACE_FREE_ERROR_HELP,
                _ => STATELESS_ERROR_HELP,
            };
            Finding::new(
                code,
                code.info().default_level,
                help.to_string(),
                Body::Error(body),
            )
        });
        let anomalies = analysis.anomalies.iter().map(|found| {
            let info = found.code.info();
            Finding::new(
                found.code,
                info.default_level,
                info.help.to_string(),
                Body::Anomaly(anomaly_report(rec, found)),
            )
        });
        let mut findings: Vec<Finding> = races.chain(errors).chain(anomalies).collect();
        fingerprint_all(&mut findings);
        mark_bad_lines_before(rec, &mut findings);
        let mut diagnostics: Vec<&Diagnostic> = rec
            .diagnostics
            .iter()
            .chain(&analysis.diagnostics)
            .collect();
        diagnostics.sort_by_key(|d| (d.file, d.line, std::cmp::Reverse(d.severity)));
        let diagnostics: Vec<DiagnosticEntry> = diagnostics
            .into_iter()
            .map(|d| DiagnosticEntry {
                severity: d.severity.as_str().to_string(),
                file: rec.files[d.file as usize].path.clone(),
                line: d.line,
                message: d.message.clone(),
            })
            .collect();
        let warnings = diagnostics
            .iter()
            .filter(|d| d.severity == "warning")
            .count() as u64;
        let mut report = Report {
            version: REPORT_VERSION,
            inputs: rec.files.iter().map(|f| f.path.clone()).collect(),
            summary: Summary {
                events: rec.events.len() as u64,
                traces: rec.trace_count as u64,
                bad_lines: rec.bad_lines,
                races: analysis.races.groups.len() as u64,
                race_sites: 0,
                racy_events: analysis.races.racy_events,
                anomalies: analysis.anomalies.len() as u64,
                errors: analysis.errors.len() as u64,
                warnings,
                clocks: if analysis.used_given_clocks {
                    "given"
                } else {
                    "derived"
                }
                .to_string(),
                failing: 0,
                ignored: 0,
            },
            findings,
            sites: Vec::new(),
            third_party: Vec::new(),
            diagnostics,
            baseline: None,
        };
        report.regroup_sites();
        report.settle(FailOn::Race);
        report
    }
}

fn race_report(rec: &Recording, details: &Details, group: &RaceGroup) -> Race {
    let (first, second) = group.example;
    Race {
        service: group.variable.service.map(|s| rec.str(s).to_string()),
        variable: rec.str(group.variable.name).to_string(),
        locations: group.locations.map(|l| rec.str(l).to_string()),
        racy_events: group.racy_events,
        example: ExamplePair {
            first: rec.id_str(first).to_string(),
            second: rec.id_str(second).to_string(),
        },
        accesses: [access(rec, details, first), access(rec, details, second)],
    }
}

fn access(rec: &Recording, details: &Details, idx: EventIdx) -> Access {
    let event = rec.event(idx);
    let line = rec.exec_line(idx);
    let chain = rec.parent_chain(idx);
    Access {
        event_id: rec.id_str(idx).to_string(),
        trace_id: rec.str(event.trace).to_string(),
        access: event
            .access_class()
            .map_or("access", |c| c.as_str())
            .to_string(),
        service: rec.str(line.service).to_string(),
        thread: rec.str(line.thread).to_string(),
        location: rec.location(idx).to_string(),
        function: event.function.map(|f| rec.str(f).to_string()),
        timestamp: timestamp(event.timestamp_ns),
        input: input_line(rec, idx),
        value: details.metadata(idx).and_then(|m| m.get("value").cloned()),
        chain: ids(rec, &chain),
        steps: steps(rec, details, &chain),
    }
}

/// An error's body, and its code: a recorded error or a raised exception.
fn error_report(rec: &Recording, details: &Details, explained: &ErrorChain) -> (Code, ErrorReport) {
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
    let function = explained
        .chain
        .iter()
        .rev()
        .find_map(|&i| rec.event(i).function)
        .map(|f| rec.str(f).to_string());
    let code = match (event.kind, explained.caught_in) {
        (EventKind::Error, _) => Code::RecordedError,
        (_, Some(_)) => Code::CaughtException,
        (_, None) => Code::RaisedException,
    };
    let body = ErrorReport {
        event_id: rec.id_str(idx).to_string(),
        trace_id: rec.str(event.trace).to_string(),
        kind: event.kind.as_str().to_string(),
        error_type,
        message,
        service: rec.str(line.service).to_string(),
        thread: rec.str(line.thread).to_string(),
        location: rec.location(idx).to_string(),
        function,
        timestamp: timestamp(event.timestamp_ns),
        input: input_line(rec, idx),
        chain: ids(rec, &explained.chain),
        steps: steps(rec, details, &explained.chain),
        racy_reads,
        caught_in: explained.caught_in.map(|entry| {
            let function = rec.event(entry).function.map_or("", |f| rec.str(f));
            format!("{function} at {}", rec.location(entry))
        }),
    };
    (code, body)
}

fn anomaly_report(rec: &Recording, found: &Found) -> Anomaly {
    let detection = &found.detection;
    let idx = detection.event;
    let event = rec.event(idx);
    let line = rec.exec_line(idx);
    Anomaly {
        event_id: rec.id_str(idx).to_string(),
        anomaly_type: detection.anomaly_type.clone(),
        score: detection.score,
        confidence: detection.confidence,
        description: detection.description.clone(),
        affected_events: ids(rec, &detection.affected),
        trace_id: rec.str(event.trace).to_string(),
        service: rec.str(line.service).to_string(),
        thread: rec.str(line.thread).to_string(),
        location: rec.location(idx).to_string(),
        function: event.function.map(|f| rec.str(f).to_string()),
        timestamp: timestamp(event.timestamp_ns),
        input: input_line(rec, idx),
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

fn input_line(rec: &Recording, idx: EventIdx) -> InputLine {
    let origin = rec.event(idx).origin;
    InputLine {
        file: rec.files[origin.file as usize].path.clone(),
        line: origin.line,
    }
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
                kind: event.kind.as_str().to_string(),
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

/// Names, on each finding, the bad lines skipped before its last event in
/// the same file. Lock order and program order are per file, so a lost
/// line can only have ordered what comes after it there.
fn mark_bad_lines_before(rec: &Recording, findings: &mut [Finding]) {
    let mut skipped: HashMap<&str, Vec<u32>> = HashMap::new();
    for d in &rec.diagnostics {
        if d.severity == Severity::Error {
            skipped
                .entry(rec.files[d.file as usize].path.as_str())
                .or_default()
                .push(d.line);
        }
    }
    if skipped.is_empty() {
        return;
    }
    for lines in skipped.values_mut() {
        lines.sort_unstable();
        lines.dedup();
    }
    for finding in findings {
        let mut before: Vec<InputLine> = Vec::new();
        for input in finding.inputs() {
            let Some(lines) = skipped.get(input.file.as_str()) else {
                continue;
            };
            let earlier = &lines[..lines.partition_point(|&l| l < input.line)];
            before.extend(earlier.iter().map(|&line| InputLine {
                file: input.file.clone(),
                line,
            }));
        }
        before.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        before.dedup();
        if before.is_empty() {
            continue;
        }
        let count = before.len() as u64;
        let nearest = before.split_off(before.len().saturating_sub(MAX_BAD_LINES_NAMED));
        finding.head.bad_lines_before = Some(BadLinesBefore {
            bad_lines: count,
            nearest,
        });
    }
}
