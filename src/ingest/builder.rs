//! Turning parsed lines into a [`Recording`]: interning, duplicate ids,
//! lines of execution, parent links (resolved once every file is read, so a
//! parent may come after its child) and parent cycles.

use super::jsonl::{LineError, ParsedEvent};
use crate::model::{
    Diagnostic, Event, EventFlags, EventIdx, ExecId, ExecLine, GivenClocks, Origin, Recording,
    Severity, Sym,
};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

const NO_EVENT: u32 = u32::MAX;

/// Accumulates events in file order.
pub struct Builder {
    rec: Recording,
    /// Event index of each id symbol, `NO_EVENT` where the id names no event.
    event_of_id: Vec<u32>,
    /// Each event's `parent_id`, as an id symbol, until resolved.
    parent_ids: Vec<Option<Sym>>,
    exec_of: HashMap<ExecLine, ExecId>,
    traces: HashSet<Sym>,
    clocks: GivenClocks,
    events_with_clocks: usize,
    first_without_clock: Option<Origin>,
    default_service: Sym,
    default_thread: Sym,
    unknown_location: Sym,
    scratch: String,
}

impl Builder {
    pub fn new() -> Self {
        let mut rec = Recording::default();
        let default_service = rec.strings.intern("default");
        let default_thread = rec.strings.intern("main");
        let unknown_location = rec.strings.intern(crate::model::UNKNOWN_LOCATION);
        Builder {
            rec,
            event_of_id: Vec::new(),
            parent_ids: Vec::new(),
            exec_of: HashMap::new(),
            traces: HashSet::new(),
            clocks: GivenClocks::default(),
            events_with_clocks: 0,
            first_without_clock: None,
            default_service,
            default_thread,
            unknown_location,
            scratch: String::new(),
        }
    }

    /// Registers an input file and returns its index.
    pub fn add_file(&mut self, path: String) -> u32 {
        self.rec.files.push(crate::model::InputFile { path });
        (self.rec.files.len() - 1) as u32
    }

    pub fn event_count(&self) -> usize {
        self.rec.events.len()
    }

    /// Records a diagnostic.
    pub fn diagnose(&mut self, origin: Origin, severity: Severity, message: String) {
        self.rec.diagnostics.push(Diagnostic {
            severity,
            file: origin.file,
            line: origin.line,
            message,
        });
    }

    /// Records a line that could not be used.
    pub fn reject(&mut self, origin: Origin, error: LineError, last_unterminated: bool) {
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

    /// Adds a well-formed line, or rejects it if its id was seen before.
    pub fn push(&mut self, origin: Origin, parsed: ParsedEvent<'_>) {
        let id = self.rec.ids.intern(&parsed.id);
        if self.event_of_id.len() <= id.index() {
            self.event_of_id.resize(id.index() + 1, NO_EVENT);
        }
        let first = self.event_of_id[id.index()];
        if first != NO_EVENT {
            let first = self.rec.events[first as usize].origin;
            let message = format!(
                "duplicate id `{}` (first used at {}:{}), line skipped",
                parsed.id, self.rec.files[first.file as usize].path, first.line
            );
            self.rec.bad_lines += 1;
            self.diagnose(origin, Severity::Error, message);
            return;
        }
        let index = u32::try_from(self.rec.events.len()).expect("more than 2^32 events");
        self.event_of_id[id.index()] = index;

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
        let trace = self.intern_trace(&parsed.trace_id);
        let service = parsed
            .service
            .as_deref()
            .map_or(self.default_service, |s| self.rec.strings.intern(s));
        let thread = parsed
            .thread
            .as_deref()
            .map_or(self.default_thread, |s| self.rec.strings.intern(s));
        let line = ExecLine {
            file: origin.file,
            service,
            thread,
        };
        let next_exec = ExecId(self.rec.exec_lines.len() as u32);
        let exec = *self.exec_of.entry(line).or_insert(next_exec);
        if exec == next_exec {
            self.rec.exec_lines.push(line);
        }

        let function = parsed
            .function
            .as_deref()
            .map(|f| self.rec.strings.intern(f));
        let location = match (&parsed.source_file, parsed.source_line) {
            (Some(file), Some(line)) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{file}:{line}");
                self.rec.strings.intern(&self.scratch)
            }
            _ => function.unwrap_or(self.unknown_location),
        };
        let subject = parsed
            .subject
            .as_deref()
            .map(|s| self.rec.strings.intern(s));
        let parent = parsed.parent_id.as_deref().map(|p| self.rec.ids.intern(p));
        self.parent_ids.push(parent);

        let clock = parsed
            .clock
            .as_ref()
            .map(|pairs| sorted_clock(&mut self.clocks, pairs));
        match clock {
            Some(Ok(entries)) => {
                self.clocks.push(&entries);
                self.events_with_clocks += 1;
            }
            Some(Err(message)) => {
                // A bad clock is reported and the event kept; the recording's
                // clocks are then incomplete and happens-before is derived.
                self.diagnose(origin, Severity::Warning, message);
                self.clocks.push(&[]);
                self.first_without_clock.get_or_insert(origin);
            }
            None => {
                self.clocks.push(&[]);
                self.first_without_clock.get_or_insert(origin);
            }
        }

        self.rec.events.push(Event {
            id,
            trace,
            parent: None,
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
            metadata: parsed.metadata.map(|m| m.to_owned()),
        });
    }

    /// A hyphenated UUID and its 32-hex spelling are the same trace.
    fn intern_trace(&mut self, trace_id: &str) -> Sym {
        let sym = if matches!(trace_id.len(), 32 | 36)
            && let Ok(uuid) = uuid::Uuid::try_parse(trace_id)
        {
            let mut buf = uuid::Uuid::encode_buffer();
            let simple = uuid.simple().encode_lower(&mut buf);
            self.rec.strings.intern(simple)
        } else {
            self.rec.strings.intern(trace_id)
        };
        self.traces.insert(sym);
        sym
    }

    /// Resolves parents, breaks parent cycles and settles the clocks.
    pub fn finish(mut self) -> Recording {
        self.resolve_parents();
        self.break_parent_cycles();
        self.settle_clocks();
        self.rec.trace_count = self.traces.len();
        self.rec
            .diagnostics
            .sort_by_key(|d| (d.file, d.line, std::cmp::Reverse(d.severity)));
        self.rec
    }

    fn resolve_parents(&mut self) {
        for i in 0..self.rec.events.len() {
            let Some(parent_id) = self.parent_ids[i] else {
                continue;
            };
            let target = self
                .event_of_id
                .get(parent_id.index())
                .copied()
                .unwrap_or(NO_EVENT);
            if target == NO_EVENT {
                let origin = self.rec.events[i].origin;
                let message = format!(
                    "parent_id `{}` names no event in the recording; the event is kept without a parent",
                    self.rec.ids.resolve(parent_id)
                );
                self.diagnose(origin, Severity::Warning, message);
            } else {
                self.rec.events[i].parent = Some(EventIdx(target));
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
            names.push(format!(
                "`{}`",
                self.rec.ids.resolve(self.rec.events[current].id)
            ));
            current = self.rec.events[current]
                .parent
                .map_or(current, EventIdx::index);
        }
        if cycle.len() > 6 {
            names.push("...".to_string());
        }
        names.push(format!(
            "`{}`",
            self.rec.ids.resolve(self.rec.events[breaker].id)
        ));
        let origin = self.rec.events[breaker].origin;
        let message = format!(
            "parent cycle {}: the parent link of `{}` is ignored",
            names.join(" -> "),
            self.rec.ids.resolve(self.rec.events[breaker].id)
        );
        self.rec.events[breaker].parent = None;
        self.diagnose(origin, Severity::Warning, message);
    }

    fn settle_clocks(&mut self) {
        let total = self.rec.events.len();
        if self.events_with_clocks == 0 || total == 0 {
            return;
        }
        if self.events_with_clocks == total {
            self.rec.given_clocks = Some(std::mem::take(&mut self.clocks));
            return;
        }
        let origin = self
            .first_without_clock
            .unwrap_or(Origin { file: 0, line: 0 });
        let message = format!(
            "{} of {} events carry a usable causality_vector, this one does not: clocks are ignored and happens-before is derived from the events",
            self.events_with_clocks, total
        );
        self.diagnose(origin, Severity::Warning, message);
    }
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
}
