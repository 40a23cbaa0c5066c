//! `task-never-awaited`: an `async_spawn` whose task no `async_await` of the
//! same service ever waits for. Its failures are lost, and the program may
//! end (or the test pass) before it finishes.

use crate::analysis::anomaly::{Context, Detection, Detector, capped};
use crate::analysis::codes::Code;
use crate::model::{EventIdx, EventKind, Sym};
use std::collections::{BTreeMap, HashSet};

pub(super) struct TaskNeverAwaited;

impl Detector for TaskNeverAwaited {
    fn code(&self) -> Code {
        Code::TaskNeverAwaited
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Detection> {
        let rec = cx.rec;
        let service = |idx: EventIdx| rec.exec_line(idx).service;
        let awaited: HashSet<(Sym, Sym)> = rec
            .indices()
            .filter(|&i| rec.event(i).kind == EventKind::AsyncAwait)
            .filter_map(|i| Some((service(i), rec.event(i).subject?)))
            .collect();
        // Spawns of never-awaited tasks, grouped by spawn location so that
        // a loop of spawns is one finding.
        let mut by_location: BTreeMap<(Sym, Sym), Vec<EventIdx>> = BTreeMap::new();
        for idx in rec.indices() {
            let event = rec.event(idx);
            if event.kind != EventKind::AsyncSpawn {
                continue;
            }
            let Some(task) = event.subject else { continue };
            if !awaited.contains(&(service(idx), task)) {
                by_location
                    .entry((service(idx), event.location))
                    .or_default()
                    .push(idx);
            }
        }
        by_location
            .into_values()
            .map(|spawns| {
                let first = spawns[0];
                let task = rec.event(first).subject.map_or("?", |t| rec.str(t));
                let others = match spawns.len() {
                    1 => String::new(),
                    n => format!(" ({} more spawned here were not awaited either)", n - 1),
                };
                Detection {
                    event: first,
                    anomaly_type: "task-never-awaited".to_string(),
                    score: 0.5,
                    confidence: 1.0,
                    description: format!(
                        "task `{task}` spawned at {} is never awaited{others}",
                        rec.location(first)
                    ),
                    affected: capped(spawns),
                }
            })
            .collect()
    }
}
