//! Zipkin v2 JSON: a list of spans, or a list of traces (lists of spans) as
//! `/api/v2/traces` answers.
//!
//! Times are microseconds. A server may report its half of an RPC under its
//! client's span id with `shared: true`: the two halves stay two spans (the
//! server half's id gets a `:shared` suffix and the client half as parent).
//! A span without `timestamp` is late data: its tags and annotations are
//! merged into the span reported with the same id, service and `shared`
//! flag; alone, it is imported at its first annotation (or its parent's
//! start) with a warning. Any `error` tag, even an empty one, marks a failed
//! span.

use super::event::Notes;
use super::ids;
use super::json::{self, Doc, Object, Problem};
use super::span::{Span, SpanEvent, SpanKind};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Reads every span of a file.
pub fn read(text: &str, notes: &mut Notes) -> Vec<Span> {
    let doc = Doc::new(text);
    let root = match json::parse_document(text) {
        Ok(root) => root,
        Err(error) => {
            json::note_syntax_error(&error, notes);
            return Vec::new();
        }
    };
    let items = match json::as_array(root) {
        Ok(items) => items,
        Err(message) => {
            notes.skipped(
                doc.line_of(root.get()),
                format!("{message}; a Zipkin v2 file is a list of spans"),
            );
            return Vec::new();
        }
    };
    let mut records: Vec<(String, &RawValue)> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if item.get().starts_with('[') {
            match json::as_array(item) {
                Ok(spans) => records.extend(
                    spans
                        .into_iter()
                        .enumerate()
                        .map(|(j, s)| (format!("[{i}][{j}]"), s)),
                ),
                Err(message) => notes.skipped(doc.line_of(item.get()), format!("[{i}]: {message}")),
            }
        } else {
            records.push((format!("[{i}]"), item));
        }
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut late: Vec<Span> = Vec::new();
    for (path, raw) in records {
        match span(&doc, raw) {
            Ok((span, true)) => spans.push(span),
            Ok((span, false)) => late.push(span),
            Err(problem) => notes.skipped(
                doc.line_of(problem.at),
                format!("{}; span skipped", problem.describe(&path)),
            ),
        }
    }
    merge_late_data(spans, late, notes)
}

/// Folds spans without a timestamp into the span they complete, or places
/// them where they most likely belong.
fn merge_late_data(mut spans: Vec<Span>, late: Vec<Span>, notes: &mut Notes) -> Vec<Span> {
    let key = |s: &Span| {
        (
            s.trace_id.clone(),
            s.span_id.clone(),
            s.shared,
            s.service.clone(),
        )
    };
    let index: HashMap<_, usize> = spans.iter().enumerate().map(|(i, s)| (key(s), i)).collect();
    let starts: HashMap<(String, String), i64> = spans
        .iter()
        .map(|s| ((s.trace_id.clone(), s.span_id.clone()), s.start_ns))
        .collect();
    for mut piece in late {
        if let Some(&i) = index.get(&key(&piece)) {
            let whole = &mut spans[i];
            whole.attributes.append(&mut piece.attributes);
            whole.events.append(&mut piece.events);
            if piece.failure.is_some() {
                whole.failure = piece.failure;
            }
            if whole.end_ns.is_none() {
                whole.end_ns = piece.end_ns.map(|d| whole.start_ns + d);
            }
            continue;
        }
        let first_annotation = piece.events.iter().map(|e| e.time_ns).min();
        let parent_start = piece.parent.as_ref().and_then(|p| starts.get(p)).copied();
        piece.start_ns = first_annotation.or(parent_start).unwrap_or(0);
        // `end_ns` holds the duration until the start is known.
        piece.end_ns = piece.end_ns.map(|d| piece.start_ns + d);
        notes.warn(
            piece.line,
            format!(
                "span {} has no timestamp (late data) and no other report of it is in the file; it is placed at {}",
                piece.span_id,
                if first_annotation.is_some() {
                    "its first annotation"
                } else if parent_start.is_some() {
                    "its parent's start"
                } else {
                    "time 0"
                }
            ),
        );
        spans.push(piece);
    }
    spans
}

/// A span, and whether it had a timestamp. Without one, `end_ns` holds the
/// duration (if any) until the span is placed.
fn span<'a>(doc: &Doc<'_>, raw: &'a RawValue) -> Result<(Span, bool), Problem<'a>> {
    let span = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
    let trace_id = ids::required(&span, &["traceId"], ids::trace_id)?;
    let span_id = ids::required(&span, &["id"], ids::span_id)?;
    let parent = ids::optional(&span, &["parentId"], ids::span_id)?;
    let timestamp = span.i64("timestamp")?.filter(|&t| t != 0);
    let duration = span.i64("duration")?;
    let start_ns = match timestamp {
        Some(micros) => Some(
            micros
                .checked_mul(1000)
                .ok_or_else(|| Problem::new(span.at(), "timestamp", "out of range"))?,
        ),
        None => None,
    };
    let duration_ns = duration.and_then(|d| d.max(0).checked_mul(1000));
    let kind = match span.str("kind")? {
        Some(kind) => SpanKind::parse(&kind).unwrap_or_default(),
        None => SpanKind::Unspecified,
    };
    let service = endpoint_service(&span, "localEndpoint")?.unwrap_or_else(|| "unknown".into());
    let mut attributes = Map::new();
    if let Some(tags) = span.object("tags")? {
        for (key, value) in tags.fields() {
            let value = match json::as_str(value) {
                Ok(text) => Value::String(text.into_owned()),
                Err(_) => json::to_value(value),
            };
            attributes.insert(key.to_string(), value);
        }
    }
    if let Some(peer) = endpoint_service(&span, "remoteEndpoint")? {
        attributes
            .entry("peer.service".to_string())
            .or_insert(Value::String(peer));
    }
    let failure = attributes.get("error").map(|value| match value {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    });
    let mut events = Vec::new();
    for (i, raw_annotation) in span.array("annotations")?.into_iter().enumerate() {
        let annotation = json::as_object(raw_annotation)
            .map_err(|m| Problem::new(raw_annotation.get(), "", m))
            .map_err(|p| p.under(&format!("annotations[{i}]")))?;
        let micros = annotation
            .required("timestamp", annotation.i64("timestamp"))
            .map_err(|p| p.under(&format!("annotations[{i}]")))?;
        events.push(SpanEvent {
            line: doc.line_of(annotation.at()),
            time_ns: micros.saturating_mul(1000),
            name: annotation
                .str("value")
                .map_err(|p| p.under(&format!("annotations[{i}]")))?
                .map(|v| v.into_owned())
                .unwrap_or_default(),
            attributes: Map::new(),
        });
    }
    let dated = start_ns.is_some();
    let start_ns = start_ns.unwrap_or(0);
    Ok((
        Span {
            line: doc.line_of(span.at()),
            parent: parent.map(|p| (trace_id.clone(), p)),
            trace_id,
            span_id,
            name: span
                .str("name")?
                .map(|n| n.into_owned())
                .unwrap_or_default(),
            kind,
            start_ns,
            end_ns: if dated {
                duration_ns.map(|d| start_ns.saturating_add(d))
            } else {
                duration_ns
            },
            service,
            language: None,
            scope: None,
            attributes,
            events,
            links: Vec::new(),
            failure,
            shared: span.bool("shared")?.unwrap_or(false),
        },
        dated,
    ))
}

fn endpoint_service<'a>(span: &Object<'a>, key: &str) -> Result<Option<String>, Problem<'a>> {
    let Some(endpoint) = span.object(key)? else {
        return Ok(None);
    };
    Ok(endpoint
        .str("serviceName")
        .map_err(|p| p.under(key))?
        .map(|s| s.into_owned())
        .filter(|s| !s.is_empty()))
}
