//! The detectors. Each reads the recording and happens-before and returns
//! plain data; none prints. [`analyze`] runs them all.

pub mod anomaly;
pub mod codes;
pub mod diff;
pub mod query;
pub mod race;
pub mod root_cause;

use crate::graph;
use crate::model::{Diagnostic, Recording};

/// Everything the detectors found in one recording.
pub struct Analysis {
    pub races: race::RaceReport,
    pub errors: Vec<root_cause::ErrorChain>,
    /// Outliers, temporal patterns and known-issue rules, highest score
    /// first (empty when the anomaly layer was not asked for).
    pub anomalies: Vec<anomaly::Found>,
    /// Problems found while building happens-before (given clocks that
    /// contradict the events, cycles).
    pub diagnostics: Vec<Diagnostic>,
    pub used_given_clocks: bool,
    /// How long each stage took (never part of a report: not deterministic).
    pub timings: Timings,
}

/// Wall-clock time per named stage, for `--timings`.
#[derive(Debug, Default)]
pub struct Timings(pub Vec<(&'static str, std::time::Duration)>);

impl Timings {
    /// Runs `stage` and records how long it took.
    pub fn time<T>(&mut self, name: &'static str, stage: impl FnOnce() -> T) -> T {
        let start = std::time::Instant::now();
        let result = stage();
        self.0.push((name, start.elapsed()));
        result
    }
}

/// Runs every detector over a recording; the anomaly layer only with
/// `anomalies` settings (gen-tests, for one, has no use for it). The anomaly
/// layer needs nothing from the race detection, so the two run side by side
/// (their timings overlap).
pub fn analyze(rec: &Recording, anomalies: Option<&anomaly::Settings>) -> Analysis {
    let mut timings = Timings::default();
    let mut anomaly_timings = Timings::default();
    let mut diagnostics = Vec::new();
    let ((races, used_given_clocks, errors), anomalies) = rayon::join(
        || {
            let edges = timings.time("sync edges", || graph::edges::sync_edges(rec));
            let (races, used_given_clocks) = timings.time("happens-before and races", || {
                race::detect(rec, &edges, &mut diagnostics)
            });
            let errors = timings.time("root causes", || root_cause::explain(rec, &edges, &races));
            (races, used_given_clocks, errors)
        },
        || match anomalies {
            Some(settings) => anomaly_timings.time("anomalies", || anomaly::detect(rec, settings)),
            None => Vec::new(),
        },
    );
    timings.0.append(&mut anomaly_timings.0);
    Analysis {
        races,
        errors,
        anomalies,
        diagnostics,
        used_given_clocks,
        timings,
    }
}
