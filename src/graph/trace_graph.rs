//! The causal graph of one trace: a petgraph DAG whose nodes are the trace's
//! events and whose edges are the happens-before edges between them
//! (program order along each line of execution, parents, spawn, join, lock
//! and message edges). Root-cause analysis asks it which events lie in an
//! error's causal past and by which path.

use super::edges::{Edge, EdgeKind};
use crate::model::{EventIdx, Recording, Sym};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{HashMap, VecDeque};

/// A DAG over the events of one trace.
pub struct TraceGraph {
    pub trace: Sym,
    graph: DiGraph<EventIdx, EdgeKind>,
    node_of: HashMap<EventIdx, NodeIndex>,
}

impl TraceGraph {
    /// The graph of a whole recording: every event, every edge (for the
    /// questions that cross traces, as happens-before does). `trace` is
    /// the first event's; `None` for an empty recording.
    pub fn whole(rec: &Recording, edges: &[Edge]) -> Option<TraceGraph> {
        let events: Vec<EventIdx> = rec.indices().collect();
        let trace = rec.events.first()?.trace;
        Some(TraceGraph::build(rec, trace, &events, edges))
    }

    /// Builds the graph of `trace`; `events` are its events in file order and
    /// `edges` the recording's sync edges.
    pub fn build(rec: &Recording, trace: Sym, events: &[EventIdx], edges: &[Edge]) -> TraceGraph {
        let mut graph = DiGraph::with_capacity(events.len(), events.len() * 2);
        let mut node_of = HashMap::with_capacity(events.len());
        let mut last_on_line = HashMap::new();
        for &idx in events {
            let node = graph.add_node(idx);
            node_of.insert(idx, node);
            if let Some(prev) = last_on_line.insert(rec.event(idx).exec, node) {
                graph.add_edge(prev, node, EdgeKind::ProgramOrder);
            }
        }
        for &idx in events {
            let to = node_of[&idx];
            // The sync edges leave out parents that program order implies;
            // the graph keeps them, as the causal chains follow parents.
            if let Some(parent) = rec.event(idx).parent
                && parent < idx
                && rec.event(parent).exec == rec.event(idx).exec
                && let Some(&from) = node_of.get(&parent)
            {
                graph.add_edge(from, to, EdgeKind::Parent);
            }
            let range =
                edges.partition_point(|e| e.to < idx)..edges.partition_point(|e| e.to <= idx);
            for edge in &edges[range] {
                if let Some(&from) = node_of.get(&edge.from) {
                    graph.add_edge(from, to, edge.kind);
                }
            }
        }
        TraceGraph {
            trace,
            graph,
            node_of,
        }
    }

    pub fn event_count(&self) -> usize {
        self.graph.node_count()
    }

    /// The events in a topological order, or `None` if the trace's edges
    /// form a cycle.
    pub fn topological_order(&self) -> Option<Vec<EventIdx>> {
        petgraph::algo::toposort(&self.graph, None)
            .ok()
            .map(|nodes| nodes.into_iter().map(|n| self.graph[n]).collect())
    }

    /// The events that happen before `target` within this trace, nearest
    /// first (breadth-first over incoming edges).
    pub fn causal_past(&self, target: EventIdx) -> Vec<EventIdx> {
        self.reachable(target, Direction::Incoming)
    }

    /// The events that `source` happens before within this trace, nearest
    /// first (breadth-first over outgoing edges).
    pub fn causal_future(&self, source: EventIdx) -> Vec<EventIdx> {
        self.reachable(source, Direction::Outgoing)
    }

    /// The rule of the edge from `from` to `to`, if there is one (the
    /// first in [`EdgeKind`] order when several rules give it).
    pub fn edge_kind(&self, from: EventIdx, to: EventIdx) -> Option<EdgeKind> {
        let (&a, &b) = (self.node_of.get(&from)?, self.node_of.get(&to)?);
        self.graph.edges_connecting(a, b).map(|e| *e.weight()).min()
    }

    /// Every edge, sorted by source, target and rule.
    pub fn edges(&self) -> Vec<Edge> {
        let mut edges: Vec<Edge> = self
            .graph
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = self.graph.edge_endpoints(e)?;
                Some(Edge {
                    from: self.graph[a],
                    to: self.graph[b],
                    kind: self.graph[e],
                })
            })
            .collect();
        edges.sort_unstable_by_key(|e| (e.from, e.to, e.kind));
        edges.dedup_by_key(|e| (e.from, e.to));
        edges
    }

    fn reachable(&self, start: EventIdx, direction: Direction) -> Vec<EventIdx> {
        let Some(&start) = self.node_of.get(&start) else {
            return Vec::new();
        };
        let mut seen = vec![false; self.graph.node_count()];
        seen[start.index()] = true;
        let mut queue = VecDeque::from([start]);
        let mut found = Vec::new();
        while let Some(node) = queue.pop_front() {
            for next in self.sorted_neighbors(node, direction) {
                if !seen[next.index()] {
                    seen[next.index()] = true;
                    found.push(self.graph[next]);
                    queue.push_back(next);
                }
            }
        }
        found
    }

    /// A shortest causal path from `from` to `to` (both included), or `None`
    /// if `from` does not happen before `to` within this trace.
    pub fn path(&self, from: EventIdx, to: EventIdx) -> Option<Vec<EventIdx>> {
        let (&start, &goal) = (self.node_of.get(&from)?, self.node_of.get(&to)?);
        let mut came_from: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        came_from.insert(start, start);
        while let Some(node) = queue.pop_front() {
            if node == goal {
                let mut path = vec![self.graph[node]];
                let mut current = node;
                while current != start {
                    current = came_from[&current];
                    path.push(self.graph[current]);
                }
                path.reverse();
                return Some(path);
            }
            for next in self.sorted_neighbors(node, Direction::Outgoing) {
                came_from.entry(next).or_insert_with(|| {
                    queue.push_back(next);
                    node
                });
            }
        }
        None
    }

    /// Neighbours in file order, so that searches are deterministic.
    fn sorted_neighbors(&self, node: NodeIndex, direction: Direction) -> Vec<NodeIndex> {
        let mut nodes: Vec<NodeIndex> = self.graph.neighbors_directed(node, direction).collect();
        nodes.sort_unstable_by_key(|&n| self.graph[n]);
        nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::edges::sync_edges;
    use crate::testutil::recording;

    fn graph_of(spec: &str) -> (Recording, TraceGraph) {
        let rec = recording(spec);
        let edges = sync_edges(&rec);
        let events: Vec<EventIdx> = rec.indices().collect();
        let trace = rec.event(EventIdx(0)).trace;
        let graph = TraceGraph::build(&rec, trace, &events, &edges);
        (rec, graph)
    }

    fn ids(rec: &Recording, events: &[EventIdx]) -> Vec<String> {
        events.iter().map(|&e| rec.id_str(e).to_string()).collect()
    }

    const SPEC: &str = "t1 call main\n\
                        t1 spawn t2 ^e1\n\
                        t2 w x @a.py:1\n\
                        t2 send m\n\
                        t1 recv m\n\
                        t1 r x @a.py:2\n\
                        t3 w y @b.py:1";

    #[test]
    fn paths_follow_happens_before_edges() {
        let (rec, graph) = graph_of(SPEC);
        assert_eq!(graph.event_count(), 7);
        let path = graph.path(EventIdx(2), EventIdx(5)).unwrap();
        assert_eq!(ids(&rec, &path), ["e3", "e4", "e5", "e6"]);
        assert_eq!(
            graph.path(EventIdx(6), EventIdx(5)),
            None,
            "t3 is unrelated"
        );
        assert_eq!(
            graph.path(EventIdx(5), EventIdx(2)),
            None,
            "edges only go forward"
        );
    }

    #[test]
    fn the_causal_past_is_nearest_first() {
        let (rec, graph) = graph_of(SPEC);
        let past = graph.causal_past(EventIdx(5));
        // By hops: e5 (program order), then e2 (program order) and e4 (the
        // message) in file order, then e1 and e3.
        assert_eq!(ids(&rec, &past), ["e5", "e2", "e4", "e1", "e3"]);
        assert!(graph.causal_past(EventIdx(6)).is_empty());
    }

    #[test]
    fn the_topological_order_respects_every_edge() {
        let (rec, graph) = graph_of(SPEC);
        let order = graph.topological_order().unwrap();
        let position = |id: &str| order.iter().position(|&e| rec.id_str(e) == id).unwrap();
        for (before, after) in [("e1", "e2"), ("e2", "e3"), ("e4", "e5"), ("e5", "e6")] {
            assert!(
                position(before) < position(after),
                "{before} before {after}"
            );
        }
    }
}
