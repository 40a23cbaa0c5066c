//! `anomaly-rates`: how often the anomaly detectors find planted outliers
//! and how many anomalies they report on clean traces, over many seeds of
//! the request workload (`causeway_bench::requests`). The numbers in
//! docs/anomalies.md come from here.
//!
//! ```text
//! anomaly-rates [--seeds N] [--requests R]
//! ```

use causeway::analysis::anomaly::{Found, Settings, detect};
use causeway::model::Recording;
use causeway_bench::requests::{Plan, generate};
use std::collections::BTreeMap;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut seeds, mut requests) = (50u64, 500usize);
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--seeds", Some(v)) => seeds = v,
            ("--requests", Some(v)) => requests = v as usize,
            _ => {
                eprintln!("usage: anomaly-rates [--seeds N] [--requests R]");
                std::process::exit(2);
            }
        }
    }
    let settings = Settings::default();
    let (mut slow_ranks, mut wide_ranks) = (Vec::new(), Vec::new());
    let (mut clean_total, mut clean_max, mut clean_calls, mut clean_events) = (0, 0, 0, 0);
    let mut clean_codes: BTreeMap<String, usize> = BTreeMap::new();
    for seed in 0..seeds {
        let (rec, planted) = load(Plan::planted(requests, 10_000 + seed));
        let found = detect(&rec, &settings);
        slow_ranks.push(rank(&rec, &found, &planted.slow_calls[0]));
        wide_ranks.push(rank(&rec, &found, &planted.wide_requests[0]));

        let (rec, planted) = load(Plan::clean(requests, 10_000 + seed));
        let found = detect(&rec, &settings);
        clean_total += found.len();
        clean_max = clean_max.max(found.len());
        clean_calls += planted.fetch_calls as usize + 3 * requests;
        clean_events += rec.events.len();
        for f in &found {
            *clean_codes
                .entry(format!("{}/{}", f.code, f.detection.anomaly_type))
                .or_default() += 1;
        }
    }
    let top5 = |ranks: &[Option<usize>]| ranks.iter().filter(|r| r.is_some_and(|r| r < 5)).count();
    let worst = |ranks: &[Option<usize>]| {
        ranks
            .iter()
            .map(|r| r.map_or("missing".to_string(), |r| (r + 1).to_string()))
            .max_by_key(|r| r.parse::<usize>().unwrap_or(usize::MAX))
            .unwrap_or_default()
    };
    println!("{seeds} seeds, {requests} requests per trace (seeds 10000 and up)");
    println!(
        "planted 20x call in the top 5: {}/{seeds} (worst rank {})",
        top5(&slow_ranks),
        worst(&slow_ranks)
    );
    println!(
        "planted 10x fan-out request in the top 5: {}/{seeds} (worst rank {})",
        top5(&wide_ranks),
        worst(&wide_ranks)
    );
    println!(
        "clean traces: {clean_total} anomalies in {seeds} traces ({:.2} per trace, at most {clean_max}); {:.4}% of {clean_calls} calls, {clean_events} events",
        clean_total as f64 / seeds as f64,
        100.0 * clean_total as f64 / clean_calls as f64
    );
    for (code, n) in clean_codes {
        println!("  {code}: {n}");
    }
}

fn load(plan: Plan) -> (Recording, causeway_bench::requests::Planted) {
    let mut trace = Vec::new();
    let planted = generate(plan, &mut trace).expect("writing to memory");
    let rec = causeway::ingest::load_bytes(vec![("requests.jsonl".into(), trace)])
        .expect("generated traces load");
    (rec, planted)
}

/// The position of the first anomaly that involves the event, if any.
fn rank(rec: &Recording, found: &[Found], id: &str) -> Option<usize> {
    found.iter().position(|f| {
        f.detection
            .affected
            .iter()
            .any(|&event| rec.id_str(event) == id)
    })
}
