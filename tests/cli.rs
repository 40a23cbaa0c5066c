//! The command line through the real binary: exit codes (0 clean, 1
//! findings, 2 could not analyze), stdout and stderr, `--output`, `--strict`,
//! `--fail-on`, compressed input, colour, broken pipes, `validate` and
//! `--version`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn causeway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

fn temp_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const CLEAN_EVENT: &str = r#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_write","metadata":{"variable":"x","file":"a.py","line":1}}"#;

#[test]
fn a_race_exits_1_and_explains_itself() {
    let out = causeway(&["analyze", "fixtures/demo-bank.jsonl"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("error[data-race]"), "{text}");
    assert!(text.contains("help:"), "{text}");
    assert!(text.contains("racing write"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn a_clean_trace_exits_0() {
    let out = causeway(&["analyze", "fixtures/clean-lock-protected.jsonl"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("no data races"));
}

#[test]
fn fail_on_sets_the_threshold() {
    let racy = "fixtures/demo-bank.jsonl";
    assert_eq!(code(&causeway(&["analyze", racy, "--fail-on", "never"])), 0);
    assert_eq!(code(&causeway(&["analyze", racy, "--fail-on", "race"])), 1);

    let dir = tempfile::tempdir().unwrap();
    let error_only = temp_file(
        dir.path(),
        "error.jsonl",
        br#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"error","metadata":{"message":"boom"}}
"#,
    );
    let error_only = error_only.to_str().unwrap();
    assert_eq!(
        code(&causeway(&["analyze", error_only])),
        0,
        "errors alone do not fail by default"
    );
    assert_eq!(
        code(&causeway(&["analyze", error_only, "--fail-on", "error"])),
        1
    );
    assert_eq!(
        code(&causeway(&["analyze", racy, "--fail-on", "error"])),
        1,
        "races fail at the error level too"
    );
}

#[test]
fn bad_lines_are_reported_and_strict_makes_them_fatal() {
    let out = causeway(&["analyze", "fixtures/bad-input.jsonl", "--format", "json"]);
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["summary"]["bad_lines"].as_u64().unwrap() > 0);

    let strict = causeway(&["analyze", "fixtures/bad-input.jsonl", "--strict"]);
    assert_eq!(code(&strict), 2);
    assert!(stderr(&strict).contains("--strict"), "{}", stderr(&strict));
    assert!(stderr(&strict).contains("hint:"));
}

#[test]
fn unusable_input_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let empty = temp_file(dir.path(), "empty.jsonl", b"");
    let blank = temp_file(dir.path(), "blank.jsonl", b"\n  \n");
    let garbage = temp_file(dir.path(), "garbage.jsonl", b"not json\n[1]\n");
    let cases = [
        (empty.to_str().unwrap(), "the file is empty"),
        (blank.to_str().unwrap(), "the file is empty"),
        (
            garbage.to_str().unwrap(),
            "no line could be used (2 bad lines)",
        ),
        ("does/not/exist.jsonl", "cannot read does/not/exist.jsonl"),
    ];
    for (path, message) in cases {
        let out = causeway(&["analyze", path]);
        assert_eq!(code(&out), 2, "{path}");
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
        assert!(stderr(&out).contains(message), "{path}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(code(&causeway(&[])), 2);
    assert_eq!(code(&causeway(&["analyze"])), 2);
    assert_eq!(
        code(&causeway(&["analyze", "x.jsonl", "--format", "yaml"])),
        2
    );
}

#[test]
fn version_is_printed() {
    let out = causeway(&["--version"]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        stdout(&out).trim(),
        format!("causeway {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn output_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let out = causeway(&[
        "analyze",
        "fixtures/demo-bank.jsonl",
        "--format",
        "json",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(report["version"], 1);

    let unwritable = causeway(&[
        "analyze",
        "fixtures/demo-bank.jsonl",
        "--output",
        "/nonexistent/dir/r.txt",
    ]);
    assert_eq!(code(&unwritable), 2);
    assert!(stderr(&unwritable).contains("cannot write the report to /nonexistent/dir/r.txt"));
}

#[test]
fn json_reports_are_byte_identical_across_runs() {
    let args = ["analyze", "fixtures/demo-bank.jsonl", "--format", "json"];
    let first = causeway(&args);
    for _ in 0..3 {
        assert_eq!(causeway(&args).stdout, first.stdout);
    }
}

#[test]
fn gzip_and_zstd_inputs_are_read_by_magic_bytes() {
    let plain = std::fs::read("fixtures/demo-bank.jsonl").unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::stream::encode_all(&plain[..], 3).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let summaries: Vec<serde_json::Value> = [
        temp_file(dir.path(), "plain.jsonl", &plain),
        // Names that lie about the content: detection is by magic bytes.
        temp_file(dir.path(), "gzipped.jsonl", &gz),
        temp_file(dir.path(), "zstd.json.gz", &zst),
    ]
    .iter()
    .map(|path| {
        let out = causeway(&["analyze", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["summary"].clone()
    })
    .collect();
    assert_eq!(summaries[0], summaries[1]);
    assert_eq!(summaries[0], summaries[2]);
    assert!(summaries[0]["events"].as_u64().unwrap() > 0);
}

#[test]
fn colour_is_used_only_when_asked_for() {
    let coloured = causeway(&["analyze", "fixtures/demo-bank.jsonl", "--color", "always"]);
    assert!(stdout(&coloured).contains("\u{1b}["));
    let plain = causeway(&["analyze", "fixtures/demo-bank.jsonl", "--color", "never"]);
    assert!(!stdout(&plain).contains('\u{1b}'));
}

#[test]
fn control_characters_from_the_trace_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let evil = r#"{"id":"a\u001b]0;pwned\u0007","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_write","metadata":{"thread":"t1","variable":"x\u001b[31m","file":"a.py","line":1}}
{"id":"b","trace_id":"t","timestamp":"2026-11-26T10:00:01Z","kind":"state_write","metadata":{"thread":"t2","variable":"x\u001b[31m","file":"a.py","line":2}}
"#;
    let path = temp_file(dir.path(), "evil.jsonl", evil.as_bytes());
    let out = causeway(&["analyze", path.to_str().unwrap(), "--color", "never"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("\\u{1b}"), "{text}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // Enough races, each at its own pair of lines (one site each), that
    // the report overflows the pipe buffer.
    let mut trace = String::new();
    for i in 0..3000 {
        for (n, thread) in ["t1", "t2"].iter().enumerate() {
            let line = 2 * i + n + 1;
            trace.push_str(&format!(
                "{{\"id\":\"{i}-{n}\",\"trace_id\":\"t\",\"timestamp\":\"2026-11-26T10:00:00Z\",\"kind\":\"state_write\",\"metadata\":{{\"thread\":\"{thread}\",\"variable\":\"v{i}\",\"file\":\"a.py\",\"line\":{line}}}}}\n"
            ));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = temp_file(dir.path(), "many.jsonl", trace.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(["analyze", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .as_mut()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn validate_lists_problems_and_exits_1_on_bad_lines() {
    let bad = causeway(&["validate", "fixtures/bad-input.jsonl"]);
    assert_eq!(code(&bad), 1);
    let text = stdout(&bad);
    assert!(text.contains("fixtures/bad-input.jsonl:"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("error: ")), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let clean = temp_file(
        dir.path(),
        "clean.jsonl",
        format!("{CLEAN_EVENT}\n").as_bytes(),
    );
    let out = causeway(&["validate", clean.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("1 events, 0 bad lines"));
}

#[test]
fn several_files_form_one_recording() {
    let dir = tempfile::tempdir().unwrap();
    let a = temp_file(dir.path(), "a.jsonl", format!("{CLEAN_EVENT}\n").as_bytes());
    let b = temp_file(
        dir.path(),
        "b.jsonl",
        br#"{"id":"b","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_write","metadata":{"thread":"other","variable":"x","file":"b.py","line":1}}
"#,
    );
    let out = causeway(&[
        "analyze",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["events"], 2);
    assert_eq!(
        report["races"][0]["locations"],
        serde_json::json!(["a.py:1", "b.py:1"])
    );
    assert_eq!(report["inputs"].as_array().unwrap().len(), 2);
}

fn causeway_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("reports/junit")).unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let out = causeway(&[
        "analyze",
        "fixtures/demo-bank.jsonl",
        "--format",
        "github",
        "--output",
        &format!("sarif={}", at("reports/causeway.sarif")),
        "--output",
        &format!("junit={}", at("reports/junit/causeway.xml")),
        "--output",
        &format!("markdown={}", at("summary.md")),
        "-o",
        &format!("json={}", at("report.json")),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("::error file=bank/accounts.py,line=39,"));
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(at("reports/causeway.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(at("report.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["failing"], 2);
    let junit = std::fs::read_to_string(at("reports/junit/causeway.xml")).unwrap();
    assert!(
        // Two races, the error, and the demo's never-joined worker threads.
        junit.contains("<testsuites name=\"causeway\" tests=\"4\""),
        "{junit}"
    );
    let markdown = std::fs::read_to_string(at("summary.md")).unwrap();
    assert!(markdown.starts_with("## Causeway: ❌ 2 findings fail the build"));

    // A bare PATH still replaces standard output, and may sit beside
    // FORMAT=PATH outputs.
    let out = causeway(&[
        "analyze",
        "fixtures/demo-bank.jsonl",
        "--output",
        &at("report.txt"),
        "--output",
        &format!("sarif={}", at("second.sarif")),
    ]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert!(
        std::fs::read_to_string(at("report.txt"))
            .unwrap()
            .contains("error[data-race]")
    );
    assert!(Path::new(&at("second.sarif")).is_file());

    let bad = causeway(&["analyze", "fixtures/demo-bank.jsonl", "--output", "sarif="]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn causeway_toml_is_found_upward_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("service/src");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(
        dir.path().join("causeway.toml"),
        "# demote races\n[severity]\ndata-race = \"warning\"\n",
    )
    .unwrap();
    let demo = fixture("demo-bank.jsonl");
    let out = causeway_in(&nested, &["analyze", &demo]);
    assert_eq!(code(&out), 0, "warnings do not fail: {}", stderr(&out));
    assert!(
        stdout(&out).contains("warning[data-race]"),
        "{}",
        stdout(&out)
    );

    let out = causeway_in(&nested, &["analyze", &demo, "--no-config"]);
    assert_eq!(code(&out), 1);

    std::fs::write(nested.join("strict.toml"), "fail-on = \"error\"\n").unwrap();
    let out = causeway_in(&nested, &["analyze", &demo, "--config", "strict.toml"]);
    assert_eq!(code(&out), 1, "the named config replaces the found one");
    let out = causeway_in(
        &nested,
        &[
            "analyze",
            &demo,
            "--config",
            "strict.toml",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code(&out), 0, "--fail-on wins over the config");

    let out = causeway_in(&nested, &["analyze", &demo, "--config", "missing.toml"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("cannot read missing.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_causeway_toml_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("causeway.toml"),
        "fail-on = \"race\"\n\n[[ignore]]\nvariabel = \"metrics.*\"\n",
    )
    .unwrap();
    let out = causeway_in(dir.path(), &["analyze", &fixture("demo-bank.jsonl")]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("causeway.toml:4:1: unknown field `variabel`"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn ignore_rules_leave_findings_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("causeway.toml"),
        "[[ignore]]\ncode = \"data-race\"\nvariable = \"Account#*.balance\"\nlocation = \"bank/**\"\nreason = \"known\"\n",
    )
    .unwrap();
    let out = causeway_in(
        dir.path(),
        &["analyze", &fixture("demo-bank.jsonl"), "--format", "json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["races"], 0);
    assert_eq!(report["summary"]["ignored"], 2);
    assert_eq!(report["summary"]["errors"], 1, "the rule names a code");
}

/// Two threads write `variable` at lines 1 and 2 of `file`.
fn race_lines(variable: &str, file: &str) -> String {
    ["t1", "t2"]
        .iter()
        .enumerate()
        .map(|(n, thread)| {
            format!(
                "{{\"id\":\"{variable}-{n}\",\"trace_id\":\"t\",\"timestamp\":\"2026-11-26T10:00:0{n}Z\",\"kind\":\"state_write\",\"metadata\":{{\"thread\":\"{thread}\",\"variable\":\"{variable}\",\"file\":\"{file}\",\"line\":{}}}}}\n",
                n + 1
            )
        })
        .collect()
}

#[test]
fn baseline_round_trip_fails_only_on_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("causeway-baseline.json");
    let baseline = baseline.to_str().unwrap();
    let today = temp_file(
        dir.path(),
        "today.jsonl",
        race_lines("cart.total", "cart.py").as_bytes(),
    );
    let today = today.to_str().unwrap();

    let out = causeway(&["analyze", today, "--write-baseline", baseline]);
    assert_eq!(code(&out), 0, "writing a baseline accepts today's findings");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(baseline).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(written["findings"].as_array().unwrap().len(), 1);
    assert_eq!(written["findings"][0]["code"], "data-race");

    let out = causeway(&["analyze", today, "--baseline", baseline]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("error[data-race] (in baseline)"));

    // Tomorrow the code moved down a line and a second race appeared.
    let tomorrow = race_lines("cart.total", "cart.py").replace("\"line\":", "\"line\":1")
        + &race_lines("cart.items", "cart.py");
    let tomorrow = temp_file(dir.path(), "tomorrow.jsonl", tomorrow.as_bytes());
    let tomorrow = tomorrow.to_str().unwrap();
    let out = causeway(&[
        "analyze",
        tomorrow,
        "--baseline",
        baseline,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "the new race fails");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<(&str, &str, bool)> = report["races"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["variable"].as_str().unwrap(),
                r["baseline"].as_str().unwrap(),
                r["fails"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("cart.items", "new", true),
            ("cart.total", "unchanged", false)
        ]
    );
    assert_eq!(report["summary"]["failing"], 1);
    assert_eq!(report["baseline"]["new"], 1);
    assert_eq!(report["baseline"]["unchanged"], 1);

    // The old race fixed: it is reported as gone, the new one still fails.
    let fixed = temp_file(
        dir.path(),
        "fixed.jsonl",
        race_lines("cart.items", "cart.py").as_bytes(),
    );
    let out = causeway(&["analyze", fixed.to_str().unwrap(), "--baseline", baseline]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("baseline: 1 new, 0 unchanged, 1 no longer found"),
        "{text}"
    );
    assert!(
        text.contains("gone         data race on `cart.total`"),
        "{text}"
    );
}

#[test]
fn a_missing_or_broken_baseline_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = causeway(&[
        "analyze",
        "fixtures/demo-bank.jsonl",
        "--baseline",
        "no/such.json",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("cannot read the baseline no/such.json"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("--write-baseline"),
        "{}",
        stderr(&out)
    );

    let broken = temp_file(
        dir.path(),
        "b.json",
        b"{\"version\": 1,\n \"findings\": [{\"fingerprint\": 3}]}\n",
    );
    let out = causeway(&[
        "analyze",
        "fixtures/demo-bank.jsonl",
        "--baseline",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("b.json:2:"), "{}", stderr(&out));
}

#[test]
fn a_baseline_named_in_causeway_toml_is_relative_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("ci");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        dir.path().join("causeway.toml"),
        "baseline = \"ci/accepted.json\"\n",
    )
    .unwrap();
    let demo = fixture("demo-bank.jsonl");
    let out = causeway_in(&sub, &["analyze", &demo]);
    assert_eq!(code(&out), 2, "the configured baseline does not exist yet");
    assert!(
        stderr(&out).contains("ci/accepted.json"),
        "{}",
        stderr(&out)
    );
    // Writing the first baseline does not need the old one.
    let out = causeway_in(
        &sub,
        &["analyze", &demo, "--write-baseline", "accepted.json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = causeway_in(&sub, &["analyze", &demo]);
    assert_eq!(
        code(&out),
        0,
        "the configured baseline accepts: {}",
        stderr(&out)
    );
    let out = causeway_in(&sub, &["analyze", &demo, "--no-config"]);
    assert_eq!(code(&out), 1);
}

#[test]
fn other_formats_are_told_by_content_and_analyzed() {
    // A RAPID STD trace with a race: exit 1, whatever the file is called.
    let dir = tempfile::tempdir().unwrap();
    let std_trace = std::fs::read("fixtures/import/std-bank.std").unwrap();
    let renamed = temp_file(dir.path(), "trace.jsonl", &std_trace);
    let out = causeway(&["analyze", renamed.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["summary"]["racy_events"], 2);

    // An OTLP export with a failed checkout: an error, exit 1 on --fail-on error.
    let out = causeway(&[
        "analyze",
        "fixtures/import/otlp-checkout-failure.json",
        "--fail-on",
        "error",
    ]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("duplicate key value violates unique constraint"));

    // Forcing a format that does not fit: nothing imported, exit 2 with a hint.
    let out = causeway(&[
        "analyze",
        "--input-format",
        "zipkin",
        "fixtures/import/std-bank.std",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no event could be imported from this zipkin file"));
    assert!(stderr(&out).contains("hint:"));
}

#[test]
fn convert_writes_v1_that_analyzes_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let converted = dir.path().join("orders.jsonl");
    let out = causeway(&[
        "convert",
        "--to",
        "causeway",
        "fixtures/import/jaeger-orders.json",
        "-o",
        converted.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(&converted).unwrap();
    assert_eq!(text.lines().count(), 10);
    let original = causeway(&[
        "analyze",
        "fixtures/import/jaeger-orders.json",
        "--format",
        "json",
    ]);
    let again = causeway(&["analyze", converted.to_str().unwrap(), "--format", "json"]);
    let summary = |o: &Output| {
        serde_json::from_str::<serde_json::Value>(&stdout(o)).unwrap()["summary"].clone()
    };
    assert_eq!(summary(&original), summary(&again));

    // To standard output, and skipped records on standard error with exit 1.
    let bad = temp_file(dir.path(), "bad.std", b"T0|w(x)|1\nT0|r(x)|2\nT1|nope\n");
    let out = causeway(&["convert", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out).lines().count(), 2);
    assert!(
        stderr(&out).contains(&format!("error: {}:3: ", bad.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_shiviz_log_needs_a_valid_expression() {
    let out = causeway(&[
        "analyze",
        "fixtures/import/shiviz-ping.log",
        "--shiviz-regex",
        "(?<host>[",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("bad regular expression"));
    let out = causeway(&["validate", "fixtures/import/shiviz-ping.log"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("5 events, 0 bad lines"));
}

#[test]
fn anomalies_are_warnings_until_fail_on_anomaly() {
    let fixture = "fixtures/anomaly-n-plus-one-query.jsonl";
    let out = causeway(&["analyze", fixture]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("warning[n-plus-one-query]: 6 queries of the same shape"),
        "{}",
        stdout(&out)
    );
    let out = causeway(&["analyze", fixture, "--fail-on", "anomaly"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let out = causeway(&[
        "analyze",
        fixture,
        "--fail-on",
        "anomaly",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["summary"]["failing"], 1);
    assert_eq!(report["anomalies"][0]["fails"], true);
    assert_eq!(report["anomalies"][0]["severity"], "warning");
}

#[test]
fn the_same_input_and_seed_give_byte_identical_reports() {
    let run = |threads: &str, seed: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_causeway"))
            .args([
                "analyze",
                "fixtures/anomaly-outlier-call.jsonl",
                "fixtures/demo-bank.jsonl",
                "--format",
                "json",
                "--seed",
                seed,
            ])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(code(&out) <= 1, "{}", stderr(&out));
        out.stdout
    };
    let first = run("2", "7");
    assert_eq!(first, run("2", "7"));
    assert_eq!(
        first,
        run("1", "7"),
        "the number of threads changes nothing"
    );
    let report: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert!(report["summary"]["anomalies"].as_u64().unwrap() >= 1);
}

#[test]
fn train_writes_a_model_that_analyze_reads() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let model_arg = model.to_str().unwrap();
    let out = causeway(&[
        "train",
        "fixtures/anomaly-outlier-call.jsonl",
        "-o",
        model_arg,
        "--seed",
        "3",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("trained on 100 calls"),
        "{}",
        stdout(&out)
    );
    let written = std::fs::read(&model).unwrap();
    // Training is deterministic too.
    let again = dir.path().join("again.json");
    causeway(&[
        "train",
        "fixtures/anomaly-outlier-call.jsonl",
        "-o",
        again.to_str().unwrap(),
        "--seed",
        "3",
    ]);
    assert_eq!(written, std::fs::read(&again).unwrap());
    let text = String::from_utf8(written).unwrap();
    assert!(text.starts_with(r#"{"format":"causeway-model","version":1,"#));

    let out = causeway(&[
        "analyze",
        "fixtures/anomaly-outlier-call.jsonl",
        "--model",
        model_arg,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["anomalies"][0]["code"], "outlier-call");
    assert_eq!(report["anomalies"][0]["anomaly_type"], "slow-call");

    // A file that is not a model is a clear error, exit 2.
    let bad = temp_file(dir.path(), "bad.json", b"{\"format\":\"something\"}");
    let out = causeway(&[
        "analyze",
        "fixtures/anomaly-outlier-call.jsonl",
        "--model",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("cannot read the model") && stderr(&out).contains("causeway train"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_saved_json_report_renders_as_analyze_would() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let json_arg = format!("json={}", json.display());
    let analyzed = causeway(&["analyze", "fixtures/demo-bank.jsonl", "-o", &json_arg]);
    assert_eq!(code(&analyzed), 1, "{}", stderr(&analyzed));
    for format in ["text", "json", "sarif", "junit", "markdown", "github"] {
        let direct = causeway(&["analyze", "fixtures/demo-bank.jsonl", "--format", format]);
        let again = causeway(&["report", json.to_str().unwrap(), "--format", format]);
        assert_eq!(code(&again), 1, "{format}: {}", stderr(&again));
        assert_eq!(stdout(&again), stdout(&direct), "{format}");
    }
    let broken = temp_file(dir.path(), "broken.json", b"{\"version\": 1, \"inputs\": [");
    let out = causeway(&["report", broken.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("broken.json:1:")
            && stderr(&out).contains("not a Causeway JSON report"),
        "{}",
        stderr(&out)
    );
    let future = temp_file(dir.path(), "future.json", b"{\"version\": 9}");
    let out = causeway(&["report", future.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("version 9"), "{}", stderr(&out));
}

#[test]
fn a_misspelt_output_format_is_refused_with_the_list() {
    let out = causeway(&[
        "analyze",
        "fixtures/demo-bank.jsonl",
        "-o",
        "sarfi=results.sarif",
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("unknown format `sarfi`"), "{err}");
    assert!(err.contains("sarif") && err.contains("junit"), "{err}");
    assert!(!Path::new("sarfi=results.sarif").exists());
}

#[test]
fn an_output_that_cannot_be_written_fails_before_the_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/report.sarif");
    let spec = format!("sarif={}", missing.display());
    // The input does not exist either: the output is what is checked first.
    let out = causeway(&["analyze", "no-such-trace.jsonl", "-o", &spec]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("cannot write the report to"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn inputs_that_are_no_trace_get_errors_a_newcomer_can_act_on() {
    let dir = tempfile::tempdir().unwrap();
    // A directory is the trace files in it (a collector's output); one
    // with none says what it looked for.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = causeway(&["analyze", empty.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(
            "empty: is a directory with no trace file in it (*.jsonl, *.jsonl.gz, *.jsonl.zst)"
        ),
        "{}",
        stderr(&out)
    );
    let recording = dir.path().join("recording");
    std::fs::create_dir(&recording).unwrap();
    for name in ["multi-file-a.jsonl", "multi-file-b.jsonl"] {
        std::fs::copy(format!("fixtures/{name}"), recording.join(name)).unwrap();
    }
    std::fs::write(recording.join("notes.txt"), "not a trace").unwrap();
    let together = causeway(&["analyze", recording.to_str().unwrap(), "--format", "json"]);
    let apart = causeway(&[
        "analyze",
        "fixtures/multi-file-a.jsonl",
        "fixtures/multi-file-b.jsonl",
        "--format",
        "json",
    ]);
    let summary = |out: &Output| -> serde_json::Value {
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["summary"].clone()
    };
    assert_eq!(
        summary(&together),
        summary(&apart),
        "a directory is its trace files: {}",
        stderr(&together)
    );
    let mut noise = vec![0u8, 159, 146, 150];
    noise.extend((0..4000u32).map(|i| (i * 7919 % 251) as u8));
    let binary = temp_file(dir.path(), "image.jsonl", &noise);
    let out = causeway(&["analyze", binary.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("does not look like text"),
        "{}",
        stderr(&out)
    );
    let one_bad = temp_file(dir.path(), "one.jsonl", b"{\"x\": 1}\n");
    let out = causeway(&["analyze", one_bad.to_str().unwrap()]);
    assert!(stderr(&out).contains("(1 bad line)"), "{}", stderr(&out));
    // validate lists what is wrong even when nothing is usable.
    let out = causeway(&["validate", one_bad.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("one.jsonl:1: missing field `id`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn completions_and_man_pages_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let out = causeway(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}");
        for sub in ["analyze", "gen-tests", "report", "validate"] {
            assert!(stdout(&out).contains(sub), "{shell}: {sub}");
        }
    }
    let out = causeway(&["man"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains(".TH causeway 1"), "{}", stdout(&out));
    let dir = tempfile::tempdir().unwrap();
    let out = causeway(&["man", "-o", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for page in [
        "causeway.1",
        "causeway-analyze.1",
        "causeway-gen-tests.1",
        "causeway-report.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
}

#[test]
fn absolute_locations_under_the_root_are_shown_relative_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let file = root.join("app/cart.py");
    let mut trace = String::new();
    for (n, thread) in ["t1", "t2"].iter().enumerate() {
        trace.push_str(&format!(
            "{{\"id\":\"e{n}\",\"trace_id\":\"t\",\"timestamp\":\"2026-11-26T10:00:00Z\",\"kind\":\"state_write\",\"metadata\":{{\"thread\":\"{thread}\",\"variable\":\"cart.total\",\"file\":\"{}\",\"line\":{}}}}}\n",
            file.display(),
            10 + n
        ));
    }
    let path = temp_file(dir.path(), "abs.jsonl", trace.as_bytes());
    let run = |extra: &[&str]| {
        let mut args = vec!["analyze", path.to_str().unwrap(), "--format", "sarif"];
        args.extend_from_slice(extra);
        let out = causeway(&args);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            .clone()
    };
    let given = run(&["--root", root.to_str().unwrap()]);
    assert_eq!(given["uri"], "app/cart.py");
    assert_eq!(given["uriBaseId"], "%SRCROOT%");
    // Outside the root the path stays absolute (a file:// URI).
    let elsewhere = run(&["--root", dir.path().join("other").to_str().unwrap()]);
    assert!(
        elsewhere["uri"].as_str().unwrap().starts_with("file:///"),
        "{elsewhere}"
    );
    assert!(elsewhere.get("uriBaseId").is_none());
}
