//! A panicking program still leaves a complete trace.

use serde_json::Value;
use std::process::Command;

#[test]
fn a_panic_in_main_leaves_every_event_on_disk() {
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_panicking"));
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("panic.jsonl");
    let out = Command::new(exe)
        .env("CAUSEWAY_OUT", &trace)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(101),
        "the panic still ends the program"
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.ends_with('\n'), "no truncated last line");
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<_> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "function_entry",
            "state_write",
            "state_read",
            "function_exit",
            "function_entry",
            "state_write",
            "function_exit"
        ]
    );
    assert_eq!(
        events[6]["metadata"]["exception"],
        serde_json::json!({"type": "panic", "message": "amount 50 is over the limit"})
    );
}
