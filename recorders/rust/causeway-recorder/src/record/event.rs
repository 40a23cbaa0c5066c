//! The events the recorder sends to its writer, and their v1 JSON line.
//!
//! Callers build an [`Event`] with as little work as possible (a clock
//! reading, an id from a counter, values already encoded as JSON text);
//! the writer thread turns it into one line of the trace format
//! (`docs/trace-format.md`): ids, the timestamp and every string escaped
//! there, off the program's threads.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

/// A name that is usually a `&'static str` and sometimes built at run time.
#[derive(Clone, Debug)]
pub enum Name {
    Static(&'static str),
    Owned(Arc<str>),
}

impl Name {
    pub fn as_str(&self) -> &str {
        match self {
            Name::Static(s) => s,
            Name::Owned(s) => s,
        }
    }
}

impl From<&'static str> for Name {
    fn from(s: &'static str) -> Self {
        Name::Static(s)
    }
}

impl From<String> for Name {
    fn from(s: String) -> Self {
        Name::Owned(s.into())
    }
}

/// Where an instrumented function is: one per `#[trace]`, in a `static`.
#[derive(Debug)]
pub struct Site {
    /// The function's name (`name = "..."` or its identifier).
    pub name: &'static str,
    /// `module_path!()` of the function.
    pub module: &'static str,
    pub file: &'static str,
    pub line: u32,
}

/// A source location, from `#[track_caller]` or a site.
#[derive(Clone, Copy, Debug)]
pub struct Loc {
    pub file: &'static str,
    pub line: u32,
}

impl Loc {
    #[track_caller]
    pub fn caller() -> Self {
        let l = std::panic::Location::caller();
        Loc {
            file: l.file(),
            line: l.line(),
        }
    }
}

/// A synchronization object's name: a user-given name, or a kind and a
/// number given at first use (`mutex-3`).
#[derive(Clone, Debug)]
pub enum ObjName {
    Named(Name),
    Numbered(&'static str, u64),
}

/// A function's qualified name: `module::name`, or `Type::name` for a
/// method (the type's name is only known at run time in generic code).
#[derive(Clone, Copy, Debug)]
pub struct FnName {
    pub site: &'static Site,
    pub self_type: Option<&'static str>,
}

/// The function an event happened in: the innermost open call's.
#[derive(Clone, Debug)]
pub enum FnLabel {
    Traced(FnName),
    Span(Name),
}

/// How a call ended.
#[derive(Debug)]
pub enum Outcome {
    /// The return value as JSON text.
    Return(String),
    /// An `Err` or a panic: the error's type and message.
    Exception {
        error_type: Cow<'static, str>,
        message: String,
    },
    /// A future dropped before it completed.
    Cancelled,
}

/// What happened, with its kind-specific metadata.
#[derive(Debug)]
pub enum Payload {
    Entry {
        function: FnName,
        /// A JSON array, as text.
        args: String,
    },
    Exit {
        function: FnName,
        outcome: Outcome,
        duration_ns: u64,
    },
    StateRead {
        variable: Name,
        value: String,
        at: Loc,
    },
    StateWrite {
        variable: Name,
        value: String,
        old_value: Option<String>,
        atomic: bool,
        at: Loc,
    },
    Lock {
        acquire: bool,
        lock: ObjName,
        at: Loc,
    },
    Message {
        send: bool,
        channel: ObjName,
        /// `channel/number`: unique to one send in the recording.
        message: u64,
        at: Option<Loc>,
    },
    Spawn {
        task: Arc<str>,
        at: Option<Loc>,
    },
    Await {
        task: Arc<str>,
        at: Option<Loc>,
    },
    /// A span opened through the tracing layer (a call without a Rust site).
    SpanEntry {
        function: Name,
        module: Option<Name>,
        file: Option<Name>,
        line: Option<u32>,
        /// A JSON object, as text.
        fields: String,
    },
    SpanExit {
        function: Name,
        error: Option<String>,
        duration_ns: u64,
    },
    Custom {
        name: Name,
        /// A JSON object, as text.
        data: String,
        at: Option<Loc>,
    },
    Error {
        message: String,
        error_type: Name,
        at: Option<Loc>,
    },
}

/// One event on its way to the writer.
#[derive(Debug)]
pub struct Event {
    /// Sequence number in the session: the event's id.
    pub seq: u64,
    pub parent: Option<u64>,
    pub time: SystemTime,
    /// The line of execution (thread or task) that recorded it, by number
    /// ([`super::line::line_name`]).
    pub thread: u32,
    /// The innermost open call's function, for events that name none.
    pub function: Option<FnLabel>,
    pub payload: Payload,
}

/// What the writer knows of its session when it writes a line.
pub struct LineContext<'a> {
    /// `"trace_id":"…"` with its quotes, escaped once.
    pub trace_id: &'a str,
    /// First 20 hex digits of every event id (the rest is the sequence).
    pub id_prefix: &'a str,
    /// `"service":"…"`, escaped once.
    pub service: &'a str,
    /// A path prefix to strip from absolute file names (the workspace or
    /// current directory), with its trailing separator.
    pub root: Option<&'a str>,
}

/// Appends a JSON string literal (escaped as serde_json escapes).
pub fn push_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).expect("a str always serializes"));
    }
}

/// Appends the string's contents escaped, without quotes.
fn push_unquoted(out: &mut String, s: &str) {
    let start = out.len();
    push_str(out, s);
    // Drop the quotes push_str wrote around it.
    out.pop();
    out.remove(start);
}

/// Appends `n` as `width` lowercase hex digits.
fn push_hex(out: &mut String, n: u64, width: u32) {
    for shift in (0..width).rev() {
        let digit = ((n >> (shift * 4)) & 0xf) as u8;
        out.push(char::from(if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        }));
    }
}

/// Appends `n` as `width` decimal digits, zero-padded.
fn push_decimal(out: &mut String, mut n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    for d in digits[..width].iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.push_str(std::str::from_utf8(&digits[..width]).expect("ASCII digits"));
}

fn push_id(out: &mut String, ctx: &LineContext, seq: u64) {
    out.push('"');
    out.push_str(ctx.id_prefix);
    push_hex(out, seq, 12);
    out.push('"');
}

fn push_file(out: &mut String, ctx: &LineContext, file: &str) {
    let shown = match ctx.root {
        Some(root) => file.strip_prefix(root).unwrap_or(file),
        None => file,
    };
    push_str(out, shown);
}

fn push_loc(out: &mut String, ctx: &LineContext, at: Loc) {
    out.push_str(",\"file\":");
    push_file(out, ctx, at.file);
    let _ = write!(out, ",\"line\":{}", at.line);
}

fn push_obj(out: &mut String, name: &ObjName) {
    match name {
        ObjName::Named(n) => push_str(out, n.as_str()),
        ObjName::Numbered(kind, n) => {
            let _ = write!(out, "\"{kind}-{n}\"");
        }
    }
}

fn push_fn(out: &mut String, f: FnName) {
    out.push('"');
    push_unquoted(out, f.self_type.unwrap_or(f.site.module));
    out.push_str("::");
    push_unquoted(out, f.site.name);
    out.push('"');
}

/// Formats timestamps: RFC 3339 in UTC with nanoseconds, the date and
/// time of day formatted once per second.
#[derive(Default)]
pub struct Clock {
    second: Option<u64>,
    prefix: String,
}

impl Clock {
    fn push(&mut self, out: &mut String, time: SystemTime) {
        let Ok(since) = time.duration_since(std::time::UNIX_EPOCH) else {
            // Before 1970: rare enough to format in full.
            let t: chrono::DateTime<chrono::Utc> = time.into();
            let _ = write!(
                out,
                "\"{}\"",
                t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
            );
            return;
        };
        let second = since.as_secs();
        if self.second != Some(second) {
            let t: chrono::DateTime<chrono::Utc> =
                (std::time::UNIX_EPOCH + std::time::Duration::from_secs(second)).into();
            self.prefix = t.format("%Y-%m-%dT%H:%M:%S").to_string();
            self.second = Some(second);
        }
        out.push('"');
        out.push_str(&self.prefix);
        out.push('.');
        push_decimal(out, since.subsec_nanos(), 9);
        out.push_str("Z\"");
    }
}

/// The writer's per-line caches: the clock and each line's name as JSON.
#[derive(Default)]
pub struct Caches {
    pub clock: Clock,
    threads: Vec<Option<String>>,
}

impl Caches {
    fn thread(&mut self, n: u32) -> &str {
        let i = n as usize;
        if self.threads.len() <= i {
            self.threads.resize(i + 1, None);
        }
        self.threads[i].get_or_insert_with(|| {
            let mut s = String::new();
            match super::line::line_name(n) {
                Some(name) => push_str(&mut s, &name),
                None => {
                    let _ = write!(s, "\"line-{n}\"");
                }
            }
            s
        })
    }
}

impl Payload {
    /// Whether the event names its function itself (calls and spans).
    pub fn has_function(&self) -> bool {
        matches!(
            self,
            Payload::Entry { .. }
                | Payload::Exit { .. }
                | Payload::SpanEntry { .. }
                | Payload::SpanExit { .. }
        )
    }
}

impl Event {
    /// The kind's name in the trace format.
    pub fn kind(&self) -> &'static str {
        match &self.payload {
            Payload::Entry { .. } | Payload::SpanEntry { .. } => "function_entry",
            Payload::Exit { .. } | Payload::SpanExit { .. } => "function_exit",
            Payload::StateRead { .. } => "state_read",
            Payload::StateWrite { .. } => "state_write",
            Payload::Lock { acquire: true, .. } => "lock_acquire",
            Payload::Lock { acquire: false, .. } => "lock_release",
            Payload::Message { send: true, .. } => "message_send",
            Payload::Message { send: false, .. } => "message_receive",
            Payload::Spawn { .. } => "async_spawn",
            Payload::Await { .. } => "async_await",
            Payload::Custom { .. } => "custom",
            Payload::Error { .. } => "error",
        }
    }

    /// Appends the event's JSON line (with its `\n`).
    pub fn write_line(&self, ctx: &LineContext, caches: &mut Caches, out: &mut String) {
        out.push_str("{\"id\":");
        push_id(out, ctx, self.seq);
        out.push_str(",\"trace_id\":");
        out.push_str(ctx.trace_id);
        out.push_str(",\"parent_id\":");
        match self.parent {
            Some(p) => push_id(out, ctx, p),
            None => out.push_str("null"),
        }
        out.push_str(",\"timestamp\":");
        caches.clock.push(out, self.time);
        let _ = write!(out, ",\"kind\":\"{}\",\"metadata\":{{", self.kind());
        out.push_str(ctx.service);
        out.push_str(",\"thread\":");
        out.push_str(caches.thread(self.thread));
        out.push_str(",\"language\":\"rust\"");
        match &self.function {
            Some(FnLabel::Traced(f)) => {
                out.push_str(",\"function\":");
                push_fn(out, *f);
            }
            Some(FnLabel::Span(name)) => {
                out.push_str(",\"function\":");
                push_str(out, name.as_str());
            }
            None => {}
        }
        self.write_fields(ctx, out);
        out.push_str("}}\n");
    }

    fn write_fields(&self, ctx: &LineContext, out: &mut String) {
        match &self.payload {
            Payload::Entry { function, args } => {
                out.push_str(",\"function\":");
                push_fn(out, *function);
                out.push_str(",\"module\":");
                push_str(out, function.site.module);
                push_loc(
                    out,
                    ctx,
                    Loc {
                        file: function.site.file,
                        line: function.site.line,
                    },
                );
                out.push_str(",\"args\":");
                out.push_str(args);
            }
            Payload::Exit {
                function,
                outcome,
                duration_ns,
            } => {
                out.push_str(",\"function\":");
                push_fn(out, *function);
                push_outcome(out, outcome);
                let _ = write!(out, ",\"duration_ns\":{duration_ns}");
            }
            Payload::StateRead {
                variable,
                value,
                at,
            } => {
                out.push_str(",\"variable\":");
                push_str(out, variable.as_str());
                out.push_str(",\"value\":");
                out.push_str(value);
                push_loc(out, ctx, *at);
            }
            Payload::StateWrite {
                variable,
                value,
                old_value,
                atomic,
                at,
            } => {
                out.push_str(",\"variable\":");
                push_str(out, variable.as_str());
                out.push_str(",\"value\":");
                out.push_str(value);
                if let Some(old) = old_value {
                    out.push_str(",\"old_value\":");
                    out.push_str(old);
                }
                if *atomic {
                    out.push_str(",\"atomic\":true");
                }
                push_loc(out, ctx, *at);
            }
            Payload::Lock { lock, at, .. } => {
                out.push_str(",\"lock\":");
                push_obj(out, lock);
                push_loc(out, ctx, *at);
            }
            Payload::Message {
                channel,
                message,
                at,
                ..
            } => {
                out.push_str(",\"channel\":");
                push_obj(out, channel);
                // The id names the channel too: numbers are per channel.
                let mut id = String::new();
                match channel {
                    ObjName::Named(n) => id.push_str(n.as_str()),
                    ObjName::Numbered(kind, n) => {
                        let _ = write!(id, "{kind}-{n}");
                    }
                }
                let _ = write!(id, "/{message}");
                out.push_str(",\"message_id\":");
                push_str(out, &id);
                if let Some(at) = at {
                    push_loc(out, ctx, *at);
                }
            }
            Payload::Spawn { task, at } | Payload::Await { task, at } => {
                out.push_str(",\"task\":");
                push_str(out, task);
                if let Some(at) = at {
                    push_loc(out, ctx, *at);
                }
            }
            Payload::SpanEntry {
                function,
                module,
                file,
                line,
                fields,
            } => {
                out.push_str(",\"function\":");
                push_str(out, function.as_str());
                if let Some(m) = module {
                    out.push_str(",\"module\":");
                    push_str(out, m.as_str());
                }
                if let Some(f) = file {
                    out.push_str(",\"file\":");
                    push_file(out, ctx, f.as_str());
                }
                if let Some(l) = line {
                    let _ = write!(out, ",\"line\":{l}");
                }
                out.push_str(",\"args\":[],\"kwargs\":");
                out.push_str(fields);
            }
            Payload::SpanExit {
                function,
                error,
                duration_ns,
            } => {
                out.push_str(",\"function\":");
                push_str(out, function.as_str());
                match error {
                    Some(message) => {
                        out.push_str(",\"exception\":{\"type\":\"error\",\"message\":");
                        push_str(out, message);
                        out.push('}');
                    }
                    None => out.push_str(",\"return_value\":null"),
                }
                let _ = write!(out, ",\"duration_ns\":{duration_ns}");
            }
            Payload::Custom { name, data, at } => {
                out.push_str(",\"name\":");
                push_str(out, name.as_str());
                out.push_str(",\"data\":");
                out.push_str(data);
                if let Some(at) = at {
                    push_loc(out, ctx, *at);
                }
            }
            Payload::Error {
                message,
                error_type,
                at,
            } => {
                out.push_str(",\"message\":");
                push_str(out, message);
                out.push_str(",\"error_type\":");
                push_str(out, error_type.as_str());
                if let Some(at) = at {
                    push_loc(out, ctx, *at);
                }
            }
        }
    }
}

fn push_outcome(out: &mut String, outcome: &Outcome) {
    match outcome {
        Outcome::Return(v) => {
            out.push_str(",\"return_value\":");
            out.push_str(v);
        }
        Outcome::Exception {
            error_type,
            message,
        } => {
            out.push_str(",\"exception\":{\"type\":");
            push_str(out, error_type);
            out.push_str(",\"message\":");
            push_str(out, message);
            out.push('}');
        }
        Outcome::Cancelled => out.push_str(",\"return_value\":null,\"cancelled\":true"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SITE: Site = Site {
        name: "deposit",
        module: "bank",
        file: "/ws/src/main.rs",
        line: 7,
    };

    fn ctx() -> LineContext<'static> {
        LineContext {
            trace_id: "\"t1\"",
            id_prefix: "00000000-0000-0000-0000-",
            service: "\"service\":\"bank\"",
            root: Some("/ws/"),
        }
    }

    fn line(payload: Payload) -> serde_json::Value {
        let event = Event {
            seq: 2,
            parent: Some(1),
            time: SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(1_500),
            thread: super::super::line::unique_name(Some("main"), "thread").0,
            function: None,
            payload,
        };
        let mut out = String::new();
        event.write_line(&ctx(), &mut Caches::default(), &mut out);
        assert!(out.ends_with('\n'));
        serde_json::from_str(&out).unwrap()
    }

    #[test]
    fn entry_line_has_the_v1_fields() {
        let v = line(Payload::Entry {
            function: FnName {
                site: &SITE,
                self_type: None,
            },
            args: "[1,\"x\"]".into(),
        });
        assert_eq!(v["id"], "00000000-0000-0000-0000-000000000002");
        assert_eq!(v["parent_id"], "00000000-0000-0000-0000-000000000001");
        assert_eq!(v["timestamp"], "1970-01-01T00:00:00.000001500Z");
        assert_eq!(v["kind"], "function_entry");
        let m = &v["metadata"];
        assert_eq!(m["function"], "bank::deposit");
        assert_eq!(m["file"], "src/main.rs");
        assert_eq!(m["line"], 7);
        assert_eq!(m["args"], serde_json::json!([1, "x"]));
        assert_eq!(m["language"], "rust");
    }

    #[test]
    fn untrusted_strings_are_escaped() {
        let v = line(Payload::StateWrite {
            variable: Name::Owned("a\"b\n".into()),
            value: "1".into(),
            old_value: Some("0".into()),
            atomic: true,
            at: Loc {
                file: "src/x.rs",
                line: 3,
            },
        });
        assert_eq!(v["metadata"]["variable"], "a\"b\n");
        assert_eq!(v["metadata"]["atomic"], true);
        assert_eq!(v["metadata"]["old_value"], 0);
    }

    #[test]
    fn messages_name_their_channel() {
        let v = line(Payload::Message {
            send: true,
            channel: ObjName::Numbered("channel", 4),
            message: 9,
            at: Some(Loc {
                file: "src/x.rs",
                line: 3,
            }),
        });
        assert_eq!(v["kind"], "message_send");
        assert_eq!(v["metadata"]["message_id"], "channel-4/9");
    }
}
