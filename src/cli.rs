//! Command-line types (clap derive). Parsing only; [`crate::app`] acts.

use crate::report::Format;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Causeway: finds data races and the causes of errors in recorded traces of
/// concurrent and distributed programs.
#[derive(Debug, Parser)]
#[command(name = "causeway", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze trace files: races, error chains, input problems.
    ///
    /// Exit codes: 0 nothing at or above --fail-on, 1 findings at or above
    /// --fail-on, 2 could not analyze (bad usage, unreadable or empty input,
    /// no usable line, or a bad line with --strict), 101 internal error.
    Analyze(AnalyzeArgs),
    /// Check trace files against the format and list every problem.
    ///
    /// Exit codes: 0 every line is usable, 1 some lines are bad (or, with
    /// --strict, anything was reported), 2 could not read the input.
    Validate(ValidateArgs),
    /// Generate regression tests that replay the calls a trace recorded.
    ///
    /// Each recorded call of an importable function with JSON arguments
    /// becomes a test asserting its recorded return value or exception, with
    /// its I/O boundaries replaced by their recorded results. Calls that
    /// cannot be replayed are listed on standard error with the reason.
    /// Exit codes: 0 tests written, 2 could not read the input or write.
    GenTests(GenTestsArgs),
}

#[derive(Debug, clap::Args)]
pub struct GenTestsArgs {
    /// Trace files; several form one recording.
    #[arg(required = true, value_name = "TRACE")]
    pub files: Vec<PathBuf>,
    /// Test framework to write for.
    #[arg(long, value_enum, default_value_t = crate::testgen::Framework::Pytest)]
    pub framework: crate::testgen::Framework,
    /// Directory to write the test files to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only this trace (default: the traces that contain an error, or every
    /// trace when none does).
    #[arg(long, value_name = "ID", conflicts_with = "all_traces")]
    pub trace_id: Option<String>,
    /// Every trace, not only those that contain an error.
    #[arg(long)]
    pub all_traces: bool,
    /// Only calls of functions whose recorded name matches this glob (`*`, `?`).
    #[arg(long, value_name = "GLOB")]
    pub function: Option<String>,
    /// Only calls that raised.
    #[arg(long)]
    pub only_failing: bool,
    /// Functions (glob on the recorded name) to replace by their recorded
    /// results; calls that did HTTP or database I/O are always replaced.
    #[arg(long, value_name = "GLOB")]
    pub boundary: Vec<String>,
    /// Also write a stress test per race group (pytest only), in
    /// `test_races.py`: it fails while the race is there.
    #[arg(long)]
    pub race_tests: bool,
    /// The project root the recorded modules are imported from.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Trace files (JSON Lines, optionally gzip or zstd compressed); several
    /// files form one recording, in the order given.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// The lowest kind of finding that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Race)]
    pub fail_on: FailOn,
    /// Treat any bad input line as fatal (exit code 2).
    #[arg(long)]
    pub strict: bool,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print how long each stage took to standard error.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Trace files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Count warnings as problems too.
    #[arg(long)]
    pub strict: bool,
}

/// Findings are ranked error event < race: `--fail-on error` fails on
/// recorded errors and on races, `--fail-on race` on races only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    /// Fail on races and on recorded errors (error events and functions
    /// that exited by raising).
    Error,
    /// Fail on races only (the default).
    Race,
    /// Never fail because of findings.
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}
