//! The output of `causeway query`: the selected events as JSON Lines, each
//! line exactly as it was in the input (so the output is itself a trace
//! `causeway analyze -` reads), as a table, or as one JSON document.

use crate::graph::view::describe;
use crate::model::{EventIdx, Recording};
use crate::report::printable;
use std::io::{self, Write};

/// The formats of `causeway query`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    /// The input lines as they were.
    Jsonl,
    /// One event per line, tab-separated: id, lane, RFC 3339 time, what
    /// and where.
    Table,
    /// A JSON array of the input events.
    Json,
}

pub fn render(
    rec: &Recording,
    events: &[EventIdx],
    format: QueryFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        QueryFormat::Table => {
            for &idx in events {
                let line = rec.exec_line(idx);
                writeln!(
                    out,
                    "{}\t{}/{}\t{}\t{}",
                    printable(rec.id_str(idx)),
                    printable(rec.str(line.service)),
                    printable(rec.str(line.thread)),
                    chrono::DateTime::from_timestamp_nanos(rec.event(idx).timestamp_ns)
                        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
                    printable(&describe(rec, idx))
                )?;
            }
            Ok(())
        }
        QueryFormat::Jsonl | QueryFormat::Json => {
            // Read back in chunks: the lines of ten million events would
            // not fit in memory at once.
            let json = format == QueryFormat::Json;
            if json {
                write!(out, "[")?;
            }
            for (n, chunk) in events.chunks(65_536).enumerate() {
                let lines = rec.raw_lines(chunk);
                for (i, idx) in chunk.iter().enumerate() {
                    let Some(line) = lines.get(idx) else { continue };
                    let line = line.strip_suffix(b"\n").unwrap_or(line);
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    if json {
                        if n + i > 0 {
                            write!(out, ",")?;
                        }
                        write!(out, "\n  ")?;
                    }
                    out.write_all(line)?;
                    if !json {
                        writeln!(out)?;
                    }
                }
            }
            if json {
                writeln!(out, "\n]")?;
            }
            Ok(())
        }
    }
}
