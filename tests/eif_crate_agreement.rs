//! Our Extended Isolation Forest against the `extended-isolation-forest`
//! crate (0.2.3), a port of the paper's reference implementation: on the
//! same data both must put the planted outliers on top, and score the rest
//! alike (Spearman rank correlation).
//!
//! The crate draws from the thread's random generator, so its scores change
//! from run to run: the datasets' outliers are far enough, and both forests
//! have enough trees, that the assertions hold with overwhelming probability.

use causeway::analysis::anomaly::forest::{Forest, ForestParams, Matrix};
use extended_isolation_forest as crate_eif;

const TREES: usize = 300;
/// The crate draws from an unseeded generator, so its ranking is a random
/// variable: with 300 trees it put a normal point above a planted one in
/// the two-cluster case in about 1 run of 15 (3 of 40, 3 of 60 measured).
/// Four times the trees shrink its noise so that the test does not fail by
/// chance (0 failures in 100 runs).
const CRATE_TREES: usize = 4 * TREES;
const SAMPLE: usize = 256;

/// SplitMix64 with Box–Muller: the test's data, the same on every run.
struct Data(u64);

impl Data {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u1, u2) = (1.0 - self.unit(), self.unit());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A dataset: ordinary rows first, then `outliers` planted rows.
struct Case {
    name: &'static str,
    rows: Vec<[f64; 3]>,
    outliers: usize,
}

fn cases() -> Vec<Case> {
    let mut d = Data(2024);
    let mut cases = Vec::new();

    // One round blob, outliers far in assorted directions.
    let mut rows: Vec<[f64; 3]> = (0..3000)
        .map(|_| [d.normal(), d.normal(), d.normal()])
        .collect();
    let far = [
        [7.0, 0.0, 0.0],
        [-4.5, 4.5, 4.0],
        [0.0, -6.0, 3.0],
        [5.0, 5.0, -5.0],
        [-6.5, -2.0, -1.0],
    ];
    rows.extend(far);
    cases.push(Case {
        name: "round blob",
        rows,
        outliers: far.len(),
    });

    // A correlated, stretched blob; the outliers sit beside its middle,
    // across the long axis (the tips of the long axis are sparse too, so
    // they have to be clearly farther out than the tips to rank first).
    let mut rows: Vec<[f64; 3]> = (0..3000)
        .map(|_| {
            let (a, b, c) = (d.normal(), d.normal(), d.normal());
            [2.0 * a, 1.8 * a + 0.4 * b, -a + 0.3 * b + 0.3 * c]
        })
        .collect();
    // The blob's long axis and two directions across it.
    let long = unit([2.0, 1.8, -1.0]);
    let across = unit(cross(long, [0.0, 0.0, 1.0]));
    let across2 = cross(long, across);
    let off: Vec<[f64; 3]> = [
        (0.0, 16.0, 0.0),
        (3.0, -16.0, 0.0),
        (-2.0, 0.0, 16.0),
        (1.0, 11.0, -11.0),
    ]
    .iter()
    .map(|&(l, a, b)| std::array::from_fn(|i| l * long[i] + a * across[i] + b * across2[i]))
    .collect();
    rows.extend(&off);
    cases.push(Case {
        name: "correlated blob",
        rows,
        outliers: off.len(),
    });

    // Two clusters of different spread, outliers between and beyond them.
    let mut rows: Vec<[f64; 3]> = (0..3000)
        .map(|i| {
            if i % 3 == 0 {
                [10.0 + 0.5 * d.normal(), 0.5 * d.normal(), 0.5 * d.normal()]
            } else {
                [d.normal(), d.normal(), d.normal()]
            }
        })
        .collect();
    let between = [
        [6.0, 0.0, 3.0],
        [10.0, 4.0, 0.0],
        [-6.0, 1.0, -1.0],
        [14.0, -2.0, 2.0],
        [5.0, -5.0, -5.0],
    ];
    rows.extend(between);
    cases.push(Case {
        name: "two clusters",
        rows,
        outliers: between.len(),
    });
    cases
}

fn unit(v: [f64; 3]) -> [f64; 3] {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.map(|x| x / norm)
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Ranks (1-based, ties share their average rank).
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// The indices of the `k` highest scores.
fn top(scores: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut top = order[..k].to_vec();
    top.sort_unstable();
    top
}

#[test]
fn ours_and_the_crate_agree_on_planted_outliers() {
    for case in cases() {
        let mut matrix = Matrix::new(3);
        for row in &case.rows {
            matrix.push_row(row);
        }
        let params = ForestParams {
            trees: TREES,
            sample_size: SAMPLE,
            extension_level: None,
            seed: 17,
        };
        let ours: Vec<f64> = Forest::fit(&matrix, &params)
            .score_all(&matrix)
            .iter()
            .map(|s| s.score)
            .collect();

        let options = crate_eif::ForestOptions {
            n_trees: CRATE_TREES,
            sample_size: SAMPLE,
            max_tree_depth: None,
            extension_level: 2, // full, as ours with `None` in 3 dimensions
        };
        let theirs_forest = crate_eif::Forest::from_slice(&case.rows, &options).unwrap();
        let theirs: Vec<f64> = case.rows.iter().map(|r| theirs_forest.score(r)).collect();

        let n = case.rows.len();
        let planted: Vec<usize> = (n - case.outliers..n).collect();
        assert_eq!(top(&ours, case.outliers), planted, "{}: ours", case.name);
        assert_eq!(top(&theirs, case.outliers), planted, "{}: crate", case.name);

        // Measured over repeated runs: 0.984 to 0.992 on these cases, and
        // two runs of the crate agree with each other as well (0.982 to
        // 0.993): the difference is the forests' randomness, not a bias.
        let rho = spearman(&ours, &theirs);
        assert!(rho >= 0.95, "{}: Spearman {rho}", case.name);
    }
}
