//! Function calls: every `function_entry` paired with its `function_exit`,
//! its caller, its depth, and for every event the innermost call it happened
//! in. The anomaly layer takes durations, fan-out and subtree counts from
//! here; gen-tests takes the entry/exit pairs.
//!
//! Pairing follows the format: an exit's `parent_id` names its entry; an exit
//! without one closes the innermost open call of its (file, service, thread).
//! A call's caller is the call its entry's parent belongs to (a
//! `function_entry`, or an `async_spawn` or request inside a call), else the
//! innermost open call of its line.

use crate::model::{EventIdx, EventKind, Recording};

/// Index of a call in [`Calls::calls`], which is the order of the entries in
/// the recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u32);

impl CallId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    pub entry: EventIdx,
    /// `None` for a call that never returned in the recording.
    pub exit: Option<EventIdx>,
    pub caller: Option<CallId>,
    /// 0 for a call with no caller.
    pub depth: u32,
}

/// The calls of a recording.
#[derive(Debug, Default)]
pub struct Calls {
    pub calls: Vec<Call>,
    /// Per event: the call it happened in, as [`CallId`] numbers, with
    /// `NONE` outside any call. An entry belongs to its caller, an exit to
    /// the call it closes.
    owner: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Calls {
    pub fn build(rec: &Recording) -> Calls {
        let n = rec.events.len();
        let mut call_of_entry = vec![NONE; n];
        let mut calls = Vec::new();
        for idx in rec.indices() {
            if rec.event(idx).kind == EventKind::FunctionEntry {
                call_of_entry[idx.index()] = calls.len() as u32;
                calls.push(Call {
                    entry: idx,
                    exit: None,
                    caller: None,
                    depth: 0,
                });
            }
        }
        // Owners by program order: the innermost open call of the line.
        let mut owner = vec![NONE; n];
        let mut stacks: Vec<Vec<u32>> = vec![Vec::new(); rec.exec_lines.len()];
        for idx in rec.indices() {
            let event = rec.event(idx);
            let stack = &mut stacks[event.exec.index()];
            match event.kind {
                EventKind::FunctionEntry => {
                    owner[idx.index()] = stack.last().copied().unwrap_or(NONE);
                    stack.push(call_of_entry[idx.index()]);
                }
                EventKind::FunctionExit => {
                    let call = match event.parent {
                        Some(p) => call_of_entry[p.index()],
                        None => stack.last().copied().unwrap_or(NONE),
                    };
                    if call != NONE && calls[call as usize].exit.is_none() {
                        calls[call as usize].exit = Some(idx);
                        if let Some(pos) = stack.iter().rposition(|&c| c == call) {
                            stack.truncate(pos);
                        }
                    }
                    owner[idx.index()] = call;
                }
                _ => owner[idx.index()] = stack.last().copied().unwrap_or(NONE),
            }
        }
        // A parent link overrides program order: the parent's call (or the
        // call the parent entry starts) is where the event happened. Parents
        // can come later in file order, so resolve along each parent chain.
        let mut resolved = vec![false; n];
        let mut pending = Vec::new();
        for start in rec.indices() {
            let mut current = start;
            while !resolved[current.index()] {
                let event = rec.event(current);
                match event.parent {
                    Some(p) if !resolved[p.index()] && pending.len() <= n => {
                        pending.push(current);
                        current = p;
                    }
                    _ => {
                        settle_owner(rec, &call_of_entry, &mut owner, current);
                        resolved[current.index()] = true;
                        match pending.pop() {
                            Some(next) => current = next,
                            None => break,
                        }
                    }
                }
            }
            pending.clear();
        }
        for call in &mut calls {
            let o = owner[call.entry.index()];
            call.caller = (o != NONE).then_some(CallId(o));
        }
        let depths = depths(&calls);
        for (call, depth) in calls.iter_mut().zip(depths) {
            call.depth = depth;
        }
        Calls { calls, owner }
    }

    /// The call an event happened in.
    pub fn owner(&self, event: EventIdx) -> Option<CallId> {
        let o = self.owner[event.index()];
        (o != NONE).then_some(CallId(o))
    }

    pub fn get(&self, id: CallId) -> &Call {
        &self.calls[id.index()]
    }

    pub fn len(&self) -> usize {
        self.calls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
}

/// Sets the owner of an event whose parent (if any) is settled.
fn settle_owner(rec: &Recording, call_of_entry: &[u32], owner: &mut [u32], idx: EventIdx) {
    let event = rec.event(idx);
    let Some(parent) = event.parent else { return };
    if event.kind == EventKind::FunctionExit {
        return;
    }
    let by_parent = if rec.event(parent).kind == EventKind::FunctionEntry {
        call_of_entry[parent.index()]
    } else {
        owner[parent.index()]
    };
    if by_parent != NONE {
        owner[idx.index()] = by_parent;
    }
}

/// Depth of every call: its caller's plus one. Callers can be later in the
/// list (parents later in file order), so each chain is walked once with
/// memoization; a caller cycle (only from contradictory input) counts as a
/// root.
fn depths(calls: &[Call]) -> Vec<u32> {
    const UNKNOWN: u32 = u32::MAX;
    let mut depth = vec![UNKNOWN; calls.len()];
    let mut chain = Vec::new();
    for start in 0..calls.len() {
        let mut current = start;
        while depth[current] == UNKNOWN {
            chain.push(current);
            match calls[current].caller {
                Some(c) if chain.len() <= calls.len() && !chain.contains(&c.index()) => {
                    current = c.index()
                }
                _ => break,
            }
        }
        let mut next = if depth[current] == UNKNOWN {
            // The chain ended at a root (or a cycle): its last call is a root.
            let root = chain.pop().expect("the chain holds the call just visited");
            depth[root] = 0;
            1
        } else {
            depth[current] + 1
        };
        while let Some(call) = chain.pop() {
            depth[call] = next;
            next += 1;
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::from_jsonl;

    #[test]
    fn pairs_by_parent_and_by_stack_and_finds_owners() {
        let rec = from_jsonl(&[
            r#"{"id":"a","trace_id":"t","timestamp":"2024-01-01T00:00:00Z","kind":"function_entry","metadata":{"function":"outer"}}"#,
            r#"{"id":"b","trace_id":"t","timestamp":"2024-01-01T00:00:01Z","kind":"function_entry","parent_id":"a","metadata":{"function":"inner"}}"#,
            r#"{"id":"c","trace_id":"t","timestamp":"2024-01-01T00:00:02Z","kind":"db_query","metadata":{"statement":"select 1"}}"#,
            r#"{"id":"d","trace_id":"t","timestamp":"2024-01-01T00:00:03Z","kind":"function_exit"}"#,
            r#"{"id":"e","trace_id":"t","timestamp":"2024-01-01T00:00:04Z","kind":"function_exit","parent_id":"a"}"#,
            r#"{"id":"f","trace_id":"t","timestamp":"2024-01-01T00:00:05Z","kind":"state_read","parent_id":"b","metadata":{"variable":"x"}}"#,
        ]);
        let calls = Calls::build(&rec);
        assert_eq!(calls.len(), 2);
        let (outer, inner) = (calls.calls[0], calls.calls[1]);
        assert_eq!(outer.exit, Some(EventIdx(4)));
        assert_eq!(inner.exit, Some(EventIdx(3)));
        assert_eq!(inner.caller, Some(CallId(0)));
        assert_eq!((outer.depth, inner.depth), (0, 1));
        assert_eq!(
            calls.owner(EventIdx(2)),
            Some(CallId(1)),
            "by program order"
        );
        assert_eq!(calls.owner(EventIdx(5)), Some(CallId(1)), "by parent link");
        assert_eq!(calls.owner(EventIdx(0)), None);
    }

    #[test]
    fn a_call_that_never_returns_has_no_exit() {
        let rec = from_jsonl(&[
            r#"{"id":"a","trace_id":"t","timestamp":"2024-01-01T00:00:00Z","kind":"function_entry","metadata":{"function":"f"}}"#,
        ]);
        let calls = Calls::build(&rec);
        assert_eq!(calls.calls[0].exit, None);
    }
}
