//! Exact data-race groups in one pass over the state accesses.
//!
//! A race is a pair of accesses to the same variable from different
//! (service, thread), at least one a non-atomic write, neither happening
//! before the other. Races are grouped by (variable, unordered pair of
//! locations); a group counts its racy events: the events `e` for which some
//! earlier event (file order) at the group's other location races with `e`,
//! the per-location measure of RAPID (Mathur et al.).
//!
//! Accesses are visited in file order. Per variable the detector keeps one
//! *slot* per (line of execution, location, access class): the accesses of a
//! slot form a happens-before chain. For each new access it asks, per other
//! location, whether some slot there races with it, and which racing access
//! there is the latest (the example). Two strategies answer:
//!
//! - [`latest`], when file order is a linear extension of happens-before
//!   (the usual case): no earlier access can come after the new one, so a
//!   slot's last access decides alone, as in FastTrack (Flanagan and Freund
//!   2009); unlike FastTrack no (thread, location) is forgotten, so every
//!   group is found.
//! - [`history`], otherwise (given clocks, or edges against file order):
//!   each slot keeps its whole chain, searched by bisection.
//!
//! Time and memory grow with the accesses, threads and locations, never
//! with the number of racing pairs.

mod history;
mod latest;

use crate::graph::{Edge, hb};
use crate::model::{AccessClass, Diagnostic, EventIdx, Recording, Sym};
use std::collections::HashMap;

/// Keys here are small and not attacker-chosen in a way that matters for an
/// offline tool, so a fast fixed hash beats SipHash.
pub(crate) type FastHash = foldhash::fast::FixedState;

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
    /// The group's first racy event (`second`) and the latest earlier access
    /// at the other location that races with it (`first`).
    pub example: (EventIdx, EventIdx),
}

/// What race detection found.
#[derive(Debug, Default)]
pub struct RaceReport {
    /// Sorted by service, variable and locations (as strings).
    pub groups: Vec<RaceGroup>,
    /// Events that race with at least one earlier event.
    pub racy_events: u64,
    /// Per event: it races with an earlier event.
    pub racy: Vec<bool>,
    /// Per read: it races with the write it read from (the variable's last
    /// write before it in file order).
    pub read_racing_write: Vec<bool>,
    /// Per read: the write it read from, if any ([`RaceReport::source_write`]).
    source_write: Vec<EventIdx>,
}

/// Marks "no write" in [`RaceReport::source_write`].
const NO_WRITE: EventIdx = EventIdx(u32::MAX);

impl RaceReport {
    /// The write a read read from: the variable's last write before it in
    /// file order.
    pub fn source_write(&self, read: EventIdx) -> Option<EventIdx> {
        self.source_write
            .get(read.index())
            .copied()
            .filter(|&w| w != NO_WRITE)
    }
}

/// An access being checked.
#[derive(Clone, Copy)]
struct Access {
    event: EventIdx,
    /// (service, thread): accesses of the same thread never race.
    thread: (Sym, Sym),
    location: Sym,
    class: AccessClass,
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
        let mut detector: Detector<'_, latest::State> = Detector::new(rec);
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
            detector.observe(
                e,
                &latest::Clock {
                    seen: &seen,
                    position,
                },
            );
            for &(exec, _) in clock.entries() {
                seen[exec as usize] = 0;
            }
        });
        return (detector.finish(), false);
    }
    let hb = hb::compute(rec, edges, diagnostics);
    let mut detector: Detector<'_, history::State> = Detector::new(rec);
    for e in rec.indices() {
        detector.observe(e, &hb);
    }
    (detector.finish(), hb.uses_given_clocks())
}

/// What a strategy keeps per variable and how it finds racing accesses.
trait Strategy: Default {
    /// What the strategy needs to order the access being checked.
    type Order<'a>: ?Sized;

    /// Calls `found(location, partner)` for racing earlier accesses: at
    /// least the latest one at each location that has any.
    fn find(&self, access: Access, order: &Self::Order<'_>, found: &mut Partners<'_>);

    /// Whether `access` (a read) races with `write`, an earlier write.
    fn races_with_write(&self, access: Access, write: &LastWrite, order: &Self::Order<'_>) -> bool;

    /// Remembers `access`.
    fn record(&mut self, rec: &Recording, access: Access, order: &Self::Order<'_>);

    /// The position of `access` on its line of execution.
    fn position(access: Access, order: &Self::Order<'_>) -> u32;
}

/// The variable's last write so far.
#[derive(Clone, Copy)]
struct LastWrite {
    event: EventIdx,
    exec: crate::model::ExecId,
    thread: (Sym, Sym),
    position: u32,
    class: AccessClass,
}

/// A variable's state: the strategy's slots and its last write.
#[derive(Default)]
struct VariableState<S> {
    slots: S,
    last_write: Option<LastWrite>,
}

/// The racing earlier accesses found for the access being checked: per
/// other location, the latest one.
struct Partners<'a> {
    by_location: &'a mut Vec<(Sym, EventIdx)>,
}

impl Partners<'_> {
    #[inline]
    fn add(&mut self, location: Sym, partner: EventIdx) {
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
struct Detector<'r, S> {
    rec: &'r Recording,
    variables: HashMap<VariableKey, VariableState<S>, FastHash>,
    group_of: HashMap<(VariableKey, Sym, Sym), usize, FastHash>,
    groups: Vec<RaceGroup>,
    racy: Vec<bool>,
    read_racing_write: Vec<bool>,
    source_write: Vec<EventIdx>,
    racy_total: u64,
    by_location: Vec<(Sym, EventIdx)>,
}

impl<'r, S: Strategy> Detector<'r, S> {
    fn new(rec: &'r Recording) -> Self {
        Detector {
            rec,
            variables: HashMap::default(),
            group_of: HashMap::default(),
            groups: Vec::new(),
            racy: vec![false; rec.events.len()],
            read_racing_write: vec![false; rec.events.len()],
            source_write: vec![NO_WRITE; rec.events.len()],
            racy_total: 0,
            by_location: Vec::new(),
        }
    }

    /// Checks event `e` against the earlier accesses, then records it.
    fn observe(&mut self, e: EventIdx, order: &S::Order<'_>) {
        let rec = self.rec;
        let event = rec.event(e);
        let Some(class) = event.access_class() else {
            return;
        };
        let Some(variable) = VariableKey::of(rec, e) else {
            return;
        };
        let line = rec.exec_line(e);
        let access = Access {
            event: e,
            thread: (line.service, line.thread),
            location: event.location,
            class,
        };
        let state = self.variables.entry(variable).or_default();

        if class == AccessClass::Read
            && let Some(write) = &state.last_write
        {
            self.source_write[e.index()] = write.event;
        }
        if class == AccessClass::Read
            && let Some(write) = &state.last_write
            && write.thread != access.thread
            && write.class.conflicts_with(class)
            && state.slots.races_with_write(access, write, order)
        {
            self.read_racing_write[e.index()] = true;
        }

        self.by_location.clear();
        state.slots.find(
            access,
            order,
            &mut Partners {
                by_location: &mut self.by_location,
            },
        );
        if !self.by_location.is_empty() {
            self.racy_total += 1;
            self.racy[e.index()] = true;
            for &(other, partner) in &self.by_location {
                let pair = ordered_pair(rec, access.location, other);
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

        state.slots.record(rec, access, order);
        if class != AccessClass::Read {
            state.last_write = Some(LastWrite {
                event: e,
                exec: event.exec,
                thread: access.thread,
                position: S::position(access, order),
                class,
            });
        }
    }

    fn finish(mut self) -> RaceReport {
        let rec = self.rec;
        self.groups
            .sort_by(|a, b| group_order(rec, a).cmp(&group_order(rec, b)));
        RaceReport {
            groups: self.groups,
            racy_events: self.racy_total,
            racy: self.racy,
            read_racing_write: self.read_racing_write,
            source_write: self.source_write,
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

#[cfg(test)]
mod tests {
    use crate::testutil::recording;

    /// (variable, [loc, loc], racy_events) of every group, and the total.
    fn races(spec: &str) -> (Vec<(String, [String; 2], u64)>, u64) {
        let rec = recording(spec);
        let analysis = crate::analysis::analyze(&rec, None);
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
