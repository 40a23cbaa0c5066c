//! The application layer: runs a parsed command through the [`pipeline`]
//! and decides the exit code. Output goes to the writers it is given
//! ([`output`]); only the progress bar draws on the terminal directly.

mod explore;
mod gen_tests;
pub mod output;
pub mod pipeline;
mod progress;

use crate::analysis::{Timings, anomaly};
use crate::baseline::BaselineError;
use crate::cli::{AnalyzeArgs, Command, ConvertArgs, ReportArgs, TrainArgs, TuiArgs, ValidateArgs};
use crate::config::ConfigError;
use crate::ingest::{self, IngestError};
use crate::report::{ReadError, Report};
use output::Outputs;
use pipeline::{AnomalyOptions, ConfigSource, Job};
use std::io::{self, Write};
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
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error("cannot write the report to {path}: {source}")]
    Output {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{bad} bad input line{} and --strict was given", if *.bad == 1 { "" } else { "s" })]
    Strict { bad: u64 },
    #[error(transparent)]
    Testgen(#[from] crate::testgen::TestgenError),
    #[error("cannot read the model {path}: {message}")]
    Model { path: String, message: String },
    #[error("cannot read the report {path}: {source}")]
    ReportUnreadable {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Report(#[from] ReadError),
    #[error("{path}: no event has the id `{id}`")]
    UnknownEvent { path: String, id: String },
    #[error("{0}")]
    Usage(String),
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
            AppError::Ingest(IngestError::Directory { .. }) => {
                Some("several files form one recording: `causeway analyze DIR/*.jsonl`")
            }
            AppError::Ingest(IngestError::Binary { .. }) => Some(
                "record with a Causeway recorder, or convert another tool's export with `causeway convert`",
            ),
            AppError::Ingest(IngestError::Empty { .. }) => {
                Some("was the recorder stopped before it wrote anything?")
            }
            AppError::Strict { .. } => Some(
                "the report lists each bad line; drop --strict to analyze the good lines anyway",
            ),
            AppError::Config(ConfigError::Invalid { .. }) => {
                Some("the keys of causeway.toml are described in the README; --no-config skips it")
            }
            AppError::Baseline(BaselineError::Read { .. }) => {
                Some("create one with `causeway analyze TRACE... --write-baseline FILE`")
            }
            AppError::UnknownEvent { .. } => {
                Some("`causeway query TRACE --format table` lists the events and their ids")
            }
            AppError::Model { .. } => {
                Some("create one with `causeway train PASSING_TRACE... -o model.json`")
            }
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

impl Outcome {
    /// An exit code alone.
    fn exit(exit_code: u8) -> Outcome {
        Outcome {
            exit_code,
            timings: None,
            messages: Vec::new(),
        }
    }
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
        Command::Report(args) => report(args, stdout),
        Command::Query(args) => explore::query(args, stdout).map(Outcome::exit),
        Command::Graph(args) => explore::graph(args, stdout).map(Outcome::exit),
        Command::Why(args) => explore::why(args, stdout).map(Outcome::exit),
        Command::Diff(args) => explore::diff(args, stdout).map(Outcome::exit),
        Command::Completions { shell } => {
            let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "causeway", stdout);
            Ok(Outcome {
                exit_code: exit_code::CLEAN,
                timings: None,
                messages: Vec::new(),
            })
        }
        Command::Man { output } => man(output.as_deref(), stdout).map(|()| Outcome {
            exit_code: exit_code::CLEAN,
            timings: None,
            messages: Vec::new(),
        }),
        Command::GenTests(args) => gen_tests::gen_tests(args, stdout).map(|()| Outcome {
            exit_code: exit_code::CLEAN,
            timings: None,
            messages: Vec::new(),
        }),
        Command::Collect(args) => collect(args).map(|()| Outcome {
            exit_code: exit_code::CLEAN,
            messages: Vec::new(),
            timings: None,
        }),
        Command::Tui(args) => tui(args).map(|()| Outcome {
            exit_code: exit_code::CLEAN,
            timings: None,
            messages: Vec::new(),
        }),
        Command::Train(args) => train(args, stdout).map(|()| Outcome {
            exit_code: exit_code::CLEAN,
            timings: None,
            messages: Vec::new(),
        }),
    }
}

fn analyze(args: AnalyzeArgs, stdout: &mut dyn Write) -> Result<Outcome, AppError> {
    let outputs = Outputs::open(&args.report)?;
    let job = Job {
        files: args.files.clone(),
        import: args.input.options(),
        config: match (&args.config, args.no_config) {
            (_, true) => ConfigSource::Defaults,
            (Some(path), false) => ConfigSource::File(path.clone()),
            (None, false) => ConfigSource::Discover,
        },
        fail_on: args.fail_on,
        baseline: args.baseline.clone(),
        write_baseline: args.write_baseline.clone(),
        anomalies: Some(AnomalyOptions {
            model: args.model.clone(),
            seed: args.seed,
        }),
        root: Some(match &args.root {
            Some(root) => root.clone(),
            None => crate::report::default_root(&std::env::current_dir()?),
        }),
    };
    let mut done = pipeline::run(&job)?;
    let render_start = std::time::Instant::now();
    let redact = |text: &mut String| done.config.redact(text);
    outputs.write(&done.report, Some(&done.rec), &redact, stdout)?;
    done.timings.0.push(("render", render_start.elapsed()));

    let report = &done.report;
    if args.strict && report.summary.bad_lines > 0 {
        return Err(AppError::Strict {
            bad: report.summary.bad_lines,
        });
    }
    Ok(Outcome {
        exit_code: if report.summary.failing > 0 {
            exit_code::FINDINGS
        } else {
            exit_code::CLEAN
        },
        timings: args.timings.then_some(done.timings),
        messages: Vec::new(),
    })
}

/// The collector, until SIGINT or SIGTERM.
fn collect(args: crate::cli::CollectArgs) -> Result<(), AppError> {
    let token = match &args.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| AppError::Output {
                path: path.display().to_string(),
                source,
            })?;
            let token = text.lines().next().unwrap_or("").trim().to_string();
            if token.is_empty() {
                return Err(AppError::Usage(format!(
                    "--token-file {}: the first line holds no token",
                    path.display()
                )));
            }
            Some(token)
        }
        None => None,
    };
    let settings = crate::collect::Settings {
        listen: args.listen,
        out: args.out.clone(),
        max_memory: args.max_memory,
        rotate: args.rotate,
        token,
        tls: match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(crate::collect::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        },
        read_timeout: std::time::Duration::try_from_secs_f64(args.read_timeout)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| {
                AppError::Usage(format!(
                    "--read-timeout {}: give a positive number of seconds",
                    args.read_timeout
                ))
            })?,
    };
    let out = args.out.display().to_string();
    let scheme = if settings.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let metrics = crate::collect::serve(&settings, |addr| {
        // Said at once (tests and scripts wait for it), not at exit.
        let _ = writeln!(
            io::stderr(),
            "causeway collect: listening on {scheme}://{addr}, writing to {}",
            crate::report::printable(&out)
        );
    })
    .map_err(|e| AppError::Usage(e.to_string()))?;
    let count = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    let _ = writeln!(
        io::stderr(),
        "causeway collect: stopped; {} events written, {} rejected, {} requests refused",
        count(&metrics.written),
        count(&metrics.events_rejected),
        count(&metrics.requests_refused)
    );
    Ok(())
}

fn tui(args: TuiArgs) -> Result<(), AppError> {
    let mut job = Job::new(args.files.clone(), args.input.options());
    job.config = match (&args.config, args.no_config) {
        (_, true) => ConfigSource::Defaults,
        (Some(path), false) => ConfigSource::File(path.clone()),
        (None, false) => ConfigSource::Discover,
    };
    job.anomalies = Some(AnomalyOptions::default());
    job.root = Some(crate::report::default_root(&std::env::current_dir()?));
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if args.follow {
        let files = job.files.clone();
        let analyze = move |inputs: Vec<(String, Vec<u8>)>| {
            pipeline::run_bytes(&job, inputs)
                .map(|done| {
                    let config = done.config;
                    crate::ui::tui::Model {
                        rec: done.rec,
                        report: done.report,
                        redact: Box::new(move |text: &mut String| config.redact(text)),
                    }
                })
                .map_err(|e| e.to_string())
        };
        crate::ui::tui::follow(files, std::sync::Arc::new(analyze), color)?;
        return Ok(());
    }
    let done = pipeline::run(&job)?;
    let redact = |text: &mut String| done.config.redact(text);
    crate::ui::tui::run(&done.rec, &done.report, &redact, color, args.replay)?;
    Ok(())
}

/// Renders a saved JSON report again.
fn report(args: ReportArgs, stdout: &mut dyn Write) -> Result<Outcome, AppError> {
    let shown = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).map_err(|source| AppError::ReportUnreadable {
            path: shown.clone(),
            source,
        })?;
    let report = Report::from_json(&text, &shown)?;
    Outputs::open(&args.report)?.write(
        &report,
        None,
        &crate::report::html::no_redaction,
        stdout,
    )?;
    Ok(Outcome {
        exit_code: if report.summary.failing > 0 {
            exit_code::FINDINGS
        } else {
            exit_code::CLEAN
        },
        timings: None,
        messages: Vec::new(),
    })
}

fn validate(args: ValidateArgs, stdout: &mut dyn Write) -> Result<u8, AppError> {
    let rec = match load(&args.files, &args.input.options()) {
        // Nothing to analyze, but every line's problem to list.
        Err(IngestError::NoGoodLine {
            path,
            bad,
            problems,
        }) => {
            let path = crate::report::printable(&path).into_owned();
            for (line, message) in &problems {
                writeln!(
                    stdout,
                    "error: {path}:{line}: {}",
                    crate::report::printable(message)
                )?;
            }
            writeln!(
                stdout,
                "{path}: no line could be used ({bad} bad line{})",
                if bad == 1 { "" } else { "s" }
            )?;
            return Ok(exit_code::FINDINGS);
        }
        other => other?,
    };
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
        "{} events, {} bad line{}, {} warnings in {} file{}",
        rec.events.len(),
        rec.bad_lines,
        if rec.bad_lines == 1 { "" } else { "s" },
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

/// causeway(1) on standard output, or it and a page per subcommand
/// (`causeway-analyze.1`, ...) into a directory.
fn man(dir: Option<&std::path::Path>, stdout: &mut dyn Write) -> Result<(), AppError> {
    let command = <crate::cli::Cli as clap::CommandFactory>::command();
    let Some(dir) = dir else {
        clap_mangen::Man::new(command).render(stdout)?;
        return Ok(());
    };
    let write = |name: String, page: clap::Command| -> Result<(), AppError> {
        let path = dir.join(format!("{name}.1"));
        let mut text = Vec::new();
        clap_mangen::Man::new(page).title(name).render(&mut text)?;
        std::fs::write(&path, text).map_err(|source| AppError::Output {
            path: path.display().to_string(),
            source,
        })
    };
    for sub in command.get_subcommands() {
        write(format!("causeway-{}", sub.get_name()), sub.clone())?;
    }
    write("causeway".to_string(), command)
}

fn train(args: TrainArgs, stdout: &mut dyn Write) -> Result<(), AppError> {
    let rec = load(&args.files, &args.input.options())?;
    let model = anomaly::outliers::train(&rec, args.seed.unwrap_or(anomaly::DEFAULT_SEED));
    let output_error = |source| AppError::Output {
        path: args.output.display().to_string(),
        source,
    };
    let mut text = serde_json::to_vec(&model).map_err(io::Error::other)?;
    text.push(b'\n');
    std::fs::write(&args.output, text).map_err(output_error)?;
    let rows = |fitted: Option<&anomaly::outliers::Fitted>| fitted.map_or(0, |f| f.rows);
    writeln!(
        stdout,
        "trained on {} calls and {} traces ({} events) from {} file{}; model written to {}",
        rows(model.calls.as_ref().map(|c| &c.fitted)),
        rows(model.traces.as_ref().map(|t| &t.fitted)),
        rec.events.len(),
        rec.files.len(),
        if rec.files.len() == 1 { "" } else { "s" },
        crate::report::printable(&args.output.display().to_string())
    )?;
    Ok(())
}

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
    let progress = progress::BarProgress::new();
    ingest::load_with(files, options, &progress)
}
