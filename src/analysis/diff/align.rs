//! Aligning two runs by what they did, not by ids or times. Every event
//! gets a key: its lane (service and thread name), its kind, what it is
//! about (the variable, the lock, the task, the function; for messages the
//! channel, and for a receive the key of the send it received) and its
//! location, numbered by occurrence on its lane. Two events of two runs
//! with the same key are the same step of the program.

use crate::graph::view::describe;
use crate::model::{EventIdx, EventKind, Recording};
use serde_json::Value;
use std::collections::HashMap;

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

pub(super) fn align(rec: &Recording) -> Aligned {
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
    let mut send_key: HashMap<crate::model::Sym, String> = HashMap::new();
    // Sends first, so that a receive recorded before its send (another
    // file) still finds it.
    let base_of = |idx: EventIdx, send_key: &HashMap<crate::model::Sym, String>| {
        let event = rec.event(idx);
        let what = match event.kind {
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
            lane(rec, idx),
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
