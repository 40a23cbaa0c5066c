//! Times Causeway's Extended Isolation Forest (fit + score of every row) on a
//! CSV feature matrix and prints one JSON line per configuration, in the
//! format of bench/eif/sklearn_bench.py:
//!
//!   eif-bench FILE.csv [--runs R] [--threads T] [--pipeline]
//!
//! The CSV has a header row; its last column is `label`, 1 for the planted
//! outliers. Configurations: full extension and extension level 0 (the
//! original Isolation Forest, what scikit-learn implements), both with 100
//! trees of 256 rows and a fixed seed. precision@k: of the k rows scored
//! highest, k = the number of labelled outliers, the share that is labelled.
//!
//! `--pipeline` (for matrices of Causeway's scaled call features, from
//! `requestgen --features`) adds the way `causeway analyze` ranks: the
//! forest fitted on at most 65,536 rows, and only the rows that can be
//! reported (a feature at least 4 robust units above its median) scored;
//! the others rank last.

use std::time::Instant;

use causeway::analysis::anomaly::forest::{Forest, ForestParams, Matrix};
use causeway::analysis::anomaly::outliers;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut runs = 5usize;
    let mut threads = 0usize;
    let mut pipeline = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = number(args.next(), "--runs"),
            "--threads" => threads = number(args.next(), "--threads"),
            "--pipeline" => pipeline = true,
            _ if path.is_none() => path = Some(arg),
            _ => fail(&format!("unexpected argument {arg}")),
        }
    }
    let path = path.unwrap_or_else(|| fail("usage: eif-bench FILE.csv [--runs R] [--threads T]"));
    if threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .unwrap_or_else(|e| fail(&e.to_string()));
    }
    let (data, labels) = read_csv(&path);
    let name = std::path::Path::new(&path)
        .file_name()
        .map_or(path.clone(), |n| n.to_string_lossy().into_owned());

    for (config, extension_level) in [
        ("causeway EIF full", None),
        ("causeway EIF ext 1", Some(1)),
        ("causeway EIF ext 0", Some(0)),
    ] {
        let params = ForestParams {
            trees: 100,
            sample_size: 256,
            extension_level,
            seed: 42,
        };
        measure(&name, config, &data, &labels, runs, || {
            let forest = Forest::fit(&data, &params);
            forest.score_all(&data).iter().map(|s| s.score).collect()
        });
    }
    if pipeline {
        measure(
            &name,
            "causeway analyze (ext 1)",
            &data,
            &labels,
            runs,
            || pipeline_scores(&data, 42),
        );
    }
}

/// Times `fit_and_score` (median of `runs`) and prints its JSON line.
fn measure(
    data_name: &str,
    tool: &str,
    data: &Matrix,
    labels: &[bool],
    runs: usize,
    fit_and_score: impl Fn() -> Vec<f64>,
) {
    let k = labels.iter().filter(|&&l| l).count();
    let mut seconds = Vec::new();
    let mut precision = 0.0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let scores = fit_and_score();
        seconds.push(start.elapsed().as_secs_f64());
        // The same every run (fixed seed); computed outside the timing.
        precision = precision_at_k(&scores, labels, k);
    }
    println!(
        "{}",
        serde_json::json!({
            "data": data_name,
            "tool": tool,
            "rows": data.rows(),
            "dim": data.dim,
            "runs": runs.max(1),
            "seconds": median(&mut seconds),
            "k": k,
            "precision_at_k": precision,
        })
    );
}

/// Fit and score as `causeway analyze` does (see `outliers`): the scores of
/// every row, those that cannot be reported at minus infinity.
fn pipeline_scores(data: &Matrix, seed: u64) -> Vec<f64> {
    let mut sample = Matrix::new(data.dim);
    for i in outliers::fit_sample(data.rows(), seed) {
        sample.push_row(data.row(i));
    }
    let forest = Forest::fit(&sample, &outliers::forest_params(seed));
    let candidates: Vec<usize> = (0..data.rows())
        .filter(|&i| {
            data.row(i)
                .iter()
                .any(|&z| z >= outliers::MIN_FEATURE_DEVIATION)
        })
        .collect();
    let mut rows = Matrix::new(data.dim);
    for &i in &candidates {
        rows.push_row(data.row(i));
    }
    let mut scores = vec![f64::NEG_INFINITY; data.rows()];
    for (i, scored) in candidates.into_iter().zip(forest.score_all(&rows)) {
        scores[i] = scored.score;
    }
    scores
}

fn number(value: Option<String>, flag: &str) -> usize {
    value
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fail(&format!("{flag} needs a number")))
}

fn fail(message: &str) -> ! {
    eprintln!("eif-bench: {message}");
    std::process::exit(2);
}

fn read_csv(path: &str) -> (Matrix, Vec<bool>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap_or_else(|| fail(&format!("{path}: empty")));
    let columns = header.split(',').count();
    if columns < 2 || header.rsplit(',').next().map(str::trim) != Some("label") {
        fail(&format!("{path}: the last column must be `label`"));
    }
    let mut data = Matrix::new(columns - 1);
    let mut labels = Vec::new();
    let mut row = Vec::with_capacity(columns);
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        row.clear();
        for field in line.split(',') {
            let v: f64 = field
                .trim()
                .parse()
                .unwrap_or_else(|_| fail(&format!("{path}:{}: not a number: {field}", n + 2)));
            row.push(v);
        }
        if row.len() != columns {
            fail(&format!(
                "{path}:{}: {} fields, expected {columns}",
                n + 2,
                row.len()
            ));
        }
        labels.push(row[columns - 1] != 0.0);
        data.push_row(&row[..columns - 1]);
    }
    (data, labels)
}

/// Share of labelled rows among the `k` highest scores (ties broken by row
/// order, as sklearn_bench.py's stable sort does).
fn precision_at_k(scores: &[f64], labels: &[bool], k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order[..k].iter().filter(|&&i| labels[i]).count() as f64 / k as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
