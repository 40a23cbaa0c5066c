//! Command-line types (clap derive). Parsing only; [`crate::app`] acts.

use crate::ingest::InputFormat;
pub use crate::report::FailOn;
use crate::report::Format;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Causeway: finds data races, the causes of errors and anomalies in
/// recorded traces of concurrent and distributed programs.
#[derive(Debug, Parser)]
#[command(name = "causeway", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze trace files: races, error chains, anomalies, input problems.
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
    /// Convert trace files of other tools into the Causeway format.
    ///
    /// Writes v1 JSON Lines that `causeway analyze` reads exactly as it
    /// reads the original files. Exit codes: 0 converted, 1 converted with
    /// some records skipped (listed on standard error), 2 could not convert.
    Convert(ConvertArgs),
    /// Generate regression tests that replay the calls a trace recorded.
    ///
    /// Each recorded call of an importable function with JSON arguments
    /// becomes a test asserting its recorded return value or exception, with
    /// its I/O boundaries replaced by their recorded results. Calls that
    /// cannot be replayed are listed on standard error with the reason.
    /// Exit codes: 0 tests written, 2 could not read the input or write.
    GenTests(GenTestsArgs),
    /// Fit the outlier model on traces of passing runs.
    ///
    /// Writes a model file for `causeway analyze --model`: what ordinary
    /// calls and requests look like (per-function medians, feature
    /// scaling, an extended isolation forest and its score threshold).
    /// Exit codes: 0 written, 2 could not read the input or write.
    Train(TrainArgs),
    /// Render a saved JSON report in any format.
    ///
    /// Reads a report written by `causeway analyze --format json` and
    /// writes it as text, SARIF, JUnit, Markdown, GitHub annotations or
    /// JSON again, exactly as `analyze` would have. Exit codes: 0 nothing
    /// in the report failed, 1 it holds failing findings, 2 could not read
    /// or write.
    Report(ReportArgs),
    /// Select events: by kind, lane, trace, variable, function, file, time,
    /// and by causality (an event's causal past, future, or what is
    /// concurrent with it).
    ///
    /// JSON Lines output is the input's lines as they were, so
    /// `causeway query ... | causeway analyze -` works. Exit codes: 0 done,
    /// 2 could not read the input or a filter is wrong.
    Query(QueryArgs),
    /// Export the happens-before graph as Graphviz DOT, Mermaid or JSON.
    ///
    /// Events are nodes (a run of local events on a lane is one, unless
    /// --all-events), edges carry their rule, lanes are clusters. Exit
    /// codes: 0 written, 2 could not read the input.
    Graph(GraphArgs),
    /// Tell whether event A happens before B, B before A, or neither, and
    /// show the shortest chain of edges that proves it.
    ///
    /// For concurrent events, the last event on each side that does order
    /// with the other: the synchronization that is missing is after it.
    /// Exit codes: 0 answered, 2 bad input or an unknown event id.
    Why(WhyArgs),
    /// Compare a passing and a failing run of the same test: the orders of
    /// conflicting operations that differ, ranked by their relevance to
    /// the failure, calls whose values differ, and events one run lacks.
    ///
    /// Exit codes: 0 no ordering difference precedes the failure, 1 one
    /// does, 2 bad input.
    Diff(DiffArgs),
    /// Walk a recording in the terminal: events, findings, causal navigation.
    ///
    /// Runs the same analysis as `analyze` and shows its findings in the
    /// text report's order; `?` lists the keys (docs/tui.md). Exit codes:
    /// 0 quit, 2 could not analyze or could not use the terminal.
    Tui(TuiArgs),
    /// Receive events over HTTP from recorders of many services.
    ///
    /// `POST /v1/events` takes v1 events (a JSON array or JSON Lines, gzip
    /// or zstd accepted); each service's events go to its own JSON Lines
    /// file under --out, which `causeway analyze DIR` reads as one
    /// recording. `GET /healthz`, `GET /metrics` (Prometheus). Stops on
    /// SIGINT or SIGTERM after writing everything (docs/collector.md).
    /// Exit codes: 0 stopped, 2 could not listen or write.
    Collect(CollectArgs),
    /// Print a shell completion script.
    ///
    /// For example `causeway completions bash > ~/.local/share/bash-completion/completions/causeway`,
    /// or `causeway completions zsh > "${fpath[1]}/_causeway"`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages: causeway(1) and one per subcommand.
    ///
    /// For example `causeway man -o ~/.local/share/man/man1`; without `-o`,
    /// causeway(1) goes to standard output.
    Man {
        /// The directory to write causeway.1 and causeway-SUBCOMMAND.1 into.
        #[arg(long, short, value_name = "DIR")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Traces of passing runs; several form one training set.
    #[arg(required = true, value_name = "TRACE")]
    pub files: Vec<PathBuf>,
    /// Where to write the model (JSON).
    #[arg(long, short, value_name = "PATH")]
    pub output: PathBuf,
    /// Seed of the isolation forest: the same traces and seed give the
    /// same model.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// How input files are read.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// The format of the input files; `auto` tells each file's format from
    /// its content (OTLP JSON, Jaeger, Zipkin v2, Chrome trace, RAPID STD,
    /// ShiViz/GoVector log, or Causeway JSON Lines).
    #[arg(long, value_enum, default_value_t = InputFormat::Auto, value_name = "FORMAT")]
    pub input_format: InputFormat,
    /// ShiViz parser expression with the named groups `host`, `clock` and
    /// `event` (JavaScript syntax, as in ShiViz); default: GoVector's
    /// `(?<event>.*)\n(?<host>\S*) (?<clock>{.*})`. Implies a ShiViz log
    /// for files of no other format.
    #[arg(long, value_name = "REGEX")]
    pub shiviz_regex: Option<String>,
    /// ShiViz expression that separates executions in one log (its `trace`
    /// group names each execution).
    #[arg(long, value_name = "REGEX")]
    pub shiviz_delimiter: Option<String>,
}

impl InputArgs {
    pub fn options(&self) -> crate::ingest::ImportOptions {
        crate::ingest::ImportOptions {
            format: self.input_format,
            shiviz_regex: self.shiviz_regex.clone(),
            shiviz_delimiter: self.shiviz_delimiter.clone(),
        }
    }
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
    #[arg(
        long = "output",
        short = 'o',
        visible_alias = "out",
        value_name = "DIR"
    )]
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

/// Where a report goes and in which formats.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Report format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write a report to a file: FORMAT=PATH (e.g. sarif=causeway.sarif;
    /// repeatable). A bare PATH writes the --format report there instead of
    /// to standard output.
    #[arg(long, short, value_name = "[FORMAT=]PATH", value_parser = parse_output)]
    pub output: Vec<OutputSpec>,
    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A report written by `causeway analyze --format json`.
    #[arg(value_name = "REPORT.json")]
    pub file: PathBuf,
    #[command(flatten)]
    pub report: OutputArgs,
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Trace files (JSON Lines, optionally gzip or zstd compressed); several
    /// files form one recording, in the order given.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub report: OutputArgs,
    /// The lowest kind of finding that makes the exit code 1 [default:
    /// race, or `fail-on` in causeway.toml].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Read this config file instead of looking for causeway.toml in the
    /// working directory and the directories above it.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no config file.
    #[arg(long)]
    pub no_config: bool,
    /// Compare with this baseline: only findings not in it fail the build,
    /// and entries no longer found are reported.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every finding of this run in a baseline file (and exit 0 for
    /// findings).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Treat any bad input line as fatal (exit code 2).
    #[arg(long)]
    pub strict: bool,
    /// Print how long each stage took to standard error.
    #[arg(long)]
    pub timings: bool,
    /// Judge outliers against a model from `causeway train` instead of
    /// against the trace itself.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// The project root: code locations under it are shown relative to it,
    /// in every format [default: the git repository around the working
    /// directory, else the working directory].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Seed of the isolation forest [default: `seed` in causeway.toml, else
    /// a fixed one]; the same input and seed give the same report.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, clap::Args)]
pub struct CollectArgs {
    /// Address to listen on; anything but loopback needs --token-file or
    /// TLS.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4318")]
    pub listen: std::net::SocketAddr,
    /// Directory to write the events to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Bytes of accepted events waiting to be written, at most (K, M, G
    /// suffixes); past it requests are answered 503 with Retry-After.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_memory: u64,
    /// Start a new file per service past this size (K, M, G suffixes).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub rotate: u64,
    /// A file whose first line is the token every request must send as
    /// `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Seconds a client has to send a request's headers, its body, or a
    /// TLS handshake before it is cut off.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub read_timeout: f64,
}

/// `512`, `64K`, `256M`, `1G` (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let scale: u64 = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => {
            return Err(format!(
                "`{text}`: a size is a number with an optional K, M or G"
            ));
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{text}`: a size is a positive number with an optional K, M or G"))
}

#[derive(Debug, clap::Args)]
pub struct TuiArgs {
    /// Trace files; several form one recording, in the order given.
    #[arg(required = true, value_name = "TRACE")]
    pub files: Vec<PathBuf>,
    /// Read this config file instead of looking for causeway.toml.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no config file.
    #[arg(long)]
    pub no_config: bool,
    /// Tail the files as they grow (a recorder still writing): complete
    /// new lines are read every 250 ms and the recording is analyzed again
    /// on a worker thread, the screen keeping the selected event.
    #[arg(long, conflicts_with = "replay")]
    pub follow: bool,
    /// Replay the recording: events appear in timestamp order, from the
    /// first one's, at SPEED times real time (default 1); Space pauses,
    /// `+` and `-` double and halve the speed.
    #[arg(
        long,
        value_name = "SPEED",
        num_args = 0..=1,
        default_missing_value = "1",
        value_parser = positive_speed
    )]
    pub replay: Option<f64>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Trace files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Count warnings as problems too.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The format to write.
    #[arg(long, value_enum, default_value_t = TargetFormat::Causeway)]
    pub to: TargetFormat,
    /// Trace files to convert; several are written one after the other.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// What `convert` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetFormat {
    /// Causeway trace format v1 (JSON Lines).
    Causeway,
}

/// Where a report goes: a format (or the `--format` one) and a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    /// `None`: the `--format` report, instead of standard output.
    pub format: Option<Format>,
    pub path: PathBuf,
}

/// `FORMAT=PATH` when the part before the first `=` names a format, else a
/// bare path.
/// `FORMAT=PATH` or a bare path. A prefix that reads as a format name but
/// is none (`sarfi=out.sarif`) is refused with the list of formats, rather
/// than taken for a file name.
fn parse_output(value: &str) -> Result<OutputSpec, String> {
    let spec = match value.split_once('=') {
        Some((name, path)) if Format::from_name(name).is_some() => OutputSpec {
            format: Format::from_name(name),
            path: PathBuf::from(path),
        },
        Some((name, _))
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            let formats: Vec<&str> = Format::ALL
                .iter()
                .chain(&[Format::Html])
                .map(|f| f.name())
                .collect();
            return Err(format!(
                "unknown format `{name}` (formats: {}); a file name with `=` can be given as ./{value}",
                formats.join(", ")
            ));
        }
        _ => OutputSpec {
            format: None,
            path: PathBuf::from(value),
        },
    };
    if spec.path.as_os_str().is_empty() {
        return Err("the path is empty".to_string());
    }
    Ok(spec)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// Trace files (`-` for standard input); several form one recording.
    #[arg(required = true, value_name = "TRACE")]
    pub files: Vec<PathBuf>,
    /// Only events of this kind (repeatable), e.g. `state_write`.
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,
    /// Only events of services matching this glob.
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Only events of threads (lanes) matching this glob, e.g. `worker-*`.
    #[arg(long, value_name = "NAME")]
    pub thread: Option<String>,
    /// Only events of trace ids matching this glob.
    #[arg(long, value_name = "ID")]
    pub trace: Option<String>,
    /// Only accesses to variables matching this glob.
    #[arg(long, value_name = "GLOB")]
    pub variable: Option<String>,
    /// Only events of functions matching this glob.
    #[arg(long, value_name = "GLOB")]
    pub function: Option<String>,
    /// Only events at this file, or `file:line`.
    #[arg(long, value_name = "FILE[:LINE]")]
    pub file: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events at or before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only events that happen before this event (its causal past).
    #[arg(long, value_name = "EVENT")]
    pub before: Option<String>,
    /// Only events that this event happens before (its causal future).
    #[arg(long, value_name = "EVENT")]
    pub after: Option<String>,
    /// Only events concurrent with this event.
    #[arg(long, value_name = "EVENT")]
    pub concurrent_with: Option<String>,
    /// At most this many events (the first in file order).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print only how many events match.
    #[arg(long)]
    pub count: bool,
    #[arg(long, value_enum, default_value_t = crate::report::query::QueryFormat::Jsonl)]
    pub format: crate::report::query::QueryFormat,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Trace files (`-` for standard input); several form one recording.
    #[arg(required = true, value_name = "TRACE")]
    pub files: Vec<PathBuf>,
    /// Only the events of this trace.
    #[arg(long, value_name = "ID")]
    pub trace: Option<String>,
    /// Only the events within --depth edges of this event.
    #[arg(long, value_name = "EVENT")]
    pub around: Option<String>,
    /// How many edges from --around.
    #[arg(long, value_name = "N", default_value_t = 3, requires = "around")]
    pub depth: usize,
    /// One node per event: no collapsing of local runs.
    #[arg(long)]
    pub all_events: bool,
    #[arg(long, value_enum, default_value_t = crate::report::graph::GraphFormat::Dot)]
    pub format: crate::report::graph::GraphFormat,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, clap::Args)]
pub struct WhyArgs {
    /// The trace file (`-` for standard input).
    #[arg(value_name = "TRACE")]
    pub file: PathBuf,
    /// The first event's id.
    #[arg(value_name = "A")]
    pub a: String,
    /// The second event's id.
    #[arg(value_name = "B")]
    pub b: String,
    #[arg(long, value_enum, default_value_t = crate::report::why::WhyFormat::Text)]
    pub format: crate::report::why::WhyFormat,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The trace of the run that passed.
    #[arg(value_name = "PASSING")]
    pub passing: PathBuf,
    /// The trace of the run that failed.
    #[arg(value_name = "FAILING")]
    pub failing: PathBuf,
    #[arg(long, value_enum, default_value_t = crate::report::diff::DiffFormat::Text)]
    pub format: crate::report::diff::DiffFormat,
    #[command(flatten)]
    pub input: InputArgs,
}

/// A replay speed: a positive, finite factor of real time.
fn positive_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => Err(format!(
            "expected a speed above 0 (such as 1 or 10), not {text}"
        )),
    }
}
