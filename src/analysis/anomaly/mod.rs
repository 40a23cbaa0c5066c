//! Anomaly detection: outliers, temporal patterns and known-issue rules.
//!
//! Races say what is wrong with ordering; anomalies say what looks unusual:
//! a call forty times slower than its siblings ([`outliers`], an extended
//! isolation forest over per-call and per-trace [`features`]), a latency
//! that drifts upward, a burst of errors or a thread that stalls
//! ([`temporal`]), and patterns known to cause trouble ([`rules`]: N+1
//! queries, a lock held across I/O, ...).
//!
//! Every detector implements [`Detector`]; [`detect`] runs the built-in
//! ones plus any a user adds, and returns their [`Detection`]s ranked by
//! score. Nothing here prints or reads files: the report layer turns
//! detections into findings.

pub mod context;
pub mod features;
pub mod forest;
pub mod lock_waits;
pub mod outliers;
pub mod rules;
pub mod temporal;

pub use context::Context;

use crate::analysis::codes::Code;
use crate::model::{EventIdx, Recording};
use rayon::prelude::*;

/// One thing a detector found.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// The event the finding is about (a call's entry, a query, a spawn).
    pub event: EventIdx,
    /// What kind of anomaly, more specific than the code where the detector
    /// knows more (`slow-call`, `high-fan-out`); kebab-case.
    pub anomaly_type: String,
    /// How unusual, in [0, 1]; detections are ranked by it.
    pub score: f64,
    /// How sure the detector is, in [0, 1].
    pub confidence: f64,
    /// One or two sentences from trace data (names, numbers); not escaped.
    pub description: String,
    /// Every event involved, `event` first.
    pub affected: Vec<EventIdx>,
}

/// A detector of one kind of anomaly.
///
/// To add your own, implement this trait and pass it in
/// [`Settings::detectors`]:
///
/// ```
/// use causeway::analysis::anomaly::{Context, Detection, Detector};
/// use causeway::model::EventKind;
/// use causeway::analysis::codes::{Code, CodeInfo, FailOn, Level};
///
/// /// Flags every `custom` event (a made-up example).
/// struct CustomEvents;
///
/// static CUSTOM_EVENTS: CodeInfo = CodeInfo {
///     code: "custom-event",
///     name: "CustomEvent",
///     rank: FailOn::Anomaly,
///     default_level: Level::Warning,
///     title: "The trace recorded an event of an unknown kind.",
///     description: "Events whose kind this version of the format does not define.",
///     help: "upgrade the recorder or Causeway",
/// };
///
/// impl Detector for CustomEvents {
///     fn code(&self) -> Code {
///         Code::Custom(&CUSTOM_EVENTS)
///     }
///     fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
///         cx.rec
///             .indices()
///             .filter(|&i| cx.rec.event(i).kind == EventKind::Custom)
///             .map(|i| Detection {
///                 event: i,
///                 anomaly_type: "custom-event".to_string(),
///                 score: 0.5,
///                 confidence: 1.0,
///                 description: "an event of unknown kind".to_string(),
///                 affected: vec![i],
///             })
///             .collect()
///     }
/// }
/// ```
///
/// Rules for implementors: be deterministic (same recording, same output:
/// no clocks, no unseeded randomness, no iteration over hash maps without
/// sorting), never panic on odd input, and keep scores in [0, 1].
pub trait Detector: Send + Sync {
    /// The code of what this detector finds: a built-in one, or
    /// [`Code::Custom`] with its title, description and help line. A custom
    /// code must be unique, kebab-case and stable.
    fn code(&self) -> Code;
    /// Everything this detector finds in a recording.
    fn detect(&self, cx: &Context<'_>) -> Vec<Detection>;
}

/// How to run the anomaly layer.
pub struct Settings {
    /// Seeds the isolation forest: the same recording and seed give the
    /// same detections.
    pub seed: u64,
    /// A model from `causeway train`: outliers are judged against it
    /// instead of against the recording itself.
    pub model: Option<outliers::OutlierModel>,
    /// Detectors added to the built-in ones.
    pub detectors: Vec<Box<dyn Detector>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: DEFAULT_SEED,
            model: None,
            detectors: Vec::new(),
        }
    }
}

/// The seed when none is given.
pub const DEFAULT_SEED: u64 = 0x00ca_05e0;

/// A detection and what found it.
#[derive(Clone, Debug)]
pub struct Found {
    pub code: Code,
    pub detection: Detection,
}

/// Runs every detector (built-in first, then `settings.detectors`) and
/// returns what they found, highest score first; ties keep file order.
pub fn detect(rec: &Recording, settings: &Settings) -> Vec<Found> {
    let cx = Context::new(rec);
    let outliers = outliers::Outliers {
        seed: settings.seed,
        model: settings.model.as_ref(),
    };
    let (calls, traces) = (
        outliers::CallOutliers(&outliers),
        outliers::TraceOutliers(&outliers),
    );
    let builtin = builtin_detectors();
    let mut all: Vec<&dyn Detector> = vec![&calls, &traces];
    all.extend(builtin.iter().map(|d| &**d));
    all.extend(settings.detectors.iter().map(|d| &**d));
    // Detectors are independent: run them in parallel (the sort below
    // makes the order of the results independent of the threads).
    let mut found: Vec<Found> = all
        .par_iter()
        .flat_map_iter(|detector| {
            let code = detector.code();
            detector.detect(&cx).into_iter().map(move |mut detection| {
                detection.score = unit(detection.score);
                detection.confidence = unit(detection.confidence);
                Found { code, detection }
            })
        })
        .collect();
    found.sort_by(|a, b| {
        b.detection
            .score
            .total_cmp(&a.detection.score)
            .then(a.detection.event.cmp(&b.detection.event))
            .then(a.code.as_str().cmp(b.code.as_str()))
            .then(a.detection.anomaly_type.cmp(&b.detection.anomaly_type))
    });
    found
}

/// The built-in detectors besides the outlier model, in report order.
fn builtin_detectors() -> Vec<Box<dyn Detector>> {
    let mut detectors = temporal::detectors();
    detectors.extend(rules::detectors());
    detectors
}

/// A value clamped to [0, 1] and rounded to four decimals, so that reports
/// do not print noise digits (NaN becomes 0).
fn unit(value: f64) -> f64 {
    if value.is_nan() {
        return 0.0;
    }
    (value.clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0
}

/// A score for an effect that is `ratio` times a detector's threshold:
/// 0.5 at the threshold, approaching 1 as the effect grows.
pub fn effect_score(ratio: f64) -> f64 {
    if ratio.is_finite() && ratio > 0.0 {
        ratio / (ratio + 1.0)
    } else if ratio.is_infinite() {
        1.0
    } else {
        0.0
    }
}

/// At most this many affected events are listed per detection; the
/// description gives the full count.
pub const MAX_AFFECTED: usize = 50;

/// `events` cut to [`MAX_AFFECTED`].
pub fn capped(mut events: Vec<EventIdx>) -> Vec<EventIdx> {
    events.truncate(MAX_AFFECTED);
    events
}

/// How far values usually lie from a center, robustly: 1.4826 times the
/// median absolute deviation (the constant makes it the standard deviation
/// for normally distributed values; one far outlier does not move it).
pub fn robust_spread(values: &[f64], center: f64) -> f64 {
    let deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    1.4826 * median(&deviations)
}

/// The median (0 for no values).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    // Selection, not a sort: medians of millions of calls are taken for
    // every column.
    let mut values = values.to_vec();
    let mid = values.len() / 2;
    let odd = values.len() % 2 == 1;
    let (below, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if odd {
        upper
    } else {
        let lower = below
            .iter()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(upper);
        (lower + upper) / 2.0
    }
}

/// A duration in nanoseconds, in the unit that reads best.
pub fn duration_text(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
