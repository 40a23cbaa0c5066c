//! A tiny notation for unit-test recordings, one event per line:
//! `THREAD OP [ARG] [@LOCATION] [^PARENT] [[CLOCK=N,...]]`, where OP is `w`, `aw` (atomic
//! write), `r`, `acq`, `rel`, `spawn`, `await`, `send`, `recv`, `call` or
//! `err`; THREAD may be `service/thread`; ids are `e1`, `e2`, ... per
//! recording. A line `--` starts the next file.

use crate::model::Recording;
use serde_json::{Map, Value, json};

/// Builds a recording from the notation.
pub(crate) fn recording(spec: &str) -> Recording {
    crate::ingest::load_bytes(files(spec)).expect("test recording loads")
}

/// The JSON Lines files the notation stands for.
pub(crate) fn files(spec: &str) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![String::new()];
    let mut n = 0;
    for raw in spec.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if raw == "--" {
            files.push(String::new());
            continue;
        }
        n += 1;
        files.last_mut().unwrap().push_str(&event_line(n, raw));
        files.last_mut().unwrap().push('\n');
    }
    files
        .into_iter()
        .enumerate()
        .map(|(i, text)| (format!("test-{i}.jsonl"), text.into_bytes()))
        .collect()
}

fn event_line(n: usize, raw: &str) -> String {
    let mut words = raw.split_whitespace();
    let who = words.next().expect("thread");
    let op = words.next().expect("op");
    let (service, thread) = who.split_once('/').unwrap_or(("svc", who));
    let mut meta = Map::new();
    meta.insert("service".into(), json!(service));
    meta.insert("thread".into(), json!(thread));
    let mut parent = Value::Null;
    let mut arg = None;
    let mut clock_vector = None;
    for word in words {
        if let Some(loc) = word.strip_prefix('@') {
            match loc.rsplit_once(':') {
                Some((file, line)) => {
                    meta.insert("file".into(), json!(file));
                    meta.insert("line".into(), json!(line.parse::<u64>().unwrap()));
                }
                None => {
                    meta.insert("function".into(), json!(loc));
                }
            }
        } else if let Some(clock) = word.strip_prefix('[').and_then(|w| w.strip_suffix(']')) {
            let pairs: Vec<Value> = clock
                .split(',')
                .map(|pair| {
                    let (id, n) = pair.split_once('=').expect("clock entry id=n");
                    json!([id, n.parse::<u64>().unwrap()])
                })
                .collect();
            clock_vector = Some(Value::Array(pairs));
        } else if let Some(p) = word.strip_prefix('^') {
            parent = json!(p);
        } else {
            arg = Some(word.to_string());
        }
    }
    let (kind, field) = match op {
        "w" | "aw" => ("state_write", "variable"),
        "r" => ("state_read", "variable"),
        "acq" => ("lock_acquire", "lock"),
        "rel" => ("lock_release", "lock"),
        "spawn" => ("async_spawn", "task"),
        "await" => ("async_await", "task"),
        "send" => ("message_send", "message_id"),
        "recv" => ("message_receive", "message_id"),
        "call" => ("function_entry", "function"),
        "err" => ("error", "message"),
        other => panic!("unknown op {other}"),
    };
    if op == "aw" {
        meta.insert("atomic".into(), json!(true));
    }
    if let Some(arg) = arg {
        meta.insert(field.into(), json!(arg));
    }
    let mut event = json!({
        "id": format!("e{n}"),
        "trace_id": "trace-1",
        "parent_id": parent,
        "timestamp": format!("2026-11-26T10:00:{:02}.{:06}Z", n / 1_000_000, n % 1_000_000),
        "kind": kind,
        "metadata": meta,
    });
    if let Some(clock) = clock_vector {
        event["causality_vector"] = clock;
    }
    event.to_string()
}

/// A recording of one file from JSON Lines, one event per slice element.
pub(crate) fn from_jsonl(lines: &[&str]) -> Recording {
    let text = lines.join("\n") + "\n";
    crate::ingest::load_bytes(vec![("test.jsonl".to_string(), text.into_bytes())])
        .expect("test recording loads")
}
