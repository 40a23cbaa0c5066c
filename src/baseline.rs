//! Baselines: the findings a team has accepted, by fingerprint, so that
//! Causeway can be adopted on a codebase that already has races.
//! `--write-baseline FILE` records today's findings; `--baseline FILE`
//! marks each finding `new` or `unchanged`, lets only new ones fail the
//! build, and lists the entries no finding matches any more.
//!
//! The file is JSON, sorted by fingerprint so that it diffs well:
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {"fingerprint": "7d2c…", "code": "data-race", "title": "data race on `x` (service s) at a.py:3 and a.py:9"}
//!   ]
//! }
//! ```
//!
//! Fingerprints leave line numbers out (see [`crate::report::Report::build`]),
//! so moving code does not make a known finding new.

use crate::report::{BaselineEntry, BaselineState, BaselineSummary, FailOn, Finding, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// Version of the baseline file format.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the baseline {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: not a Causeway baseline: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{path}: baseline version {found} is not supported (this Causeway reads version {BASELINE_VERSION})"
    )]
    Version { path: String, found: u32 },
    #[error("cannot write the baseline {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Baseline {
    /// The findings of a report, deduplicated and sorted.
    pub fn of(report: &Report) -> Baseline {
        let findings: BTreeSet<BaselineEntry> = report
            .findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.head.fingerprint.clone(),
                code: f.head.code.to_string(),
                title: f.head.title.clone(),
            })
            .collect();
        // One entry per fingerprint (repeated errors share one).
        let mut seen = BTreeSet::new();
        let findings = findings
            .into_iter()
            .filter(|e| seen.insert(e.fingerprint.clone()))
            .collect();
        Baseline {
            version: BASELINE_VERSION,
            findings,
        }
    }

    pub fn parse(text: &str, path: &str) -> Result<Baseline, BaselineError> {
        let baseline: Baseline =
            serde_json::from_str(text).map_err(|e| BaselineError::Invalid {
                path: path.to_string(),
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        if baseline.version != BASELINE_VERSION {
            return Err(BaselineError::Version {
                path: path.to_string(),
                found: baseline.version,
            });
        }
        Ok(baseline)
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: shown.clone(),
            source,
        })?;
        Baseline::parse(&text, &shown)
    }

    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let error = |source| BaselineError::Write {
            path: path.display().to_string(),
            source,
        };
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| error(e.into()))?;
        text.push(b'\n');
        std::fs::File::create(path)
            .and_then(|mut f| f.write_all(&text))
            .map_err(error)
    }

    /// Marks every finding of `report` `new` or `unchanged` and records the
    /// comparison (with the entries nothing matched) in `report.baseline`.
    pub fn compare(&self, report: &mut Report, file: &str) {
        let known: BTreeSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let state = |fingerprint: &str| {
            if known.contains(fingerprint) {
                BaselineState::Unchanged
            } else {
                BaselineState::New
            }
        };
        // Races and errors are marked; anomalies, which a baseline cannot
        // make fail or pass, are only matched.
        for Finding { head, .. } in &mut report.findings {
            if head.code.info().rank != FailOn::Anomaly {
                head.baseline = Some(state(&head.fingerprint));
            }
        }
        let found: BTreeSet<&str> = report
            .findings
            .iter()
            .map(|f| f.head.fingerprint.as_str())
            .collect();
        let absent = self
            .findings
            .iter()
            .filter(|e| !found.contains(e.fingerprint.as_str()))
            .cloned()
            .collect();
        let unchanged = report
            .findings
            .iter()
            .filter(|f| f.head.baseline == Some(BaselineState::Unchanged))
            .count() as u64;
        let total = report.findings.len() as u64;
        report.baseline = Some(BaselineSummary {
            file: file.to_string(),
            new: total - unchanged,
            unchanged,
            absent,
        });
    }
}
