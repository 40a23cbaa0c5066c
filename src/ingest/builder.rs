//! Turning parsed lines into a [`Recording`]: interning, duplicate ids,
//! lines of execution, parent links (resolved as soon as the parent is known,
//! or once every file is read, so a parent may come after its child) and
//! parent cycles.
//!
//! This is the serial part of ingest, so everything that can be hashed or
//! parsed ahead of time already was, in parallel, by the line parser.

use super::IngestError;
use super::jsonl::{Hashed, LineError, ParsedEvent, normalized_trace_id};
use crate::model::{
    Diagnostic, Event, EventFlags, EventIdx, ExecId, ExecLine, GivenClocks, InputFile, LineSource,
    Origin, Recording, Severity, Sym,
};
use rayon::slice::ParallelSliceMut;
use std::collections::HashMap;
use std::fmt::Write as _;

/// A hasher for keys that are hashes already (128-bit id and trace keys).
#[derive(Clone, Copy, Default)]
struct PreHashed;

impl std::hash::BuildHasher for PreHashed {
    type Hasher = PreHashedHasher;
    fn build_hasher(&self) -> PreHashedHasher {
        PreHashedHasher(0)
    }
}

#[derive(Default)]
struct PreHashedHasher(u64);

impl std::hash::Hasher for PreHashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u128 keys are hashed here; fold any other input anyway.
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(29) ^ u64::from_le_bytes(word);
        }
    }
    fn write_u128(&mut self, key: u128) {
        self.0 = (key as u64) ^ ((key >> 64) as u64);
    }
}

type KeyMap<V> = HashMap<u128, V, PreHashed>;

/// A parent named before its event was seen.
struct PendingParent {
    child: EventIdx,
    key: u128,
    text: String,
}

/// An event's id key, for finding duplicates and parents in bulk.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct KeyedEvent {
    key: [u64; 2],
    event: EventIdx,
}

fn split_key(key: u128) -> [u64; 2] {
    [(key >> 64) as u64, key as u64]
}

/// How deep the open calls of a line are searched for a parent before the
/// lookup is left to the bulk resolution at the end.
const FRAME_SEARCH_DEPTH: usize = 64;

/// Accumulates events in file order.
///
/// Ids are not looked up one by one in a table of every id seen: with tens
/// of millions of events each lookup would be a cache miss on the serial
/// path. Instead each event's id key is appended to a list, which
/// [`Builder::finish`] sorts (in parallel) to find duplicate ids and the
/// parents named before or after their children. The common parent, the
/// function an event happens in, is found at once among the calls still
/// open on the event's own line of execution.
pub(super) struct Builder {
    rec: Recording,
    id_keys: Vec<KeyedEvent>,
    /// Per line of execution: its open `function_entry` events.
    open_calls: Vec<Vec<(u128, EventIdx)>>,
    has_clock: Vec<bool>,
    pending_parents: Vec<PendingParent>,
    trace_of_key: KeyMap<Sym>,
    exec_of: HashMap<ExecLine, ExecId, foldhash::fast::FixedState>,
    location_of: HashMap<(Sym, u64), Sym, foldhash::fast::FixedState>,
    clocks: GivenClocks,
    default_service: Sym,
    default_thread: Sym,
    unknown_location: Sym,
    scratch: String,
    /// [`MAX_EVENTS`], lowered by tests.
    max_events: usize,
    /// The first line past the `max_events` a recording can index.
    overflow: Option<Origin>,
}

/// Events are indexed by `u32` (half the memory of `usize` indices across
/// every table); `u32::MAX` itself is kept as a "no event" marker.
pub(super) const MAX_EVENTS: usize = u32::MAX as usize;

impl Builder {
    pub(super) fn new() -> Self {
        let mut rec = Recording::default();
        let default_service = rec.strings.intern("default");
        let default_thread = rec.strings.intern("main");
        let unknown_location = rec.strings.intern(crate::model::UNKNOWN_LOCATION);
        Builder {
            rec,
            id_keys: Vec::new(),
            open_calls: Vec::new(),
            has_clock: Vec::new(),
            pending_parents: Vec::new(),
            trace_of_key: KeyMap::default(),
            exec_of: HashMap::default(),
            location_of: HashMap::default(),
            clocks: GivenClocks::default(),
            default_service,
            default_thread,
            unknown_location,
            scratch: String::new(),
            max_events: MAX_EVENTS,
            overflow: None,
        }
    }

    /// Registers an input file and returns its index.
    pub(super) fn add_file(&mut self, path: String, source: Box<dyn LineSource>) -> u32 {
        self.rec.files.push(InputFile { path, source });
        (self.rec.files.len() - 1) as u32
    }

    /// Makes room for about `more` further events.
    pub(super) fn reserve(&mut self, more: usize) {
        self.rec.events.reserve(more);
        self.id_keys.reserve(more);
        self.has_clock.reserve(more);
    }

    pub(super) fn event_count(&self) -> usize {
        self.rec.events.len()
    }

    /// Records a diagnostic.
    pub(super) fn diagnose(&mut self, origin: Origin, severity: Severity, message: String) {
        self.rec.diagnostics.push(Diagnostic {
            severity,
            file: origin.file,
            line: origin.line,
            message,
        });
    }

    /// Records a line that could not be used.
    pub(super) fn reject(&mut self, origin: Origin, error: LineError, last_unterminated: bool) {
        self.rec.bad_lines += 1;
        if error.ends_early && last_unterminated {
            self.diagnose(
                origin,
                Severity::Warning,
                format!(
                    "truncated last line (the recorder may have stopped mid-write), skipped: {}",
                    error.message
                ),
            );
        } else {
            self.diagnose(origin, Severity::Error, error.message);
        }
    }

    fn intern(&mut self, value: &Option<Hashed<'_>>, default: Sym) -> Sym {
        match value {
            Some(h) => self.rec.strings.intern_hashed(h.hash, &h.text),
            None => default,
        }
    }

    /// Adds a well-formed line, or rejects it if its id was seen before.
    pub(super) fn push(&mut self, origin: Origin, offset: u64, parsed: ParsedEvent<'_>) {
        let count = self.rec.events.len();
        if count >= self.max_events {
            // Refused as a whole by `finish`, which names this line.
            self.overflow.get_or_insert(origin);
            return;
        }
        let index = EventIdx(count as u32);
        self.id_keys.push(KeyedEvent {
            key: split_key(parsed.id_key),
            event: index,
        });
        self.rec.ids.push(&parsed.id);

        let kind = match parsed.kind {
            Ok(kind) => kind,
            Err(name) => {
                self.diagnose(
                    origin,
                    Severity::Warning,
                    format!("unknown kind `{name}`, kept as `custom`"),
                );
                crate::model::EventKind::Custom
            }
        };
        let trace = match self.trace_of_key.get(&parsed.trace_key) {
            Some(&sym) => sym,
            None => {
                let sym = self
                    .rec
                    .strings
                    .intern(&normalized_trace_id(&parsed.trace_id));
                self.trace_of_key.insert(parsed.trace_key, sym);
                sym
            }
        };
        let service = self.intern(&parsed.service, self.default_service);
        let thread = self.intern(&parsed.thread, self.default_thread);
        let line = ExecLine {
            file: origin.file,
            service,
            thread,
        };
        let next_exec = ExecId(self.rec.exec_lines.len() as u32);
        let exec = *self.exec_of.entry(line).or_insert(next_exec);
        if exec == next_exec {
            self.rec.exec_lines.push(line);
            self.open_calls.push(Vec::new());
        }

        let function = parsed
            .function
            .as_ref()
            .map(|f| self.rec.strings.intern_hashed(f.hash, &f.text));
        let location = match (&parsed.source_file, parsed.source_line) {
            (Some(file), Some(line)) => {
                let file = self.rec.strings.intern_hashed(file.hash, &file.text);
                match self.location_of.get(&(file, line)) {
                    Some(&sym) => sym,
                    None => {
                        self.scratch.clear();
                        let _ = write!(self.scratch, "{}:{line}", self.rec.strings.resolve(file));
                        let sym = self.rec.strings.intern(&self.scratch);
                        self.location_of.insert((file, line), sym);
                        sym
                    }
                }
            }
            _ => function.unwrap_or(self.unknown_location),
        };
        let subject = parsed
            .subject
            .as_ref()
            .map(|s| self.rec.strings.intern_hashed(s.hash, &s.text));

        let open = &mut self.open_calls[exec.index()];
        let parent = match parsed.parent {
            None => None,
            Some((text, key)) => {
                let depth = open.len().saturating_sub(FRAME_SEARCH_DEPTH);
                match open[depth..].iter().rposition(|&(k, _)| k == key) {
                    Some(at) => {
                        let parent = open[depth + at].1;
                        if kind == crate::model::EventKind::FunctionExit {
                            // The call is over, and any calls it left open.
                            open.truncate(depth + at);
                        }
                        Some(parent)
                    }
                    None => {
                        self.pending_parents.push(PendingParent {
                            child: index,
                            key,
                            text: text.into_owned(),
                        });
                        None
                    }
                }
            }
        };
        if kind == crate::model::EventKind::FunctionEntry {
            open.push((parsed.id_key, index));
        }

        let clock = parsed
            .clock
            .as_ref()
            .map(|pairs| sorted_clock(&mut self.clocks, pairs));
        match clock {
            Some(Ok(entries)) => {
                self.clocks.push(&entries);
                self.has_clock.push(true);
            }
            Some(Err(message)) => {
                // A bad clock is reported and the event kept; the recording's
                // clocks are then incomplete and happens-before is derived.
                self.diagnose(origin, Severity::Warning, message);
                self.clocks.push(&[]);
                self.has_clock.push(false);
            }
            None => {
                self.clocks.push(&[]);
                self.has_clock.push(false);
            }
        }

        self.rec.events.push(Event {
            trace,
            parent,
            timestamp_ns: parsed.timestamp_ns,
            kind,
            exec,
            origin,
            subject,
            function,
            location,
            flags: EventFlags {
                atomic: parsed.atomic,
                global: parsed.global,
                exception: parsed.exception,
            },
            offset,
        });
    }

    /// Finds duplicate ids, resolves the remaining parents, breaks parent
    /// cycles and settles the clocks.
    ///
    /// Fails if a file's every event repeats an id of an earlier file, which
    /// leaves that file without a single good line.
    pub(super) fn finish(mut self) -> Result<Recording, IngestError> {
        if let Some(origin) = self.overflow {
            return Err(IngestError::TooManyEvents {
                path: self.rec.files[origin.file as usize].path.clone(),
                line: origin.line,
                max: self.max_events as u64,
            });
        }
        let mut keys = std::mem::take(&mut self.id_keys);
        keys.par_sort_unstable();
        let duplicates = duplicate_ids(&keys);
        if !duplicates.is_empty() {
            keys = self.drop_duplicates(&duplicates, keys);
            self.check_every_file_kept_an_event()?;
        }
        self.resolve_pending_parents(&keys);
        drop(keys);
        self.break_parent_cycles();
        self.settle_clocks();
        self.rec.trace_count = count_traces(&self.rec);
        self.rec
            .diagnostics
            .sort_by_key(|d| (d.file, d.line, std::cmp::Reverse(d.severity)));
        Ok(self.rec)
    }

    /// The errors reported for one file's lines, in line order.
    pub(super) fn problems_of(&self, file: u32) -> Vec<(u32, String)> {
        let mut problems: Vec<(u32, String)> = self
            .rec
            .diagnostics
            .iter()
            .filter(|d| d.file == file && d.severity == Severity::Error)
            .map(|d| (d.line, d.message.clone()))
            .collect();
        problems.sort_by_key(|p| p.0);
        problems
    }

    fn check_every_file_kept_an_event(&self) -> Result<(), IngestError> {
        let mut kept = vec![0u64; self.rec.files.len()];
        for event in &self.rec.events {
            kept[event.origin.file as usize] += 1;
        }
        match kept.iter().position(|&n| n == 0) {
            Some(file) => {
                let bad = self
                    .rec
                    .diagnostics
                    .iter()
                    .filter(|d| d.file as usize == file && d.severity == Severity::Error)
                    .count() as u64;
                Err(IngestError::NoGoodLine {
                    path: self.rec.files[file].path.clone(),
                    bad,
                    problems: self.problems_of(file as u32),
                })
            }
            None => Ok(()),
        }
    }

    /// Removes the events whose id an earlier event already had, reporting
    /// each, and renumbers the rest. `keys` is sorted; the keys of the
    /// remaining events are returned, renumbered.
    fn drop_duplicates(
        &mut self,
        duplicates: &[(EventIdx, EventIdx)],
        keys: Vec<KeyedEvent>,
    ) -> Vec<KeyedEvent> {
        let n = self.rec.events.len();
        let mut keep = vec![true; n];
        let mut first_of = vec![None; n];
        for &(duplicate, first) in duplicates {
            keep[duplicate.index()] = false;
            first_of[duplicate.index()] = Some(first);
        }
        // The diagnostics of a skipped line are replaced by the duplicate
        // error alone.
        let skipped: std::collections::HashSet<Origin> = duplicates
            .iter()
            .map(|&(d, _)| self.rec.events[d.index()].origin)
            .collect();
        self.rec.diagnostics.retain(|d| {
            !skipped.contains(&Origin {
                file: d.file,
                line: d.line,
            })
        });
        for &(duplicate, first) in duplicates {
            let origin = self.rec.events[duplicate.index()].origin;
            let first_origin = self.rec.events[first.index()].origin;
            let message = format!(
                "duplicate id `{}` (first used at {}:{}), line skipped",
                self.rec.ids.get(duplicate),
                self.rec.files[first_origin.file as usize].path,
                first_origin.line
            );
            self.diagnose(origin, Severity::Error, message);
        }
        self.rec.bad_lines += duplicates.len() as u64;

        let mut renumber = vec![EventIdx(u32::MAX); n];
        let mut next = 0u32;
        for (old, kept) in keep.iter().enumerate() {
            if *kept {
                renumber[old] = EventIdx(next);
                next += 1;
            }
        }
        // A parent that was a duplicate line means the event that first had
        // that id.
        for old in 0..n {
            if let Some(first) = first_of[old] {
                renumber[old] = renumber[first.index()];
            }
        }
        let mut old = 0;
        self.rec.events.retain(|_| {
            old += 1;
            keep[old - 1]
        });
        for event in &mut self.rec.events {
            if let Some(parent) = event.parent {
                event.parent = Some(renumber[parent.index()]);
            }
        }
        self.rec.ids.retain(&keep);
        self.clocks.retain(&keep);
        let mut old = 0;
        self.has_clock.retain(|_| {
            old += 1;
            keep[old - 1]
        });
        self.pending_parents.retain(|p| keep[p.child.index()]);
        for pending in &mut self.pending_parents {
            pending.child = renumber[pending.child.index()];
        }
        keys.into_iter()
            .filter(|k| keep[k.event.index()])
            .map(|k| KeyedEvent {
                key: k.key,
                event: renumber[k.event.index()],
            })
            .collect()
    }

    fn resolve_pending_parents(&mut self, keys: &[KeyedEvent]) {
        for pending in std::mem::take(&mut self.pending_parents) {
            let key = split_key(pending.key);
            let at = keys.partition_point(|k| k.key < key);
            match keys.get(at).filter(|k| k.key == key) {
                Some(found) => self.rec.events[pending.child.index()].parent = Some(found.event),
                None => {
                    let origin = self.rec.events[pending.child.index()].origin;
                    let message = format!(
                        "parent_id `{}` names no event in the recording; the event is kept without a parent",
                        pending.text
                    );
                    self.diagnose(origin, Severity::Warning, message);
                }
            }
        }
    }

    /// Each event has at most one parent, so the parent links form a
    /// functional graph; a walk up from every event finds each cycle once.
    fn break_parent_cycles(&mut self) {
        const UNSEEN: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let n = self.rec.events.len();
        let mut state = vec![UNSEEN; n];
        let mut path = Vec::new();
        for start in 0..n {
            let mut current = start;
            while state[current] == UNSEEN {
                state[current] = ON_PATH;
                path.push(current);
                match self.rec.events[current].parent {
                    Some(p) => current = p.index(),
                    None => break,
                }
            }
            if state[current] == ON_PATH && self.rec.events[current].parent.is_some() {
                let cycle_start = path.iter().position(|&x| x == current).unwrap_or(0);
                let cycle: Vec<usize> = path[cycle_start..].to_vec();
                self.report_cycle(&cycle);
            }
            for &x in &path {
                state[x] = DONE;
            }
            path.clear();
        }
    }

    /// Drops the parent link of the cycle member that comes first in file
    /// order, and says so on its line.
    fn report_cycle(&mut self, cycle: &[usize]) {
        let breaker = *cycle.iter().min().expect("a cycle has members");
        let mut names = Vec::new();
        let mut current = breaker;
        for _ in 0..cycle.len().min(6) {
            names.push(format!("`{}`", self.rec.ids.get(EventIdx(current as u32))));
            current = self.rec.events[current]
                .parent
                .map_or(current, EventIdx::index);
        }
        if cycle.len() > 6 {
            names.push("...".to_string());
        }
        names.push(format!("`{}`", self.rec.ids.get(EventIdx(breaker as u32))));
        let origin = self.rec.events[breaker].origin;
        let message = format!(
            "parent cycle {}: the parent link of `{}` is ignored",
            names.join(" -> "),
            self.rec.ids.get(EventIdx(breaker as u32))
        );
        self.rec.events[breaker].parent = None;
        self.diagnose(origin, Severity::Warning, message);
    }

    fn settle_clocks(&mut self) {
        let total = self.rec.events.len();
        let with_clocks = self.has_clock.iter().filter(|&&c| c).count();
        if with_clocks == 0 || total == 0 {
            return;
        }
        if with_clocks == total {
            self.rec.given_clocks = Some(std::mem::take(&mut self.clocks));
            return;
        }
        let first_without = self.has_clock.iter().position(|&c| !c).unwrap_or(0);
        let origin = self.rec.events[first_without].origin;
        let message = format!(
            "{with_clocks} of {total} events carry a usable causality_vector, this one does not: clocks are ignored and happens-before is derived from the events"
        );
        self.diagnose(origin, Severity::Warning, message);
    }
}

/// (duplicate, first) for every event whose id key an earlier event has;
/// `keys` is sorted, so equal keys are adjacent and in file order.
fn duplicate_ids(keys: &[KeyedEvent]) -> Vec<(EventIdx, EventIdx)> {
    let mut duplicates = Vec::new();
    for run in keys.chunk_by(|a, b| a.key == b.key) {
        for later in &run[1..] {
            duplicates.push((later.event, run[0].event));
        }
    }
    duplicates.sort_unstable();
    duplicates
}

/// Distinct trace ids among the events.
fn count_traces(rec: &Recording) -> usize {
    let mut seen = vec![false; rec.strings.len()];
    let mut count = 0;
    for event in &rec.events {
        let slot = &mut seen[event.trace.index()];
        count += usize::from(!*slot);
        *slot = true;
    }
    count
}

/// Interns clock ids and sorts the pairs; a repeated clock id is an error.
fn sorted_clock(
    clocks: &mut GivenClocks,
    pairs: &[(std::borrow::Cow<'_, str>, u64)],
) -> Result<Vec<(u32, u64)>, String> {
    let mut entries: Vec<(u32, u64)> = pairs
        .iter()
        .map(|(id, n)| (clocks.clock_ids.intern(id).index() as u32, *n))
        .collect();
    entries.sort_unstable();
    if let Some(pair) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!(
            "causality_vector names clock `{}` twice; the clock is ignored",
            clocks
                .clock_ids
                .resolve(crate::model::Sym::from_index(pair[0].0))
        ));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use crate::model::Severity;
    use crate::testutil::recording;

    fn load(text: &str) -> crate::model::Recording {
        crate::ingest::load_bytes(vec![("t.jsonl".into(), text.as_bytes().to_vec())]).unwrap()
    }

    #[test]
    fn more_events_than_an_index_holds_is_an_error_naming_the_line() {
        let text: String = (1..=3)
            .map(|i| format!("{{\"id\":\"e{i}\",\"trace_id\":\"t\",\"timestamp\":\"2026-11-26T10:00:00Z\",\"kind\":\"custom\"}}\n"))
            .collect();
        let bytes = std::sync::Arc::new(text.clone().into_bytes());
        let mut builder = super::Builder::new();
        builder.max_events = 2;
        let file = builder.add_file(
            "big.jsonl".into(),
            Box::new(crate::ingest::source::MemoryLines(bytes)),
        );
        let mut offset = 0;
        for (i, line) in text.lines().enumerate() {
            let origin = crate::model::Origin {
                file,
                line: i as u32 + 1,
            };
            let parsed = crate::ingest::jsonl::parse_line(line.as_bytes()).unwrap();
            builder.push(origin, offset, parsed);
            offset += line.len() as u64 + 1;
        }
        let error = builder.finish().err().unwrap();
        assert_eq!(
            error.to_string(),
            "big.jsonl:3: more than 2 events in one recording; analyze fewer files at once, or one trace at a time"
        );
    }

    #[test]
    fn a_duplicate_id_is_a_bad_line_and_the_first_is_kept() {
        let line =
            r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom"}"#;
        let rec = load(&format!("{line}\n{line}\n"));
        assert_eq!(rec.events.len(), 1);
        assert_eq!(rec.bad_lines, 1);
        assert_eq!(rec.diagnostics[0].line, 2);
        assert_eq!(rec.diagnostics[0].severity, Severity::Error);
        assert!(rec.diagnostics[0].message.starts_with("duplicate id `a`"));
    }

    #[test]
    fn parents_may_come_later_and_unknown_ones_are_warned() {
        let rec = recording("t1 w x ^e2\nt2 call f\nt1 w y ^nope");
        assert_eq!(rec.events[0].parent.map(|p| p.0), Some(1));
        assert_eq!(rec.events[2].parent, None);
        assert_eq!(rec.diagnostics.len(), 1);
        assert!(rec.diagnostics[0].message.contains("names no event"));
        assert_eq!(rec.diagnostics[0].severity, Severity::Warning);
    }

    #[test]
    fn a_parent_cycle_is_broken_once() {
        let rec = recording("t1 call f ^e3\nt1 call g ^e1\nt1 call h ^e2");
        let cycles: Vec<_> = rec
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with("parent cycle"))
            .collect();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].line, 1);
        assert_eq!(rec.events[0].parent, None);
        assert_eq!(rec.parent_chain(crate::model::EventIdx(2)).len(), 3);
    }

    #[test]
    fn uuid_spellings_of_one_trace_are_one_trace() {
        let a = r#"{"id":"a","trace_id":"4BF92F35-77B3-4DA6-A3CE-929D0E0E4736","timestamp":"2026-11-26T10:00:00Z","kind":"custom"}"#;
        let b = r#"{"id":"b","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","timestamp":"2026-11-26T10:00:00Z","kind":"custom"}"#;
        let rec = load(&format!("{a}\n{b}\n"));
        assert_eq!(rec.trace_count, 1);
        assert_eq!(rec.events[0].trace, rec.events[1].trace);
    }

    #[test]
    fn a_truncated_last_line_is_a_warning() {
        let good =
            r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom"}"#;
        let rec = load(&format!("{good}\n{}", &good[..30]));
        assert_eq!(rec.bad_lines, 1);
        assert_eq!(rec.diagnostics[0].severity, Severity::Warning);
        assert!(
            rec.diagnostics[0]
                .message
                .starts_with("truncated last line")
        );
        // The same cut line in the middle of the file is an error.
        let rec = load(&format!("{}\n{good}\n", &good[..30]));
        assert_eq!(rec.diagnostics[0].severity, Severity::Error);
    }

    #[test]
    fn a_parent_named_by_a_duplicate_line_is_the_first_event_with_that_id() {
        let entry = |id: &str, line: u32| {
            format!(
                r#"{{"id":"{id}","trace_id":"t","timestamp":"2026-11-26T10:00:0{line}Z","kind":"function_entry","metadata":{{"thread":"t1","function":"f{line}"}}}}"#
            )
        };
        let child = r#"{"id":"c","trace_id":"t","parent_id":"A","timestamp":"2026-11-26T10:00:05Z","kind":"custom","metadata":{"thread":"t1"}}"#;
        let rec = load(&format!(
            "{}\n{}\n{}\n{}\n",
            entry("A", 1),
            entry("B", 2),
            entry("A", 3),
            child
        ));
        assert_eq!(rec.events.len(), 3);
        assert_eq!(rec.bad_lines, 1);
        assert_eq!(rec.id_str(crate::model::EventIdx(2)), "c");
        assert_eq!(rec.events[2].parent, Some(crate::model::EventIdx(0)));
        let [duplicate] = rec.diagnostics.as_slice() else {
            panic!("one diagnostic expected: {:?}", rec.diagnostics)
        };
        assert_eq!(duplicate.line, 3);
        assert!(duplicate.message.contains("first used at t.jsonl:1"));
    }

    #[test]
    fn a_file_of_nothing_but_repeated_ids_has_no_good_line() {
        let line =
            r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"custom"}"#;
        let result = crate::ingest::load_bytes(vec![
            ("first.jsonl".into(), format!("{line}\n").into_bytes()),
            ("second.jsonl".into(), format!("{line}\n").into_bytes()),
        ]);
        match result {
            Err(crate::ingest::IngestError::NoGoodLine { path, bad, .. }) => {
                assert_eq!(path, "second.jsonl");
                assert_eq!(bad, 1);
            }
            other => panic!(
                "expected no good line, got {:?}",
                other.map(|r| r.events.len())
            ),
        }
    }
}
