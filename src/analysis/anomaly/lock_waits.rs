//! Which lock acquisitions waited for another thread, and how long.
//!
//! Recorders write `lock_acquire` once the lock is held, so a wait is not
//! recorded as such; it shows as a quiet stretch on the waiting lane that
//! ends when another lane's `lock_release` of the same lock hands the lock
//! over. An acquisition is contended when the release it follows in lock
//! order (the trace format's rule 5: same service, same file) is on another
//! lane and came after the acquiring lane's previous event: the lane went
//! quiet while the lock was held elsewhere. Its wait is the time from that
//! previous event to the acquisition, an upper bound (the lane may have
//! done unrecorded work first) that is exact for a lane that blocked at
//! once.
//!
//! The holder's side counts too: the part of its critical section during
//! which a waiter waited ([`LockWait::contended_hold_ns`]).
//!
//! Detectors read this to tell contention from slowness: the
//! `lock-contention` rule reports the waits, and the outlier model and the
//! thread-stall pattern leave them out.

use crate::model::{EventIdx, EventKind, Recording, Sym};
use std::collections::HashMap;

/// One contended acquisition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LockWait {
    pub acquire: EventIdx,
    /// The waiting lane's event before the acquisition.
    pub since: EventIdx,
    /// The other lane's release that handed the lock over.
    pub release: EventIdx,
    pub wait_ns: i64,
    /// The holder's acquisition that `release` ends, where known.
    pub held_from: Option<EventIdx>,
}

impl LockWait {
    /// How long the holder kept the lock while this waiter waited: time
    /// the holder's calls spent making others wait, which is contention
    /// too (a holder descheduled inside its critical section stretches
    /// every wait behind it).
    pub fn contended_hold_ns(&self, rec: &Recording) -> i64 {
        let Some(from) = self.held_from else { return 0 };
        let start = rec
            .event(from)
            .timestamp_ns
            .max(rec.event(self.since).timestamp_ns);
        (rec.event(self.release).timestamp_ns - start).max(0)
    }
}

/// Every contended acquisition of a recording, in file order.
#[derive(Debug, Default)]
pub struct LockWaits {
    pub waits: Vec<LockWait>,
    by_acquire: HashMap<EventIdx, usize, foldhash::fast::RandomState>,
}

impl LockWaits {
    pub fn find(rec: &Recording) -> LockWaits {
        let mut previous_on_lane: Vec<Option<EventIdx>> = vec![None; rec.exec_lines.len()];
        let mut last_release: HashMap<(u32, Sym, Sym), (EventIdx, Option<EventIdx>)> =
            HashMap::new();
        // The outermost acquisition of each lock not yet released.
        let mut held_from: HashMap<(u32, Sym, Sym), EventIdx> = HashMap::new();
        let mut waits = Vec::new();
        for idx in rec.indices() {
            let event = rec.event(idx);
            let since = previous_on_lane[event.exec.index()].replace(idx);
            let Some(lock) = event.subject else { continue };
            let line = rec.exec_line(idx);
            let key = (line.file, line.service, lock);
            match event.kind {
                EventKind::LockRelease => {
                    last_release.insert(key, (idx, held_from.remove(&key)));
                }
                EventKind::LockAcquire => {
                    held_from.entry(key).or_insert(idx);
                    let (Some((release, holder_acquire)), Some(since)) =
                        (last_release.remove(&key), since)
                    else {
                        continue;
                    };
                    let held_elsewhere = rec.event(release).exec != event.exec
                        && rec.event(release).timestamp_ns > rec.event(since).timestamp_ns;
                    if held_elsewhere {
                        waits.push(LockWait {
                            acquire: idx,
                            since,
                            release,
                            wait_ns: event.timestamp_ns - rec.event(since).timestamp_ns,
                            held_from: holder_acquire,
                        });
                    }
                }
                _ => {}
            }
        }
        let by_acquire = waits
            .iter()
            .enumerate()
            .map(|(i, w)| (w.acquire, i))
            .collect();
        LockWaits { waits, by_acquire }
    }

    /// The wait of an acquisition, if it was contended.
    pub fn of(&self, acquire: EventIdx) -> Option<&LockWait> {
        self.by_acquire.get(&acquire).map(|&i| &self.waits[i])
    }
}
