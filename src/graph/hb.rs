//! Happens-before over a whole recording (Lamport 1978), answered with vector
//! clocks (Fidge 1988; Mattern 1988).
//!
//! Derived clocks: every event ticks its own line of execution and joins the
//! clocks of its incoming edges, visiting events in a topological order.
//! Then `a -> b` iff `clock(b)[line(a)] >= position(a)`, a test that needs
//! `b`'s clock only. When every edge points forward in file order (the usual
//! case), [`walk_in_file_order`] hands each event's clock to a visitor and
//! keeps none; otherwise [`compute`] keeps the clocks of state accesses.
//!
//! Given clocks: when every event carries a `causality_vector`, those decide
//! (`a -> b` iff `a <= b` pointwise and `a != b`). The derived edges are
//! still checked against them, and each edge the clocks contradict is a
//! warning.

use super::clock::{self, VectorClock};
use super::edges::{Edge, EdgeKind};
use crate::model::{Diagnostic, EventIdx, ExecId, GivenClocks, Recording, Severity};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// How many contradictions between given and derived clocks are listed one
/// by one before the rest are summarized.
const MAX_CLOCK_WARNINGS: usize = 20;

/// Answers "does a happen before b" for the events of one recording.
pub struct HappensBefore<'r> {
    source: Source<'r>,
    /// Each event's position on its line of execution.
    position: Vec<u32>,
    /// Per line of execution: its events are totally ordered by
    /// happens-before in file order (always so for derived clocks).
    chain: Vec<bool>,
}

enum Source<'r> {
    Derived(DerivedClocks),
    Given(&'r GivenClocks),
}

/// Clocks derived from the edges: each event's position on its line, and the
/// full clock of each state access.
struct DerivedClocks {
    exec: Vec<ExecId>,
    span: Vec<(u32, u32)>,
    arena: Vec<(u32, u64)>,
}

impl HappensBefore<'_> {
    /// Whether `a` happens before `b`. With derived clocks, `b` must be an
    /// event whose clock was kept (a state access, for [`compute`]).
    pub fn before(&self, a: EventIdx, b: EventIdx) -> bool {
        if a == b {
            return false;
        }
        match &self.source {
            Source::Derived(d) => {
                let (start, len) = d.span[b.index()];
                debug_assert!(
                    len > 0 || start == u32::MAX,
                    "clock of a non-access queried"
                );
                let clock_b = &d.arena[start as usize..(start + len) as usize];
                clock::get(clock_b, d.exec[a.index()].0) >= u64::from(self.position[a.index()])
            }
            Source::Given(g) => clock::before(g.of(a), g.of(b)),
        }
    }

    /// The position of an event on its line of execution (1-based).
    pub fn position(&self, e: EventIdx) -> u32 {
        self.position[e.index()]
    }

    /// Whether the events of a line of execution form a chain.
    pub fn is_chain(&self, exec: ExecId) -> bool {
        self.chain[exec.index()]
    }

    pub fn uses_given_clocks(&self) -> bool {
        matches!(self.source, Source::Given(_))
    }
}

/// Computes happens-before for a recording; `edges` are its sync edges
/// (sorted by target). Problems found go to `diagnostics`.
pub fn compute<'r>(
    rec: &'r Recording,
    edges: &[Edge],
    diagnostics: &mut Vec<Diagnostic>,
) -> HappensBefore<'r> {
    compute_keeping(
        rec,
        edges,
        |idx| rec.event(idx).access_class().is_some(),
        diagnostics,
    )
}

/// [`compute`], keeping derived clocks only for the events `keep` accepts:
/// [`HappensBefore::before`] then answers only for those as `b`. For a
/// detector that asks about a few accesses of a large recording.
pub fn compute_keeping<'r>(
    rec: &'r Recording,
    edges: &[Edge],
    keep: impl Fn(EventIdx) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> HappensBefore<'r> {
    let lines = LineLinks::new(rec);
    match &rec.given_clocks {
        Some(given) => {
            let chain = check_given(rec, given, edges, &lines, diagnostics);
            HappensBefore {
                source: Source::Given(given),
                position: lines.position,
                chain,
            }
        }
        None => {
            let derived = derive(rec, edges, &lines, in_file_order(edges), keep, diagnostics);
            HappensBefore {
                source: Source::Derived(derived),
                position: lines.position,
                chain: vec![true; rec.exec_lines.len()],
            }
        }
    }
}

/// Program order: each event's position on its line and its predecessor.
struct LineLinks {
    position: Vec<u32>,
    previous: Vec<Option<EventIdx>>,
}

impl LineLinks {
    fn new(rec: &Recording) -> Self {
        let mut count = vec![0u32; rec.exec_lines.len()];
        let mut last: Vec<Option<EventIdx>> = vec![None; rec.exec_lines.len()];
        let mut position = Vec::with_capacity(rec.events.len());
        let mut previous = Vec::with_capacity(rec.events.len());
        for idx in rec.indices() {
            let exec = rec.event(idx).exec.index();
            count[exec] += 1;
            position.push(count[exec]);
            previous.push(last[exec].replace(idx));
        }
        LineLinks { position, previous }
    }
}

fn derive(
    rec: &Recording,
    edges: &[Edge],
    lines: &LineLinks,
    in_file_order: bool,
    keep: impl Fn(EventIdx) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> DerivedClocks {
    let n = rec.events.len();
    let order = if in_file_order {
        (0..n as u32).map(EventIdx).collect()
    } else {
        let incoming = csr_start(n, edges.iter().map(|e| e.to.index()));
        topological_order(rec, edges, &incoming, lines, diagnostics)
    };
    let mut span = vec![(u32::MAX, 0u32); n];
    let mut arena = Vec::new();
    walk(rec, edges, order, &lines.position, |idx, _, clock| {
        if keep(idx) {
            let start = u32::try_from(arena.len()).expect("clock arena exceeds 2^32 entries");
            arena.extend_from_slice(clock.entries());
            span[idx.index()] = (start, clock.entries().len() as u32);
        }
    });
    DerivedClocks {
        exec: rec.events.iter().map(|e| e.exec).collect(),
        span,
        arena,
    }
}

/// Whether file order is a linear extension of the edges (every edge points
/// forward), so that clocks can be derived in one pass in file order.
pub fn in_file_order(edges: &[Edge]) -> bool {
    edges.iter().all(|e| e.from < e.to)
}

/// Visits every event in file order with its position on its line and its
/// derived clock, keeping no clock longer than an edge needs it. Only valid
/// when [`in_file_order`] holds.
pub fn walk_in_file_order(
    rec: &Recording,
    edges: &[Edge],
    visit: impl FnMut(EventIdx, u32, &VectorClock),
) {
    debug_assert!(in_file_order(edges));
    let position = LineLinks::new(rec).position;
    walk(rec, edges, rec.indices(), &position, visit);
}

/// Derives each event's clock in the given topological order: the clock of
/// the previous event on its line, joined with the clocks of its incoming
/// edges' sources, then ticked to its own position. Sources not yet visited
/// lost their edge to a cycle and are skipped.
fn walk(
    rec: &Recording,
    edges: &[Edge],
    order: impl IntoIterator<Item = EventIdx>,
    position: &[u32],
    mut visit: impl FnMut(EventIdx, u32, &VectorClock),
) {
    let n = rec.events.len();
    let incoming = csr_start(n, edges.iter().map(|e| e.to.index()));
    // How many later events still need each event's clock (a dense array:
    // it is read once per event, in order).
    let mut readers = vec![0u32; n];
    for e in edges {
        readers[e.from.index()] += 1;
    }
    let mut snapshots: HashMap<EventIdx, VectorClock, foldhash::fast::RandomState> =
        HashMap::default();
    let mut current: Vec<VectorClock> = vec![VectorClock::new(); rec.exec_lines.len()];
    let mut done = vec![false; n];

    for idx in order {
        let exec = rec.event(idx).exec;
        let mut clock = std::mem::take(&mut current[exec.index()]);
        let range = incoming[idx.index()] as usize..incoming[idx.index() + 1] as usize;
        for edge in &edges[range] {
            let source = edge.from;
            if !done[source.index()] {
                continue;
            }
            if let Some(snapshot) = snapshots.get(&source) {
                clock.join(snapshot.entries());
            }
            let left = &mut readers[source.index()];
            *left -= 1;
            if *left == 0 {
                snapshots.remove(&source);
            }
        }
        let own = position[idx.index()];
        clock.set(exec.0, u64::from(own));
        visit(idx, own, &clock);
        if readers[idx.index()] > 0 {
            snapshots.insert(idx, clock.clone());
        }
        done[idx.index()] = true;
        current[exec.index()] = clock;
    }
}

/// `start[i]..start[i + 1]` is the range of items keyed `i`, for items sorted
/// by key.
fn csr_start(n: usize, keys: impl Iterator<Item = usize>) -> Vec<u32> {
    let mut start = vec![0u32; n + 1];
    for k in keys {
        start[k + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    start
}

/// Kahn's algorithm, always taking the earliest ready event in file order so
/// that the result is deterministic. A cycle (edges that contradict program
/// order) is broken at its earliest event by ignoring that event's incoming
/// edges from events not yet visited, each with a warning.
fn topological_order(
    rec: &Recording,
    edges: &[Edge],
    incoming: &[u32],
    lines: &LineLinks,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<EventIdx> {
    let n = rec.events.len();
    let mut next_on_line: Vec<Option<EventIdx>> = vec![None; n];
    let mut waiting = vec![0u32; n];
    for idx in rec.indices() {
        if let Some(prev) = lines.previous[idx.index()] {
            next_on_line[prev.index()] = Some(idx);
            waiting[idx.index()] += 1;
        }
    }
    let mut by_source: Vec<usize> = (0..edges.len()).collect();
    by_source.sort_unstable_by_key(|&i| (edges[i].from, edges[i].to));
    let outgoing = csr_start(n, by_source.iter().map(|&i| edges[i].from.index()));
    for e in edges {
        waiting[e.to.index()] += 1;
    }

    let mut done = vec![false; n];
    let mut ready: BinaryHeap<Reverse<EventIdx>> = rec
        .indices()
        .filter(|i| waiting[i.index()] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(n);
    let mut earliest_pending = 0usize;
    while order.len() < n {
        let Some(Reverse(idx)) = ready.pop() else {
            while done[earliest_pending] {
                earliest_pending += 1;
            }
            let stuck = EventIdx(earliest_pending as u32);
            let range = incoming[stuck.index()] as usize..incoming[stuck.index() + 1] as usize;
            for edge in &edges[range] {
                if !done[edge.from.index()] {
                    diagnostics.push(Diagnostic {
                        severity: Severity::Warning,
                        file: rec.event(stuck).origin.file,
                        line: rec.event(stuck).origin.line,
                        message: format!(
                            "happens-before cycle: the {} edge from `{}` to `{}` contradicts program order and is ignored",
                            edge.kind.as_str(),
                            rec.id_str(edge.from),
                            rec.id_str(stuck)
                        ),
                    });
                }
            }
            waiting[stuck.index()] = 0;
            ready.push(Reverse(stuck));
            continue;
        };
        if done[idx.index()] {
            continue;
        }
        done[idx.index()] = true;
        order.push(idx);
        let mut release = |target: EventIdx, ready: &mut BinaryHeap<Reverse<EventIdx>>| {
            if !done[target.index()] && waiting[target.index()] > 0 {
                waiting[target.index()] -= 1;
                if waiting[target.index()] == 0 {
                    ready.push(Reverse(target));
                }
            }
        };
        if let Some(next) = next_on_line[idx.index()] {
            release(next, &mut ready);
        }
        let range = outgoing[idx.index()] as usize..outgoing[idx.index() + 1] as usize;
        for &edge in &by_source[range] {
            release(edges[edge].to, &mut ready);
        }
    }
    order
}

/// Checks the given clocks against every derived edge and returns, per line
/// of execution, whether the clocks keep its events in order.
fn check_given(
    rec: &Recording,
    given: &GivenClocks,
    edges: &[Edge],
    lines: &LineLinks,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<bool> {
    let mut chain = vec![true; rec.exec_lines.len()];
    let program_order = rec.indices().filter_map(|to| {
        lines.previous[to.index()].map(|from| Edge {
            from,
            to,
            kind: EdgeKind::ProgramOrder,
        })
    });
    let mut contradictions = 0usize;
    let mut last_origin = None;
    for edge in program_order.chain(edges.iter().copied()) {
        if clock::before(given.of(edge.from), given.of(edge.to)) {
            continue;
        }
        if edge.kind == EdgeKind::ProgramOrder {
            chain[rec.event(edge.to).exec.index()] = false;
        }
        contradictions += 1;
        let origin = rec.event(edge.to).origin;
        last_origin = Some(origin);
        if contradictions <= MAX_CLOCK_WARNINGS {
            diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                file: origin.file,
                line: origin.line,
                message: format!(
                    "causality_vector of `{}` does not place it after `{}`, which the events order before it ({}); the clocks decide",
                    rec.id_str(edge.to),
                    rec.id_str(edge.from),
                    edge.kind.as_str()
                ),
            });
        }
    }
    if contradictions > MAX_CLOCK_WARNINGS
        && let Some(origin) = last_origin
    {
        diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            file: origin.file,
            line: origin.line,
            message: format!(
                "{} more edges contradict the given causality_vector clocks (not listed)",
                contradictions - MAX_CLOCK_WARNINGS
            ),
        });
    }
    chain
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;
    use crate::testutil::recording;

    #[test]
    fn given_clocks_decide_even_where_the_events_show_no_order() {
        // No event links t1 and t2, but the clocks say t1's write came first.
        let rec = recording("t1 w x @a.py:1 [a=1]\nt2 w x @a.py:2 [a=1,b=1]");
        let analysis = analyze(&rec, None);
        assert!(analysis.used_given_clocks);
        assert!(analysis.races.groups.is_empty());
        assert!(analysis.diagnostics.is_empty());

        let concurrent = recording("t1 w x @a.py:1 [a=1]\nt2 w x @a.py:2 [b=1]");
        assert_eq!(analyze(&concurrent, None).races.groups.len(), 1);
    }

    #[test]
    fn given_clocks_that_contradict_an_edge_are_reported() {
        // The lock orders t1's release before t2's acquire, the clocks don't.
        let rec = recording("t1 acq L [a=1]\nt1 rel L [a=2]\nt2 acq L [b=1]\nt2 rel L [b=2]");
        let analysis = analyze(&rec, None);
        assert_eq!(analysis.diagnostics.len(), 1);
        assert!(analysis.diagnostics[0].message.contains("(lock)"));
        assert_eq!(analysis.diagnostics[0].line, 3);
    }

    #[test]
    fn clocks_on_some_events_only_are_ignored_with_a_warning() {
        let rec = recording("t1 w x @a.py:1 [a=1]\nt2 w x @a.py:2");
        assert!(rec.given_clocks.is_none());
        assert!(
            rec.diagnostics
                .iter()
                .any(|d| d.message.contains("1 of 2 events"))
        );
        assert_eq!(analyze(&rec, None).races.groups.len(), 1);
    }

    #[test]
    fn a_cycle_through_program_order_is_broken_with_a_warning() {
        // e1's parent is e2, which comes after it on the same thread.
        let rec = recording("t1 w x @a.py:1 ^e2\nt1 w y @a.py:2\nt2 w x @a.py:3");
        let analysis = analyze(&rec, None);
        assert_eq!(analysis.diagnostics.len(), 1, "{:?}", analysis.diagnostics);
        assert!(
            analysis.diagnostics[0]
                .message
                .contains("happens-before cycle")
        );
        assert_eq!(analysis.races.groups.len(), 1);
    }

    #[test]
    fn program_order_is_per_file() {
        // The same thread name in two files is two lines of execution, but
        // still one thread: its accesses never race with each other.
        let rec = recording("t1 w x @a.py:1\n--\nt1 w x @a.py:2");
        assert_eq!(rec.exec_lines.len(), 2);
        assert!(analyze(&rec, None).races.groups.is_empty());
    }
}
