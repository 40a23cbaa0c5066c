//! Differential test of the race detector: `causeway analyze --format json`
//! must report exactly what a naive, independent oracle derives from the
//! contract in `shared/spec/trace-format.md`. The oracle builds Lamport's
//! happens-before relation (Lamport 1978, "Time, Clocks, and the Ordering of
//! Events in a Distributed System") as the transitive closure of the spec's six
//! edge rules (program order per file and (service, thread), `parent_id`,
//! spawn, join, lock release to the next acquire per service and file, send to
//! receive), or, where every event carries a `causality_vector`, as the
//! pointwise vector-clock order (Fidge 1988, Mattern 1989); it then checks all
//! pairs of accesses and forms the spec's race groups, one per (variable
//! identity, unordered pair of locations), each with its racy-event count: the
//! measure RAPID reports (Mathur, Kini, Viswanathan, "What happens-after the
//! first race?", OOPSLA 2018; github.com/umangm/rapid), events that race with
//! an earlier event at the group's other location. Random executions of
//! simulated concurrent programs (threads spawned and awaited, locks that
//! really exclude, messages, nested functions and cross-thread parents, two
//! services, global and atomic variables, colliding source locations) are
//! written as v1 JSONL: in one file with the rules deciding; with given vector
//! clocks that carry orderings the file does not show (or leave visible edges
//! out, or do not tick on every event); split over two files passed as two
//! paths; sometimes in a buffered recorder's order, where causes may follow
//! their effects in the file; and a few long ones. The groups (service,
//! variable, sorted locations, racy events), `summary.races`,
//! `summary.racy_events` and the exit code must be equal, and each group's
//! example must be a real racing pair in file order. The oracle is itself
//! checked against hand-worked answers and against the simulator's own vector
//! clocks, and RAPID's sample traces (`shared/traces/std`) check oracle and
//! binary against RAPID's published counts.
//!
//! `PROPTEST_CASES` (default 256 per mode), `PROPTEST_RNG_SEED` (default: a
//! fixed seed per mode) and `ORACLE_LONG_CASES` (default 12 per mode) override
//! the random part; `ORACLE_REPRO_DIR` keeps the minimal failing recording.
//! Each mode has a wall-clock budget (20 s, long executions 6 s; unset when
//! the number of cases is given; `ORACLE_BUDGET_SECS` sets it, 0 lifts it)
//! after which its remaining cases are skipped, and says so on stderr.

// The oracle indexes events by position on purpose: pairs (i, j) in file
// order are the whole point.
#![expect(
    clippy::needless_range_loop,
    reason = "clock maths reads clearest indexed by thread"
)]
#![expect(
    clippy::print_stderr,
    reason = "the tests say on stderr what they measured and skipped"
)]

#[path = "oracle/generator.rs"]
mod generator;
#[path = "oracle/hand.rs"]
mod hand;
#[path = "oracle/harness.rs"]
mod harness;
#[path = "oracle/spec_oracle.rs"]
mod spec_oracle;
#[path = "support/mod.rs"]
mod support;

use generator::Family;
use hand::{Case, Want};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use spec_oracle::Rule;
use std::collections::BTreeSet;
use support::shared_traces;

use harness::{Row, oracle_rows};

fn want_rows(w: &[Want]) -> Vec<Row> {
    let mut v: Vec<Row> = w
        .iter()
        .map(|&(s, var, a, b, n)| {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            (
                s.map(str::to_string),
                var.to_string(),
                lo.to_string(),
                hi.to_string(),
                n,
            )
        })
        .collect();
    v.sort();
    v
}

fn check_oracle_case(c: &Case) -> Result<spec_oracle::Report, String> {
    let r = spec_oracle::analyze(&c.files);
    let (got, want) = (oracle_rows(&r), want_rows(&c.groups));
    if got != want || r.racy.len() != c.racy {
        return Err(format!(
            "oracle wrong on hand case {:?}:\n  want groups {want:?}, racy {}\n  got  groups {got:?}, racy {}\n{}",
            c.name,
            c.racy,
            r.racy.len(),
            harness::render_files(&c.files)
        ));
    }
    Ok(r)
}

/// The oracle itself, on cases whose answers were worked out by hand.
#[test]
fn oracle_matches_hand_answers() {
    let failures: Vec<String> = hand::cases()
        .iter()
        .filter_map(|c| check_oracle_case(c).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The clock order: missing entries are 0; equal clocks are concurrent.
    let m = |v: &[(&str, u64)]| v.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert!(spec_oracle::clock_before(
        &m(&[("a", 1)]),
        &m(&[("a", 1), ("b", 1)])
    ));
    assert!(spec_oracle::clock_before(
        &m(&[("a", 1), ("b", 0)]),
        &m(&[("a", 2)])
    ));
    assert!(!spec_oracle::clock_before(
        &m(&[("a", 1)]),
        &m(&[("a", 1), ("b", 0)])
    ));
    assert!(!spec_oracle::clock_before(
        &m(&[("a", 2)]),
        &m(&[("a", 1), ("b", 5)])
    ));
    assert!(!spec_oracle::clock_before(&m(&[("b", 1)]), &m(&[("a", 1)])));

    // Trace ids: hyphenated UUID and 32-hex spelling are one trace.
    assert_eq!(
        spec_oracle::normalize_trace_id("4bf92f35-77b3-4da6-a3ce-929d0e0e4736"),
        spec_oracle::normalize_trace_id("4bf92f3577b34da6a3ce929d0e0e4736")
    );
    assert_ne!(
        spec_oracle::normalize_trace_id("run-1"),
        spec_oracle::normalize_trace_id("run-2")
    );

    // Locations.
    let loc = |v: serde_json::Value| spec_oracle::location_of(&v);
    assert_eq!(
        loc(serde_json::json!({"file": "a.py", "line": 3, "function": "f"})),
        "a.py:3"
    );
    assert_eq!(
        loc(serde_json::json!({"file": "a.py", "function": "f"})),
        "f"
    );
    assert_eq!(loc(serde_json::json!({"line": 3})), "<unknown>");
}

/// The random generator exercises every rule and every corner it is meant to
/// (checked without the binary, so this says nothing about causeway).
#[test]
fn generator_covers_the_rules_and_the_oracle_agrees_with_simulated_clocks() {
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let (mut with_races, mut without, mut total) = (0, 0, 0);
    let (mut conflicting_ordered, mut conflicting_racing, mut clocks_change_verdict) = (0, 0, 0);
    for family in [Family::OneFile, Family::GivenClocks, Family::TwoFiles] {
        let strategy = generator::scenario(family);
        for _ in 0..300 {
            let sc = strategy.new_tree(&mut runner).unwrap().current();
            let g = generator::generate(&sc);
            let r = spec_oracle::analyze(&g.files);
            harness::self_consistency(&sc, &g, &r).unwrap();
            total += 1;
            if r.groups.is_empty() {
                without += 1;
            } else {
                with_races += 1;
            }
            let cross = |a: usize, b: usize| {
                r.evs[a].service != r.evs[b].service
                    || r.evs[a].thread != r.evs[b].thread
                    || r.evs[a].file != r.evs[b].file
            };
            for (a, b, rule) in spec_oracle::rule_edges(&r.evs) {
                if cross(a, b) {
                    seen.insert(match rule {
                        Rule::ProgramOrder => "program order across threads (bug)",
                        Rule::Parent => "cross-thread parent edge",
                        Rule::Spawn => "spawn edge",
                        Rule::Join => "join edge",
                        Rule::Lock => "cross-thread lock edge",
                        Rule::Message => "cross-thread message edge",
                    });
                }
            }
            let n = r.evs.len();
            for j in 0..n {
                for i in 0..j {
                    let (a, b) = (&r.evs[i], &r.evs[j]);
                    if a.is_access()
                        && b.is_access()
                        && a.identity() == b.identity()
                        && (&a.service, &a.thread) != (&b.service, &b.thread)
                        && (a.is_nonatomic_write() || b.is_nonatomic_write())
                    {
                        if r.hb[i][j] || r.hb[j][i] {
                            conflicting_ordered += 1;
                        } else {
                            conflicting_racing += 1;
                        }
                    }
                }
            }
            if spec_oracle::clocks_decide(&r.evs) {
                let closure = spec_oracle::closure(r.evs.len(), &spec_oracle::rule_edges(&r.evs));
                let by_rules: BTreeSet<(usize, usize)> = (0..n)
                    .flat_map(|j| (0..j).map(move |i| (i, j)))
                    .filter(|&(i, j)| spec_oracle::races(&r.evs, &closure, i, j))
                    .collect();
                let by_clocks: BTreeSet<(usize, usize)> = r
                    .groups
                    .values()
                    .flat_map(|g| g.pairs.iter().copied())
                    .collect();
                if (0..n).any(|j| {
                    (0..j).any(|i| {
                        r.evs[i].is_access()
                            && r.evs[j].is_access()
                            && r.evs[i].thread != r.evs[j].thread
                            && r.evs[i].clock == r.evs[j].clock
                    })
                }) {
                    seen.insert("equal clocks on two threads' accesses");
                }
                if by_rules != by_clocks {
                    clocks_change_verdict += 1;
                }
                if (0..n).any(|a| (0..n).any(|b| r.hb[a][b] && !closure[a][b])) {
                    seen.insert("clocks order a pair the rules do not");
                }
                if (0..n).any(|a| (0..n).any(|b| !r.hb[a][b] && closure[a][b])) {
                    seen.insert("clocks leave out a visible edge");
                }
            } else if r.evs.iter().any(|e| e.clock.is_some()) {
                seen.insert("partial clocks");
            }
            let hb_backwards = (0..r.evs.len())
                .any(|j| (0..j).any(|i| r.hb[j][i] && r.evs[i].file == r.evs[j].file));
            if hb_backwards {
                seen.insert("an event happens before one earlier in its file");
            }
            if r.evs.iter().any(|e| e.file == 1) {
                seen.insert("two files");
            }
            for (k, g) in &r.groups {
                if k.0.is_none() {
                    seen.insert("global group");
                }
                if k.2 == k.3 {
                    seen.insert("a location racing with itself");
                }
                if k.2 == "<unknown>" || k.3 == "<unknown>" {
                    seen.insert("<unknown> location");
                }
                if !k.2.contains(':') || !k.3.contains(':') {
                    seen.insert("function location");
                }
                if g.racy.len() >= 3 {
                    seen.insert("group with 3+ racy events");
                }
                if g.pairs.iter().any(|&(i, j)| {
                    r.evs[i].kind == "state_write"
                        && r.evs[j].kind == "state_write"
                        && (r.evs[i].atomic || r.evs[j].atomic)
                }) {
                    seen.insert("atomic write racing with a plain write");
                }
            }
            let sets: BTreeSet<(String, String)> = r
                .evs
                .iter()
                .map(|e| (e.service.clone(), e.thread.clone()))
                .collect();
            if sets
                .iter()
                .any(|(s, t)| t != "main" && sets.iter().any(|(s2, t2)| s2 != s && t2 == t))
            {
                seen.insert("same thread name in two services");
            }
        }
    }
    eprintln!(
        "generator: {total} scenarios, {with_races} with races, {without} without; conflicting cross-thread pairs: {conflicting_ordered} ordered, {conflicting_racing} racing; given clocks changed the race set in {clocks_change_verdict} of 300; seen {seen:#?}"
    );
    assert!(
        conflicting_ordered * 5 >= conflicting_racing,
        "synchronization rarely matters"
    );
    assert!(clocks_change_verdict >= 60, "given clocks rarely matter");
    assert!(!seen.contains("program order across threads (bug)"));
    for want in [
        "cross-thread parent edge",
        "spawn edge",
        "join edge",
        "cross-thread lock edge",
        "cross-thread message edge",
        "clocks order a pair the rules do not",
        "clocks leave out a visible edge",
        "partial clocks",
        "an event happens before one earlier in its file",
        "equal clocks on two threads' accesses",
        "two files",
        "global group",
        "a location racing with itself",
        "<unknown> location",
        "function location",
        "group with 3+ racy events",
        "atomic write racing with a plain write",
        "same thread name in two services",
    ] {
        assert!(seen.contains(want), "the generator never produced: {want}");
    }
    assert!(
        with_races * 10 >= total * 3,
        "too few racy scenarios: {with_races}/{total}"
    );
    assert!(
        without * 10 >= total,
        "too few race-free scenarios: {without}/{total}"
    );
}

/// The binary on the hand-written cases.
#[test]
fn binary_matches_oracle_on_hand_cases() {
    let mut failures = Vec::new();
    for c in hand::cases() {
        let r = match check_oracle_case(&c) {
            Ok(r) => r,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let out = harness::run_binary(&c.files);
        if let Err(e) = harness::compare(&c.files, &r, &out) {
            failures.push(format!("hand case {:?}: {e}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} hand case(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// RAPID's hand-written STD traces: the oracle reproduces RAPID's HB
/// racy-event and racy-line counts from SOURCES.md, and the binary agrees
/// with the oracle on their JSONL translation.
#[test]
fn rapid_std_traces_match_rapid_counts() {
    let Some(dir) = shared_traces() else {
        return;
    };
    let expectations =
        hand::std_expectations(&std::fs::read_to_string(dir.join("SOURCES.md")).unwrap());
    assert!(!expectations.is_empty(), "no .std rows in SOURCES.md");
    let mut failures = Vec::new();
    for (name, racy_events, racy_lines) in expectations {
        let text = std::fs::read_to_string(dir.join("std").join(&name)).unwrap();
        let files = vec![hand::std_to_jsonl(&name, &text)];
        let r = spec_oracle::analyze(&files);
        let lines: BTreeSet<&str> = r.racy.iter().map(|&i| r.evs[i].location.as_str()).collect();
        if r.racy.len() != racy_events || lines.len() != racy_lines {
            failures.push(format!(
                "oracle on {name}: {} racy events, {} racy lines; RAPID: {racy_events}, {racy_lines}",
                r.racy.len(),
                lines.len()
            ));
            continue;
        }
        let out = harness::run_binary(&files);
        if let Err(e) = harness::compare(&files, &r, &out) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn random_executions_one_file() {
    harness::run_family(Family::OneFile, 0x0ca5_e001);
}

#[test]
fn random_executions_given_clocks() {
    harness::run_family(Family::GivenClocks, 0x0ca5_e002);
}

#[test]
fn random_executions_two_files() {
    harness::run_family(Family::TwoFiles, 0x0ca5_e003);
}

#[test]
fn random_long_executions() {
    harness::run_long(Family::OneFile, 0x0ca5_e004);
    harness::run_long(Family::GivenClocks, 0x0ca5_e005);
    harness::run_long(Family::TwoFiles, 0x0ca5_e006);
}
