//! Exact data-race groups in one pass over the state accesses.
//!
//! A race is a pair of accesses to the same variable from different
//! (service, thread), at least one a non-atomic write, neither happening
//! before the other. Races are grouped by (variable, unordered pair of
//! locations); a group counts its racy events: the events `e` for which some
//! earlier event (file order) at the group's other location races with `e`,
//! the per-location measure of RAPID (Mathur et al.).
//!
//! Per variable we keep one slot per (line of execution, location, access
//! class). The events of a slot form a happens-before chain, so among them
//! the ones that happen before a new access `e` are a prefix and the ones
//! that `e` happens before are a suffix: some slot event races with `e` iff
//! the first one not before `e` is also not after it. When file order is a
//! linear extension of happens-before (the usual case), no earlier event can
//! come after `e` and the slot's last event decides alone, as in FastTrack
//! (Flanagan and Freund 2009), but unlike FastTrack no (thread, location)
//! is forgotten, so every group is found. Time and memory grow with the
//! number of accesses and slots, never with the number of racing pairs.

use crate::graph::{Edge, HappensBefore, hb};
use crate::model::{AccessClass, Diagnostic, EventIdx, ExecId, Recording, Sym};
use std::collections::HashMap;

/// The identity of a shared variable: (service, name), or the name alone for
/// a `scope: "global"` variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VariableKey {
    pub service: Option<Sym>,
    pub name: Sym,
}

impl VariableKey {
    /// The variable an access touches.
    pub fn of(rec: &Recording, idx: EventIdx) -> Option<VariableKey> {
        let event = rec.event(idx);
        event.access_class()?;
        Some(VariableKey {
            service: (!event.flags.global).then(|| rec.exec_line(idx).service),
            name: event.subject?,
        })
    }
}

/// One race group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaceGroup {
    pub variable: VariableKey,
    /// The two locations, sorted as strings; equal when a line races with
    /// itself.
    pub locations: [Sym; 2],
    /// Events that race with an earlier event at the other location.
    pub racy_events: u64,
    /// The first racing pair found: `first` is earlier in file order.
    pub example: (EventIdx, EventIdx),
}

/// What race detection found.
#[derive(Debug, Default)]
pub struct RaceReport {
    /// Sorted by service, variable and locations (as strings).
    pub groups: Vec<RaceGroup>,
    /// Events that race with at least one earlier event.
    pub racy_events: u64,
    /// Per event: it was found to race (as the later or the earlier access).
    pub racing: Vec<bool>,
}

/// Keys here are small and not attacker-chosen in a way that matters for an
/// offline tool, so a fast fixed hash beats SipHash.
type FastHash = foldhash::fast::FixedState;

/// What the detector remembers of one variable.
#[derive(Default)]
struct VariableState {
    /// When file order extends happens-before: each line's slots, last
    /// access only.
    lines: Vec<LineSlots>,
    line_of: HashMap<ExecId, u32, FastHash>,
    /// Otherwise: every slot with its whole history.
    slots: Vec<Slot>,
    slot_of: HashMap<(ExecId, Sym, AccessClass), u32, FastHash>,
}

/// The slots of one line of execution on one variable.
///
/// A new access races with a slot exactly when the slot's last access lies
/// beyond what the new access has seen of that line. A line with few slots
/// checks them all; a line with many keeps a recency log of (position,
/// member) whose live entries still name their member's last access, so a
/// scan from the end that stops at the first position already seen visits
/// only racing slots (and stale entries, dropped once they outnumber the
/// live ones).
struct LineSlots {
    exec: ExecId,
    /// (service, thread): accesses of the same thread never race.
    thread: (Sym, Sym),
    members: Vec<Member>,
    /// Position of the line's latest access to the variable: a new access
    /// that has seen that far races with none of the line's slots.
    latest: u32,
    /// Only for lines with more than [`FEW_SLOTS`] slots.
    member_of: HashMap<(Sym, AccessClass), u32, FastHash>,
    log: Vec<(u32, u32)>,
}

/// One (location, access class) of a line, and its last access.
#[derive(Clone, Copy)]
struct Member {
    location: Sym,
    class: AccessClass,
    last: EventIdx,
    /// The position of `last` on its line of execution.
    last_position: u32,
}

/// Up to this many slots a line's slots are checked one by one, which beats
/// a lookup table and a recency log.
const FEW_SLOTS: usize = 8;

/// A (line, location, access class) with every access it made, for when
/// file order may disagree with happens-before.
struct Slot {
    exec: ExecId,
    thread: (Sym, Sym),
    location: Sym,
    class: AccessClass,
    history: Vec<EventIdx>,
}

impl VariableState {
    /// Records `e` as the last access of its (line, location, class).
    fn record_last(
        &mut self,
        e: EventIdx,
        exec: ExecId,
        thread: (Sym, Sym),
        location: Sym,
        class: AccessClass,
        position: u32,
    ) {
        let next = self.lines.len() as u32;
        let line = *self.line_of.entry(exec).or_insert(next);
        if line == next {
            self.lines.push(LineSlots {
                exec,
                thread,
                members: Vec::new(),
                latest: 0,
                member_of: HashMap::default(),
                log: Vec::new(),
            });
        }
        let line = &mut self.lines[line as usize];
        line.latest = position;
        let found = if line.members.len() <= FEW_SLOTS {
            line.members
                .iter()
                .position(|m| m.location == location && m.class == class)
        } else {
            line.member_of.get(&(location, class)).map(|&m| m as usize)
        };
        let member = Member {
            location,
            class,
            last: e,
            last_position: position,
        };
        let index = match found {
            Some(index) => {
                line.members[index] = member;
                index
            }
            None => {
                line.members.push(member);
                let index = line.members.len() - 1;
                if line.members.len() == FEW_SLOTS + 1 {
                    // Switch to the table and the log.
                    line.member_of = line
                        .members
                        .iter()
                        .enumerate()
                        .map(|(i, m)| ((m.location, m.class), i as u32))
                        .collect();
                    let mut log: Vec<(u32, u32)> = line
                        .members
                        .iter()
                        .enumerate()
                        .map(|(i, m)| (m.last_position, i as u32))
                        .collect();
                    log.sort_unstable();
                    line.log = log;
                    return;
                }
                if line.members.len() > FEW_SLOTS {
                    line.member_of.insert((location, class), index as u32);
                }
                index
            }
        };
        if line.members.len() > FEW_SLOTS {
            line.log.push((position, index as u32));
            if line.log.len() > 2 * line.members.len() + 16 {
                let members = &line.members;
                line.log
                    .retain(|&(pos, m)| members[m as usize].last_position == pos);
            }
        }
    }

    /// Adds `e` to the history of its (line, location, class).
    fn record_history(
        &mut self,
        e: EventIdx,
        exec: ExecId,
        thread: (Sym, Sym),
        location: Sym,
        class: AccessClass,
    ) {
        let next = self.slots.len() as u32;
        let slot = *self.slot_of.entry((exec, location, class)).or_insert(next);
        if slot == next {
            self.slots.push(Slot {
                exec,
                thread,
                location,
                class,
                history: Vec::new(),
            });
        }
        self.slots[slot as usize].history.push(e);
    }
}

/// Finds every race group of a recording; `edges` are its sync edges.
/// Returns the report and whether given clocks decided happens-before.
pub fn detect(
    rec: &Recording,
    edges: &[Edge],
    diagnostics: &mut Vec<Diagnostic>,
) -> (RaceReport, bool) {
    if rec.given_clocks.is_none() && hb::in_file_order(edges) {
        // One pass: each access is checked with its clock as the walk
        // derives it, and no clock is kept.
        let mut detector = Detector::new(rec, false);
        // The access's clock spread over a dense array, so that looking up
        // each line the variable was touched from costs one load.
        let mut seen = vec![0u64; rec.exec_lines.len()];
        hb::walk_in_file_order(rec, edges, |e, position, clock| {
            if rec.event(e).access_class().is_none() {
                return;
            }
            for &(exec, counter) in clock.entries() {
                seen[exec as usize] = counter;
            }
            detector.observe(e, position, |state, thread, class, partners| {
                racing_since_seen(state, thread, class, |exec| seen[exec.index()], partners);
            });
            for &(exec, _) in clock.entries() {
                seen[exec as usize] = 0;
            }
        });
        return (detector.finish(), false);
    }
    let hb = hb::compute(rec, edges, diagnostics);
    let mut detector = Detector::new(rec, true);
    for e in rec.indices() {
        detector.observe(e, hb.position(e), |state, thread, class, partners| {
            racing_in_histories(state, e, thread, class, &hb, partners);
        });
    }
    (detector.finish(), hb.uses_given_clocks())
}

/// Collects the slots that race with the access being checked.
struct Partners<'a> {
    racing: &'a mut [bool],
    /// Per other location: the latest racing access there.
    by_location: &'a mut Vec<(Sym, EventIdx)>,
}

impl Partners<'_> {
    /// Notes that `partner`, at `location`, races with the access.
    #[inline]
    fn add(&mut self, location: Sym, partner: EventIdx) {
        self.racing[partner.index()] = true;
        for (l, kept) in self.by_location.iter_mut() {
            if *l == location {
                if partner > *kept {
                    *kept = partner;
                }
                return;
            }
        }
        self.by_location.push((location, partner));
    }
}

/// The detector's state over one pass in file order.
struct Detector<'r> {
    rec: &'r Recording,
    keep_history: bool,
    variables: HashMap<VariableKey, VariableState, FastHash>,
    group_of: HashMap<(VariableKey, Sym, Sym), usize, FastHash>,
    groups: Vec<RaceGroup>,
    racing: Vec<bool>,
    racy_total: u64,
    /// Per other location: one partner there, for the current access.
    by_location: Vec<(Sym, EventIdx)>,
}

impl<'r> Detector<'r> {
    fn new(rec: &'r Recording, keep_history: bool) -> Self {
        Detector {
            rec,
            keep_history,
            variables: HashMap::default(),
            group_of: HashMap::default(),
            groups: Vec::new(),
            racing: vec![false; rec.events.len()],
            racy_total: 0,
            by_location: Vec::new(),
        }
    }

    /// Checks event `e` (at `position` on its line) against the earlier
    /// accesses, with `find` naming the racing slots, then records it.
    fn observe(
        &mut self,
        e: EventIdx,
        position: u32,
        find: impl FnOnce(&VariableState, (Sym, Sym), AccessClass, &mut Partners<'_>),
    ) {
        let rec = self.rec;
        let event = rec.event(e);
        let Some(class) = event.access_class() else {
            return;
        };
        let Some(variable) = VariableKey::of(rec, e) else {
            return;
        };
        let line = rec.exec_line(e);
        let thread = (line.service, line.thread);
        let location = event.location;
        let state = self.variables.entry(variable).or_default();

        // Many slots may race with `e` (a hot variable): the groups are
        // settled once per other location, not once per slot.
        self.by_location.clear();
        let mut partners = Partners {
            racing: &mut self.racing,
            by_location: &mut self.by_location,
        };
        find(state, thread, class, &mut partners);
        let (racing, by_location) = (&mut self.racing, &self.by_location);
        if !by_location.is_empty() {
            self.racy_total += 1;
            racing[e.index()] = true;
            for &(other, partner) in by_location.iter() {
                let pair = ordered_pair(rec, location, other);
                let next = self.groups.len();
                let group = *self
                    .group_of
                    .entry((variable, pair[0], pair[1]))
                    .or_insert(next);
                if group == next {
                    self.groups.push(RaceGroup {
                        variable,
                        locations: pair,
                        racy_events: 0,
                        example: (partner, e),
                    });
                }
                self.groups[group].racy_events += 1;
            }
        }
        if self.keep_history {
            state.record_history(e, event.exec, thread, location, class);
        } else {
            state.record_last(e, event.exec, thread, location, class, position);
        }
    }

    fn finish(mut self) -> RaceReport {
        let rec = self.rec;
        self.groups
            .sort_by(|a, b| group_order(rec, a).cmp(&group_order(rec, b)));
        RaceReport {
            groups: self.groups,
            racy_events: self.racy_total,
            racing: self.racing,
        }
    }
}

fn ordered_pair(rec: &Recording, a: Sym, b: Sym) -> [Sym; 2] {
    if rec.str(a) <= rec.str(b) {
        [a, b]
    } else {
        [b, a]
    }
}

fn group_order<'r>(
    rec: &'r Recording,
    g: &RaceGroup,
) -> (Option<&'r str>, &'r str, &'r str, &'r str) {
    (
        g.variable.service.map(|s| rec.str(s)),
        rec.str(g.variable.name),
        rec.str(g.locations[0]),
        rec.str(g.locations[1]),
    )
}

/// The racing slots when file order extends happens-before: per line of
/// execution, the slots whose last access lies beyond `seen(line)`, the
/// position of the last event of that line that happens before the access.
fn racing_since_seen(
    state: &VariableState,
    thread: (Sym, Sym),
    class: AccessClass,
    seen: impl Fn(ExecId) -> u64,
    partners: &mut Partners<'_>,
) {
    for line in &state.lines {
        if line.thread == thread {
            continue;
        }
        let seen = seen(line.exec);
        if u64::from(line.latest) <= seen {
            continue;
        }
        if line.members.len() <= FEW_SLOTS {
            for m in &line.members {
                if u64::from(m.last_position) > seen && m.class.conflicts_with(class) {
                    partners.add(m.location, m.last);
                }
            }
            continue;
        }
        for &(position, member) in line.log.iter().rev() {
            if u64::from(position) <= seen {
                break;
            }
            let m = &line.members[member as usize];
            if m.last_position == position && m.class.conflicts_with(class) {
                partners.add(m.location, m.last);
            }
        }
    }
}

/// The racing slots in general: each slot's history is a happens-before
/// chain, so the accesses before `e` are a prefix and those after `e` a
/// suffix; the first access not before `e` races with it unless it comes
/// after `e`.
fn racing_in_histories(
    state: &VariableState,
    e: EventIdx,
    thread: (Sym, Sym),
    class: AccessClass,
    hb: &HappensBefore<'_>,
    partners: &mut Partners<'_>,
) {
    for slot in &state.slots {
        if slot.thread == thread || !slot.class.conflicts_with(class) {
            continue;
        }
        let history = &slot.history;
        let Some(&last) = history.last() else {
            continue;
        };
        let partner = if hb.is_chain(slot.exec) {
            if hb.before(last, e) {
                continue;
            }
            let candidate = history[history.partition_point(|&a| hb.before(a, e))];
            (!hb.before(e, candidate)).then_some(candidate)
        } else {
            history
                .iter()
                .copied()
                .find(|&a| !hb.before(a, e) && !hb.before(e, a))
        };
        if let Some(partner) = partner {
            partners.add(slot.location, partner);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::recording;

    /// (variable, [loc, loc], racy_events) of every group, and the total.
    fn races(spec: &str) -> (Vec<(String, [String; 2], u64)>, u64) {
        let rec = recording(spec);
        let analysis = crate::analysis::analyze(&rec);
        let groups = analysis
            .races
            .groups
            .iter()
            .map(|g| {
                (
                    rec.str(g.variable.name).to_string(),
                    g.locations.map(|l| rec.str(l).to_string()),
                    g.racy_events,
                )
            })
            .collect();
        (groups, analysis.races.racy_events)
    }

    fn group(var: &str, a: &str, b: &str, racy: u64) -> (String, [String; 2], u64) {
        (var.to_string(), [a.to_string(), b.to_string()], racy)
    }

    #[test]
    fn unsynchronized_writes_race() {
        let (groups, total) = races("t1 w x @a.py:1\nt2 w x @a.py:2");
        assert_eq!(groups, vec![group("x", "a.py:1", "a.py:2", 1)]);
        assert_eq!(total, 1);
    }

    #[test]
    fn a_lock_orders_the_accesses() {
        let (groups, _) =
            races("t1 acq L\nt1 w x @a.py:1\nt1 rel L\nt2 acq L\nt2 w x @a.py:2\nt2 rel L");
        assert!(groups.is_empty());
    }

    #[test]
    fn spawn_and_await_order_the_accesses() {
        let (groups, _) = races(
            "main w x @a.py:1\nmain spawn t1\nt1 w x @a.py:2\nmain await t1\nmain r x @a.py:3",
        );
        assert!(groups.is_empty());
    }

    #[test]
    fn a_message_orders_the_accesses() {
        let (groups, _) = races("t1 w x @a.py:1\nt1 send m1\nt2 recv m1\nt2 w x @a.py:2");
        assert!(groups.is_empty());
    }

    #[test]
    fn atomic_writes_race_only_with_plain_writes() {
        let (groups, _) = races("t1 aw x @a.py:1\nt2 aw x @a.py:2\nt3 r x @a.py:3");
        assert!(groups.is_empty());
        let (groups, _) = races("t1 aw x @a.py:1\nt2 w x @a.py:2");
        assert_eq!(groups, vec![group("x", "a.py:1", "a.py:2", 1)]);
    }

    #[test]
    fn reads_never_race_with_reads_and_a_thread_never_races_with_itself() {
        let (groups, _) = races("t1 r x @a.py:1\nt2 r x @a.py:2\nt1 w y @a.py:3\nt1 w y @a.py:4");
        assert!(groups.is_empty());
    }

    #[test]
    fn racy_events_count_later_events_with_an_earlier_partner() {
        // Both of t2's writes race with t1's earlier write; t1's write has no
        // earlier partner.
        let (groups, total) = races("t1 w x @a.py:1\nt2 w x @a.py:2\nt2 w x @a.py:2");
        assert_eq!(groups, vec![group("x", "a.py:1", "a.py:2", 2)]);
        assert_eq!(total, 2);
    }

    #[test]
    fn a_line_can_race_with_itself() {
        let (groups, _) = races("t1 w x @a.py:7\nt2 w x @a.py:7");
        assert_eq!(groups, vec![group("x", "a.py:7", "a.py:7", 1)]);
    }

    #[test]
    fn locations_fall_back_to_function_then_unknown() {
        let (groups, _) = races("t1 w x @withdraw\nt2 w x");
        assert_eq!(groups, vec![group("x", "<unknown>", "withdraw", 1)]);
    }

    #[test]
    fn every_thread_location_pair_is_kept_not_just_the_last_access() {
        // FastTrack keeps t1's last write only (line 2) and would report the
        // group of lines 2 and 3 but miss that of lines 1 and 3.
        let (groups, total) = races("t1 w x @a.py:1\nt1 w x @a.py:2\nt2 w x @a.py:3");
        assert_eq!(
            groups,
            vec![
                group("x", "a.py:1", "a.py:3", 1),
                group("x", "a.py:2", "a.py:3", 1)
            ]
        );
        assert_eq!(total, 1, "t2's write is one racy event");
    }

    #[test]
    fn services_separate_variables_unless_global() {
        let (groups, _) = races("a/t1 w x @a.py:1\nb/t1 w x @b.py:1");
        assert!(groups.is_empty());
        let rec = recording("a/t1 w x @a.py:1\nb/t1 w x @b.py:1");
        assert_eq!(rec.events.len(), 2);
    }

    #[test]
    fn an_edge_against_file_order_is_honoured() {
        // File 2's write happens before file 1's second write through the
        // message, but races with file 1's first write, which comes earlier.
        let (groups, total) =
            races("t1 w x @a.py:1\nt1 recv m\nt1 w x @a.py:1\n--\nt2 w x @b.py:1\nt2 send m");
        assert_eq!(groups, vec![group("x", "a.py:1", "b.py:1", 1)]);
        assert_eq!(total, 1);
    }
}
