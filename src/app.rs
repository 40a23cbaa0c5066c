//! The application layer: runs a parsed command through the pipeline and
//! decides the exit code. Output goes to the writers it is given; only the
//! progress bar draws on the terminal directly.

use crate::analysis::{self, Timings, anomaly};
use crate::baseline::{Baseline, BaselineError};
use crate::cli::{
    AnalyzeArgs, ColorChoice, Command, ConvertArgs, FailOn, GenTestsArgs, TrainArgs, ValidateArgs,
};
use crate::config::{Config, ConfigError};
use crate::ingest::{self, IngestError, Progress};
use crate::report::{Format, Render, Report, html};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

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
            AppError::Config(ConfigError::Invalid { .. }) => {
                Some("the keys of causeway.toml are described in the README; --no-config skips it")
            }
            AppError::Baseline(BaselineError::Read { .. }) => {
                Some("create one with `causeway analyze TRACE... --write-baseline FILE`")
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
        Command::GenTests(args) => gen_tests(args, stdout).map(|()| Outcome {
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
    let config = match (&args.config, args.no_config) {
        (_, true) => Config::default(),
        (Some(path), false) => Config::load(path)?,
        (None, false) => match Config::discover(&std::env::current_dir()?) {
            Some(path) => Config::load(&path)?,
            None => Config::default(),
        },
    };
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(FailOn::Race);
    // A bad baseline is found before the analysis runs. One that does not
    // exist yet is fine when this run writes the first.
    let baseline_path = args
        .baseline
        .clone()
        .or_else(|| config.baseline.clone())
        .filter(|path| args.write_baseline.is_none() || path.exists());
    let baseline = baseline_path
        .as_ref()
        .map(|path| Baseline::read(path).map(|b| (b, path.display().to_string())))
        .transpose()?;

    let settings = anomaly::Settings {
        seed: args.seed.or(config.seed).unwrap_or(anomaly::DEFAULT_SEED),
        model: args.model.as_deref().map(read_model).transpose()?,
        detectors: Vec::new(),
    };

    let mut timings = Timings::default();
    let rec = timings.time("read", || load(&args.files, &args.input.options()))?;
    let mut analysis = analysis::analyze(&rec, Some(&settings));
    timings.0.append(&mut analysis.timings.0);
    let mut report = timings.time("report", || Report::build(&rec, &analysis));
    config.apply(&mut report);
    if let Some((baseline, shown)) = &baseline {
        baseline.compare(&mut report, shown);
    }
    if let Some(path) = &args.write_baseline {
        Baseline::of(&report).write(path)?;
    }
    // Writing a baseline accepts every finding of this run.
    report.settle(if args.write_baseline.is_some() {
        FailOn::Never
    } else {
        fail_on
    });

    let to_stdout = args.output.iter().all(|o| o.format.is_some());
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_stdout
                && args.format == Format::Text
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && io::stdout().is_terminal()
        }
    };
    let render_start = std::time::Instant::now();
    for output in &args.output {
        let format = output.format.unwrap_or(args.format);
        let redact = |text: &mut String| config.redact(text);
        let renderer = html::renderer(format, color && output.format.is_none(), &rec, &redact);
        write_report(&*renderer, &report, &output.path)?;
    }
    if to_stdout {
        html::renderer(args.format, color, &rec, &|text| config.redact(text))
            .render(&report, stdout)?;
        stdout.flush()?;
    }
    timings.0.push(("render", render_start.elapsed()));

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
        timings: args.timings.then_some(timings),
        messages: Vec::new(),
    })
}

/// Renders a report into a file (its directory must exist).
fn write_report(renderer: &dyn Render, report: &Report, path: &Path) -> Result<(), AppError> {
    let output_error = |source| AppError::Output {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::create(path).map_err(output_error)?;
    let mut out = io::BufWriter::new(file);
    renderer.render(report, &mut out).map_err(output_error)?;
    out.flush().map_err(output_error)
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

/// Reads a model written by `causeway train`.
fn read_model(path: &Path) -> Result<anomaly::outliers::OutlierModel, AppError> {
    let error = |message: String| AppError::Model {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read(path).map_err(|e| error(e.to_string()))?;
    let model: anomaly::outliers::OutlierModel =
        serde_json::from_slice(&text).map_err(|e| error(e.to_string()))?;
    if model.format != "causeway-model" || model.version != anomaly::outliers::MODEL_VERSION {
        return Err(error(format!(
            "expected a causeway-model of version {}, found {} version {}",
            anomaly::outliers::MODEL_VERSION,
            model.format,
            model.version
        )));
    }
    Ok(model)
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

fn gen_tests(args: GenTestsArgs, stdout: &mut dyn Write) -> Result<(), AppError> {
    let rec = load(&args.files, &ingest::ImportOptions::default())?;
    let analysis = analysis::analyze(&rec, None);
    let root_from_out = relative_path(&args.out, &args.root);
    let opts = crate::testgen::Options {
        trace_id: args.trace_id,
        all_traces: args.all_traces,
        function: args.function,
        only_failing: args.only_failing,
        boundaries: args.boundary,
        root_from_out,
        race_tests: args.race_tests,
    };
    let generated = crate::testgen::generate(&rec, &analysis, args.framework, &opts)?;
    let output_error = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| AppError::Output { path, source }
    };
    std::fs::create_dir_all(&args.out).map_err(output_error(&args.out))?;
    for file in &generated.files {
        let path = args.out.join(&file.name);
        std::fs::write(&path, &file.contents).map_err(output_error(&path))?;
    }
    // One line per function and reason, in order of first appearance.
    let mut groups: Vec<(&str, &str, &str, usize)> = Vec::new();
    for s in &generated.skipped {
        match groups
            .iter_mut()
            .find(|g| g.0 == s.function && g.2 == s.reason)
        {
            Some(g) => g.3 += 1,
            None => groups.push((&s.function, &s.event_id, &s.reason, 1)),
        }
    }
    for (function, event, reason, count) in groups {
        let calls = if count == 1 {
            format!("event {}", crate::report::printable(event))
        } else {
            format!(
                "{count} calls, first event {}",
                crate::report::printable(event)
            )
        };
        writeln!(
            stdout,
            "skipped {} ({calls}): {reason}",
            crate::report::printable(function),
        )?;
    }
    writeln!(
        stdout,
        "wrote {} test{}{} in {} file{} to {} from {}; {} call{} skipped",
        generated.tests,
        if generated.tests == 1 { "" } else { "s" },
        if generated.race_tests > 0 {
            format!(" ({} race stress)", generated.race_tests)
        } else {
            String::new()
        },
        generated.files.len(),
        if generated.files.len() == 1 { "" } else { "s" },
        crate::report::printable(&args.out.display().to_string()),
        generated.coverage,
        generated.skipped.len(),
        if generated.skipped.len() == 1 {
            ""
        } else {
            "s"
        },
    )?;
    Ok(())
}

/// `to` as a path relative to `from` (both taken from the current directory),
/// with `/` separators.
fn relative_path(from: &std::path::Path, to: &std::path::Path) -> String {
    use std::path::Component;
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = |p: &std::path::Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in cwd.join(p).components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(n) => parts.push(n.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts
    };
    let (from, to) = (absolute(from), absolute(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel: Vec<String> = vec!["..".to_string(); from.len() - common];
    rel.extend(to[common..].iter().cloned());
    if rel.is_empty() {
        ".".to_string()
    } else {
        rel.join("/")
    }
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
