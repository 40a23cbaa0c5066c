//! The answer of `causeway why` as text or JSON: the relation, then the
//! chain of edges that proves it (each with its rule and both events'
//! locations), or for concurrent events the nearest synchronization on
//! each side.

use crate::graph::Edge;
use crate::graph::view::describe;
use crate::graph::why::{Relation, Why};
use crate::model::{EventIdx, Recording};
use crate::report::printable;
use serde_json::json;
use std::io::{self, Write};

/// The formats of `causeway why`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WhyFormat {
    Text,
    Json,
}

fn event(rec: &Recording, idx: EventIdx) -> String {
    printable(&format!("{} ({})", describe(rec, idx), rec.id_str(idx))).into_owned()
}

fn write_chain(rec: &Recording, chain: &[Edge], out: &mut dyn Write) -> io::Result<()> {
    for edge in chain {
        writeln!(
            out,
            "  {}\n    -> [{}] {}",
            event(rec, edge.from),
            edge.kind.as_str(),
            event(rec, edge.to)
        )?;
    }
    Ok(())
}

fn chain_json(rec: &Recording, chain: &[Edge]) -> serde_json::Value {
    chain
        .iter()
        .map(|e| {
            json!({
                "from": rec.id_str(e.from),
                "from_location": rec.location(e.from),
                "to": rec.id_str(e.to),
                "to_location": rec.location(e.to),
                "rule": e.kind.as_str(),
            })
        })
        .collect()
}

pub fn render(
    rec: &Recording,
    why: &Why,
    format: WhyFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (a, b) = (why.a, why.b);
    if format == WhyFormat::Json {
        let side = |s: &Option<(EventIdx, Vec<Edge>)>| {
            s.as_ref()
                .map(|(e, chain)| json!({"event": rec.id_str(*e), "chain": chain_json(rec, chain)}))
        };
        let doc = json!({
            "a": rec.id_str(a),
            "b": rec.id_str(b),
            "relation": why.relation.as_str(),
            "chain": chain_json(rec, &why.chain),
            "nearest_from_a": side(&why.nearest_from_a),
            "nearest_from_b": side(&why.nearest_from_b),
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        return writeln!(out);
    }
    match why.relation {
        Relation::Same => writeln!(out, "{} is the same event", event(rec, a)),
        Relation::Before | Relation::After => {
            let (x, y) = if why.relation == Relation::Before {
                (a, b)
            } else {
                (b, a)
            };
            writeln!(
                out,
                "{}\n  happens before\n{}\n\nproof ({} edge(s)):",
                event(rec, x),
                event(rec, y),
                why.chain.len()
            )?;
            write_chain(rec, &why.chain, out)
        }
        Relation::Concurrent => {
            writeln!(
                out,
                "{}\n  and\n{}\nare concurrent: neither happens before the other",
                event(rec, a),
                event(rec, b)
            )?;
            for (side, from, to) in [(&why.nearest_from_a, a, b), (&why.nearest_from_b, b, a)] {
                match side {
                    Some((e, chain)) => {
                        writeln!(
                            out,
                            "\nthe last event at or before {} that happens before {}: {}",
                            rec.id_str(from),
                            rec.id_str(to),
                            event(rec, *e)
                        )?;
                        write_chain(rec, chain, out)?;
                        writeln!(
                            out,
                            "  missing: a synchronization after it, from {} to {}",
                            rec.id_str(*e),
                            rec.id_str(to)
                        )?;
                    }
                    None => writeln!(
                        out,
                        "\nnothing at or before {} happens before {}: no synchronization between their lines at all",
                        rec.id_str(from),
                        rec.id_str(to)
                    )?,
                }
            }
            Ok(())
        }
    }
}
