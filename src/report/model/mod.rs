//! The one report model: built once from the analysis ([`build`]), rendered
//! by every format, written as JSON and read back ([`wire`]). Every finding
//! is a [`Finding`]: a [`Head`] that policy works on (code, severity, what
//! fails, fingerprint, baseline state, where it is) and a [`Body`] per kind.
//! A new kind of finding is a new body, its JSON shape in [`wire`] and an
//! arm in each renderer.

mod build;
mod fingerprint;
mod paths;
mod redact;
mod sites;
mod wire;

pub use crate::model::third_party::{DEFAULT_THIRD_PARTY, is_third_party};
pub use paths::default_root;
pub use sites::RaceSite;
pub use wire::ReadError;

use crate::analysis::codes::{Code, FailOn, Level};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the JSON report's keys.
pub const REPORT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub version: u32,
    /// The input files, as given.
    pub inputs: Vec<String>,
    pub summary: Summary,
    /// Every finding in report order: races, errors, anomalies.
    pub findings: Vec<Finding>,
    /// The race findings by pair of code locations (see [`sites`]).
    pub sites: Vec<RaceSite>,
    /// Path fragments of third-party code besides the defaults, from
    /// causeway.toml; they decide the sites' primary locations.
    pub third_party: Vec<String>,
    pub diagnostics: Vec<DiagnosticEntry>,
    /// The comparison with `--baseline`, when one was given.
    pub baseline: Option<BaselineSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub events: u64,
    pub traces: u64,
    pub bad_lines: u64,
    pub races: u64,
    /// Pairs of code locations where races are (see `race_sites`).
    #[serde(default)]
    pub race_sites: u64,
    pub racy_events: u64,
    pub anomalies: u64,
    pub errors: u64,
    pub warnings: u64,
    /// `derived` (from the events) or `given` (`causality_vector`).
    pub clocks: String,
    /// Findings that make the exit code 1.
    pub failing: u64,
    /// Findings left out of the report by ignore rules or severity `off`.
    pub ignored: u64,
}

/// One finding of any kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub head: Head,
    pub body: Body,
}

/// What every finding has, whatever its kind: all that severity, ignore
/// rules, baselines and `--fail-on` look at, and where the finding is
/// shown. The fields after `help` are derived from the body by
/// [`Finding::new`] (and again after redaction), never set on their own.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    pub code: Code,
    pub severity: Level,
    /// Whether this finding makes the exit code 1.
    pub fails: bool,
    /// Stable across recordings and unrelated code moves (see
    /// [`fingerprint`]).
    pub fingerprint: String,
    /// `new` or `unchanged`, when compared with a baseline.
    pub baseline: Option<BaselineState>,
    /// What to do next.
    pub help: String,
    /// The finding in one line, from trace data: not escaped for any format.
    pub title: String,
    /// Where the finding is shown: a race's earlier access, the error, the
    /// anomaly's event.
    pub place: Place,
    /// Every code location the finding is at (both of a race's).
    pub locations: Vec<String>,
    /// Every service involved.
    pub services: Vec<String>,
    /// The variable, for a race.
    pub variable: Option<String>,
    /// Bad lines skipped before the finding's events in the same input
    /// file: a lock, message or spawn event lost there could have ordered
    /// the accesses of a race or changed an error's causes, so the finding
    /// may depend on them.
    pub bad_lines_before: Option<BadLinesBefore>,
}

/// The bad lines a finding may depend on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BadLinesBefore {
    /// How many.
    pub bad_lines: u64,
    /// The nearest ones, at most [`MAX_BAD_LINES_NAMED`], nearest last.
    pub nearest: Vec<InputLine>,
}

/// How many of the bad lines before a finding it names.
pub const MAX_BAD_LINES_NAMED: usize = 3;

impl Head {
    /// The sentence every format shows for a finding after bad lines, if
    /// it is one.
    pub fn bad_lines_note(&self) -> Option<String> {
        let before = self.bad_lines_before.as_ref()?;
        let nearest = before.nearest.last()?;
        let more = match before.bad_lines - 1 {
            0 => String::new(),
            n => format!(" (and {n} more bad lines before it)"),
        };
        Some(format!(
            "possibly affected by the bad line {}:{}, skipped before it{more}: an event lost there could have ordered or caused what this finding reports",
            nearest.file, nearest.line
        ))
    }
}

/// Where a finding's event is: its service, its code location, its line in
/// the input.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub service: String,
    pub location: String,
    pub input: InputLine,
}

/// What a finding of each kind says.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// Boxed: a race (two accesses with their chains) is twice the size of
    /// the other kinds.
    Race(Box<Race>),
    Error(ErrorReport),
    Anomaly(Anomaly),
}

impl Finding {
    /// A finding with its head derived from the body; not failing, not
    /// fingerprinted and not compared with a baseline yet.
    pub fn new(code: Code, severity: Level, help: String, body: Body) -> Finding {
        let mut finding = Finding {
            head: Head {
                code,
                severity,
                fails: false,
                fingerprint: String::new(),
                baseline: None,
                help,
                title: String::new(),
                place: Place {
                    service: String::new(),
                    location: String::new(),
                    input: InputLine {
                        file: String::new(),
                        line: 0,
                    },
                },
                locations: Vec::new(),
                services: Vec::new(),
                variable: None,
                bad_lines_before: None,
            },
            body,
        };
        finding.derive_head();
        finding
    }

    /// Where the finding's events are in the input.
    pub fn inputs(&self) -> Vec<&InputLine> {
        match &self.body {
            Body::Race(r) => r.accesses.iter().map(|a| &a.input).collect(),
            Body::Error(e) => vec![&e.input],
            Body::Anomaly(a) => vec![&a.input],
        }
    }

    /// Sets the head's fields that come from the body.
    fn derive_head(&mut self) {
        let head = &mut self.head;
        match &self.body {
            Body::Race(r) => {
                let first = &r.accesses[0];
                head.place = Place {
                    service: first.service.clone(),
                    location: first.location.clone(),
                    input: first.input.clone(),
                };
                let scope = match &r.service {
                    Some(s) => format!("service {s}"),
                    None => "global".to_string(),
                };
                let places = if r.locations[0] == r.locations[1] {
                    format!("{} (with itself)", r.locations[0])
                } else {
                    format!("{} and {}", r.locations[0], r.locations[1])
                };
                head.title = format!("data race on `{}` ({scope}) at {places}", r.variable);
                head.locations = r.locations.to_vec();
                head.services = r.service.iter().cloned().collect();
                head.services
                    .extend(r.accesses.iter().map(|a| a.service.clone()));
                head.variable = Some(r.variable.clone());
            }
            Body::Error(e) => {
                head.place = Place {
                    service: e.service.clone(),
                    location: e.location.clone(),
                    input: e.input.clone(),
                };
                let what = match &e.error_type {
                    Some(t) if *t != e.message => format!("{t}: {}", e.message),
                    _ => e.message.clone(),
                };
                let verb = match head.code {
                    Code::RaisedException => "raised",
                    Code::CaughtException => "raised and caught",
                    _ => "error",
                };
                head.title = format!("{verb} at {}: {what}", e.location);
                head.locations = vec![e.location.clone()];
                head.services = vec![e.service.clone()];
                head.variable = None;
            }
            Body::Anomaly(a) => {
                head.place = Place {
                    service: a.service.clone(),
                    location: a.location.clone(),
                    input: a.input.clone(),
                };
                head.title = a.description.clone();
                head.locations = vec![a.location.clone()];
                head.services = vec![a.service.clone()];
                head.variable = None;
            }
        }
    }
}

/// One race group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Race {
    pub service: Option<String>,
    pub variable: String,
    pub locations: [String; 2],
    pub racy_events: u64,
    pub example: ExamplePair,
    /// The example's two accesses, earlier first.
    pub accesses: [Access; 2],
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExamplePair {
    pub first: String,
    pub second: String,
}

/// One access of a racing pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Access {
    pub event_id: String,
    pub trace_id: String,
    /// `read`, `write` or `atomic write`.
    pub access: String,
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputLine {
    /// The input file, as given.
    pub file: String,
    /// 1-based line number.
    pub line: u32,
}

/// One event of a causal chain, described.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub event_id: String,
    pub kind: String,
    /// A short description: the function, the variable, the request.
    pub label: String,
    pub service: String,
    pub thread: String,
    pub location: String,
}

/// Something unusual the anomaly detectors found: an outlier, a temporal
/// pattern or a known-issue rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
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
}

/// An error event or a function that exited by raising.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorReport {
    pub event_id: String,
    pub trace_id: String,
    pub kind: String,
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
    /// For a `caught-exception`: the call that handled it (`function at
    /// file:line`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caught_in: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticEntry {
    /// `error` or `warning`.
    pub severity: String,
    pub file: String,
    pub line: u32,
    pub message: String,
}

/// How a finding compares with the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    /// Not in the baseline: it can fail the build.
    New,
    /// In the baseline: reported, never fails.
    Unchanged,
}

/// The comparison of a report with a baseline file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

impl Report {
    /// The race findings, in report order.
    pub fn races(&self) -> impl Iterator<Item = (&Head, &Race)> {
        self.findings.iter().filter_map(|f| match &f.body {
            Body::Race(r) => Some((&f.head, &**r)),
            _ => None,
        })
    }

    /// The error findings, in report order.
    pub fn errors(&self) -> impl Iterator<Item = (&Head, &ErrorReport)> {
        self.findings.iter().filter_map(|f| match &f.body {
            Body::Error(e) => Some((&f.head, e)),
            _ => None,
        })
    }

    /// The anomaly findings, highest score first.
    pub fn anomalies(&self) -> impl Iterator<Item = (&Head, &Anomaly)> {
        self.findings.iter().filter_map(|f| match &f.body {
            Body::Anomaly(a) => Some((&f.head, a)),
            _ => None,
        })
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
        for Finding { head, .. } in &mut self.findings {
            head.fails = head.severity >= least
                && head.baseline != Some(BaselineState::Unchanged)
                && head.code.info().rank >= fail_on;
        }
        self.summary.failing = self.findings.iter().filter(|f| f.head.fails).count() as u64;
        sites::settle_sites(&mut self.sites, &self.findings);
    }

    /// Groups the race findings into sites again (after findings were
    /// dropped, or the third-party list changed).
    pub fn regroup_sites(&mut self) {
        self.sites = sites::race_sites(&self.findings, &self.third_party);
        self.summary.race_sites = self.sites.len() as u64;
    }

    /// The findings as the formats other than JSON show them: one per race
    /// site (its first group, with the site's pattern, place and policy),
    /// then the errors and anomalies.
    pub fn shown(&self) -> Vec<std::borrow::Cow<'_, Finding>> {
        let sites = self
            .sites
            .iter()
            .filter_map(|site| sites::site_finding(site, &self.findings))
            .map(std::borrow::Cow::Owned);
        let rest = self
            .findings
            .iter()
            .filter(|f| !matches!(f.body, Body::Race(_)))
            .map(std::borrow::Cow::Borrowed);
        sites.chain(rest).collect()
    }

    /// Drops the findings `keep` rejects, keeping the summary's counts in
    /// step; returns how many were dropped (also added to
    /// `summary.ignored`).
    pub fn retain_findings(&mut self, mut keep: impl FnMut(&Head) -> bool) -> u64 {
        let before = self.findings.len();
        self.findings.retain(|f| keep(&f.head));
        let dropped = (before - self.findings.len()) as u64;
        self.summary.races = self.races().count() as u64;
        self.summary.errors = self.errors().count() as u64;
        self.summary.anomalies = self.anomalies().count() as u64;
        self.summary.ignored += dropped;
        self.regroup_sites();
        dropped
    }

    /// Sets the severity of every finding from its code.
    pub fn set_levels(&mut self, level_of: impl Fn(Code) -> Level) {
        for finding in &mut self.findings {
            finding.head.severity = level_of(finding.head.code);
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
