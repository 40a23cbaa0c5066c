//! Parsing one line of a v1 JSON Lines trace into a [`ParsedEvent`] that
//! borrows from the line, or a [`LineError`] that says what is wrong.
//!
//! Every top-level and known metadata field is first captured as raw JSON and
//! then typed on its own, so an error names the field (``field `timestamp`:
//! expected a string, found a number``) instead of a byte column.

use crate::model::EventKind;
use chrono::DateTime;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A well-formed event line, before interning.
#[derive(Debug)]
pub struct ParsedEvent<'a> {
    pub id: Cow<'a, str>,
    pub trace_id: Cow<'a, str>,
    pub parent_id: Option<Cow<'a, str>>,
    pub timestamp_ns: i64,
    /// The kind, or the unknown name that was given.
    pub kind: Result<EventKind, Cow<'a, str>>,
    pub service: Option<Cow<'a, str>>,
    pub thread: Option<Cow<'a, str>>,
    pub function: Option<Cow<'a, str>>,
    pub source_file: Option<Cow<'a, str>>,
    pub source_line: Option<u64>,
    pub subject: Option<Cow<'a, str>>,
    pub atomic: bool,
    pub global: bool,
    pub exception: bool,
    pub metadata: Option<&'a RawValue>,
    pub clock: Option<Vec<(Cow<'a, str>, u64)>>,
}

/// Why a line could not be used.
#[derive(Debug, PartialEq, Eq)]
pub struct LineError {
    pub message: String,
    /// The JSON ended in the middle of a value: on a file's last line this is
    /// the mark of a recorder that crashed mid-write.
    pub ends_early: bool,
}

impl LineError {
    fn new(message: impl Into<String>) -> Self {
        LineError {
            message: message.into(),
            ends_early: false,
        }
    }
}

#[derive(Deserialize)]
struct WireEvent<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    trace_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    parent_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
    #[serde(borrow, default)]
    causality_vector: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct WireMetadata<'a> {
    #[serde(borrow, default)]
    service: Option<&'a RawValue>,
    #[serde(borrow, default)]
    thread: Option<&'a RawValue>,
    #[serde(borrow, default)]
    function: Option<&'a RawValue>,
    #[serde(borrow, default)]
    file: Option<&'a RawValue>,
    #[serde(borrow, default)]
    line: Option<&'a RawValue>,
    #[serde(borrow, default)]
    variable: Option<&'a RawValue>,
    #[serde(borrow, default)]
    lock: Option<&'a RawValue>,
    #[serde(borrow, default)]
    task: Option<&'a RawValue>,
    #[serde(borrow, default)]
    message_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    atomic: Option<&'a RawValue>,
    #[serde(borrow, default)]
    scope: Option<&'a RawValue>,
    #[serde(borrow, default)]
    exception: Option<&'a RawValue>,
}

/// A string that borrows from the input when it has no escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// Parses one non-blank line.
pub fn parse_line(line: &[u8]) -> Result<ParsedEvent<'_>, LineError> {
    // serde would map an array onto the struct's fields by position.
    if line.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(not_an_event(line));
    }
    let wire: WireEvent<'_> = serde_json::from_slice(line).map_err(|e| classify(&e))?;

    let id = required_text(wire.id, "id")?;
    let trace_id = required_text(wire.trace_id, "trace_id")?;
    let parent_id = optional_text(wire.parent_id, "parent_id")?;
    let timestamp_text = required_text(wire.timestamp, "timestamp")?;
    let timestamp_ns = parse_timestamp(&timestamp_text)?;
    let kind_text = required_text(wire.kind, "kind")?;
    let kind = EventKind::parse(&kind_text).ok_or(kind_text);

    let metadata = non_null(wire.metadata);
    let meta = match metadata {
        None => None,
        Some(raw) if raw.get().starts_with('{') => Some(
            serde_json::from_str::<WireMetadata<'_>>(raw.get())
                .map_err(|e| LineError::new(format!("field `metadata`: {e}")))?,
        ),
        Some(raw) => {
            return Err(LineError::new(format!(
                "field `metadata`: expected an object, found {}",
                json_type(raw)
            )));
        }
    };

    let mut event = ParsedEvent {
        id,
        trace_id,
        parent_id,
        timestamp_ns,
        kind,
        service: None,
        thread: None,
        function: None,
        source_file: None,
        source_line: None,
        subject: None,
        atomic: false,
        global: false,
        exception: false,
        metadata,
        clock: None,
    };

    if let Some(meta) = meta {
        event.service = optional_name(meta.service, "metadata.service")?;
        event.thread = optional_name(meta.thread, "metadata.thread")?;
        event.function = optional_text(meta.function, "metadata.function")?;
        event.source_file = optional_text(meta.file, "metadata.file")?;
        event.source_line = optional_line(meta.line)?;
        event.atomic = optional_bool(meta.atomic, "metadata.atomic")?;
        event.global = optional_text(meta.scope, "metadata.scope")?.is_some_and(|s| s == "global");
        event.exception = non_null(meta.exception).is_some();
        if let Ok(kind) = event.kind {
            event.subject = match kind.subject_field() {
                Some("variable") => optional_text(meta.variable, "metadata.variable")?,
                Some("lock") => optional_name(meta.lock, "metadata.lock")?,
                Some("task") => optional_name(meta.task, "metadata.task")?,
                Some("message_id") => optional_name(meta.message_id, "metadata.message_id")?,
                _ => None,
            };
        }
    }
    if let Ok(kind) = event.kind
        && let Some(field) = kind.subject_field()
        && event.subject.is_none()
    {
        return Err(LineError::new(format!(
            "missing field `metadata.{field}` (required for {})",
            kind.as_str()
        )));
    }
    if let Ok(kind) = event.kind
        && kind != crate::model::EventKind::FunctionExit
    {
        event.exception = false;
    }

    if let Some(raw) = non_null(wire.causality_vector) {
        event.clock = Some(parse_clock(raw)?);
    }
    Ok(event)
}

/// Parses an RFC 3339 timestamp into nanoseconds since the Unix epoch (UTC).
pub fn parse_timestamp(text: &str) -> Result<i64, LineError> {
    let parsed = DateTime::parse_from_rfc3339(text)
        .map_err(|e| LineError::new(format!("bad timestamp `{text}`: {e}")))?;
    parsed
        .timestamp_nanos_opt()
        .ok_or_else(|| LineError::new(format!("bad timestamp `{text}`: out of range")))
}

fn parse_clock(raw: &RawValue) -> Result<Vec<(Cow<'_, str>, u64)>, LineError> {
    let pairs: Vec<(Text<'_>, u64)> = serde_json::from_str(raw.get()).map_err(|e| {
        LineError::new(format!(
            "field `causality_vector`: expected an array of [clock id, counter] pairs with counters >= 0 ({e})"
        ))
    })?;
    Ok(pairs.into_iter().map(|(id, n)| (id.0, n)).collect())
}

/// The error for a line that does not start an object.
fn not_an_event(line: &[u8]) -> LineError {
    match serde_json::from_slice::<serde_json::Value>(line) {
        Ok(value) => {
            let found = match value {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Null => "null",
                serde_json::Value::Object(_) => "an object",
            };
            LineError::new(format!("not an object: the line is {found}"))
        }
        Err(error) => classify(&error),
    }
}

/// Turns a serde error on the whole line into a message.
fn classify(error: &serde_json::Error) -> LineError {
    match error.classify() {
        serde_json::error::Category::Eof => LineError {
            message: format!("not json: {error}"),
            ends_early: true,
        },
        serde_json::error::Category::Data => LineError::new(format!("invalid event: {error}")),
        _ => LineError::new(format!("not json: {error}")),
    }
}

fn non_null(raw: Option<&RawValue>) -> Option<&RawValue> {
    raw.filter(|r| r.get() != "null")
}

fn json_type(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

fn required_text<'a>(raw: Option<&'a RawValue>, field: &str) -> Result<Cow<'a, str>, LineError> {
    match optional_text(raw, field)? {
        Some(text) if !text.is_empty() => Ok(text),
        Some(_) => Err(LineError::new(format!("field `{field}` is empty"))),
        None => Err(LineError::new(format!("missing field `{field}`"))),
    }
}

fn optional_text<'a>(
    raw: Option<&'a RawValue>,
    field: &str,
) -> Result<Option<Cow<'a, str>>, LineError> {
    let Some(raw) = non_null(raw) else {
        return Ok(None);
    };
    if !raw.get().starts_with('"') {
        return Err(LineError::new(format!(
            "field `{field}`: expected a string, found {}",
            json_type(raw)
        )));
    }
    serde_json::from_str::<Text<'a>>(raw.get())
        .map(|t| Some(t.0))
        .map_err(|e| LineError::new(format!("field `{field}`: {e}")))
}

/// A name that recorders may write as a string or an integer (thread ids,
/// task ids, message ids).
fn optional_name<'a>(
    raw: Option<&'a RawValue>,
    field: &str,
) -> Result<Option<Cow<'a, str>>, LineError> {
    let Some(raw) = non_null(raw) else {
        return Ok(None);
    };
    let text = raw.get();
    if text.starts_with('"') {
        return optional_text(Some(raw), field);
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Ok(Some(Cow::Borrowed(text)));
    }
    Err(LineError::new(format!(
        "field `{field}`: expected a string or an integer, found {}",
        json_type(raw)
    )))
}

fn optional_line(raw: Option<&RawValue>) -> Result<Option<u64>, LineError> {
    let Some(raw) = non_null(raw) else {
        return Ok(None);
    };
    serde_json::from_str::<u64>(raw.get())
        .map(Some)
        .map_err(|_| {
            LineError::new(format!(
                "field `metadata.line`: expected a non-negative integer, found {}",
                json_type(raw)
            ))
        })
}

fn optional_bool(raw: Option<&RawValue>, field: &str) -> Result<bool, LineError> {
    let Some(raw) = non_null(raw) else {
        return Ok(false);
    };
    serde_json::from_str::<bool>(raw.get()).map_err(|_| {
        LineError::new(format!(
            "field `{field}`: expected a boolean, found {}",
            json_type(raw)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"e1","trace_id":"t","timestamp":"2026-11-26T10:00:00.000001Z","kind":"state_write","metadata":{"service":"shop","thread":7,"variable":"cart.total","file":"shop/cart.py","line":15,"atomic":true}}"#;

    #[test]
    fn parses_a_good_line() {
        let event = parse_line(GOOD.as_bytes()).unwrap();
        assert_eq!(event.id, "e1");
        assert_eq!(event.kind, Ok(EventKind::StateWrite));
        assert_eq!(event.thread.as_deref(), Some("7"));
        assert_eq!(event.subject.as_deref(), Some("cart.total"));
        assert_eq!(event.source_line, Some(15));
        assert!(event.atomic);
        assert_eq!(event.timestamp_ns, 1_795_687_200_000_001_000);
    }

    #[test]
    fn timestamps_keep_nanoseconds_and_normalize_offsets() {
        let utc = parse_timestamp("2026-11-26T10:00:00.123456789Z").unwrap();
        let shifted = parse_timestamp("2026-11-26T12:00:00.123456789+02:00").unwrap();
        assert_eq!(utc, shifted);
        assert_eq!(utc % 1_000_000_000, 123_456_789);
    }

    fn error_of(line: &str) -> LineError {
        parse_line(line.as_bytes()).unwrap_err()
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(error_of("garbage").message.starts_with("not json"));
        assert!(error_of("[1,2]").message.starts_with("not an object"));
        assert_eq!(
            error_of(r#"{"trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom"}"#)
                .message,
            "missing field `id`"
        );
        assert!(
            error_of(r#"{"id":"a","trace_id":"t","timestamp":5,"kind":"custom"}"#)
                .message
                .contains("field `timestamp`: expected a string, found a number")
        );
        assert!(
            error_of(r#"{"id":"a","trace_id":"t","timestamp":"yesterday","kind":"custom"}"#)
                .message
                .starts_with("bad timestamp")
        );
        assert!(
            error_of(r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_read"}"#)
                .message
                .contains("missing field `metadata.variable`")
        );
    }

    #[test]
    fn a_cut_line_ends_early() {
        let cut = &GOOD[..GOOD.len() - 20];
        assert!(error_of(cut).ends_early);
        assert!(!error_of("{\"id\": x}").ends_early);
    }

    #[test]
    fn unknown_kind_is_kept_by_name() {
        let event = parse_line(
            br#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_change"}"#,
        )
        .unwrap();
        assert_eq!(event.kind, Err(Cow::Borrowed("state_change")));
    }

    #[test]
    fn clocks_parse_and_reject_negative_counters() {
        let event = parse_line(
            br#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom","causality_vector":[["s/t1",3],["s/t2",0]]}"#,
        )
        .unwrap();
        assert_eq!(event.clock.unwrap().len(), 2);
        assert!(
            error_of(r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom","causality_vector":[["x",-1]]}"#)
                .message
                .starts_with("field `causality_vector`")
        );
    }
}
