//! The span formats (OTLP, Jaeger, Zipkin) read into one [`Span`] model, and
//! that model mapped onto v1 events, so the three agree on what a span
//! means:
//!
//! - a span is a pair of events on a line of execution of its own (thread
//!   = span id): its start (`function_entry`, or `http_request` for an HTTP
//!   client span, or `db_query` for a database call) and its end
//!   (`function_exit`, or `http_response` for an HTTP client span that did
//!   not fail), whose `parent_id` is the start;
//! - the start's `parent_id` is the parent span's start;
//! - a span event (OTLP event, Jaeger log, Zipkin annotation) is one event
//!   between the two: `error` when it records an exception or error,
//!   `custom` otherwise;
//! - a failed span (error status, `error` tag) ends in a `function_exit`
//!   that carries an `exception`, so an error in a child span and the failed
//!   spans above it are one failure, reported at the deepest span;
//! - a link (OTLP link, Jaeger reference beyond the parent) to a span of the
//!   same file is a `message_send` in the linked span and a
//!   `message_receive` in the linking one: a causal edge.
//!
//! Ids are `span:<trace id>:<span id>` for the start and the same with
//! `:end`, `:event:<n>`, `:link:<n>:send` / `:receive` for the others.

use super::event::{Notes, V1Event, sort_by_time_keeping_lines};
use super::json::{Doc, Problem};
use crate::model::EventKind;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Problem reporting shared by the span readers: a problem's line in the
/// document, and a note that the record was skipped or a field ignored.
pub(super) trait Reporting {
    fn doc(&self) -> &Doc<'_>;
    fn notes(&mut self) -> &mut Notes;

    fn line(&self, at: &str) -> u32 {
        self.doc().line_of(at)
    }

    fn skip(&mut self, problem: &Problem<'_>, record: &str, what: &str) {
        let line = self.line(problem.at);
        self.notes().skipped(
            line,
            format!("{}; {what} skipped", problem.describe(record)),
        );
    }

    fn warn(&mut self, problem: &Problem<'_>, record: &str, what: &str) {
        let line = self.line(problem.at);
        self.notes().warn(
            line,
            format!("{}; {what} ignored", problem.describe(record)),
        );
    }
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// What a span does, from its format's kind field or `span.kind` tag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpanKind {
    #[default]
    Unspecified,
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

impl SpanKind {
    /// Parses `server`, `SERVER`, `SPAN_KIND_SERVER`, ...
    pub fn parse(name: &str) -> Option<SpanKind> {
        let name = name.trim().to_ascii_lowercase();
        let name = name.strip_prefix("span_kind_").unwrap_or(&name);
        Some(match name {
            "unspecified" | "" => SpanKind::Unspecified,
            "internal" => SpanKind::Internal,
            "server" => SpanKind::Server,
            "client" => SpanKind::Client,
            "producer" => SpanKind::Producer,
            "consumer" => SpanKind::Consumer,
            _ => return None,
        })
    }

    /// OTLP's numbering.
    pub fn from_number(n: u64) -> Option<SpanKind> {
        Some(match n {
            0 => SpanKind::Unspecified,
            1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            SpanKind::Unspecified => "unspecified",
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }
}

/// A span, in any of the span formats.
#[derive(Debug, Default)]
pub struct Span {
    /// The line the span's record starts on.
    pub line: u32,
    /// Normalized ids (see [`super::ids`]).
    pub trace_id: String,
    pub span_id: String,
    /// The parent span as (trace id, span id).
    pub parent: Option<(String, String)>,
    pub name: String,
    pub kind: SpanKind,
    pub start_ns: i64,
    pub end_ns: Option<i64>,
    pub service: String,
    pub language: Option<String>,
    /// The instrumentation scope (OTLP) that recorded the span.
    pub scope: Option<String>,
    pub attributes: Map<String, Value>,
    pub events: Vec<SpanEvent>,
    pub links: Vec<Link>,
    /// Set when the span failed, with the status message if there is one.
    pub failure: Option<Option<String>>,
    /// Zipkin's server half of a span whose id the client half also uses.
    pub shared: bool,
}

/// Something that happened during a span at one moment.
#[derive(Debug, Default)]
pub struct SpanEvent {
    pub line: u32,
    pub time_ns: i64,
    pub name: String,
    pub attributes: Map<String, Value>,
}

/// A causal reference from a span to another one that is not its parent.
#[derive(Debug)]
pub struct Link {
    pub line: u32,
    pub trace_id: String,
    pub span_id: String,
    /// `link`, `follows_from` or `child_of`.
    pub relation: &'static str,
}

/// The v1 id of a span's start event.
pub fn entry_id(trace_id: &str, span_id: &str) -> String {
    format!("span:{trace_id}:{span_id}")
}

/// Span event names that record an error.
fn is_error_event(name: &str) -> bool {
    name.eq_ignore_ascii_case("exception") || name.eq_ignore_ascii_case("error")
}

/// The first of several attributes that is present.
fn attr<'a>(attributes: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| attributes.get(*k))
        .filter(|v| !v.is_null())
}

fn attr_text(attributes: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    attr(attributes, keys).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn attr_int(attributes: &Map<String, Value>, keys: &[&str]) -> Option<i64> {
    match attr(attributes, keys)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// How a span is shown in the v1 model.
enum Shape {
    /// An outgoing HTTP call: `http_request` ... `http_response`.
    HttpClient,
    /// A database call: `db_query` ... `function_exit`.
    Database,
    /// Anything else: `function_entry` ... `function_exit`.
    Call,
}

fn shape(span: &Span) -> Shape {
    let a = &span.attributes;
    let http = attr(a, &["http.request.method", "http.method"]).is_some();
    if http && span.kind == SpanKind::Client {
        return Shape::HttpClient;
    }
    let db = attr(a, &["db.system.name", "db.system"]).is_some();
    if db && span.kind != SpanKind::Server {
        return Shape::Database;
    }
    Shape::Call
}

fn http_url(a: &Map<String, Value>) -> Option<String> {
    if let Some(url) = attr_text(a, &["url.full", "http.url"]) {
        return Some(url);
    }
    let path = attr_text(a, &["url.path", "http.target", "http.path", "http.route"])?;
    match attr_text(a, &["server.address", "http.host", "net.peer.name"]) {
        Some(host) => {
            let scheme = attr_text(a, &["url.scheme", "http.scheme"]).unwrap_or("http".into());
            Some(format!("{scheme}://{host}{path}"))
        }
        None => Some(path),
    }
}

/// Where one span's events go: their line of execution and ids.
struct Placement {
    entry: String,
    thread: String,
}

/// Turns spans into v1 events, in time order.
pub fn to_events(spans: Vec<Span>, notes: &mut Notes) -> Vec<V1Event> {
    let placements = place(&spans, notes);
    // Where each (trace, span id) is: the first plain span, and the shared
    // (server) half if there is one.
    let mut plain: FastMap<(&str, &str), usize> = FastMap::default();
    let mut shared: FastMap<(&str, &str), usize> = FastMap::default();
    for (i, span) in spans.iter().enumerate() {
        let table = if span.shared { &mut shared } else { &mut plain };
        table
            .entry((span.trace_id.as_str(), span.span_id.as_str()))
            .or_insert(i);
    }

    let mut groups: Vec<Vec<V1Event>> = Vec::with_capacity(spans.len());
    let mut sends: Vec<(usize, V1Event)> = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        let key = (span.trace_id.as_str(), span.span_id.as_str());
        let parent = if span.shared && plain.contains_key(&key) {
            // The server half of a shared span is caused by its client half.
            Some(placements[plain[&key]].entry.clone())
        } else {
            span.parent.as_ref().map(|(trace, id)| {
                let key = (trace.as_str(), id.as_str());
                let server = shared
                    .get(&key)
                    .filter(|&&s| spans[s].service == span.service || !plain.contains_key(&key));
                match server.or_else(|| plain.get(&key)) {
                    Some(&p) => placements[p].entry.clone(),
                    None => entry_id(trace, id),
                }
            })
        };
        let mut group = span_events(span, &placements[i], parent, notes);
        for (n, link) in span.links.iter().enumerate() {
            let key = (link.trace_id.as_str(), link.span_id.as_str());
            let Some(&target) = plain.get(&key).or_else(|| shared.get(&key)) else {
                continue;
            };
            if target == i {
                continue;
            }
            let message = format!("{}:link:{n}", placements[i].entry);
            let receive = V1Event::new(
                link.line,
                format!("{message}:receive"),
                &span.trace_id,
                span.start_ns,
                EventKind::MessageReceive,
            )
            .with_parent(Some(placements[i].entry.clone()))
            .with("service", span.service.as_str())
            .with("thread", placements[i].thread.as_str())
            .with("channel", link.relation)
            .with("message_id", message.as_str());
            group.insert(1, receive);
            let target_span = &spans[target];
            let send = V1Event::new(
                link.line,
                format!("{message}:send"),
                &target_span.trace_id,
                target_span.start_ns,
                EventKind::MessageSend,
            )
            .with_parent(Some(placements[target].entry.clone()))
            .with("service", target_span.service.as_str())
            .with("thread", placements[target].thread.as_str())
            .with("channel", link.relation)
            .with("message_id", message.as_str());
            sends.push((target, send));
        }
        groups.push(group);
    }
    for (target, send) in sends {
        groups[target].insert(1, send);
    }
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| (spans[i].start_ns, i));
    let events = order
        .into_iter()
        .flat_map(|i| std::mem::take(&mut groups[i]))
        .collect();
    sort_by_time_keeping_lines(events)
}

/// Gives every span its start event id and thread; a span id repeated in a
/// file (the same span exported twice) gets a `#n` suffix and a warning.
fn place(spans: &[Span], notes: &mut Notes) -> Vec<Placement> {
    let mut seen: FastMap<(&str, &str, bool), u32> = FastMap::default();
    spans
        .iter()
        .map(|span| {
            let count = seen
                .entry((&span.trace_id, &span.span_id, span.shared))
                .or_insert(0);
            *count += 1;
            let mut thread = span.span_id.clone();
            if span.shared {
                thread.push_str(":shared");
            }
            if *count > 1 {
                thread.push_str(&format!("#{count}"));
                notes.warn(
                    span.line,
                    format!(
                        "span {} of trace {} appears {} times in this file; this copy is imported as a separate span `{}`",
                        span.span_id,
                        span.trace_id,
                        count,
                        entry_id(&span.trace_id, &thread)
                    ),
                );
            }
            Placement {
                entry: entry_id(&span.trace_id, &thread),
                thread,
            }
        })
        .collect()
}

/// The start, span events and end of one span.
fn span_events(
    span: &Span,
    place: &Placement,
    parent: Option<String>,
    notes: &mut Notes,
) -> Vec<V1Event> {
    let a = &span.attributes;
    let name = if span.name.is_empty() {
        "(unnamed span)"
    } else {
        span.name.as_str()
    };
    let on_line = |event: V1Event| {
        event
            .with("service", span.service.as_str())
            .with("thread", place.thread.as_str())
    };
    let shape = shape(span);
    let entry_kind = match shape {
        Shape::HttpClient => EventKind::HttpRequest,
        Shape::Database => EventKind::DbQuery,
        Shape::Call => EventKind::FunctionEntry,
    };
    let mut entry = on_line(
        V1Event::new(
            span.line,
            &place.entry,
            &span.trace_id,
            span.start_ns,
            entry_kind,
        )
        .with_parent(parent),
    )
    .with("function", name)
    .with("span_kind", span.kind.as_str())
    .with_some("language", span.language.clone())
    .with_some("scope", span.scope.clone())
    .with_some("file", attr_text(a, &["code.file.path", "code.filepath"]))
    .with_some(
        "line",
        attr_int(a, &["code.line.number", "code.lineno"]).filter(|&l| l >= 0),
    );
    let duration = span.end_ns.map(|end| end.saturating_sub(span.start_ns));
    match shape {
        Shape::HttpClient => {
            entry = entry
                .with_some(
                    "method",
                    attr_text(a, &["http.request.method", "http.method"]),
                )
                .with_some("url", http_url(a));
        }
        Shape::Database => {
            entry = entry
                .with_some("system", attr_text(a, &["db.system.name", "db.system"]))
                .with_some(
                    "statement",
                    attr_text(
                        a,
                        &[
                            "db.query.text",
                            "db.statement",
                            "db.query.summary",
                            "db.operation.name",
                            "db.operation",
                        ],
                    ),
                )
                .with_some("duration_ns", duration);
        }
        Shape::Call => {
            if let Some(method) = attr_text(a, &["http.request.method", "http.method"]) {
                entry = entry.with("method", method).with_some("url", http_url(a));
            }
        }
    }
    if !span.links.is_empty() {
        let links: Vec<Value> = span
            .links
            .iter()
            .map(|l| json!({"trace_id": l.trace_id, "span_id": l.span_id, "relation": l.relation}))
            .collect();
        entry = entry.with("links", links);
    }
    if !a.is_empty() {
        entry = entry.with("attributes", Value::Object(a.clone()));
    }
    let mut events = vec![entry];

    // Span events in time order, as a recorder would have written them;
    // ids keep their place in the input.
    let mut order: Vec<usize> = (0..span.events.len()).collect();
    order.sort_by_key(|&n| span.events[n].time_ns);
    let mut last_exception: Option<(Option<String>, Option<String>)> = None;
    for n in order {
        let event = &span.events[n];
        let id = format!("{}:event:{n}", place.entry);
        let ea = &event.attributes;
        let v1 = if is_error_event(&event.name) {
            let message = attr_text(
                ea,
                &[
                    "exception.message",
                    "message",
                    "error.message",
                    "error.object",
                ],
            );
            let error_type = attr_text(ea, &["exception.type", "error.kind", "error.type"]);
            last_exception = Some((error_type.clone(), message.clone()));
            V1Event::new(
                event.line,
                id,
                &span.trace_id,
                event.time_ns,
                EventKind::Error,
            )
            .with("message", message.unwrap_or_else(|| event.name.clone()))
            .with_some("error_type", error_type)
            .with_some(
                "stacktrace",
                attr_text(ea, &["exception.stacktrace", "stack", "stacktrace"]),
            )
        } else {
            V1Event::new(
                event.line,
                id,
                &span.trace_id,
                event.time_ns,
                EventKind::Custom,
            )
            .with("name", event.name.as_str())
        };
        let mut v1 = on_line(v1.with_parent(Some(place.entry.clone()))).with("function", name);
        if !ea.is_empty() {
            v1 = v1.with("attributes", Value::Object(ea.clone()));
        }
        events.push(v1);
    }

    let end_ns = match span.end_ns {
        Some(end) if end >= span.start_ns => end,
        Some(_) => {
            notes.warn(
                span.line,
                format!(
                    "span {} ends before it starts; its end is taken to be its start",
                    span.span_id
                ),
            );
            span.start_ns
        }
        None => span.start_ns,
    };
    let status = attr_int(a, &["http.response.status_code", "http.status_code"]);
    let exit_kind = match (&shape, &span.failure) {
        (Shape::HttpClient, None) => EventKind::HttpResponse,
        _ => EventKind::FunctionExit,
    };
    let mut exit = on_line(
        V1Event::new(
            span.line,
            format!("{}:end", place.entry),
            &span.trace_id,
            end_ns,
            exit_kind,
        )
        .with_parent(Some(place.entry.clone())),
    )
    .with("function", name)
    .with_some("status", status)
    .with_some("duration_ns", duration.map(|d| d.max(0)));
    if let Some(message) = &span.failure {
        let (error_type, event_message) = last_exception.unwrap_or((None, None));
        let error_type = error_type.unwrap_or_else(|| match status {
            Some(code) if code >= 400 => format!("HTTP {code}"),
            _ => "error".to_string(),
        });
        let message = message
            .clone()
            .filter(|m| !m.is_empty())
            .or(event_message)
            .unwrap_or_else(|| format!("span `{name}` failed"));
        exit = exit.with("exception", json!({"type": error_type, "message": message}));
    }
    events.push(exit);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, parent: Option<&str>, start: i64) -> Span {
        Span {
            line: 1,
            trace_id: "t".into(),
            span_id: id.into(),
            parent: parent.map(|p| ("t".to_string(), p.to_string())),
            name: format!("op-{id}"),
            start_ns: start,
            end_ns: Some(start + 10),
            service: "svc".into(),
            ..Span::default()
        }
    }

    #[test]
    fn a_span_is_an_entry_and_an_exit_on_its_own_line() {
        let mut notes = Notes::default();
        let events = to_events(
            vec![span("b", Some("a"), 5), span("a", None, 0)],
            &mut notes,
        );
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            ["span:t:a", "span:t:b", "span:t:a:end", "span:t:b:end"]
        );
        assert_eq!(events[1].parent_id.as_deref(), Some("span:t:a"));
        assert_eq!(events[3].parent_id.as_deref(), Some("span:t:b"));
        assert_eq!(events[1].metadata["thread"], "b");
        assert!(notes.0.is_empty());
    }

    #[test]
    fn http_client_and_database_spans_use_their_kinds() {
        let mut client = span("a", None, 0);
        client.kind = SpanKind::Client;
        client
            .attributes
            .insert("http.request.method".into(), "GET".into());
        client
            .attributes
            .insert("url.full".into(), "http://x/y".into());
        client
            .attributes
            .insert("http.response.status_code".into(), 200.into());
        let mut db = span("b", Some("a"), 1);
        db.attributes
            .insert("db.system".into(), "postgresql".into());
        db.attributes
            .insert("db.statement".into(), "SELECT 1".into());
        let events = to_events(vec![client, db], &mut Notes::default());
        let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EventKind::HttpRequest,
                EventKind::DbQuery,
                EventKind::HttpResponse,
                EventKind::FunctionExit
            ]
        );
        assert_eq!(events[0].metadata["url"], "http://x/y");
        assert_eq!(events[1].metadata["statement"], "SELECT 1");
        assert_eq!(events[2].metadata["status"], 200);
    }

    #[test]
    fn a_failed_span_raises_and_an_exception_event_is_an_error() {
        let mut failed = span("a", None, 0);
        failed.failure = Some(None);
        failed.events.push(SpanEvent {
            line: 2,
            time_ns: 3,
            name: "exception".into(),
            attributes: [
                ("exception.type".to_string(), Value::from("KeyError")),
                ("exception.message".to_string(), Value::from("sku")),
            ]
            .into_iter()
            .collect(),
        });
        let events = to_events(vec![failed], &mut Notes::default());
        assert_eq!(events[1].kind, EventKind::Error);
        assert_eq!(events[1].metadata["error_type"], "KeyError");
        assert_eq!(events[2].metadata["exception"]["type"], "KeyError");
        assert_eq!(events[2].metadata["exception"]["message"], "sku");
    }

    #[test]
    fn links_to_spans_in_the_file_are_message_edges() {
        let a = span("a", None, 0);
        let mut b = span("b", None, 20);
        b.links.push(Link {
            line: 1,
            trace_id: "t".into(),
            span_id: "a".into(),
            relation: "link",
        });
        let events = to_events(vec![a, b], &mut Notes::default());
        let send = events
            .iter()
            .find(|e| e.kind == EventKind::MessageSend)
            .unwrap();
        let receive = events
            .iter()
            .find(|e| e.kind == EventKind::MessageReceive)
            .unwrap();
        assert_eq!(send.metadata["thread"], "a");
        assert_eq!(receive.metadata["thread"], "b");
        assert_eq!(send.metadata["message_id"], receive.metadata["message_id"]);
    }

    #[test]
    fn repeated_and_shared_span_ids_stay_apart() {
        let mut server = span("a", Some("root"), 2);
        server.shared = true;
        server.service = "server".into();
        let client = span("a", Some("root"), 1);
        let copy = span("a", Some("root"), 1);
        let mut notes = Notes::default();
        let events = to_events(vec![server, client, copy], &mut notes);
        let entries: Vec<(&str, Option<&str>)> = events
            .iter()
            .filter(|e| !e.id.ends_with(":end"))
            .map(|e| (e.id.as_str(), e.parent_id.as_deref()))
            .collect();
        assert!(entries.contains(&("span:t:a:shared", Some("span:t:a"))));
        assert!(entries.contains(&("span:t:a", Some("span:t:root"))));
        assert!(entries.contains(&("span:t:a#2", Some("span:t:root"))));
        assert_eq!(notes.0.len(), 1);
    }
}
