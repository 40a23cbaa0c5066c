//! `lock-held-across-io`: an `http_request` or `db_query` issued while its
//! thread holds a lock. Every other thread that wants the lock now waits for
//! the network or the database.

use super::short;
use crate::analysis::anomaly::{Context, Detection, Detector, capped, effect_score};
use crate::analysis::codes::Code;
use crate::model::{EventIdx, EventKind, Sym};
use std::collections::BTreeMap;

pub(super) struct LockHeldAcrossIo;

/// One kind of occurrence: the lock, where it was taken, where the I/O was.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    lock: Sym,
    acquire_location: Sym,
    io_location: Sym,
}

impl Detector for LockHeldAcrossIo {
    fn code(&self) -> Code {
        Code::LockHeldAcrossIo
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        // Per line of execution: the locks held, innermost last.
        let mut held: Vec<Vec<EventIdx>> = vec![Vec::new(); rec.exec_lines.len()];
        // Key -> (first acquire, first I/O, how many times).
        let mut seen: BTreeMap<Key, (EventIdx, EventIdx, u64)> = BTreeMap::new();
        for idx in rec.indices() {
            let event = rec.event(idx);
            let locks = &mut held[event.exec.index()];
            match event.kind {
                EventKind::LockAcquire => locks.push(idx),
                EventKind::LockRelease => {
                    if let Some(pos) = locks
                        .iter()
                        .rposition(|&a| rec.event(a).subject == event.subject)
                    {
                        locks.remove(pos);
                    }
                }
                EventKind::HttpRequest | EventKind::DbQuery => {
                    for &acquire in locks.iter() {
                        let Some(lock) = rec.event(acquire).subject else {
                            continue;
                        };
                        let key = Key {
                            lock,
                            acquire_location: rec.event(acquire).location,
                            io_location: event.location,
                        };
                        seen.entry(key).or_insert((acquire, idx, 0)).2 += 1;
                    }
                }
                _ => {}
            }
        }
        seen.into_values()
            .map(|(acquire, io, times)| {
                let lock = rec.event(acquire).subject.map_or("?", |s| rec.str(s));
                let what = rec.event(io).kind.as_str();
                let repeat = if times > 1 {
                    format!(" ({times} times)")
                } else {
                    String::new()
                };
                Detection {
                    event: io,
                    anomaly_type: "lock-held-across-io".to_string(),
                    score: effect_score(times as f64),
                    confidence: 1.0,
                    description: format!(
                        "lock `{lock}` (taken at {}) is held across {what} `{}` at {}{repeat}",
                        rec.location(acquire),
                        short(&cx.io_label(io)),
                        rec.location(io)
                    ),
                    affected: capped(vec![io, acquire]),
                }
            })
            .collect()
    }
}
