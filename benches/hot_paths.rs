//! Micro-benchmarks of the hot paths (divan): parsing one line, vector-clock
//! join and comparison, race checking per access, and building a trace's
//! causal graph. Run with `cargo bench --bench hot_paths`; the end-to-end
//! numbers come from `bench/run.sh`.

use causeway::analysis::analyze;
use causeway::graph::clock::{self, VectorClock};
use causeway::graph::{TraceGraph, edges::sync_edges};
use causeway::ingest::{jsonl, load_bytes};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

const LINE: &str = r#"{"id":"6f1c6a3e-0d7b-4b61-9a55-0c1f6f0e0a02","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","parent_id":"6f1c6a3e-0d7b-4b61-9a55-0c1f6f0e0a01","timestamp":"2026-11-26T10:00:00.000020Z","kind":"state_write","metadata":{"service":"shop","thread":"worker-3","language":"python","variable":"Account#12.balance","old_value":30,"value":42,"function":"shop.cart.add_item","file":"shop/cart.py","line":47}}"#;

#[divan::bench]
fn parse_line() -> usize {
    let event = jsonl::parse_line(black_box(LINE.as_bytes())).unwrap();
    event.id.len()
}

#[divan::bench]
fn parse_line_with_an_escape_and_a_clock(bencher: Bencher) {
    let line = LINE
        .replace("shop.cart.add_item", "shop.cart.add\\u005fitem")
        .replace(
            r#""kind":"#,
            r#""causality_vector":[["shop/worker-3",12],["shop/worker-4",7]],"kind":"#,
        );
    bencher.bench(|| {
        jsonl::parse_line(black_box(line.as_bytes()))
            .unwrap()
            .timestamp_ns
    });
}

fn dense_clock(threads: u32, offset: u64) -> VectorClock {
    VectorClock::from_sorted(
        (0..threads)
            .map(|t| (t, u64::from(t) * 3 + offset))
            .collect(),
    )
}

#[divan::bench(args = [4, 32, 64])]
fn clock_join(bencher: Bencher, threads: u32) {
    let other = dense_clock(threads, 5);
    bencher
        .with_inputs(|| dense_clock(threads, 1))
        .bench_local_refs(|clock| clock.join(black_box(other.entries())));
}

#[divan::bench(args = [4, 32, 64])]
fn clock_compare(bencher: Bencher, threads: u32) {
    let (a, b) = (dense_clock(threads, 1), dense_clock(threads, 2));
    bencher.bench(|| clock::before(black_box(a.entries()), black_box(b.entries())));
}

/// A trace of `accesses` locked read-modify-writes by `threads` threads on
/// one variable, in round-robin.
fn contended_trace(threads: usize, accesses: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..accesses {
        let t = i % threads;
        for (n, (kind, extra)) in [
            ("lock_acquire", r#""lock":"L""#),
            ("state_read", r#""variable":"x","file":"a.py","line":10"#),
            ("state_write", r#""variable":"x","file":"a.py","line":11"#),
            ("lock_release", r#""lock":"L""#),
        ]
        .iter()
        .enumerate()
        {
            out.push_str(&format!(
                r#"{{"id":"e{i}-{n}","trace_id":"t{}","timestamp":"2026-11-26T10:00:00Z","kind":"{kind}","metadata":{{"thread":"t{t}",{extra}}}}}"#,
                i / 100
            ));
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// The whole analysis (sync edges, happens-before, races, root causes) per
/// access, on a recording already in
/// memory (divided by the number of accesses: 2 per iteration of the loop).
#[divan::bench(args = [4, 64])]
fn analysis_per_access(bencher: Bencher, threads: usize) {
    const ACCESSES: usize = 5_000;
    let rec = load_bytes(vec![(
        "bench.jsonl".into(),
        contended_trace(threads, ACCESSES),
    )])
    .unwrap();
    bencher
        .counter(divan::counter::ItemsCount::new(2 * ACCESSES))
        .bench(|| analyze(black_box(&rec), None).races.racy_events);
}

#[divan::bench]
fn trace_graph_build(bencher: Bencher) {
    let rec = load_bytes(vec![("bench.jsonl".into(), contended_trace(8, 5_000))]).unwrap();
    let edges = sync_edges(&rec);
    let trace = rec.event(causeway::model::EventIdx(0)).trace;
    let events: Vec<_> = rec
        .indices()
        .filter(|&i| rec.event(i).trace == trace)
        .collect();
    bencher
        .counter(divan::counter::ItemsCount::new(events.len()))
        .bench(|| TraceGraph::build(&rec, trace, black_box(&events), &edges).event_count());
}
