//! The detectors. Each reads the recording and happens-before and returns
//! plain data; none prints. [`analyze`] runs them all.

pub mod anomaly;
pub mod race;
pub mod root_cause;

use crate::graph;
use crate::model::{Diagnostic, Recording};

/// Everything the detectors found in one recording.
pub struct Analysis {
    pub races: race::RaceReport,
    pub errors: Vec<root_cause::ErrorChain>,
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

/// Runs every detector over a recording.
pub fn analyze(rec: &Recording) -> Analysis {
    let mut timings = Timings::default();
    let edges = timings.time("sync edges", || graph::edges::sync_edges(rec));
    let mut diagnostics = Vec::new();
    let (races, used_given_clocks) = timings.time("happens-before and races", || {
        race::detect(rec, &edges, &mut diagnostics)
    });
    let errors = timings.time("root causes", || root_cause::explain(rec, &edges, &races));
    Analysis {
        races,
        errors,
        diagnostics,
        used_given_clocks,
        timings,
    }
}
