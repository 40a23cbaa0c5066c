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
    // Enough races that the report overflows the pipe buffer.
    let mut trace = String::new();
    for i in 0..3000 {
        for (n, thread) in ["t1", "t2"].iter().enumerate() {
            trace.push_str(&format!(
                "{{\"id\":\"{i}-{n}\",\"trace_id\":\"t\",\"timestamp\":\"2026-11-26T10:00:00Z\",\"kind\":\"state_write\",\"metadata\":{{\"thread\":\"{thread}\",\"variable\":\"v{i}\",\"file\":\"a.py\",\"line\":{n}}}}}\n"
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
