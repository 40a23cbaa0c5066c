//! Reading trace files into the one event model.
//!
//! Each file is read whole (decompressed by magic bytes), split into lines,
//! and parsed in parallel with rayon in batches; a batch's results are then
//! added in file order by one [`builder::Builder`], which interns strings and
//! checks ids. Every line is either ingested or reported as a
//! [`crate::model::Diagnostic`] with its file and line.

mod builder;
pub mod jsonl;
pub mod source;

use crate::model::{Origin, Recording, Severity};
use rayon::prelude::*;
use std::path::PathBuf;

/// Lines parsed in parallel before they are added in order.
const BATCH_LINES: usize = 16 * 1024;

/// Why the input could not be analyzed at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is empty")]
    Empty { path: String },
    #[error("{path}: {problem}")]
    Undecodable { path: String, problem: String },
    #[error("{path}: no line could be used ({bad} bad lines)")]
    NoGoodLine { path: String, bad: u64 },
}

/// Something that wants to know how far reading has come.
pub trait Progress: Sync {
    /// Called once with the total bytes of all input files.
    fn start(&self, total_bytes: u64);
    /// Called as bytes are consumed.
    fn advance(&self, bytes: u64);
    fn finish(&self);
}

/// Progress that nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Reads the given files, in order, into one recording.
pub fn load(paths: &[PathBuf], progress: &dyn Progress) -> Result<Recording, IngestError> {
    let total: u64 = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    progress.start(total);
    let mut builder = builder::Builder::new();
    for path in paths {
        let name = path.display().to_string();
        let on_disk = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let input = source::read_file(path).map_err(|source| IngestError::Unreadable {
            path: name.clone(),
            source,
        })?;
        add_input(&mut builder, name, input, on_disk, progress)?;
    }
    progress.finish();
    Ok(builder.finish())
}

/// Reads in-memory inputs (name, bytes as stored, possibly compressed), in
/// order, into one recording.
pub fn load_bytes(inputs: Vec<(String, Vec<u8>)>) -> Result<Recording, IngestError> {
    let mut builder = builder::Builder::new();
    for (name, raw) in inputs {
        let on_disk = raw.len() as u64;
        add_input(
            &mut builder,
            name,
            source::decode(raw),
            on_disk,
            &NoProgress,
        )?;
    }
    Ok(builder.finish())
}

fn add_input(
    builder: &mut builder::Builder,
    name: String,
    input: source::FileBytes,
    on_disk: u64,
    progress: &dyn Progress,
) -> Result<(), IngestError> {
    let file = builder.add_file(name.clone());
    let events_before = builder.event_count();

    let mut last_line = 0;
    let mut bad = 0u64;
    let mut lines_seen = 0u64;
    let mut batch = Vec::with_capacity(BATCH_LINES);
    let mut flush = |builder: &mut builder::Builder, batch: &mut Vec<source::Line<'_>>| {
        let parsed: Vec<_> = batch
            .par_iter()
            .map(|line| jsonl::parse_line(line.text))
            .collect();
        for (line, result) in batch.iter().zip(parsed) {
            let origin = Origin {
                file,
                line: line.number,
            };
            match result {
                Ok(event) => builder.push(origin, event),
                Err(error) => {
                    bad += 1;
                    builder.reject(origin, error, line.unterminated);
                }
            }
        }
        let bytes: u64 = batch.iter().map(|l| l.text.len() as u64 + 1).sum();
        batch.clear();
        scale(bytes, input.bytes.len(), on_disk)
    };
    for line in source::lines(&input.bytes) {
        last_line = line.number;
        lines_seen += 1;
        batch.push(line);
        if batch.len() == BATCH_LINES {
            progress.advance(flush(builder, &mut batch));
        }
    }
    progress.advance(flush(builder, &mut batch));

    if let Some(problem) = input.decode_problem {
        if lines_seen == 0 {
            return Err(IngestError::Undecodable {
                path: name,
                problem,
            });
        }
        builder.diagnose(
            Origin {
                file,
                line: last_line + 1,
            },
            Severity::Warning,
            problem,
        );
    }
    if lines_seen == 0 {
        return Err(IngestError::Empty { path: name });
    }
    if builder.event_count() == events_before {
        return Err(IngestError::NoGoodLine { path: name, bad });
    }
    Ok(())
}

/// Converts decompressed bytes consumed into the share of the file's size on
/// disk, so a progress bar over compressed files still ends at 100%.
fn scale(consumed: u64, decompressed: usize, on_disk: u64) -> u64 {
    if decompressed == 0 {
        return 0;
    }
    (consumed as u128 * on_disk as u128 / decompressed as u128) as u64
}
