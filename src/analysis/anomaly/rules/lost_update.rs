//! `lost-update`: an atomicity violation that happens-before hides. A
//! thread reads a variable and later writes it within the same function
//! call (a read-modify-write), and another thread's write of the variable
//! happens after the read and before the write. Every access is ordered
//! (the balance read under a lock, the lock released, another thread's
//! update under the lock, the stale value written back under the lock
//! again), so there is no data race, and the other thread's update is lost.
//!
//! Found in two passes. The first, over the events in file order, pairs
//! each write with the same thread's last read of that variable in the same
//! call (or a call that is still open), and keeps a pair only when the
//! thread both let an ordering out (a release, send, spawn) and took one in
//! (an acquire, receive, await) between the two, and another thread wrote
//! the variable between them in file order: without those, no write of
//! another thread can fall between them in happens-before. A correct
//! read-modify-write inside one critical section never passes. Only when
//! pairs remain is happens-before computed, keeping the clocks of just the
//! writes involved, to check `read -> other write -> write`.

use crate::analysis::anomaly::{Context, Detection, Detector, capped};
use crate::analysis::codes::Code;
use crate::analysis::race::{FastHash, VariableKey};
use crate::graph::edges::sync_edges;
use crate::graph::hb::{compute_keeping, in_file_order};
use crate::model::{AccessClass, EventIdx, EventKind, ExecId};
use std::collections::{BTreeMap, HashMap};

/// The other threads' writes checked per pair, at most: enough for any
/// update a lock or a message orders, bounded for hot variables.
const MAX_WRITES_BETWEEN: usize = 64;

pub(super) struct LostUpdate;

/// A thread's read, with its ordering counters at the time.
#[derive(Clone, Copy)]
struct Read {
    event: EventIdx,
    out: u32,
    into: u32,
}

impl Detector for LostUpdate {
    fn code(&self) -> Code {
        Code::LostUpdate
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        // Per thread: how many orderings it let out and took in so far.
        let mut out = vec![0u32; rec.exec_lines.len()];
        let mut into = vec![0u32; rec.exec_lines.len()];
        let mut last_read: HashMap<(ExecId, VariableKey), Read, FastHash> = HashMap::default();
        let mut writes: HashMap<VariableKey, Vec<EventIdx>, FastHash> = HashMap::default();
        let mut pairs: Vec<(EventIdx, EventIdx, VariableKey)> = Vec::new();
        for idx in rec.indices() {
            let event = rec.event(idx);
            let exec = event.exec;
            match event.kind {
                EventKind::LockRelease | EventKind::MessageSend | EventKind::AsyncSpawn => {
                    out[exec.index()] += 1;
                }
                EventKind::LockAcquire | EventKind::MessageReceive | EventKind::AsyncAwait => {
                    into[exec.index()] += 1;
                }
                _ => {}
            }
            let Some(var) = VariableKey::of(rec, idx) else {
                continue;
            };
            if event.access_class() == Some(AccessClass::Read) {
                let read = Read {
                    event: idx,
                    out: out[exec.index()],
                    into: into[exec.index()],
                };
                last_read.insert((exec, var), read);
                continue;
            }
            // The write ends the update its thread's last read began.
            if let Some(read) = last_read.remove(&(exec, var))
                && read.out < out[exec.index()]
                && read.into < into[exec.index()]
                && same_update(cx, read.event, idx)
                && writes.get(&var).is_some_and(|list| {
                    list.iter()
                        .rev()
                        .take_while(|&&w| w > read.event)
                        .any(|&w| rec.event(w).exec != exec)
                })
            {
                pairs.push((read.event, idx, var));
            }
            writes.entry(var).or_default().push(idx);
        }
        if pairs.is_empty() {
            return Vec::new();
        }

        let edges = sync_edges(rec);
        let file_order = in_file_order(&edges);
        // Per pair, the other threads' writes that could fall between.
        let between: Vec<Vec<EventIdx>> = pairs
            .iter()
            .map(|&(read, write, var)| {
                let exec = rec.event(write).exec;
                let list = &writes[&var];
                let range = if file_order {
                    let start = list.partition_point(|&w| w <= read);
                    let end = list.partition_point(|&w| w < write);
                    &list[start..end]
                } else {
                    &list[..]
                };
                range
                    .iter()
                    .copied()
                    .filter(|&w| rec.event(w).exec != exec)
                    .take(MAX_WRITES_BETWEEN)
                    .collect()
            })
            .collect();
        let mut keep = vec![false; rec.events.len()];
        for (&(_, write, _), others) in pairs.iter().zip(&between) {
            keep[write.index()] = true;
            for w in others {
                keep[w.index()] = true;
            }
        }
        // Input problems with the ordering are the race detector's to
        // report; they are found again here and dropped.
        let mut ignored = Vec::new();
        let hb = compute_keeping(rec, &edges, |idx| keep[idx.index()], &mut ignored);

        // (variable, read, other write, write locations) -> the updates.
        let mut found: BTreeMap<(VariableKey, &str, &str, &str), Vec<[EventIdx; 3]>> =
            BTreeMap::new();
        for (&(read, write, var), others) in pairs.iter().zip(&between) {
            let lost = others
                .iter()
                .copied()
                .find(|&other| hb.before(read, other) && hb.before(other, write));
            if let Some(other) = lost {
                let key = (
                    var,
                    rec.location(read),
                    rec.location(other),
                    rec.location(write),
                );
                found.entry(key).or_default().push([write, read, other]);
            }
        }
        found
            .into_iter()
            .map(|((var, _, _, _), updates)| {
                let [write, read, other] = updates[0];
                let thread = |idx: EventIdx| {
                    let line = rec.exec_line(idx);
                    format!("{}/{}", rec.str(line.service), rec.str(line.thread))
                };
                let times = updates.len();
                Detection {
                    event: write,
                    anomaly_type: "lost-update".to_string(),
                    score: 1.0 - 1.0 / (times as f64 + 1.0),
                    confidence: 0.9,
                    description: format!(
                        "thread {} read `{}` at {}, thread {} wrote it at {} after that read, and then {} wrote it at {} from the stale value: the update at {} is lost{}",
                        thread(read),
                        rec.str(var.name),
                        rec.location(read),
                        thread(other),
                        rec.location(other),
                        thread(write),
                        rec.location(write),
                        rec.location(other),
                        if times == 1 {
                            String::new()
                        } else {
                            format!(" ({times} times)")
                        },
                    ),
                    affected: capped(updates.iter().flatten().copied().collect()),
                }
            })
            .collect()
    }
}

/// Whether a read and a later write of the same thread are one update: the
/// read's call is the write's call or one of its callers (still open).
fn same_update(cx: &Context<'_>, read: EventIdx, write: EventIdx) -> bool {
    let Some(read_call) = cx.calls.owner(read) else {
        return false;
    };
    let mut call = cx.calls.owner(write);
    while let Some(id) = call {
        if id == read_call {
            return true;
        }
        call = cx.calls.get(id).caller;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::recording;
    use proptest::prelude::*;

    fn found(spec: &str) -> Vec<Detection> {
        let rec = recording(spec);
        LostUpdate.detect(&Context::new(&rec))
    }

    #[test]
    fn an_update_split_over_two_critical_sections_loses_the_other() {
        let out = found(
            "t1 call deposit\n\
             t1 acq L\nt1 r balance @a.py:1\nt1 rel L\n\
             t2 call deposit\n\
             t2 acq L\nt2 r balance @a.py:1\nt2 w balance @a.py:2\nt2 rel L\n\
             t1 acq L\nt1 w balance @a.py:2\nt1 rel L",
        );
        assert_eq!(out.len(), 1, "{out:?}");
        let d = &out[0];
        // The stale write, then the read it used and the write it lost.
        assert_eq!(d.affected.len(), 3);
        assert!(d.description.contains("`balance`"), "{}", d.description);
        assert!(d.description.contains("the update at a.py:2 is lost"));
    }

    #[test]
    fn an_update_inside_one_critical_section_is_quiet() {
        assert!(
            found(
                "t1 call deposit\nt1 acq L\nt1 r balance\nt1 w balance\nt1 rel L\n\
                 t2 call deposit\nt2 acq L\nt2 r balance\nt2 w balance\nt2 rel L\n\
                 t1 acq L\nt1 r balance\nt1 w balance\nt1 rel L"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_racing_update_is_a_race_not_a_lost_update() {
        // No ordering at all: the race detector reports it.
        assert!(
            found(
                "t1 call f\nt1 r x\nt2 call f\nt2 w x\nt1 w x\n\
                 t1 send m\nt1 recv n"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_read_outside_the_writes_call_begins_no_update() {
        // t1 reads before it enters the call that writes: the write is not
        // the end of a read-modify-write.
        assert!(
            found(
                "t1 acq L\nt1 r x\nt1 rel L\n\
                 t2 call g\nt2 acq L\nt2 w x\nt2 rel L\n\
                 t1 call f\nt1 acq L\nt1 w x\nt1 rel L"
            )
            .is_empty()
        );
    }

    proptest! {
        /// The oracle property: however threads interleave updates that
        /// each sit in one critical section, no update is lost.
        #[test]
        fn single_critical_section_updates_are_never_lost(
            order in proptest::collection::vec(0usize..3, 1..24)
        ) {
            let mut spec = String::new();
            for t in 0..3 {
                spec.push_str(&format!("t{t} call worker\n"));
            }
            for (n, t) in order.iter().enumerate() {
                let var = if n % 2 == 0 { "x" } else { "y" };
                spec.push_str(&format!(
                    "t{t} acq L\nt{t} r {var} @a.py:{t}\nt{t} w {var} @a.py:{t}\nt{t} rel L\n"
                ));
            }
            prop_assert!(found(spec.trim_end()).is_empty());
        }
    }
}
