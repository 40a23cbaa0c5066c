//! `lock-contention`: threads that waited for a lock another thread held.
//! One finding per lock, from the contended acquisitions that
//! [`crate::analysis::anomaly::lock_waits`] finds: how many threads waited,
//! how often, the total and the longest wait, and who held the lock then.
//! The waits are reported here once, so that the waiting calls are not
//! also outliers and the waiting threads not also stalls.

use crate::analysis::anomaly::lock_waits::LockWait;
use crate::analysis::anomaly::{Context, Detection, Detector, capped, duration_text, effect_score};
use crate::analysis::codes::Code;
use crate::model::{ExecId, Sym};
use std::collections::{BTreeMap, BTreeSet};

/// A wait shorter than this is the ordinary cost of a handover.
pub const CONTENDED_WAIT_MIN_NS: i64 = 1_000_000;
/// A lock is reported when its waits add up to at least this.
pub const CONTENTION_MIN_TOTAL_NS: i64 = 10_000_000;

pub(super) struct LockContention;

impl Detector for LockContention {
    fn code(&self) -> Code {
        Code::LockContention
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        // (service, lock) -> its waits, in file order.
        let mut per_lock: BTreeMap<(Sym, Sym), Vec<&LockWait>> = BTreeMap::new();
        for wait in cx.lock_waits().waits.iter() {
            if wait.wait_ns < CONTENDED_WAIT_MIN_NS {
                continue;
            }
            let Some(lock) = rec.event(wait.acquire).subject else {
                continue;
            };
            let service = rec.exec_line(wait.acquire).service;
            per_lock.entry((service, lock)).or_default().push(wait);
        }
        per_lock
            .into_iter()
            .filter_map(|((_, lock), waits)| {
                let total: i64 = waits.iter().map(|w| w.wait_ns).sum();
                if total < CONTENTION_MIN_TOTAL_NS {
                    return None;
                }
                let longest = *waits.iter().max_by_key(|w| (w.wait_ns, std::cmp::Reverse(w.acquire)))?;
                let waiters: BTreeSet<ExecId> =
                    waits.iter().map(|w| rec.event(w.acquire).exec).collect();
                let holder = rec.exec_line(longest.release);
                let mut affected = vec![longest.acquire, longest.release];
                affected.extend(
                    waits
                        .iter()
                        .filter(|w| w.acquire != longest.acquire)
                        .map(|w| w.acquire),
                );
                Some(Detection {
                    event: longest.acquire,
                    anomaly_type: "lock-contention".to_string(),
                    score: effect_score(total as f64 / CONTENTION_MIN_TOTAL_NS as f64),
                    confidence: 1.0 - 1.0 / (waits.len() as f64 + 1.0),
                    description: format!(
                        "lock `{}` kept {} {} waiting {} {}: {} in all, the longest {} at {} while thread {}/{} held it (released at {})",
                        rec.str(lock),
                        waiters.len(),
                        if waiters.len() == 1 { "thread" } else { "threads" },
                        waits.len(),
                        if waits.len() == 1 { "time" } else { "times" },
                        duration_text(total as f64),
                        duration_text(longest.wait_ns as f64),
                        rec.location(longest.acquire),
                        rec.str(holder.service),
                        rec.str(holder.thread),
                        rec.location(longest.release),
                    ),
                    affected: capped(affected),
                })
            })
            .collect()
    }
}
