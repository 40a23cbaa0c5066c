//! Writes a synthetic feature matrix for the anomaly benchmark (bench/eif.sh)
//! as CSV: a header `f0,...,f{D-1},label`, then one row per call, `label` 1
//! for the planted outliers. The same arguments always give the same file.
//!
//!   eif-data --rows 100000 [--dim 10] [--seed 1] [--out file.csv]
//!
//! The rows imitate per-call features: a mixture of three clusters (kinds of
//! calls), each a correlated Gaussian in a latent space; the first half of
//! the columns are exponentiated (lognormal: durations, sizes, with heavy
//! right tails), the rest stay Gaussian. 0.1% of the rows are planted
//! outliers of three kinds, in equal shares:
//!
//! - one feature far out (20 to 30 latent standard deviations), the rest
//!   ordinary: a call that is slow, or huge, and nothing else;
//! - four features each moderately off (5 latent standard deviations, with
//!   alternating signs against the correlations), jointly rare;
//! - a point between two clusters, ordinary for neither.
//!
//! Any CSV of the same shape (columns = features, last = 0/1 label) can be
//! given to eif-bench and sklearn_bench.py instead, e.g. features taken from
//! real traces.

use std::io::{BufWriter, Write};

use causeway_bench::Rng;

fn main() {
    let mut rows = 100_000usize;
    let mut dim = 10usize;
    let mut seed = 1u64;
    let mut out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--rows" => rows = value().parse().unwrap_or_else(|_| usage("bad --rows")),
            "--dim" => dim = value().parse().unwrap_or_else(|_| usage("bad --dim")),
            "--seed" => seed = value().parse().unwrap_or_else(|_| usage("bad --seed")),
            "--out" => out = Some(value()),
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    if dim < 4 {
        usage("--dim must be at least 4 (the joint outliers move four features)");
    }
    let result = match out {
        Some(path) => {
            std::fs::File::create(&path).and_then(|f| write(BufWriter::new(f), rows, dim, seed))
        }
        None => write(BufWriter::new(std::io::stdout().lock()), rows, dim, seed),
    };
    if let Err(e) = result {
        eprintln!("eif-data: {e}");
        std::process::exit(1);
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("eif-data: {problem}\nusage: eif-data --rows N [--dim D] [--seed S] [--out FILE]");
    std::process::exit(2);
}

/// Standard normal by Box–Muller (one of the pair; speed does not matter).
fn normal(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - unit(rng);
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A kind of call: latent mean and a mixing matrix (lower triangular, so
/// neighbouring features are correlated).
struct Cluster {
    weight: f64,
    mean: Vec<f64>,
    mix: Vec<Vec<f64>>,
}

impl Cluster {
    fn new(rng: &mut Rng, dim: usize, weight: f64, spread: f64) -> Cluster {
        // Gaussian features: clusters well apart. Lognormal features: means
        // close together, or the largest cluster's values would dwarf the
        // others' (a tail of one kind of call hidden in the body of another).
        let mean = (0..dim)
            .map(|j| if j < dim / 2 { 0.8 } else { 3.0 } * normal(rng))
            .collect();
        let mix = (0..dim)
            .map(|i| {
                (0..dim)
                    .map(|j| match j {
                        _ if j == i => spread * (0.6 + 0.4 * unit(rng)),
                        _ if j < i && j + 3 > i => spread * 0.5 * normal(rng),
                        _ => 0.0,
                    })
                    .collect()
            })
            .collect();
        Cluster { weight, mean, mix }
    }

    /// A latent point at `z` standard deviations from the mean.
    fn at(&self, z: &[f64]) -> Vec<f64> {
        self.mean
            .iter()
            .zip(&self.mix)
            .map(|(m, row)| m + row.iter().zip(z).map(|(a, b)| a * b).sum::<f64>())
            .collect()
    }
}

fn write(mut out: impl Write, rows: usize, dim: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    let clusters = [
        Cluster::new(&mut rng, dim, 0.6, 0.5),
        Cluster::new(&mut rng, dim, 0.3, 0.35),
        Cluster::new(&mut rng, dim, 0.1, 0.25),
    ];
    let outliers = (rows / 1000).max(1).min(rows);
    // Outlier rows are spread evenly through the file, so no tool can profit
    // from their position.
    let every = rows / outliers;

    let header: Vec<String> = (0..dim).map(|j| format!("f{j}")).collect();
    writeln!(out, "{},label", header.join(","))?;
    let mut planted = 0;
    let mut line = String::new();
    for i in 0..rows {
        let outlier = planted < outliers && i % every == every - 1;
        let pick = unit(&mut rng);
        let mut c = 0;
        let mut acc = clusters[0].weight;
        while pick > acc && c + 1 < clusters.len() {
            c += 1;
            acc += clusters[c].weight;
        }
        let mut z: Vec<f64> = (0..dim).map(|_| normal(&mut rng)).collect();
        let latent = if outlier {
            planted += 1;
            match planted % 3 {
                0 => {
                    let j = rng.below(dim as u64) as usize;
                    let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
                    z[j] = sign * (20.0 + 10.0 * unit(&mut rng));
                    clusters[c].at(&z)
                }
                1 => {
                    // Four distinct features, 5 sigma each, alternating signs
                    // so that correlated neighbours disagree.
                    let mut moved = Vec::new();
                    while moved.len() < 4 {
                        let j = rng.below(dim as u64) as usize;
                        if !moved.contains(&j) {
                            z[j] = if moved.len() % 2 == 0 { 5.0 } else { -5.0 };
                            moved.push(j);
                        }
                    }
                    clusters[c].at(&z)
                }
                _ => {
                    let other = (c + 1 + rng.below(2) as usize) % clusters.len();
                    let (a, b) = (clusters[c].at(&z), clusters[other].at(&z));
                    a.iter().zip(&b).map(|(x, y)| 0.5 * (x + y)).collect()
                }
            }
        } else {
            clusters[c].at(&z)
        };
        line.clear();
        for (j, v) in latent.iter().enumerate() {
            let value = if j < dim / 2 { v.exp() } else { *v };
            // Six significant digits: plenty for the forests, a third of the
            // file size of a round-trip representation.
            line.push_str(&format!("{value:.5e},"));
        }
        line.push(if outlier { '1' } else { '0' });
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}
