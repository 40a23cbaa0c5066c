//! The detectors. Each reads the recording and happens-before and returns
//! plain data; none prints. [`analyze`] runs them all.

pub mod race;
pub mod root_cause;

use crate::graph::{self, HappensBefore};
use crate::model::{Diagnostic, Recording};

/// Everything the detectors found in one recording.
pub struct Analysis {
    pub races: race::RaceReport,
    pub errors: Vec<root_cause::ErrorChain>,
    /// Problems found while building happens-before (given clocks that
    /// contradict the events, cycles).
    pub diagnostics: Vec<Diagnostic>,
    pub used_given_clocks: bool,
}

/// Runs every detector over a recording.
pub fn analyze(rec: &Recording) -> Analysis {
    let edges = graph::edges::sync_edges(rec);
    let mut diagnostics = Vec::new();
    let hb: HappensBefore<'_> = graph::hb::compute(rec, &edges, &mut diagnostics);
    let races = race::detect(rec, &hb);
    let errors = root_cause::explain(rec, &edges, &races);
    Analysis {
        races,
        errors,
        diagnostics,
        used_given_clocks: hb.uses_given_clocks(),
    }
}
