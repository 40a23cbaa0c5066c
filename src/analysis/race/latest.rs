//! Race finding when file order extends happens-before: only each slot's
//! last access matters, since every earlier access of the slot happens
//! before it and no earlier access can come after the one being checked.
//!
//! A slot's last access races with a new access exactly when it lies beyond
//! what the new access has seen of the slot's line (its clock's entry for
//! that line). Two structures keep the check cheap on a busy variable:
//!
//! - per line, the position of its latest access to the variable, so that an
//!   access that has seen every line's latest access (the usual, properly
//!   locked case) is done after one comparison per line;
//! - per (location, access class), the slots ordered by their last access,
//!   most recent first, so that the latest racing access at a location is
//!   the first racing slot on its list, however many threads hammer the
//!   variable.

use super::{Access, FastHash, LastWrite, Partners, Strategy};
use crate::model::{AccessClass, EventIdx, ExecId, Recording, Sym};
use std::collections::HashMap;

/// The checked access's view of happens-before: how far along each line of
/// execution it has seen (its clock spread over a dense array indexed by
/// line), and its own position on its line.
pub(super) struct Clock<'a> {
    pub seen: &'a [u64],
    pub position: u32,
}

const NIL: u32 = u32::MAX;

/// Up to this many slots a line's slots are searched one by one.
const FEW_SLOTS: usize = 8;

#[derive(Default)]
pub(super) struct State {
    lines: Vec<Line>,
    line_of: HashMap<ExecId, u32, FastHash>,
    kinds: Vec<Kind>,
    kind_of: HashMap<(Sym, AccessClass), u32, FastHash>,
    slots: Vec<Slot>,
}

/// A line of execution that touched the variable.
struct Line {
    exec: ExecId,
    thread: (Sym, Sym),
    /// Position of the line's latest access to the variable.
    latest: u32,
    /// (kind, slot) of the line's slots.
    slots: Vec<(u32, u32)>,
    /// Slot of each kind, once the line has more than [`FEW_SLOTS`] slots.
    slot_of: HashMap<u32, u32, FastHash>,
}

/// A (location, access class) and its slots, most recent first.
struct Kind {
    location: Sym,
    class: AccessClass,
    head: u32,
}

/// A (line, location, access class): its last access, and its neighbours
/// on its kind's list.
struct Slot {
    line: u32,
    last: EventIdx,
    last_position: u32,
    newer: u32,
    older: u32,
}

impl State {
    fn line_index(&mut self, exec: ExecId, thread: (Sym, Sym)) -> u32 {
        let next = self.lines.len() as u32;
        let index = *self.line_of.entry(exec).or_insert(next);
        if index == next {
            self.lines.push(Line {
                exec,
                thread,
                latest: 0,
                slots: Vec::new(),
                slot_of: HashMap::default(),
            });
        }
        index
    }

    fn kind_index(&mut self, location: Sym, class: AccessClass) -> u32 {
        let next = self.kinds.len() as u32;
        let index = *self.kind_of.entry((location, class)).or_insert(next);
        if index == next {
            self.kinds.push(Kind {
                location,
                class,
                head: NIL,
            });
        }
        index
    }

    fn unlink(&mut self, kind: u32, slot: u32) {
        let (newer, older) = (
            self.slots[slot as usize].newer,
            self.slots[slot as usize].older,
        );
        match newer {
            NIL => self.kinds[kind as usize].head = older,
            n => self.slots[n as usize].older = older,
        }
        if older != NIL {
            self.slots[older as usize].newer = newer;
        }
    }

    fn push_front(&mut self, kind: u32, slot: u32) {
        let head = self.kinds[kind as usize].head;
        self.slots[slot as usize].newer = NIL;
        self.slots[slot as usize].older = head;
        if head != NIL {
            self.slots[head as usize].newer = slot;
        }
        self.kinds[kind as usize].head = slot;
    }
}

impl Strategy for State {
    type Order<'a> = Clock<'a>;

    fn find(&self, access: Access, clock: &Clock<'_>, found: &mut Partners<'_>) {
        let unseen = |line: &Line| {
            line.thread != access.thread && u64::from(line.latest) > clock.seen[line.exec.index()]
        };
        if !self.lines.iter().any(unseen) {
            return;
        }
        for kind in &self.kinds {
            if !kind.class.conflicts_with(access.class) {
                continue;
            }
            let mut at = kind.head;
            while at != NIL {
                let slot = &self.slots[at as usize];
                let line = &self.lines[slot.line as usize];
                if line.thread != access.thread
                    && u64::from(slot.last_position) > clock.seen[line.exec.index()]
                {
                    found.add(kind.location, slot.last);
                    break;
                }
                at = slot.older;
            }
        }
    }

    fn races_with_write(&self, _: Access, write: &LastWrite, clock: &Clock<'_>) -> bool {
        u64::from(write.position) > clock.seen[write.exec.index()]
    }

    fn record(&mut self, rec: &Recording, access: Access, clock: &Clock<'_>) {
        let exec = rec.event(access.event).exec;
        let line = self.line_index(exec, access.thread);
        let kind = self.kind_index(access.location, access.class);
        let existing = {
            let line = &self.lines[line as usize];
            if line.slots.len() <= FEW_SLOTS {
                line.slots
                    .iter()
                    .find(|&&(k, _)| k == kind)
                    .map(|&(_, s)| s)
            } else {
                line.slot_of.get(&kind).copied()
            }
        };
        let slot = match existing {
            Some(slot) => {
                self.unlink(kind, slot);
                slot
            }
            None => {
                let slot = self.slots.len() as u32;
                self.slots.push(Slot {
                    line,
                    last: access.event,
                    last_position: clock.position,
                    newer: NIL,
                    older: NIL,
                });
                let entry = &mut self.lines[line as usize];
                entry.slots.push((kind, slot));
                if entry.slots.len() > FEW_SLOTS {
                    if entry.slot_of.is_empty() {
                        entry.slot_of = entry.slots.iter().copied().collect();
                    } else {
                        entry.slot_of.insert(kind, slot);
                    }
                }
                slot
            }
        };
        let entry = &mut self.slots[slot as usize];
        entry.last = access.event;
        entry.last_position = clock.position;
        self.lines[line as usize].latest = clock.position;
        self.push_front(kind, slot);
    }

    fn position(_: Access, clock: &Clock<'_>) -> u32 {
        clock.position
    }
}
