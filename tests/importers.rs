//! The importers on real files and on the project's own: every sample in
//! `../shared/traces` imports with the events and errors it contains
//! (counted here from the files themselves, by the rules of
//! docs/importers.md), STD traces give RAPID's HB answer (checked against
//! an independent vector-clock oracle, also on random traces), error chains
//! end at the deepest failing span, converted output analyzes exactly as
//! the original, malformed input is reported at its line, and no input
//! makes an importer panic.

#![expect(
    clippy::print_stderr,
    reason = "the tests say on stderr what they skipped"
)]

mod support;

use causeway::analysis;
use causeway::ingest::import::{self, ImportOptions, InputFormat};
use causeway::ingest::{self, NoProgress};
use causeway::report::Report;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The shared samples, or `None` (outside CI only) when they are missing.
fn samples() -> Option<PathBuf> {
    support::shared_traces()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

fn options(format: InputFormat) -> ImportOptions {
    ImportOptions {
        format,
        ..ImportOptions::default()
    }
}

fn analyze_files(paths: &[PathBuf], options: &ImportOptions) -> Report {
    let rec = ingest::load_with(paths, options, &NoProgress).expect("the files import");
    let analysis = analysis::analyze(&rec, None);
    Report::build(&rec, &analysis)
}

fn json(report: &Report) -> Value {
    serde_json::to_value(report).unwrap()
}

const RELIABLE_BROADCAST_REGEX: &str = r"\[\w+\] \[(?<date>([^ ]+ [^ ]+))\] [^ ]+ \[akka://Broadcast/user/(?<host>\w+)\] (?<clock>.*\}) (?<event>.*)";

/// (file under ../shared/traces, options, events, errors). Events: two per
/// span plus one per span event, log or annotation (OTLP, Jaeger, Zipkin);
/// one per trace event, two per `X` and per flow step `t`, none per `M` or
/// per end that closes nothing (Chrome); one per line (STD) or per match
/// (ShiViz). Errors: exception events, plus failed spans with no failure
/// beneath them.
fn sample_table() -> Vec<(&'static str, ImportOptions, u64, u64)> {
    let auto = ImportOptions::default;
    let shiviz = |regex: Option<&str>, delimiter: Option<&str>| ImportOptions {
        shiviz_regex: regex.map(str::to_string),
        shiviz_delimiter: delimiter.map(str::to_string),
        ..ImportOptions::default()
    };
    vec![
        ("otlp/otlp-proto-examples-trace.json", auto(), 2, 0),
        // The same span exported twice: two spans, the copy renamed.
        ("otlp/jaegerui-otlp2jaeger-in.json", auto(), 4, 0),
        ("otlp/jaegerui-otlp2jaeger-in-error.json", auto(), 2, 0),
        ("otlp/jaegerui-otlp2jaeger-multi-in.jsonl", auto(), 8, 0),
        (
            "jaeger/jaeger-analytics-java-ui-trace.api-response.json",
            auto(),
            4,
            0,
        ),
        (
            "jaeger/jaegerui-petclinic-spanAmongEachOtherGroupedAndSpans.json",
            auto(),
            34,
            0,
        ),
        (
            "jaeger/jaegerui-genaiTestTrace.handcrafted.json",
            auto(),
            114,
            1,
        ),
        ("zipkin/yelp.json", auto(), 33, 0),
        ("zipkin/messaging2.json", auto(), 22, 0),
        ("zipkin/messaging-kafka.json", auto(), 56, 3),
        ("zipkin/skew.json", auto(), 8, 0),
        // 10 records: five X (10), s s f f (4), t (2).
        ("chrome/catapult-flow_simple.json", auto(), 16, 0),
        // 36 records, 2 of them M; 3 X; one E closes nothing.
        ("chrome/catapult-simple_trace.json", auto(), 38, 0),
        // 35 records, one F matches no S.
        ("chrome/catapult-async_begin_end.json", auto(), 34, 0),
        // 20 records, one e matches no b.
        ("chrome/catapult-nestable_async.json", auto(), 19, 0),
        (
            "chrome/edge-cases-speedscope/invalid-x-nesting.json",
            auto(),
            4,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/mismatched-name.json",
            auto(),
            2,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/multiprocess.json",
            auto(),
            16,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/not-enough-end-events.json",
            auto(),
            4,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/only-begin-events.json",
            auto(),
            3,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/out-of-order.json",
            auto(),
            6,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/simple-object.json",
            auto(),
            6,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/simple-partial.json",
            auto(),
            8,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/simple-partial-trailing-comma.json",
            auto(),
            8,
            0,
        ),
        // gamma and delta end nothing: beta and alpha end later by name.
        (
            "chrome/edge-cases-speedscope/too-many-end-events.json",
            auto(),
            4,
            0,
        ),
        (
            "chrome/edge-cases-speedscope/zero-duration-events.json",
            auto(),
            8,
            0,
        ),
        ("std/hand_hb_simple_race.std", auto(), 4, 0),
        ("std/hand_lock_protected.std", auto(), 9, 0),
        ("std/hand_fork_join_ordered.std", auto(), 5, 0),
        ("std/hand_repeat_race.std", auto(), 6, 0),
        ("shiviz/simpledb.log", auto(), 509, 0),
        (
            "shiviz/reliable-broadcast.log",
            shiviz(Some(RELIABLE_BROADCAST_REGEX), None),
            116,
            0,
        ),
        (
            "shiviz/multiple-comparison.log",
            shiviz(None, Some("^=== (?<trace>.*) ===$")),
            40,
            0,
        ),
    ]
}

#[test]
fn every_sample_imports_with_the_events_and_errors_it_contains() {
    let Some(dir) = samples() else {
        return;
    };
    let listed: BTreeSet<String> = sample_table().iter().map(|s| s.0.to_string()).collect();
    for (name, options, events, errors) in sample_table() {
        let summary = json(&analyze_files(&[dir.join(name)], &options))["summary"].clone();
        assert_eq!(summary["events"], events, "{name}: events");
        assert_eq!(summary["errors"], errors, "{name}: errors");
        assert_eq!(summary["bad_lines"], 0, "{name}: bad lines");
    }
    // Every sample file is in the table.
    for format in ["otlp", "jaeger", "zipkin", "chrome", "std", "shiviz"] {
        for entry in walk(&dir.join(format)) {
            let relative = entry.strip_prefix(&dir).unwrap().display().to_string();
            assert!(listed.contains(&relative), "{relative} is not in the table");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn each_sample_is_told_by_its_content() {
    let Some(dir) = samples() else {
        return;
    };
    for (name, options, _, _) in sample_table() {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let expected = match name.split('/').next().unwrap() {
            "otlp" => InputFormat::Otlp,
            "jaeger" => InputFormat::Jaeger,
            "zipkin" => InputFormat::Zipkin,
            "chrome" => InputFormat::Chrome,
            "std" => InputFormat::Std,
            _ => InputFormat::Shiviz,
        };
        let given_regex = options.shiviz_regex.is_some();
        assert_eq!(
            import::detect::detect(&bytes, given_regex),
            expected,
            "{name}"
        );
    }
}

// ---- RAPID's HB on STD traces ----

/// RAPID's HB analysis, written independently of Causeway's engine: one
/// vector clock per thread ticking at every event, fork and join and lock
/// release/acquire joining clocks; an event is racy when an earlier
/// conflicting access of another thread does not happen before it.
/// Returns (racy events, racy lines).
fn rapid_hb(trace: &str) -> (usize, usize) {
    type Clock = HashMap<String, u64>;
    let leq = |a: &Clock, b: &Clock| a.iter().all(|(k, v)| b.get(k).copied().unwrap_or(0) >= *v);
    let mut threads: HashMap<String, Clock> = HashMap::new();
    let mut locks: HashMap<String, Clock> = HashMap::new();
    // Accesses so far: (thread, variable, is write, clock).
    let mut accesses: Vec<(String, String, bool, Clock)> = Vec::new();
    let (mut racy, mut lines) = (0, BTreeSet::new());
    for line in trace.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.trim().split('|').collect();
        let (thread, op, location) = (fields[0], fields[1], fields.get(2).copied().unwrap_or(""));
        let (name, arg) = op.split_once('(').unwrap_or((op, ")"));
        let arg = arg.trim_end_matches(')').to_string();
        let mut clock = threads.remove(thread).unwrap_or_default();
        *clock.entry(thread.to_string()).or_default() += 1;
        match name {
            "acq" => {
                if let Some(l) = locks.get(&arg) {
                    for (k, v) in l {
                        let e = clock.entry(k.clone()).or_default();
                        *e = (*e).max(*v);
                    }
                }
            }
            "rel" => {
                locks.insert(arg.clone(), clock.clone());
            }
            "fork" => {
                let mut child = threads.remove(&arg).unwrap_or_default();
                for (k, v) in &clock {
                    let e = child.entry(k.clone()).or_default();
                    *e = (*e).max(*v);
                }
                threads.insert(arg.clone(), child);
            }
            "join" => {
                if let Some(child) = threads.get(&arg) {
                    for (k, v) in child.clone() {
                        let e = clock.entry(k).or_default();
                        *e = (*e).max(v);
                    }
                }
            }
            "r" | "w" => {
                let write = name == "w";
                let races = accesses.iter().any(|(t, v, w, c)| {
                    t != thread && *v == arg && (*w || write) && !leq(c, &clock)
                });
                if races {
                    racy += 1;
                    lines.insert(location.to_string());
                }
                accesses.push((thread.to_string(), arg.clone(), write, clock.clone()));
            }
            _ => {}
        }
        threads.insert(thread.to_string(), clock);
    }
    (racy, lines.len())
}

fn causeway_racy_events(name: &str, trace: &str) -> u64 {
    let rec = ingest::load_bytes_with(
        vec![(name.to_string(), trace.as_bytes().to_vec())],
        &options(InputFormat::Std),
    )
    .unwrap();
    analysis::analyze(&rec, None).races.racy_events
}

#[test]
fn std_samples_give_rapids_hb_counts() {
    let Some(dir) = samples() else {
        return;
    };
    // (file, racy events, racy lines) as RAPID's HB engine prints them.
    let expected = [
        ("hand_hb_simple_race.std", 1, 1),
        ("hand_lock_protected.std", 0, 0),
        ("hand_fork_join_ordered.std", 0, 0),
        ("hand_repeat_race.std", 5, 2),
    ];
    for (name, events, lines) in expected {
        let trace = std::fs::read_to_string(dir.join("std").join(name)).unwrap();
        assert_eq!(rapid_hb(&trace), (events, lines), "oracle on {name}");
        assert_eq!(causeway_racy_events(name, &trace), events as u64, "{name}");
        let summary = json(&analyze_files(
            &[dir.join("std").join(name)],
            &ImportOptions::default(),
        ))["summary"]
            .clone();
        assert_eq!(
            summary["racy_events"], events,
            "{name} through auto detection"
        );
    }
}

/// A well-formed random STD trace: T0 forks the other threads before they
/// run and joins some of them after they are done; locks are taken and
/// given back in pairs.
fn std_trace() -> impl Strategy<Value = String> {
    // (thread, variable (and lock), write?, location, lock action: 0 take,
    // 1 give back)
    let op = (0u8..4, 0u8..3, 0u8..2, 0u8..6, 0u8..3);
    (
        2usize..5,
        prop::collection::vec(op, 1..40),
        prop::collection::vec(any::<bool>(), 4),
    )
        .prop_map(|(threads, ops, joins)| {
            let mut lines = Vec::new();
            for t in 1..threads {
                lines.push(format!("T0|fork(T{t})|{}", 90 + t));
            }
            let mut held: Vec<Option<u8>> = vec![None; threads];
            for (thread, var, write, loc, lock) in ops {
                let t = usize::from(thread) % threads;
                let location = u32::from(loc) + 10 * u32::from(var);
                let free = !held.contains(&Some(var));
                match (held[t], lock) {
                    (None, 0) if free => {
                        lines.push(format!("T{t}|acq(L{var})|{}", 50 + t));
                        held[t] = Some(var);
                    }
                    (Some(l), 1) => {
                        lines.push(format!("T{t}|rel(L{l})|{}", 60 + t));
                        held[t] = None;
                    }
                    _ => {}
                }
                let op = if write == 1 { "w" } else { "r" };
                lines.push(format!("T{t}|{op}(V{var})|{location}"));
            }
            for (t, lock) in held.iter().enumerate() {
                if let Some(l) = lock {
                    lines.push(format!("T{t}|rel(L{l})|{}", 60 + t));
                }
            }
            for t in 1..threads {
                if joins[t % joins.len()] {
                    lines.push(format!("T0|join(T{t})|{}", 80 + t));
                    lines.push(format!("T0|r(V{})|{}", t % 3, 70 + t));
                }
            }
            lines.join("\n") + "\n"
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn random_std_traces_give_rapids_racy_event_count(trace in std_trace()) {
        let (racy, _) = rapid_hb(&trace);
        prop_assert_eq!(causeway_racy_events("random.std", &trace), racy as u64, "{}", trace);
    }
}

// ---- The project's own fixtures ----

/// (fixture, options, events, errors, the last id of each error chain).
fn fixture_table() -> Vec<(&'static str, ImportOptions, u64, u64)> {
    vec![
        (
            "otlp-checkout-failure.json",
            ImportOptions::default(),
            14,
            1,
        ),
        ("otlp-file-exporter.jsonl", ImportOptions::default(), 4, 1),
        ("jaeger-orders.json", ImportOptions::default(), 10, 2),
        ("zipkin-shared-rpc.json", ImportOptions::default(), 9, 1),
        ("chrome-render.json", ImportOptions::default(), 15, 0),
        ("std-bank.std", ImportOptions::default(), 12, 0),
        ("shiviz-ping.log", ImportOptions::default(), 5, 0),
    ]
}

#[test]
fn fixtures_import_with_their_counts_and_every_fixture_is_listed() {
    let listed: BTreeSet<&str> = fixture_table().iter().map(|f| f.0).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixture("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        on_disk,
        listed
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>()
    );
    for (name, options, events, errors) in fixture_table() {
        let summary = json(&analyze_files(&[fixture(name)], &options))["summary"].clone();
        assert_eq!(summary["events"], events, "{name}");
        assert_eq!(summary["errors"], errors, "{name}");
        assert_eq!(summary["bad_lines"], 0, "{name}");
    }
}

#[test]
fn converted_fixtures_match_their_snapshots() {
    for (name, options, _, _) in fixture_table() {
        let converted = import::convert_file(&fixture(name), &options).unwrap();
        // Ids of index-based formats carry the file name as given: use a
        // stable one.
        let text = String::from_utf8(converted.text)
            .unwrap()
            .replace(&fixture(name).display().to_string(), name);
        insta::assert_snapshot!(format!("converted-{name}"), text);
    }
}

/// The error chains of a report: (error event, chain).
fn chains(report: &Value) -> Vec<(String, Vec<String>)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let chain = e["chain"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_str().unwrap().to_string())
                .collect();
            (e["event_id"].as_str().unwrap().to_string(), chain)
        })
        .collect()
}

#[test]
fn error_chains_end_at_the_deepest_failing_span() {
    // The checkout failed at its root, in `charge` below it and in the
    // database call below that, which recorded the exception: one failure,
    // explained from the request down to the database call.
    let trace = "span:4bf92f3577b34da6a3ce929d0e0e4736";
    let report = json(&analyze_files(
        &[fixture("otlp-checkout-failure.json")],
        &ImportOptions::default(),
    ));
    let [(error, chain)] = chains(&report).try_into().unwrap();
    assert_eq!(error, format!("{trace}:3c4d5e6f708192a3:event:0"));
    assert_eq!(
        chain,
        [
            format!("{trace}:00f067aa0ba902b7"),
            format!("{trace}:2b3c4d5e6f708192"),
            format!("{trace}:3c4d5e6f708192a3"),
            error.clone(),
        ]
    );
    assert_eq!(
        report["errors"][0]["error_type"],
        "psycopg.errors.UniqueViolation"
    );

    // Zipkin: the failed query under the shared server half of the RPC.
    let report = json(&analyze_files(
        &[fixture("zipkin-shared-rpc.json")],
        &ImportOptions::default(),
    ));
    let [(error, chain)] = chains(&report).try_into().unwrap();
    let trace = "span:000000000000000086154a4ba6e91385";
    assert_eq!(error, format!("{trace}:5b4185666d50f68b:end"));
    assert_eq!(
        chain,
        [
            format!("{trace}:86154a4ba6e91385"),
            format!("{trace}:4d1e00c0db9010db"),
            format!("{trace}:4d1e00c0db9010db:shared"),
            format!("{trace}:5b4185666d50f68b"),
            error.clone(),
        ]
    );

    // Jaeger: the error log of the failed child; the root did not fail.
    let report = json(&analyze_files(
        &[fixture("jaeger-orders.json")],
        &ImportOptions::default(),
    ));
    let errors = chains(&report);
    assert!(errors[0].0.ends_with("5e8b2d41c09f7a63:event:0"));
    assert_eq!(errors[0].1.len(), 3);
}

#[test]
fn a_sample_error_chain_ends_at_its_failing_span() {
    let Some(dir) = samples() else {
        return;
    };
    let path = dir.join("jaeger/jaegerui-genaiTestTrace.handcrafted.json");
    let report = json(&analyze_files(&[path], &ImportOptions::default()));
    let [(error, chain)] = chains(&report).try_into().unwrap();
    assert!(error.ends_with(":0000000000000011:end"), "{error}");
    assert!(chain.len() > 2);
    assert_eq!(report["errors"][0]["error_type"], "HTTP 500");
}

/// The parts of a report that must not depend on how the input was given.
fn comparable(mut report: Value) -> Value {
    let object = report.as_object_mut().unwrap();
    object.remove("inputs");
    object.remove("diagnostics");
    object["summary"]
        .as_object_mut()
        .unwrap()
        .remove("warnings");
    // Findings and their accesses name the input line they came from,
    // which converting moves.
    fn drop_inputs(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("input");
                map.values_mut().for_each(drop_inputs);
            }
            Value::Array(items) => items.iter_mut().for_each(drop_inputs),
            _ => {}
        }
    }
    drop_inputs(&mut report);
    report
}

#[test]
fn converted_output_analyzes_exactly_as_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs: Vec<(PathBuf, ImportOptions)> = fixture_table()
        .into_iter()
        .map(|(name, options, _, _)| (fixture(name), options))
        .collect();
    if let Some(dir) = samples() {
        inputs.extend(
            sample_table()
                .into_iter()
                .map(|(name, options, _, _)| (dir.join(name), options)),
        );
    }
    for (path, options) in inputs {
        let converted = import::convert_file(&path, &options).unwrap();
        let out = dir.path().join("converted.jsonl");
        std::fs::write(&out, &converted.text).unwrap();
        let original = comparable(json(&analyze_files(std::slice::from_ref(&path), &options)));
        let again = comparable(json(&analyze_files(&[out], &ImportOptions::default())));
        assert_eq!(original, again, "{}", path.display());
    }
}

// ---- Malformed input ----

#[test]
fn malformed_input_is_reported_at_its_line_and_path() {
    let cases: Vec<(InputFormat, &str, u32, &str)> = vec![
        (
            InputFormat::Otlp,
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[\n{\"traceId\":\"aa\",\"spanId\":\"bb\",\"startTimeUnixNano\":\"1\"},\n{\"traceId\":\"aa\",\"spanId\":\"cc\",\"startTimeUnixNano\":{\"x\":1}}]}]}]}",
            3,
            "resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano: expected a non-negative integer, found an object; span skipped",
        ),
        (
            InputFormat::Otlp,
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\",\"spanId\":\"bb\",\"startTimeUnixNano\":\"1\"}]}]}]}",
            1,
            "spans[0].traceId: trace id `zz` is neither hex",
        ),
        (
            InputFormat::Otlp,
            "{\"resourceSpans\":[]}\nnot json\n",
            2,
            "not json",
        ),
        (
            InputFormat::Jaeger,
            "{\"data\":[{\"spans\":[\n{\"traceID\":\"a1\",\"spanID\":\"b1\"}]}]}",
            2,
            "data[0].spans[0]: missing field `startTime`; span skipped",
        ),
        (InputFormat::Jaeger, "{\"data\": [", 1, "not json at 1:10"),
        (
            InputFormat::Zipkin,
            "[{\"traceId\":\"a1\",\"id\":\"b1\",\"timestamp\":1},\n {\"traceId\":\"a1\",\"timestamp\":2}]",
            2,
            "[1]: missing or empty field `id`; span skipped",
        ),
        (
            InputFormat::Chrome,
            "[{\"ph\":\"B\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"a\"},\n{\"ph\":\"B\",\"pid\":1,\"tid\":1,\"name\":\"b\"}]",
            2,
            "traceEvents[1]: missing field `ts`; event skipped",
        ),
        (
            InputFormat::Std,
            "T0|w(x)|1\nT1|frob(x)|2\n",
            2,
            "unknown operation `frob`",
        ),
        (InputFormat::Std, "T0|w(x)|1\nT1|w(x|2\n", 2, "missing `)`"),
        (
            InputFormat::Shiviz,
            "a\nh {\"h\":1}\nb\nh {\"h\":\"two\"}\n",
            3,
            "the clock of host `h` gives `h` the value \"two\"",
        ),
    ];
    for (format, text, line, message) in cases {
        let foreign = format.foreign().unwrap();
        let imported = import::import(foreign, text.as_bytes(), "bad", &options(format));
        let found = imported
            .notes
            .iter()
            .find(|n| n.message.contains(message))
            .unwrap_or_else(|| panic!("{format:?}: no note `{message}` in {:?}", imported.notes));
        assert_eq!(found.line, line, "{format:?}: {message}");
    }
}

#[test]
fn a_file_with_nothing_to_import_is_an_error_that_names_the_format() {
    let error = ingest::load_bytes_with(
        vec![("t.json".into(), b"[{\"traceId\": 5}]".to_vec())],
        &options(InputFormat::Zipkin),
    )
    .err()
    .unwrap();
    assert_eq!(
        error.to_string(),
        "t.json: no event could be imported from this zipkin file (1 errors)"
    );
}

// ---- Never a panic ----

const FORMATS: [InputFormat; 6] = [
    InputFormat::Otlp,
    InputFormat::Jaeger,
    InputFormat::Zipkin,
    InputFormat::Chrome,
    InputFormat::Std,
    InputFormat::Shiviz,
];

fn fixture_bytes() -> Vec<Vec<u8>> {
    fixture_table()
        .iter()
        .map(|(name, _, _, _)| std::fs::read(fixture(name)).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_bytes_make_an_importer_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for format in FORMATS {
            let _ = import::import(format.foreign().unwrap(), &bytes, "fuzz", &options(format));
        }
    }

    #[test]
    fn no_damaged_fixture_makes_an_importer_panic(
        which in 0usize..7,
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut bytes = fixture_bytes().swap_remove(which);
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        for format in FORMATS {
            let imported = import::import(format.foreign().unwrap(), &bytes, "fuzz", &options(format));
            // Whatever was imported is v1 the reader accepts.
            let (text, _) = imported.to_jsonl();
            for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                prop_assert!(ingest::jsonl::parse_line(line).is_ok());
            }
        }
    }
}

#[test]
fn a_cut_compressed_export_keeps_what_was_decoded() {
    use std::io::Write;
    let plain = std::fs::read(fixture("otlp-file-exporter.jsonl")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    let mut gz = gz.finish().unwrap();
    gz.truncate(gz.len() - 40);
    let rec = ingest::load_bytes_with(vec![("cut.jsonl.gz".into(), gz)], &ImportOptions::default())
        .unwrap();
    assert_eq!(rec.events.len(), 2, "the first line's span");
    assert!(
        rec.diagnostics
            .iter()
            .any(|d| d.message.contains("ends early or is corrupt")),
        "{:?}",
        rec.diagnostics
    );
}
