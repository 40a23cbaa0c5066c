use super::*;
use crate::graph::view::{Options, build};
use crate::testutil::recording;

const HOSTILE: &str = "t1 w \"x\\\\y\"<b>;%%|]}{[#&`end @a.py:1\nt1 spawn t2\nt2 w z @b.py:2";

fn rendered(format: GraphFormat, spec: &str) -> String {
    let rec = recording(spec);
    let view = build(
        &rec,
        &Options {
            all_events: true,
            ..Options::default()
        },
    )
    .unwrap();
    let mut out = Vec::new();
    format.render(&rec, &view, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn mermaid_labels_hold_no_syntax_from_the_trace() {
    let out = rendered(GraphFormat::Mermaid, HOSTILE);
    let entity = regex::Regex::new(r"#[0-9]+;").unwrap();
    for line in out.lines().filter(|l| l.contains("[\"")) {
        let inner = &line[line.find("[\"").unwrap() + 2..line.rfind("\"]").unwrap()];
        // Entity codes (`#59;`) are the only `#` and `;` left.
        let inner = entity.replace_all(inner, "");
        assert!(!inner.contains('#'), "{line}");
        for bad in ['"', '[', ']', '<', '>', ';', '|', '{', '}', '`', '%', '\\'] {
            assert!(!inner.contains(bad), "{bad} in {line}");
        }
    }
    assert!(out.contains("#34;"), "{out}");
}

#[test]
fn dot_labels_escape_quotes_and_backslashes() {
    let out = rendered(GraphFormat::Dot, HOSTILE);
    let line = out.lines().find(|l| l.contains("state_write")).unwrap();
    assert!(line.contains(r#"\"x\\"#), "{line}");
    assert_eq!(
        line.matches('"').count() - line.matches("\\\"").count(),
        4,
        "{line}"
    );
}

#[test]
fn json_is_valid_and_documented_shape() {
    let out = rendered(GraphFormat::Json, HOSTILE);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["format"], "causeway-graph");
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 3);
    assert!(
        doc["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["rule"] == "spawn")
    );
}
