//! Chrome Trace Event Format (Chrome and Perfetto traces, Rust's
//! `tracing-chrome`, speedscope's samples): a JSON array of events, or an
//! object with `traceEvents`. An array still being written may lack its
//! closing bracket (and end in a comma); it is read as if closed.
//!
//! Each (pid, tid) is a line of execution (service = the process name from
//! `M` metadata events, else `pid N`; thread = the thread name and tid).
//! Slices nest per thread, in time order: `B`/`E` pairs and `X` events
//! become `function_entry`/`function_exit` pairs whose parent is the
//! enclosing slice; an `E` closes the innermost open slice of its name (or
//! the innermost one when it has no name), and one that closes nothing is a
//! warning. Nestable async `b`/`e`/`n` and legacy async `S`/`T`/`F` events
//! nest the same way on a line of their own per (pid, category, id).
//! Flow events `s`/`t`/`f` become `message_send`/`message_receive` pairs
//! hop by hop (a `t` is a receive and a send), and so do slices with a
//! `bind_id` and `flow_out`/`flow_in`. Other events (instants, counters,
//! samples, ...) are `custom` events on their thread; `M` events name
//! processes and threads and are not events themselves.
//!
//! Timestamps are microseconds from an arbitrary origin, read as
//! microseconds after the Unix epoch. Ids are `<file>#<n>` for the n-th
//! event of the file (0-based), with `:end`, `:send`, `:flow-out` or
//! `:flow-in` for the extra events one record gives.

use super::event::{Notes, V1Event, sort_by_time_keeping_lines};
use super::json::{self, Doc, Object, Problem};
use crate::model::EventKind;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};

/// Reads every event of a file named `file` (the name makes ids unique
/// across files).
pub fn read(text: &str, file: &str, notes: &mut Notes) -> Vec<V1Event> {
    let repaired;
    let (doc_text, root) = match json::parse_document(text) {
        Ok(root) => (text, Some(root)),
        Err(error) => match close_brackets(text) {
            Some(closed) => {
                repaired = closed;
                match json::parse_document(&repaired) {
                    Ok(root) => {
                        notes.warn(
                            line_count(text),
                            "the trace ends without its closing bracket (as a trace still being written does); read as if closed",
                        );
                        (repaired.as_str(), Some(root))
                    }
                    Err(_) => {
                        json::note_syntax_error(&error, notes);
                        (text, None)
                    }
                }
            }
            None => {
                json::note_syntax_error(&error, notes);
                (text, None)
            }
        },
    };
    let doc = Doc::new(doc_text);
    let records: Vec<&RawValue> = match root {
        Some(root) => match events_of(root) {
            Ok(records) => records,
            Err(problem) => {
                notes.skipped(doc.line_of(problem.at), problem.describe(""));
                return Vec::new();
            }
        },
        None => return Vec::new(),
    };
    let mut parsed = Vec::with_capacity(records.len());
    for (index, raw) in records.into_iter().enumerate() {
        match record(&doc, index, raw) {
            Ok(record) => parsed.push(record),
            Err(problem) => notes.skipped(
                doc.line_of(problem.at),
                format!(
                    "{}; event skipped",
                    problem.describe(&format!("traceEvents[{index}]"))
                ),
            ),
        }
    }
    Converter::new(file, &parsed).run(&parsed, notes)
}

fn line_count(text: &str) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', text.trim_end().as_bytes()).count() + 1)
        .unwrap_or(u32::MAX)
}

/// The text with the closing brackets a cut-off trace lacks, if that is
/// what is wrong with it.
fn close_brackets(text: &str) -> Option<String> {
    let trimmed = text.trim_end().trim_end_matches(',');
    let start = trimmed.trim_start();
    if start.starts_with('[') {
        Some(format!("{trimmed}]"))
    } else if start.starts_with('{') {
        Some(format!("{trimmed}]}}"))
    } else {
        None
    }
}

/// The event list of the array or object form.
fn events_of(root: &RawValue) -> Result<Vec<&RawValue>, Problem<'_>> {
    if root.get().starts_with('[') {
        return json::as_array(root).map_err(|m| Problem::new(root.get(), "", m));
    }
    let object = json::as_object(root).map_err(|m| Problem::new(root.get(), "", m))?;
    if !object.has("traceEvents") {
        return Err(Problem::new(root.get(), "", "missing field `traceEvents`"));
    }
    object.array("traceEvents")
}

/// One trace event, typed.
struct Record {
    index: usize,
    line: u32,
    phase: char,
    name: String,
    category: String,
    pid: Option<String>,
    tid: Option<String>,
    ts_ns: i64,
    dur_ns: Option<i64>,
    id: Option<String>,
    args: Option<Value>,
    bind_id: Option<String>,
    flow_in: bool,
    flow_out: bool,
}

/// Reads one trace event.
fn record<'a>(doc: &Doc<'_>, index: usize, raw: &'a RawValue) -> Result<Record, Problem<'a>> {
    let event = json::as_object(raw).map_err(|m| Problem::new(raw.get(), "", m))?;
    let phase = event.required("ph", event.str("ph"))?;
    let mut chars = phase.chars();
    let (Some(phase), None) = (chars.next(), chars.next()) else {
        return Err(Problem::new(
            raw.get(),
            "ph",
            format!("expected one letter, found `{phase}`"),
        ));
    };
    let ts_ns = match event.f64("ts")? {
        Some(micros) => {
            micros_to_nanos(micros).ok_or_else(|| Problem::new(raw.get(), "ts", "out of range"))?
        }
        None if phase == 'M' => 0,
        None => return Err(Problem::new(raw.get(), "", "missing field `ts`")),
    };
    let dur_ns = match event.f64("dur")? {
        Some(micros) => Some(
            micros_to_nanos(micros.max(0.0))
                .ok_or_else(|| Problem::new(raw.get(), "dur", "out of range"))?,
        ),
        None => None,
    };
    let id = match (event.get("id"), event.object("id2")?) {
        (Some(raw_id), _) => {
            Some(name_of(raw_id).map_err(|m| Problem::new(raw_id.get(), "id", m))?)
        }
        (None, Some(id2)) => {
            let (key, raw_id) = id2
                .get_any(&["local", "global"])
                .ok_or_else(|| Problem::new(id2.at(), "id2", "expected `local` or `global`"))?;
            Some(format!(
                "{key}:{}",
                name_of(raw_id).map_err(|m| Problem::new(raw_id.get(), "id2", m))?
            ))
        }
        (None, None) => None,
    };
    Ok(Record {
        index,
        line: doc.line_of(raw.get()),
        phase,
        name: event
            .str("name")?
            .map(|n| n.into_owned())
            .unwrap_or_default(),
        category: event
            .str("cat")?
            .map(|c| c.into_owned())
            .unwrap_or_default(),
        pid: optional_name(&event, "pid")?,
        tid: optional_name(&event, "tid")?,
        ts_ns,
        dur_ns,
        id,
        args: event
            .get("args")
            .map(json::to_value)
            .filter(|a| a.as_object().is_none_or(|o| !o.is_empty())),
        bind_id: match event.get("bind_id") {
            Some(raw_id) => {
                Some(name_of(raw_id).map_err(|m| Problem::new(raw_id.get(), "bind_id", m))?)
            }
            None => None,
        },
        flow_in: event.bool("flow_in")?.unwrap_or(false),
        flow_out: event.bool("flow_out")?.unwrap_or(false),
    })
}

/// A pid, tid or id: a string or a number.
fn name_of(raw: &RawValue) -> Result<String, String> {
    match json::as_str(raw) {
        Ok(text) => Ok(text.into_owned()),
        Err(_)
            if raw
                .get()
                .starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
        {
            Ok(raw.get().to_string())
        }
        Err(_) => Err(format!(
            "expected a string or a number, found {}",
            json::kind_of(raw)
        )),
    }
}

fn optional_name<'a>(event: &Object<'a>, key: &str) -> Result<Option<String>, Problem<'a>> {
    match event.get(key) {
        Some(raw) => name_of(raw)
            .map(Some)
            .map_err(|m| Problem::new(raw.get(), key, m)),
        None => Ok(None),
    }
}

fn micros_to_nanos(micros: f64) -> Option<i64> {
    let ns = (micros * 1000.0).round();
    (ns.is_finite() && ns.abs() < 9.2e18).then_some(ns as i64)
}

/// Which line of execution a record belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Track {
    Thread {
        pid: Option<String>,
        tid: Option<String>,
    },
    Async {
        pid: Option<String>,
        category: String,
        id: String,
    },
}

/// What a record does on its track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Begin,
    End,
    /// An `X` event: a slice given whole.
    Complete,
    Instant,
}

fn classify(record: &Record) -> Option<(Track, Action)> {
    let thread = || Track::Thread {
        pid: record.pid.clone(),
        tid: record.tid.clone(),
    };
    // Nestable async ids are per process; legacy async (`S`/`T`/`F`) ids
    // match across processes.
    let legacy = matches!(record.phase, 'S' | 'T' | 'p' | 'F');
    let on_async = || Track::Async {
        pid: if legacy { None } else { record.pid.clone() },
        category: record.category.clone(),
        id: record.id.clone().unwrap_or_default(),
    };
    Some(match record.phase {
        'M' => return None,
        'B' => (thread(), Action::Begin),
        'E' => (thread(), Action::End),
        'X' => (thread(), Action::Complete),
        'b' | 'S' => (on_async(), Action::Begin),
        'e' | 'F' => (on_async(), Action::End),
        'n' | 'T' | 'p' => (on_async(), Action::Instant),
        _ => (thread(), Action::Instant),
    })
}

/// A slice still open on a track.
struct Open {
    entry: String,
    line: u32,
    name: String,
    begin_ns: i64,
    /// For an `X` slice: its record index.
    complete: Option<usize>,
}

/// One step of a track's timeline.
#[derive(Clone, Copy)]
enum Step {
    Record(usize),
    /// The end of the `X` slice of this record.
    CompleteEnd(usize),
}

struct Converter<'f> {
    file: &'f str,
    services: HashMap<Option<String>, String>,
    threads: HashMap<(Option<String>, Option<String>), String>,
    /// Per flow record: the message it receives and the one it sends.
    flows: HashMap<usize, (Option<String>, Option<String>)>,
}

impl<'f> Converter<'f> {
    fn new(file: &'f str, records: &[Record]) -> Self {
        let mut services = HashMap::new();
        let mut thread_names = HashMap::new();
        for r in records.iter().filter(|r| r.phase == 'M') {
            let name = r
                .args
                .as_ref()
                .and_then(|a| a.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string);
            match (r.name.as_str(), name) {
                ("process_name", Some(name)) => {
                    services.insert(r.pid.clone(), name);
                }
                ("thread_name", Some(name)) => {
                    thread_names.insert((r.pid.clone(), r.tid.clone()), name);
                }
                _ => {}
            }
        }
        let threads = thread_names
            .into_iter()
            .map(|((pid, tid), name)| {
                let label = match &tid {
                    Some(tid) => format!("{name} ({tid})"),
                    None => name,
                };
                ((pid, tid), label)
            })
            .collect();
        Converter {
            file,
            services,
            threads,
            flows: flow_messages(records),
        }
    }

    fn service(&self, pid: &Option<String>) -> String {
        match (self.services.get(pid), pid) {
            (Some(name), _) => name.clone(),
            (None, Some(pid)) => format!("pid {pid}"),
            (None, None) => "global".to_string(),
        }
    }

    fn thread(&self, track: &Track) -> String {
        match track {
            Track::Thread { pid, tid } => {
                match (self.threads.get(&(pid.clone(), tid.clone())), tid) {
                    (Some(name), _) => name.clone(),
                    (None, Some(tid)) => tid.clone(),
                    (None, None) => "process".to_string(),
                }
            }
            Track::Async { category, id, .. } => format!("async {category} {id}"),
        }
    }

    fn id(&self, index: usize, suffix: &str) -> String {
        format!("{}#{index}{suffix}", self.file)
    }

    fn run(&self, records: &[Record], notes: &mut Notes) -> Vec<V1Event> {
        let mut tracks: BTreeMap<Track, Vec<usize>> = BTreeMap::new();
        for (i, record) in records.iter().enumerate() {
            if let Some((track, _)) = classify(record) {
                tracks.entry(track).or_default().push(i);
            }
        }
        let mut events = Vec::new();
        for (track, members) in tracks {
            events.extend(self.track(&track, &members, records, notes));
        }
        sort_by_time_keeping_lines(events)
    }

    /// The events of one track, in time order, slices nested.
    fn track(
        &self,
        track: &Track,
        members: &[usize],
        records: &[Record],
        notes: &mut Notes,
    ) -> Vec<V1Event> {
        let mut steps: Vec<(i64, usize, Step)> = Vec::new();
        for &i in members {
            let r = &records[i];
            steps.push((r.ts_ns, r.index, Step::Record(i)));
            if r.phase == 'X' {
                let end = r.ts_ns.saturating_add(r.dur_ns.unwrap_or(0));
                steps.push((end, r.index, Step::CompleteEnd(i)));
            }
        }
        steps.sort_by_key(|&(ts, index, step)| (ts, index, matches!(step, Step::CompleteEnd(_))));
        // A legacy async line spans processes: it belongs to the process
        // that began it.
        let service = self.service(match track {
            Track::Thread { pid, .. } => pid,
            Track::Async { .. } => &records[members[0]].pid,
        });
        let mut later_ends: HashMap<String, Vec<i64>> = HashMap::new();
        for &i in members {
            let r = &records[i];
            if classify(r).is_some_and(|(_, a)| a == Action::End) {
                later_ends.entry(r.name.clone()).or_default().push(r.ts_ns);
            }
        }
        let thread = self.thread(track);
        let mut state = TrackState {
            converter: self,
            records,
            service,
            thread,
            stack: Vec::new(),
            out: Vec::new(),
            ends: later_ends,
        };
        for group in steps.chunk_by(|a, b| a.0 == b.0) {
            state.group(group, notes);
        }
        for open in &state.stack {
            notes.warn(
                open.line,
                format!(
                    "slice `{}` never ends; it is imported without an end",
                    open.name
                ),
            );
        }
        state.out
    }
}

/// Assigns message ids to flow events `s`, `t`, `f`: each flow (category,
/// id) is followed in time order, hop by hop.
fn flow_messages(records: &[Record]) -> HashMap<usize, (Option<String>, Option<String>)> {
    let mut by_flow: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if matches!(r.phase, 's' | 't' | 'f') {
            by_flow
                .entry((r.category.as_str(), r.id.as_deref().unwrap_or("")))
                .or_default()
                .push(i);
        }
    }
    let mut messages = HashMap::new();
    for ((category, id), mut members) in by_flow {
        members.sort_by_key(|&i| (records[i].ts_ns, records[i].index));
        let mut instance = 0usize;
        let mut hop: Option<usize> = None;
        for i in members {
            let name = |hop: usize| format!("flow:{category}:{id}:{instance}:{hop}");
            let (receive, send) = match (records[i].phase, hop) {
                ('s', _) => {
                    instance += 1;
                    hop = Some(0);
                    (None, Some(format!("flow:{category}:{id}:{instance}:0")))
                }
                ('t', Some(h)) => {
                    hop = Some(h + 1);
                    (Some(name(h)), Some(name(h + 1)))
                }
                ('f', Some(h)) => {
                    hop = None;
                    (Some(name(h)), None)
                }
                _ => (None, None),
            };
            messages.insert(i, (receive, send));
        }
    }
    messages
}

struct TrackState<'c, 'f> {
    converter: &'c Converter<'f>,
    records: &'c [Record],
    service: String,
    thread: String,
    stack: Vec<Open>,
    out: Vec<V1Event>,
    /// The times of the track's end events, by name.
    ends: HashMap<String, Vec<i64>>,
}

impl TrackState<'_, '_> {
    fn event(&self, record: &Record, id: String, ts_ns: i64, kind: EventKind) -> V1Event {
        V1Event::new(record.line, id, self.converter.file, ts_ns, kind)
            .with_parent(self.stack.last().map(|o| o.entry.clone()))
            .with("service", self.service.as_str())
            .with("thread", self.thread.as_str())
    }

    /// Whether a pending end closes a slice.
    fn closes(&self, step: Step, open: &Open) -> bool {
        match step {
            Step::CompleteEnd(i) => open.complete == Some(i),
            Step::Record(i) => {
                let name = &self.records[i].name;
                open.complete.is_none() && (name.is_empty() || *name == open.name)
            }
        }
    }

    /// Closes the top slice with whichever pending end matches it, as long
    /// as one does; `earlier_only` keeps slices opened at this instant open.
    fn close_matching(&mut self, pending: &mut Vec<Step>, ts_ns: i64, earlier_only: bool) {
        while let Some(top) = self.stack.last() {
            if earlier_only && top.begin_ns >= ts_ns {
                break;
            }
            let Some(at) = pending.iter().position(|&s| self.closes(s, top)) else {
                break;
            };
            let step = pending.remove(at);
            self.close(self.stack.len() - 1, step, ts_ns);
        }
    }

    fn close(&mut self, at: usize, step: Step, ts_ns: i64) {
        let open = self.stack.remove(at);
        let (record, id) = match step {
            Step::CompleteEnd(i) => (
                &self.records[i],
                self.converter.id(self.records[i].index, ":end"),
            ),
            Step::Record(i) => (
                &self.records[i],
                self.converter.id(self.records[i].index, ""),
            ),
        };
        let exit = V1Event::new(
            record.line,
            id,
            self.converter.file,
            ts_ns,
            EventKind::FunctionExit,
        )
        .with_parent(Some(open.entry))
        .with("service", self.service.as_str())
        .with("thread", self.thread.as_str())
        .with("function", open.name.as_str())
        .with("duration_ns", ts_ns.saturating_sub(open.begin_ns).max(0));
        self.out.push(exit);
    }

    fn group(&mut self, group: &[(i64, usize, Step)], notes: &mut Notes) {
        let ts_ns = group[0].0;
        let mut pending: Vec<Step> = Vec::new();
        let mut others: Vec<usize> = Vec::new();
        for &(_, _, step) in group {
            match step {
                Step::CompleteEnd(_) => pending.push(step),
                Step::Record(i) => match classify(&self.records[i]).map(|(_, a)| a) {
                    Some(Action::End) => pending.push(step),
                    _ => others.push(i),
                },
            }
        }
        // Ends of slices that began earlier, then what begins now, then ends
        // of slices that began and ended at this instant.
        self.close_matching(&mut pending, ts_ns, true);
        for i in others {
            self.begin_or_mark(i);
        }
        self.close_matching(&mut pending, ts_ns, false);
        for step in pending {
            self.unmatched_end(step, ts_ns, notes);
        }
    }

    fn begin_or_mark(&mut self, i: usize) {
        let record = &self.records[i];
        let id = self.converter.id(record.index, "");
        let action = classify(record).map(|(_, a)| a);
        match action {
            Some(Action::Begin | Action::Complete) => {
                let mut entry = self
                    .event(record, id.clone(), record.ts_ns, EventKind::FunctionEntry)
                    .with("function", record.name.as_str())
                    .with_some(
                        "category",
                        Some(record.category.as_str()).filter(|c| !c.is_empty()),
                    )
                    .with_some("args", record.args.clone());
                if matches!(record.phase, 'b' | 'S') {
                    entry = entry.with("async_id", record.id.clone().unwrap_or_default());
                }
                self.out.push(entry);
                self.stack.push(Open {
                    entry: id.clone(),
                    line: record.line,
                    name: record.name.clone(),
                    begin_ns: record.ts_ns,
                    complete: (action == Some(Action::Complete)).then_some(i),
                });
                if let Some(bind) = &record.bind_id {
                    let channel = format!("flow {}", record.category);
                    if record.flow_in {
                        let receive = self
                            .event(
                                record,
                                self.converter.id(record.index, ":flow-in"),
                                record.ts_ns,
                                EventKind::MessageReceive,
                            )
                            .with("message_id", format!("flow:{bind}"))
                            .with("channel", channel.as_str());
                        self.out.push(receive);
                    }
                    if record.flow_out {
                        let send = self
                            .event(
                                record,
                                self.converter.id(record.index, ":flow-out"),
                                record.ts_ns,
                                EventKind::MessageSend,
                            )
                            .with("message_id", format!("flow:{bind}"))
                            .with("channel", channel.as_str());
                        self.out.push(send);
                    }
                }
            }
            _ if matches!(record.phase, 's' | 't' | 'f') => {
                let (receive, send) = self.converter.flows.get(&i).cloned().unwrap_or_default();
                let channel = format!("flow {}", record.category);
                let mut suffix = "";
                if let Some(message) = receive {
                    let event = self
                        .event(record, id.clone(), record.ts_ns, EventKind::MessageReceive)
                        .with("message_id", message)
                        .with("channel", channel.as_str())
                        .with("name", record.name.as_str());
                    self.out.push(event);
                    suffix = ":send";
                }
                match send {
                    Some(message) => {
                        let event = self
                            .event(
                                record,
                                self.converter.id(record.index, suffix),
                                record.ts_ns,
                                EventKind::MessageSend,
                            )
                            .with("message_id", message)
                            .with("channel", channel.as_str())
                            .with("name", record.name.as_str());
                        self.out.push(event);
                    }
                    None if suffix.is_empty() => {
                        // A step or end with no start before it.
                        let event = self
                            .event(record, id, record.ts_ns, EventKind::Custom)
                            .with("name", record.name.as_str())
                            .with("phase", record.phase.to_string());
                        self.out.push(event);
                    }
                    None => {}
                }
            }
            _ => {
                let event = self
                    .event(record, id, record.ts_ns, EventKind::Custom)
                    .with("name", record.name.as_str())
                    .with("phase", record.phase.to_string())
                    .with_some(
                        "category",
                        Some(record.category.as_str()).filter(|c| !c.is_empty()),
                    )
                    .with_some("data", record.args.clone());
                self.out.push(event);
            }
        }
    }

    /// An end that closed nothing at its instant: an `X` slice that
    /// overlaps another without nesting, an `E` that names a slice further
    /// out, or an `E` whose name matches no open slice. The last closes the
    /// innermost open `B` slice, as Chrome ends slices without looking at
    /// names, unless a later end on the track names that slice (then this
    /// end is a stray one and is ignored).
    fn unmatched_end(&mut self, step: Step, ts_ns: i64, notes: &mut Notes) {
        let record = match step {
            Step::CompleteEnd(i) | Step::Record(i) => &self.records[i],
        };
        if let Some(at) = self.stack.iter().rposition(|open| self.closes(step, open)) {
            notes.warn(
                record.line,
                format!(
                    "slice `{}` ends while `{}` inside it is still open; the slices overlap without nesting",
                    self.stack[at].name,
                    self.stack.last().map_or("", |o| o.name.as_str())
                ),
            );
            return self.close(at, step, ts_ns);
        }
        let innermost = self.stack.iter().rposition(|open| open.complete.is_none());
        let ended_later = |name: &str| {
            self.ends
                .get(name)
                .is_some_and(|times| times.iter().any(|&t| t > ts_ns))
        };
        let named = if record.name.is_empty() {
            String::new()
        } else {
            format!(" `{}`", record.name)
        };
        match innermost {
            Some(at) if matches!(step, Step::Record(_)) && !ended_later(&self.stack[at].name) => {
                notes.warn(
                    record.line,
                    format!(
                        "end event{named} closes slice `{}`: the names differ",
                        self.stack[at].name
                    ),
                );
                self.close(at, step, ts_ns);
            }
            _ => notes.warn(
                record.line,
                format!("end event{named} matches no open slice on its thread; ignored"),
            ),
        }
    }
}
