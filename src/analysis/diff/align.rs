//! Aligning two runs by what they did, not by ids or times. Every event
//! gets a key: its lane, its kind, what it is about (the variable, the
//! lock, the task, the function; for messages the channel, and for a
//! receive the key of the send it received) and its location, numbered by
//! occurrence on its lane. Two events of two runs with the same key are the
//! same step of the program.
//!
//! A lane is known by its service and thread name when the other run has a
//! lane of that name. Otherwise (thread names that carry ids or counters,
//! `Thread-7` in one run and `Thread-9` in the other) a spawned lane is
//! known by its spawn position: the spawning lane's key, the spawn's
//! location, and its number among the spawns there. The spawn and the await
//! of a task use the task's lane key too, so they align with it.

use crate::graph::view::describe;
use crate::model::{EventIdx, EventKind, Recording, Sym};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// One run's events, keyed, with what a diff needs of each.
pub(super) struct Aligned {
    /// Per event, in file order.
    pub(super) keys: Vec<String>,
    pub(super) index_of: HashMap<String, EventIdx>,
    /// Per event: its rank in the observed order (timestamp, then file
    /// order).
    pub(super) rank: Vec<usize>,
    /// Per event: the recorded metadata (for channels, arguments, results).
    pub(super) metadata: Vec<Value>,
}

/// The lane of an event as shown and aligned: `service/thread`.
pub(super) fn lane(rec: &Recording, idx: EventIdx) -> String {
    let line = rec.exec_line(idx);
    format!("{}/{}", rec.str(line.service), rec.str(line.thread))
}

/// The names (`service/thread`) of a run's lanes.
pub(super) fn lane_names(rec: &Recording) -> HashSet<String> {
    rec.exec_lines
        .iter()
        .map(|line| format!("{}/{}", rec.str(line.service), rec.str(line.thread)))
        .collect()
}

/// The alignment key of every task (service, thread) of `rec`: its name
/// when `other_names` has it, else its spawn position when a recorded spawn
/// started it, else its name.
fn lane_keys(rec: &Recording, other_names: &HashSet<String>) -> HashMap<(Sym, Sym), String> {
    let name = |task: (Sym, Sym)| format!("{}/{}", rec.str(task.0), rec.str(task.1));
    // The first spawn of each task, with its number among the spawns at
    // the same location of the same spawning task (program order).
    let mut spawned_by: HashMap<(Sym, Sym), ((Sym, Sym), String)> = HashMap::new();
    let mut spawns_at: HashMap<((Sym, Sym), String), usize> = HashMap::new();
    for idx in rec.indices() {
        let event = rec.event(idx);
        let (EventKind::AsyncSpawn, Some(subject)) = (event.kind, event.subject) else {
            continue;
        };
        let line = rec.exec_line(idx);
        let spawner = (line.service, line.thread);
        let at = rec.location(idx).to_string();
        let n = spawns_at.entry((spawner, at.clone())).or_insert(0);
        *n += 1;
        let position = format!("spawn@{at}#{n}");
        spawned_by
            .entry((line.service, subject))
            .or_insert((spawner, position));
    }
    let mut keys: HashMap<(Sym, Sym), String> = HashMap::new();
    let tasks: HashSet<(Sym, Sym)> = rec
        .exec_lines
        .iter()
        .map(|line| (line.service, line.thread))
        .chain(spawned_by.keys().copied())
        .collect();
    for &task in &tasks {
        // Walk up the spawn chain to a task known by name (bounded, in case
        // the recording's spawns form a cycle).
        let mut chain = Vec::new();
        let mut current = task;
        let root = loop {
            if let Some(key) = keys.get(&current) {
                break key.clone();
            }
            let named = name(current);
            match spawned_by.get(&current) {
                Some((spawner, position))
                    if !other_names.contains(&named) && chain.len() < tasks.len() =>
                {
                    chain.push((current, position.clone()));
                    current = *spawner;
                }
                _ => {
                    keys.insert(current, named.clone());
                    break named;
                }
            }
        };
        let mut key = root;
        for (task, position) in chain.into_iter().rev() {
            key = format!("{key} > {position}");
            keys.insert(task, key.clone());
        }
    }
    keys
}

pub(super) fn align(rec: &Recording, other_names: &HashSet<String>) -> Aligned {
    let lane_key = lane_keys(rec, other_names);
    let key_of_lane = |idx: EventIdx| {
        let line = rec.exec_line(idx);
        lane_key[&(line.service, line.thread)].as_str()
    };
    let all: Vec<EventIdx> = rec.indices().collect();
    let mut raw = rec.raw_lines(&all);
    let metadata: Vec<Value> = all
        .iter()
        .map(|idx| {
            raw.remove(idx)
                .and_then(|line| serde_json::from_slice::<Value>(&line).ok())
                .and_then(|mut v| v.get_mut("metadata").map(Value::take))
                .unwrap_or(Value::Null)
        })
        .collect();
    let mut order: Vec<EventIdx> = all.clone();
    order.sort_by_key(|&idx| (rec.event(idx).timestamp_ns, idx));
    let mut rank = vec![0; all.len()];
    for (r, idx) in order.into_iter().enumerate() {
        rank[idx.index()] = r;
    }
    let channel = |idx: EventIdx| {
        metadata[idx.index()]
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut keys: Vec<String> = Vec::with_capacity(all.len());
    let mut send_key: HashMap<Sym, String> = HashMap::new();
    // Sends first, so that a receive recorded before its send (another
    // file) still finds it.
    let base_of = |idx: EventIdx, send_key: &HashMap<Sym, String>| {
        let event = rec.event(idx);
        let service = rec.exec_line(idx).service;
        let what = match event.kind {
            EventKind::AsyncSpawn | EventKind::AsyncAwait => {
                event
                    .subject
                    .map_or(String::new(), |task| match lane_key.get(&(service, task)) {
                        Some(key) => key.clone(),
                        None => rec.str(task).to_string(),
                    })
            }
            EventKind::MessageSend => channel(idx),
            EventKind::MessageReceive => format!(
                "{} <- {}",
                channel(idx),
                event
                    .subject
                    .and_then(|s| send_key.get(&s))
                    .map_or("?", String::as_str)
            ),
            _ => event
                .subject
                .or(event.function)
                .map_or(String::new(), |s| rec.str(s).to_string()),
        };
        format!(
            "{} {} {} @ {}",
            key_of_lane(idx),
            event.kind.as_str(),
            what,
            rec.location(idx)
        )
    };
    let mut numbered = |base: String| {
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        format!("{base} #{n}")
    };
    let mut send_keys: HashMap<EventIdx, String> = HashMap::new();
    for &idx in all
        .iter()
        .filter(|&&i| rec.event(i).kind == EventKind::MessageSend)
    {
        let key = numbered(base_of(idx, &send_key));
        if let Some(subject) = rec.event(idx).subject {
            send_key.entry(subject).or_insert_with(|| key.clone());
        }
        send_keys.insert(idx, key);
    }
    for &idx in &all {
        let key = match send_keys.remove(&idx) {
            Some(key) => key,
            None => numbered(base_of(idx, &send_key)),
        };
        keys.push(key);
    }
    let index_of = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), EventIdx(i as u32)))
        .collect();
    Aligned {
        keys,
        index_of,
        rank,
        metadata,
    }
}

/// An event as a diff shows it: id and description with location.
pub(super) fn shown(rec: &Recording, idx: EventIdx) -> super::Shown {
    super::Shown {
        id: rec.id_str(idx).to_string(),
        lane: lane(rec, idx),
        what: describe(rec, idx),
        location: rec.location(idx).to_string(),
    }
}
