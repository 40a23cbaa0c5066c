//! The importers' output: v1 events ([`V1Event`]), each remembering the line
//! of the source file it came from, and notes about the source
//! ([`Note`]). An imported file is written out as v1 JSON Lines and read by
//! the same line parser as a Causeway trace, so an imported event means
//! exactly what the same line in a `.jsonl` file would mean.

use crate::model::{EventKind, Severity};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One event in the v1 model, before it is written as a line.
#[derive(Clone, Debug, PartialEq)]
pub struct V1Event {
    /// The 1-based line of the source file the event came from.
    pub line: u32,
    pub id: String,
    pub trace_id: String,
    pub parent_id: Option<String>,
    /// Nanoseconds since the Unix epoch.
    pub timestamp_ns: i64,
    pub kind: EventKind,
    pub metadata: Map<String, Value>,
    /// A given vector clock, as (clock id, counter) pairs.
    pub clock: Option<Vec<(String, u64)>>,
}

impl V1Event {
    pub fn new(
        line: u32,
        id: impl Into<String>,
        trace_id: impl Into<String>,
        timestamp_ns: i64,
        kind: EventKind,
    ) -> Self {
        V1Event {
            line,
            id: id.into(),
            trace_id: trace_id.into(),
            parent_id: None,
            timestamp_ns,
            kind,
            metadata: Map::new(),
            clock: None,
        }
    }

    pub fn with_parent(mut self, parent: Option<String>) -> Self {
        self.parent_id = parent;
        self
    }

    /// Sets a metadata field.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.to_string(), value.into());
        self
    }

    /// Sets a metadata field when there is a value.
    pub fn with_some(mut self, key: &str, value: Option<impl Into<Value>>) -> Self {
        if let Some(value) = value {
            self.metadata.insert(key.to_string(), value.into());
        }
        self
    }

    /// Appends the event as one v1 JSON line, with its newline.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        let line = Line {
            id: &self.id,
            trace_id: &self.trace_id,
            parent_id: self.parent_id.as_deref(),
            timestamp: rfc3339(self.timestamp_ns),
            kind: self.kind.as_str(),
            metadata: &self.metadata,
            causality_vector: self.clock.as_deref(),
        };
        serde_json::to_writer(&mut *out, &line).expect("a v1 event serializes");
        out.push(b'\n');
    }
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    trace_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_id: Option<&'a str>,
    timestamp: String,
    kind: &'static str,
    metadata: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    causality_vector: Option<&'a [(String, u64)]>,
}

/// RFC 3339 in UTC with nanoseconds.
pub fn rfc3339(ns: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(ns).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// Something an importer has to say about its input, at a line of it. An
/// [`Severity::Error`] note means a record was skipped (a bad line); a
/// warning means it was imported, perhaps with something left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

/// The notes of one import.
#[derive(Debug, Default)]
pub struct Notes(pub Vec<Note>);

impl Notes {
    /// A record that was skipped.
    pub fn skipped(&mut self, line: u32, message: impl Into<String>) {
        self.0.push(Note {
            line,
            severity: Severity::Error,
            message: message.into(),
        });
    }

    /// Something imported with a caveat.
    pub fn warn(&mut self, line: u32, message: impl Into<String>) {
        self.0.push(Note {
            line,
            severity: Severity::Warning,
            message: message.into(),
        });
    }

    pub fn errors(&self) -> usize {
        self.0
            .iter()
            .filter(|n| n.severity == Severity::Error)
            .count()
    }
}

/// Sorts events by time while keeping each line of execution's events in
/// the order given (a thread's exit never moves before its entry, whatever
/// the timestamps say): each event's key is the latest timestamp seen so far
/// on its own line, which never decreases along the line.
pub fn sort_by_time_keeping_lines(events: Vec<V1Event>) -> Vec<V1Event> {
    let mut order: Vec<(i64, usize)> = {
        let mut latest: HashMap<(&str, &str), i64, foldhash::fast::FixedState> = HashMap::default();
        events
            .iter()
            .enumerate()
            .map(|(i, event)| {
                let line = (
                    text_of(&event.metadata, "service"),
                    text_of(&event.metadata, "thread"),
                );
                let slot = latest.entry(line).or_insert(i64::MIN);
                *slot = (*slot).max(event.timestamp_ns);
                (*slot, i)
            })
            .collect()
    };
    order.sort_unstable();
    let mut slots: Vec<Option<V1Event>> = events.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(_, i)| slots[i].take())
        .collect()
}

fn text_of<'a>(metadata: &'a Map<String, Value>, key: &str) -> &'a str {
    metadata
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_one_v1_line_the_reader_accepts() {
        let event = V1Event::new(
            7,
            "span:a:b",
            "t",
            1_500_000_000_123_456_789,
            EventKind::FunctionEntry,
        )
        .with_parent(Some("p".into()))
        .with("function", "f");
        let mut out = Vec::new();
        event.write_line(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with('\n'));
        let parsed = crate::ingest::jsonl::parse_line(text.trim_end().as_bytes()).unwrap();
        assert_eq!(parsed.id, "span:a:b");
        assert_eq!(parsed.timestamp_ns, 1_500_000_000_123_456_789);
        assert_eq!(parsed.function.unwrap().text, "f");
    }

    #[test]
    fn sorting_by_time_never_reorders_a_line() {
        let at = |id: &str, thread: &str, ns: i64| {
            V1Event::new(1, id, "t", ns, EventKind::Custom).with("thread", thread)
        };
        let sorted =
            sort_by_time_keeping_lines(vec![at("a1", "a", 10), at("a2", "a", 5), at("b1", "b", 7)]);
        let ids: Vec<&str> = sorted.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["b1", "a1", "a2"]);
    }
}
