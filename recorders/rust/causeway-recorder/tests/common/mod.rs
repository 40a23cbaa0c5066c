//! Reading back what the recorder wrote.

#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;

/// This file's directory relative to the workspace root, as events name it.
pub const HERE: &str = "recorders/rust/causeway-recorder/tests";

/// Every line of a trace, parsed (a line that is not JSON fails the test).
pub fn events(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

pub fn kind(e: &Value) -> &str {
    e["kind"].as_str().unwrap()
}

pub fn meta<'a>(e: &'a Value, key: &str) -> &'a Value {
    &e["metadata"][key]
}

/// The events of one kind.
pub fn of_kind<'a>(events: &'a [Value], k: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| kind(e) == k).collect()
}

/// A fresh directory for traces.
pub fn trace_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}
