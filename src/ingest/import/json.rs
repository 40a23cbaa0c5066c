//! Reading other tools' JSON documents with positions, so that a problem is
//! reported at its line and JSON path (``spans[3].startTimeUnixNano:
//! expected an integer, found an object``) rather than as a byte column.
//!
//! Values are kept raw ([`RawValue`], a slice of the document) until an
//! importer asks for one typed; a raw value's address in the document gives
//! its line. Objects are read as a list of raw fields, so an importer takes
//! only the fields it knows and ignores the rest, and never needs
//! `#[serde(untagged)]` to accept a value spelled two ways.

use super::event::Notes;
use crate::ingest::jsonl::Text;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A document's text and where its lines start.
pub struct Doc<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Doc<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Doc { text, line_starts }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The 1-based line of a byte offset.
    pub fn line_at(&self, offset: usize) -> u32 {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        u32::try_from(line.max(1)).unwrap_or(u32::MAX)
    }

    /// The byte offset of a slice of the document (0 for any other string).
    pub fn offset_of(&self, slice: &str) -> usize {
        let start = self.text.as_ptr() as usize;
        let at = slice.as_ptr() as usize;
        if at >= start && at <= start + self.text.len() {
            at - start
        } else {
            0
        }
    }

    /// The line a slice of the document starts on.
    pub fn line_of(&self, slice: &str) -> u32 {
        self.line_at(self.offset_of(slice))
    }
}

/// What is wrong with a value, and where.
#[derive(Debug)]
pub struct Problem<'a> {
    /// The offending value (a slice of the document).
    pub at: &'a str,
    /// The path of the value below the record being read, e.g.
    /// `attributes[2].value`.
    pub path: String,
    pub message: String,
}

impl<'a> Problem<'a> {
    pub fn new(at: &'a str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            at,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same problem, one level further down: `prefix.path`.
    pub fn under(mut self, prefix: &str) -> Self {
        self.path = join_path(prefix, &self.path);
        self
    }

    /// `path: message`, with the record's path in front.
    pub fn describe(&self, record: &str) -> String {
        let path = join_path(record, &self.path);
        if path.is_empty() {
            self.message.clone()
        } else {
            format!("{path}: {}", self.message)
        }
    }
}

/// `a.b`, `a[3]`, or whichever of the two is not empty.
pub fn join_path(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ if rest.starts_with('[') => format!("{prefix}{rest}"),
        _ => format!("{prefix}.{rest}"),
    }
}

/// The JSON type of a raw value, for messages: "a string", "an object", ...
pub use crate::ingest::jsonl::json_type as kind_of;

pub fn is_null(raw: &RawValue) -> bool {
    raw.get() == "null"
}

/// A string value, borrowed from the document where it has no escapes.
pub fn as_str(raw: &RawValue) -> Result<Cow<'_, str>, String> {
    if !raw.get().starts_with('"') {
        return Err(format!("expected a string, found {}", kind_of(raw)));
    }
    serde_json::from_str::<Text<'_>>(raw.get())
        .map(|t| t.0)
        .map_err(|e| format!("bad string: {e}"))
}

/// The text of a number written as a JSON number or as a string.
fn number_text(raw: &RawValue) -> Result<Cow<'_, str>, String> {
    if raw.get().starts_with('"') {
        as_str(raw)
    } else {
        Ok(Cow::Borrowed(raw.get()))
    }
}

/// A non-negative integer, written as a number or as a string of digits
/// (protobuf's JSON mapping writes 64-bit integers as strings).
pub fn as_u64(raw: &RawValue) -> Result<u64, String> {
    let digits = number_text(raw)?;
    let digits = digits.trim();
    if let Ok(n) = digits.parse::<u64>() {
        return Ok(n);
    }
    // Some producers write integral values as floats (`1.7e15`).
    match digits.parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Ok(f as u64),
        _ => Err(format!(
            "expected a non-negative integer, found {}",
            describe_value(raw)
        )),
    }
}

/// An integer that may be negative, as a number or a string of digits.
pub fn as_i64(raw: &RawValue) -> Result<i64, String> {
    let digits = number_text(raw)?;
    let digits = digits.trim();
    if let Ok(n) = digits.parse::<i64>() {
        return Ok(n);
    }
    match digits.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
        _ => Err(format!(
            "expected an integer, found {}",
            describe_value(raw)
        )),
    }
}

/// A number, written as a number or as a numeric string.
pub fn as_f64(raw: &RawValue) -> Result<f64, String> {
    let text = raw.get();
    let parsed = if text.starts_with('"') {
        as_str(raw)?.trim().parse::<f64>().ok()
    } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        text.parse::<f64>().ok()
    } else {
        None
    };
    match parsed {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(format!("expected a number, found {}", describe_value(raw))),
    }
}

/// A boolean, or the strings `true` and `false`.
pub fn as_bool(raw: &RawValue) -> Result<bool, String> {
    match raw.get() {
        "true" => Ok(true),
        "false" => Ok(false),
        text if text.starts_with('"') => match as_str(raw)?.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("expected a boolean, found {}", describe_value(raw))),
        },
        _ => Err(format!("expected a boolean, found {}", kind_of(raw))),
    }
}

/// The elements of an array, still raw.
pub fn as_array(raw: &RawValue) -> Result<Vec<&RawValue>, String> {
    if !raw.get().starts_with('[') {
        return Err(format!("expected an array, found {}", kind_of(raw)));
    }
    serde_json::from_str(raw.get()).map_err(|e| format!("bad array: {e}"))
}

/// An object's fields, still raw.
pub fn as_object(raw: &RawValue) -> Result<Object<'_>, String> {
    if !raw.get().starts_with('{') {
        return Err(format!("expected an object, found {}", kind_of(raw)));
    }
    let fields = Fields::deserialize(&mut serde_json::Deserializer::from_str(raw.get()))
        .map_err(|e| format!("bad object: {e}"))?;
    Ok(Object {
        at: raw.get(),
        fields: fields.0,
    })
}

/// Any value, typed.
pub fn to_value(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or(Value::Null)
}

/// A short description of a value for messages: its type, and its text if
/// short.
fn describe_value(raw: &RawValue) -> String {
    let text = raw.get();
    if text.len() <= 24 && !text.starts_with(['{', '[']) {
        format!("`{text}`")
    } else {
        kind_of(raw).to_string()
    }
}

/// A JSON object whose values are still raw, fields in document order.
pub struct Object<'a> {
    at: &'a str,
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Object<'a> {
    /// Where the object starts in the document.
    pub fn at(&self) -> &'a str {
        self.at
    }

    /// The fields, in document order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &'a RawValue)> + '_ {
        self.fields.iter().map(|(k, v)| (k.as_ref(), *v))
    }

    pub fn has(&self, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == key)
    }

    /// A field that is present and not null (the last one, if repeated).
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .filter(|v| !is_null(v))
    }

    /// The first of several spellings of a field that is present.
    pub fn get_any(&self, keys: &[&'static str]) -> Option<(&'static str, &'a RawValue)> {
        keys.iter().find_map(|&k| self.get(k).map(|v| (k, v)))
    }

    fn typed<T>(
        &self,
        key: &str,
        convert: impl FnOnce(&'a RawValue) -> Result<T, String>,
    ) -> Result<Option<T>, Problem<'a>> {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => convert(raw)
                .map(Some)
                .map_err(|m| Problem::new(raw.get(), key, m)),
        }
    }

    pub fn str(&self, key: &str) -> Result<Option<Cow<'a, str>>, Problem<'a>> {
        self.typed(key, as_str)
    }

    pub fn u64(&self, key: &str) -> Result<Option<u64>, Problem<'a>> {
        self.typed(key, as_u64)
    }

    pub fn i64(&self, key: &str) -> Result<Option<i64>, Problem<'a>> {
        self.typed(key, as_i64)
    }

    pub fn f64(&self, key: &str) -> Result<Option<f64>, Problem<'a>> {
        self.typed(key, as_f64)
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, Problem<'a>> {
        self.typed(key, as_bool)
    }

    /// An array field; absent or null is empty.
    pub fn array(&self, key: &str) -> Result<Vec<&'a RawValue>, Problem<'a>> {
        Ok(self.typed(key, as_array)?.unwrap_or_default())
    }

    pub fn object(&self, key: &str) -> Result<Option<Object<'a>>, Problem<'a>> {
        self.typed(key, as_object)
    }

    /// A field that must be there.
    pub fn required<T>(
        &self,
        key: &str,
        value: Result<Option<T>, Problem<'a>>,
    ) -> Result<T, Problem<'a>> {
        value?.ok_or_else(|| Problem::new(self.at, "", format!("missing field `{key}`")))
    }
}

/// An object read as a list of (key, raw value).
struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((key, value)) = map.next_entry::<Text<'de>, &'de RawValue>()? {
                    fields.push((key.0, value));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// Parses a whole document as one JSON value, or says where it breaks.
pub fn parse_document(text: &str) -> Result<&RawValue, serde_json::Error> {
    serde_json::from_str(text)
}

/// A serde error's position as `line:column`.
pub fn position(error: &serde_json::Error) -> String {
    format!("{}:{}", error.line(), error.column())
}

/// Notes a document that is not JSON at all, at the line where it broke.
pub fn note_syntax_error(error: &serde_json::Error, notes: &mut Notes) {
    notes.skipped(
        u32::try_from(error.line()).unwrap_or(u32::MAX),
        format!("not json at {}: {error}", position(error)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_from_positions_in_the_document() {
        let text = "{\n  \"a\": [1,\n   {\"b\": \"x\"}]\n}";
        let doc = Doc::new(text);
        let root = as_object(parse_document(text).unwrap()).unwrap();
        let items = root.array("a").unwrap();
        assert_eq!(doc.line_of(items[0].get()), 2);
        let inner = as_object(items[1]).unwrap();
        assert_eq!(doc.line_of(inner.at()), 3);
        assert_eq!(inner.str("b").unwrap().as_deref(), Some("x"));
    }

    #[test]
    fn numbers_may_be_strings_and_types_are_named() {
        let raw: &RawValue = serde_json::from_str("\"1544712660000000000\"").unwrap();
        assert_eq!(as_u64(raw).unwrap(), 1_544_712_660_000_000_000);
        let raw: &RawValue = serde_json::from_str("{\"x\":1}").unwrap();
        assert_eq!(
            as_u64(raw).unwrap_err(),
            "expected a non-negative integer, found an object"
        );
        let raw: &RawValue = serde_json::from_str("\"TRUE\"").unwrap();
        assert!(as_bool(raw).unwrap());
        let raw: &RawValue = serde_json::from_str("12.5").unwrap();
        assert_eq!(as_f64(raw).unwrap(), 12.5);
    }

    #[test]
    fn problems_carry_the_path_below_the_record() {
        let text = r#"{"s": {"t": 5}}"#;
        let root = as_object(parse_document(text).unwrap()).unwrap();
        let inner = root.object("s").unwrap().unwrap();
        let problem = inner.str("t").unwrap_err().under("s");
        assert_eq!(
            problem.describe("spans[2]"),
            "spans[2].s.t: expected a string, found a number"
        );
        assert_eq!(join_path("a", "[1]"), "a[1]");
    }
}
