//! Fixture scenarios run through the real binary.
//!
//! `fixtures/manifest.toml` writes down, for every trace in `fixtures/`, what it
//! is meant to show and what `causeway analyze <files> --format json` must report
//! for it: the exit code, the summary counts, the exact set of race groups, the
//! diagnostics on given lines and the causal chains of given errors. The
//! expected numbers were worked out by hand from the trace format rules, so a
//! mismatch is either an analyzer bug or a manifest bug, never something to
//! "fix" by copying the binary's output. This file also keeps the manifest and
//! the fixture directory in step (every trace is described, every description
//! has its trace), checks that each race's example pair names real accesses, and
//! that a gzip or zstd copy of a trace gives the same findings whatever its name.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    fixture: Vec<Fixture>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    file: Option<String>,
    files: Option<Vec<String>>,
    intent: String,
    exit_code: i32,
    events: u64,
    bad_lines: u64,
    traces: Option<u64>,
    races: u64,
    racy_events: u64,
    errors: u64,
    /// The codes of the report's anomalies, one per anomaly, sorted; none
    /// when left out (every rule fires on its fixture and on no other).
    #[serde(default)]
    anomalies: Vec<String>,
    #[serde(default)]
    race: Vec<ExpectedRace>,
    #[serde(default)]
    diagnostic: Vec<ExpectedDiagnostic>,
    #[serde(default)]
    error: Vec<ExpectedError>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedRace {
    service: Option<String>,
    variable: String,
    locations: [String; 2],
    racy_events: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedDiagnostic {
    /// Which of the fixture's files; defaults to its only file.
    file: Option<String>,
    line: u64,
    severity: String,
    contains: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    event_id: String,
    message: String,
    /// Ancestors of the error by `parent_id`, root first.
    parents: Vec<String>,
}

impl Fixture {
    fn files(&self) -> Vec<String> {
        match (&self.file, &self.files) {
            (Some(one), None) => vec![one.clone()],
            (None, Some(many)) => many.clone(),
            _ => panic!(
                "fixture {:?}: give exactly one of `file` and `files`",
                self.intent
            ),
        }
    }

    fn name(&self) -> String {
        self.files().join(" + ")
    }
}

/// A race group reduced to what the manifest pins down.
type RaceKey = (Option<String>, String, [String; 2], u64);

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures_dir() -> PathBuf {
    crate_root().join("fixtures")
}

fn load_manifest() -> Manifest {
    let path = fixtures_dir().join("manifest.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The trace's lines that parse as JSON objects, keyed by id (first occurrence wins,
/// as it does for a duplicate id).
fn events_by_id(files: &[String]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(fixtures_dir().join(file)).expect("fixture is readable");
        for line in text.lines() {
            let Ok(value) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if let Some(id) = value.get("id").and_then(Value::as_str) {
                out.entry(id.to_owned()).or_insert_with(|| value.clone());
            }
        }
    }
    out
}

/// The location string of an access, as the format defines it.
fn location_of(event: &Value) -> String {
    let meta = &event["metadata"];
    match (
        meta.get("file").and_then(Value::as_str),
        meta.get("line").and_then(Value::as_u64),
    ) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        _ => match meta.get("function").and_then(Value::as_str) {
            Some(function) => function.to_owned(),
            None => "<unknown>".to_owned(),
        },
    }
}

fn thread_of(event: &Value) -> (String, String) {
    let meta = &event["metadata"];
    let service = meta
        .get("service")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let thread = meta.get("thread").and_then(Value::as_str).unwrap_or("main");
    (service.to_owned(), thread.to_owned())
}

fn run_analyze(files: &[String]) -> (Option<i32>, String, String) {
    let paths: Vec<String> = files.iter().map(|f| format!("fixtures/{f}")).collect();
    let output = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .arg("analyze")
        .args(&paths)
        .args(["--format", "json"])
        .current_dir(crate_root())
        .output()
        .expect("the causeway binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Checks one fixture; returns every mismatch found (empty when it passes).
fn check_fixture(fx: &Fixture) -> Vec<String> {
    let files = fx.files();
    let mut problems = Vec::new();
    let (code, stdout, stderr) = run_analyze(&files);

    if code != Some(fx.exit_code) {
        problems.push(format!(
            "exit code: expected {}, got {code:?}",
            fx.exit_code
        ));
    }
    let report: Value = match serde_json::from_str(&stdout) {
        Ok(report) => report,
        // with nothing to analyze the binary may print only an error
        Err(_) if fx.exit_code == 2 && code == Some(2) => {
            if !files.iter().any(|f| stderr.contains(f.as_str())) {
                problems.push(format!(
                    "exit 2 without a report, and stderr does not name the file:\n{stderr}"
                ));
            }
            return problems;
        }
        Err(e) => {
            problems.push(format!(
                "stdout is not a JSON report ({e}); stderr:\n{stderr}"
            ));
            return problems;
        }
    };
    if report["version"] != 1 {
        problems.push(format!("version: expected 1, got {}", report["version"]));
    }

    let summary = &report["summary"];
    let mut expect_count = |key: &str, want: u64| {
        if summary[key].as_u64() != Some(want) {
            problems.push(format!(
                "summary.{key}: expected {want}, got {}",
                summary[key]
            ));
        }
    };
    expect_count("events", fx.events);
    expect_count("bad_lines", fx.bad_lines);
    expect_count("races", fx.races);
    expect_count("racy_events", fx.racy_events);
    expect_count("errors", fx.errors);
    if let Some(traces) = fx.traces {
        expect_count("traces", traces);
    }

    check_races(fx, &files, &report, &mut problems);
    check_diagnostics(fx, &files, &report, &mut problems);
    check_errors(fx, &report, &mut problems);
    let mut codes: Vec<String> = report["anomalies"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|a| a["code"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default();
    codes.sort();
    if codes != fx.anomalies {
        problems.push(format!(
            "anomalies: expected {:?}, got {codes:?}",
            fx.anomalies
        ));
    }
    problems
}

fn check_races(fx: &Fixture, files: &[String], report: &Value, problems: &mut Vec<String>) {
    let Some(races) = report["races"].as_array() else {
        problems.push("`races` is not an array".to_owned());
        return;
    };
    if races.len() as u64 != fx.races {
        problems.push(format!(
            "races: {} groups listed, expected {}",
            races.len(),
            fx.races
        ));
    }
    let events = events_by_id(files);
    let mut actual = BTreeSet::<RaceKey>::new();
    for race in races {
        let service = race["service"].as_str().map(str::to_owned);
        if !race["service"].is_null() && service.is_none() {
            problems.push(format!("race service must be a string or null: {race}"));
        }
        let variable = race["variable"].as_str().unwrap_or_default().to_owned();
        let locations: Vec<String> = race["locations"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|s| s.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let [a, b] = <[String; 2]>::try_from(locations.clone()).unwrap_or_else(|_| {
            problems.push(format!("race locations must be two strings: {race}"));
            [String::new(), String::new()]
        });
        if a > b {
            problems.push(format!("race locations are not sorted: {locations:?}"));
        }
        let racy = race["racy_events"].as_u64().unwrap_or(u64::MAX);
        check_example(race, &variable, &locations, &events, problems);
        actual.insert((service, variable, [a, b], racy));
    }
    if fx.race.is_empty() {
        return;
    }
    let expected: BTreeSet<RaceKey> = fx
        .race
        .iter()
        .map(|r| {
            (
                r.service.clone(),
                r.variable.clone(),
                r.locations.clone(),
                r.racy_events,
            )
        })
        .collect();
    for missing in expected.difference(&actual) {
        problems.push(format!("race group missing or different: {missing:?}"));
    }
    for extra in actual.difference(&expected) {
        problems.push(format!("race group not expected: {extra:?}"));
    }
}

/// The example pair must be two accesses of the fixture, on the group's variable,
/// at the group's two locations, from two different (service, thread).
fn check_example(
    race: &Value,
    variable: &str,
    locations: &[String],
    events: &BTreeMap<String, Value>,
    problems: &mut Vec<String>,
) {
    let mut found = Vec::new();
    for side in ["first", "second"] {
        let id = race["example"][side].as_str();
        match id.and_then(|id| events.get(id)) {
            Some(event) => found.push(event),
            None => problems.push(format!(
                "race example.{side} {:?} is no event of the fixture",
                race["example"][side]
            )),
        }
    }
    let [first, second] = found[..] else { return };
    for event in [first, second] {
        let kind = event["kind"].as_str().unwrap_or_default();
        if kind != "state_read" && kind != "state_write" {
            problems.push(format!(
                "race example {} is a {kind}, not an access",
                event["id"]
            ));
        }
        if event["metadata"]["variable"].as_str() != Some(variable) {
            problems.push(format!(
                "race example {} is not an access of {variable}",
                event["id"]
            ));
        }
    }
    let mut example_locations = vec![location_of(first), location_of(second)];
    example_locations.sort();
    if example_locations != locations {
        problems.push(format!(
            "race example is at {example_locations:?}, the group at {locations:?}"
        ));
    }
    if thread_of(first) == thread_of(second) {
        problems.push(format!(
            "race example {} and {} share a thread",
            first["id"], second["id"]
        ));
    }
}

fn check_diagnostics(fx: &Fixture, files: &[String], report: &Value, problems: &mut Vec<String>) {
    let diagnostics = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if fx.diagnostic.is_empty() {
        for d in &diagnostics {
            if d["severity"] == "error" {
                problems.push(format!(
                    "unexpected error diagnostic on a fixture without bad lines: {d}"
                ));
            }
        }
    }
    for want in &fx.diagnostic {
        let file = match (&want.file, files) {
            (Some(file), _) => file.clone(),
            (None, [only]) => only.clone(),
            (None, _) => panic!(
                "{}: a diagnostic of a multi-file fixture must name its file",
                fx.name()
            ),
        };
        let hit = diagnostics.iter().any(|d| {
            d["line"].as_u64() == Some(want.line)
                && d["severity"].as_str() == Some(want.severity.as_str())
                && d["file"].as_str().is_some_and(|f| f.ends_with(&file))
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.to_lowercase().contains(&want.contains))
        });
        if !hit {
            let near: Vec<&Value> = diagnostics
                .iter()
                .filter(|d| d["line"].as_u64() == Some(want.line))
                .collect();
            problems.push(format!(
                "no {} diagnostic at {file}:{} containing {:?}; diagnostics on that line: {near:?}",
                want.severity, want.line, want.contains
            ));
        }
    }
}

fn check_errors(fx: &Fixture, report: &Value, problems: &mut Vec<String>) {
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    if errors.len() as u64 != fx.errors {
        problems.push(format!(
            "errors list has {} entries, expected {}",
            errors.len(),
            fx.errors
        ));
    }
    for want in &fx.error {
        let Some(entry) = errors
            .iter()
            .find(|e| e["event_id"] == want.event_id.as_str())
        else {
            problems.push(format!("no errors entry for event {}", want.event_id));
            continue;
        };
        if !entry["message"]
            .as_str()
            .is_some_and(|m| m.contains(&want.message))
        {
            problems.push(format!(
                "error {} message {} lacks {:?}",
                want.event_id, entry["message"], want.message
            ));
        }
        let chain: Vec<&str> = entry["chain"]
            .as_array()
            .map(|c| c.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if chain.last() != Some(&want.event_id.as_str()) {
            problems.push(format!(
                "error {} chain does not end at the error: {chain:?}",
                want.event_id
            ));
        }
        if chain.first().copied() != want.parents.first().map(String::as_str) {
            problems.push(format!(
                "error {} chain does not start at the root {:?}: {chain:?}",
                want.event_id,
                want.parents.first()
            ));
        }
        let mut rest = chain.iter();
        if !want.parents.iter().all(|p| rest.any(|c| c == p)) {
            problems.push(format!(
                "error {} chain {chain:?} does not pass through the parents {:?} in order",
                want.event_id, want.parents
            ));
        }
    }
}

#[test]
fn every_fixture_gives_its_manifest_outcome() {
    let manifest = load_manifest();
    let mut failures = String::new();
    for fx in &manifest.fixture {
        let problems = check_fixture(fx);
        if !problems.is_empty() {
            let _ = writeln!(failures, "\n{} ({}):", fx.name(), fx.intent);
            for p in problems {
                let _ = writeln!(failures, "  - {p}");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures disagree with fixtures/manifest.toml:{failures}"
    );
}

#[test]
fn manifest_and_fixture_directory_agree() {
    let manifest = load_manifest();
    let named: Vec<String> = manifest.fixture.iter().flat_map(Fixture::files).collect();
    let unique: BTreeSet<&String> = named.iter().collect();
    assert_eq!(
        unique.len(),
        named.len(),
        "a fixture file is named twice in the manifest"
    );

    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ is readable")
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".jsonl"))
        .collect();
    let named: BTreeSet<String> = named.into_iter().collect();
    let undescribed: Vec<_> = on_disk.difference(&named).collect();
    let missing: Vec<_> = named.difference(&on_disk).collect();
    assert!(
        undescribed.is_empty(),
        "fixtures without a manifest entry: {undescribed:?}"
    );
    assert!(
        missing.is_empty(),
        "manifest entries without a fixture file: {missing:?}"
    );
}

#[test]
fn manifest_entries_are_consistent() {
    let manifest = load_manifest();
    for fx in &manifest.fixture {
        let name = fx.name();
        assert!(!fx.intent.trim().is_empty(), "{name}: intent is empty");
        let want_exit = if fx.events == 0 {
            2
        } else if fx.races > 0 {
            1
        } else {
            0
        };
        assert_eq!(
            fx.exit_code, want_exit,
            "{name}: exit_code does not follow from events and races"
        );
        assert!(
            fx.racy_events <= fx.events,
            "{name}: more racy events than events"
        );
        assert_eq!(
            fx.races == 0,
            fx.racy_events == 0,
            "{name}: races and racy_events disagree"
        );
        if !fx.race.is_empty() {
            assert_eq!(
                fx.race.len() as u64,
                fx.races,
                "{name}: [[fixture.race]] count differs from races"
            );
        }
        for race in &fx.race {
            assert!(
                race.locations[0] <= race.locations[1],
                "{name}: race locations must be sorted"
            );
            assert!(
                race.racy_events >= 1,
                "{name}: a race group has at least one racy event"
            );
        }
        for d in &fx.diagnostic {
            assert!(
                d.severity == "error" || d.severity == "warning",
                "{name}: severity must be error or warning, not {:?}",
                d.severity
            );
            assert_eq!(
                d.contains,
                d.contains.to_lowercase(),
                "{name}: `contains` must be lowercase"
            );
        }
        if !fx.diagnostic.is_empty() {
            let skipped = fx
                .diagnostic
                .iter()
                .filter(|d| d.severity == "error" || d.contains == "truncated");
            assert_eq!(
                skipped.count() as u64,
                fx.bad_lines,
                "{name}: bad_lines differs from the skipped lines listed"
            );
        }
    }
}

/// Exit code, summary and race groups of one run: what must not depend on how
/// the trace's bytes were stored.
fn findings(path: &Path) -> (Option<i32>, Value, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .arg("analyze")
        .arg(path)
        .args(["--format", "json"])
        .output()
        .expect("the causeway binary runs");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: no JSON report ({e}): {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut races = report["races"].clone();
    for race in races.as_array_mut().into_iter().flatten() {
        // keep what identifies the group, drop anything that might quote the path
        let keep = ["service", "variable", "locations", "racy_events", "example"];
        race.as_object_mut()
            .expect("a race is an object")
            .retain(|key, _| keep.contains(&key.as_str()));
    }
    (output.status.code(), report["summary"].clone(), races)
}

#[test]
fn compressed_traces_are_recognized_by_their_bytes_not_their_name() {
    use std::io::Write as _;
    let plain = fixtures_dir().join("demo-bank.jsonl");
    let bytes = std::fs::read(&plain).expect("demo-bank.jsonl is readable");
    let dir = tempfile::tempdir().expect("a temporary directory");

    // a gzip file named like plain text, and a zstd file named like gzip
    let gzip_path = dir.path().join("demo-bank.jsonl");
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&bytes).expect("gzip compresses");
    std::fs::write(&gzip_path, gzip.finish().expect("gzip finishes")).expect("write gzip");
    let zstd_path = dir.path().join("demo-bank.jsonl.gz");
    let zstd_bytes = zstd::encode_all(&bytes[..], 3).expect("zstd compresses");
    std::fs::write(&zstd_path, zstd_bytes).expect("write zstd");

    let expected = findings(&plain);
    assert_eq!(expected.0, Some(1), "the plain demo has races");
    assert_eq!(
        findings(&gzip_path),
        expected,
        "gzip stored under a .jsonl name"
    );
    assert_eq!(
        findings(&zstd_path),
        expected,
        "zstd stored under a .gz name"
    );
}
