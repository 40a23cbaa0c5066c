//! The synchronization edges of happens-before, from the format's rules
//! (program order, rule 1, is implicit in each line of execution):
//!
//! 2. parent: an event's `parent_id` happens before it;
//! 3. spawn: `async_spawn` of task T happens before T's first event;
//! 4. join: T's last event happens before an `async_await` of T;
//! 5. lock: a `lock_release` happens before the next `lock_acquire` of the
//!    same lock in the same service and file;
//! 6. message: a `message_send` happens before every `message_receive` of
//!    the same `message_id`.
//!
//! A task is a (service, thread); its first and last events are taken in
//! file order over the whole recording.

use crate::model::{EventIdx, EventKind, Recording, Sym};
use std::collections::HashMap;

/// Which rule an edge comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    ProgramOrder,
    Parent,
    Spawn,
    Join,
    Lock,
    Message,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::ProgramOrder => "program order",
            EdgeKind::Parent => "parent",
            EdgeKind::Spawn => "spawn",
            EdgeKind::Join => "join",
            EdgeKind::Lock => "lock",
            EdgeKind::Message => "message",
        }
    }
}

/// One happens-before edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: EventIdx,
    pub to: EventIdx,
    pub kind: EdgeKind,
}

/// All edges except program order (and parent edges that program order
/// implies), sorted by target then source.
pub fn sync_edges(rec: &Recording) -> Vec<Edge> {
    let mut edges = Vec::new();
    // First and last event of each line of execution (one array pass),
    // then of each task across its lines.
    let mut ends: Vec<Option<(EventIdx, EventIdx)>> = vec![None; rec.exec_lines.len()];
    for idx in rec.indices() {
        let slot = &mut ends[rec.event(idx).exec.index()];
        *slot = Some(slot.map_or((idx, idx), |(first, _)| (first, idx)));
    }
    let mut first_of_task: HashMap<(Sym, Sym), EventIdx> = HashMap::new();
    let mut last_of_task: HashMap<(Sym, Sym), EventIdx> = HashMap::new();
    for (line, ends) in rec.exec_lines.iter().zip(ends) {
        let Some((first, last)) = ends else { continue };
        let task = (line.service, line.thread);
        let earliest = first_of_task.entry(task).or_insert(first);
        *earliest = (*earliest).min(first);
        let latest = last_of_task.entry(task).or_insert(last);
        *latest = (*latest).max(last);
    }

    // Lock state per (file, service, lock): the release not yet followed by
    // an acquire.
    let mut pending_release: HashMap<(u32, Sym, Sym), EventIdx> = HashMap::new();
    let mut sends: HashMap<Sym, Vec<EventIdx>> = HashMap::new();
    let mut receives: Vec<(Sym, EventIdx)> = Vec::new();

    for idx in rec.indices() {
        let event = rec.event(idx);
        // A parent earlier on the same line is already ordered by program
        // order; leaving those edges out keeps the edge list short.
        if let Some(parent) = event.parent
            && (rec.event(parent).exec != event.exec || parent > idx)
        {
            edges.push(Edge {
                from: parent,
                to: idx,
                kind: EdgeKind::Parent,
            });
        }
        let Some(subject) = event.subject else {
            continue;
        };
        let line = rec.exec_line(idx);
        match event.kind {
            EventKind::AsyncSpawn => {
                if let Some(&first) = first_of_task.get(&(line.service, subject)) {
                    edges.push(Edge {
                        from: idx,
                        to: first,
                        kind: EdgeKind::Spawn,
                    });
                }
            }
            EventKind::AsyncAwait => {
                if let Some(&last) = last_of_task.get(&(line.service, subject)) {
                    edges.push(Edge {
                        from: last,
                        to: idx,
                        kind: EdgeKind::Join,
                    });
                }
            }
            EventKind::LockRelease => {
                pending_release.insert((line.file, line.service, subject), idx);
            }
            EventKind::LockAcquire => {
                if let Some(release) = pending_release.remove(&(line.file, line.service, subject)) {
                    edges.push(Edge {
                        from: release,
                        to: idx,
                        kind: EdgeKind::Lock,
                    });
                }
            }
            EventKind::MessageSend => sends.entry(subject).or_default().push(idx),
            EventKind::MessageReceive => receives.push((subject, idx)),
            _ => {}
        }
    }
    for (message, receive) in receives {
        for &send in sends.get(&message).into_iter().flatten() {
            edges.push(Edge {
                from: send,
                to: receive,
                kind: EdgeKind::Message,
            });
        }
    }
    // An edge from an event to itself (a task that awaits itself, a parent
    // that is the event) orders nothing.
    edges.retain(|e| e.from != e.to);
    edges.sort_unstable_by_key(|e| (e.to, e.from, e.kind));
    edges.dedup_by_key(|e| (e.to, e.from));
    edges
}
