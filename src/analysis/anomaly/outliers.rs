//! Outliers: function calls and traces that an extended isolation forest
//! ([`super::forest`]) isolates much faster than their peers.
//!
//! Without a model, the forest is fitted on the recording itself (the usual
//! way to use an isolation forest: most calls are ordinary). With a model
//! from `causeway train`, peers, scaling and forest all come from the
//! passing runs it was trained on, so a run where *every* call got slower
//! is still caught.
//!
//! Which rows are reported is decided from the score distribution, not a
//! fixed cut-off: a score must exceed the median score plus
//! [`THRESHOLD_MADS`] robust deviations, the row's largest feature must be
//! at least [`MIN_FEATURE_DEVIATION`] robust units *above* its peers (so
//! that the description can name a real difference; a call that is faster
//! or does less than usual is isolated by the forest too, but is seldom a
//! problem and filled reports with calls at the quiet start and end of a
//! run), and at most
//! [`MAX_REPORTED`] rows per kind are reported, highest score first.

use super::features::{
    CALL_COLUMNS, CallMeasures, CallPeers, Column, Scaling, TRACE_COLUMNS, TraceMeasures,
    TracePeers, call_peers, call_rows, measure_traces, trace_peers, trace_row,
};
use super::forest::{Forest, ForestParams, Matrix, Scored};
use super::{Context, Detection, Detector, capped};
use super::{duration_text, median, robust_spread};
use crate::analysis::codes::Code;
use crate::model::third_party::is_third_party;
use crate::model::{EventIdx, Recording};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Fewer calls than this are too few to learn what is ordinary.
pub const MIN_CALLS: usize = 64;
/// Fewer traces than this are too few to learn what is ordinary.
pub const MIN_TRACES: usize = 32;
/// A reported row's score exceeds the median by this many MADs (x1.4826).
pub const THRESHOLD_MADS: f64 = 5.0;
/// ... and its most extreme feature is this many robust units off.
pub const MIN_FEATURE_DEVIATION: f64 = 4.0;
/// ... and at most this many rows per kind (calls, traces) are reported.
pub const MAX_REPORTED: usize = 10;

/// The version of the model file's layout.
pub const MODEL_VERSION: u32 = 1;

/// What `causeway train` writes: everything needed to judge new recordings
/// against the passing runs it saw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlierModel {
    /// Always `causeway-model`.
    pub format: String,
    pub version: u32,
    pub calls: Option<FittedCalls>,
    pub traces: Option<FittedTraces>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedCalls {
    /// Median measures per peer group (`service` U+001F `function`).
    pub peers: BTreeMap<String, CallPeers>,
    pub fitted: Fitted,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedTraces {
    pub peers: TracePeers,
    pub fitted: Fitted,
}

/// A forest with the scaling of its columns and its score threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fitted {
    pub columns: Vec<String>,
    pub scaling: Scaling,
    pub forest: Forest,
    /// Scores above this are unusual (from the training scores).
    pub threshold: f64,
    /// Rows it was fitted on.
    pub rows: u64,
}

/// At most this many rows (drawn by a seeded hash) are used to fit the
/// scaling and the forest and to set the threshold. Each tree draws only
/// 256 rows anyway, and medians of 65,536 rows are as good as of millions;
/// past that, fitting would only cost time and memory.
pub const FIT_ROWS: usize = 65_536;
/// The score threshold comes from the scores of this many of them.
pub const THRESHOLD_ROWS: usize = 16_384;

impl Fitted {
    /// Scales the rows, grows the forest, and sets the threshold from the
    /// training rows' own scores.
    fn fit<const D: usize>(rows: &[[f64; D]], columns: &[Column], seed: u64) -> Fitted {
        let sample = sample(rows, seed);
        let scaling = Scaling::fit(&sample, columns);
        let matrix = scaling.matrix(&sample);
        let forest = Forest::fit(&matrix, &forest_params(seed));
        // The threshold needs the score distribution, not every score: its
        // median and MAD from the first rows of the (already random)
        // sample are as good, at a fraction of the scoring.
        let rows_for_threshold = matrix.rows().min(THRESHOLD_ROWS);
        let mut head = Matrix::new(matrix.dim);
        for i in 0..rows_for_threshold {
            head.push_row(matrix.row(i));
        }
        let scores = forest.score_all(&head);
        Fitted {
            columns: columns.iter().map(|c| c.name.to_string()).collect(),
            threshold: threshold(&scores),
            scaling,
            forest,
            rows: rows.len() as u64,
        }
    }

    /// The rows worth reporting: (row, score, highest column, its scaled
    /// value), highest score first, at most [`MAX_REPORTED`]. Only rows
    /// with a column [`MIN_FEATURE_DEVIATION`] above its center can be
    /// reported, so only those are scored.
    fn select<const D: usize>(
        &self,
        rows: &[[f64; D]],
        reportable: impl Fn(usize) -> bool + Sync,
    ) -> Vec<(usize, Scored, usize, f64)> {
        let candidates: Vec<(usize, usize, f64)> = rows
            .par_iter()
            .enumerate()
            .filter(|&(i, _)| reportable(i))
            .filter_map(|(i, row)| {
                let (column, z) = self.scaling.highest(row)?;
                (z >= MIN_FEATURE_DEVIATION).then_some((i, column, z))
            })
            .collect();
        let scaled: Vec<[f64; D]> = candidates.iter().map(|c| rows[c.0]).collect();
        let scores = self.forest.score_all(&self.scaling.matrix(&scaled));
        let mut picked: Vec<(usize, Scored, usize, f64)> = candidates
            .into_iter()
            .zip(scores)
            .filter(|(_, s)| s.score > self.threshold)
            .map(|((i, column, z), s)| (i, s, column, z))
            .collect();
        picked.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        picked.truncate(MAX_REPORTED);
        picked
    }
}

/// Each cut of a tree mixes two features (extension level 1 of Hariri et
/// al.): on Causeway's call features it ranks planted outliers as well as
/// full extension (every feature in every cut) in less than half the time;
/// axis-parallel cuts (level 0, the original isolation forest) found half
/// of them. Measured by bench/eif.sh, see docs/anomalies.md.
pub const EXTENSION_LEVEL: usize = 1;

/// The forest's parameters: 100 trees of 256 rows (the paper's defaults),
/// [`EXTENSION_LEVEL`].
pub fn forest_params(seed: u64) -> ForestParams {
    ForestParams {
        extension_level: Some(EXTENSION_LEVEL),
        seed,
        ..ForestParams::default()
    }
}

/// The rows fitting uses: all of them up to [`FIT_ROWS`], else each kept
/// with the same probability by a seeded hash of its position (a stride
/// could line up with a periodic workload and see one function only).
pub fn fit_sample(rows: usize, seed: u64) -> Vec<usize> {
    if rows <= FIT_ROWS {
        return (0..rows).collect();
    }
    let keep = (FIT_ROWS as u128 * (1u128 << 64) / rows as u128) as u64;
    (0..rows)
        .filter(|&i| mix(seed ^ (i as u64)) < keep)
        .collect()
}

fn sample<const D: usize>(rows: &[[f64; D]], seed: u64) -> Vec<[f64; D]> {
    fit_sample(rows.len(), seed)
        .into_iter()
        .map(|i| rows[i])
        .collect()
}

/// SplitMix64's finalizer: a well-spread hash of a 64-bit value.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The score threshold of a score distribution: median + k * 1.4826 * MAD.
fn threshold(scores: &[Scored]) -> f64 {
    let values: Vec<f64> = scores.iter().map(|s| s.score).collect();
    let m = median(&values);
    m + THRESHOLD_MADS * robust_spread(&values, m)
}

/// Fits a model on passing runs (`causeway train`).
pub fn train(rec: &Recording, seed: u64) -> OutlierModel {
    let cx = Context::new(rec);
    let table = cx.call_measures();
    let traces = measure_traces(&cx, table);
    let fitted_calls = (table.rows.len() >= 2).then(|| {
        let peers = call_peers(table);
        let rows = call_rows(table, &peers);
        FittedCalls {
            fitted: Fitted::fit(&rows, &CALL_COLUMNS, seed),
            peers: (0..table.groups.len())
                .map(|g| (table.group_name(rec, g as u32), peers[g].clone()))
                .collect(),
        }
    });
    let fitted_traces = (traces.len() >= 2).then(|| {
        let peers = trace_peers(&traces);
        let rows: Vec<[f64; 8]> = traces.iter().map(|t| trace_row(t, &peers)).collect();
        FittedTraces {
            fitted: Fitted::fit(&rows, &TRACE_COLUMNS, seed ^ TRACE_SEED),
            peers,
        }
    });
    OutlierModel {
        format: "causeway-model".to_string(),
        version: MODEL_VERSION,
        calls: fitted_calls,
        traces: fitted_traces,
    }
}

/// Traces get their own random stream.
const TRACE_SEED: u64 = 0x7472_6163_6573;

/// The detectors of outlier calls and traces.
pub struct Outliers<'m> {
    pub seed: u64,
    pub model: Option<&'m OutlierModel>,
}

/// Outlier calls.
pub struct CallOutliers<'m>(pub &'m Outliers<'m>);
/// Outlier traces.
pub struct TraceOutliers<'m>(pub &'m Outliers<'m>);

impl Detector for CallOutliers<'_> {
    fn code(&self) -> Code {
        Code::OutlierCall
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let table = cx.call_measures();
        let model = self.0.model.and_then(|m| m.calls.as_ref());
        if model.is_none() && table.rows.len() < MIN_CALLS {
            return Vec::new();
        }
        let mut peers = call_peers(table);
        if let Some(model) = model {
            // Groups the model never saw are judged against themselves.
            for (g, peer) in peers.iter_mut().enumerate() {
                if let Some(known) = model.peers.get(&table.group_name(cx.rec, g as u32)) {
                    *peer = known.clone();
                }
            }
        }
        let rows = call_rows(table, &peers);
        let fitted = fit_unless_given(model.map(|m| &m.fitted), &rows, &CALL_COLUMNS, self.0.seed);
        // A slow call inside a library is reported where the program
        // called it: the library's own calls shape the model but are not
        // findings (the user's call into them is slow too, and is theirs
        // to change).
        let own_code: Vec<bool> = table
            .rows
            .iter()
            .map(|row| !is_third_party(cx.rec.location(row.entry), &[]))
            .collect();
        fitted
            .select(&rows, |i| own_code[i])
            .into_iter()
            .map(|(i, scored, column, _)| {
                let call = &table.rows[i];
                let scaled = fitted.scaling.apply(&rows[i]);
                // Rows are in call order.
                describe_call(
                    cx,
                    call,
                    cx.calls.calls[i].exit,
                    &peers[call.group as usize],
                    scored,
                    &scaled,
                    column,
                )
            })
            .collect()
    }
}

impl Detector for TraceOutliers<'_> {
    fn code(&self) -> Code {
        Code::OutlierTrace
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let traces = measure_traces(cx, cx.call_measures());
        let model = self.0.model.and_then(|m| m.traces.as_ref());
        if model.is_none() && traces.len() < MIN_TRACES {
            return Vec::new();
        }
        let peers = model.map_or_else(|| trace_peers(&traces), |m| m.peers);
        let rows: Vec<[f64; 8]> = traces.iter().map(|t| trace_row(t, &peers)).collect();
        let fitted = fit_unless_given(
            model.map(|m| &m.fitted),
            &rows,
            &TRACE_COLUMNS,
            self.0.seed ^ TRACE_SEED,
        );
        fitted
            .select(&rows, |_| true)
            .into_iter()
            .map(|(i, scored, column, _)| describe_trace(cx, &traces[i], &peers, scored, column))
            .collect()
    }
}

/// A model's forest, or one fitted on the rows themselves.
fn fit_unless_given<'f, const D: usize>(
    model: Option<&'f Fitted>,
    rows: &[[f64; D]],
    columns: &[Column],
    seed: u64,
) -> Cow<'f, Fitted> {
    match model {
        Some(fitted) => Cow::Borrowed(fitted),
        None => Cow::Owned(Fitted::fit(rows, columns, seed)),
    }
}

fn describe_call(
    cx: &Context<'_>,
    call: &CallMeasures,
    exit: Option<EventIdx>,
    peer: &CallPeers,
    scored: Scored,
    scaled: &[f64],
    column: usize,
) -> Detection {
    let rec = cx.rec;
    let entry = call.entry;
    // The highest column names the anomaly; others that stand out as much
    // are mentioned after it. When both times stand out and are the same
    // number (nothing beneath the call on its thread), it is said once, as
    // the duration.
    let same_time = call.self_ns == call.duration_ns
        && scaled[0] >= MIN_FEATURE_DEVIATION
        && scaled[1] >= MIN_FEATURE_DEVIATION;
    let column = if same_time && column == 1 { 0 } else { column };
    let mut what = vec![call_phrase(call, peer, column)];
    let mut others: Vec<usize> = (0..scaled.len())
        .filter(|&j| j != column && scaled[j] >= MIN_FEATURE_DEVIATION)
        .filter(|&j| !(same_time && j <= 1))
        .collect();
    others.sort_by(|&a, &b| scaled[b].total_cmp(&scaled[a]).then(a.cmp(&b)));
    what.extend(
        others
            .into_iter()
            .take(2)
            .map(|j| call_phrase(call, peer, j)),
    );
    let mut affected = vec![entry];
    affected.extend(exit);
    Detection {
        event: entry,
        anomaly_type: CALL_TYPES[column].to_string(),
        score: scored.score,
        confidence: scored.agreement,
        description: format!(
            "call of `{}` at {}: {}",
            cx.function_name(entry),
            rec.location(entry),
            what.join("; ")
        ),
        affected: capped(affected),
    }
}

/// The anomaly type of a call by its highest column (see [`CALL_COLUMNS`]).
const CALL_TYPES: [&str; 9] = [
    "slow-call",
    "slow-self-time",
    "deep-call",
    "high-concurrency",
    "high-fan-out",
    "many-state-accesses",
    "lock-wait",
    "many-io-calls",
    "errors-beneath",
];

/// One column of a call in words, against its peers.
fn call_phrase(call: &CallMeasures, peer: &CallPeers, column: usize) -> String {
    let of_calls = format!("of its {} calls", peer.calls);
    let times = |value: f64, median: f64| {
        if median > 0.0 {
            format!("{:.1}x the median {}", value / median, fmt_count(median))
        } else {
            format!("the median is {}", fmt_count(median))
        }
    };
    let durations = |noun: &str, value: f64, median: f64| {
        let ratio = if median > 0.0 {
            format!("{:.1}x ", value / median)
        } else {
            String::new()
        };
        format!(
            "{noun} {}, {ratio}the median {} {of_calls}",
            duration_text(value),
            duration_text(median)
        )
    };
    match column {
        0 => durations("took", call.duration_ns, peer.duration_ns),
        1 => durations("self time", call.self_ns, peer.self_ns),
        2 => format!(
            "call depth {}, the median {of_calls} is {}",
            call.depth,
            fmt_count(peer.depth)
        ),
        3 => format!("{} threads were active when it started", call.concurrency),
        4 => format!(
            "{} calls and requests directly beneath it, {} {of_calls}",
            call.fan_out,
            times(f64::from(call.fan_out), peer.fan_out)
        ),
        5 => format!(
            "{} shared-state accesses beneath it, {} {of_calls}",
            call.accesses,
            times(f64::from(call.accesses), peer.accesses)
        ),
        6 => durations(
            "waited before locks for",
            call.lock_wait_ns,
            peer.lock_wait_ns,
        ),
        7 => format!(
            "{} queries and requests beneath it, {} {of_calls}",
            call.io,
            times(f64::from(call.io), peer.io)
        ),
        _ => format!("{} errors beneath it", call.errors),
    }
}

/// A count or median: no decimals when it is whole.
fn fmt_count(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn describe_trace(
    cx: &Context<'_>,
    trace: &TraceMeasures,
    peers: &TracePeers,
    scored: Scored,
    column: usize,
) -> Detection {
    let rec = cx.rec;
    let value = trace.values[column];
    let median = peers[column];
    let name = TRACE_COLUMNS[column].name;
    let kind = match name {
        "duration" => "slow-trace",
        "fan_out" => "high-fan-out",
        "errors" => "errors-in-trace",
        _ => "large-trace",
    };
    let (shown, typical) = if column == 0 {
        (duration_text(value), duration_text(median))
    } else {
        (fmt_count(value), fmt_count(median))
    };
    let noun = match name {
        "duration" => "duration",
        "events" => "events",
        "calls" => "calls",
        "fan_out" => "largest fan-out of one call",
        "depth" => "call depth",
        "threads" => "threads",
        "io_calls" => "queries and requests",
        _ => "errors",
    };
    let ratio = if median > 0.0 {
        format!(" ({:.1}x)", value / median)
    } else {
        String::new()
    };
    let mut affected: Vec<EventIdx> = vec![trace.first];
    affected.extend(trace.widest_call.filter(|&w| w != trace.first));
    Detection {
        event: trace.first,
        anomaly_type: kind.to_string(),
        score: scored.score,
        confidence: scored.agreement,
        description: format!(
            "trace {}: {noun} {shown}{ratio}, the median trace has {typical}",
            rec.str(rec.event(trace.first).trace)
        ),
        affected: capped(affected),
    }
}
