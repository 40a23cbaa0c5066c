//! What a body holds: for `POST /v1/events`, v1 events as a JSON array or
//! as JSON Lines; for `POST /v1/traces`, an OTLP/JSON export request,
//! converted by the OTLP importer; gzip- or zstd-compressed or not. Every
//! event is checked as `analyze` checks a line
//! ([`crate::ingest::jsonl::parse_line`]); the good ones are kept, each bad
//! one is named with its position and the reason, and nothing is dropped
//! without a word.

use crate::ingest::import::{Foreign, ImportOptions, import};
use crate::ingest::jsonl::parse_line;
use crate::model::Severity;
use serde::Serialize;
use std::io::Read;

/// The most a body may grow to once decompressed: a small compressed body
/// must not become gigabytes in memory.
pub const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;

/// Why a body could not be read at all.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("unsupported Content-Encoding `{0}`: send identity, gzip or zstd")]
    Encoding(String),
    #[error("the {0} body could not be decompressed: {1}")]
    Corrupt(&'static str, String),
    #[error("the body is larger than {MAX_DECODED_BYTES} bytes once decompressed")]
    TooLarge,
    #[error("the body is not a JSON array of events: {0}")]
    NotAnArray(String),
}

/// What is wrong with one event (refused, or kept with a caveat): its
/// 1-based line (JSON Lines, OTLP/JSON) or element (array) number, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineNote {
    pub line: usize,
    pub reason: String,
}

/// A good event: its service (where it is written) and its JSON text, one
/// line without its newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub service: String,
    pub line: Vec<u8>,
}

impl Accepted {
    /// The memory this event holds while it waits for the writer (its
    /// buffers and itself), which `--max-memory` bounds.
    pub fn held_bytes(&self) -> u64 {
        (self.line.capacity() + self.service.capacity() + std::mem::size_of::<Accepted>()) as u64
    }
}

/// What a body held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub accepted: Vec<Accepted>,
    pub rejected: Vec<LineNote>,
    /// What was kept with a caveat (OTLP fields the importer ignored).
    pub warnings: Vec<LineNote>,
}

/// The body with its `Content-Encoding` undone.
pub fn decode(body: &[u8], encoding: Option<&str>) -> Result<Vec<u8>, BodyError> {
    let encoding = encoding.map(str::trim).unwrap_or("identity");
    let mut decoded = Vec::new();
    let read = match encoding.to_ascii_lowercase().as_str() {
        "" | "identity" => return Ok(body.to_vec()),
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(body)
            .take(MAX_DECODED_BYTES + 1)
            .read_to_end(&mut decoded)
            .map_err(|e| BodyError::Corrupt("gzip", e.to_string())),
        "zstd" => zstd::stream::read::Decoder::new(body)
            .and_then(|d| d.take(MAX_DECODED_BYTES + 1).read_to_end(&mut decoded))
            .map_err(|e| BodyError::Corrupt("zstd", e.to_string())),
        other => return Err(BodyError::Encoding(other.to_string())),
    };
    read?;
    if decoded.len() as u64 > MAX_DECODED_BYTES {
        return Err(BodyError::TooLarge);
    }
    Ok(decoded)
}

/// Splits a decoded body into events and checks each one.
pub fn accept(body: &[u8]) -> Result<Batch, BodyError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    let mut batch = Batch::default();
    if first == Some(&b'[') {
        let items: Vec<&serde_json::value::RawValue> =
            serde_json::from_slice(body).map_err(|e| BodyError::NotAnArray(e.to_string()))?;
        for (n, item) in items.iter().enumerate() {
            check(item.get().as_bytes(), n + 1, &mut batch);
        }
    } else {
        for (n, line) in body.split(|&b| b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            check(line, n + 1, &mut batch);
        }
    }
    Ok(batch)
}

/// Reads an OTLP/JSON `ExportTraceServiceRequest` into v1 events, as
/// `analyze` imports an OTLP file: each span is a start and an end event,
/// its parent the parent span's start (by id, so a parent sent in another
/// request still links). A span the importer skips is rejected with the
/// body line it is on; `warnings` are the importer's caveats about what it
/// kept.
pub fn accept_otlp(body: &[u8]) -> Batch {
    let imported = import(Foreign::Otlp, body, "otlp", &ImportOptions::default());
    let mut batch = Batch::default();
    for note in &imported.notes {
        let list = match note.severity {
            Severity::Error => &mut batch.rejected,
            _ => &mut batch.warnings,
        };
        list.push(LineNote {
            line: usize::try_from(note.line).unwrap_or(usize::MAX),
            reason: note.message.clone(),
        });
    }
    // The events as `analyze` reads an import: v1 lines, checked one by one.
    let (text, offsets) = imported.to_jsonl();
    let ends = offsets
        .iter()
        .skip(1)
        .map(|&o| o as usize)
        .chain([text.len()]);
    for ((event, &start), end) in imported.events.iter().zip(&offsets).zip(ends) {
        let line = &text[start as usize..end - 1];
        check(line, event.line as usize, &mut batch);
    }
    batch
}

fn check(text: &[u8], number: usize, batch: &mut Batch) {
    // One event is one line of the output file: an array element written
    // over several lines is made compact first.
    let compact;
    let text = if text.contains(&b'\n') {
        match serde_json::from_slice::<serde_json::Value>(text) {
            Ok(value) => {
                compact = value.to_string().into_bytes();
                &compact[..]
            }
            Err(e) => {
                batch.rejected.push(LineNote {
                    line: number,
                    reason: format!("not json: {e}"),
                });
                return;
            }
        }
    } else {
        text
    };
    match parse_line(text) {
        Ok(event) => {
            let service = event
                .service
                .as_ref()
                .map_or("unknown", |s| s.text.as_ref())
                .to_string();
            batch.accepted.push(Accepted {
                service,
                line: text.to_vec(),
            });
        }
        Err(e) => batch.rejected.push(LineNote {
            line: number,
            reason: e.message,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const GOOD: &str = r#"{"id":"a","trace_id":"t","timestamp":"2026-12-01T10:00:00Z","kind":"state_write","metadata":{"service":"shop","variable":"x","file":"a.py","line":1}}"#;

    #[test]
    fn json_lines_keep_the_good_and_name_the_bad() {
        let body = format!("{GOOD}\nnot json\n\n{}\n", GOOD.replace("shop", "bank"));
        let batch = accept(body.as_bytes()).unwrap();
        assert_eq!(batch.accepted.len(), 2);
        assert_eq!(batch.accepted[1].service, "bank");
        assert_eq!(batch.rejected.len(), 1);
        assert_eq!(batch.rejected[0].line, 2);
        assert!(batch.rejected[0].reason.starts_with("not json"));
    }

    #[test]
    fn an_array_may_spread_an_event_over_lines() {
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(GOOD).unwrap())
                .unwrap();
        let body = format!("[{pretty}, {{\"id\": 1}}]");
        let batch = accept(body.as_bytes()).unwrap();
        assert_eq!(batch.accepted.len(), 1);
        assert!(!batch.accepted[0].line.contains(&b'\n'));
        assert_eq!(batch.rejected[0].line, 2);
        assert!(matches!(accept(b"[1, 2"), Err(BodyError::NotAnArray(_))));
    }

    #[test]
    fn compressed_bodies_are_read_and_broken_ones_refused() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(GOOD.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode(&gz, Some("gzip")).unwrap(), GOOD.as_bytes());
        assert!(matches!(
            decode(&gz[..gz.len() / 2], Some("gzip")),
            Err(BodyError::Corrupt("gzip", _))
        ));
        let zst = zstd::encode_all(GOOD.as_bytes(), 1).unwrap();
        assert_eq!(decode(&zst, Some("zstd")).unwrap(), GOOD.as_bytes());
        assert!(matches!(
            decode(b"x", Some("br")),
            Err(BodyError::Encoding(_))
        ));
        // A bomb: a small body that decompresses past the limit.
        let zeros = vec![0u8; (MAX_DECODED_BYTES + 10) as usize];
        let bomb = zstd::encode_all(&zeros[..], 3).unwrap();
        assert!(bomb.len() < 1024 * 1024);
        assert_eq!(decode(&bomb, Some("zstd")), Err(BodyError::TooLarge));
    }
}
