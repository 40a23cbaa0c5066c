//! [`Layer`]: a `tracing_subscriber` layer writing spans as calls and
//! events as `custom` and `error` events into the same trace as
//! `#[trace]`, `Shared` and the wrappers.
//!
//! A span's `function_entry` is recorded when it is first entered (its
//! fields as `kwargs`), its `function_exit` when it closes. While a span is
//! entered it is the innermost open call of the line, so what is recorded
//! inside it (a `#[trace]` call, a `Shared` access, a nested span) names it
//! as parent. An event at `ERROR` level is an `error` event and marks its
//! span as failed (its exit carries the message as the exception), as
//! does a span field named `error`: so an error chain ends at the failing
//! span. Other events are `custom` events named by their message.
//!
//! The line (thread or task) comes from the recorder, not from span
//! parents: tasks spawned with [`task::spawn`](crate::task::spawn) are
//! their own lines.

use crate::record::event::{FnLabel, Loc, Name, Payload};
use crate::record::{Parent, line, record};
use serde_json::{Map, Value};
use std::fmt;
use std::time::Instant;
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// A `tracing_subscriber` layer writing spans as calls and events as
/// `custom` and `error` events, into the trace `#[trace]` and the wrappers
/// write: `tracing_subscriber::registry().with(causeway_recorder::Layer::new())`.
///
/// A span's `function_entry` (its fields as `kwargs`) is recorded when it
/// is first entered, its `function_exit` when it closes; while entered it
/// is the innermost call of its line, so what is recorded inside names it
/// as parent. An `ERROR` event is an `error` event and marks its span as
/// failed (the exit carries the message as the exception), as does a span
/// field named `error`; other events are `custom` events named by their
/// message.
#[derive(Debug, Default, Clone, Copy)]
pub struct Layer {
    _private: (),
}

impl Layer {
    /// The layer; it records into the session of the line that records
    /// (from [`init`](crate::init) or [`init_thread`](crate::init_thread)).
    pub fn new() -> Self {
        Layer::default()
    }
}

/// What the layer keeps in a span's extensions.
struct SpanState {
    fields: Map<String, Value>,
    entry: Option<u64>,
    started: Instant,
    error: Option<String>,
}

/// Collects fields as JSON.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, v: &dyn fmt::Debug) {
        // A field's Debug text is usually meant to be read (`message` is
        // `format_args!`): JSON if it is JSON, else the text itself.
        let text = format!("{v:?}");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        self.0.insert(field.name().to_owned(), json);
    }
    fn record_str(&mut self, field: &Field, v: &str) {
        self.0.insert(field.name().to_owned(), Value::from(v));
    }
    fn record_i64(&mut self, field: &Field, v: i64) {
        self.0.insert(field.name().to_owned(), Value::from(v));
    }
    fn record_u64(&mut self, field: &Field, v: u64) {
        self.0.insert(field.name().to_owned(), Value::from(v));
    }
    fn record_bool(&mut self, field: &Field, v: bool) {
        self.0.insert(field.name().to_owned(), Value::from(v));
    }
    fn record_f64(&mut self, field: &Field, v: f64) {
        self.0.insert(field.name().to_owned(), Value::from(v));
    }
    fn record_error(&mut self, field: &Field, v: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().to_owned(), Value::from(v.to_string()));
    }
}

fn function_name(meta: &Metadata<'_>) -> String {
    match meta.module_path() {
        Some(m) => format!("{m}::{}", meta.name()),
        None => meta.name().to_owned(),
    }
}

fn error_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<S> tracing_subscriber::Layer<S> for Layer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if line::is_busy() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Map::new();
        attrs.record(&mut Fields(&mut fields));
        let error = fields.get("error").map(error_text);
        span.extensions_mut().insert(SpanState {
            fields,
            entry: None,
            started: Instant::now(),
            error,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(state) = ext.get_mut::<SpanState>() {
            values.record(&mut Fields(&mut state.fields));
            if let Some(e) = state.fields.get("error") {
                state.error = Some(error_text(e));
            }
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent_entry = span
            .parent()
            .and_then(|p| p.extensions().get::<SpanState>().and_then(|s| s.entry));
        let mut ext = span.extensions_mut();
        let Some(state) = ext.get_mut::<SpanState>() else {
            return;
        };
        if state.entry.is_none() {
            let meta = span.metadata();
            let fields = Value::Object(state.fields.clone()).to_string();
            let parent = parent_entry.map_or(Parent::Current, Parent::Of);
            state.entry = record(parent, || Payload::SpanEntry {
                function: Name::from(function_name(meta)),
                module: meta.module_path().map(|m| Name::from(m.to_owned())),
                file: meta.file().map(|f| Name::from(f.to_owned())),
                line: meta.line(),
                fields,
            });
            state.started = Instant::now();
        }
        if let Some(seq) = state.entry {
            let function = FnLabel::Span(Name::from(function_name(span.metadata())));
            line::with_line(|l| l.push(seq, Some(function)));
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let ext = span.extensions();
        if let Some(seq) = ext.get::<SpanState>().and_then(|s| s.entry) {
            line::with_line(|l| l.pop(seq));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let mut ext = span.extensions_mut();
        let Some(state) = ext.remove::<SpanState>() else {
            return;
        };
        let Some(entry) = state.entry else { return };
        let meta = span.metadata();
        let duration_ns = u64::try_from(state.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        record(Parent::Of(entry), || Payload::SpanExit {
            function: Name::from(function_name(meta)),
            error: state.error,
            duration_ns,
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if line::is_busy() {
            return;
        }
        let mut fields = Map::new();
        event.record(&mut Fields(&mut fields));
        let meta = event.metadata();
        let at = meta
            .file()
            .zip(meta.line())
            .map(|(file, line)| Loc { file, line });
        let message = fields.remove("message").map(|m| error_text(&m));
        let span = ctx.event_span(event);
        let parent = span
            .as_ref()
            .and_then(|s| s.extensions().get::<SpanState>().and_then(|st| st.entry))
            .map_or(Parent::Current, Parent::Of);
        if *meta.level() == Level::ERROR {
            let text = message.unwrap_or_else(|| Value::Object(fields.clone()).to_string());
            if let Some(span) = &span
                && let Some(state) = span.extensions_mut().get_mut::<SpanState>()
            {
                state.error.get_or_insert_with(|| text.clone());
            }
            record(parent, || Payload::Error {
                message: text,
                error_type: Name::from(meta.target().to_owned()),
                at,
            });
        } else {
            let name = message.unwrap_or_else(|| meta.name().to_owned());
            if !fields.contains_key("level") {
                fields.insert("level".to_owned(), Value::from(meta.level().as_str()));
            }
            let data = Value::Object(fields).to_string();
            record(parent, || Payload::Custom {
                name: Name::from(name),
                data,
                at,
            });
        }
    }
}
