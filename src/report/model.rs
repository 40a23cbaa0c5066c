//! The one report model: built once from the analysis, rendered by every
//! format. Its JSON form is the contract of `report-json.md`; keys are only
//! ever added.

use super::codes::{
    CodeInfo, ERROR_HELP, FailOn, Level, RACE_HELP, RACY_ERROR_HELP, RAISED_EXCEPTION,
    RECORDED_ERROR, code_info,
};
use crate::analysis::Analysis;
use crate::analysis::anomaly::Found;
use crate::analysis::race::RaceGroup;
use crate::analysis::root_cause::ErrorChain;
use crate::model::{Diagnostic, EventIdx, EventKind, Recording};
use serde::{Deserialize, Serialize};
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
    /// The comparison with `--baseline`, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
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
    /// Findings that make the exit code 1.
    pub failing: u64,
    /// Findings left out of the report by ignore rules or severity `off`.
    pub ignored: u64,
}

/// One race group.
#[derive(Debug, Serialize)]
pub struct Race {
    pub code: &'static str,
    pub severity: Level,
    /// Whether this finding makes the exit code 1.
    pub fails: bool,
    /// Stable across recordings and unrelated code moves (see
    /// [`Report::build`]).
    pub fingerprint: String,
    /// `new` or `unchanged`, when compared with a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
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
    /// Where the event is in the input.
    pub input: InputLine,
    pub value: Option<Value>,
    /// Event ids from the root cause down to the access.
    pub chain: Vec<String>,
    pub steps: Vec<Step>,
}

/// A line of an input file.
#[derive(Debug, Serialize)]
pub struct InputLine {
    /// The input file, as given.
    pub file: String,
    /// 1-based line number.
    pub line: u32,
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

/// Something unusual the anomaly detectors found: an outlier, a temporal
/// pattern or a known-issue rule.
#[derive(Debug, Serialize)]
pub struct Anomaly {
    pub code: &'static str,
    pub severity: Level,
    /// Whether this finding makes the exit code 1.
    pub fails: bool,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
    pub event_id: String,
    /// More specific than the code where the detector knows more
    /// (`slow-call`, `high-fan-out`).
    pub anomaly_type: String,
    /// How unusual, in [0, 1]; the list is sorted by it.
    pub score: f64,
    /// How sure the detector is, in [0, 1].
    pub confidence: f64,
    pub description: String,
    /// Every event involved (at most 50), `event_id` first.
    pub affected_events: Vec<String>,
    pub trace_id: String,
    pub service: String,
    pub thread: String,
    pub location: String,
    pub function: Option<String>,
    pub timestamp: String,
    /// Where the event is in the input.
    pub input: InputLine,
    pub help: &'static str,
    /// The code's description (custom detectors bring their own).
    #[serde(skip)]
    pub info: &'static CodeInfo,
}

/// An error event or a function that exited by raising.
#[derive(Debug, Serialize)]
pub struct ErrorReport {
    pub code: &'static str,
    pub severity: Level,
    /// Whether this finding makes the exit code 1.
    pub fails: bool,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
    pub event_id: String,
    pub trace_id: String,
    pub kind: &'static str,
    pub error_type: Option<String>,
    pub message: String,
    pub service: String,
    pub thread: String,
    pub location: String,
    /// The function the error happened in: the event's own, else the
    /// innermost call on its chain.
    pub function: Option<String>,
    pub timestamp: String,
    /// Where the event is in the input.
    pub input: InputLine,
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

/// How a finding compares with the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    /// Not in the baseline: it can fail the build.
    New,
    /// In the baseline: reported, never fails.
    Unchanged,
}

/// The comparison of a report with a baseline file.
#[derive(Debug, Serialize)]
pub struct BaselineSummary {
    /// The baseline file, as given.
    pub file: String,
    pub new: u64,
    pub unchanged: u64,
    /// Baseline entries no finding matched any more: fixed, or no longer
    /// reached by this recording.
    pub absent: Vec<BaselineEntry>,
}

/// One finding as a baseline file records it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub code: String,
    /// What the finding was, for people reading the file.
    pub title: String,
}

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
        let mut races: Vec<Race> = analysis
            .races
            .groups
            .iter()
            .map(|g| race_report(rec, &details, g))
            .collect();
        let mut errors: Vec<ErrorReport> = analysis
            .errors
            .iter()
            .map(|e| error_report(rec, &details, e))
            .collect();
        fingerprint_races(&mut races);
        for error in &mut errors {
            error.fingerprint = error_fingerprint(error);
        }
        let anomalies: Vec<Anomaly> = analysis
            .anomalies
            .iter()
            .map(|found| anomaly_report(rec, found))
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
        let mut report = Report {
            version: REPORT_VERSION,
            inputs: rec.files.iter().map(|f| f.path.clone()).collect(),
            summary: Summary {
                events: rec.events.len() as u64,
                traces: rec.trace_count as u64,
                bad_lines: rec.bad_lines,
                races: races.len() as u64,
                racy_events: analysis.races.racy_events,
                anomalies: anomalies.len() as u64,
                errors: errors.len() as u64,
                warnings,
                clocks: if analysis.used_given_clocks {
                    "given"
                } else {
                    "derived"
                },
                failing: 0,
                ignored: 0,
            },
            races,
            anomalies,
            errors,
            diagnostics,
            baseline: None,
        };
        report.settle(FailOn::Race);
        report
    }

    /// Decides which findings fail the build under `fail_on`: those of a
    /// kind at or above `fail_on`, not accepted by a baseline, and of
    /// severity `error` (or `warning`, under `--fail-on anomaly`, which asks
    /// for anything unusual to fail). Counts them in `summary.failing`.
    pub fn settle(&mut self, fail_on: FailOn) {
        let least = if fail_on == FailOn::Anomaly {
            Level::Warning
        } else {
            Level::Error
        };
        let fails = |rank: FailOn, level: Level, baseline: Option<BaselineState>| {
            level >= least && baseline != Some(BaselineState::Unchanged) && rank >= fail_on
        };
        let rank = |code: &str| code_info(code).map_or(FailOn::Anomaly, |info| info.rank);
        for race in &mut self.races {
            race.fails = fails(rank(race.code), race.severity, race.baseline);
        }
        for error in &mut self.errors {
            error.fails = fails(rank(error.code), error.severity, error.baseline);
        }
        for anomaly in &mut self.anomalies {
            anomaly.fails = fails(anomaly.info.rank, anomaly.severity, anomaly.baseline);
        }
        self.summary.failing = self.findings().filter(|f| f.fails()).count() as u64;
    }

    /// Every finding in report order: races, errors, anomalies.
    pub fn findings(&self) -> impl Iterator<Item = Finding<'_>> {
        self.races
            .iter()
            .map(Finding::Race)
            .chain(self.errors.iter().map(Finding::Error))
            .chain(self.anomalies.iter().map(Finding::Anomaly))
    }

    /// Drops the findings `keep` rejects, keeping the summary's counts in
    /// step; returns how many were dropped (also added to
    /// `summary.ignored`).
    pub fn retain_findings(&mut self, mut keep: impl FnMut(Finding<'_>) -> bool) -> u64 {
        let count = |r: &Report| r.races.len() + r.errors.len() + r.anomalies.len();
        let before = count(self);
        self.races.retain(|r| keep(Finding::Race(r)));
        self.errors.retain(|e| keep(Finding::Error(e)));
        self.anomalies.retain(|a| keep(Finding::Anomaly(a)));
        let dropped = (before - count(self)) as u64;
        self.summary.races = self.races.len() as u64;
        self.summary.errors = self.errors.len() as u64;
        self.summary.anomalies = self.anomalies.len() as u64;
        self.summary.ignored += dropped;
        dropped
    }

    /// Sets the severity of every finding from its code.
    pub fn set_levels(&mut self, level_of: impl Fn(&str) -> Level) {
        for race in &mut self.races {
            race.severity = level_of(race.code);
        }
        for error in &mut self.errors {
            error.severity = level_of(error.code);
        }
        for anomaly in &mut self.anomalies {
            anomaly.severity = level_of(anomaly.code);
        }
    }

    /// Calls `f` on every string of the report that came from the input
    /// (names, locations, ids, messages, values, file names), for
    /// redaction. Codes, help lines and fingerprints are left alone.
    pub fn visit_input_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        self.inputs.iter_mut().for_each(&mut *f);
        for race in &mut self.races {
            race.service.iter_mut().for_each(&mut *f);
            f(&mut race.variable);
            race.locations.iter_mut().for_each(&mut *f);
            f(&mut race.example.first);
            f(&mut race.example.second);
            for access in &mut race.accesses {
                f(&mut access.event_id);
                f(&mut access.trace_id);
                f(&mut access.service);
                f(&mut access.thread);
                f(&mut access.location);
                f(&mut access.input.file);
                access.function.iter_mut().for_each(&mut *f);
                if let Some(value) = &mut access.value {
                    visit_value_strings(value, f);
                }
                access.chain.iter_mut().for_each(&mut *f);
                visit_steps(&mut access.steps, f);
            }
        }
        for anomaly in &mut self.anomalies {
            f(&mut anomaly.event_id);
            f(&mut anomaly.description);
            anomaly.affected_events.iter_mut().for_each(&mut *f);
            f(&mut anomaly.trace_id);
            f(&mut anomaly.service);
            f(&mut anomaly.thread);
            f(&mut anomaly.location);
            f(&mut anomaly.input.file);
            anomaly.function.iter_mut().for_each(&mut *f);
        }
        for error in &mut self.errors {
            f(&mut error.event_id);
            f(&mut error.trace_id);
            error.error_type.iter_mut().for_each(&mut *f);
            f(&mut error.message);
            f(&mut error.service);
            f(&mut error.thread);
            f(&mut error.location);
            f(&mut error.input.file);
            error.function.iter_mut().for_each(&mut *f);
            error.chain.iter_mut().for_each(&mut *f);
            visit_steps(&mut error.steps, f);
            for read in &mut error.racy_reads {
                read.service.iter_mut().for_each(&mut *f);
                f(&mut read.variable);
                f(&mut read.read);
                f(&mut read.read_location);
                f(&mut read.write);
                f(&mut read.write_location);
                f(&mut read.write_thread);
                read.path.iter_mut().for_each(&mut *f);
                f(&mut read.explanation);
            }
        }
        for d in &mut self.diagnostics {
            f(&mut d.file);
            f(&mut d.message);
        }
        if let Some(baseline) = &mut self.baseline {
            f(&mut baseline.file);
            for entry in &mut baseline.absent {
                f(&mut entry.title);
            }
        }
    }
}

fn visit_steps(steps: &mut [Step], f: &mut dyn FnMut(&mut String)) {
    for step in steps {
        f(&mut step.event_id);
        f(&mut step.label);
        f(&mut step.service);
        f(&mut step.thread);
        f(&mut step.location);
    }
}

fn visit_value_strings(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter_mut().for_each(|v| visit_value_strings(v, f)),
        Value::Object(map) => {
            // Keys can carry data too: rebuild the map with visited keys.
            let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            for (mut key, mut v) in entries {
                f(&mut key);
                visit_value_strings(&mut v, f);
                map.insert(key, v);
            }
        }
        _ => {}
    }
}

/// One finding of a report, whatever its kind.
#[derive(Clone, Copy, Debug)]
pub enum Finding<'a> {
    Race(&'a Race),
    Error(&'a ErrorReport),
    Anomaly(&'a Anomaly),
}

impl<'a> Finding<'a> {
    pub fn code(self) -> &'static str {
        match self {
            Finding::Race(r) => r.code,
            Finding::Error(e) => e.code,
            Finding::Anomaly(a) => a.code,
        }
    }

    pub fn level(self) -> Level {
        match self {
            Finding::Race(r) => r.severity,
            Finding::Error(e) => e.severity,
            Finding::Anomaly(a) => a.severity,
        }
    }

    pub fn fails(self) -> bool {
        match self {
            Finding::Race(r) => r.fails,
            Finding::Error(e) => e.fails,
            Finding::Anomaly(a) => a.fails,
        }
    }

    pub fn fingerprint(self) -> &'a str {
        match self {
            Finding::Race(r) => &r.fingerprint,
            Finding::Error(e) => &e.fingerprint,
            Finding::Anomaly(a) => &a.fingerprint,
        }
    }

    pub fn baseline(self) -> Option<BaselineState> {
        match self {
            Finding::Race(r) => r.baseline,
            Finding::Error(e) => e.baseline,
            Finding::Anomaly(a) => a.baseline,
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Finding::Race(r) => r.help,
            Finding::Error(e) => e.help,
            Finding::Anomaly(a) => a.help,
        }
    }

    /// The service of the finding's event (a race's earlier access).
    pub fn service(self) -> &'a str {
        match self {
            Finding::Race(r) => &r.accesses[0].service,
            Finding::Error(e) => &e.service,
            Finding::Anomaly(a) => &a.service,
        }
    }

    /// Where the finding is shown: a race's earlier access, the error.
    pub fn location(self) -> &'a str {
        match self {
            Finding::Race(r) => &r.accesses[0].location,
            Finding::Error(e) => &e.location,
            Finding::Anomaly(a) => &a.location,
        }
    }

    /// The finding in one line, from trace data: not escaped for any format.
    pub fn title(self) -> String {
        match self {
            Finding::Race(r) => {
                let scope = match &r.service {
                    Some(s) => format!("service {s}"),
                    None => "global".to_string(),
                };
                let places = if r.locations[0] == r.locations[1] {
                    format!("{} (with itself)", r.locations[0])
                } else {
                    format!("{} and {}", r.locations[0], r.locations[1])
                };
                format!("data race on `{}` ({scope}) at {places}", r.variable)
            }
            Finding::Error(e) => {
                let what = match &e.error_type {
                    Some(t) if *t != e.message => format!("{t}: {}", e.message),
                    _ => e.message.clone(),
                };
                let verb = if e.code == "exception" {
                    "raised"
                } else {
                    "error"
                };
                format!("{verb} at {}: {what}", e.location)
            }
            Finding::Anomaly(a) => a.description.clone(),
        }
    }

    /// What every format says about the finding's code.
    pub fn info(self) -> &'static CodeInfo {
        match self {
            Finding::Race(r) => code_info(r.code).unwrap_or(&super::codes::DATA_RACE),
            Finding::Error(e) => code_info(e.code).unwrap_or(&RECORDED_ERROR),
            Finding::Anomaly(a) => a.info,
        }
    }

    /// Where the finding's event is in the input: a race's earlier access,
    /// the error, the anomaly's event.
    pub fn input(self) -> &'a InputLine {
        match self {
            Finding::Race(r) => &r.accesses[0].input,
            Finding::Error(e) => &e.input,
            Finding::Anomaly(a) => &a.input,
        }
    }
}

/// A location string split into file and line, when it is `file:line`
/// (line >= 1); functions and `<unknown>` give `None`.
pub fn split_location(location: &str) -> Option<(&str, u64)> {
    let (file, line) = location.rsplit_once(':')?;
    if file.is_empty() || line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let line: u64 = line.parse().ok()?;
    (line >= 1).then_some((file, line))
}

/// The part of a location that survives code moving within a file: the
/// file of `file:line`, or the whole location (a function, `<unknown>`).
fn stable_place(location: &str) -> &str {
    split_location(location).map_or(location, |(file, _)| file)
}

/// 64-bit FNV-1a, written out so that fingerprints never change with a
/// library version.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Race fingerprints: FNV-1a of the code, service, variable and each side's
/// file and function, without line numbers, so moving code within a file
/// keeps them. Groups that share all of that (two line pairs in the same two
/// functions) are told apart by their order of line numbers: the first
/// keeps the plain hash, the n-th gets `:n` hashed in.
fn fingerprint_races(races: &mut [Race]) {
    let keys: Vec<String> = races
        .iter()
        .map(|race| {
            let mut sides: Vec<String> = race
                .accesses
                .iter()
                .map(|a| {
                    format!(
                        "{}\u{1e}{}",
                        stable_place(&a.location),
                        a.function.as_deref().unwrap_or("")
                    )
                })
                .collect();
            sides.sort();
            format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                race.code,
                race.service.as_deref().unwrap_or(""),
                race.variable,
                sides[0],
                sides[1]
            )
        })
        .collect();
    let lines = |race: &Race| {
        let mut lines = race
            .locations
            .clone()
            .map(|l| split_location(&l).map_or(0, |(_, line)| line));
        lines.sort_unstable();
        (lines, race.locations.clone())
    };
    let mut order: Vec<usize> = (0..races.len()).collect();
    order.sort_by(|&a, &b| {
        keys[a]
            .cmp(&keys[b])
            .then_with(|| lines(&races[a]).cmp(&lines(&races[b])))
    });
    let mut ordinal = 0;
    for (n, &i) in order.iter().enumerate() {
        ordinal = if n > 0 && keys[order[n - 1]] == keys[i] {
            ordinal + 1
        } else {
            1
        };
        let key = if ordinal == 1 {
            keys[i].clone()
        } else {
            format!("{}:{ordinal}", keys[i])
        };
        races[i].fingerprint = format!("{:016x}", fnv1a(&key));
    }
}

/// Error fingerprints: FNV-1a of the code, service, error type, the file (not
/// the line) and function, and the message with every word that holds a
/// digit replaced by `#` (counts, ids and timings differ between runs).
/// Errors with the same fingerprint are the same finding.
fn error_fingerprint(error: &ErrorReport) -> String {
    let key = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        error.code,
        error.service,
        error.error_type.as_deref().unwrap_or(""),
        stable_place(&error.location),
        error.function.as_deref().unwrap_or(""),
        normalize_message(&error.message)
    );
    format!("{:016x}", fnv1a(&key))
}

fn normalize_message(message: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in message.chars() {
        if is_word(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn race_report(rec: &Recording, details: &Details, group: &RaceGroup) -> Race {
    let (first, second) = group.example;
    Race {
        code: "data-race",
        severity: Level::Error,
        fails: false,
        fingerprint: String::new(),
        baseline: None,
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
        input: input_line(rec, idx),
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
    let function = explained
        .chain
        .iter()
        .rev()
        .find_map(|&i| rec.event(i).function)
        .map(|f| rec.str(f).to_string());
    ErrorReport {
        code: if event.kind == EventKind::Error {
            RECORDED_ERROR.code
        } else {
            RAISED_EXCEPTION.code
        },
        severity: Level::Error,
        fails: false,
        fingerprint: String::new(),
        baseline: None,
        event_id: rec.id_str(idx).to_string(),
        trace_id: rec.str(event.trace).to_string(),
        kind: event.kind.as_str(),
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
        help: if racy_reads.is_empty() {
            ERROR_HELP
        } else {
            RACY_ERROR_HELP
        },
        racy_reads,
    }
}

fn anomaly_report(rec: &Recording, found: &Found) -> Anomaly {
    let detection = &found.detection;
    let idx = detection.event;
    let event = rec.event(idx);
    let line = rec.exec_line(idx);
    let mut anomaly = Anomaly {
        code: found.info.code,
        severity: found.info.default_level,
        fails: false,
        fingerprint: String::new(),
        baseline: None,
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
        help: found.info.help,
        info: found.info,
    };
    anomaly.fingerprint = anomaly_fingerprint(&anomaly);
    anomaly
}

/// Anomaly fingerprints: FNV-1a of the code, the anomaly type, the service,
/// the function and the file (not the line) of the event. Anomalies of one
/// kind in one function are one finding for a baseline.
fn anomaly_fingerprint(anomaly: &Anomaly) -> String {
    let key = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        anomaly.code,
        anomaly.anomaly_type,
        anomaly.service,
        anomaly.function.as_deref().unwrap_or(""),
        stable_place(&anomaly.location),
    );
    format!("{:016x}", fnv1a(&key))
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
