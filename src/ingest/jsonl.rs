//! Parsing one line of a v1 JSON Lines trace into a [`ParsedEvent`] that
//! borrows from the line, or a [`LineError`] that says what is wrong.
//!
//! Two readers share one set of rules. The fast one deserializes the whole
//! line in a single pass into typed fields. When it fails, the careful one
//! captures every field as raw JSON and types each on its own, so the error
//! names the field (``field `timestamp`: expected a string, found a
//! number``) instead of a byte column. Both hand their fields to
//! [`complete`], which applies the checks that do not depend on the reader,
//! so a line the fast reader accepts reads exactly as the careful one would
//! read it.
//!
//! Parsing runs in parallel, so it also computes what the serial builder
//! would otherwise hash: the 128-bit keys of ids and traces and the
//! interner hashes of the names.

use crate::model::{EventKind, hash_str, id_key};
use chrono::DateTime;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A string with its interner hash ([`hash_str`]).
#[derive(Debug, PartialEq, Eq)]
pub struct Hashed<'a> {
    pub text: Cow<'a, str>,
    pub hash: u64,
}

impl<'a> Hashed<'a> {
    fn new(text: Cow<'a, str>) -> Self {
        Hashed {
            hash: hash_str(&text),
            text,
        }
    }
}

/// A well-formed event line, before interning.
#[derive(Debug)]
pub struct ParsedEvent<'a> {
    pub id: Cow<'a, str>,
    /// [`id_key`] of `id`.
    pub id_key: u128,
    pub trace_id: Cow<'a, str>,
    /// The trace's identity: its 128 bits when it is a UUID in any spelling,
    /// else a key of the text.
    pub trace_key: u128,
    /// `parent_id` and its [`id_key`].
    pub parent: Option<(Cow<'a, str>, u128)>,
    pub timestamp_ns: i64,
    /// The kind, or the unknown name that was given.
    pub kind: Result<EventKind, Cow<'a, str>>,
    pub service: Option<Hashed<'a>>,
    pub thread: Option<Hashed<'a>>,
    pub function: Option<Hashed<'a>>,
    pub source_file: Option<Hashed<'a>>,
    pub source_line: Option<u64>,
    pub subject: Option<Hashed<'a>>,
    pub atomic: bool,
    pub global: bool,
    pub exception: bool,
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

/// The fields either reader found, typed but not yet checked together.
#[derive(Default)]
struct Fields<'a> {
    id: Option<Cow<'a, str>>,
    trace_id: Option<Cow<'a, str>>,
    parent_id: Option<Cow<'a, str>>,
    timestamp: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    service: Option<Cow<'a, str>>,
    thread: Option<Cow<'a, str>>,
    function: Option<Cow<'a, str>>,
    file: Option<Cow<'a, str>>,
    line: Option<u64>,
    variable: Option<Cow<'a, str>>,
    lock: Option<Cow<'a, str>>,
    task: Option<Cow<'a, str>>,
    message_id: Option<Cow<'a, str>>,
    atomic: bool,
    scope: Option<Cow<'a, str>>,
    exception: bool,
    clock: Option<Vec<(Cow<'a, str>, u64)>>,
}

/// Parses one non-blank line.
pub fn parse_line(line: &[u8]) -> Result<ParsedEvent<'_>, LineError> {
    // serde would map an array onto the struct's fields by position.
    if line.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(not_an_event(line));
    }
    let fields = match serde_json::from_slice::<FastEvent<'_>>(line) {
        Ok(fast) => fast.into_fields(),
        Err(_) => careful_fields(line)?,
    };
    complete(fields)
}

/// Parses one non-blank line already known to be UTF-8, which spares serde
/// checking every string again.
pub fn parse_text(line: &str) -> Result<ParsedEvent<'_>, LineError> {
    if !line.trim_start().starts_with('{') {
        return Err(not_an_event(line.as_bytes()));
    }
    let fields = match serde_json::from_str::<FastEvent<'_>>(line) {
        Ok(fast) => fast.into_fields(),
        Err(_) => careful_fields(line.as_bytes())?,
    };
    complete(fields)
}

/// The checks that hold whichever reader found the fields.
fn complete(f: Fields<'_>) -> Result<ParsedEvent<'_>, LineError> {
    let id = required(f.id, "id")?;
    let trace_id = required(f.trace_id, "trace_id")?;
    let timestamp = required(f.timestamp, "timestamp")?;
    let timestamp_ns = parse_timestamp(&timestamp)?;
    let kind_text = required(f.kind, "kind")?;
    let kind = EventKind::parse(&kind_text).ok_or(kind_text);
    let subject = match kind {
        Ok(kind) => match kind.subject_field() {
            Some(field) => {
                let value = match field {
                    "variable" => f.variable,
                    "lock" => f.lock,
                    "task" => f.task,
                    _ => f.message_id,
                };
                if value.is_none() {
                    return Err(LineError::new(format!(
                        "missing field `metadata.{field}` (required for {})",
                        kind.as_str()
                    )));
                }
                value
            }
            None => None,
        },
        Err(_) => None,
    };
    Ok(ParsedEvent {
        id_key: id_key(&id),
        id,
        trace_key: trace_key(&trace_id),
        trace_id,
        parent: f.parent_id.map(|p| {
            let key = id_key(&p);
            (p, key)
        }),
        timestamp_ns,
        exception: f.exception && kind == Ok(EventKind::FunctionExit),
        kind,
        service: f.service.map(Hashed::new),
        thread: f.thread.map(Hashed::new),
        function: f.function.map(Hashed::new),
        source_file: f.file.map(Hashed::new),
        source_line: f.line,
        subject: subject.map(Hashed::new),
        atomic: f.atomic,
        global: f.scope.is_some_and(|s| s == "global"),
        clock: f.clock,
    })
}

fn required<'a>(value: Option<Cow<'a, str>>, field: &str) -> Result<Cow<'a, str>, LineError> {
    match value {
        Some(text) if !text.is_empty() => Ok(text),
        Some(_) => Err(LineError::new(format!("field `{field}` is empty"))),
        None => Err(LineError::new(format!("missing field `{field}`"))),
    }
}

/// A hyphenated UUID and its 32-hex spelling are the same trace; any other
/// trace id is itself.
fn trace_key(trace_id: &str) -> u128 {
    if matches!(trace_id.len(), 32 | 36)
        && let Ok(uuid) = uuid::Uuid::try_parse(trace_id)
    {
        return uuid.as_u128();
    }
    // Keys of non-UUID ids are offset so they cannot meet a UUID's bits by
    // construction (only by a 2^-128 accident).
    id_key(trace_id) ^ 0x5555_5555_5555_5555_5555_5555_5555_5555
}

/// The normalized text of a trace id: 32 lower-case hex digits for a UUID.
pub fn normalized_trace_id(trace_id: &str) -> Cow<'_, str> {
    if matches!(trace_id.len(), 32 | 36)
        && let Ok(uuid) = uuid::Uuid::try_parse(trace_id)
    {
        let mut buf = uuid::Uuid::encode_buffer();
        return Cow::Owned(uuid.simple().encode_lower(&mut buf).to_string());
    }
    Cow::Borrowed(trace_id)
}

// ---- The fast reader: one typed pass. ----

#[derive(Deserialize)]
struct FastEvent<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    trace_id: Text<'a>,
    #[serde(borrow, default)]
    parent_id: Option<Text<'a>>,
    #[serde(borrow)]
    timestamp: Text<'a>,
    #[serde(borrow)]
    kind: Text<'a>,
    #[serde(borrow, default)]
    metadata: Option<ObjectOnly<FastMetadata<'a>>>,
    #[serde(borrow, default)]
    causality_vector: Option<Vec<(Text<'a>, u64)>>,
}

/// A struct read from a JSON object only: serde's derived impls would also
/// map an array onto the fields by position.
struct ObjectOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = ObjectOnly<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(ObjectOnly)
            }
        }
        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

#[derive(Deserialize, Default)]
struct FastMetadata<'a> {
    #[serde(borrow, default)]
    service: Option<Name<'a>>,
    #[serde(borrow, default)]
    thread: Option<Name<'a>>,
    #[serde(borrow, default)]
    function: Option<Text<'a>>,
    #[serde(borrow, default)]
    file: Option<Text<'a>>,
    #[serde(default)]
    line: Option<u64>,
    #[serde(borrow, default)]
    variable: Option<Text<'a>>,
    #[serde(borrow, default)]
    lock: Option<Name<'a>>,
    #[serde(borrow, default)]
    task: Option<Name<'a>>,
    #[serde(borrow, default)]
    message_id: Option<Name<'a>>,
    #[serde(default)]
    atomic: Option<bool>,
    #[serde(borrow, default)]
    scope: Option<Text<'a>>,
    #[serde(default)]
    exception: Option<IgnoredAny>,
}

impl<'a> FastEvent<'a> {
    fn into_fields(self) -> Fields<'a> {
        let m = self.metadata.map(|o| o.0).unwrap_or_default();
        Fields {
            id: Some(self.id.0),
            trace_id: Some(self.trace_id.0),
            parent_id: self.parent_id.map(|t| t.0),
            timestamp: Some(self.timestamp.0),
            kind: Some(self.kind.0),
            service: m.service.map(|n| n.0),
            thread: m.thread.map(|n| n.0),
            function: m.function.map(|t| t.0),
            file: m.file.map(|t| t.0),
            line: m.line,
            variable: m.variable.map(|t| t.0),
            lock: m.lock.map(|n| n.0),
            task: m.task.map(|n| n.0),
            message_id: m.message_id.map(|n| n.0),
            atomic: m.atomic.unwrap_or(false),
            scope: m.scope.map(|t| t.0),
            exception: m.exception.is_some(),
            clock: self
                .causality_vector
                .map(|pairs| pairs.into_iter().map(|(id, n)| (id.0, n)).collect()),
        }
    }
}

/// A string that borrows from the input when it has no escapes.
#[derive(Deserialize)]
pub(crate) struct Text<'a>(#[serde(borrow)] pub(crate) Cow<'a, str>);

/// A name recorders may write as a string or as an integer (thread ids, task
/// ids, message ids); an integer is read as its decimal text.
struct Name<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Name<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_any(NameVisitor)
    }
}

// ---- The careful reader: one field at a time, for precise messages. ----

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

fn careful_fields(line: &[u8]) -> Result<Fields<'_>, LineError> {
    let wire: WireEvent<'_> = serde_json::from_slice(line).map_err(|e| classify(&e))?;
    let mut fields = Fields {
        id: optional_text(wire.id, "id")?,
        trace_id: optional_text(wire.trace_id, "trace_id")?,
        parent_id: optional_text(wire.parent_id, "parent_id")?,
        timestamp: optional_text(wire.timestamp, "timestamp")?,
        kind: optional_text(wire.kind, "kind")?,
        ..Fields::default()
    };
    let meta = match non_null(wire.metadata) {
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
    if let Some(meta) = meta {
        fields.service = optional_name(meta.service, "metadata.service")?;
        fields.thread = optional_name(meta.thread, "metadata.thread")?;
        fields.function = optional_text(meta.function, "metadata.function")?;
        fields.file = optional_text(meta.file, "metadata.file")?;
        fields.line = optional_line(meta.line)?;
        fields.atomic = optional_bool(meta.atomic, "metadata.atomic")?;
        fields.scope = optional_text(meta.scope, "metadata.scope")?;
        fields.exception = non_null(meta.exception).is_some();
        // Only the field the kind is about is checked, as the fast reader
        // would have accepted the line if the others were well typed.
        let kind = fields.kind.as_deref().and_then(EventKind::parse);
        match kind.and_then(EventKind::subject_field) {
            Some("variable") => {
                fields.variable = optional_text(meta.variable, "metadata.variable")?
            }
            Some("lock") => fields.lock = optional_name(meta.lock, "metadata.lock")?,
            Some("task") => fields.task = optional_name(meta.task, "metadata.task")?,
            Some(_) => fields.message_id = optional_name(meta.message_id, "metadata.message_id")?,
            None => {}
        }
    }
    if let Some(raw) = non_null(wire.causality_vector) {
        fields.clock = Some(parse_clock(raw)?);
    }
    Ok(fields)
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

/// The JSON type of a raw value, for messages: "a string", "an object", ...
pub fn json_type(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
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
    if let Ok(n) = text.parse::<i64>() {
        return Ok(Some(Cow::Owned(n.to_string())));
    }
    if let Ok(n) = text.parse::<u64>() {
        return Ok(Some(Cow::Owned(n.to_string())));
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
        assert_eq!(event.thread.unwrap().text, "7");
        assert_eq!(event.subject.unwrap().text, "cart.total");
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

    /// Lines both readers can read; where the fast one succeeds, the
    /// careful one must produce the same event.
    const VARIANTS: &[&str] = &[
        GOOD,
        r#"{"id":"e\u0031","trace_id":"4BF92F35-77B3-4DA6-A3CE-929D0E0E4736","parent_id":null,"timestamp":"2026-11-26T11:00:00+01:00","kind":"state_read","metadata":{"variable":"a\"b","thread":"t\n1","line":null}}"#,
        r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"lock_acquire","metadata":{"lock":12,"service":-3,"scope":"global","exception":null}}"#,
        r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"function_exit","metadata":{"exception":{"type":"E","message":"m"},"args":[1,{"x":[]}]}}"#,
        r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"error","metadata":null,"causality_vector":[["c\u00e9",2]]}"#,
        r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_read","metadata":{"lock":1.5,"variable":"v"}}"#,
        r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"async_spawn","metadata":{"task":18446744073709551615}}"#,
        r#"{"id":"","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom"}"#,
        r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_write","metadata":{"file":"f.py"}}"#,
        r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_write","metadata":["v"]}"#,
        r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_write","metadata":{"variable":"v","atomic":"yes"}}"#,
    ];

    #[test]
    fn the_fast_reader_agrees_with_the_careful_one() {
        for line in VARIANTS {
            let careful = careful_fields(line.as_bytes()).and_then(complete);
            if let Ok(fast) = serde_json::from_slice::<FastEvent<'_>>(line.as_bytes()) {
                let fast = complete(fast.into_fields());
                assert_eq!(format!("{fast:?}"), format!("{careful:?}"), "{line}");
            }
            assert_eq!(
                format!("{:?}", parse_line(line.as_bytes())),
                format!("{careful:?}"),
                "{line}"
            );
        }
    }

    #[test]
    fn an_array_is_never_read_as_metadata() {
        let line = VARIANTS[9];
        assert!(serde_json::from_slice::<FastEvent<'_>>(line.as_bytes()).is_err());
        assert!(
            parse_line(line.as_bytes())
                .unwrap_err()
                .message
                .contains("expected an object")
        );
    }
}
