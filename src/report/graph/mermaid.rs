//! Mermaid: a top-down flowchart, one subgraph per lane, the rule of each
//! edge other than program order as its label.

use super::{label, lane_title};
use crate::graph::EdgeKind;
use crate::graph::view::View;
use crate::model::Recording;
use crate::report::escape;
use std::io::{self, Write};

pub(super) fn render(rec: &Recording, view: &View, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "flowchart TB")?;
    for (lane, nodes) in view.nodes_by_lane().into_iter().enumerate() {
        writeln!(
            out,
            "  subgraph lane{lane} [\"{}\"]",
            escape::mermaid(&lane_title(view, lane))
        )?;
        for n in nodes {
            writeln!(
                out,
                "    n{n}[\"{}\"]",
                escape::mermaid(&label(rec, view, n))
            )?;
        }
        writeln!(out, "  end")?;
    }
    for &(from, to, kind) in &view.edges {
        if kind == EdgeKind::ProgramOrder {
            writeln!(out, "  n{from} --> n{to}")?;
        } else {
            writeln!(out, "  n{from} -. {} .-> n{to}", kind.as_str())?;
        }
    }
    Ok(())
}
