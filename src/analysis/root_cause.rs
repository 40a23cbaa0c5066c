//! Root causes of errors: for every `error` event and every function that
//! exited by raising, the causal chain from its root (following `parent_id`)
//! down to it, and the racing writes behind the values its causal past read.
//!
//! "Causal past" is the set of events of the same trace that happen before
//! the error, found by walking the trace's causal graph backwards. For each
//! read there, the write it saw is taken to be the last write to that
//! variable before it in file order; if that write races, the error may be a
//! consequence of the race and the report says so.

use super::race::{RaceReport, VariableKey};
use crate::graph::calls::Calls;
use crate::graph::{Edge, TraceGraph};
use crate::model::third_party::is_third_party;
use crate::model::{EventIdx, EventKind, Recording, Sym};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// How many racing reads are reported per error.
const MAX_RACY_READS: usize = 5;

/// The explanation of one error.
#[derive(Debug)]
pub struct ErrorChain {
    pub error: EventIdx,
    /// From the root cause down to the error, by parent links.
    pub chain: Vec<EventIdx>,
    /// Reads in the error's causal past whose value came from a racing write,
    /// nearest to the error first, one per variable.
    pub racy_reads: Vec<RacyRead>,
    /// For a raised exception that a caller handled (its call returned
    /// normally): that call's entry. `None` for an `error` event and for an
    /// exception that escaped to its thread's root.
    pub caught_in: Option<EventIdx>,
}

/// A read that saw a racing write.
#[derive(Debug)]
pub struct RacyRead {
    pub variable: VariableKey,
    pub read: EventIdx,
    pub write: EventIdx,
    /// The causal path from the read to the error.
    pub path: Vec<EventIdx>,
}

/// Explains every error of the recording, in file order.
pub fn explain(rec: &Recording, edges: &[Edge], races: &RaceReport) -> Vec<ErrorChain> {
    let errors = failures(rec);
    if errors.is_empty() {
        return Vec::new();
    }
    let catches = Catches::new(rec, &errors);
    // Control flow inside a library (a cache miss's `KeyError` raised and
    // caught in cachetools, a `StopIteration`) is not a failure at all.
    let errors: Vec<(EventIdx, Option<EventIdx>)> = errors
        .into_iter()
        .map(|error| (error, catches.catcher(rec, error)))
        .filter(|&(error, caught_in)| {
            caught_in.is_none_or(|catcher| {
                !(is_third_party(rec.location(error), &[])
                    && is_third_party(rec.location(catcher), &[]))
            })
        })
        .collect();
    let only_errors: Vec<EventIdx> = errors.iter().map(|e| e.0).collect();
    let graphs = graphs_of_traces_with_suspect_reads(rec, edges, races, &only_errors);
    errors
        .par_iter()
        .map(|&(error, caught_in)| ErrorChain {
            error,
            chain: rec.parent_chain(error),
            racy_reads: graphs
                .get(&rec.event(error).trace)
                .map(|(graph, suspects)| racy_reads(rec, graph, races, suspects, error))
                .unwrap_or_default(),
            caught_in,
        })
        .collect()
}

/// Where raised exceptions ended: the calls of the recording, built only
/// when something raised.
struct Catches(Option<Calls>);

impl Catches {
    fn new(rec: &Recording, errors: &[EventIdx]) -> Catches {
        let raised = errors
            .iter()
            .any(|&e| rec.event(e).kind == EventKind::FunctionExit);
        Catches(raised.then(|| Calls::build(rec)))
    }

    /// The entry of the call that handled an exception raised at `error`
    /// (the nearest caller that returned normally), or `None` when it
    /// escaped to its thread's root, when the caller's exit was never
    /// recorded, or for an `error` event.
    fn catcher(&self, rec: &Recording, error: EventIdx) -> Option<EventIdx> {
        let calls = self.0.as_ref()?;
        if rec.event(error).kind != EventKind::FunctionExit {
            return None;
        }
        let mut call = calls.owner(error)?;
        for _ in 0..calls.len() {
            let caller = calls.get(calls.get(call).caller?);
            let exit = caller.exit?;
            if !rec.event(exit).flags.exception {
                return Some(caller.entry);
            }
            call = calls.owner(exit)?;
        }
        None
    }
}

/// Whether a read's value came from a racing write: the read raced with the
/// write it read from, or that write raced with an earlier access.
fn read_a_racing_write(rec: &Recording, races: &RaceReport, read: EventIdx) -> bool {
    rec.event(read).kind == EventKind::StateRead
        && races
            .source_write(read)
            .is_some_and(|write| races.read_racing_write[read.index()] || races.racy[write.index()])
}

/// The errors worth a report entry: every `error` event, and every function
/// exit that raised, except those whose exception came out of a call that is
/// already reported (an exception propagating through ten frames is one
/// failure, reported where it started or where an `error` event recorded it).
pub fn failures(rec: &Recording) -> Vec<EventIdx> {
    let errors: Vec<EventIdx> = rec.indices().filter(|&i| rec.event(i).is_error()).collect();
    // How many error events and raising exits lie beneath each call.
    let mut beneath: HashMap<EventIdx, u32> = HashMap::new();
    for &error in &errors {
        let mut current = rec.event(error).parent;
        let mut steps = 0;
        while let Some(frame) = current {
            *beneath.entry(frame).or_default() += 1;
            current = rec.event(frame).parent;
            steps += 1;
            if steps > rec.events.len() {
                break;
            }
        }
    }
    errors
        .into_iter()
        .filter(|&e| {
            let event = rec.event(e);
            // A raising exit counts itself under its own call; anything more
            // there was reported first.
            event.kind == EventKind::Error || event.parent.is_none_or(|frame| beneath[&frame] < 2)
        })
        .collect()
}

/// Builds, in parallel, the causal graph of every trace that has an error
/// and a read of a racing write (only those can explain an error by a race),
/// with the trace's such reads.
fn graphs_of_traces_with_suspect_reads(
    rec: &Recording,
    edges: &[Edge],
    races: &RaceReport,
    errors: &[EventIdx],
) -> HashMap<Sym, (TraceGraph, HashSet<EventIdx>)> {
    let mut events_of: HashMap<Sym, (Vec<EventIdx>, HashSet<EventIdx>)> = errors
        .iter()
        .map(|&e| (rec.event(e).trace, Default::default()))
        .collect();
    for idx in rec.indices() {
        if let Some((events, suspects)) = events_of.get_mut(&rec.event(idx).trace) {
            events.push(idx);
            if read_a_racing_write(rec, races, idx) {
                suspects.insert(idx);
            }
        }
    }
    events_of
        .into_par_iter()
        .filter(|(_, (_, suspects))| !suspects.is_empty())
        .map(|(trace, (events, suspects))| {
            (
                trace,
                (TraceGraph::build(rec, trace, &events, edges), suspects),
            )
        })
        .collect()
}

fn racy_reads(
    rec: &Recording,
    graph: &TraceGraph,
    races: &RaceReport,
    suspects: &HashSet<EventIdx>,
    error: EventIdx,
) -> Vec<RacyRead> {
    let mut found: Vec<RacyRead> = Vec::new();
    for read in graph.causal_past(error) {
        if !suspects.contains(&read) {
            continue;
        }
        let Some(variable) = VariableKey::of(rec, read) else {
            continue;
        };
        if found.iter().any(|r| r.variable == variable) {
            continue;
        }
        let Some(write) = races.source_write(read) else {
            continue;
        };
        let path = graph.path(read, error).unwrap_or_else(|| vec![read, error]);
        found.push(RacyRead {
            variable,
            read,
            write,
            path,
        });
        if found.len() == MAX_RACY_READS {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;
    use crate::testutil::recording;

    #[test]
    fn an_error_after_reading_a_racing_write_names_the_write() {
        let rec = recording(
            "t1 call handle @api.py:1\n\
             t2 w balance @bank.py:41\n\
             t1 r balance @bank.py:50 ^e1\n\
             t1 err overdrawn @bank.py:51 ^e1",
        );
        let analysis = analyze(&rec, None);
        let [explained] = analysis.errors.as_slice() else {
            panic!("one error expected")
        };
        assert_eq!(
            explained
                .chain
                .iter()
                .map(|&i| rec.id_str(i))
                .collect::<Vec<_>>(),
            ["e1", "e4"]
        );
        let [read] = explained.racy_reads.as_slice() else {
            panic!("one racy read expected")
        };
        assert_eq!(rec.id_str(read.write), "e2");
        assert_eq!(rec.id_str(read.read), "e3");
        assert_eq!(
            read.path.iter().map(|&i| rec.id_str(i)).collect::<Vec<_>>(),
            ["e3", "e4"]
        );
    }

    #[test]
    fn an_error_after_an_ordered_write_has_no_racy_read() {
        let rec = recording(
            "t2 w balance @bank.py:41\n\
             t2 send m\n\
             t1 recv m\n\
             t1 r balance @bank.py:50\n\
             t1 err overdrawn @bank.py:51",
        );
        let analysis = analyze(&rec, None);
        assert_eq!(analysis.errors.len(), 1);
        assert!(analysis.errors[0].racy_reads.is_empty());
    }

    #[test]
    fn a_propagating_exception_is_one_failure() {
        let exit = |id: &str, parent: &str, t: &str| {
            format!(
                r#"{{"id":"{id}","trace_id":"t","parent_id":"{parent}","timestamp":"{t}","kind":"function_exit","metadata":{{"exception":{{"type":"KeyError","message":"sku"}}}}}}"#
            )
        };
        let entry = |id: &str, parent: Option<&str>, t: &str| {
            let parent = parent.map_or("null".to_string(), |p| format!("\"{p}\""));
            format!(
                r#"{{"id":"{id}","trace_id":"t","parent_id":{parent},"timestamp":"{t}","kind":"function_entry","metadata":{{"function":"f_{id}"}}}}"#
            )
        };
        let lines = [
            entry("outer", None, "2026-11-26T10:00:00.1Z"),
            entry("inner", Some("outer"), "2026-11-26T10:00:00.2Z"),
            exit("inner-exit", "inner", "2026-11-26T10:00:00.3Z"),
            exit("outer-exit", "outer", "2026-11-26T10:00:00.4Z"),
        ];
        let rec =
            crate::ingest::load_bytes(vec![("t.jsonl".into(), lines.join("\n").into_bytes())])
                .unwrap();
        let listed: Vec<&str> = super::failures(&rec)
            .into_iter()
            .map(|i| rec.id_str(i))
            .collect();
        assert_eq!(listed, ["inner-exit"]);
    }

    /// `outer` (in `outer_file`) calls `inner` (in `inner_file`), which
    /// raises; `outer` returns normally (handles it) or raises too.
    fn fate_of(inner_file: &str, outer_file: &str, outer_raises: bool) -> Vec<(String, bool)> {
        let entry = |id: &str, parent: Option<&str>, file: &str, line: u32| {
            let parent = parent.map_or("null".to_string(), |p| format!("\"{p}\""));
            format!(
                r#"{{"id":"{id}","trace_id":"t","parent_id":{parent},"timestamp":"2026-11-26T10:00:0{line}Z","kind":"function_entry","metadata":{{"function":"f_{id}","file":"{file}","line":{line}}}}}"#
            )
        };
        let exit = |id: &str, parent: &str, file: &str, line: u32, raises: bool| {
            let exception = if raises {
                r#","exception":{"type":"KeyError","message":"k"}"#
            } else {
                ""
            };
            format!(
                r#"{{"id":"{id}","trace_id":"t","parent_id":"{parent}","timestamp":"2026-11-26T10:00:0{line}Z","kind":"function_exit","metadata":{{"file":"{file}","line":{line}{exception}}}}}"#
            )
        };
        let lines = [
            entry("outer", None, outer_file, 1),
            entry("inner", Some("outer"), inner_file, 2),
            exit("inner-exit", "inner", inner_file, 3, true),
            exit("outer-exit", "outer", outer_file, 4, outer_raises),
        ];
        let rec =
            crate::ingest::load_bytes(vec![("t.jsonl".into(), lines.join("\n").into_bytes())])
                .unwrap();
        let races = super::RaceReport::default();
        super::explain(&rec, &[], &races)
            .into_iter()
            .map(|e| (rec.id_str(e.error).to_string(), e.caught_in.is_some()))
            .collect()
    }

    #[test]
    fn exceptions_that_are_control_flow_are_told_from_failures() {
        let lib = "/venv/lib/python3.11/site-packages/cachetools/__init__.py";
        // Raised and handled inside the library: not a failure at all.
        assert_eq!(fate_of(lib, lib, false), []);
        // Handled in the user's code: reported, as caught.
        assert_eq!(
            fate_of(lib, "app/cache.py", false),
            [("inner-exit".to_string(), true)]
        );
        assert_eq!(
            fate_of("app/a.py", "app/b.py", false),
            [("inner-exit".to_string(), true)]
        );
        // Escaping to the root: a failure, wherever it was raised.
        assert_eq!(fate_of(lib, lib, true), [("inner-exit".to_string(), false)]);
        assert_eq!(
            fate_of("app/a.py", "app/b.py", true),
            [("inner-exit".to_string(), false)]
        );
    }
}
