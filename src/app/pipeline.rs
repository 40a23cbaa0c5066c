//! The one way from inputs to a report, shared by every subcommand that
//! analyzes (`analyze`, `gen-tests`, and those that render a recording):
//! load the config and the inputs, analyze, build the report, apply the
//! config and the baseline, and settle what fails. Callers open their
//! output files before calling [`run`], so a bad path fails before the
//! analysis.

use super::{AppError, load};
use crate::analysis::{self, Analysis, Timings, anomaly};
use crate::baseline::Baseline;
use crate::config::Config;
use crate::ingest::ImportOptions;
use crate::model::Recording;
use crate::report::{FailOn, Report};
use std::path::{Path, PathBuf};

/// Where the settings come from.
#[derive(Clone, Debug)]
pub enum ConfigSource {
    /// `causeway.toml` found from the working directory up, if any.
    Discover,
    /// This file.
    File(PathBuf),
    /// None: the defaults (`--no-config`, and commands that report nothing).
    Defaults,
}

/// What to analyze and how.
#[derive(Clone, Debug)]
pub struct Job {
    pub files: Vec<PathBuf>,
    pub import: ImportOptions,
    pub config: ConfigSource,
    /// `--fail-on`, over the config's.
    pub fail_on: Option<FailOn>,
    /// `--baseline`, over the config's.
    pub baseline: Option<PathBuf>,
    /// `--write-baseline`: this run's findings become the baseline (and
    /// none fails).
    pub write_baseline: Option<PathBuf>,
    /// The anomaly layer, or `None` to skip it.
    pub anomalies: Option<AnomalyOptions>,
    /// The project root: code locations under it are shown relative to it.
    /// `None` leaves every location as recorded.
    pub root: Option<PathBuf>,
}

/// How to run the anomaly layer.
#[derive(Clone, Debug, Default)]
pub struct AnomalyOptions {
    /// A model from `causeway train`.
    pub model: Option<PathBuf>,
    /// `--seed`, over the config's.
    pub seed: Option<u64>,
}

/// Everything a run produced.
pub struct Done {
    pub rec: Recording,
    pub analysis: Analysis,
    /// Settled: every finding's `fails` is decided.
    pub report: Report,
    pub timings: Timings,
    /// The config the report was judged by (its redaction applies to
    /// whatever else a command shows of the recording).
    pub config: Config,
}

impl Job {
    /// A job over `files` with the defaults: no config, no baseline, no
    /// anomaly layer.
    pub fn new(files: Vec<PathBuf>, import: ImportOptions) -> Job {
        Job {
            files,
            import,
            config: ConfigSource::Defaults,
            fail_on: None,
            baseline: None,
            write_baseline: None,
            anomalies: None,
            root: None,
        }
    }
}

/// Runs a job: settings first (a bad config, baseline or model fails
/// before the inputs are read), then the pipeline.
pub fn run(job: &Job) -> Result<Done, AppError> {
    run_reading(job, || load(&job.files, &job.import))
}

/// Runs a job over in-memory inputs (name, bytes as stored) instead of its
/// files: `causeway tui --follow`, over the complete lines read so far.
pub fn run_bytes(job: &Job, inputs: Vec<(String, Vec<u8>)>) -> Result<Done, AppError> {
    run_reading(job, || crate::ingest::load_bytes_with(inputs, &job.import))
}

/// The pipeline, with the recording read by `read`.
fn run_reading(
    job: &Job,
    read: impl FnOnce() -> Result<Recording, crate::ingest::IngestError>,
) -> Result<Done, AppError> {
    let config = match &job.config {
        ConfigSource::Defaults => Config::default(),
        ConfigSource::File(path) => Config::load(path)?,
        ConfigSource::Discover => match Config::discover(&std::env::current_dir()?) {
            Some(path) => Config::load(&path)?,
            None => Config::default(),
        },
    };
    let fail_on = job.fail_on.or(config.fail_on).unwrap_or(FailOn::Race);
    // A baseline that does not exist yet is fine when this run writes the
    // first.
    let baseline_path = job
        .baseline
        .clone()
        .or_else(|| config.baseline.clone())
        .filter(|path| job.write_baseline.is_none() || path.exists());
    let baseline = baseline_path
        .as_ref()
        .map(|path| Baseline::read(path).map(|b| (b, path.display().to_string())))
        .transpose()?;
    let settings = job
        .anomalies
        .as_ref()
        .map(|options| -> Result<anomaly::Settings, AppError> {
            Ok(anomaly::Settings {
                seed: options
                    .seed
                    .or(config.seed)
                    .unwrap_or(anomaly::DEFAULT_SEED),
                model: options.model.as_deref().map(read_model).transpose()?,
                detectors: Vec::new(),
            })
        })
        .transpose()?;

    let mut timings = Timings::default();
    let rec = timings.time("read", read)?;
    let mut analysis = analysis::analyze(&rec, settings.as_ref());
    timings.0.append(&mut analysis.timings.0);
    let mut report = timings.time("report", || Report::build(&rec, &analysis));
    if let Some(root) = &job.root {
        // Before the config, so that its globs see the paths as shown.
        report.relativize_locations(&std::path::absolute(root)?.to_string_lossy());
    }
    config.apply(&mut report);
    if let Some((baseline, shown)) = &baseline {
        baseline.compare(&mut report, shown);
    }
    if let Some(path) = &job.write_baseline {
        Baseline::of(&report).write(path)?;
    }
    // Writing a baseline accepts every finding of this run.
    report.settle(if job.write_baseline.is_some() {
        FailOn::Never
    } else {
        fail_on
    });
    Ok(Done {
        rec,
        analysis,
        report,
        timings,
        config,
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
