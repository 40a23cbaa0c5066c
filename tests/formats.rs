//! The CI formats beyond their snapshots: JUnit parses as XML with the
//! counts it claims, untrusted trace text cannot break out of any format
//! (XML, Markdown, GitHub workflow commands), GitHub's annotation limit is
//! respected, and redaction reaches every string of every format.

use causeway::analysis::analyze;
use causeway::config::Config;
use causeway::ingest::load_bytes;
use causeway::report::{FailOn, Format, Report};
use quick_xml::events::Event;
use std::collections::BTreeSet;

fn report_of(name: &str, trace: &str) -> Report {
    let rec = load_bytes(vec![(name.to_string(), trace.as_bytes().to_vec())]).unwrap();
    Report::build(&rec, &analyze(&rec, Some(&Default::default())))
}

fn render(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    format.renderer(false).render(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn demo() -> Report {
    report_of(
        "fixtures/demo-bank.jsonl",
        &std::fs::read_to_string("fixtures/demo-bank.jsonl").unwrap(),
    )
}

/// A trace whose every string tries to escape its format: markup, command
/// syntax, control characters, quotes.
const HOSTILE: &str = r#"{"id":"a<x>&\"'","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"state_write","metadata":{"service":"svc</details><script>alert(1)</script>","thread":"t1\r\n::error::injected","variable":"v|cell|`code`[link](javascript:alert(1))\n# heading","file":"a,line=1,title=x::y.py","line":3,"function":"f%0A::warning::x"}}
{"id":"b]]>","trace_id":"t","timestamp":"2026-11-26T10:00:01Z","kind":"state_write","metadata":{"service":"svc</details><script>alert(1)</script>","thread":"t2\u001b[31m","variable":"v|cell|`code`[link](javascript:alert(1))\n# heading","function":"g\u0000"}}
{"id":"c","trace_id":"t","timestamp":"2026-11-26T10:00:02Z","kind":"error","metadata":{"service":"svc","thread":"t2","message":"boom\n::error file=x,line=1::owned <!-- ]]> &amp;","error_type":"E<T>","file":"%0A.py","line":9}}
"#;

struct JunitCounts {
    declared_tests: u64,
    declared_failures: u64,
    declared_skipped: u64,
    cases: u64,
    failures: u64,
    skipped: u64,
    names: Vec<String>,
}

/// Parses JUnit XML to the end (quick-xml checks that tags nest and
/// close) and counts its elements.
fn parse_junit(xml: &str) -> JunitCounts {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut counts = JunitCounts {
        declared_tests: 0,
        declared_failures: 0,
        declared_skipped: 0,
        cases: 0,
        failures: 0,
        skipped: 0,
        names: Vec::new(),
    };
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        e.attributes()
            .map(|a| a.expect("well-formed attribute"))
            .find(|a| a.key.as_ref() == name.as_bytes())
            .map(|a| {
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .expect("escaped attribute")
                    .into_owned()
            })
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => {
                    counts.declared_tests += attr(&e, "tests").unwrap().parse::<u64>().unwrap();
                    counts.declared_failures +=
                        attr(&e, "failures").unwrap().parse::<u64>().unwrap();
                    counts.declared_skipped += attr(&e, "skipped").unwrap().parse::<u64>().unwrap();
                }
                b"testcase" => {
                    counts.cases += 1;
                    counts.names.push(attr(&e, "name").unwrap());
                }
                b"failure" => counts.failures += 1,
                b"skipped" => counts.skipped += 1,
                _ => {}
            },
            Event::Text(t) => {
                t.decode().expect("text decodes");
            }
            Event::Eof => break,
            _ => {}
        }
    }
    counts
}

#[test]
fn junit_parses_with_the_counts_it_declares() {
    let report = demo();
    let counts = parse_junit(&render(&report, Format::Junit));
    assert_eq!(
        counts.cases, 4,
        "one test case per finding (two races, an error, an anomaly)"
    );
    assert_eq!(counts.failures, 2, "the two races fail by default");
    assert_eq!(counts.skipped, 0);
    assert_eq!(counts.declared_tests, counts.cases);
    assert_eq!(counts.declared_failures, counts.failures);
    assert_eq!(counts.declared_skipped, counts.skipped);

    let mut report = demo();
    report.settle(FailOn::Error);
    assert_eq!(parse_junit(&render(&report, Format::Junit)).failures, 3);
    report.settle(FailOn::Anomaly);
    assert_eq!(parse_junit(&render(&report, Format::Junit)).failures, 4);
    report.settle(FailOn::Never);
    let counts = parse_junit(&render(&report, Format::Junit));
    assert_eq!((counts.cases, counts.failures), (4, 0));
}

#[test]
fn junit_names_are_unique_and_name_no_event() {
    // Five groups in the same two functions, and an error repeated.
    let mut trace = std::fs::read_to_string("fixtures/race-all-groups.jsonl").unwrap();
    for i in 0..3 {
        trace.push_str(&format!(
            "{{\"id\":\"e{i}\",\"trace_id\":\"t9\",\"timestamp\":\"2026-11-26T10:00:0{i}Z\",\"kind\":\"error\",\"metadata\":{{\"message\":\"timeout after {i}00 ms\",\"file\":\"x.py\",\"line\":4}}}}\n"
        ));
    }
    let report = report_of("groups.jsonl", &trace);
    let counts = parse_junit(&render(&report, Format::Junit));
    assert_eq!(counts.cases, 8);
    let names: BTreeSet<&String> = counts.names.iter().collect();
    assert_eq!(names.len(), counts.names.len(), "{:?}", counts.names);
    for name in &counts.names {
        for (_, e) in report.errors() {
            assert!(!name.contains(&e.event_id), "{name}");
        }
    }
}

#[test]
fn hostile_trace_text_stays_text_in_xml() {
    let report = report_of("hostile.jsonl", HOSTILE);
    let xml = render(&report, Format::Junit);
    let counts = parse_junit(&xml);
    assert_eq!(counts.cases, 2);
    assert!(!xml.contains("<script>") && !xml.contains("<!--"), "{xml}");
    assert!(!xml.contains('\u{1b}') && !xml.contains('\0'));
}

#[test]
fn hostile_trace_text_stays_text_in_markdown() {
    let report = report_of("hostile.jsonl", HOSTILE);
    let md = render(&report, Format::Markdown);
    assert!(!md.contains("<script"), "{md}");
    assert!(!md.contains("<!--"), "{md}");
    // `[` and `]` from the trace are escaped: no link can open.
    for (i, _) in md.match_indices("](") {
        assert!(i > 0 && &md[i - 1..i] == "\\", "a link at {i}: {md}");
    }
    assert_eq!(
        md.matches("</details>").count(),
        2,
        "one per finding, none from the trace: {md}"
    );
    for line in md.lines() {
        assert!(
            !line.starts_with('#') || line.starts_with("## Causeway") || line.starts_with("### "),
            "a heading from the trace: {line}"
        );
        if line.starts_with('|') && !line.starts_with("|---") {
            // Every row of a table has as many cells as its header.
            let cells = line.matches('|').count() - line.matches("\\|").count();
            assert!(cells == 3 || cells == 6 || cells == 5, "{line}");
        }
    }
}

#[test]
fn hostile_trace_text_cannot_add_workflow_commands() {
    let report = report_of("hostile.jsonl", HOSTILE);
    let out = render(&report, Format::Github);
    let mut commands = 0;
    for line in out.lines() {
        assert!(!line.contains('\r'), "{line:?}");
        if let Some(rest) = line.strip_prefix("::") {
            commands += 1;
            let (command, message) = rest
                .split_once("::")
                .expect("a command ends its properties");
            let (name, properties) = command.split_once(' ').unwrap_or((command, ""));
            assert!(["error", "warning", "notice"].contains(&name), "{line}");
            for property in properties.split(',').filter(|p| !p.is_empty()) {
                let (key, _) = property.split_once('=').expect("key=value");
                assert!(
                    ["file", "line", "title"].contains(&key),
                    "injected {key}: {line}"
                );
            }
            assert!(!message.contains('\n'));
        } else {
            assert!(line.starts_with("causeway: "), "{line}");
        }
    }
    assert_eq!(commands, 2);
    assert!(
        out.contains("file=a%2Cline=1%2Ctitle=x%3A%3Ay.py,line=3,"),
        "{out}"
    );
}

#[test]
fn annotations_respect_githubs_limit_per_step() {
    let mut trace = String::new();
    for i in 0..25 {
        for (n, thread) in ["t1", "t2"].iter().enumerate() {
            trace.push_str(&format!(
                "{{\"id\":\"{i}-{n}\",\"trace_id\":\"t\",\"timestamp\":\"2026-11-26T10:00:00Z\",\"kind\":\"state_write\",\"metadata\":{{\"thread\":\"{thread}\",\"variable\":\"v{i}\",\"file\":\"a.py\",\"line\":{}}}}}\n",
                i * 10 + n
            ));
        }
    }
    let report = report_of("many.jsonl", &trace);
    assert_eq!(report.summary.races, 25);
    let out = render(&report, Format::Github);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(errors.len(), 10, "{out}");
    assert!(
        errors[9].contains("16 more errors not annotated"),
        "{}",
        errors[9]
    );
    let listed = out
        .lines()
        .filter(|l| l.starts_with("causeway: error[data-race]"))
        .count();
    assert_eq!(listed, 16);

    // Ten fit exactly.
    let ten: String = trace.lines().take(20).map(|l| format!("{l}\n")).collect();
    let out = render(&report_of("ten.jsonl", &ten), Format::Github);
    assert_eq!(out.lines().filter(|l| l.starts_with("::error")).count(), 10);
    assert!(!out.contains("more errors"));
}

/// Every string a trace can put in a report carries the secret.
const SECRET_TRACE: &str = r#"{"id":"SECRET1","trace_id":"SECRET2","timestamp":"2026-11-26T10:00:00Z","kind":"http_request","metadata":{"service":"SECRET3","thread":"SECRET4","method":"GET","url":"https://x/?token=SECRET5","function":"SECRET6","file":"SECRET7.py","line":1}}
{"id":"SECRET8","trace_id":"SECRET2","parent_id":"SECRET1","timestamp":"2026-11-26T10:00:01Z","kind":"state_write","metadata":{"service":"SECRET3","thread":"SECRET4","variable":"SECRET9","value":{"SECRET10":["SECRET11"]},"function":"SECRET6","file":"SECRET7.py","line":2}}
{"id":"SECRET12","trace_id":"SECRET2","timestamp":"2026-11-26T10:00:02Z","kind":"state_read","metadata":{"service":"SECRET3","thread":"SECRET13","variable":"SECRET9","value":"SECRET14","function":"SECRET15"}}
{"id":"SECRET16","trace_id":"SECRET2","parent_id":"SECRET12","timestamp":"2026-11-26T10:00:03Z","kind":"error","metadata":{"service":"SECRET3","thread":"SECRET13","error_type":"SECRET17","message":"SECRET18","function":"SECRET15","file":"SECRET19.py","line":5}}
{"id":"SECRET20","trace_id":"SECRET2","timestamp":"2026-11-26T10:00:04Z","kind":"SECRET21","metadata":{}}
not json SECRET22
"#;

#[test]
fn redaction_reaches_every_string_of_every_format() {
    let mut report = report_of("SECRET0.jsonl", SECRET_TRACE);
    assert!(report.summary.races >= 1 && report.summary.errors == 1);
    assert!(!report.diagnostics.is_empty());
    let unredacted = render(&report, Format::Json);
    assert!(unredacted.matches("SECRET").count() > 20);
    Config::parse("redact = [\"SECRET[0-9]*\"]\n", "causeway.toml")
        .unwrap()
        .apply(&mut report);
    for format in Format::ALL {
        let out = render(&report, format);
        assert!(
            !out.contains("SECRET"),
            "{} leaks: {}",
            format.name(),
            out.lines().find(|l| l.contains("SECRET")).unwrap()
        );
        assert!(
            out.contains("[redacted]") || out.contains("\\[redacted\\]"),
            "{}",
            format.name()
        );
    }
}
