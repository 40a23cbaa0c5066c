//! Temporal patterns over the run: a function whose latency drifts upward,
//! a burst of errors, a thread that stalls while the others go on.
//!
//! Each is a [`Detector`] with a fixed threshold on the size of the effect
//! (documented in docs/anomalies.md), so a clean trace reports nothing.

use super::{Context, Detection, Detector, capped, duration_text, effect_score, median};
use crate::analysis::codes::Code;
use crate::analysis::root_cause::failures;
use crate::model::{EventIdx, EventKind, Sym};
use rayon::prelude::*;
use std::collections::BTreeMap;

pub fn detectors() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(LatencyDrift),
        Box::new(ErrorBurst),
        Box::new(ThreadStall),
    ]
}

/// Latency drift needs this many finished calls of a function.
pub const DRIFT_MIN_CALLS: usize = 20;
/// ... a rank correlation of time and duration at least this strong ...
pub const DRIFT_MIN_CORRELATION: f64 = 0.6;
/// ... and the last third's median this many times the first third's.
pub const DRIFT_MIN_RATIO: f64 = 2.0;

pub struct LatencyDrift;

/// A finished call: (start, duration, entry).
type TimedCall = (i64, i64, EventIdx);

impl Detector for LatencyDrift {
    fn code(&self) -> Code {
        Code::LatencyDrift
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        // Per function: (start, duration, entry), finished calls only.
        let mut by_function: BTreeMap<Sym, Vec<TimedCall>> = BTreeMap::new();
        for call in &cx.calls.calls {
            let (Some(exit), Some(function)) = (call.exit, rec.event(call.entry).function) else {
                continue;
            };
            let start = rec.event(call.entry).timestamp_ns;
            let duration = rec.event(exit).timestamp_ns.saturating_sub(start).max(0);
            by_function
                .entry(function)
                .or_default()
                .push((start, duration, call.entry));
        }
        let by_function: Vec<(Sym, Vec<TimedCall>)> = by_function
            .into_iter()
            .filter(|(_, calls)| calls.len() >= DRIFT_MIN_CALLS)
            .collect();
        // Functions are independent; collecting keeps their order.
        by_function
            .into_par_iter()
            .filter_map(|(function, calls)| drift(rec, function, calls))
            .collect()
    }
}

/// The latency drift of one function's finished calls, if any.
fn drift(
    rec: &crate::model::Recording,
    function: Sym,
    mut calls: Vec<TimedCall>,
) -> Option<Detection> {
    calls.sort_unstable();
    let durations: Vec<f64> = calls.iter().map(|c| c.1 as f64).collect();
    let third = calls.len() / 3;
    let early = median(&durations[..third]);
    let late = median(&durations[calls.len() - third..]);
    let ratio = if early > 0.0 {
        late / early
    } else if late > 0.0 {
        f64::INFINITY
    } else {
        1.0
    };
    // The ratio is cheap, the rank correlation needs a sort: test
    // the ratio first.
    if ratio < DRIFT_MIN_RATIO {
        return None;
    }
    let rho = spearman_with_order(&durations);
    if rho < DRIFT_MIN_CORRELATION {
        return None;
    }
    let last = calls[calls.len() - 1].2;
    let mut affected = vec![last];
    affected.extend(calls.iter().take(5).map(|c| c.2));
    affected.extend(calls.iter().rev().skip(1).take(5).map(|c| c.2));
    Some(Detection {
        event: last,
        anomaly_type: "latency-drift".to_string(),
        score: effect_score(ratio / DRIFT_MIN_RATIO),
        confidence: correlation_confidence(rho, calls.len()),
        description: format!(
            "`{}` got slower over the run: median {} in the first third of its {} calls, {} in the last (rank correlation of time and duration {rho:.2})",
            rec.str(function),
            duration_text(early),
            calls.len(),
            duration_text(late)
        ),
        affected: capped(affected),
    })
}

/// A burst needs at least this many errors ...
pub const BURST_MIN_ERRORS: usize = 5;
/// ... within a window of this share of the run ...
pub const BURST_WINDOW_SHARE: f64 = 0.05;
/// ... at this many times the run's average error rate.
pub const BURST_MIN_RATE_RATIO: f64 = 4.0;

pub struct ErrorBurst;

impl Detector for ErrorBurst {
    fn code(&self) -> Code {
        Code::ErrorBurst
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        let mut errors: Vec<(i64, EventIdx)> = failures(rec)
            .into_iter()
            .map(|e| (rec.event(e).timestamp_ns, e))
            .collect();
        if errors.len() < BURST_MIN_ERRORS {
            return Vec::new();
        }
        errors.sort_unstable();
        let (Some(start), Some(end)) = (
            rec.events.iter().map(|e| e.timestamp_ns).min(),
            rec.events.iter().map(|e| e.timestamp_ns).max(),
        ) else {
            return Vec::new();
        };
        let run = (end - start) as f64;
        if run <= 0.0 {
            return Vec::new();
        }
        let window = (run * BURST_WINDOW_SHARE).max(1.0);
        let expected = errors.len() as f64 * BURST_WINDOW_SHARE;
        let needed = (BURST_MIN_ERRORS as f64).max(BURST_MIN_RATE_RATIO * expected);
        // Grow each burst from the first error whose window is dense enough
        // while the next error is still within a window of the last.
        let mut detections = Vec::new();
        let mut i = 0;
        while i < errors.len() {
            let in_window = errors[i..]
                .iter()
                .take_while(|e| ((e.0 - errors[i].0) as f64) <= window)
                .count();
            if (in_window as f64) < needed {
                i += 1;
                continue;
            }
            let mut j = i + in_window;
            while j < errors.len() && ((errors[j].0 - errors[j - 1].0) as f64) <= window / 4.0 {
                j += 1;
            }
            let burst = &errors[i..j];
            let span = (burst[burst.len() - 1].0 - burst[0].0).max(1) as f64;
            let rate_ratio = (burst.len() as f64 / span) / (errors.len() as f64 / run);
            detections.push(Detection {
                event: burst[0].1,
                anomaly_type: "error-burst".to_string(),
                score: effect_score(rate_ratio / BURST_MIN_RATE_RATIO),
                confidence: 1.0 - 1.0 / burst.len() as f64,
                description: format!(
                    "{} errors within {} ({rate_ratio:.1}x the run's average error rate; {} errors in {} overall)",
                    burst.len(),
                    duration_text(span),
                    errors.len(),
                    duration_text(run)
                ),
                affected: capped(burst.iter().map(|e| e.1).collect()),
            });
            i = j;
        }
        detections
    }
}

/// A gap is a stall when it is this many times the median gap between
/// consecutive events of a thread ...
pub const STALL_MIN_RATIO: f64 = 50.0;
/// ... at least this long ...
pub const STALL_MIN_NS: i64 = 10_000_000;
/// ... and other threads recorded at least this many events meanwhile.
pub const STALL_MIN_OTHER_EVENTS: usize = 20;

pub struct ThreadStall;

impl Detector for ThreadStall {
    fn code(&self) -> Code {
        Code::ThreadStall
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        let mut last_on_line: Vec<Option<EventIdx>> = vec![None; rec.exec_lines.len()];
        let mut gaps: Vec<(i64, EventIdx, EventIdx)> = Vec::new();
        for idx in rec.indices() {
            let event = rec.event(idx);
            if let Some(previous) = last_on_line[event.exec.index()].replace(idx) {
                let gap = event.timestamp_ns - rec.event(previous).timestamp_ns;
                gaps.push((gap, previous, idx));
            }
        }
        let mut positive: Vec<i64> = gaps.iter().map(|g| g.0).filter(|&g| g > 0).collect();
        if positive.is_empty() {
            return Vec::new();
        }
        let mid = positive.len() / 2;
        let typical = *positive.select_nth_unstable(mid).1 as f64;
        let threshold = (typical * STALL_MIN_RATIO).max(STALL_MIN_NS as f64);
        // Waiting for another task or a message is the program's design,
        // not a stall; a call with nothing recorded inside it took its time
        // (the outlier detector judges durations; every span of an imported
        // trace looks like that).
        gaps.retain(|&(gap, before, after)| {
            (gap as f64) >= threshold
                && !matches!(
                    rec.event(after).kind,
                    EventKind::AsyncAwait | EventKind::MessageReceive
                )
                && !(rec.event(after).kind == EventKind::FunctionExit
                    && cx.calls.owner(after).map(|c| cx.calls.get(c).entry) == Some(before))
                // Waiting for a lock another thread held is contention.
                && cx.lock_waits().of(after).is_none()
                // A lane with no call open is idle (waiting for work), not
                // stopped in the middle of something.
                && cx.calls.owner(after).is_some()
        });
        if gaps.is_empty() {
            return Vec::new();
        }
        let mut by_time: Vec<(i64, EventIdx)> = rec
            .indices()
            .map(|i| (rec.event(i).timestamp_ns, i))
            .collect();
        by_time.par_sort_unstable();
        // The longest stall per line of execution.
        let mut worst: BTreeMap<u32, (i64, EventIdx, EventIdx, usize)> = BTreeMap::new();
        for &(gap, before, after) in &gaps {
            let (from, to) = (
                rec.event(before).timestamp_ns,
                rec.event(after).timestamp_ns,
            );
            let window = &by_time
                [by_time.partition_point(|e| e.0 <= from)..by_time.partition_point(|e| e.0 < to)];
            let meanwhile = window.len();
            if meanwhile < STALL_MIN_OTHER_EVENTS || waited_for_own_work(cx, after, window) {
                continue;
            }
            let line = rec.event(after).exec.0;
            let entry = worst.entry(line).or_insert((gap, before, after, meanwhile));
            if gap > entry.0 {
                *entry = (gap, before, after, meanwhile);
            }
        }
        worst
            .into_values()
            .map(|(gap, before, after, meanwhile)| {
                let line = rec.exec_line(after);
                let waiting = match rec.event(after).kind {
                    EventKind::LockAcquire => format!(
                        " (lock `{}`, which no other thread held meanwhile)",
                        rec.event(after).subject.map_or("?", |s| rec.str(s))
                    ),
                    _ => String::new(),
                };
                Detection {
                    event: after,
                    anomaly_type: "thread-stall".to_string(),
                    score: effect_score(gap as f64 / threshold),
                    confidence: 1.0 - 1.0 / meanwhile as f64,
                    description: format!(
                        "thread {}/{} recorded nothing for {} ({:.0}x its usual gap) while other threads recorded {meanwhile} events, before {} at {}{waiting}",
                        rec.str(line.service),
                        rec.str(line.thread),
                        duration_text(gap as f64),
                        gap as f64 / typical,
                        rec.event(after).kind.as_str(),
                        rec.location(after)
                    ),
                    affected: vec![after, before],
                }
            })
            .collect()
    }
}

/// Whether events of the gap belong beneath the call the thread had open:
/// a span or a call that hands work to other threads and waits for it (as
/// every parent span of a distributed trace does) is not stalled. Looks at
/// the first events of the gap only: the answer shows early.
fn waited_for_own_work(cx: &Context<'_>, after: EventIdx, window: &[(i64, EventIdx)]) -> bool {
    const LOOKED_AT: usize = 10_000;
    let Some(open) = cx.calls.owner(after) else {
        return false;
    };
    window.iter().take(LOOKED_AT).any(|&(_, event)| {
        let mut current = cx.calls.owner(event);
        let mut steps = 0;
        while let Some(call) = current {
            if call == open {
                return true;
            }
            steps += 1;
            if steps > cx.calls.len() {
                break;
            }
            current = cx.calls.get(call).caller;
        }
        false
    })
}

/// Spearman's rank correlation of `values` with their order.
fn spearman_with_order(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let ranks = ranks(values);
    let mean = (n as f64 - 1.0) / 2.0;
    let (mut cov, mut var_x, mut var_y) = (0.0, 0.0, 0.0);
    for (i, r) in ranks.iter().enumerate() {
        let (dx, dy) = (i as f64 - mean, r - mean);
        cov += dx * dy;
        var_x += dx * dx;
        var_y += dy * dy;
    }
    if var_y == 0.0 {
        0.0
    } else {
        cov / (var_x * var_y).sqrt()
    }
}

/// Ranks from 0, ties sharing their average rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && values[order[j]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j - 1) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = rank;
        }
        i = j;
    }
    ranks
}

/// One minus the one-sided p-value of a rank correlation under the normal
/// approximation (z = rho * sqrt(n - 1)).
fn correlation_confidence(rho: f64, n: usize) -> f64 {
    let z = rho * ((n as f64) - 1.0).sqrt();
    normal_cdf(z)
}

/// The standard normal CDF (Abramowitz and Stegun 7.1.26, error < 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Thread `a` opens a call, then records nothing for 500 ms (the median
    /// gap is 1 to 2 ms) while thread `b` records 40 events; `a`'s next
    /// event is `closing`.
    fn stall_trace(children_of_a: bool, closing: &str) -> Vec<Detection> {
        let ts = |ms: f64| format!("2026-01-01T00:00:{:09.6}Z", ms / 1000.0);
        let mut lines = vec![format!(
            r#"{{"id":"a1","trace_id":"t","timestamp":"{}","kind":"function_entry","metadata":{{"thread":"a","function":"wait"}}}}"#,
            ts(0.0)
        )];
        for i in 0..20 {
            let parent = if children_of_a {
                r#","parent_id":"a1""#
            } else {
                ""
            };
            lines.push(format!(
                r#"{{"id":"b{i}","trace_id":"t","timestamp":"{}","kind":"function_entry"{parent},"metadata":{{"thread":"b","function":"work"}}}}"#,
                ts(1.0 + 3.0 * i as f64)
            ));
            lines.push(format!(
                r#"{{"id":"c{i}","trace_id":"t","timestamp":"{}","kind":"function_exit","parent_id":"b{i}","metadata":{{"thread":"b","function":"work"}}}}"#,
                ts(2.0 + 3.0 * i as f64)
            ));
        }
        lines.push(format!(
            r#"{{"id":"a2","trace_id":"t","timestamp":"{}","kind":"{closing}","metadata":{{"thread":"a","function":"wait","lock":"l"}}}}"#,
            ts(500.0)
        ));
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let rec = crate::testutil::from_jsonl(&lines);
        ThreadStall.detect(&Context::new(&rec))
    }

    #[test]
    fn an_idle_lane_is_not_stalled() {
        let ts = |ms: f64| format!("2026-01-01T00:00:{:09.6}Z", ms / 1000.0);
        let mut lines = vec![format!(
            r#"{{"id":"a1","trace_id":"t","timestamp":"{}","kind":"state_write","metadata":{{"thread":"a","variable":"x"}}}}"#,
            ts(0.0)
        )];
        for i in 0..40 {
            lines.push(format!(
                r#"{{"id":"b{i}","trace_id":"t","timestamp":"{}","kind":"state_write","metadata":{{"thread":"b","variable":"y"}}}}"#,
                ts(1.0 + i as f64)
            ));
        }
        lines.push(format!(
            r#"{{"id":"a2","trace_id":"t","timestamp":"{}","kind":"function_entry","metadata":{{"thread":"a","function":"next_job"}}}}"#,
            ts(500.0)
        ));
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let rec = crate::testutil::from_jsonl(&lines);
        assert!(ThreadStall.detect(&Context::new(&rec)).is_empty());
    }

    #[test]
    fn a_thread_stall_is_not_waiting_by_design() {
        assert_eq!(stall_trace(false, "lock_acquire").len(), 1, "a real stall");
        assert!(
            stall_trace(true, "lock_acquire").is_empty(),
            "the other thread worked beneath the open call"
        );
        assert!(
            stall_trace(false, "function_exit").is_empty(),
            "a call with nothing inside it took its time"
        );
    }

    #[test]
    fn rank_correlation_and_confidence() {
        assert!((spearman_with_order(&[1.0, 2.0, 3.0, 4.0]) - 1.0).abs() < 1e-12);
        assert!((spearman_with_order(&[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(spearman_with_order(&[2.0, 2.0, 2.0]), 0.0);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-3);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(duration_text(2_500_000.0), "2.5 ms");
    }
}
