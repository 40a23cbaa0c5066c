//! Feature rows for the outlier model: one per function call and one per
//! trace (request).
//!
//! Raw measurements first ([`CallMeasures`], [`TraceMeasures`]): durations,
//! counts, depth. Then each becomes a feature relative to its peers: a
//! call's duration as the log ratio to the median duration of the same
//! function, a trace's event count as the log ratio to the median trace.
//! Relative features let one forest judge fast and slow functions alike.
//! Last, each column is scaled robustly (median and MAD, with a floor so
//! that a column that hardly varies does not turn tiny differences into
//! outliers). Missing values (a call that never returned has no duration)
//! become the peer median, so they are never outliers by themselves;
//! non-finite values cannot reach the forest.

use crate::analysis::anomaly::Context;
use crate::analysis::anomaly::forest::Matrix;
use crate::analysis::anomaly::{median, robust_spread};
use crate::model::{EventIdx, EventKind, Recording, Sym};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Durations are compared as if 0.1 ms longer: differences of a few dozen
/// microseconds are scheduling and interpreter noise (a Python call of 30 us
/// that took 85 us once is not worth a report), while a call of milliseconds
/// is judged by its ratio alone.
pub const DURATION_FLOOR_NS: f64 = 100_000.0;

/// A column of a feature matrix: its name and the least scale it gets.
pub struct Column {
    pub name: &'static str,
    /// The smallest robust scale: a difference of this much is one unit.
    pub min_scale: f64,
}

/// The per-call features, in matrix column order.
pub const CALL_COLUMNS: [Column; 9] = [
    // ln(duration / median of the function), in the function's own spread.
    Column {
        name: "duration",
        min_scale: 1.0,
    },
    Column {
        name: "self_time",
        min_scale: 1.0,
    },
    // Levels deeper than the function's median depth.
    Column {
        name: "depth",
        min_scale: 1.0,
    },
    // ln(1 + threads active when the call started).
    Column {
        name: "concurrency",
        min_scale: 0.35,
    },
    // ln((1 + children) / (1 + median children)): 0.35 is about 1.4x.
    Column {
        name: "fan_out",
        min_scale: 0.35,
    },
    Column {
        name: "state_accesses",
        min_scale: 0.35,
    },
    // ln((wait + D) / (median wait + D)), D the function's median duration;
    // the wait is the time from the thread's previous event to each
    // `lock_acquire` in the call.
    Column {
        name: "lock_wait",
        min_scale: 0.35,
    },
    Column {
        name: "io_calls",
        min_scale: 0.35,
    },
    // ln(1 + errors beneath).
    Column {
        name: "errors",
        min_scale: 0.35,
    },
];

/// The per-trace features, in matrix column order; all log ratios to the
/// median trace.
pub const TRACE_COLUMNS: [Column; 8] = [
    Column {
        name: "duration",
        min_scale: 0.22,
    },
    Column {
        name: "events",
        min_scale: 0.35,
    },
    Column {
        name: "calls",
        min_scale: 0.35,
    },
    Column {
        name: "fan_out",
        min_scale: 0.35,
    },
    Column {
        name: "depth",
        min_scale: 0.35,
    },
    Column {
        name: "threads",
        min_scale: 0.35,
    },
    Column {
        name: "io_calls",
        min_scale: 0.35,
    },
    Column {
        name: "errors",
        min_scale: 0.35,
    },
];

/// What was measured of one call. Compact: a recording holds millions.
#[derive(Clone, Debug, Default)]
pub struct CallMeasures {
    pub entry: EventIdx,
    /// The peer group, an index of [`CallTable::groups`].
    pub group: u32,
    /// NaN when the call never returned.
    pub duration_ns: f64,
    pub self_ns: f64,
    pub depth: u32,
    pub concurrency: u32,
    pub fan_out: u32,
    pub accesses: u32,
    pub lock_wait_ns: f64,
    pub io: u32,
    pub errors: u32,
}

/// The calls of a recording, measured, with their peer groups.
#[derive(Debug, Default)]
pub struct CallTable {
    /// In call order (the order of [`crate::graph::calls::Calls`]).
    pub rows: Vec<CallMeasures>,
    /// Peer groups: (service, function), or (service, location) for a
    /// call that names no function.
    pub groups: Vec<(Sym, Sym)>,
}

impl CallTable {
    /// A group's name as a model file keys it: service U+001F function.
    pub fn group_name(&self, rec: &Recording, group: u32) -> String {
        let (service, name) = self.groups[group as usize];
        format!("{}\u{1f}{}", rec.str(service), rec.str(name))
    }
}

/// The medians of a peer group of calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallPeers {
    pub calls: u64,
    pub duration_ns: f64,
    pub self_ns: f64,
    /// The spread (1.4826 MAD) of the calls' log duration ratios, floored:
    /// how much this function's durations usually vary.
    pub duration_spread: f64,
    pub self_spread: f64,
    pub depth: f64,
    pub fan_out: f64,
    pub accesses: f64,
    pub lock_wait_ns: f64,
    pub io: f64,
}

/// Measures every call of the recording.
pub fn measure_calls(cx: &Context<'_>) -> CallTable {
    let rec = cx.rec;
    let calls = &cx.calls;
    let ts = |i: EventIdx| rec.event(i).timestamp_ns as f64;
    let mut group_of: HashMap<(Sym, Sym), u32, foldhash::fast::RandomState> = HashMap::default();
    let mut groups = Vec::new();
    let mut rows: Vec<CallMeasures> = calls
        .calls
        .iter()
        .map(|call| {
            let event = rec.event(call.entry);
            let key = (
                rec.exec_line(call.entry).service,
                event.function.unwrap_or(event.location),
            );
            let group = *group_of.entry(key).or_insert_with(|| {
                groups.push(key);
                groups.len() as u32 - 1
            });
            CallMeasures {
                entry: call.entry,
                group,
                duration_ns: call
                    .exit
                    .map(|exit| ts(exit) - ts(call.entry))
                    .filter(|d| d.is_finite() && *d >= 0.0)
                    .unwrap_or(f64::NAN),
                depth: call.depth,
                ..CallMeasures::default()
            }
        })
        .collect();
    // Direct counts, and the time before each lock acquisition.
    let mut previous_on_line: Vec<Option<EventIdx>> = vec![None; rec.exec_lines.len()];
    let mut child_time = vec![0.0; rows.len()];
    let mut contended = vec![0.0; rows.len()];
    // Calls are numbered in the file order of their entries.
    let mut next_call = 0usize;
    for idx in rec.indices() {
        let event = rec.event(idx);
        let previous = previous_on_line[event.exec.index()].replace(idx);
        let started = (event.kind == EventKind::FunctionEntry).then(|| {
            next_call += 1;
            next_call - 1
        });
        let Some(owner) = calls.owner(idx) else {
            continue;
        };
        let row = &mut rows[owner.index()];
        match event.kind {
            EventKind::FunctionEntry => {
                row.fan_out += 1;
                // Time in a child on the same thread is not the caller's own.
                if let Some(exit) = started.and_then(|c| calls.calls[c].exit)
                    && rec.event(exit).exec == event.exec
                {
                    child_time[owner.index()] += (ts(exit) - ts(idx)).max(0.0);
                }
            }
            EventKind::HttpRequest | EventKind::DbQuery => {
                row.fan_out += 1;
                row.io += 1;
            }
            EventKind::AsyncSpawn | EventKind::MessageSend => row.fan_out += 1,
            EventKind::StateRead | EventKind::StateWrite => row.accesses += 1,
            // A wait for a lock another thread held is contention, which
            // `lock-contention` reports once; it is taken out of the call's
            // measures below rather than making the waiting call an outlier.
            EventKind::LockAcquire => match cx.lock_waits().of(idx) {
                Some(wait) => contended[owner.index()] += wait.wait_ns.max(0) as f64,
                None => {
                    if let Some(previous) = previous {
                        row.lock_wait_ns += (ts(idx) - ts(previous)).max(0.0);
                    }
                }
            },
            _ => {}
        }
        if event.is_error() {
            row.errors += 1;
        }
    }
    for (row, children) in rows.iter_mut().zip(&child_time) {
        row.self_ns = (row.duration_ns - children).max(0.0);
    }
    // A contended wait is the waiting call's own time; the holder's share
    // (its critical section while another thread waited) is time of the
    // call that took the lock. Both are part of the duration of every
    // caller on the same thread.
    for wait in &cx.lock_waits().waits {
        let hold = wait.contended_hold_ns(rec) as f64;
        if let Some(holder) = wait.held_from.and_then(|a| calls.owner(a))
            && hold > 0.0
        {
            contended_duration(rec, calls, &mut rows, holder.index(), hold);
        }
    }
    for (i, &wait) in contended.iter().enumerate() {
        if wait > 0.0 {
            rows[i].self_ns = (rows[i].self_ns - wait).max(0.0);
            contended_duration(rec, calls, &mut rows, i, wait);
        }
    }
    // Accesses, I/O and errors count the whole subtree: add each call's
    // totals to its caller, deepest calls first.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    // Integer sums: the order within a depth does not matter.
    order.par_sort_unstable_by_key(|&i| std::cmp::Reverse(calls.calls[i].depth));
    for i in order {
        if let Some(caller) = calls.calls[i].caller {
            let (accesses, io, errors) = (rows[i].accesses, rows[i].io, rows[i].errors);
            let up = &mut rows[caller.index()];
            up.accesses += accesses;
            up.io += io;
            up.errors += errors;
        }
    }
    // Concurrency: lines of execution active (between their first and last
    // event) when the call started.
    let mut first = vec![i64::MAX; rec.exec_lines.len()];
    let mut last = vec![i64::MIN; rec.exec_lines.len()];
    for event in &rec.events {
        let line = event.exec.index();
        first[line] = first[line].min(event.timestamp_ns);
        last[line] = last[line].max(event.timestamp_ns);
    }
    first.sort_unstable();
    last.sort_unstable();
    for row in &mut rows {
        let t = rec.event(row.entry).timestamp_ns;
        let started = first.partition_point(|&f| f <= t);
        let ended = last.partition_point(|&l| l < t);
        row.concurrency = started.saturating_sub(ended) as u32;
    }
    CallTable { rows, groups }
}

/// Takes `ns` of lock contention out of call `i`'s duration and those of
/// its callers on the same thread; no self time stays above its duration.
fn contended_duration(
    rec: &Recording,
    calls: &crate::graph::calls::Calls,
    rows: &mut [CallMeasures],
    i: usize,
    ns: f64,
) {
    let exec = rec.event(calls.calls[i].entry).exec;
    let mut current = Some(i);
    let mut steps = 0;
    while let Some(call) = current {
        if rec.event(calls.calls[call].entry).exec != exec || steps > calls.calls.len() {
            break;
        }
        let row = &mut rows[call];
        row.duration_ns = (row.duration_ns - ns).max(0.0);
        row.self_ns = row.self_ns.min(row.duration_ns);
        current = calls.calls[call].caller.map(|c| c.index());
        steps += 1;
    }
}

/// The medians of every peer group, by group number.
pub fn call_peers(table: &CallTable) -> Vec<CallPeers> {
    let mut members: Vec<Vec<&CallMeasures>> = vec![Vec::new(); table.groups.len()];
    for row in &table.rows {
        members[row.group as usize].push(row);
    }
    members
        .into_par_iter()
        .map(|members| {
            let of = |f: &dyn Fn(&CallMeasures) -> f64| {
                let values: Vec<f64> = members
                    .iter()
                    .map(|m| f(m))
                    .filter(|v| v.is_finite())
                    .collect();
                median(&values)
            };
            let duration_ns = of(&|m| m.duration_ns);
            let self_ns = of(&|m| m.self_ns);
            let spread = |median: f64, f: &dyn Fn(&CallMeasures) -> f64| {
                let ratios: Vec<f64> = members
                    .iter()
                    .map(|m| duration_ratio(f(m), median))
                    .filter(|v| v.is_finite())
                    .collect();
                robust_spread(&ratios, 0.0).max(MIN_DURATION_SPREAD)
            };
            CallPeers {
                calls: members.len() as u64,
                duration_spread: spread(duration_ns, &|m| m.duration_ns),
                self_spread: spread(self_ns, &|m| m.self_ns),
                duration_ns,
                self_ns,
                depth: of(&|m| f64::from(m.depth)),
                fan_out: of(&|m| f64::from(m.fan_out)),
                accesses: of(&|m| f64::from(m.accesses)),
                lock_wait_ns: of(&|m| m.lock_wait_ns),
                io: of(&|m| f64::from(m.io)),
            }
        })
        .collect()
}

/// The unscaled feature rows of every call of a table, each against the
/// peers of its group (`peers` indexed by group).
pub fn call_rows(table: &CallTable, peers: &[CallPeers]) -> Vec<[f64; 9]> {
    table
        .rows
        .par_iter()
        .map(|c| call_row(c, &peers[c.group as usize]))
        .collect()
}

/// `ln((value + F) / (median + F))`, F = [`DURATION_FLOOR_NS`]; 0 for a
/// missing value (the median's: never an outlier by itself).
fn duration_ratio(value: f64, median: f64) -> f64 {
    if value.is_finite() {
        ((value + DURATION_FLOOR_NS) / (median + DURATION_FLOOR_NS)).ln()
    } else {
        0.0
    }
}

/// The least spread of a function's log duration ratios (about 1.25x):
/// a function whose calls all take the same time does not make a slightly
/// slower call an outlier.
const MIN_DURATION_SPREAD: f64 = 0.22;

/// The unscaled feature row of a call against its peers. Durations are
/// measured in the function's own spread, so a function whose calls vary a
/// lot (a cache hit or miss) is not judged by the spread of steady ones.
pub fn call_row(row: &CallMeasures, peers: &CallPeers) -> [f64; 9] {
    let spread = |s: f64| if s > 0.0 { s } else { MIN_DURATION_SPREAD };
    let count_ratio = |value: u32, median: f64| ((1.0 + f64::from(value)) / (1.0 + median)).ln();
    [
        duration_ratio(row.duration_ns, peers.duration_ns) / spread(peers.duration_spread),
        duration_ratio(row.self_ns, peers.self_ns) / spread(peers.self_spread),
        f64::from(row.depth) - peers.depth,
        f64::from(row.concurrency).ln_1p(),
        count_ratio(row.fan_out, peers.fan_out),
        count_ratio(row.accesses, peers.accesses),
        // A wait counts against the function's usual duration: waiting 20 us
        // in a call that usually takes 20 us is ordinary, 20 times that is
        // not (most calls of a function may take no lock at all).
        ((row.lock_wait_ns + peers.duration_ns.max(DURATION_FLOOR_NS))
            / (peers.lock_wait_ns + peers.duration_ns.max(DURATION_FLOOR_NS)))
        .ln(),
        count_ratio(row.io, peers.io),
        f64::from(row.errors).ln_1p(),
    ]
}

/// What was measured of one trace.
#[derive(Clone, Debug, Default)]
pub struct TraceMeasures {
    /// Its first event in file order.
    pub first: EventIdx,
    /// The call with the largest fan-out, if any.
    pub widest_call: Option<EventIdx>,
    pub values: [f64; 8],
}

/// The median trace: the median of each raw trace measure.
pub type TracePeers = [f64; 8];

/// Measures every trace, in order of first appearance.
pub fn measure_traces(cx: &Context<'_>, calls: &CallTable) -> Vec<TraceMeasures> {
    let rec = cx.rec;
    struct Acc {
        first: EventIdx,
        start: i64,
        end: i64,
        events: f64,
        calls: f64,
        widest: Option<(f64, EventIdx)>,
        depth: f64,
        lines: Vec<u32>,
        io: f64,
        errors: f64,
    }
    // Traces in order of first appearance; a dense table from trace symbol
    // to slot (symbols are small integers).
    let mut slot_of = vec![u32::MAX; rec.strings.len()];
    let mut traces: Vec<Acc> = Vec::new();
    for idx in rec.indices() {
        let event = rec.event(idx);
        let slot = &mut slot_of[event.trace.index()];
        if *slot == u32::MAX {
            *slot = traces.len() as u32;
            traces.push(Acc {
                first: idx,
                start: event.timestamp_ns,
                end: event.timestamp_ns,
                events: 0.0,
                calls: 0.0,
                widest: None,
                depth: 0.0,
                lines: Vec::new(),
                io: 0.0,
                errors: 0.0,
            });
        }
        let acc = &mut traces[*slot as usize];
        acc.start = acc.start.min(event.timestamp_ns);
        acc.end = acc.end.max(event.timestamp_ns);
        acc.events += 1.0;
        if !acc.lines.contains(&event.exec.0) && acc.lines.len() < 1024 {
            acc.lines.push(event.exec.0);
        }
        match event.kind {
            EventKind::HttpRequest | EventKind::DbQuery => acc.io += 1.0,
            _ => {}
        }
        if event.is_error() {
            acc.errors += 1.0;
        }
    }
    for call in &calls.rows {
        let slot = slot_of[rec.event(call.entry).trace.index()];
        if let Some(acc) = traces.get_mut(slot as usize) {
            let fan_out = f64::from(call.fan_out);
            acc.calls += 1.0;
            acc.depth = acc.depth.max(f64::from(call.depth) + 1.0);
            if acc.widest.is_none_or(|(f, _)| fan_out > f) {
                acc.widest = Some((fan_out, call.entry));
            }
        }
    }
    traces
        .iter()
        .map(|acc| TraceMeasures {
            first: acc.first,
            widest_call: acc.widest.map(|w| w.1),
            values: [
                (acc.end - acc.start).max(0) as f64,
                acc.events,
                acc.calls,
                acc.widest.map_or(0.0, |w| w.0),
                acc.depth,
                acc.lines.len() as f64,
                acc.io,
                acc.errors,
            ],
        })
        .collect()
}

/// The median of each trace measure.
pub fn trace_peers(rows: &[TraceMeasures]) -> TracePeers {
    std::array::from_fn(|j| {
        let values: Vec<f64> = rows.iter().map(|r| r.values[j]).collect();
        median(&values)
    })
}

/// The unscaled feature row of a trace against the median trace.
pub fn trace_row(row: &TraceMeasures, peers: &TracePeers) -> [f64; 8] {
    std::array::from_fn(|j| {
        if j == 0 {
            ((row.values[0] + DURATION_FLOOR_NS) / (peers[0] + DURATION_FLOOR_NS)).ln()
        } else {
            ((1.0 + row.values[j]) / (1.0 + peers[j])).ln()
        }
    })
}

/// Robust scaling of each column: `(x - center) / scale`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    pub center: Vec<f64>,
    pub scale: Vec<f64>,
}

/// Scaled values are clamped to this, so that one absurd value cannot
/// stretch every tree's bounding box (it is isolated at the first split
/// either way).
const MAX_SCALED: f64 = 1_000.0;

impl Scaling {
    /// Median and MAD (times 1.4826, the normal consistency constant) of
    /// each column, the scale no lower than the column's floor.
    pub fn fit<const D: usize>(rows: &[[f64; D]], columns: &[Column]) -> Scaling {
        let mut center = Vec::with_capacity(columns.len());
        let mut scale = Vec::with_capacity(columns.len());
        for (j, column) in columns.iter().enumerate() {
            let values: Vec<f64> = rows.iter().map(|r| finite(r[j])).collect();
            let m = median(&values);
            center.push(m);
            scale.push(robust_spread(&values, m).max(column.min_scale));
        }
        Scaling { center, scale }
    }

    /// A row scaled; non-finite values become the center.
    pub fn apply(&self, row: &[f64]) -> Vec<f64> {
        (0..row.len()).map(|j| self.scaled(row, j)).collect()
    }

    fn scaled(&self, row: &[f64], j: usize) -> f64 {
        let (x, c, s) = (row[j], self.center[j], self.scale[j]);
        let x = if x.is_finite() { x } else { c };
        ((x - c) / s).clamp(-MAX_SCALED, MAX_SCALED)
    }

    /// The matrix of scaled rows.
    pub fn matrix<const D: usize>(&self, rows: &[[f64; D]]) -> Matrix {
        let mut matrix = Matrix::new(self.center.len());
        for row in rows {
            matrix.push_row(&self.apply(row));
        }
        matrix
    }

    /// The column that lies furthest above its center, and by how much
    /// (scaled); `None` for an empty row.
    pub fn highest(&self, row: &[f64]) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for j in 0..row.len().min(self.center.len()) {
            let z = self.scaled(row, j);
            if best.is_none_or(|(_, b)| z > b) {
                best = Some((j, z));
            }
        }
        best
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}
