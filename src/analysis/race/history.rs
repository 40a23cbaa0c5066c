//! Race finding when file order may disagree with happens-before (given
//! vector clocks, or edges that point backwards in the files): every slot
//! keeps its whole history of accesses.
//!
//! A slot's history is a happens-before chain (when its line's events are),
//! so the accesses that happen before a new access `e` form a prefix and
//! those that `e` happens before form a suffix; the racing ones lie between,
//! and bisection finds both ends. A line whose given clocks do not order its
//! own events is searched access by access.

use super::{Access, FastHash, LastWrite, Partners, Strategy};
use crate::graph::HappensBefore;
use crate::model::{AccessClass, EventIdx, ExecId, Recording, Sym};
use std::collections::HashMap;

#[derive(Default)]
pub(super) struct State {
    lines: Vec<Line>,
    line_of: HashMap<ExecId, u32, FastHash>,
    slots: Vec<Slot>,
    slot_of: HashMap<(ExecId, Sym, AccessClass), u32, FastHash>,
}

/// A line of execution that touched the variable: when its latest access
/// happens before a new access, so do all its others (they form a chain),
/// and one comparison settles the whole line.
struct Line {
    exec: ExecId,
    thread: (Sym, Sym),
    latest: EventIdx,
    slots: Vec<u32>,
}

struct Slot {
    exec: ExecId,
    location: Sym,
    class: AccessClass,
    history: Vec<EventIdx>,
}

impl Slot {
    /// The latest access of the slot that races with `e`.
    fn latest_racing(&self, e: EventIdx, hb: &HappensBefore<'_>) -> Option<EventIdx> {
        let history = &self.history;
        if !hb.is_chain(self.exec) {
            return history
                .iter()
                .rev()
                .copied()
                .find(|&a| !hb.before(a, e) && !hb.before(e, a));
        }
        let first_not_before = history.partition_point(|&a| hb.before(a, e));
        let first_after =
            first_not_before + history[first_not_before..].partition_point(|&a| !hb.before(e, a));
        (first_after > first_not_before).then(|| history[first_after - 1])
    }
}

impl Strategy for State {
    type Order<'a> = HappensBefore<'a>;

    fn find(&self, access: Access, hb: &HappensBefore<'_>, found: &mut Partners<'_>) {
        for line in &self.lines {
            if line.thread == access.thread
                || (hb.is_chain(line.exec) && hb.before(line.latest, access.event))
            {
                continue;
            }
            for &slot in &line.slots {
                let slot = &self.slots[slot as usize];
                if !slot.class.conflicts_with(access.class) {
                    continue;
                }
                if let Some(partner) = slot.latest_racing(access.event, hb) {
                    found.add(slot.location, partner);
                }
            }
        }
    }

    fn races_with_write(&self, access: Access, write: &LastWrite, hb: &HappensBefore<'_>) -> bool {
        !hb.before(write.event, access.event) && !hb.before(access.event, write.event)
    }

    fn record(&mut self, rec: &Recording, access: Access, _: &HappensBefore<'_>) {
        let exec = rec.event(access.event).exec;
        let next_line = self.lines.len() as u32;
        let line = *self.line_of.entry(exec).or_insert(next_line);
        if line == next_line {
            self.lines.push(Line {
                exec,
                thread: access.thread,
                latest: access.event,
                slots: Vec::new(),
            });
        }
        self.lines[line as usize].latest = access.event;
        let next = self.slots.len() as u32;
        let slot = *self
            .slot_of
            .entry((exec, access.location, access.class))
            .or_insert(next);
        if slot == next {
            self.slots.push(Slot {
                exec,
                location: access.location,
                class: access.class,
                history: Vec::new(),
            });
            self.lines[line as usize].slots.push(slot);
        }
        self.slots[slot as usize].history.push(access.event);
    }

    fn position(access: Access, hb: &HappensBefore<'_>) -> u32 {
        hb.position(access.event)
    }
}
