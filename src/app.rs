//! The application layer: runs a parsed command through the pipeline and
//! decides the exit code. Output goes to the writers it is given; only the
//! progress bar draws on the terminal directly.

use crate::analysis::{self, Timings};
use crate::cli::{AnalyzeArgs, ColorChoice, Command, ConvertArgs, FailOn, ValidateArgs};
use crate::ingest::{self, IngestError, Progress};
use crate::report::{Format, Report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

/// The documented exit codes.
pub mod exit_code {
    /// Nothing at or above `--fail-on`.
    pub const CLEAN: u8 = 0;
    /// Findings at or above `--fail-on` (or bad lines, for `validate`).
    pub const FINDINGS: u8 = 1;
    /// Could not analyze: bad usage, unreadable or empty input, no usable
    /// line, or a bad line under `--strict`.
    pub const FAILURE: u8 = 2;
    /// A bug: Causeway panicked (Rust's own panic exit code).
    pub const PANIC: u8 = 101;
}

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("cannot write the report to {path}: {source}")]
    Output {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{bad} bad input line{} and --strict was given", if *.bad == 1 { "" } else { "s" })]
    Strict { bad: u64 },
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl AppError {
    /// A next step for the user, if there is one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            AppError::Ingest(IngestError::NoGoodLine { .. }) => Some(
                "each line must be one JSON object of the Causeway trace format v1; `causeway validate FILE` lists the problems",
            ),
            AppError::Ingest(IngestError::NothingImported { .. }) => Some(
                "`causeway validate FILE` lists the problems; `--input-format` overrides the format told from the content",
            ),
            AppError::Ingest(IngestError::Empty { .. }) => {
                Some("was the recorder stopped before it wrote anything?")
            }
            AppError::Strict { .. } => Some(
                "the report lists each bad line; drop --strict to analyze the good lines anyway",
            ),
            _ => None,
        }
    }

    /// Whether this is a closed pipe on standard output (e.g. `| head`),
    /// which is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, AppError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// What a command ended with.
pub struct Outcome {
    pub exit_code: u8,
    /// Stage timings, when `--timings` asked for them.
    pub timings: Option<Timings>,
    /// Messages for standard error (what `convert` skipped).
    pub messages: Vec<String>,
}

/// Runs a command, writing its output to `stdout`.
pub fn run(command: Command, stdout: &mut dyn Write) -> Result<Outcome, AppError> {
    match command {
        Command::Analyze(args) => analyze(args, stdout),
        Command::Validate(args) => validate(args, stdout).map(|exit_code| Outcome {
            exit_code,
            timings: None,
            messages: Vec::new(),
        }),
        Command::Convert(args) => convert(args, stdout),
    }
}

fn analyze(args: AnalyzeArgs, stdout: &mut dyn Write) -> Result<Outcome, AppError> {
    let mut timings = Timings::default();
    let rec = timings.time("read", || load(&args.files, &args.input.options()))?;
    let mut analysis = analysis::analyze(&rec);
    timings.0.append(&mut analysis.timings.0);
    let report = timings.time("report", || Report::build(&rec, &analysis));

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && args.format == Format::Text
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && io::stdout().is_terminal()
        }
    };
    let renderer = args.format.renderer(color);
    let render_start = std::time::Instant::now();
    match &args.output {
        Some(path) => {
            let output_error = |source| AppError::Output {
                path: path.display().to_string(),
                source,
            };
            let file = std::fs::File::create(path).map_err(output_error)?;
            let mut out = io::BufWriter::new(file);
            renderer.render(&report, &mut out).map_err(output_error)?;
            out.flush().map_err(output_error)?;
        }
        None => {
            renderer.render(&report, stdout)?;
            stdout.flush()?;
        }
    }
    timings.0.push(("render", render_start.elapsed()));

    if args.strict && report.summary.bad_lines > 0 {
        return Err(AppError::Strict {
            bad: report.summary.bad_lines,
        });
    }
    let failing = match args.fail_on {
        FailOn::Never => false,
        FailOn::Race => report.summary.races > 0,
        FailOn::Error => report.summary.races > 0 || report.summary.errors > 0,
    };
    Ok(Outcome {
        exit_code: if failing {
            exit_code::FINDINGS
        } else {
            exit_code::CLEAN
        },
        timings: args.timings.then_some(timings),
        messages: Vec::new(),
    })
}

fn validate(args: ValidateArgs, stdout: &mut dyn Write) -> Result<u8, AppError> {
    let rec = load(&args.files, &args.input.options())?;
    let mut problems = 0u64;
    for d in &rec.diagnostics {
        let counts = args.strict || d.severity == crate::model::Severity::Error;
        problems += u64::from(counts);
        writeln!(
            stdout,
            "{}: {}:{}: {}",
            d.severity.as_str(),
            rec.files[d.file as usize].path,
            d.line,
            crate::report::printable(&d.message)
        )?;
    }
    writeln!(
        stdout,
        "{} events, {} bad lines, {} warnings in {} file{}",
        rec.events.len(),
        rec.bad_lines,
        rec.diagnostics.len() as u64
            - rec
                .diagnostics
                .iter()
                .filter(|d| d.severity == crate::model::Severity::Error)
                .count() as u64,
        rec.files.len(),
        if rec.files.len() == 1 { "" } else { "s" }
    )?;
    Ok(if problems > 0 || rec.bad_lines > 0 {
        exit_code::FINDINGS
    } else {
        exit_code::CLEAN
    })
}

/// Inputs smaller than this load too fast to need a progress bar.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// Writes the files as v1 JSON Lines; what was skipped goes to standard
/// error.
fn convert(args: ConvertArgs, stdout: &mut dyn Write) -> Result<Outcome, AppError> {
    let options = args.input.options();
    let converted = args
        .files
        .iter()
        .map(|path| ingest::import::convert_file(path, &options).map(|c| (path, c)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut messages = Vec::new();
    let mut skipped = false;
    for (path, file) in &converted {
        for note in &file.notes {
            skipped |= note.severity == crate::model::Severity::Error;
            messages.push(format!(
                "{}: {}:{}: {}",
                note.severity.as_str(),
                path.display(),
                note.line,
                crate::report::printable(&note.message)
            ));
        }
    }
    let write_all = |out: &mut dyn Write| -> io::Result<()> {
        for (_, file) in &converted {
            out.write_all(&file.text)?;
        }
        out.flush()
    };
    match &args.output {
        Some(path) => {
            let output_error = |source| AppError::Output {
                path: path.display().to_string(),
                source,
            };
            let file = std::fs::File::create(path).map_err(output_error)?;
            write_all(&mut io::BufWriter::new(file)).map_err(output_error)?;
        }
        None => write_all(stdout)?,
    }
    Ok(Outcome {
        exit_code: if skipped {
            exit_code::FINDINGS
        } else {
            exit_code::CLEAN
        },
        timings: None,
        messages,
    })
}

fn load(
    files: &[PathBuf],
    options: &ingest::ImportOptions,
) -> Result<crate::model::Recording, IngestError> {
    let progress = BarProgress::new();
    ingest::load_with(files, options, &progress)
}

/// An indicatif bar on stderr for large inputs, hidden when stderr is not a
/// terminal.
struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    fn new() -> Self {
        let bar = ProgressBar::hidden();
        BarProgress { bar }
    }
}

impl Progress for BarProgress {
    fn start(&self, total_bytes: u64) {
        if total_bytes >= PROGRESS_MIN_BYTES && io::stderr().is_terminal() {
            self.bar.set_length(total_bytes);
            self.bar.set_style(
                ProgressStyle::with_template("reading {bar:40} {bytes}/{total_bytes} {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
