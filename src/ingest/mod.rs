//! Reading trace files into the one event model.
//!
//! Each file is streamed in chunks of whole lines (decompressed by magic
//! bytes); a reader thread parses each chunk's lines in parallel with rayon
//! while one [`builder::Builder`] adds the previous chunks' events in file
//! order, interning strings and checking ids ([`pipeline`]). Events keep the
//! byte offset of their line, so a report can read the few lines it shows
//! again instead of the recording holding every line. Every line is either
//! ingested or reported as a [`crate::model::Diagnostic`] with its file and
//! line.
//!
//! Files in other tools' formats (OTLP, Jaeger, Zipkin, Chrome, RAPID STD,
//! ShiViz) are told by their content and converted by [`import`] into v1
//! lines, which then take the same path.

mod builder;
pub mod import;
pub mod jsonl;
pub mod metadata;
mod pipeline;
pub mod source;

pub use import::{ImportOptions, InputFormat};

use crate::model::{Origin, Recording, Severity};
use std::path::PathBuf;

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
    #[error(
        "{path}: no line could be used ({bad} bad line{}){}",
        if *.bad == 1 { "" } else { "s" },
        first_problem(path, problems)
    )]
    NoGoodLine {
        path: String,
        bad: u64,
        /// Each bad line's number and what is wrong with it, in line order.
        problems: Vec<(u32, String)>,
    },
    #[error(
        "{path}: is a directory with no trace file in it (*.jsonl, *.jsonl.gz, *.jsonl.zst); give the trace files (e.g. {glob})"
    )]
    Directory { path: String, glob: String },
    #[error(
        "{path}: does not look like text ({why}); a trace is JSON Lines, optionally gzip- or zstd-compressed"
    )]
    Binary { path: String, why: &'static str },
    #[error("{path}: no event could be imported from this {format} file ({errors} errors)")]
    NothingImported {
        path: String,
        format: &'static str,
        errors: u64,
    },
    #[error("{0}")]
    Options(String),
    #[error(
        "{path}:{line}: more than {max} events in one recording; analyze fewer files at once, or one trace at a time"
    )]
    TooManyEvents { path: String, line: u32, max: u64 },
}

/// The first bad line of a file none of whose lines could be used, as
/// `; the first is FILE:LINE: PROBLEM`, so the error alone points at it.
fn first_problem(path: &str, problems: &[(u32, String)]) -> String {
    problems.first().map_or(String::new(), |(line, problem)| {
        format!("; the first is {path}:{line}: {problem}")
    })
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

/// Reads the given Causeway or importable files, in order, into one
/// recording, telling each file's format by its content.
pub fn load(paths: &[PathBuf], progress: &dyn Progress) -> Result<Recording, IngestError> {
    load_with(paths, &ImportOptions::default(), progress)
}

/// Reads the given files, in order, into one recording, in the format the
/// options say (or each file's own, told by content).
pub fn load_with(
    paths: &[PathBuf],
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<Recording, IngestError> {
    options.validate().map_err(IngestError::Options)?;
    let paths = &with_directories_listed(paths)?;
    let sizes: Vec<u64> = paths
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .collect();
    progress.start(sizes.iter().sum());
    let mut builder = builder::Builder::new();
    for (path, &size) in paths.iter().zip(&sizes) {
        let name = path.display().to_string();
        let unreadable = |source| IngestError::Unreadable {
            path: name.clone(),
            source,
        };
        // `-` is standard input, read whole (it cannot be read twice for
        // the lines a report quotes).
        if path.as_os_str() == "-" {
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut raw)
                .map_err(unreadable)?;
            add_bytes(&mut builder, "<stdin>".to_string(), raw, options)?;
            progress.advance(size);
            continue;
        }
        let opened = source::open_file(path).map_err(unreadable)?;
        let reader = match import::route(opened.reader, &name, options).map_err(unreadable)? {
            import::Routed::Causeway(reader) => reader,
            import::Routed::Imported(imported) => {
                import::add_imported(&mut builder, name, imported)?;
                progress.advance(size);
                continue;
            }
        };
        let input = Input {
            name,
            reader,
            lines: opened.lines,
            stored_size: size,
            stored_bytes_read: Some(opened.stored_bytes_read),
            known_problem: None,
        };
        match add_input(&mut builder, input, progress) {
            // Nothing usable in a file that is not text: say so, rather
            // than list every line of noise.
            Err(IngestError::NoGoodLine { .. }) if let Some(why) = not_text(path) => {
                return Err(IngestError::Binary {
                    path: path.display().to_string(),
                    why,
                });
            }
            result => result?,
        }
    }
    progress.finish();
    builder.finish()
}

/// The paths with each directory replaced by the trace files directly in
/// it (`*.jsonl`, `*.jsonl.gz`, `*.jsonl.zst`, by name), so that a
/// directory a collector wrote is one recording. A directory with none is
/// an error.
fn with_directories_listed(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut listed = Vec::with_capacity(paths.len());
    for path in paths {
        if path.as_os_str() == "-" || !path.is_dir() {
            listed.push(path.clone());
            continue;
        }
        let name = path.display().to_string();
        let entries = std::fs::read_dir(path).map_err(|source| IngestError::Unreadable {
            path: name.clone(),
            source,
        })?;
        let mut traces: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        [".jsonl", ".jsonl.gz", ".jsonl.zst"]
                            .iter()
                            .any(|end| n.ends_with(end))
                    })
            })
            .collect();
        if traces.is_empty() {
            let glob = format!("{}/*.jsonl", name.trim_end_matches(['/', '\\']));
            return Err(IngestError::Directory { path: name, glob });
        }
        traces.sort();
        listed.extend(traces);
    }
    Ok(listed)
}

/// Reads in-memory Causeway traces (name, bytes as stored, possibly
/// compressed), in order, into one recording.
pub fn load_bytes(inputs: Vec<(String, Vec<u8>)>) -> Result<Recording, IngestError> {
    let options = ImportOptions {
        format: InputFormat::Causeway,
        ..ImportOptions::default()
    };
    load_bytes_with(inputs, &options)
}

/// Reads in-memory inputs in the format the options say (or each one's
/// own, told by content), in order, into one recording.
pub fn load_bytes_with(
    inputs: Vec<(String, Vec<u8>)>,
    options: &ImportOptions,
) -> Result<Recording, IngestError> {
    options.validate().map_err(IngestError::Options)?;
    let mut builder = builder::Builder::new();
    for (name, raw) in inputs {
        add_bytes(&mut builder, name, raw, options)?;
    }
    builder.finish()
}

/// Adds one in-memory input (as stored, possibly compressed).
fn add_bytes(
    builder: &mut builder::Builder,
    name: String,
    raw: Vec<u8>,
    options: &ImportOptions,
) -> Result<(), IngestError> {
    let stored_size = raw.len() as u64;
    let decoded = source::decode(raw);
    if let Some(format) = options.foreign_format(&decoded.bytes) {
        let mut imported = import::import(format, &decoded.bytes, &name, options);
        if let Some(problem) = &decoded.decode_problem {
            imported.note_cut_input(&decoded.bytes, problem.clone());
        }
        import::add_imported(builder, name, imported)?;
        return Ok(());
    }
    let bytes = std::sync::Arc::new(decoded.bytes);
    let input = Input {
        name,
        reader: Box::new(std::io::Cursor::new(source::SharedBytes(bytes.clone()))),
        lines: Box::new(source::MemoryLines(bytes)),
        stored_size,
        stored_bytes_read: None,
        known_problem: decoded.decode_problem,
    };
    add_input(builder, input, &NoProgress)?;
    Ok(())
}

/// One input on its way in.
struct Input {
    name: String,
    /// The decompressed bytes.
    reader: Box<dyn std::io::Read + Send>,
    lines: Box<dyn crate::model::LineSource>,
    stored_size: u64,
    /// Bytes of the stored file read so far, for progress.
    stored_bytes_read: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// A decoding problem found before reading started.
    known_problem: Option<String>,
}

fn add_input(
    builder: &mut builder::Builder,
    input: Input,
    progress: &dyn Progress,
) -> Result<(), IngestError> {
    let Input {
        name,
        reader,
        lines,
        stored_size,
        stored_bytes_read,
        known_problem,
    } = input;
    let file = builder.add_file(name.clone(), lines);
    let events_before = builder.event_count();
    let (mut bad, mut lines_seen, mut last_line) = (0u64, 0u64, 0u32);
    let mut reported_progress = 0u64;
    let mut reserved = false;
    let stream_problem = pipeline::for_each_parsed(reader, |chunk, parsed| {
        if !reserved && !parsed.is_empty() {
            // Size the tables once from the first chunk's line length.
            reserved = true;
            let per_line = chunk.bytes.len() as u64 / parsed.len() as u64;
            builder.reserve((stored_size / per_line.max(1)).min(1 << 28) as usize);
        }
        lines_seen += parsed.len() as u64;
        last_line = parsed.last().map_or(last_line, |(l, _)| l.number);
        for (line, result) in parsed {
            let origin = Origin {
                file,
                line: line.number,
            };
            match result {
                Ok(event) => builder.push(origin, line.offset, event),
                Err(error) => {
                    bad += 1;
                    builder.reject(origin, error, line.unterminated);
                }
            }
        }
        if let Some(read) = &stored_bytes_read {
            let now = read.load(std::sync::atomic::Ordering::Relaxed);
            progress.advance(now - reported_progress);
            reported_progress = now;
        }
    });

    let problem = known_problem.or_else(|| {
        stream_problem
            .map(|e| format!("compressed data ends early or is corrupt: {e}; the lines decoded before that point are analyzed"))
    });
    if let Some(problem) = problem {
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
        return Err(IngestError::NoGoodLine {
            problems: builder.problems_of(file),
            path: name,
            bad,
        });
    }
    Ok(())
}

/// Why a file does not look like text, judged on its first bytes once
/// decompressed: NUL bytes (which JSON text never holds raw), or bytes that
/// are not UTF-8.
fn not_text(path: &std::path::Path) -> Option<&'static str> {
    use std::io::Read;
    let mut head = Vec::with_capacity(8192);
    let opened = source::open_file(path).ok()?;
    opened.reader.take(8192).read_to_end(&mut head).ok()?;
    if head.contains(&0) {
        return Some("it holds NUL bytes");
    }
    match std::str::from_utf8(&head) {
        Ok(_) => None,
        // A multi-byte character cut at the end of the sample is fine.
        Err(e) if e.error_len().is_none() => None,
        Err(_) => Some("it is not UTF-8"),
    }
}
