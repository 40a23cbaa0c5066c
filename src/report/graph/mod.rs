//! Renderings of the happens-before graph ([`crate::graph::view::View`]):
//! Graphviz DOT ([`dot`]), Mermaid ([`mermaid`]) and JSON ([`json`]), one
//! file per format behind [`GraphFormat::render`]. Every trace string goes
//! through the escaping of its format; node and cluster names are made up
//! here (`n0`, `lane0`), never taken from the trace.

mod dot;
mod json;
mod mermaid;

use crate::graph::view::{View, describe};
use crate::model::Recording;
use std::io::{self, Write};

/// The formats of `causeway graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// The documented JSON form (docs/graph.md).
    Json,
    /// A Mermaid flowchart.
    Mermaid,
}

impl GraphFormat {
    /// Writes the view in this format.
    pub fn render(self, rec: &Recording, view: &View, out: &mut dyn Write) -> io::Result<()> {
        match self {
            GraphFormat::Dot => dot::render(rec, view, out),
            GraphFormat::Json => json::render(rec, view, out),
            GraphFormat::Mermaid => mermaid::render(rec, view, out),
        }
    }
}

/// A node's label: its event, or the first and last of its run.
fn label(rec: &Recording, view: &View, node: usize) -> String {
    let node = &view.nodes[node];
    if node.count == 1 {
        describe(rec, node.first)
    } else {
        format!(
            "{} … {} ({} events)",
            describe(rec, node.first),
            describe(rec, node.last),
            node.count
        )
    }
}

/// A lane's title.
fn lane_title(view: &View, lane: usize) -> String {
    let lane = &view.lanes[lane];
    format!("{}/{}", lane.service, lane.thread)
}

#[cfg(test)]
mod tests;
