//! Graphviz DOT: one cluster per lane, program order as plain edges, the
//! other rules as labelled dashed edges.

use super::{label, lane_title};
use crate::graph::EdgeKind;
use crate::graph::view::View;
use crate::model::Recording;
use crate::report::escape;
use std::io::{self, Write};

pub(super) fn render(rec: &Recording, view: &View, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph causeway {{")?;
    writeln!(out, "  rankdir=TB;")?;
    writeln!(out, "  node [shape=box, fontname=\"monospace\"];")?;
    for (lane, nodes) in view.nodes_by_lane().into_iter().enumerate() {
        writeln!(out, "  subgraph cluster_lane{lane} {{")?;
        writeln!(
            out,
            "    label=\"{}\";",
            escape::dot(&lane_title(view, lane))
        )?;
        for n in nodes {
            writeln!(
                out,
                "    n{n} [label=\"{}\", tooltip=\"{}\"];",
                escape::dot(&label(rec, view, n)),
                escape::dot(rec.id_str(view.nodes[n].first))
            )?;
        }
        writeln!(out, "  }}")?;
    }
    for &(from, to, kind) in &view.edges {
        if kind == EdgeKind::ProgramOrder {
            writeln!(out, "  n{from} -> n{to};")?;
        } else {
            writeln!(
                out,
                "  n{from} -> n{to} [label=\"{}\", style=dashed, constraint=true];",
                kind.as_str()
            )?;
        }
    }
    writeln!(out, "}}")
}
