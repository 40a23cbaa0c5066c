//! SARIF 2.1.0 (OASIS), the format of GitHub code scanning: one rule per
//! finding code, one result per finding with its source location, the
//! other access of a race as a related location, the causal chains as code
//! flows (one thread flow per access), and a `partialFingerprints` entry
//! that survives unrelated code moves. Input problems become tool
//! notifications.
//!
//! GitHub rejects a whole file when one result lacks a physical location,
//! so a finding recorded without `file:line` points at its line in the
//! trace file instead. Results in a baseline carry `baselineState`; entries
//! gone from the baseline are not results (GitHub would open alerts for
//! them).

use super::{
    Access, Anomaly, BaselineState, Body, Code, CodeInfo, ErrorReport, FailOn, Finding, Head,
    InputLine, Level, Race, Render, Report, Step, split_location,
};
use serde::Serialize;
use std::io::{self, Write};

const SCHEMA: &str = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";

pub struct SarifRenderer;

impl Render for SarifRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [run(report)],
        };
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)
    }
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 2],
    precision: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: Level,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

fn text(text: impl Into<String>) -> Text {
    Text { text: text.into() }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: [Location; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: Level,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<BaselineState>,
    properties: serde_json::Value,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "causeway/v1")]
    causeway: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u32>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    /// `%SRCROOT%` for a relative URI: the project root, which code
    /// scanning takes to be the repository's.
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow {
    message: Text,
    thread_flows: Vec<ThreadFlow>,
}

#[derive(Serialize)]
struct ThreadFlow {
    id: String,
    message: Text,
    locations: Vec<ThreadFlowLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThreadFlowLocation {
    location: Location,
    /// Depth in the chain (root 0). No `executionOrder`: the two accesses
    /// of a race have none between them, which is the point.
    nesting_level: usize,
}

fn run(report: &Report) -> Run {
    let infos = rule_infos(report);
    let rules = infos
        .iter()
        .map(|info| Rule {
            id: info.code,
            name: info.name,
            short_description: text(info.title),
            full_description: text(info.description),
            help: text(format!("{}\n\nhelp: {}", info.description, info.help)),
            default_configuration: Configuration {
                level: info.default_level,
            },
            properties: RuleProperties {
                tags: if info.rank == FailOn::Anomaly {
                    ["performance", "reliability"]
                } else {
                    ["concurrency", "correctness"]
                },
                // Outliers are statistical; rules and races are exact.
                precision: match info.code {
                    "data-race" => "very-high",
                    "outlier-call" | "outlier-trace" | "latency-drift" | "thread-stall" => "medium",
                    _ => "high",
                },
            },
        })
        .collect();
    let notifications = report
        .diagnostics
        .iter()
        .map(|d| Notification {
            level: if d.severity == "error" {
                "error"
            } else {
                "warning"
            },
            message: text(format!("{}:{}: {}", d.file, d.line, d.message)),
            locations: [input_location(&d.file, u64::from(d.line), None)],
        })
        .collect();
    let results = report
        .shown()
        .iter()
        .map(|finding| result(finding, &infos))
        .collect();
    Run {
        tool: Tool {
            driver: Driver {
                name: "causeway",
                version: env!("CARGO_PKG_VERSION"),
                semantic_version: env!("CARGO_PKG_VERSION"),
                rules,
            },
        },
        invocations: [Invocation {
            execution_successful: true,
            tool_execution_notifications: notifications,
        }],
        results,
    }
}

fn result(finding: &Finding, rules: &[&CodeInfo]) -> SarifResult {
    let head = &finding.head;
    let code = head.code.as_str();
    let rule_index = rules
        .iter()
        .position(|c| c.code == code)
        .expect("every finding's code is among the rules");
    let (message, primary, related, flows, properties) = match &finding.body {
        Body::Race(race) => race_parts(head, race),
        Body::Error(error) => error_parts(head, error),
        Body::Anomaly(anomaly) => anomaly_parts(head, anomaly),
    };
    SarifResult {
        rule_id: code,
        rule_index,
        level: head.severity,
        message: text(message),
        locations: [primary],
        related_locations: related,
        code_flows: flows,
        partial_fingerprints: Fingerprints {
            causeway: head.fingerprint.clone(),
        },
        baseline_state: head.baseline,
        properties,
    }
}

type Parts = (
    String,
    Location,
    Vec<Location>,
    Vec<CodeFlow>,
    serde_json::Value,
);

/// The help that ends a result's message, after the note of the bad lines
/// the finding may depend on.
fn advice(head: &Head) -> String {
    match head.bad_lines_note() {
        Some(note) => format!("Note: {note}. {}", head.help),
        None => head.help.clone(),
    }
}

fn race_parts(head: &Head, race: &Race) -> Parts {
    let [first, second] = &race.accesses;
    let scope = match &race.service {
        Some(service) => format!("service {service}"),
        None => "global".to_string(),
    };
    let message = format!(
        "Data race on `{}` ({scope}): {} and {} are not ordered by happens-before ({} racy event{}). {}",
        race.variable,
        describe(first),
        describe(second),
        race.racy_events,
        if race.racy_events == 1 { "" } else { "s" },
        advice(head)
    );
    let mut related = access_location(second, None);
    related.id = Some(1);
    related.message = Some(text(format!("the racing {}", describe(second))));
    let flow = CodeFlow {
        message: text(format!(
            "how each access of `{}` was reached",
            race.variable
        )),
        thread_flows: vec![thread_flow(first), thread_flow(second)],
    };
    let properties = serde_json::json!({
        "service": race.service,
        "variable": race.variable,
        "racyEvents": race.racy_events,
        "events": [race.example.first, race.example.second],
    });
    (
        message,
        access_location(first, None),
        vec![related],
        vec![flow],
        properties,
    )
}

fn describe(access: &Access) -> String {
    let function = access
        .function
        .as_deref()
        .map(|f| format!(" in {f}"))
        .unwrap_or_default();
    format!(
        "the {} at {}{function} (thread {}/{})",
        access.access, access.location, access.service, access.thread
    )
}

fn error_parts(head: &Head, error: &ErrorReport) -> Parts {
    let what = match &error.error_type {
        Some(t) if *t != error.message => format!("{t}: {}", error.message),
        _ => error.message.clone(),
    };
    let mut message = if matches!(head.code, Code::RaisedException | Code::CaughtException) {
        format!("Raised {what}")
    } else {
        format!("Error {what}")
    };
    for read in &error.racy_reads {
        message.push_str(&format!(". {}", read.explanation));
    }
    message.push_str(&format!(". {}", advice(head)));
    // A racing write without a source position is named in the message.
    let related = error
        .racy_reads
        .iter()
        .filter_map(|read| {
            let (file, line) = split_location(&read.write_location)?;
            let mut location = physical(file, line);
            location.message = Some(text(format!(
                "the racing write of `{}` (thread {})",
                read.variable, read.write_thread
            )));
            Some(location)
        })
        .enumerate()
        .map(|(i, mut location)| {
            location.id = Some(i as u32 + 1);
            location
        })
        .collect();
    let primary = source_or_input(&error.location, error.function.as_deref(), &error.input);
    let flows = if error.steps.len() > 1 {
        vec![CodeFlow {
            message: text("the causal chain from the root to the error"),
            thread_flows: vec![ThreadFlow {
                id: format!("{}/{}", error.service, error.thread),
                message: text(format!("trace {}", error.trace_id)),
                locations: flow_locations(&error.steps, &error.location, &error.input),
            }],
        }]
    } else {
        Vec::new()
    };
    let properties = serde_json::json!({
        "service": error.service,
        "event": error.event_id,
        "trace": error.trace_id,
    });
    (message, primary, related, flows, properties)
}

/// The built-in codes, then those of custom detectors found in the report.
fn rule_infos(report: &Report) -> Vec<&'static CodeInfo> {
    let mut infos: Vec<&'static CodeInfo> = Code::BUILTIN.map(Code::info).to_vec();
    for finding in &report.findings {
        let info = finding.head.code.info();
        if !infos.iter().any(|known| known.code == info.code) {
            infos.push(info);
        }
    }
    infos
}

fn anomaly_parts(head: &Head, anomaly: &Anomaly) -> Parts {
    let message = format!(
        "{} (score {:.2}, confidence {:.2}). {}",
        anomaly.description,
        anomaly.score,
        anomaly.confidence,
        advice(head)
    );
    let primary = source_or_input(
        &anomaly.location,
        anomaly.function.as_deref(),
        &anomaly.input,
    );
    let properties = serde_json::json!({
        "anomalyType": anomaly.anomaly_type,
        "score": anomaly.score,
        "confidence": anomaly.confidence,
        "event": anomaly.event_id,
        "trace": anomaly.trace_id,
        "affectedEvents": anomaly.affected_events,
    });
    (message, primary, Vec::new(), Vec::new(), properties)
}

fn thread_flow(access: &Access) -> ThreadFlow {
    ThreadFlow {
        id: format!("{}/{}", access.service, access.thread),
        message: text(format!("{} of the access", access.access)),
        locations: flow_locations(&access.steps, &access.location, &access.input),
    }
}

/// The chain's steps that have a source location, then the last event
/// (the access or the error), which falls back to its line in the input.
fn flow_locations(steps: &[Step], last: &str, input: &InputLine) -> Vec<ThreadFlowLocation> {
    let mut locations: Vec<ThreadFlowLocation> = Vec::new();
    let Some((end, before)) = steps.split_last() else {
        return locations;
    };
    for (depth, step) in before.iter().enumerate() {
        if let Some((file, line)) = split_location(&step.location) {
            let mut location = physical(file, line);
            location.message = Some(text(&step.label));
            locations.push(ThreadFlowLocation {
                location,
                nesting_level: depth,
            });
        }
    }
    let mut location = source_or_input(last, None, input);
    location.message = Some(text(&end.label));
    locations.push(ThreadFlowLocation {
        location,
        nesting_level: before.len(),
    });
    locations
}

fn access_location(access: &Access, id: Option<u32>) -> Location {
    let mut location = source_or_input(&access.location, access.function.as_deref(), &access.input);
    location.id = id;
    location
}

/// The source position of a location string, else the event's line in the
/// input; a function (given, or the location itself when it names one) as
/// the logical location.
fn source_or_input(location: &str, function: Option<&str>, input: &InputLine) -> Location {
    let mut result = match split_location(location) {
        Some((file, line)) => physical(file, line),
        None => input_location(&input.file, u64::from(input.line), None),
    };
    let named = split_location(location).is_none() && location != crate::model::UNKNOWN_LOCATION;
    let logical = function.or_else(|| named.then_some(location));
    if let Some(name) = logical {
        result.logical_locations.push(LogicalLocation {
            fully_qualified_name: name.to_string(),
            kind: "function",
        });
    }
    result
}

fn input_location(file: &str, line: u64, message: Option<Text>) -> Location {
    let mut location = physical(file, line.max(1));
    location.message = message;
    location
}

fn physical(file: &str, line: u64) -> Location {
    Location {
        id: None,
        physical_location: PhysicalLocation {
            artifact_location: {
                let uri = artifact_uri(file);
                let uri_base_id = (!uri.starts_with("file:")).then_some("%SRCROOT%");
                ArtifactLocation { uri, uri_base_id }
            },
            region: Region { start_line: line },
        },
        logical_locations: Vec::new(),
        message: None,
    }
}

/// A path as a URI reference: relative paths stay relative (GitHub resolves
/// them from the repository root), with `\` as `/`; absolute ones become
/// `file://` URIs. Everything but unreserved characters and `/` is
/// percent-encoded, so spaces, `#`, `?` and `:` cannot change its meaning.
pub(super) fn artifact_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let (prefix, rest) = if path.starts_with('/') {
        ("file://".to_string(), path.as_str())
    } else if bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/'
    {
        (format!("file:///{}:", &path[..1]), &path[2..])
    } else {
        (String::new(), path.strip_prefix("./").unwrap_or(&path))
    };
    let mut uri = prefix;
    for &b in rest.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(artifact_uri("bank/accounts.py"), "bank/accounts.py");
        assert_eq!(artifact_uri("./src/a b.py"), "src/a%20b.py");
        assert_eq!(artifact_uri("/home/ci/x#1.py"), "file:///home/ci/x%231.py");
        assert_eq!(artifact_uri("C:\\src\\a.rs"), "file:///C:/src/a.rs");
        assert_eq!(artifact_uri("a:b?.py"), "a%3Ab%3F.py");
        assert_eq!(artifact_uri("é.py"), "%C3%A9.py");
    }
}
