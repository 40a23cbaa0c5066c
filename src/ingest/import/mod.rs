//! Importers: trace files of other tools read into the v1 event model, one
//! file per format, each keeping its wire types private.
//!
//! An importer turns a whole file into [`V1Event`]s (each remembering its
//! source line) and [`Note`]s about the file. The events are then written as
//! v1 JSON Lines in memory and read by the same line parser and builder as
//! a Causeway trace: an imported event means exactly what the same line in
//! a `.jsonl` file would mean, diagnostics keep the original file's line
//! numbers, and reports read event details back from the converted text.
//! `causeway convert --to causeway` writes that same text.
//!
//! | format | file | reads |
//! |---|---|---|
//! | OpenTelemetry OTLP/JSON | [`otlp`] | spans, via [`span`] |
//! | Jaeger UI / API JSON | [`jaeger`] | spans, via [`span`] |
//! | Zipkin v2 JSON | [`zipkin`] | spans, via [`span`] |
//! | Chrome Trace Event | [`chrome`] | slices, instants, flows |
//! | RAPID STD | [`std_trace`] | accesses, locks, fork/join |
//! | ShiViz / GoVector logs | [`shiviz`] | events with vector clocks |
//!
//! [`detect`] tells them apart by content.

pub mod chrome;
pub mod detect;
pub mod event;
mod ids;
pub mod jaeger;
pub mod json;
pub mod otlp;
pub mod shiviz;
pub mod span;
pub mod std_trace;
pub mod zipkin;

pub use event::{Note, V1Event};

use super::IngestError;
use super::builder::Builder;
use super::jsonl::{self, LineError};
use crate::model::{Origin, Severity};
use std::io::Read;
use std::sync::Arc;

/// The formats `--input-format` accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Tell the format from each file's content.
    #[default]
    Auto,
    /// Causeway trace format v1 (JSON Lines).
    Causeway,
    /// OpenTelemetry OTLP/JSON (a request per file or per line).
    Otlp,
    /// Jaeger UI or query-API JSON.
    Jaeger,
    /// Zipkin v2 JSON span lists.
    Zipkin,
    /// Chrome Trace Event Format (Chrome, Perfetto, tracing-chrome).
    Chrome,
    /// RAPID's STD traces (`T0|w(V)|12`).
    Std,
    /// ShiViz / GoVector vector-clock logs.
    Shiviz,
}

impl InputFormat {
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Causeway => "causeway",
            InputFormat::Otlp => "otlp",
            InputFormat::Jaeger => "jaeger",
            InputFormat::Zipkin => "zipkin",
            InputFormat::Chrome => "chrome",
            InputFormat::Std => "std",
            InputFormat::Shiviz => "shiviz",
        }
    }
}

/// A format [`import`] reads: every input format but Causeway's own, so
/// that asking to import a Causeway trace cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Foreign {
    Otlp,
    Jaeger,
    Zipkin,
    Chrome,
    Std,
    Shiviz,
}

impl Foreign {
    /// Every foreign format.
    pub const ALL: [Foreign; 6] = [
        Foreign::Otlp,
        Foreign::Jaeger,
        Foreign::Zipkin,
        Foreign::Chrome,
        Foreign::Std,
        Foreign::Shiviz,
    ];

    pub fn name(self) -> &'static str {
        InputFormat::from(self).name()
    }
}

impl From<Foreign> for InputFormat {
    fn from(format: Foreign) -> InputFormat {
        match format {
            Foreign::Otlp => InputFormat::Otlp,
            Foreign::Jaeger => InputFormat::Jaeger,
            Foreign::Zipkin => InputFormat::Zipkin,
            Foreign::Chrome => InputFormat::Chrome,
            Foreign::Std => InputFormat::Std,
            Foreign::Shiviz => InputFormat::Shiviz,
        }
    }
}

impl InputFormat {
    /// The foreign format this names; `None` for Causeway's own and for
    /// `auto`, which [`ImportOptions::foreign_format`] resolves first.
    pub fn foreign(self) -> Option<Foreign> {
        Foreign::ALL
            .into_iter()
            .find(|&format| InputFormat::from(format) == self)
    }
}

/// How to read the input files.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    pub format: InputFormat,
    /// The ShiViz parser expression (default: GoVector's layout).
    pub shiviz_regex: Option<String>,
    /// The ShiViz expression that separates executions.
    pub shiviz_delimiter: Option<String>,
}

impl ImportOptions {
    /// Checks the options that can be wrong on their own (the expressions).
    pub fn validate(&self) -> Result<(), String> {
        self.shiviz_parser().map(|_| ())
    }

    /// The format a file is imported from, given its first bytes (or the
    /// whole file): `None` when it is read as a Causeway trace.
    pub fn foreign_format(&self, head: &[u8]) -> Option<Foreign> {
        match self.format {
            InputFormat::Auto => detect::detect(head, self.shiviz_regex.is_some()),
            chosen => chosen,
        }
        .foreign()
    }

    fn shiviz_parser(&self) -> Result<shiviz::Parser, String> {
        Ok(shiviz::Parser {
            event: match self.shiviz_regex.as_deref() {
                Some(pattern) => shiviz::compile(pattern)?,
                None => shiviz::govector().clone(),
            },
            delimiter: self
                .shiviz_delimiter
                .as_deref()
                .map(shiviz::compile)
                .transpose()?,
        })
    }
}

/// The outcome of importing one file.
#[derive(Debug)]
pub struct Imported {
    pub format: Foreign,
    pub events: Vec<V1Event>,
    pub notes: Vec<Note>,
}

impl Imported {
    /// Says that the input stopped early (a cut or corrupt compressed file),
    /// at the line after the last one read.
    pub fn note_cut_input(&mut self, bytes: &[u8], message: String) {
        let lines = memchr::memchr_iter(b'\n', bytes).count() + 1;
        self.notes.push(Note {
            line: u32::try_from(lines).unwrap_or(u32::MAX),
            severity: Severity::Warning,
            message,
        });
    }

    /// The events as v1 JSON Lines, and each line's byte offset.
    pub fn to_jsonl(&self) -> (Vec<u8>, Vec<u64>) {
        let mut text = Vec::with_capacity(self.events.len() * 256);
        let mut offsets = Vec::with_capacity(self.events.len());
        for event in &self.events {
            offsets.push(text.len() as u64);
            event.write_line(&mut text);
        }
        (text, offsets)
    }
}

/// Imports a whole file (decompressed) of a known format other than
/// Causeway; `name` is the file's name as given, which index-based formats
/// use to keep their ids unique across files.
pub fn import(format: Foreign, bytes: &[u8], name: &str, options: &ImportOptions) -> Imported {
    let mut notes = event::Notes::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(error) => {
            let line = 1 + memchr::memchr_iter(b'\n', &bytes[..error.valid_up_to()]).count();
            notes.warn(
                u32::try_from(line).unwrap_or(u32::MAX),
                "the file is not valid UTF-8 from here on; bad bytes are read as U+FFFD",
            );
            String::from_utf8_lossy(bytes)
        }
    };
    let events = match format {
        Foreign::Otlp => span::to_events(otlp::read(&text, &mut notes), &mut notes),
        Foreign::Jaeger => span::to_events(jaeger::read(&text, &mut notes), &mut notes),
        Foreign::Zipkin => span::to_events(zipkin::read(&text, &mut notes), &mut notes),
        Foreign::Chrome => chrome::read(&text, name, &mut notes),
        Foreign::Std => std_trace::read(&text, name, &mut notes),
        Foreign::Shiviz => match options.shiviz_parser() {
            Ok(parser) => shiviz::read(&text, name, &parser, &mut notes),
            Err(message) => {
                notes.skipped(1, message);
                Vec::new()
            }
        },
    };
    let mut notes = notes.0;
    notes.sort_by_key(|n| n.line);
    Imported {
        format,
        events,
        notes,
    }
}

/// The non-blank lines of a text with their 1-based numbers.
pub(crate) fn text_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, line)| (u32::try_from(i + 1).unwrap_or(u32::MAX), line))
        .filter(|(_, line)| !line.trim().is_empty())
}

/// A file on its way in: a Causeway trace to stream, or an imported one.
pub(super) enum Routed {
    Causeway(Box<dyn Read + Send>),
    Imported(Imported),
}

/// Decides how to read a file from its first bytes (or the format asked
/// for), and imports it if it is not a Causeway trace.
pub(super) fn route(
    mut reader: Box<dyn Read + Send>,
    name: &str,
    options: &ImportOptions,
) -> std::io::Result<Routed> {
    if options.format == InputFormat::Causeway {
        return Ok(Routed::Causeway(reader));
    }
    let mut head = Vec::with_capacity(detect::HEAD_BYTES);
    (&mut reader)
        .take(detect::HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    let Some(format) = options.foreign_format(&head) else {
        let replay = std::io::Cursor::new(head).chain(reader);
        return Ok(Routed::Causeway(Box::new(replay)));
    };
    let mut bytes = head;
    let problem = reader.read_to_end(&mut bytes).err();
    if let Some(error) = &problem
        && bytes.is_empty()
    {
        return Err(std::io::Error::new(error.kind(), error.to_string()));
    }
    let mut imported = import(format, &bytes, name, options);
    if let Some(error) = problem {
        imported.note_cut_input(
            &bytes,
            format!("compressed data ends early or is corrupt: {error}; what was decoded before that point is imported"),
        );
    }
    Ok(Routed::Imported(imported))
}

/// Adds an imported file to the recording: its events through the v1 line
/// parser, its notes as diagnostics at their original lines.
pub(super) fn add_imported(
    builder: &mut Builder,
    name: String,
    imported: Imported,
) -> Result<(), IngestError> {
    let (text, offsets) = imported.to_jsonl();
    let text = Arc::new(text);
    let file = builder.add_file(
        name.clone(),
        Box::new(super::source::MemoryLines(Arc::clone(&text))),
    );
    let events_before = builder.event_count();
    builder.reserve(imported.events.len());
    let mut errors = 0u64;
    for note in imported.notes {
        let origin = Origin {
            file,
            line: note.line,
        };
        match note.severity {
            Severity::Error => {
                errors += 1;
                let error = LineError {
                    message: note.message,
                    ends_early: false,
                };
                builder.reject(origin, error, false);
            }
            Severity::Warning => builder.diagnose(origin, Severity::Warning, note.message),
        }
    }
    for (event, &offset) in imported.events.iter().zip(&offsets) {
        let start = offset as usize;
        let line = &text[start
            ..text[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(text.len(), |end| start + end)];
        let origin = Origin {
            file,
            line: event.line,
        };
        match jsonl::parse_line(line) {
            Ok(parsed) => builder.push(origin, offset, parsed),
            Err(error) => {
                // An importer wrote a line the v1 reader refuses: report it
                // rather than lose the event silently.
                errors += 1;
                builder.reject(origin, error, false);
            }
        }
    }
    if builder.event_count() == events_before {
        return Err(IngestError::NothingImported {
            path: name,
            format: imported.format.name(),
            errors,
        });
    }
    Ok(())
}

/// One file converted to v1 JSON Lines.
pub struct Converted {
    /// The v1 lines, each ending in a newline.
    pub text: Vec<u8>,
    /// The format the file was read as.
    pub format: InputFormat,
    pub events: usize,
    pub notes: Vec<Note>,
}

/// Converts one file to v1 JSON Lines: an imported file's events, or a
/// Causeway trace's own bytes (decompressed).
pub fn convert_file(
    path: &std::path::Path,
    options: &ImportOptions,
) -> Result<Converted, IngestError> {
    options.validate().map_err(IngestError::Options)?;
    let name = path.display().to_string();
    let unreadable = |source| IngestError::Unreadable {
        path: name.clone(),
        source,
    };
    let opened = super::source::open_file(path).map_err(unreadable)?;
    match route(opened.reader, &name, options).map_err(unreadable)? {
        Routed::Causeway(mut reader) => {
            let mut text = Vec::new();
            reader.read_to_end(&mut text).map_err(unreadable)?;
            if text.iter().all(u8::is_ascii_whitespace) {
                return Err(IngestError::Empty { path: name });
            }
            if !text.ends_with(b"\n") {
                text.push(b'\n');
            }
            let events = text_lines(&String::from_utf8_lossy(&text)).count();
            Ok(Converted {
                text,
                format: InputFormat::Causeway,
                events,
                notes: Vec::new(),
            })
        }
        Routed::Imported(imported) => {
            if imported.events.is_empty() {
                return Err(IngestError::NothingImported {
                    path: name,
                    format: imported.format.name(),
                    errors: imported
                        .notes
                        .iter()
                        .filter(|n| n.severity == Severity::Error)
                        .count() as u64,
                });
            }
            let (text, _) = imported.to_jsonl();
            Ok(Converted {
                text,
                format: imported.format.into(),
                events: imported.events.len(),
                notes: imported.notes,
            })
        }
    }
}
