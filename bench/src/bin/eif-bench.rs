//! Times Causeway's Extended Isolation Forest (fit + score of every row) on a
//! CSV feature matrix and prints one JSON line per configuration, in the
//! format of bench/eif/sklearn_bench.py:
//!
//!   eif-bench FILE.csv [--runs R] [--threads T]
//!
//! The CSV has a header row; its last column is `label`, 1 for the planted
//! outliers. Configurations: full extension and extension level 0 (the
//! original Isolation Forest, what scikit-learn implements), both with 100
//! trees of 256 rows and a fixed seed. precision@k: of the k rows scored
//! highest, k = the number of labelled outliers, the share that is labelled.

use std::time::Instant;

use causeway::analysis::anomaly::forest::{Forest, ForestParams, Matrix};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut runs = 5usize;
    let mut threads = 0usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = number(args.next(), "--runs"),
            "--threads" => threads = number(args.next(), "--threads"),
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
    let k = labels.iter().filter(|&&l| l).count();
    let name = std::path::Path::new(&path)
        .file_name()
        .map_or(path.clone(), |n| n.to_string_lossy().into_owned());

    for (config, extension_level) in [("causeway EIF full", None), ("causeway EIF ext 0", Some(0))]
    {
        let params = ForestParams {
            trees: 100,
            sample_size: 256,
            extension_level,
            seed: 42,
        };
        let mut fit_s = Vec::new();
        let mut score_s = Vec::new();
        let mut total_s = Vec::new();
        let mut precision = 0.0;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            let forest = Forest::fit(&data, &params);
            let fitted = Instant::now();
            let scored = forest.score_all(&data);
            let done = Instant::now();
            fit_s.push((fitted - start).as_secs_f64());
            score_s.push((done - fitted).as_secs_f64());
            total_s.push((done - start).as_secs_f64());
            let scores: Vec<f64> = scored.iter().map(|s| s.score).collect();
            // The same every run (fixed seed); computed outside the timing.
            precision = precision_at_k(&scores, &labels, k);
        }
        println!(
            "{}",
            serde_json::json!({
                "data": name,
                "tool": config,
                "rows": data.rows(),
                "dim": data.dim,
                "runs": runs.max(1),
                "seconds": median(&mut total_s),
                "fit_seconds": median(&mut fit_s),
                "score_seconds": median(&mut score_s),
                "k": k,
                "precision_at_k": precision,
            })
        );
    }
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
