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
        let Some(&start) = self.node_of.get(&target) else {
            return Vec::new();
        };
        let mut seen = vec![false; self.graph.node_count()];
        seen[start.index()] = true;
        let mut queue = VecDeque::from([start]);
        let mut past = Vec::new();
        while let Some(node) = queue.pop_front() {
            for pred in self.sorted_neighbors(node, Direction::Incoming) {
                if !seen[pred.index()] {
                    seen[pred.index()] = true;
                    past.push(self.graph[pred]);
                    queue.push_back(pred);
                }
            }
        }
        past
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
