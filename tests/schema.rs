//! The JSON Schema of one trace line, `schema/event.schema.json`, against the data.
//!
//! The schema must itself be a valid draft 2020-12 schema, and it must accept
//! every line of every fixture except the lines the manifest lists as skipped
//! (error diagnostics and the truncated last line); of those, the ones that are
//! JSON but break a per-line rule (not an object, a missing field, a bad
//! timestamp) must be rejected. The example lines in `docs/trace-format.md` are
//! validated too. A handful of hand-made events pin down the edges: what the
//! format allows (unknown kinds, unknown fields, offsets, `$repr`/`$redacted`
//! values) passes, and what it forbids (no id, a numeric timestamp, a negative
//! clock counter, ...) fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jsonschema::Validator;
use serde_json::{Value, json};

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    let path = crate_root().join("schema/event.schema.json");
    let text = std::fs::read_to_string(&path).expect("schema/event.schema.json is readable");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> Validator {
    jsonschema::validator_for(&schema()).expect("the schema compiles")
}

fn errors_of(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Per fixture file, the lines the manifest says are skipped, with the expected
/// message fragment, and the lines kept with an unknown kind.
struct ManifestLines {
    skipped: BTreeMap<String, BTreeMap<u64, String>>,
    unknown_kind: BTreeMap<String, BTreeSet<u64>>,
    files: Vec<String>,
}

fn manifest_lines() -> ManifestLines {
    let path = crate_root().join("fixtures/manifest.toml");
    let text = std::fs::read_to_string(&path).expect("manifest is readable");
    let manifest: toml::Table = toml::from_str(&text).expect("manifest is TOML");
    let mut out = ManifestLines {
        skipped: BTreeMap::new(),
        unknown_kind: BTreeMap::new(),
        files: Vec::new(),
    };
    for fx in manifest["fixture"].as_array().expect("[[fixture]] tables") {
        let files: Vec<String> = match (fx.get("file"), fx.get("files")) {
            (Some(file), _) => vec![file.as_str().expect("file is a string").to_owned()],
            (None, Some(files)) => files
                .as_array()
                .expect("files is an array")
                .iter()
                .map(|f| f.as_str().expect("file name").to_owned())
                .collect(),
            (None, None) => panic!("fixture without file"),
        };
        let empty = Vec::new();
        let diagnostics = fx
            .get("diagnostic")
            .and_then(toml::Value::as_array)
            .unwrap_or(&empty);
        for d in diagnostics {
            let file = d
                .get("file")
                .and_then(toml::Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| files[0].clone());
            let line = d["line"].as_integer().expect("line") as u64;
            let contains = d["contains"].as_str().expect("contains").to_owned();
            let severity = d["severity"].as_str().expect("severity");
            if severity == "error" || contains == "truncated" {
                out.skipped.entry(file).or_default().insert(line, contains);
            } else if contains == "unknown kind" {
                out.unknown_kind.entry(file).or_default().insert(line);
            }
        }
        out.files.extend(files);
    }
    out
}

fn fixture_path(name: &str) -> PathBuf {
    crate_root().join("fixtures").join(name)
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("schema does not conform to its meta-schema: {e}");
    }
    validator();
}

#[test]
fn every_kept_fixture_line_is_valid() {
    let validator = validator();
    let lines = manifest_lines();
    let known: BTreeSet<String> = schema()["$defs"]["knownKind"]["enum"]
        .as_array()
        .expect("knownKind enum")
        .iter()
        .map(|k| k.as_str().expect("kind").to_owned())
        .collect();
    let no_lines = BTreeMap::new();
    let no_set = BTreeSet::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in &lines.files {
        let skipped = lines.skipped.get(file).unwrap_or(&no_lines);
        let unknown = lines.unknown_kind.get(file).unwrap_or(&no_set);
        let text = std::fs::read_to_string(fixture_path(file)).expect("fixture is readable");
        for (index, line) in text.lines().enumerate() {
            let number = index as u64 + 1;
            if line.trim().is_empty() || skipped.contains_key(&number) {
                continue;
            }
            let value: Value = match serde_json::from_str(line) {
                Ok(value) => value,
                Err(e) => {
                    failures.push(format!("{file}:{number}: not JSON ({e})"));
                    continue;
                }
            };
            for error in errors_of(&validator, &value) {
                failures.push(format!("{file}:{number}: {error}"));
            }
            let kind = value["kind"].as_str().unwrap_or_default();
            if !known.contains(kind) && !unknown.contains(&number) {
                failures.push(format!("{file}:{number}: kind {kind:?} is not a v1 kind and the manifest expects no warning"));
            }
            checked += 1;
        }
    }
    assert!(
        checked > 100,
        "only {checked} lines checked: are the fixtures there?"
    );
    assert!(
        failures.is_empty(),
        "fixture lines rejected by the schema:\n{}",
        failures.join("\n")
    );
}

#[test]
fn deliberately_bad_fixture_lines_are_rejected() {
    let validator = validator();
    let lines = manifest_lines();
    let mut rejected = 0;
    for (file, skipped) in &lines.skipped {
        let text = std::fs::read_to_string(fixture_path(file)).expect("fixture is readable");
        let all: Vec<&str> = text.lines().collect();
        for (&number, contains) in skipped {
            let line = all[number as usize - 1];
            let per_line_fault = ["not an object", "missing field", "bad timestamp"]
                .iter()
                .any(|fault| contains.contains(fault));
            if !per_line_fault {
                // not JSON, truncated, or a duplicate id: nothing a one-line schema can see
                continue;
            }
            let value: Value = serde_json::from_str(line).unwrap_or_else(|e| {
                panic!("{file}:{number} should be JSON to test the schema: {e}")
            });
            assert!(
                !validator.is_valid(&value),
                "{file}:{number} ({contains}) passes the schema"
            );
            rejected += 1;
        }
    }
    assert!(
        rejected >= 3,
        "expected at least three schema-visible bad lines, found {rejected}"
    );
}

#[test]
fn documentation_examples_are_valid() {
    let validator = validator();
    let doc = std::fs::read_to_string(crate_root().join("docs/trace-format.md"))
        .expect("docs/trace-format.md");
    let mut in_block = false;
    let mut checked = 0;
    for (index, line) in doc.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block && line.trim_start() == "```jsonl";
            continue;
        }
        if in_block && !line.trim().is_empty() {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("docs/trace-format.md:{}: not JSON: {e}", index + 1));
            let errors = errors_of(&validator, &value);
            assert!(
                errors.is_empty(),
                "docs/trace-format.md:{}: {errors:?}",
                index + 1
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "expected the doc's jsonl examples, found {checked} lines"
    );
}

fn base() -> Value {
    json!({
        "id": "0b6c3f0e-5d0e-4c8e-9a43-5f3d2b1a7c10",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "parent_id": null,
        "timestamp": "2026-11-26T10:00:00.000001Z",
        "kind": "state_write",
        "metadata": {"service": "shop", "thread": "t1", "variable": "cart.total", "value": 2, "old_value": 0, "file": "shop/cart.py", "line": 15}
    })
}

fn with(mut event: Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    edit(event.as_object_mut().expect("object"));
    event
}

#[test]
fn events_the_format_allows_pass() {
    let validator = validator();
    let allowed = [
        ("the base event", base()),
        (
            "only the required fields",
            json!({"id": "a", "trace_id": "t", "timestamp": "2026-11-26T10:00:00.5Z", "kind": "custom"}),
        ),
        (
            "an unknown kind",
            with(base(), |e| {
                e.insert("kind".into(), json!("gc_pause"));
            }),
        ),
        (
            "an unknown top-level field",
            with(base(), |e| {
                e.insert("x_recorder".into(), json!({"version": "0.3.1"}));
            }),
        ),
        (
            "an unknown metadata field",
            with(base(), |e| {
                e["metadata"]["span_name"] = json!("add_item");
            }),
        ),
        (
            "an offset and nanoseconds",
            with(base(), |e| {
                e.insert(
                    "timestamp".into(),
                    json!("2026-11-26T15:30:00.123456789+05:30"),
                );
            }),
        ),
        (
            "no fractional seconds",
            with(base(), |e| {
                e.insert("timestamp".into(), json!("2026-11-26T10:00:00Z"));
            }),
        ),
        (
            "a 32-hex id",
            with(base(), |e| {
                e.insert("id".into(), json!("0b6c3f0e5d0e4c8e9a435f3d2b1a7c10"));
            }),
        ),
        (
            "a vector clock",
            with(base(), |e| {
                e.insert(
                    "causality_vector".into(),
                    json!([["shop/t1", 3], ["shop/t2", 0]]),
                );
            }),
        ),
        (
            "an empty vector clock",
            with(base(), |e| {
                e.insert("causality_vector".into(), json!([]));
            }),
        ),
        (
            "a $repr value",
            with(base(), |e| {
                e["metadata"]["value"] =
                    json!({"$repr": "<socket fd=7>", "$type": "socket.socket"});
            }),
        ),
        (
            "a nested $redacted value",
            with(base(), |e| {
                e["metadata"]["value"] = json!({"user": {"password": {"$redacted": "secret"}}});
            }),
        ),
        (
            "an atomic write",
            with(base(), |e| {
                e["metadata"]["atomic"] = json!(true);
            }),
        ),
        (
            "a global variable",
            with(base(), |e| {
                e["metadata"]["scope"] = json!("global");
            }),
        ),
        (
            "an exit with an exception",
            json!({"id": "b", "trace_id": "t", "timestamp": "2026-11-26T10:00:00.000002Z", "kind": "function_exit", "parent_id": "a",
            "metadata": {"exception": {"type": "KeyError", "message": "'sku'"}, "duration_ns": 1200}}),
        ),
        (
            "numeric thread and task ids",
            json!({"id": "s", "trace_id": "t", "timestamp": "2026-11-26T10:00:00Z", "kind": "async_spawn",
            "metadata": {"service": "shop", "thread": 140213, "task": 140377}}),
        ),
    ];
    for (what, event) in allowed {
        let errors = errors_of(&validator, &event);
        assert!(errors.is_empty(), "{what} should pass: {errors:?}\n{event}");
        // The schema is no stricter than the reader.
        let line = event.to_string();
        let read = causeway::ingest::jsonl::parse_line(line.as_bytes());
        assert!(read.is_ok(), "the reader rejects {what}: {:?}", read.err());
    }
}

#[test]
fn events_the_format_forbids_fail() {
    let validator = validator();
    let forbidden = [
        (
            "a missing id",
            with(base(), |e| {
                e.remove("id");
            }),
        ),
        (
            "an empty id",
            with(base(), |e| {
                e.insert("id".into(), json!(""));
            }),
        ),
        (
            "a missing trace_id",
            with(base(), |e| {
                e.remove("trace_id");
            }),
        ),
        (
            "a missing kind",
            with(base(), |e| {
                e.remove("kind");
            }),
        ),
        (
            "a numeric timestamp",
            with(base(), |e| {
                e.insert("timestamp".into(), json!(1_795_687_200));
            }),
        ),
        (
            "a timestamp without offset",
            with(base(), |e| {
                e.insert("timestamp".into(), json!("2026-11-26T10:00:00.000001"));
            }),
        ),
        (
            "a day-first timestamp",
            with(base(), |e| {
                e.insert("timestamp".into(), json!("26/11/2026 10:00:00"));
            }),
        ),
        (
            "a numeric parent_id",
            with(base(), |e| {
                e.insert("parent_id".into(), json!(7));
            }),
        ),
        (
            "a negative clock counter",
            with(base(), |e| {
                e.insert("causality_vector".into(), json!([["shop/t1", -1]]));
            }),
        ),
        (
            "a clock entry with three items",
            with(base(), |e| {
                e.insert("causality_vector".into(), json!([["shop/t1", 1, 2]]));
            }),
        ),
        (
            "a clock as an object",
            with(base(), |e| {
                e.insert("causality_vector".into(), json!({"shop/t1": 1}));
            }),
        ),
        (
            "metadata as an array",
            with(base(), |e| {
                e.insert("metadata".into(), json!(["shop"]));
            }),
        ),
        (
            "a line number as a string",
            with(base(), |e| {
                e["metadata"]["line"] = json!("15");
            }),
        ),
        (
            "atomic as a string",
            with(base(), |e| {
                e["metadata"]["atomic"] = json!("yes");
            }),
        ),
        (
            "a $repr without $type",
            with(base(), |e| {
                e["metadata"]["value"] = json!([{"$repr": "<lock>"}]);
            }),
        ),
        (
            "a $redacted reason that is not a string",
            with(base(), |e| {
                e["metadata"]["old_value"] = json!({"$redacted": true});
            }),
        ),
        (
            "an exception without a type",
            json!({"id": "b", "trace_id": "t", "timestamp": "2026-11-26T10:00:00Z", "kind": "function_exit", "metadata": {"exception": {"message": "boom"}}}),
        ),
        ("an array line", json!(["state_write", "cart.total", 2])),
        (
            "a state_write without its variable",
            with(base(), |e| {
                e["metadata"].as_object_mut().unwrap().remove("variable");
            }),
        ),
        (
            "a lock_acquire without its lock",
            json!({"id": "l", "trace_id": "t", "timestamp": "2026-11-26T10:00:00Z", "kind": "lock_acquire", "metadata": {"thread": "t1"}}),
        ),
    ];
    // Value shapes are the schema's alone: the reader passes values through
    // without looking inside them.
    let value_shapes = [
        "a $repr without $type",
        "a $redacted reason that is not a string",
        "an exception without a type",
    ];
    for (what, event) in forbidden {
        assert!(!validator.is_valid(&event), "{what} should fail:\n{event}");
        if !value_shapes.contains(&what) {
            let line = event.to_string();
            let read = causeway::ingest::jsonl::parse_line(line.as_bytes());
            assert!(read.is_err(), "the reader accepts {what}");
        }
    }
}
