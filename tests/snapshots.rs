//! Snapshots of the text and JSON reports of every fixture in
//! `fixtures/manifest.toml` (and of the report of a recording with nothing
//! to report), so that any change to what users see is reviewed.

use causeway::analysis::analyze;
use causeway::ingest::{NoProgress, load};
use causeway::report::{Format, Report};
use std::path::PathBuf;

/// Each manifest entry's name, input files and whether it must load (the
/// entries with exit code 2 must not; the CLI and fixture tests cover them).
fn fixture_inputs() -> Vec<(String, Vec<PathBuf>, bool)> {
    let manifest: toml::Table = std::fs::read_to_string("fixtures/manifest.toml")
        .unwrap()
        .parse()
        .unwrap();
    manifest["fixture"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let files: Vec<String> = match (entry.get("file"), entry.get("files")) {
                (Some(file), _) => vec![file.as_str().unwrap().to_string()],
                (None, Some(files)) => files
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap().to_string())
                    .collect(),
                (None, None) => panic!("fixture without file"),
            };
            let name = files[0].trim_end_matches(".jsonl").to_string();
            let paths = files
                .iter()
                .map(|f| PathBuf::from("fixtures").join(f))
                .collect();
            let loads = entry["exit_code"].as_integer() != Some(2);
            (name, paths, loads)
        })
        .collect()
}

fn render(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    format.renderer(false).render(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_fixture_report_is_snapshotted() {
    let mut rendered = 0;
    for (name, paths, loads) in fixture_inputs() {
        let rec = match (load(&paths, &NoProgress), loads) {
            (Ok(rec), true) => rec,
            (Err(_), false) => continue,
            (Ok(_), false) => panic!("{name} must fail to load (exit code 2), and it loads"),
            (Err(e), true) => panic!("{name} no longer loads: {e}"),
        };
        let report = Report::build(&rec, &analyze(&rec, Some(&Default::default())));
        insta::assert_snapshot!(format!("{name}.text"), render(&report, Format::Text));
        insta::assert_snapshot!(format!("{name}.json"), render(&report, Format::Json));
        rendered += 1;
    }
    assert!(rendered >= 10, "only {rendered} fixtures rendered");
}

#[test]
fn a_report_with_nothing_to_say() {
    let rec = causeway::ingest::load_bytes(vec![(
        "quiet.jsonl".to_string(),
        br#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"function_entry","metadata":{"function":"main"}}
"#
        .to_vec(),
    )])
    .unwrap();
    let report = Report::build(&rec, &analyze(&rec, Some(&Default::default())));
    insta::assert_snapshot!("empty.text", render(&report, Format::Text));
    insta::assert_snapshot!("empty.json", render(&report, Format::Json));
}

fn demo_report() -> Report {
    let rec = load(&[PathBuf::from("fixtures/demo-bank.jsonl")], &NoProgress).unwrap();
    Report::build(&rec, &analyze(&rec, Some(&Default::default())))
}

/// The README demo in every format: the canonical report.
#[test]
fn the_canonical_report_in_every_format() {
    let report = demo_report();
    for format in Format::ALL {
        insta::assert_snapshot!(
            format!("demo-bank.{}", format.name()),
            render(&report, format)
        );
    }
}

#[test]
fn an_empty_report_in_every_format() {
    let rec = causeway::ingest::load_bytes(vec![(
        "quiet.jsonl".to_string(),
        br#"{"id":"a","trace_id":"t","timestamp":"2026-11-26T10:00:00Z","kind":"function_entry","metadata":{"function":"main"}}
"#
        .to_vec(),
    )])
    .unwrap();
    let report = Report::build(&rec, &analyze(&rec, Some(&Default::default())));
    for format in Format::ALL {
        insta::assert_snapshot!(format!("empty.{}", format.name()), render(&report, format));
    }
}

/// The demo with a config (the error demoted to a warning) and a baseline
/// that holds one of its races and a finding that is gone: every format
/// shows new, unchanged and gone findings and a non-failing warning.
#[test]
fn a_report_with_config_and_baseline_in_every_format() {
    use causeway::baseline::Baseline;
    use causeway::config::Config;
    use causeway::report::{BaselineEntry, FailOn};

    let mut report = demo_report();
    Config::parse("[severity]\nerror = \"warning\"\n", "causeway.toml")
        .unwrap()
        .apply(&mut report);
    let baseline = Baseline {
        version: 1,
        findings: vec![
            BaselineEntry {
                fingerprint: report.races().next().unwrap().0.fingerprint.clone(),
                code: "data-race".to_string(),
                title: "accepted".to_string(),
            },
            BaselineEntry {
                fingerprint: "0000000000000000".to_string(),
                code: "data-race".to_string(),
                title:
                    "data race on `cart.total` (service shop) at shop/cart.py:3 and shop/cart.py:9"
                        .to_string(),
            },
        ],
    };
    baseline.compare(&mut report, "causeway-baseline.json");
    report.settle(FailOn::Error);
    assert_eq!(report.summary.failing, 1, "only the new race fails");
    for format in Format::ALL {
        insta::assert_snapshot!(
            format!("demo-bank-baseline.{}", format.name()),
            render(&report, format)
        );
    }
}

/// A report written as JSON and read back renders byte for byte as the
/// report it came from, in every format.
#[test]
fn every_fixture_report_survives_a_json_round_trip() {
    let mut checked = 0;
    for (name, paths, loads) in fixture_inputs() {
        if !loads {
            continue;
        }
        let rec = load(&paths, &NoProgress).unwrap();
        let report = Report::build(&rec, &analyze(&rec, Some(&Default::default())));
        let json = render(&report, Format::Json);
        let read = Report::from_json(&json, &name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read, report, "{name}");
        for format in Format::ALL {
            assert_eq!(
                render(&read, format),
                render(&report, format),
                "{name}: {format:?}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} fixtures");
}
