//! Why two events are (or are not) ordered: the happens-before relation of
//! a pair (Lamport 1978) with the shortest chain of edges that proves it,
//! found breadth-first over the whole recording's graph
//! ([`TraceGraph::whole`]). For a concurrent pair, the nearest
//! synchronization that is missing: the last event on each side's line of
//! execution (at or before it) that does happen before the other event.
//!
//! The chain follows the edges of the format's rules; where the recording
//! carries its own vector clocks, the relation is still the edges' (the
//! answer says so).

use super::edges::{Edge, EdgeKind};
use super::trace_graph::TraceGraph;
use crate::model::{EventIdx, Recording};

/// How two events relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// The first happens before the second.
    Before,
    /// The second happens before the first.
    After,
    /// Neither: they are concurrent.
    Concurrent,
    /// The same event.
    Same,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Before => "before",
            Relation::After => "after",
            Relation::Concurrent => "concurrent",
            Relation::Same => "same",
        }
    }
}

/// The answer for a pair (a, b).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Why {
    pub a: EventIdx,
    pub b: EventIdx,
    pub relation: Relation,
    /// For `Before`: a chain from a to b; for `After`: from b to a; each
    /// edge with its rule. Empty otherwise.
    pub chain: Vec<Edge>,
    /// For `Concurrent`: the last event on a's line, at or before a, that
    /// happens before b (the synchronization b has from a's side), and its
    /// chain to b.
    pub nearest_from_a: Option<(EventIdx, Vec<Edge>)>,
    /// The same from b's side towards a.
    pub nearest_from_b: Option<(EventIdx, Vec<Edge>)>,
}

/// The event whose `id` is `id`, if any.
pub fn find_event(rec: &Recording, id: &str) -> Option<EventIdx> {
    rec.indices().find(|&idx| rec.id_str(idx) == id)
}

/// Answers for the pair; `graph` is the whole recording's.
pub fn why(rec: &Recording, graph: &TraceGraph, a: EventIdx, b: EventIdx) -> Why {
    let mut answer = Why {
        a,
        b,
        relation: Relation::Same,
        chain: Vec::new(),
        nearest_from_a: None,
        nearest_from_b: None,
    };
    if a == b {
        return answer;
    }
    if let Some(path) = graph.path(a, b) {
        answer.relation = Relation::Before;
        answer.chain = chain_of(graph, &path);
    } else if let Some(path) = graph.path(b, a) {
        answer.relation = Relation::After;
        answer.chain = chain_of(graph, &path);
    } else {
        answer.relation = Relation::Concurrent;
        answer.nearest_from_a = nearest(rec, graph, a, b);
        answer.nearest_from_b = nearest(rec, graph, b, a);
    }
    answer
}

/// The edges along a path of events, each with its rule.
fn chain_of(graph: &TraceGraph, path: &[EventIdx]) -> Vec<Edge> {
    path.windows(2)
        .map(|w| Edge {
            from: w[0],
            to: w[1],
            kind: graph
                .edge_kind(w[0], w[1])
                .unwrap_or(EdgeKind::ProgramOrder),
        })
        .collect()
}

/// The last event on `from`'s line of execution, at or before it, that
/// happens before `to`, with its chain.
fn nearest(
    rec: &Recording,
    graph: &TraceGraph,
    from: EventIdx,
    to: EventIdx,
) -> Option<(EventIdx, Vec<Edge>)> {
    let past: std::collections::HashSet<EventIdx> = graph.causal_past(to).into_iter().collect();
    let exec = rec.event(from).exec;
    let found = (0..=from.0)
        .rev()
        .map(EventIdx)
        .filter(|&e| rec.event(e).exec == exec)
        .find(|e| past.contains(e))?;
    let path = graph.path(found, to)?;
    Some((found, chain_of(graph, &path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::edges::sync_edges;
    use crate::testutil::recording;

    const SPEC: &str = "t1 call main\n\
                        t1 spawn t2 ^e1\n\
                        t2 w x @a.py:1\n\
                        t2 send m\n\
                        t1 recv m\n\
                        t1 r x @a.py:2\n\
                        t3 w y @b.py:1\n\
                        t2 w z @a.py:9";

    fn answer(a: &str, b: &str) -> (Recording, Why) {
        let rec = recording(SPEC);
        let graph = TraceGraph::whole(&rec, &sync_edges(&rec)).unwrap();
        let (a, b) = (find_event(&rec, a).unwrap(), find_event(&rec, b).unwrap());
        let why = why(&rec, &graph, a, b);
        (rec, why)
    }

    #[test]
    fn a_chain_proves_happens_before_with_its_rules() {
        let (rec, why) = answer("e3", "e6");
        assert_eq!(why.relation, Relation::Before);
        let hops: Vec<(&str, &str, EdgeKind)> = why
            .chain
            .iter()
            .map(|e| (rec.id_str(e.from), rec.id_str(e.to), e.kind))
            .collect();
        assert_eq!(
            hops,
            [
                ("e3", "e4", EdgeKind::ProgramOrder),
                ("e4", "e5", EdgeKind::Message),
                ("e5", "e6", EdgeKind::ProgramOrder)
            ]
        );
        let (_, reverse) = answer("e6", "e3");
        assert_eq!(reverse.relation, Relation::After);
        assert_eq!(reverse.chain, why.chain);
    }

    #[test]
    fn concurrent_events_name_the_nearest_synchronization() {
        // e8 (t2, after the send) and e6 (t1, after the receive): t2's
        // send e4 reaches e6; from t1's side, the spawn e2 reaches e8.
        let (rec, why) = answer("e8", "e6");
        assert_eq!(why.relation, Relation::Concurrent);
        assert!(why.chain.is_empty());
        let (from_a, _) = why.nearest_from_a.unwrap();
        assert_eq!(rec.id_str(from_a), "e4");
        let (from_b, chain) = why.nearest_from_b.unwrap();
        assert_eq!(rec.id_str(from_b), "e2");
        assert_eq!(chain[0].kind, EdgeKind::Spawn);
        let (_, unrelated) = answer("e7", "e6");
        assert_eq!(unrelated.relation, Relation::Concurrent);
        assert_eq!(unrelated.nearest_from_a, None);
    }
}
