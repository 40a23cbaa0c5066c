//! Findings that may depend on a skipped bad line say so, with the line,
//! in every format; findings before every bad line, or in a clean file, do
//! not.

use causeway::analysis::analyze;
use causeway::ingest::load_bytes;
use causeway::report::{FailOn, Format, Report};
use serde_json::Value;

/// Thread t1 writes `x` at line 1, then (lines 2-4) takes and releases a
/// lock that t2 takes next (lines 5-6) before writing `x` at line 7: the
/// writes are ordered. Thread t1 also writes `y` (line 8), t2 writes `y`
/// (line 9) unordered: a race that no lost line could create.
fn trace(corrupt_line: Option<usize>) -> String {
    let ev = |id: &str, t: &str, kind: &str, extra: &str| {
        format!(
            "{{\"id\":\"{id}\",\"trace_id\":\"tr\",\"timestamp\":\"2026-11-26T10:00:00Z\",\"kind\":\"{kind}\",\"metadata\":{{\"thread\":\"{t}\",{extra}}}}}"
        )
    };
    let mut lines = [
        ev(
            "a",
            "t2",
            "state_write",
            "\"variable\":\"y\",\"file\":\"app.py\",\"line\":1",
        ),
        ev(
            "b",
            "t1",
            "state_write",
            "\"variable\":\"y\",\"file\":\"app.py\",\"line\":2",
        ),
        ev(
            "c",
            "t1",
            "state_write",
            "\"variable\":\"x\",\"file\":\"app.py\",\"line\":3",
        ),
        ev("d", "t1", "lock_acquire", "\"lock\":\"L\""),
        ev("e", "t1", "lock_release", "\"lock\":\"L\""),
        ev("f", "t2", "lock_acquire", "\"lock\":\"L\""),
        ev(
            "g",
            "t2",
            "state_write",
            "\"variable\":\"x\",\"file\":\"app.py\",\"line\":4",
        ),
    ];
    if let Some(n) = corrupt_line {
        lines[n - 1] = "{\"id\": \"broken".to_string();
    }
    lines.join("\n") + "\n"
}

fn report(text: &str) -> Report {
    let rec = load_bytes(vec![("t.jsonl".into(), text.as_bytes().to_vec())]).unwrap();
    let mut report = Report::build(&rec, &analyze(&rec, None));
    report.settle(FailOn::Race);
    report
}

fn render(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    format.renderer(false).render(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_race_made_by_a_lost_release_is_marked_with_the_line() {
    // Line 5 (the release) is lost: the writes of `x` now race, and the
    // finding must say it may come from line 5.
    let report = report(&trace(Some(5)));
    let json: Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    let races = json["races"].as_array().unwrap();
    let x = races
        .iter()
        .find(|r| r["variable"] == "x")
        .expect("x races once the release is lost");
    assert_eq!(x["possibly_affected_by"]["bad_lines"], 1);
    assert_eq!(x["possibly_affected_by"]["nearest"][0]["line"], 5);
    assert_eq!(x["possibly_affected_by"]["nearest"][0]["file"], "t.jsonl");
    // The race of `y` is entirely before the bad line: certain.
    let y = races.iter().find(|r| r["variable"] == "y").unwrap();
    assert!(y.get("possibly_affected_by").is_none(), "{y}");
    let sites = json["race_sites"].as_array().unwrap();
    assert_eq!(
        sites
            .iter()
            .filter(|s| s.get("possibly_affected_by").is_some())
            .count(),
        1
    );

    let text = render(&report, Format::Text);
    assert_eq!(
        text.matches("note: possibly affected by the bad line t.jsonl:5")
            .count(),
        1,
        "{text}"
    );
    for format in [
        Format::Markdown,
        Format::Sarif,
        Format::Junit,
        Format::Github,
    ] {
        let out = render(&report, format);
        assert!(
            out.contains("possibly affected by the bad line t.jsonl:5"),
            "{format:?}: {out}"
        );
    }
    // Read back, the mark is kept.
    let again = Report::from_json(&render(&report, Format::Json), "r.json").unwrap();
    assert_eq!(render(&again, Format::Text), text);
}

#[test]
fn a_clean_trace_marks_nothing() {
    let report = report(&trace(None));
    let json = render(&report, Format::Json);
    assert!(!json.contains("possibly_affected_by"), "{json}");
    assert!(!render(&report, Format::Text).contains("note:"));
}
