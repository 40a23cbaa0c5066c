//! `causeway diff`: what differs between a passing and a failing run of
//! the same program. The runs are aligned by what they did ([`align`]);
//! then, for every pair of conflicting operations both runs performed (two
//! accesses to a variable from different lanes, one a write; two
//! acquisitions of a lock from different lanes; two receives on a
//! channel), the order each run observed is compared. The observed order
//! is the events' timestamps (file order breaking ties), which agrees with
//! happens-before wherever the recorder's clock is monotonic, so a
//! difference in timing alone (durations, gaps) that keeps the order is
//! never an ordering difference.
//!
//! Differences are ranked by relevance to the failure: those with an event
//! in the causal past of the failing run's first error come first (the
//! nearest to the error first). Each says whether `analyze` reports the
//! race of its two locations in either run. Calls whose arguments or
//! results differ and events only one run has are listed too.

mod align;

use super::Analysis;
use crate::graph::TraceGraph;
use crate::graph::edges::sync_edges;
use crate::model::{EventIdx, EventKind, Recording};
use align::{Aligned, lane, shown};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// Above this many conflicting operations on one resource, its pairs are
/// not compared (the comparison is quadratic); the diff says so.
pub const MAX_OPS_PER_RESOURCE: usize = 4000;

/// One run: its recording and what `analyze` found in it.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    pub rec: &'a Recording,
    pub analysis: &'a Analysis,
}

/// An event as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shown {
    pub id: String,
    pub lane: String,
    pub what: String,
    pub location: String,
}

/// Two conflicting operations that the runs performed in opposite orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderDiff {
    /// `variable NAME`, `lock NAME` or `channel NAME`.
    pub resource: String,
    /// The passing run's order: first, then second.
    pub passing: [Shown; 2],
    /// The failing run's order: first, then second.
    pub failing: [Shown; 2],
    /// An event of the pair (in the failing run) happens before the
    /// failing run's first error.
    pub precedes_failure: bool,
    /// `analyze` reports a race between these two locations on this
    /// variable, in the passing run, the failing run, or both.
    pub race_in: Vec<&'static str>,
}

/// A call (or its return) whose recorded values differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueDiff {
    pub passing: Shown,
    pub failing: Shown,
    /// `args`, `kwargs`, `return_value` or `exception`.
    pub field: String,
    pub passing_value: String,
    pub failing_value: String,
}

/// What differs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiffReport {
    /// The failing run's first error, if it has one.
    pub failure: Option<Shown>,
    /// Most relevant first.
    pub order: Vec<OrderDiff>,
    pub values: Vec<ValueDiff>,
    pub only_passing: Vec<Shown>,
    pub only_failing: Vec<Shown>,
    /// Resources whose pairs were not compared (too many operations).
    pub skipped: Vec<String>,
}

impl DiffReport {
    /// Whether an ordering difference precedes the failure (exit code 1).
    pub fn ordering_precedes_failure(&self) -> bool {
        self.order.iter().any(|d| d.precedes_failure)
    }
}

/// A conflicting operation: what it is on, and whether it writes.
fn resource(rec: &Recording, aligned: &Aligned, idx: EventIdx) -> Option<(String, bool)> {
    let event = rec.event(idx);
    let service = rec.str(rec.exec_line(idx).service);
    let subject = event.subject.map(|s| rec.str(s));
    match event.kind {
        EventKind::StateRead | EventKind::StateWrite => {
            let name = subject?;
            let scope = if event.flags.global {
                String::new()
            } else {
                format!("{service}:")
            };
            Some((
                format!("variable {scope}{name}"),
                event.kind == EventKind::StateWrite,
            ))
        }
        EventKind::LockAcquire => Some((format!("lock {service}:{}", subject?), true)),
        EventKind::MessageReceive => {
            let channel = aligned.metadata[idx.index()]
                .get("channel")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            Some((format!("channel {channel}"), true))
        }
        _ => None,
    }
}

/// Races `analyze` found, as (service, variable, location, location).
fn races(run: Run<'_>) -> HashSet<(String, String, String)> {
    run.analysis
        .races
        .groups
        .iter()
        .map(|g| {
            let scope = g
                .variable
                .service
                .map_or(String::new(), |s| format!("{}:", run.rec.str(s)));
            let mut locations = [
                run.rec.str(g.locations[0]).to_string(),
                run.rec.str(g.locations[1]).to_string(),
            ];
            locations.sort();
            let [a, b] = locations;
            (
                format!("variable {scope}{}", run.rec.str(g.variable.name)),
                a,
                b,
            )
        })
        .collect()
}

/// Compares the runs.
pub fn diff(passing: Run<'_>, failing: Run<'_>) -> DiffReport {
    let (p, f) = (
        align::align(passing.rec, &align::lane_names(failing.rec)),
        align::align(failing.rec, &align::lane_names(passing.rec)),
    );
    let mut report = DiffReport::default();

    // The failure and its causal past, in the failing run.
    let first_error = failing
        .rec
        .indices()
        .find(|&i| failing.rec.event(i).is_error());
    let mut before_failure = vec![false; failing.rec.events.len()];
    if let Some(error) = first_error {
        report.failure = Some(shown(failing.rec, error));
        before_failure[error.index()] = true;
        if let Some(graph) = TraceGraph::whole(failing.rec, &sync_edges(failing.rec)) {
            for idx in graph.causal_past(error) {
                before_failure[idx.index()] = true;
            }
        }
    }

    // Conflicting operations per resource, in the passing run's order,
    // keeping those the failing run performed too.
    let mut ops: BTreeMap<String, Vec<(EventIdx, EventIdx, bool)>> = BTreeMap::new();
    let mut in_order: Vec<EventIdx> = passing.rec.indices().collect();
    in_order.sort_by_key(|i| p.rank[i.index()]);
    for idx in in_order {
        let Some((res, writes)) = resource(passing.rec, &p, idx) else {
            continue;
        };
        if let Some(&other) = f.index_of.get(&p.keys[idx.index()]) {
            ops.entry(res).or_default().push((idx, other, writes));
        }
    }
    let races = (races(passing), races(failing));
    let mut order = Vec::new();
    for (res, list) in &ops {
        if list.len() > MAX_OPS_PER_RESOURCE {
            report.skipped.push(res.clone());
            continue;
        }
        let is_variable = res.starts_with("variable ");
        for (i, &(pa, fa, wa)) in list.iter().enumerate() {
            for &(pb, fb, wb) in &list[i + 1..] {
                let same_lane = lane(passing.rec, pa) == lane(passing.rec, pb);
                let conflicting = if is_variable {
                    !same_lane && (wa || wb)
                } else if res.starts_with("lock ") {
                    !same_lane
                } else {
                    true
                };
                if !conflicting || f.rank[fa.index()] < f.rank[fb.index()] {
                    continue;
                }
                let mut locations = [
                    passing.rec.location(pa).to_string(),
                    passing.rec.location(pb).to_string(),
                ];
                locations.sort();
                let [la, lb] = locations;
                let key = (res.clone(), la, lb);
                let mut race_in = Vec::new();
                if is_variable && races.0.contains(&key) {
                    race_in.push("passing");
                }
                if is_variable && races.1.contains(&key) {
                    race_in.push("failing");
                }
                let nearness = f.rank[fa.index()].max(f.rank[fb.index()]);
                order.push((
                    nearness,
                    OrderDiff {
                        resource: res.clone(),
                        passing: [shown(passing.rec, pa), shown(passing.rec, pb)],
                        failing: [shown(failing.rec, fb), shown(failing.rec, fa)],
                        precedes_failure: before_failure[fa.index()] || before_failure[fb.index()],
                        race_in,
                    },
                ));
            }
        }
    }
    // Before the failure first, the nearest to it first; then in the
    // failing run's order.
    order.sort_by(|(na, a), (nb, b)| {
        b.precedes_failure
            .cmp(&a.precedes_failure)
            .then_with(|| {
                if a.precedes_failure {
                    nb.cmp(na)
                } else {
                    na.cmp(nb)
                }
            })
            .then_with(|| a.resource.cmp(&b.resource))
    });
    report.order = order.into_iter().map(|(_, d)| d).collect();

    // Values of calls, and events only one run has.
    for idx in passing.rec.indices() {
        let key = &p.keys[idx.index()];
        let Some(&other) = f.index_of.get(key) else {
            report.only_passing.push(shown(passing.rec, idx));
            continue;
        };
        let fields: &[&str] = match passing.rec.event(idx).kind {
            EventKind::FunctionEntry => &["args", "kwargs"],
            EventKind::FunctionExit => &["return_value", "exception"],
            _ => &[],
        };
        for &field in fields {
            let text = |v: Option<&serde_json::Value>| {
                v.map_or("(none)".into(), |v| without_addresses(&v.to_string()))
            };
            let (a, b) = (
                text(p.metadata[idx.index()].get(field)),
                text(f.metadata[other.index()].get(field)),
            );
            if a != b {
                report.values.push(ValueDiff {
                    passing: shown(passing.rec, idx),
                    failing: shown(failing.rec, other),
                    field: field.to_string(),
                    passing_value: a,
                    failing_value: b,
                });
            }
        }
    }
    for idx in failing.rec.indices() {
        if !p.index_of.contains_key(&f.keys[idx.index()]) {
            report.only_failing.push(shown(failing.rec, idx));
        }
    }
    report
}

/// A value with the memory addresses of reprs (`<function f at
/// 0x7f3a...>`, `<Bank object at 0x...>`) blanked: they differ between any
/// two runs and say nothing about what the program did.
fn without_addresses(text: &str) -> String {
    static ADDRESS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r" at 0x[0-9a-fA-F]+").expect("a valid regex")
    });
    ADDRESS.replace_all(text, " at 0x…").into_owned()
}

#[cfg(test)]
mod tests;
