//! The trace data of the HTML report: the events, lanes, happens-before
//! edges and calls of a recording as a compact columnar block (one array per
//! field, strings interned into one table), the page's only view of the
//! trace besides the JSON report.
//!
//! Encoding (docs/html-report.md describes it for readers of the page):
//! `strings` holds every string once; string columns hold indexes into it,
//! `+1` where the field may be absent (0 = absent). `ts` and `line` are
//! deltas from the previous event (file order), `parent` is the event's
//! index minus its parent's (0 = no parent). Values and metadata come from
//! the input lines, read again; above [`Limits::detail`] events only the
//! values of state accesses and the metadata of the events the report names
//! are kept, and `omitted` says so. Above [`Limits::max_events`] the block
//! keeps only the neighbourhood of each event the report names (the events
//! around it in file order, on every lane) and says what it left out.

use crate::graph::calls::Calls;
use crate::graph::edges::{EdgeKind, sync_edges};
use crate::model::{EventIdx, EventKind, Recording, Sym};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How much of a recording one page holds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Up to this many events, every event's metadata and id is in the page.
    pub detail: usize,
    /// Above this many events, only the neighbourhoods of the events the
    /// report names are kept.
    pub max_events: usize,
    /// Events kept before and after (file order) each event the report names.
    pub neighbourhood: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            detail: 100_000,
            max_events: 2_000_000,
            neighbourhood: 5_000,
        }
    }
}

/// Input lines read again per batch (bounds the memory of re-reading).
const READ_BATCH: usize = 65_536;

/// Version of the data block's keys.
pub const DATA_VERSION: u32 = 1;

/// The edge kinds of `edges.kind`, by index.
const EDGE_KINDS: [EdgeKind; 5] = [
    EdgeKind::Parent,
    EdgeKind::Spawn,
    EdgeKind::Join,
    EdgeKind::Lock,
    EdgeKind::Message,
];

#[derive(Serialize)]
pub struct TraceData {
    pub format: &'static str,
    pub version: u32,
    /// Every string of the block, once.
    pub strings: Vec<String>,
    /// Event kind names, by the low 4 bits of `events.kf`.
    pub kinds: Vec<&'static str>,
    /// Edge kind names, by `edges.kind`.
    pub edge_kinds: Vec<&'static str>,
    /// Input files, as given (string indexes).
    pub files: Vec<u32>,
    pub lanes: Lanes,
    /// Timestamp of the first event, nanoseconds since the Unix epoch (as a
    /// string: it does not fit a JavaScript number exactly).
    pub t0: String,
    pub events: Events,
    pub edges: Edges,
    pub calls: CallColumns,
    /// Event index of each event id the report names.
    pub refs: BTreeMap<String, u32>,
    /// `derived` or `given` (the page derives happens-before from the edges
    /// either way).
    pub clocks: &'static str,
    /// What the block leaves out, in words.
    pub omitted: Vec<String>,
}

/// One lane per line of execution (file, service, thread).
#[derive(Serialize, Default)]
pub struct Lanes {
    pub file: Vec<u32>,
    pub service: Vec<u32>,
    pub thread: Vec<u32>,
}

#[derive(Serialize, Default)]
pub struct Events {
    /// Kind index | atomic << 4 | global << 5 | exception << 6.
    pub kf: Vec<u8>,
    pub lane: Vec<u32>,
    /// Nanoseconds since the previous event.
    pub ts: Vec<i64>,
    /// Event index minus the parent's; 0 for none.
    pub parent: Vec<i64>,
    pub trace: Vec<u32>,
    /// Subject (variable, lock, task, message id) + 1.
    pub subject: Vec<u32>,
    pub function: Vec<u32>,
    pub location: Vec<u32>,
    /// Input line minus the previous event's.
    pub line: Vec<i64>,
    /// `metadata.value` as JSON text + 1, for state accesses.
    pub value: Vec<u32>,
    /// The whole `metadata` as JSON text + 1 (0 where left out).
    pub meta: Vec<u32>,
    /// Event ids (string indexes), only up to [`Limits::detail`] events.
    pub id: Vec<u32>,
}

/// Synchronization edges (program order is implicit in each lane).
#[derive(Serialize, Default)]
pub struct Edges {
    pub from: Vec<u32>,
    pub to: Vec<u32>,
    pub kind: Vec<u8>,
}

/// Function calls: entry and exit events and the calling call (-1: none).
#[derive(Serialize, Default)]
pub struct CallColumns {
    pub entry: Vec<u32>,
    pub exit: Vec<i64>,
    pub caller: Vec<i64>,
}

/// Strings interned as they are added, each redacted first.
struct Table<'a> {
    strings: Vec<String>,
    by_text: HashMap<String, u32>,
    by_sym: Vec<u32>,
    redact: &'a dyn Fn(&mut String),
}

impl Table<'_> {
    fn text(&mut self, text: &str) -> u32 {
        let mut text = text.to_string();
        (self.redact)(&mut text);
        if let Some(&i) = self.by_text.get(&text) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(text.clone());
        self.by_text.insert(text, i);
        i
    }

    fn sym(&mut self, rec: &Recording, sym: Sym) -> u32 {
        let slot = self.by_sym[sym.index()];
        if slot != u32::MAX {
            return slot;
        }
        let i = self.text(rec.str(sym));
        self.by_sym[sym.index()] = i;
        i
    }
}

/// Builds the block; `report` is the JSON report (its event ids go into
/// `refs`) and `redact` applies the config's redaction to every string.
pub fn build(rec: &Recording, report: &Value, redact: &dyn Fn(&mut String)) -> TraceData {
    build_with(rec, report, redact, Limits::default())
}

/// [`build`] with other limits.
pub fn build_with(
    rec: &Recording,
    report: &Value,
    redact: &dyn Fn(&mut String),
    limits: Limits,
) -> TraceData {
    let refs = referenced_events(rec, report, redact);
    let kept = kept_events(rec.events.len(), &refs, limits);
    // The new index of each kept event (u32::MAX: left out).
    let mut new_of = vec![u32::MAX; rec.events.len()];
    for (new, old) in kept.iter().enumerate() {
        new_of[old.index()] = new as u32;
    }
    let refs: BTreeMap<String, u32> = refs
        .into_iter()
        .map(|(id, old)| (id, new_of[old as usize]))
        .collect();
    let named: HashSet<u32> = refs.values().copied().collect();
    let n = kept.len();
    let detail = n <= limits.detail;

    let mut table = Table {
        strings: Vec::new(),
        by_text: HashMap::new(),
        by_sym: vec![u32::MAX; rec.strings.len()],
        redact,
    };
    let files = rec.files.iter().map(|f| table.text(&f.path)).collect();
    let mut lanes = Lanes::default();
    for line in &rec.exec_lines {
        lanes.file.push(line.file);
        lanes.service.push(table.sym(rec, line.service));
        lanes.thread.push(table.sym(rec, line.thread));
    }

    let t0 = kept.first().map_or(0, |&e| rec.event(e).timestamp_ns);
    let mut ev = Events::default();
    let (mut last_ts, mut last_line) = (t0, 0i64);
    for (i, &old) in kept.iter().enumerate() {
        let e = rec.event(old);
        let kind = EventKind::ALL
            .iter()
            .position(|&k| k == e.kind)
            .unwrap_or(EventKind::ALL.len() - 1) as u8;
        ev.kf.push(
            kind | u8::from(e.flags.atomic) << 4
                | u8::from(e.flags.global) << 5
                | u8::from(e.flags.exception) << 6,
        );
        ev.lane.push(e.exec.0);
        ev.ts.push(e.timestamp_ns.saturating_sub(last_ts));
        last_ts = e.timestamp_ns;
        let parent = e.parent.map_or(u32::MAX, |p| new_of[p.index()]);
        ev.parent.push(if parent == u32::MAX {
            0
        } else {
            i as i64 - i64::from(parent)
        });
        ev.trace.push(table.sym(rec, e.trace));
        ev.subject
            .push(e.subject.map_or(0, |s| table.sym(rec, s) + 1));
        ev.function
            .push(e.function.map_or(0, |s| table.sym(rec, s) + 1));
        ev.location.push(table.sym(rec, e.location));
        ev.line.push(i64::from(e.origin.line) - last_line);
        last_line = i64::from(e.origin.line);
        if detail {
            let id = table.text(rec.id_str(old));
            ev.id.push(id);
        }
    }

    // Values and metadata, from the input lines read again in batches.
    ev.value = vec![0; n];
    ev.meta = vec![0; n];
    let wanted: Vec<(EventIdx, usize)> = kept
        .iter()
        .enumerate()
        .filter(|&(new, &old)| {
            detail || named.contains(&(new as u32)) || rec.event(old).access_class().is_some()
        })
        .map(|(new, &old)| (old, new))
        .collect();
    let mut unreadable = 0usize;
    for batch in wanted.chunks(READ_BATCH) {
        let olds: Vec<EventIdx> = batch.iter().map(|w| w.0).collect();
        let lines = rec.raw_lines(&olds);
        for &(old, new) in batch {
            let Some(metadata) = lines
                .get(&old)
                .and_then(|line| serde_json::from_slice::<Value>(line).ok())
                .and_then(|mut line| line.get_mut("metadata").map(Value::take))
            else {
                unreadable += 1;
                continue;
            };
            if rec.event(old).access_class().is_some()
                && let Some(value) = metadata.get("value")
            {
                ev.value[new] = table.text(&value.to_string()) + 1;
            }
            if detail || named.contains(&(new as u32)) {
                ev.meta[new] = table.text(&metadata.to_string()) + 1;
            }
        }
    }

    let mut edges = Edges::default();
    let mut cut_edges = 0usize;
    for e in sync_edges(rec) {
        let Some(kind) = EDGE_KINDS.iter().position(|&k| k == e.kind) else {
            continue;
        };
        let (from, to) = (new_of[e.from.index()], new_of[e.to.index()]);
        if from == u32::MAX || to == u32::MAX {
            cut_edges += 1;
            continue;
        }
        edges.from.push(from);
        edges.to.push(to);
        edges.kind.push(kind as u8);
    }

    // Kept calls, renumbered; a caller or exit left out becomes -1.
    let mut calls = CallColumns::default();
    let built = Calls::build(rec);
    let mut call_of = vec![-1i64; built.calls.len()];
    let mut cut_calls = 0usize;
    for (k, call) in built.calls.iter().enumerate() {
        let entry = new_of[call.entry.index()];
        if entry == u32::MAX {
            continue;
        }
        call_of[k] = calls.entry.len() as i64;
        let exit = call.exit.map_or(u32::MAX, |x| new_of[x.index()]);
        cut_calls += usize::from(call.exit.is_some() && exit == u32::MAX);
        calls.entry.push(entry);
        calls.exit.push(if exit == u32::MAX {
            -1
        } else {
            i64::from(exit)
        });
        calls
            .caller
            .push(call.caller.map_or(-1, |c| call_of[c.index()]));
    }

    let mut omitted = Vec::new();
    let total = rec.events.len();
    if n < total {
        omitted.push(format!(
            "{} of the {total} events ({total} is more than the {} one page holds): \
             the page keeps the {} events before and after (in file order) each of the {} \
             events the report names, {n} events in all; the {cut_edges} happens-before edges \
             to events left out are left out too, so the page may show as concurrent \
             events that are ordered through them, and {cut_calls} calls whose exit was \
             left out show as never returning",
            total - n,
            limits.max_events,
            limits.neighbourhood,
            named.len()
        ));
    }
    if !detail {
        omitted.push(format!(
            "event ids and metadata of the {} events the report does not name \
             ({n} events is more than the {} the page holds in full); \
             state accesses keep their values",
            n - named.len(),
            limits.detail
        ));
    }
    if unreadable > 0 {
        omitted.push(format!(
            "the values and metadata of {unreadable} events whose input lines could not be read again"
        ));
    }
    if rec.given_clocks.is_some() {
        omitted.push(
            "the given causality vectors: the page derives happens-before from the events' edges"
                .to_string(),
        );
    }

    TraceData {
        format: "causeway-html-data",
        version: DATA_VERSION,
        strings: table.strings,
        kinds: EventKind::ALL.iter().map(|k| k.as_str()).collect(),
        edge_kinds: EDGE_KINDS.iter().map(|k| k.as_str()).collect(),
        files,
        lanes,
        t0: t0.to_string(),
        events: ev,
        edges,
        calls,
        refs,
        clocks: if rec.given_clocks.is_some() {
            "given"
        } else {
            "derived"
        },
        omitted,
    }
}

/// The events the page holds, in file order: all of them, or above
/// `limits.max_events` the neighbourhood of each event the report names.
fn kept_events(n: usize, refs: &BTreeMap<String, u32>, limits: Limits) -> Vec<EventIdx> {
    if n <= limits.max_events {
        return (0..n as u32).map(EventIdx).collect();
    }
    // Windows as +1/-1 marks, summed in one pass.
    let mut marks = vec![0i32; n + 1];
    for &e in refs.values() {
        let e = e as usize;
        marks[e.saturating_sub(limits.neighbourhood)] += 1;
        marks[(e + limits.neighbourhood + 1).min(n)] -= 1;
    }
    let mut depth = 0;
    let mut kept = Vec::new();
    for (i, mark) in marks.iter().take(n).enumerate() {
        depth += mark;
        if depth > 0 {
            kept.push(EventIdx(i as u32));
        }
    }
    kept
}

/// The event ids the report names (already redacted there), with the index
/// of the event each belongs to.
fn referenced_events(
    rec: &Recording,
    report: &Value,
    redact: &dyn Fn(&mut String),
) -> BTreeMap<String, u32> {
    let mut wanted = HashSet::new();
    collect_ids(report, &mut wanted);
    let mut refs = BTreeMap::new();
    if wanted.is_empty() {
        return refs;
    }
    for idx in rec.indices() {
        let mut id = rec.id_str(idx).to_string();
        redact(&mut id);
        if wanted.contains(id.as_str()) {
            refs.entry(id).or_insert(idx.0);
        }
    }
    refs
}

/// Keys of the JSON report whose strings (or arrays of strings) are event
/// ids.
const ID_KEYS: [&str; 9] = [
    "event_id",
    "first",
    "second",
    "chain",
    "affected_events",
    "read",
    "write",
    "path",
    "events",
];

fn collect_ids<'v>(value: &'v Value, out: &mut HashSet<&'v str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if ID_KEYS.contains(&key.as_str()) {
                    match v {
                        Value::String(s) => {
                            out.insert(s);
                        }
                        Value::Array(items) => {
                            out.extend(items.iter().filter_map(Value::as_str));
                        }
                        _ => {}
                    }
                }
                collect_ids(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording() -> Recording {
        crate::ingest::load_bytes(vec![(
            "t.jsonl".to_string(),
            br#"{"id":"e1","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"function_entry","metadata":{"service":"s","thread":"a","function":"SECRET_f"}}
{"id":"e2","trace_id":"t","parent_id":"e1","timestamp":"2026-11-26T10:00:00.5Z","kind":"state_write","metadata":{"service":"s","thread":"a","variable":"SECRET_v","value":"SECRET_value"}}
{"id":"e3","trace_id":"t","parent_id":"e1","timestamp":"2026-11-26T10:00:01Z","kind":"function_exit","metadata":{"service":"s","thread":"a"}}
"#
            .to_vec(),
        )])
        .unwrap()
    }

    #[test]
    fn columns_decode_to_the_events() {
        let rec = recording();
        let data = build(&rec, &Value::Null, &|_| {});
        let ev = &data.events;
        assert_eq!(ev.kf.len(), 3);
        assert_eq!(ev.ts, [0, 500_000_000, 500_000_000]);
        assert_eq!(ev.parent, [0, 1, 2]);
        assert_eq!(ev.line, [1, 1, 1]);
        let value = ev.value[1] as usize - 1;
        assert_eq!(data.strings[value], "\"SECRET_value\"");
        assert_eq!(data.calls.entry, [0]);
        assert_eq!(data.calls.exit, [2]);
        assert!(data.omitted.is_empty());
    }

    #[test]
    fn redaction_reaches_every_string() {
        let rec = recording();
        let redact = |text: &mut String| {
            if text.contains("SECRET") {
                *text = text.replace("SECRET", "[redacted]");
            }
        };
        let data = build(&rec, &Value::Null, &redact);
        let json = serde_json::to_string(&data).unwrap();
        assert!(!json.contains("SECRET"), "{json}");
        assert!(json.contains("[redacted]_value"));
    }

    #[test]
    fn the_report_s_event_ids_are_resolved() {
        let rec = recording();
        let report = serde_json::json!({"errors": [{"event_id": "e2", "chain": ["e1", "e2"]}]});
        let data = build(&rec, &report, &|_| {});
        assert_eq!(data.refs.get("e1"), Some(&0));
        assert_eq!(data.refs.get("e2"), Some(&1));
    }

    #[test]
    fn a_trace_too_big_keeps_the_named_events_neighbourhood_and_says_so() {
        let rec = recording();
        let report = serde_json::json!({"errors": [{"event_id": "e3"}]});
        let limits = Limits {
            detail: 0,
            max_events: 2,
            neighbourhood: 0,
        };
        let data = build_with(&rec, &report, &|_| {}, limits);
        assert_eq!(data.events.kf.len(), 1);
        assert_eq!(data.refs.get("e3"), Some(&0));
        // The exit's parent (the entry) is left out, and so is its call.
        assert_eq!(data.events.parent, [0]);
        assert!(data.calls.entry.is_empty());
        assert!(
            data.omitted[0].starts_with("2 of the 3 events"),
            "{:?}",
            data.omitted
        );
        assert!(data.omitted[1].contains("event ids and metadata of the 0 events"));
        // The named event keeps its metadata.
        assert_ne!(data.events.meta[0], 0);
    }
}
