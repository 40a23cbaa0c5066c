//! Race sites: one finding per pair of code locations, whatever the number
//! of variables (dictionary keys, say) racing there, in every format but
//! JSON's `races`; and blame on the user's own line when the racing lines
//! are inside a library.

use causeway::analysis::analyze;
use causeway::config::Config;
use causeway::ingest::load_bytes;
use causeway::report::{Format, Report};
use serde_json::Value;

/// Two threads write `cache[k0]` .. `cache[k{n-1}]`, each from its own
/// function, at `file:a` and `file:b`, under a call at `caller`.
fn keyed_trace(n: usize, file: &str, caller: &str) -> String {
    let mut out = String::new();
    let (caller_file, caller_line) = caller.rsplit_once(':').unwrap();
    for (t, line) in [("t1", 10), ("t2", 20)] {
        out.push_str(&format!(
            "{{\"id\":\"{t}-call\",\"trace_id\":\"tr\",\"timestamp\":\"2026-11-26T10:00:00Z\",\"kind\":\"function_entry\",\"metadata\":{{\"thread\":\"{t}\",\"function\":\"app.use_cache\",\"file\":\"{caller_file}\",\"line\":{caller_line}}}}}\n"
        ));
        for k in 0..n {
            out.push_str(&format!(
                "{{\"id\":\"{t}-{k}\",\"trace_id\":\"tr\",\"parent_id\":\"{t}-call\",\"timestamp\":\"2026-11-26T10:00:01Z\",\"kind\":\"state_write\",\"metadata\":{{\"thread\":\"{t}\",\"variable\":\"cache[k{k}]\",\"value\":{k},\"file\":\"{file}\",\"line\":{line}}}}}\n"
            ));
        }
    }
    out
}

fn report_of(trace: &str, config: Option<&str>) -> Report {
    let rec = load_bytes(vec![("keys.jsonl".into(), trace.as_bytes().to_vec())]).unwrap();
    let mut report = Report::build(&rec, &analyze(&rec, Some(&Default::default())));
    if let Some(text) = config {
        Config::parse(text, "causeway.toml")
            .unwrap()
            .apply(&mut report);
    }
    report.settle(causeway::report::FailOn::Race);
    report
}

fn render(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    format.renderer(false).render(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn keys_racing_at_one_pair_of_lines_are_one_site_in_every_format() {
    let report = report_of(&keyed_trace(12, "app/cache.py", "app/main.py:5"), None);
    let json: Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    assert_eq!(
        json["summary"]["races"], 12,
        "one group per key, as the format defines"
    );
    assert_eq!(json["summary"]["race_sites"], 1);
    let site = &json["race_sites"][0];
    assert_eq!(site["pattern"], "cache[k*]");
    assert_eq!(site["variables"].as_array().unwrap().len(), 12);
    assert_eq!(
        site["locations"],
        serde_json::json!(["app/cache.py:10", "app/cache.py:20"])
    );
    assert_eq!(site["fails"], true);

    let text = render(&report, Format::Text);
    assert_eq!(text.matches("error[data-race]").count(), 1, "{text}");
    assert!(text.contains("data race on `cache[k*]`"), "{text}");
    assert!(text.contains("12 race groups at 1 site"), "{text}");
    let sarif: Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
    let junit = render(&report, Format::Junit);
    assert_eq!(junit.matches("<testcase").count(), 1, "{junit}");
    let github = render(&report, Format::Github);
    assert_eq!(github.matches("::error ").count(), 1, "{github}");
    let markdown = render(&report, Format::Markdown);
    assert!(
        markdown.contains("| race sites (pairs of code locations) | 1 |"),
        "{markdown}"
    );
}

#[test]
fn ignore_rules_and_severities_shape_the_sites() {
    let trace = keyed_trace(3, "app/cache.py", "app/main.py:5");
    // Leaving every key out leaves no site; demoting the code leaves one
    // that does not fail.
    let report_ignored = report_of(&trace, Some("[[ignore]]\nvariable = \"cache*\"\n"));
    assert_eq!(report_ignored.sites.len(), 0);
    assert_eq!(report_ignored.summary.race_sites, 0);
    let demoted = report_of(&trace, Some("[severity]\ndata-race = \"warning\"\n"));
    assert_eq!(demoted.sites.len(), 1);
    assert!(!demoted.sites[0].fails);
    let one_left = report_of(&trace, Some("[[ignore]]\nvariable = \"cache?k[01]?\"\n"));
    assert_eq!(one_left.sites.len(), 1);
    assert_eq!(one_left.sites[0].pattern, "cache[k2]");
}

#[test]
fn a_race_inside_a_library_is_shown_at_the_users_call() {
    let library = "/home/ci/venv/lib/python3.11/site-packages/cachetools/__init__.py";
    let report = report_of(&keyed_trace(4, library, "tests/test_cache.py:17"), None);
    let site = &report.sites[0];
    assert_eq!(site.locations[0], format!("{library}:10"));
    assert_eq!(
        site.primary,
        [
            "tests/test_cache.py:17".to_string(),
            "tests/test_cache.py:17".to_string()
        ]
    );
    let sarif: Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "tests/test_cache.py");
    assert_eq!(location["region"]["startLine"], 17);
    // A third-party list in causeway.toml counts as well.
    let vendored = report_of(
        &keyed_trace(2, "vendor/lru.py", "app/main.py:9"),
        Some("third-party = [\"vendor/\"]\n"),
    );
    assert_eq!(vendored.sites[0].primary[0], "app/main.py:9");
}

#[test]
fn sites_survive_a_json_round_trip() {
    let library = "/venv/lib/python3.11/site-packages/lib.py";
    let report = report_of(&keyed_trace(5, library, "app/main.py:3"), None);
    let json = render(&report, Format::Json);
    let read = Report::from_json(&json, "saved.json").unwrap();
    assert_eq!(read.sites, report.sites);
    for format in Format::ALL {
        assert_eq!(render(&read, format), render(&report, format), "{format:?}");
    }
}
