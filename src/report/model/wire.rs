//! The JSON form of a report, the contract of `docs/report-json.md`:
//! findings grouped by kind (`races`, `anomalies`, `errors`), each with the
//! head's keys first, its body's keys, then `help`. The same shape reads
//! back into a [`Report`] (`causeway report FILE.json`), whose heads are
//! derived from the bodies again.

use super::sites::{self, RaceSite};
use super::{
    Anomaly, BadLinesBefore, BaselineState, BaselineSummary, Body, DiagnosticEntry, ErrorReport,
    Finding, REPORT_VERSION, Race, Report, Summary,
};
use crate::analysis::codes::{Code, Level};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};

/// A finding as one JSON object.
#[derive(Serialize, Deserialize)]
struct WireFinding<B> {
    code: Code,
    severity: Level,
    fails: bool,
    fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    possibly_affected_by: Option<BadLinesBefore>,
    #[serde(flatten)]
    body: B,
    help: String,
}

/// The same, borrowed from a report that is being written.
#[derive(Serialize)]
struct WireFindingRef<'a, B> {
    code: Code,
    severity: Level,
    fails: bool,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    possibly_affected_by: Option<&'a BadLinesBefore>,
    #[serde(flatten)]
    body: &'a B,
    help: &'a str,
}

#[derive(Serialize)]
struct WireReportRef<'a> {
    version: u32,
    inputs: &'a [String],
    summary: &'a Summary,
    races: Vec<WireFindingRef<'a, Race>>,
    race_sites: &'a [RaceSite],
    anomalies: Vec<WireFindingRef<'a, Anomaly>>,
    errors: Vec<WireFindingRef<'a, ErrorReport>>,
    diagnostics: &'a [DiagnosticEntry],
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a BaselineSummary>,
}

#[derive(Deserialize)]
struct WireReport {
    version: u32,
    inputs: Vec<String>,
    summary: Summary,
    races: Vec<WireFinding<Race>>,
    /// Absent from reports of older versions, which had no sites.
    #[serde(default)]
    race_sites: Option<Vec<RaceSite>>,
    anomalies: Vec<WireFinding<Anomaly>>,
    errors: Vec<WireFinding<ErrorReport>>,
    diagnostics: Vec<DiagnosticEntry>,
    #[serde(default)]
    baseline: Option<BaselineSummary>,
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn wire<'a, B>(finding: &'a Finding, body: &'a B) -> WireFindingRef<'a, B> {
            let head = &finding.head;
            WireFindingRef {
                code: head.code,
                severity: head.severity,
                fails: head.fails,
                fingerprint: &head.fingerprint,
                baseline: head.baseline,
                possibly_affected_by: head.bad_lines_before.as_ref(),
                body,
                help: &head.help,
            }
        }
        let mut wire_report = WireReportRef {
            version: self.version,
            inputs: &self.inputs,
            summary: &self.summary,
            races: Vec::new(),
            race_sites: &self.sites,
            anomalies: Vec::new(),
            errors: Vec::new(),
            diagnostics: &self.diagnostics,
            baseline: self.baseline.as_ref(),
        };
        for finding in &self.findings {
            match &finding.body {
                Body::Race(race) => wire_report.races.push(wire(finding, race)),
                Body::Error(error) => wire_report.errors.push(wire(finding, error)),
                Body::Anomaly(anomaly) => wire_report.anomalies.push(wire(finding, anomaly)),
            }
        }
        wire_report.serialize(serializer)
    }
}

/// Why a saved report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}:{line}:{column}: not a Causeway JSON report: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: a report of version {found}; this Causeway reads version {REPORT_VERSION}")]
    Version { path: String, found: u32 },
}

impl Report {
    /// Reads a report written by `--format json`; `path` names it in
    /// errors.
    pub fn from_json(text: &str, path: &str) -> Result<Report, ReadError> {
        let invalid = |e: serde_json::Error| ReadError::Invalid {
            path: path.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        };
        // The version first, so that a future report's new shape is named
        // as such rather than as a missing key.
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let versioned: Versioned = serde_json::from_str(text).map_err(invalid)?;
        if versioned.version != REPORT_VERSION {
            return Err(ReadError::Version {
                path: path.to_string(),
                found: versioned.version,
            });
        }
        let wire: WireReport = serde_json::from_str(text).map_err(invalid)?;
        fn read<B: DeserializeOwned>(
            findings: Vec<WireFinding<B>>,
            body: fn(B) -> Body,
        ) -> impl Iterator<Item = Finding> {
            findings.into_iter().map(move |w| {
                let mut finding = Finding::new(w.code, w.severity, w.help, body(w.body));
                finding.head.fails = w.fails;
                finding.head.fingerprint = w.fingerprint;
                finding.head.baseline = w.baseline;
                finding.head.bad_lines_before = w.possibly_affected_by;
                finding
            })
        }
        let findings = read(wire.races, |race| Body::Race(Box::new(race)))
            .chain(read(wire.errors, Body::Error))
            .chain(read(wire.anomalies, Body::Anomaly))
            .collect();
        let mut report = Report {
            version: wire.version,
            inputs: wire.inputs,
            summary: wire.summary,
            findings,
            sites: Vec::new(),
            third_party: Vec::new(),
            diagnostics: wire.diagnostics,
            baseline: wire.baseline,
        };
        // The groups are read back; a saved site keeps its primary pair,
        // which came from the third-party list of the run that wrote it.
        let saved = wire.race_sites.unwrap_or_default();
        report.regroup_sites();
        for site in &mut report.sites {
            if let Some(saved) = saved
                .iter()
                .find(|s| s.service == site.service && s.locations == site.locations)
            {
                site.primary = saved.primary.clone();
            }
        }
        sites::settle_sites(&mut report.sites, &report.findings);
        Ok(report)
    }
}
