//! The one event model every input format is read into and every analysis and
//! report reads from: [`Recording`] holds the events of one or more trace
//! files in file order, with ids and strings interned.
//!
//! No I/O here: readers in `ingest` build a `Recording`, detectors in
//! `analysis` read it.

mod diagnostic;
mod ids;
mod intern;
mod kind;
pub mod third_party;

pub use diagnostic::{Diagnostic, Severity};
pub use ids::{EventIds, id_key};
pub use intern::{Interner, Sym, hash_str};
pub use kind::{AccessClass, EventKind};

use std::collections::HashMap;

/// Position of an event in [`Recording::events`], which is file order: the
/// input files in the order given, each file's lines top to bottom.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventIdx(pub u32);

impl EventIdx {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of a sequential line of execution in [`Recording::exec_lines`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecId(pub u32);

impl ExecId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One (file, service, thread): the unit of program order. The same
/// (service, thread) in two files is two lines of execution, because the
/// format takes program order per file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExecLine {
    pub file: u32,
    pub service: Sym,
    pub thread: Sym,
}

/// Where an event came from: input file index and 1-based line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub file: u32,
    pub line: u32,
}

/// One ingested event. Strings are symbols of [`Recording::strings`]; the
/// id is in [`Recording::ids`], and the rest of the line (values, arguments,
/// messages) stays in the input, read again by [`Recording::raw_lines`] for
/// the few events a report shows.
#[derive(Debug)]
pub struct Event {
    /// Normalized trace id (a UUID in any spelling becomes 32 lower-case hex).
    pub trace: Sym,
    pub parent: Option<EventIdx>,
    /// Nanoseconds since the Unix epoch, UTC.
    pub timestamp_ns: i64,
    pub kind: EventKind,
    pub exec: ExecId,
    pub origin: Origin,
    /// The kind's subject: the variable of an access, the lock of a lock
    /// event, the task of a spawn or await, the message id of a message.
    pub subject: Option<Sym>,
    /// `metadata.function`.
    pub function: Option<Sym>,
    /// The location (`file:line`, else the function, else `<unknown>`).
    pub location: Sym,
    pub flags: EventFlags,
    /// Byte offset of the event's line in its (decompressed) input file.
    pub offset: u64,
}

/// Boolean facts about an event, packed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventFlags {
    /// `metadata.atomic` on a write.
    pub atomic: bool,
    /// `metadata.scope == "global"`: the variable is shared across services.
    pub global: bool,
    /// A `function_exit` that carries `metadata.exception`.
    pub exception: bool,
}

impl Event {
    /// How this event touches shared state, if it is an access.
    pub fn access_class(&self) -> Option<AccessClass> {
        match self.kind {
            EventKind::StateRead => Some(AccessClass::Read),
            EventKind::StateWrite if self.flags.atomic => Some(AccessClass::AtomicWrite),
            EventKind::StateWrite => Some(AccessClass::Write),
            _ => None,
        }
    }

    /// Whether the report lists this event as an error: an `error` event, or
    /// a function that exited by raising.
    pub fn is_error(&self) -> bool {
        self.kind == EventKind::Error
            || (self.kind == EventKind::FunctionExit && self.flags.exception)
    }
}

/// Reads lines of an input again, by byte offset.
pub trait LineSource: Send + Sync {
    /// The line starting at each offset (sorted ascending), without its
    /// newline; `None` where it cannot be read any more.
    fn read_lines(&self, offsets: &[u64]) -> Vec<Option<Vec<u8>>>;
}

/// An input file of the recording.
pub struct InputFile {
    /// The path as the user gave it.
    pub path: String,
    pub source: Box<dyn LineSource>,
}

/// Vector clocks given in the trace (`causality_vector`), one per event.
#[derive(Debug, Default)]
pub struct GivenClocks {
    /// Clock ids, interned.
    pub clock_ids: Interner,
    entries: Vec<(u32, u64)>,
    ends: Vec<u32>,
}

impl GivenClocks {
    /// Appends the clock of the next event; `entries` must be sorted by clock
    /// id with no repeats.
    pub fn push(&mut self, entries: &[(u32, u64)]) {
        self.entries.extend_from_slice(entries);
        self.ends
            .push(u32::try_from(self.entries.len()).expect("clock table exceeds 2^32 entries"));
    }

    /// The clock of an event, sorted by clock id.
    pub fn of(&self, event: EventIdx) -> &[(u32, u64)] {
        let i = event.index();
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.entries[start..self.ends[i] as usize]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Keeps the clocks of the events marked in `keep`.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut kept = GivenClocks {
            clock_ids: std::mem::take(&mut self.clock_ids),
            ..GivenClocks::default()
        };
        for (i, &k) in keep.iter().enumerate() {
            if k {
                kept.push(self.of(EventIdx(i as u32)));
            }
        }
        *self = kept;
    }
}

/// Everything read from the input: events in file order, the strings they
/// refer to, and what was wrong with the input.
#[derive(Default)]
pub struct Recording {
    pub files: Vec<InputFile>,
    pub events: Vec<Event>,
    /// Services, threads, traces, variables, functions, locations, ...
    pub strings: Interner,
    /// Event ids as written in the input.
    pub ids: EventIds,
    pub exec_lines: Vec<ExecLine>,
    /// Present when every event carries a `causality_vector`: those clocks
    /// then decide happens-before.
    pub given_clocks: Option<GivenClocks>,
    pub diagnostics: Vec<Diagnostic>,
    /// Lines reported as bad and skipped.
    pub bad_lines: u64,
    /// Number of distinct trace ids.
    pub trace_count: usize,
}

impl Recording {
    pub fn event(&self, idx: EventIdx) -> &Event {
        &self.events[idx.index()]
    }

    pub fn str(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }

    pub fn id_str(&self, idx: EventIdx) -> &str {
        self.ids.get(idx)
    }

    /// The input lines of some events (read again from their files), keyed
    /// by event; events whose line cannot be read are left out.
    pub fn raw_lines(&self, events: &[EventIdx]) -> HashMap<EventIdx, Vec<u8>> {
        let mut by_file: HashMap<u32, Vec<(u64, EventIdx)>> = HashMap::new();
        for &idx in events {
            let event = self.event(idx);
            by_file
                .entry(event.origin.file)
                .or_default()
                .push((event.offset, idx));
        }
        let mut lines = HashMap::new();
        for (file, mut wanted) in by_file {
            wanted.sort_unstable();
            wanted.dedup();
            let offsets: Vec<u64> = wanted.iter().map(|w| w.0).collect();
            let read = self.files[file as usize].source.read_lines(&offsets);
            for ((_, idx), line) in wanted.into_iter().zip(read) {
                if let Some(line) = line {
                    lines.insert(idx, line);
                }
            }
        }
        lines
    }

    pub fn exec_line(&self, idx: EventIdx) -> &ExecLine {
        &self.exec_lines[self.events[idx.index()].exec.index()]
    }

    /// The location string of an event (`file:line`, function or `<unknown>`).
    pub fn location(&self, idx: EventIdx) -> &str {
        self.str(self.events[idx.index()].location)
    }

    /// Iterates over event indices in file order.
    pub fn indices(&self) -> impl Iterator<Item = EventIdx> + use<> {
        (0..self.events.len() as u32).map(EventIdx)
    }

    /// The causal chain of an event: its `parent_id` ancestors from the root
    /// down to the event itself.
    pub fn parent_chain(&self, idx: EventIdx) -> Vec<EventIdx> {
        let mut chain = vec![idx];
        let mut current = idx;
        // Parent cycles are broken at ingest, so this terminates; the bound
        // guards against a bug turning into a hang.
        while let Some(parent) = self.events[current.index()].parent {
            if chain.len() > self.events.len() {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain.reverse();
        chain
    }
}

/// The location of an access that names neither `file:line` nor a function.
pub const UNKNOWN_LOCATION: &str = "<unknown>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_stays_compact() {
        // Ten million of these are held at once; growing the record costs
        // memory in every large analysis (see docs/architecture.md).
        assert!(
            std::mem::size_of::<Event>() <= 64,
            "{}",
            std::mem::size_of::<Event>()
        );
    }
}
