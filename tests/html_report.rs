//! The HTML report through the real binary, without a browser (the browser
//! tests are tests/html/, run by tests/html/ci.sh): its data blocks are the
//! JSON report and the recording, and `redact` reaches both.

use std::process::Command;

fn causeway(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_causeway"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// The text of the `<script type="application/json" id=ID>` block.
fn block<'p>(page: &'p str, id: &str) -> &'p str {
    let open = format!("<script type=\"application/json\" id=\"{id}\">");
    let start = page.find(&open).unwrap() + open.len();
    let end = page[start..].find("</script>").unwrap() + start;
    &page[start..end]
}

fn demo() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo-bank.jsonl")
        .display()
        .to_string()
}

#[test]
fn the_page_holds_the_json_report_and_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let page_path = dir.path().join("report.html");
    let out = causeway(
        &[
            "analyze",
            "--no-config",
            &demo(),
            "--format",
            "json",
            "-o",
            &format!("html={}", page_path.display()),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let page = std::fs::read_to_string(&page_path).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    let embedded: serde_json::Value =
        serde_json::from_str(block(&page, "causeway-report")).unwrap();
    assert_eq!(embedded, json);
    let trace: serde_json::Value = serde_json::from_str(block(&page, "causeway-trace")).unwrap();
    assert_eq!(trace["format"], "causeway-html-data");
    assert_eq!(
        trace["events"]["kf"].as_array().unwrap().len() as u64,
        json["summary"]["events"].as_u64().unwrap()
    );
    // Every event the report names can be found in the page.
    for race in json["races"].as_array().unwrap() {
        for access in race["accesses"].as_array().unwrap() {
            assert!(trace["refs"][access["event_id"].as_str().unwrap()].is_u64());
        }
    }
    // The same run writes the same page.
    let again = causeway(
        &["analyze", "--no-config", &demo(), "--format", "html"],
        dir.path(),
    );
    assert_eq!(String::from_utf8(again.stdout).unwrap(), page);
}

#[test]
fn redaction_reaches_the_trace_data() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("causeway.toml"),
        "redact = [\"Account#[0-9]+\", \"bank\\\\.accounts\"]\n",
    )
    .unwrap();
    let out = causeway(&["analyze", &demo(), "--format", "html"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(!page.contains("Account#"), "a variable name leaks");
    assert!(!page.contains("bank.accounts"), "a function name leaks");
    assert!(page.contains("[redacted]"));
}
