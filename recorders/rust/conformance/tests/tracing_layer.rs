//! Code instrumented only with `tracing`: the Layer's trace has the call
//! tree, and the analyzer's error chain ends at the failing span.

use causeway_recorder_conformance as conformance;
use serde_json::Value;
use tracing::{error, info, instrument};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Debug)]
struct Declined;

#[instrument]
fn charge(order: u32, amount: u64) -> Result<(), String> {
    info!(amount, "charging");
    if amount > 100 {
        error!(order, "card declined");
        return Err("card declined".into());
    }
    Ok(())
}

#[instrument]
fn checkout(order: u32, amount: u64) -> Result<(), String> {
    let _ = Declined;
    charge(order, amount)
}

fn events(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn record_checkouts(path: &std::path::Path) {
    let guard = causeway_recorder::init_thread(path).unwrap();
    let subscriber = tracing_subscriber::registry().with(causeway_recorder::Layer::new());
    tracing::subscriber::with_default(subscriber, || {
        checkout(1, 20).unwrap();
        checkout(2, 500).unwrap_err();
    });
    guard.finish().unwrap();
}

#[test]
fn spans_are_calls_and_events_hang_off_their_span() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layer.jsonl");
    record_checkouts(&path);
    let events = events(&path);
    let by_id = |id: &Value| events.iter().find(|e| &e["id"] == id).unwrap();
    let entries: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "function_entry")
        .collect();
    assert_eq!(entries.len(), 4);
    assert_eq!(
        entries[0]["metadata"]["function"],
        "tracing_layer::checkout"
    );
    assert_eq!(
        entries[0]["metadata"]["kwargs"],
        serde_json::json!({"order": 1, "amount": 20})
    );
    assert!(entries[0]["parent_id"].is_null());
    assert_eq!(entries[1]["metadata"]["function"], "tracing_layer::charge");
    assert_eq!(
        entries[1]["parent_id"], entries[0]["id"],
        "the span tree is the call tree"
    );
    let exits: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "function_exit")
        .collect();
    assert_eq!(exits.len(), 4);
    for exit in &exits {
        assert_eq!(by_id(&exit["parent_id"])["kind"], "function_entry");
    }
    let custom = events.iter().find(|e| e["kind"] == "custom").unwrap();
    assert_eq!(custom["metadata"]["name"], "charging");
    assert_eq!(custom["parent_id"], entries[1]["id"]);
    let error = events.iter().find(|e| e["kind"] == "error").unwrap();
    assert_eq!(error["metadata"]["message"], "card declined");
    assert_eq!(by_id(&error["parent_id"])["metadata"]["kwargs"]["order"], 2);
    let failed = exits
        .iter()
        .find(|e| e["parent_id"] == error["parent_id"])
        .unwrap();
    assert_eq!(failed["metadata"]["exception"]["message"], "card declined");
}

#[test]
fn the_error_chain_ends_at_the_failing_span() {
    let Some(causeway) = conformance::causeway_bin() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layer.jsonl");
    record_checkouts(&path);
    let (code, report) = conformance::analyze(&causeway, &path);
    assert_eq!(report["summary"]["bad_lines"], 0);
    assert_eq!(report["summary"]["races"], 0);
    let errors = report["errors"]
        .as_array()
        .expect("the report lists errors");
    assert!(!errors.is_empty(), "{report:#}");
    assert_eq!(errors.len(), 1, "{report:#}");
    let e = &errors[0];
    assert_eq!(e["message"], "card declined");
    assert_eq!(e["function"], "tracing_layer::charge");
    let steps: Vec<_> = e["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("function_entry", "tracing_layer::checkout"),
            ("function_entry", "tracing_layer::charge"),
            ("error", "tracing_layer"),
        ],
        "checkout, then the failing span, then its error"
    );
    // Errors are reported without failing the run at the default --fail-on.
    assert_eq!(code, 0);
}

#[causeway_recorder::trace(skip(total))]
fn audited(total: &causeway_recorder::Shared<u32>) -> u32 {
    total.update(|t| *t += 1);
    total.read()
}

#[test]
fn the_macro_and_the_layer_write_one_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.jsonl");
    let guard = causeway_recorder::init_thread(&path).unwrap();
    let subscriber = tracing_subscriber::registry().with(causeway_recorder::Layer::new());
    let total = causeway_recorder::Shared::new("total", 0);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("request", id = 7).in_scope(|| {
            total.write(1);
            audited(&total)
        });
    });
    guard.finish().unwrap();
    let events = events(&path);
    let kinds: Vec<_> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "function_entry",
            "state_write",
            "function_entry",
            "state_write",
            "state_read",
            "function_exit",
            "function_exit"
        ]
    );
    let (span, traced) = (&events[0], &events[2]);
    assert_eq!(span["metadata"]["function"], "tracing_layer::request");
    assert_eq!(traced["metadata"]["function"], "tracing_layer::audited");
    assert_eq!(
        traced["parent_id"], span["id"],
        "the traced call is inside the span"
    );
    assert_eq!(events[1]["parent_id"], span["id"]);
    assert_eq!(events[1]["metadata"]["function"], "tracing_layer::request");
    for access in &events[3..5] {
        assert_eq!(access["parent_id"], traced["id"]);
        assert_eq!(access["metadata"]["function"], "tracing_layer::audited");
    }
    assert_eq!(events[5]["parent_id"], traced["id"]);
    assert_eq!(events[6]["parent_id"], span["id"]);
}
