//! `requestgen`: writes a request trace with planted outliers (see
//! `causeway_bench::requests`) and prints the planted event ids as JSON.
//! With `--features`, also writes the per-call feature matrix Causeway's
//! outlier model sees (robustly scaled, one row per call) as CSV with a last
//! column `label` (1 for the planted calls), for `bench/eif.sh`.
//!
//! ```text
//! requestgen --requests 600 --seed 1 [--clean] [--plants N] [--features FILE.csv] -o requests.jsonl
//! ```

use causeway::analysis::anomaly::Context;
use causeway::analysis::anomaly::features::{CALL_COLUMNS, Scaling, call_peers, call_rows};
use causeway_bench::requests::{Plan, Planted, generate};
use std::collections::HashSet;
use std::io::Write;

fn usage() -> ! {
    eprintln!(
        "usage: requestgen --requests N [--seed S] [--clean] [--plants N] [--features FILE.csv] -o FILE"
    );
    std::process::exit(2)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut requests, mut seed, mut clean, mut output) = (None, 1u64, false, None);
    let (mut plants, mut features) = (1usize, None);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--clean" => clean = true,
            "--requests" => requests = args.next().and_then(|v| v.parse().ok()),
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--plants" => {
                plants = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--features" => features = args.next(),
            "-o" | "--output" => output = args.next(),
            _ => usage(),
        }
    }
    let (Some(requests), Some(output)) = (requests, output) else {
        usage()
    };
    let plan = if clean {
        Plan::clean(requests, seed)
    } else {
        Plan {
            plants,
            ..Plan::planted(requests, seed)
        }
    };
    let mut trace = Vec::new();
    let planted = generate(plan, &mut trace)?;
    std::fs::write(&output, &trace)?;
    println!(
        "{{\"events\":{},\"fetch_calls\":{},\"slow_calls\":{:?},\"wide_requests\":{:?}}}",
        planted.events, planted.fetch_calls, planted.slow_calls, planted.wide_requests
    );
    if let Some(path) = features {
        write_features(trace, &planted, &path)?;
    }
    Ok(())
}

/// The call features of the trace, scaled as the outlier model scales them,
/// labelled with the planted calls.
fn write_features(trace: Vec<u8>, planted: &Planted, path: &str) -> std::io::Result<()> {
    let rec = causeway::ingest::load_bytes(vec![("requests.jsonl".into(), trace)])
        .map_err(std::io::Error::other)?;
    let cx = Context::new(&rec);
    let table = cx.call_measures();
    let peers = call_peers(table);
    let rows = call_rows(table, &peers);
    let scaling = Scaling::fit(&rows, &CALL_COLUMNS);
    let outliers: HashSet<&str> = planted
        .slow_calls
        .iter()
        .chain(&planted.wide_requests)
        .map(String::as_str)
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let names: Vec<&str> = CALL_COLUMNS.iter().map(|c| c.name).collect();
    writeln!(out, "{},label", names.join(","))?;
    for (call, row) in table.rows.iter().zip(&rows) {
        let scaled: Vec<String> = scaling.apply(row).iter().map(|v| v.to_string()).collect();
        let label = u8::from(outliers.contains(rec.id_str(call.entry)));
        writeln!(out, "{},{label}", scaled.join(","))?;
    }
    out.flush()
}
