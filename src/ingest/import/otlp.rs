//! OpenTelemetry OTLP/JSON: an `ExportTraceServiceRequest` (or `TracesData`)
//! per file, or one per line as the OpenTelemetry file exporter writes them,
//! possibly wrapped in `{"result": ...}` as gRPC gateways stream them (and
//! with `batches` for `resourceSpans`, as Grafana Tempo answers).
//!
//! The protobuf JSON mapping allows more than one spelling of most things,
//! and producers use all of them: ids in hex (any case) or base64, enums as
//! numbers or names, 64-bit integers as strings or numbers, field names in
//! lowerCamelCase or snake_case, default-valued fields left out. Each span
//! becomes a [`Span`]; `service.name` comes from its resource.

use super::event::Notes;
use super::ids;
use super::json::{self, Doc, Object, Problem};
use super::span::{Link, Reporting, Span, SpanEvent, SpanKind};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The service of spans whose resource names none, as OpenTelemetry SDKs
/// call it.
const UNKNOWN_SERVICE: &str = "unknown_service";

/// Reads every span of a file.
pub fn read(text: &str, notes: &mut Notes) -> Vec<Span> {
    let doc = Doc::new(text);
    let mut reader = Reader {
        doc: &doc,
        notes,
        spans: Vec::new(),
    };
    let mut values = Vec::new();
    let mut failure = None;
    for next in serde_json::Deserializer::from_str(text).into_iter::<&RawValue>() {
        match next {
            Ok(value) => values.push(value),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    match failure {
        Some(_) if one_value_per_line(text) => {
            // JSON Lines with a bad line: every other line still counts.
            for (number, line) in super::text_lines(text) {
                match serde_json::from_str::<&RawValue>(line) {
                    Ok(value) => reader.request(value, ""),
                    Err(error) => reader
                        .notes
                        .skipped(number, format!("not json: {error}; line skipped")),
                }
            }
        }
        Some(error) => {
            for value in values {
                reader.request(value, "");
            }
            reader.notes.skipped(
                u32::try_from(error.line()).unwrap_or(u32::MAX),
                format!(
                    "not json at {}: {error}; the rest of the file is skipped",
                    json::position(&error)
                ),
            );
        }
        None => {
            for value in values {
                reader.request(value, "");
            }
        }
    }
    reader.spans
}

/// Whether a file is JSON Lines: several lines, the first a whole value.
fn one_value_per_line(text: &str) -> bool {
    let mut lines = super::text_lines(text);
    let first = lines.next();
    lines.next().is_some()
        && first.is_some_and(|(_, line)| serde_json::from_str::<&RawValue>(line).is_ok())
}

struct Reader<'d, 'n> {
    doc: &'d Doc<'d>,
    notes: &'n mut Notes,
    spans: Vec<Span>,
}

impl Reporting for Reader<'_, '_> {
    fn doc(&self) -> &Doc<'_> {
        self.doc
    }

    fn notes(&mut self) -> &mut Notes {
        self.notes
    }
}

impl<'d> Reader<'d, '_> {
    /// One `ExportTraceServiceRequest`.
    fn request(&mut self, raw: &'d RawValue, path: &str) {
        let request = match json::as_object(raw) {
            Ok(object) => object,
            Err(message) => {
                let problem = Problem::new(raw.get(), "", message);
                return self.skip(&problem, path, "value");
            }
        };
        // Grafana Tempo's trace API calls the list `batches`.
        let Some((key, list)) = request.get_any(&["resourceSpans", "resource_spans", "batches"])
        else {
            if let Some(inner) = request.get("result") {
                return self.request(inner, &json::join_path(path, "result"));
            }
            if ["resourceSpans", "resource_spans", "batches"]
                .iter()
                .any(|k| request.has(k))
            {
                return; // null: an empty request
            }
            let problem = Problem::new(
                raw.get(),
                "",
                "expected an OTLP request with `resourceSpans`",
            );
            return self.skip(&problem, path, "value");
        };
        let list = match json::as_array(list) {
            Ok(list) => list,
            Err(message) => {
                return self.skip(&Problem::new(list.get(), key, message), path, "value");
            }
        };
        for (i, resource_spans) in list.into_iter().enumerate() {
            let here = json::join_path(path, &format!("{key}[{i}]"));
            if let Err(problem) = self.resource_spans(resource_spans, &here) {
                self.skip(&problem, &here, "resource");
            }
        }
    }

    fn resource_spans(&mut self, raw: &'d RawValue, path: &str) -> Result<(), Problem<'d>> {
        let object = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
        let mut attributes = Map::new();
        if let Some(resource) = object.object("resource")? {
            let list = resource
                .array("attributes")
                .map_err(|p| p.under("resource"))?;
            attributes = self.key_values(list, &json::join_path(path, "resource.attributes"));
        }
        let service = match attributes.get("service.name") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            _ => {
                let line = self.line(object.at());
                self.notes.warn(
                    line,
                    format!("{path}: the resource has no `service.name`; its spans are given the service `{UNKNOWN_SERVICE}`"),
                );
                UNKNOWN_SERVICE.to_string()
            }
        };
        let language = attributes
            .get("telemetry.sdk.language")
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some((key, scopes)) = object.get_any(&[
            "scopeSpans",
            "scope_spans",
            "instrumentationLibrarySpans",
            "instrumentation_library_spans",
        ]) else {
            return Ok(());
        };
        let scopes = json::as_array(scopes).map_err(|m| Problem::new(scopes.get(), key, m))?;
        for (i, scope_spans) in scopes.into_iter().enumerate() {
            let here = json::join_path(path, &format!("{key}[{i}]"));
            let context = Context {
                service: &service,
                language: language.as_deref(),
            };
            if let Err(problem) = self.scope_spans(scope_spans, &here, &context) {
                self.skip(&problem, &here, "scope");
            }
        }
        Ok(())
    }

    fn scope_spans(
        &mut self,
        raw: &'d RawValue,
        path: &str,
        context: &Context<'_>,
    ) -> Result<(), Problem<'d>> {
        let object = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
        let scope =
            match object.get_any(&["scope", "instrumentationLibrary", "instrumentation_library"]) {
                Some((key, scope)) => {
                    let scope =
                        json::as_object(scope).map_err(|m| Problem::new(scope.get(), key, m))?;
                    scope
                        .str("name")
                        .map_err(|p| p.under(key))?
                        .map(|n| n.into_owned())
                }
                None => None,
            };
        for (i, raw_span) in object.array("spans")?.into_iter().enumerate() {
            let here = json::join_path(path, &format!("spans[{i}]"));
            match self.span(raw_span, &here, context, scope.as_deref()) {
                Ok(span) => self.spans.push(span),
                Err(problem) => self.skip(&problem, &here, "span"),
            }
        }
        Ok(())
    }

    fn span(
        &mut self,
        raw: &'d RawValue,
        path: &str,
        context: &Context<'_>,
        scope: Option<&str>,
    ) -> Result<Span, Problem<'d>> {
        let span = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
        let trace_id = ids::required(&span, &["traceId", "trace_id"], ids::trace_id)?;
        let span_id = ids::required(&span, &["spanId", "span_id"], ids::span_id)?;
        let parent = ids::optional(&span, &["parentSpanId", "parent_span_id"], ids::span_id)?;
        let start = required_time(&span, &["startTimeUnixNano", "start_time_unix_nano"])?;
        let end = optional_time(&span, &["endTimeUnixNano", "end_time_unix_nano"])?;
        let name = span
            .str("name")?
            .map(|n| n.into_owned())
            .unwrap_or_default();
        let kind = match span.get("kind") {
            None => SpanKind::Unspecified,
            Some(raw_kind) => {
                let parsed = match json::as_u64(raw_kind) {
                    Ok(n) => SpanKind::from_number(n),
                    Err(_) => json::as_str(raw_kind)
                        .ok()
                        .and_then(|k| SpanKind::parse(&k)),
                };
                parsed.unwrap_or_else(|| {
                    let problem = Problem::new(raw_kind.get(), "kind", "unknown span kind");
                    self.warn(&problem, path, "kind");
                    SpanKind::Unspecified
                })
            }
        };
        let attributes = self.key_values(
            span.array("attributes")?,
            &json::join_path(path, "attributes"),
        );
        let failure = match span.object("status")? {
            Some(status) => status_failure(&status).map_err(|p| p.under("status"))?,
            None => None,
        };
        let mut events = Vec::new();
        for (i, raw_event) in span.array("events")?.into_iter().enumerate() {
            let here = json::join_path(path, &format!("events[{i}]"));
            match self.span_event(raw_event, &here) {
                Ok(event) => events.push(event),
                Err(problem) => self.warn(&problem, &here, "span event"),
            }
        }
        let mut links = Vec::new();
        for (i, raw_link) in span.array("links")?.into_iter().enumerate() {
            let link = json::as_object(raw_link)
                .map_err(|m| Problem::new(raw_link.get(), "", m))
                .and_then(|link| {
                    Ok(Link {
                        line: self.line(link.at()),
                        trace_id: ids::required(&link, &["traceId", "trace_id"], ids::trace_id)?,
                        span_id: ids::required(&link, &["spanId", "span_id"], ids::span_id)?,
                        relation: "link",
                    })
                });
            match link {
                Ok(link) => links.push(link),
                Err(problem) => self.warn(
                    &problem,
                    &json::join_path(path, &format!("links[{i}]")),
                    "link",
                ),
            }
        }
        Ok(Span {
            line: self.line(span.at()),
            parent: parent.map(|p| (trace_id.clone(), p)),
            trace_id,
            span_id,
            name,
            kind,
            start_ns: start,
            end_ns: end,
            service: context.service.to_string(),
            language: context.language.map(str::to_string),
            scope: scope.map(str::to_string),
            attributes,
            events,
            links,
            failure,
            shared: false,
        })
    }

    fn span_event(&mut self, raw: &'d RawValue, path: &str) -> Result<SpanEvent, Problem<'d>> {
        let event = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
        Ok(SpanEvent {
            line: self.line(event.at()),
            time_ns: required_time(&event, &["timeUnixNano", "time_unix_nano"])?,
            name: event
                .str("name")?
                .map(|n| n.into_owned())
                .unwrap_or_default(),
            attributes: self.key_values(
                event.array("attributes")?,
                &json::join_path(path, "attributes"),
            ),
        })
    }

    /// A list of `{key, value}` attributes as one object; a bad entry is a
    /// warning and left out.
    fn key_values(&mut self, list: Vec<&'d RawValue>, path: &str) -> Map<String, Value> {
        let mut map = Map::new();
        for (i, raw) in list.into_iter().enumerate() {
            let entry = json::as_object(raw)
                .map_err(|m| Problem::new(raw.get(), "", m))
                .and_then(|kv| {
                    let key = kv.required("key", kv.str("key"))?.into_owned();
                    let value = match kv.get("value") {
                        Some(value) => any_value(value).map_err(|p| p.under("value"))?,
                        None => Value::Null,
                    };
                    Ok((key, value))
                });
            match entry {
                Ok((key, value)) => {
                    map.insert(key, value);
                }
                Err(problem) => self.warn(&problem, &format!("{path}[{i}]"), "attribute"),
            }
        }
        map
    }
}

/// The resource a scope's spans share.
struct Context<'a> {
    service: &'a str,
    language: Option<&'a str>,
}

/// An `AnyValue` as plain JSON.
fn any_value(raw: &RawValue) -> Result<Value, Problem<'_>> {
    let object = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
    let at = |key: &str, message: String| Problem::new(raw.get(), key, message);
    if let Some((key, v)) = object.get_any(&["stringValue", "string_value"]) {
        return json::as_str(v)
            .map(|s| Value::String(s.into_owned()))
            .map_err(|m| at(key, m));
    }
    if let Some((key, v)) = object.get_any(&["boolValue", "bool_value"]) {
        return json::as_bool(v).map(Value::Bool).map_err(|m| at(key, m));
    }
    if let Some((key, v)) = object.get_any(&["intValue", "int_value"]) {
        return json::as_i64(v).map(Value::from).map_err(|m| at(key, m));
    }
    if let Some((key, v)) = object.get_any(&["doubleValue", "double_value"]) {
        return match json::as_f64(v) {
            Ok(f) => Ok(Value::from(f)),
            // "NaN", "Infinity" and "-Infinity" are valid doubles in JSON.
            Err(m) => json::as_str(v)
                .map(|s| Value::String(s.into_owned()))
                .map_err(|_| at(key, m)),
        };
    }
    if let Some((key, v)) = object.get_any(&["arrayValue", "array_value"]) {
        let inner = json::as_object(v).map_err(|m| at(key, m))?;
        let values = inner.array("values").map_err(|p| p.under(key))?;
        let mut items = Vec::with_capacity(values.len());
        for (i, item) in values.into_iter().enumerate() {
            items.push(any_value(item).map_err(|p| p.under(&format!("{key}.values[{i}]")))?);
        }
        return Ok(Value::Array(items));
    }
    if let Some((key, v)) = object.get_any(&["kvlistValue", "kvlist_value"]) {
        let inner = json::as_object(v).map_err(|m| at(key, m))?;
        let mut map = Map::new();
        for (i, kv) in inner
            .array("values")
            .map_err(|p| p.under(key))?
            .into_iter()
            .enumerate()
        {
            let here = format!("{key}.values[{i}]");
            let kv = json::as_object(kv).map_err(|m| at(&here, m))?;
            let name = kv
                .required("key", kv.str("key"))
                .map_err(|p| p.under(&here))?
                .into_owned();
            let value = match kv.get("value") {
                Some(value) => any_value(value).map_err(|p| p.under(&format!("{here}.value")))?,
                None => Value::Null,
            };
            map.insert(name, value);
        }
        return Ok(Value::Object(map));
    }
    if let Some((key, v)) = object.get_any(&["bytesValue", "bytes_value"]) {
        return json::as_str(v)
            .map(|s| Value::String(s.into_owned()))
            .map_err(|m| at(key, m));
    }
    Ok(Value::Null)
}

/// `Some(message)` when a status says the span failed (`code` 2, or the
/// name `STATUS_CODE_ERROR`).
fn status_failure<'a>(status: &Object<'a>) -> Result<Option<Option<String>>, Problem<'a>> {
    let failed = match status.get("code") {
        None => false,
        Some(code) => match json::as_u64(code) {
            Ok(n) => n == 2,
            Err(_) => match json::as_str(code) {
                Ok(name) => {
                    let name = name.to_ascii_uppercase();
                    name == "STATUS_CODE_ERROR" || name == "ERROR"
                }
                Err(m) => return Err(Problem::new(code.get(), "code", m)),
            },
        },
    };
    if !failed {
        return Ok(None);
    }
    Ok(Some(status.str("message")?.map(|m| m.into_owned())))
}

fn optional_time<'a>(
    object: &Object<'a>,
    keys: &[&'static str],
) -> Result<Option<i64>, Problem<'a>> {
    let Some((key, raw)) = object.get_any(keys) else {
        return Ok(None);
    };
    let ns = json::as_u64(raw).map_err(|m| Problem::new(raw.get(), key, m))?;
    i64::try_from(ns)
        .map(Some)
        .map_err(|_| Problem::new(raw.get(), key, format!("{ns} ns is past the year 2262")))
}

fn required_time<'a>(object: &Object<'a>, keys: &[&'static str]) -> Result<i64, Problem<'a>> {
    optional_time(object, keys)?
        .ok_or_else(|| Problem::new(object.at(), "", format!("missing field `{}`", keys[0])))
}
