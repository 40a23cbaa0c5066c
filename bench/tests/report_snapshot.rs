//! Guards the optimizations: the JSON report of a mid-size generated trace
//! of every shape must stay byte for byte what it was. A change here means
//! an optimization changed a result; review it as a behaviour change.

use causeway::analysis::analyze;
use causeway::report::{Format, Report};
use causeway_bench::generator::{Profile, Shape, generate};

/// Events per shape: enough for races, errors and clocks to show up, small
/// enough for a debug-build test.
const EVENTS: u64 = 20_000;

fn report_of(shape: Shape) -> String {
    // Fewer variables and more errors than the benchmark shapes, so that a
    // short trace still has races and error chains to get right.
    let base = Profile::of(shape, EVENTS);
    let profile = Profile {
        variables: base.variables.min(40),
        errors: 0.003,
        ..base
    };
    let mut trace = Vec::new();
    generate(profile, EVENTS, 7, &mut trace).unwrap();
    let name = format!("{}-20k.jsonl", shape.name());
    let rec = causeway::ingest::load_bytes(vec![(name, trace)]).unwrap();
    assert_eq!(rec.events.len() as u64, EVENTS);
    let report = Report::build(&rec, &analyze(&rec, Some(&Default::default())));
    let mut out = Vec::new();
    Format::Json
        .renderer(false)
        .render(&report, &mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn generated_reports_stay_the_same() {
    for shape in Shape::ALL {
        let report = report_of(shape);
        // Whole reports of the deep shape hold 1000-step chains: keep the
        // snapshot readable by summarizing chains to their length.
        let value: serde_json::Value = serde_json::from_str(&report).unwrap();
        insta::assert_json_snapshot!(shape.name(), shorten_chains(value));
    }
}

/// Replaces every long `chain`, `steps` or `path` array by its two ends and
/// its length; the ends and the count still catch any change.
fn shorten_chains(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, v)| {
                    let v = match (key.as_str(), v) {
                        ("chain" | "steps" | "path", Value::Array(items)) if items.len() > 6 => {
                            let n = items.len();
                            serde_json::json!({
                                "length": n,
                                "first": shorten_chains(items[0].clone()),
                                "last": shorten_chains(items[n - 1].clone()),
                            })
                        }
                        (_, v) => shorten_chains(v),
                    };
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(shorten_chains).collect()),
        other => other,
    }
}
