//! The happens-before graph as it is exported (`causeway graph`): lanes
//! (one per line of execution), nodes and edges with their rule. A run of
//! consecutive events on a lane that no edge enters or leaves from another
//! lane is one node (its first and last event, and how many), unless every
//! event is asked for. Selections: one trace, or the events within N hops
//! of one event.

use super::edges::{Edge, EdgeKind, sync_edges};
use crate::model::{EventIdx, EventKind, Recording};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// Which part of the graph, and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only events of this trace (its id as recorded).
    pub trace: Option<String>,
    /// Only events within `depth` edges (either direction) of this event.
    pub around: Option<(EventIdx, usize)>,
    /// One node per event.
    pub all_events: bool,
}

/// A lane: one line of execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    pub service: String,
    pub thread: String,
}

/// A node: one event, or a run of local events on a lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub lane: usize,
    pub first: EventIdx,
    pub last: EventIdx,
    /// Events this node stands for.
    pub count: usize,
}

/// The exported graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    pub lanes: Vec<Lane>,
    /// In file order of their first event.
    pub nodes: Vec<Node>,
    /// Between nodes (indices into `nodes`), sorted, without duplicates.
    pub edges: Vec<(usize, usize, EdgeKind)>,
}

impl View {
    /// Per lane, its nodes (indices into `nodes`) in order: one pass, for
    /// renderers that draw lane by lane.
    pub fn nodes_by_lane(&self) -> Vec<Vec<usize>> {
        let mut by_lane = vec![Vec::new(); self.lanes.len()];
        for (n, node) in self.nodes.iter().enumerate() {
            by_lane[node.lane].push(n);
        }
        by_lane
    }
}

/// A one-line description of an event: kind, what it is about, location.
pub fn describe(rec: &Recording, idx: EventIdx) -> String {
    let event = rec.event(idx);
    let mut text = event.kind.as_str().to_string();
    if let Some(subject) = event.subject.or(event.function) {
        text.push(' ');
        text.push_str(rec.str(subject));
    }
    let location = rec.location(idx);
    if location != crate::model::UNKNOWN_LOCATION {
        text.push_str(" @ ");
        text.push_str(location);
    }
    text
}

/// Every happens-before edge of the recording: program order between
/// consecutive events of each line of execution, then the sync edges;
/// sorted by source and target.
pub fn all_edges(rec: &Recording) -> Vec<Edge> {
    let mut edges = sync_edges(rec);
    let mut last: HashMap<crate::model::ExecId, EventIdx> = HashMap::new();
    for idx in rec.indices() {
        if let Some(prev) = last.insert(rec.event(idx).exec, idx) {
            edges.push(Edge {
                from: prev,
                to: idx,
                kind: EdgeKind::ProgramOrder,
            });
        }
    }
    edges.sort_unstable_by_key(|e| (e.from, e.to, e.kind));
    edges.dedup_by_key(|e| (e.from, e.to));
    edges
}

/// Builds the view. `None` when the trace asked for has no event.
pub fn build(rec: &Recording, options: &Options) -> Option<View> {
    let edges = all_edges(rec);
    let mut selected: Vec<bool> = match &options.trace {
        Some(trace) => rec
            .indices()
            .map(|idx| rec.str(rec.event(idx).trace) == trace.as_str())
            .collect(),
        None => vec![true; rec.events.len()],
    };
    if let Some((center, depth)) = options.around {
        let near = within(rec, &edges, center, depth);
        for (keep, near) in selected.iter_mut().zip(near) {
            *keep &= near;
        }
    }
    if !selected.iter().any(|&s| s) {
        return None;
    }
    // Events joined by an edge across lanes (or to an unselected event's
    // lane) end a run of local events.
    let mut linked = vec![false; rec.events.len()];
    for edge in &edges {
        if rec.event(edge.from).exec != rec.event(edge.to).exec {
            linked[edge.from.index()] = true;
            linked[edge.to.index()] = true;
        }
    }
    let mut lanes = Vec::new();
    let mut lane_of_exec: HashMap<crate::model::ExecId, usize> = HashMap::new();
    let mut open: HashMap<usize, usize> = HashMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut node_of: HashMap<EventIdx, usize> = HashMap::new();
    for idx in rec.indices().filter(|i| selected[i.index()]) {
        let event = rec.event(idx);
        let lane = *lane_of_exec.entry(event.exec).or_insert_with(|| {
            let line = rec.exec_line(idx);
            lanes.push(Lane {
                service: rec.str(line.service).to_string(),
                thread: rec.str(line.thread).to_string(),
            });
            lanes.len() - 1
        });
        let local = !options.all_events && !linked[idx.index()] && event.kind != EventKind::Error;
        match open.get(&lane) {
            Some(&n) if local => {
                nodes[n].last = idx;
                nodes[n].count += 1;
                node_of.insert(idx, n);
            }
            _ => {
                nodes.push(Node {
                    lane,
                    first: idx,
                    last: idx,
                    count: 1,
                });
                node_of.insert(idx, nodes.len() - 1);
                if local {
                    open.insert(lane, nodes.len() - 1);
                } else {
                    open.remove(&lane);
                }
            }
        }
    }
    let mut between = BTreeSet::new();
    let mut last_on_lane: HashMap<usize, usize> = HashMap::new();
    for (n, node) in nodes.iter().enumerate() {
        if let Some(prev) = last_on_lane.insert(node.lane, n) {
            between.insert((prev, n, EdgeKind::ProgramOrder));
        }
    }
    for edge in edges.iter().filter(|e| e.kind != EdgeKind::ProgramOrder) {
        let (Some(&a), Some(&b)) = (node_of.get(&edge.from), node_of.get(&edge.to)) else {
            continue;
        };
        // Parents on the same lane are implied by program order.
        if a != b && nodes[a].lane != nodes[b].lane {
            between.insert((a, b, edge.kind));
        }
    }
    let mut edges: Vec<(usize, usize, EdgeKind)> = between.into_iter().collect();
    edges.dedup_by_key(|e| (e.0, e.1));
    Some(View {
        lanes,
        nodes,
        edges,
    })
}

/// Events within `depth` edges of `center`, either direction.
fn within(rec: &Recording, edges: &[Edge], center: EventIdx, depth: usize) -> Vec<bool> {
    let mut adjacent: HashMap<EventIdx, Vec<EventIdx>> = HashMap::new();
    for edge in edges {
        adjacent.entry(edge.from).or_default().push(edge.to);
        adjacent.entry(edge.to).or_default().push(edge.from);
    }
    let mut near = vec![false; rec.events.len()];
    near[center.index()] = true;
    let mut queue = VecDeque::from([(center, 0)]);
    while let Some((idx, d)) = queue.pop_front() {
        if d == depth {
            continue;
        }
        for &next in adjacent.get(&idx).into_iter().flatten() {
            if !near[next.index()] {
                near[next.index()] = true;
                queue.push_back((next, d + 1));
            }
        }
    }
    near
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::recording;

    const SPEC: &str = "t1 call main\n\
                        t1 r a @a.py:1\n\
                        t1 spawn t2 ^e1\n\
                        t2 w x @a.py:1\n\
                        t2 w y @a.py:2\n\
                        t2 send m\n\
                        t1 recv m\n\
                        t1 r x @a.py:3";

    #[test]
    fn local_runs_collapse_and_cross_lane_edges_stay() {
        let rec = recording(SPEC);
        let view = build(&rec, &Options::default()).unwrap();
        assert_eq!(view.lanes.len(), 2);
        let counts: Vec<usize> = view.nodes.iter().map(|n| n.count).collect();
        // t1: [call, read] spawn ... recv [read]; t2: [w x] is entered by
        // the spawn, [w y] local, send.
        assert_eq!(counts.iter().sum::<usize>(), 8);
        assert!(counts.iter().any(|&c| c > 1), "{counts:?}");
        let kinds: Vec<EdgeKind> = view.edges.iter().map(|e| e.2).collect();
        assert!(kinds.contains(&EdgeKind::Spawn));
        assert!(kinds.contains(&EdgeKind::Message));
        let all = build(
            &rec,
            &Options {
                all_events: true,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(all.nodes.len(), 8);
    }

    #[test]
    fn around_keeps_the_neighbourhood() {
        let rec = recording(SPEC);
        let view = build(
            &rec,
            &Options {
                around: Some((EventIdx(6), 1)),
                all_events: true,
                ..Options::default()
            },
        )
        .unwrap();
        let ids: Vec<&str> = view.nodes.iter().map(|n| rec.id_str(n.first)).collect();
        assert_eq!(ids, ["e3", "e6", "e7", "e8"]);
    }
}
