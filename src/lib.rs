//! Causeway: a causal debugger for recorded traces of concurrent and
//! distributed programs.
//!
//! The pipeline, one module per stage, dependencies pointing one way:
//!
//! 1. [`ingest`] reads JSON Lines trace files (plain, gzip or zstd) into the
//!    one event model of [`model`], reporting every bad line; its
//!    [`ingest::import`] reads OpenTelemetry, Jaeger, Zipkin, Chrome, RAPID
//!    STD and ShiViz files into the same model, told apart by content.
//! 2. [`graph`] derives happens-before: vector clocks from the format's six
//!    rules (or the clocks given in the trace), and per-trace causal graphs.
//! 3. [`analysis`] runs the detectors: exact data-race groups and the causal
//!    chains behind errors.
//! 4. [`report`] turns the findings into one [`report::Report`] and renders
//!    it as text, JSON, SARIF, JUnit, Markdown or GitHub annotations.
//!
//! 5. [`testgen`] renders regression tests (pytest, Jest) that replay recorded
//!    calls.
//!
//! [`app`] wires the stages together for the command line, with the
//! project's policy from [`config`] (`causeway.toml`: severities, ignore
//! rules, redaction) and [`baseline`] (findings accepted by fingerprint).

pub mod analysis;
pub mod app;
pub mod baseline;
pub mod cli;
pub mod collect;
pub mod config;
pub mod graph;
pub mod ingest;
pub mod model;
pub mod report;
pub mod testgen;
pub mod ui;

#[cfg(test)]
mod testutil;
