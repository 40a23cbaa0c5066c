//! Jaeger's UI and query-API JSON: `{"data": [trace, ...]}` as the API
//! answers, a bare trace object as the UI saves one, or an array of traces.
//!
//! A trace has `spans` and a `processes` table (`processID` -> service);
//! times are microseconds; tags are `{key, type, value}` with 64-bit
//! integers beyond 2^53 written as strings. The parent is the first
//! `CHILD_OF` reference (else the first `FOLLOWS_FROM`); further references
//! are links. A span failed when its `error` tag is true or its
//! `otel.status_code` is `ERROR`; a log whose `event` is `error` or
//! `exception` is an error event.

use super::event::Notes;
use super::ids;
use super::json::{self, Doc, Problem};
use super::span::{Link, Reporting, Span, SpanEvent, SpanKind};
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
    let mut reader = Reader {
        doc: &doc,
        notes,
        spans: Vec::new(),
    };
    reader.root(root);
    reader.spans
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
    fn root(&mut self, root: &'d RawValue) {
        let traces: Vec<(String, &'d RawValue)> = if root.get().starts_with('[') {
            match json::as_array(root) {
                Ok(items) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| (format!("[{i}]"), t))
                    .collect(),
                Err(m) => return self.skip(&Problem::new(root.get(), "", m), "", "file"),
            }
        } else {
            let object = match json::as_object(root) {
                Ok(object) => object,
                Err(m) => return self.skip(&Problem::new(root.get(), "", m), "", "file"),
            };
            if object.has("spans") {
                vec![(String::new(), root)]
            } else {
                match object.array("data") {
                    Ok(items) => items
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| (format!("data[{i}]"), t))
                        .collect(),
                    Err(problem) => return self.skip(&problem, "", "file"),
                }
            }
        };
        for (path, trace) in traces {
            if let Err(problem) = self.trace(trace, &path) {
                self.skip(&problem, &path, "trace");
            }
        }
    }

    fn trace(&mut self, raw: &'d RawValue, path: &str) -> Result<(), Problem<'d>> {
        let trace = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
        let mut services: HashMap<String, String> = HashMap::new();
        if let Some(processes) = trace.object("processes")? {
            for (id, process) in processes.fields() {
                let here = format!("processes.{id}");
                match process_service(process) {
                    Ok(name) => {
                        services.insert(id.to_string(), name);
                    }
                    Err(problem) => self.warn(&problem.under(&here), path, "process"),
                }
            }
        }
        for (i, raw_span) in trace.array("spans")?.into_iter().enumerate() {
            let here = json::join_path(path, &format!("spans[{i}]"));
            match self.span(raw_span, &here, &services) {
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
        services: &HashMap<String, String>,
    ) -> Result<Span, Problem<'d>> {
        let span = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
        let trace_id = ids::required(&span, &["traceID"], ids::trace_id)?;
        let span_id = ids::required(&span, &["spanID"], ids::span_id)?;
        let start_us = span.required("startTime", span.i64("startTime"))?;
        let duration_us = span.i64("duration")?;
        let start_ns = micros_to_nanos(start_us)
            .ok_or_else(|| Problem::new(span.at(), "startTime", "out of range"))?;
        let end_ns = duration_us.and_then(|d| micros_to_nanos(start_us.saturating_add(d.max(0))));
        let service = match (span.str("processID")?, span.get("process")) {
            (_, Some(process)) => process_service(process).map_err(|p| p.under("process"))?,
            (Some(id), None) => match services.get(id.as_ref()) {
                Some(name) => name.clone(),
                None => {
                    let problem = Problem::new(
                        span.at(),
                        "processID",
                        format!("process `{id}` is not in the trace's `processes`"),
                    );
                    self.warn(&problem, path, "process");
                    "unknown".to_string()
                }
            },
            (None, None) => "unknown".to_string(),
        };
        let tags = self.tags(span.array("tags")?, &json::join_path(path, "tags"));

        // The parent, then links.
        let mut parent = None;
        let mut links = Vec::new();
        let mut references = Vec::new();
        for (i, raw_ref) in span.array("references")?.into_iter().enumerate() {
            match reference(raw_ref) {
                Ok(mut r) => {
                    r.line = self.line(raw_ref.get());
                    references.push(r);
                }
                Err(problem) => self.warn(
                    &problem,
                    &json::join_path(path, &format!("references[{i}]")),
                    "reference",
                ),
            }
        }
        let parent_at = references
            .iter()
            .position(|r| r.relation == "child_of")
            .or_else(|| references.iter().position(|r| r.relation == "follows_from"));
        if let Some(at) = parent_at {
            let r = references.remove(at);
            parent = Some((r.trace_id, r.span_id));
        } else if let Some(id) = ids::optional(&span, &["parentSpanID"], ids::span_id)? {
            parent = Some((trace_id.clone(), id));
        }
        for r in references {
            links.push(Link {
                line: r.line,
                trace_id: r.trace_id,
                span_id: r.span_id,
                relation: r.relation,
            });
        }

        let mut events = Vec::new();
        for (i, raw_log) in span.array("logs")?.into_iter().enumerate() {
            let here = json::join_path(path, &format!("logs[{i}]"));
            match self.log(raw_log, &here) {
                Ok(event) => events.push(event),
                Err(problem) => self.warn(&problem, &here, "log"),
            }
        }

        let kind = tags
            .get("span.kind")
            .and_then(Value::as_str)
            .and_then(SpanKind::parse)
            .unwrap_or_default();
        let failed = match tags.get("error") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        } || tags
            .get("otel.status_code")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("error"));
        let failure = failed.then(|| {
            tags.get("otel.status_description")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        Ok(Span {
            line: self.line(span.at()),
            trace_id,
            span_id,
            parent,
            name: span
                .str("operationName")?
                .map(|n| n.into_owned())
                .unwrap_or_default(),
            kind,
            start_ns,
            end_ns,
            service,
            language: None,
            scope: tags
                .get("otel.scope.name")
                .or_else(|| tags.get("otel.library.name"))
                .and_then(Value::as_str)
                .map(str::to_string),
            attributes: tags,
            events,
            links,
            failure,
            shared: false,
        })
    }

    fn log(&mut self, raw: &'d RawValue, path: &str) -> Result<SpanEvent, Problem<'d>> {
        let log = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
        let micros = log.required("timestamp", log.i64("timestamp"))?;
        let time_ns = micros_to_nanos(micros)
            .ok_or_else(|| Problem::new(log.at(), "timestamp", "out of range"))?;
        let mut fields = self.tags(log.array("fields")?, &json::join_path(path, "fields"));
        let name = match fields.remove("event") {
            Some(Value::String(name)) => name,
            Some(other) => other.to_string(),
            None => "log".to_string(),
        };
        Ok(SpanEvent {
            line: self.line(log.at()),
            time_ns,
            name,
            attributes: fields,
        })
    }

    /// Typed `{key, type, value}` tags as one object.
    fn tags(&mut self, list: Vec<&'d RawValue>, path: &str) -> Map<String, Value> {
        let mut map = Map::new();
        for (i, raw) in list.into_iter().enumerate() {
            match tag(raw) {
                Ok((key, value)) => {
                    map.insert(key, value);
                }
                Err(problem) => self.warn(&problem, &format!("{path}[{i}]"), "tag"),
            }
        }
        map
    }
}

/// A process's `serviceName`.
fn process_service(raw: &RawValue) -> Result<String, Problem<'_>> {
    let process = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
    Ok(process
        .str("serviceName")?
        .map(|s| s.into_owned())
        .unwrap_or_else(|| "unknown".to_string()))
}

fn tag(raw: &RawValue) -> Result<(String, Value), Problem<'_>> {
    let tag = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
    let key = tag.required("key", tag.str("key"))?.into_owned();
    let kind = tag.str("type")?.map(|t| t.to_ascii_lowercase());
    let value = match tag.get("value") {
        None => Value::Null,
        Some(value) => match kind.as_deref() {
            Some("int64") => match json::as_i64(value) {
                Ok(n) => Value::from(n),
                Err(_) => json::to_value(value),
            },
            Some("bool") => match json::as_bool(value) {
                Ok(b) => Value::Bool(b),
                Err(_) => json::to_value(value),
            },
            _ => json::to_value(value),
        },
    };
    Ok((key, value))
}

struct Reference {
    line: u32,
    trace_id: String,
    span_id: String,
    relation: &'static str,
}

fn reference(raw: &RawValue) -> Result<Reference, Problem<'_>> {
    let r = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
    let relation = match r
        .str("refType")?
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("FOLLOWS_FROM") => "follows_from",
        _ => "child_of",
    };
    Ok(Reference {
        line: 0,
        trace_id: ids::required(&r, &["traceID"], ids::trace_id)?,
        span_id: ids::required(&r, &["spanID"], ids::span_id)?,
        relation,
    })
}

fn micros_to_nanos(micros: i64) -> Option<i64> {
    micros.checked_mul(1000)
}
