//! The JSON form of the graph, documented in docs/graph.md: `format`
//! `causeway-graph`, `version` 1, then `lanes`, `nodes` and `edges`.

use super::{label, lane_title};
use crate::graph::view::View;
use crate::model::Recording;
use serde_json::json;
use std::io::{self, Write};

pub(super) fn render(rec: &Recording, view: &View, out: &mut dyn Write) -> io::Result<()> {
    let lanes: Vec<_> = view
        .lanes
        .iter()
        .enumerate()
        .map(|(i, lane)| {
            json!({
                "id": format!("lane{i}"),
                "service": lane.service,
                "thread": lane.thread,
                "title": lane_title(view, i),
            })
        })
        .collect();
    let nodes: Vec<_> = view
        .nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            json!({
                "id": format!("n{n}"),
                "lane": format!("lane{}", node.lane),
                "first": rec.id_str(node.first),
                "last": rec.id_str(node.last),
                "events": node.count,
                "kind": rec.event(node.first).kind.as_str(),
                "location": rec.location(node.first),
                "label": label(rec, view, n),
            })
        })
        .collect();
    let edges: Vec<_> = view
        .edges
        .iter()
        .map(|&(from, to, kind)| {
            json!({"from": format!("n{from}"), "to": format!("n{to}"), "rule": kind.as_str()})
        })
        .collect();
    let doc = json!({
        "format": "causeway-graph",
        "version": 1,
        "lanes": lanes,
        "nodes": nodes,
        "edges": edges,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
