//! Extended Isolation Forest: an anomaly score per row of a feature matrix.
//!
//! The algorithm is the one of Hariri, Carrasco Kind and Brunner, "Extended
//! Isolation Forest" (IEEE Transactions on Knowledge and Data Engineering,
//! 2021; arXiv:1811.02141, 2018). Each tree isolates a random subsample by
//! cutting it with random hyperplanes; a row that is cut off after few cuts
//! lies in a sparse region. The original Isolation Forest (Liu, Ting and Zhou
//! 2008) only cuts parallel to the axes, which leaves axis-parallel "ghost"
//! bands of low scores in the score map; a random slope removes them.
//! `extension_level` counts the degrees of freedom of the slope: 0 is the
//! original forest, `dim - 1` (the default) a fully random slope.
//!
//! It lives in the project instead of coming from the `extended-isolation-forest`
//! crate because that crate cannot serve a product that must give the same
//! answer twice: it draws from the thread's unseedable random generator, so
//! two runs over the same trace score differently; it panics on NaN and
//! infinite values; and its dimension is a const generic, while Causeway
//! learns the number of features at run time. The crate stays a
//! dev-dependency, as a second opinion in `tests/eif_crate_agreement.rs`.
//!
//! Determinism is the point of this file, so it depends on nothing that could
//! change its numbers underneath it:
//!
//! - the random numbers come from a generator written here (SplitMix64 to
//!   seed xoshiro256**), the normals from Box–Muller, and the logarithm, sine,
//!   cosine and power of two that those and the score need are small
//!   polynomials written here too, using only `+ - * /` and `sqrt`, which
//!   IEEE 754 rounds the same everywhere (the platform's libm may differ in
//!   the last bit between systems and versions);
//! - each tree has its own random stream, derived from (seed, tree index), so
//!   trees are grown in parallel and the forest does not depend on the number
//!   of threads;
//! - a row's score sums its trees' path lengths in tree order, whichever
//!   thread scores it.
//!
//! Same data, same parameters: the same forest, bit for bit, and the same
//! scores.
//!
//! Two choices of this implementation, within the paper's algorithm:
//!
//! - A node's hyperplane keeps `extension_level + 1` non-zero components,
//!   chosen among the coordinates on which the node's points differ (as
//!   scikit-learn skips constant features): a cut along a constant
//!   coordinate cannot separate anything and would waste one of the few
//!   levels a tree has. At full extension every coordinate keeps its
//!   component, as in the paper.
//! - The split `(x - p)·n <= 0` is stored as `n·x <= n·p`, with `n·p`
//!   computed once at fit time: one multiply-add per component when scoring,
//!   and fitting partitions with the very same comparison.

mod maths;
mod rng;

use maths::{exp2, ln};
use rng::Rng;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Row-major matrix of finite f64 features.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub dim: usize,
    pub values: Vec<f64>,
}

impl Matrix {
    pub fn new(dim: usize) -> Self {
        Matrix {
            dim,
            values: Vec::new(),
        }
    }

    /// Appends a row; a row of the wrong length is cut or padded with zeros
    /// (a caller's bug, but it must not shift every later row).
    pub fn push_row(&mut self, row: &[f64]) {
        debug_assert_eq!(row.len(), self.dim, "row length differs from the matrix's");
        let kept = row.len().min(self.dim);
        self.values.extend_from_slice(&row[..kept]);
        self.values.resize(self.values.len() + self.dim - kept, 0.0);
    }

    /// The number of rows (0 when `dim` is 0: such rows hold nothing).
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    /// Number of trees.
    pub trees: usize,
    /// Rows drawn (without replacement) to grow each tree.
    pub sample_size: usize,
    /// Non-zero components of each hyperplane's normal, minus one: 0 is the
    /// original, axis-parallel Isolation Forest; `None` means full extension
    /// (`dim - 1`). Larger values are treated as full.
    pub extension_level: Option<usize>,
    pub seed: u64,
}

impl Default for ForestParams {
    /// The paper's defaults: 100 trees of 256 rows, full extension.
    fn default() -> Self {
        ForestParams {
            trees: 100,
            sample_size: 256,
            extension_level: None,
            seed: 0,
        }
    }
}

/// A fitted forest. Trees are flat node arrays, so a model file is a few
/// vectors of numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// The parameters it was grown with (provenance for a model file).
    params: ForestParams,
    dim: usize,
    /// psi: the rows each tree was grown from, `min(sample_size, rows)`.
    sample_size: usize,
    /// Components stored per node: `extension_level + 1`, at most `dim`.
    width: usize,
    trees: Vec<Tree>,
    /// Two-component trees repacked for scoring (built on first use).
    #[serde(skip)]
    packed: PairCache,
}

/// One step of a two-component tree with everything it reads in one place
/// (node, coordinates and components are three arrays otherwise): about a
/// quarter less time per row at extension level 1 (bench/eif.sh).
#[derive(Clone, Copy, Debug)]
struct PairStep {
    offset: f64,
    coefs: [f64; 2],
    dims: [u32; 2],
    child: u32,
}

/// The packed trees of a forest: derived data, so it neither takes part in
/// comparisons nor in clones or model files.
#[derive(Debug, Default)]
struct PairCache(std::sync::OnceLock<Vec<Vec<PairStep>>>);

impl Clone for PairCache {
    fn clone(&self) -> Self {
        PairCache::default()
    }
}

impl PartialEq for PairCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// One isolation tree. A leaf is its own child, with the zero normal and
/// offset 0, so it keeps every row: a row is therefore at its leaf after
/// exactly `height` steps, without a branch on whether a node is a leaf (the
/// scoring loop has no unpredictable branches).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Tree {
    /// Depth of the deepest leaf.
    height: u32,
    nodes: Vec<Node>,
    /// Leaves: depth + c(points in the leaf), the path length of a row ending
    /// there. Inner nodes: 0. Apart from `nodes`: read once per row and tree.
    path: Vec<f64>,
    /// The normals' non-zero coordinates, `width` per normal; empty when
    /// `width == dim` (dense normals, in coordinate order).
    dims: Vec<u32>,
    /// The normals' non-zero components, `width` per normal. Normal 0 is
    /// zero, shared by the leaves (inner nodes only cost the space).
    coefs: Vec<f64>,
}

/// A node sends a row `x` to `child` when `n·x <= offset` and to `child + 1`
/// otherwise, `n` its normal. What one step reads, in 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Node {
    offset: f64,
    child: u32,
    /// Index of the normal in `dims` and `coefs`, in units of `width`.
    normal: u32,
}

/// The anomaly score of one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// `2^(-E[h] / c(psi))`: near 1 for anomalies, about 0.5 or below for
    /// ordinary rows.
    pub score: f64,
    /// fraction of trees whose path length for the row is below c(sample_size), in [0,1]
    pub agreement: f64,
}

/// The score of a row when there is nothing to compare it with (no trees,
/// or trees grown from fewer than two rows): E[h] = c(psi) by convention.
const NEUTRAL: Scored = Scored {
    score: 0.5,
    agreement: 0.0,
};

/// Rows scored together: each tree is walked for the whole block at once,
/// so the tree stays in cache and the independent rows overlap in the CPU.
const BLOCK: usize = 256;

impl Forest {
    /// Grows the forest. Never panics: 0 or 1 rows, or `dim` 0, give a
    /// forest that scores every row [`NEUTRAL`]ly (0.5); non-finite values
    /// are a caller's bug (debug assertion) and read as 0 otherwise.
    pub fn fit(data: &Matrix, params: &ForestParams) -> Forest {
        let dim = data.dim;
        let rows = data.rows();
        let psi = params.sample_size.min(rows);
        let full = dim.saturating_sub(1);
        let width = params.extension_level.map_or(full, |e| e.min(full)) + 1;
        let width = width.min(dim);
        let grown = psi >= 2 && dim > 0;
        let trees = if grown {
            (0..params.trees)
                .into_par_iter()
                .map(|t| grow(data, psi, width, Rng::for_tree(params.seed, t as u64)))
                .collect()
        } else {
            Vec::new()
        };
        Forest {
            params: *params,
            dim,
            sample_size: psi,
            width,
            trees,
            packed: PairCache::default(),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Scores one row (`s = 2^(-E[h]/c(psi))`, psi the effective sample
    /// size). A row of the wrong length is cut or padded with zeros,
    /// non-finite values read as 0.
    pub fn score(&self, row: &[f64]) -> Scored {
        let mut clean: Vec<f64> = row.iter().take(self.dim).map(|&v| finite(v)).collect();
        clean.resize(self.dim, 0.0);
        let mut out = [NEUTRAL];
        self.score_block(&clean, &mut out);
        out[0]
    }

    /// Scores every row, in parallel over blocks of rows; each row's score is
    /// computed exactly as [`Forest::score`] would, whatever the threads.
    pub fn score_all(&self, data: &Matrix) -> Vec<Scored> {
        let rows = data.rows();
        if data.dim != self.dim {
            debug_assert_eq!(data.dim, self.dim, "matrix and forest differ in dim");
            return (0..rows).map(|i| self.score(data.row(i))).collect();
        }
        let mut out = vec![NEUTRAL; rows];
        if rows == 0 || self.trees.is_empty() {
            return out;
        }
        let dim = self.dim;
        data.values[..rows * dim]
            .par_chunks(BLOCK * dim)
            .zip(out.par_chunks_mut(BLOCK))
            .for_each(|(block, out)| {
                if block.iter().all(|v| v.is_finite()) {
                    self.score_block(block, out);
                } else {
                    let clean: Vec<f64> = block.iter().map(|&v| finite(v)).collect();
                    self.score_block(&clean, out);
                }
            });
        out
    }

    /// Scores `out.len()` (at most [`BLOCK`]) consecutive finite rows.
    fn score_block(&self, rows: &[f64], out: &mut [Scored]) {
        if self.trees.is_empty() || out.is_empty() {
            out.fill(NEUTRAL);
            return;
        }
        // One copy of the loop per kind of normal, so the innermost step has
        // no branch on it.
        let (dim, shape) = (self.dim, Shape::of(self.width, self.dim));
        let stride = shape.stride(self.width, dim);
        match shape {
            Shape::Dense if stride != dim => {
                let padded = pad_rows(rows, dim, stride);
                self.score_block_with::<Dense>(&padded, stride, stride, out)
            }
            Shape::Dense => self.score_block_with::<Dense>(rows, dim, stride, out),
            Shape::Single => self.score_block_with::<Single>(rows, dim, stride, out),
            Shape::Pair => {
                let packed = self.packed.0.get_or_init(|| {
                    self.trees
                        .iter()
                        .map(|tree| {
                            tree.nodes
                                .iter()
                                .map(|node| {
                                    let k = node.normal as usize;
                                    PairStep {
                                        offset: node.offset,
                                        coefs: [tree.coefs[2 * k], tree.coefs[2 * k + 1]],
                                        dims: [tree.dims[2 * k], tree.dims[2 * k + 1]],
                                        child: node.child,
                                    }
                                })
                                .collect()
                        })
                        .collect()
                });
                // The same products and sum as `Pair::dot`: the same bits.
                self.walk_block(rows, dim, out, |t, at, x| {
                    let step = packed[t][at as usize];
                    let dot = step.coefs[0] * x[step.dims[0] as usize]
                        + step.coefs[1] * x[step.dims[1] as usize];
                    step.child + u32::from(dot > step.offset)
                })
            }
            Shape::Sparse => self.score_block_with::<Sparse>(rows, dim, stride, out),
        }
    }

    /// `rows` have `row_stride` values each, the normals `stride` values.
    fn score_block_with<P: Project>(
        &self,
        rows: &[f64],
        row_stride: usize,
        stride: usize,
        out: &mut [Scored],
    ) {
        self.walk_block(rows, row_stride, out, |t, at, x| {
            let tree = &self.trees[t];
            let step = tree.nodes[at as usize];
            let dot = P::dot(tree, stride, step.normal as usize, x);
            step.child + u32::from(dot > step.offset)
        })
    }

    /// Walks every tree for a block of rows, `step(tree, node, row)` giving
    /// the next node.
    fn walk_block(
        &self,
        rows: &[f64],
        row_stride: usize,
        out: &mut [Scored],
        step: impl Fn(usize, u32, &[f64]) -> u32,
    ) {
        let n = out.len();
        let c_psi = average_path(self.sample_size);
        let mut sum = [0.0f64; BLOCK];
        let mut short = [0u32; BLOCK];
        let mut node = [0u32; BLOCK];
        for (t, tree) in self.trees.iter().enumerate() {
            node[..n].fill(0);
            // Level by level over the block: the rows' steps are independent,
            // so the processor overlaps them.
            for _ in 0..tree.height {
                for (at, x) in node[..n].iter_mut().zip(rows.chunks_exact(row_stride)) {
                    *at = step(t, *at, x);
                }
            }
            for r in 0..n {
                let h = tree.path[node[r] as usize];
                sum[r] += h;
                short[r] += u32::from(h < c_psi);
            }
        }
        let trees = self.trees.len() as f64;
        for (r, scored) in out.iter_mut().enumerate() {
            *scored = Scored {
                score: exp2(-(sum[r] / trees) / c_psi),
                agreement: f64::from(short[r]) / trees,
            };
        }
    }
}

/// How a forest stores its normals, from its width and dimension.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Every coordinate (full extension): no coordinate list.
    Dense,
    /// One coordinate (extension level 0): one product.
    Single,
    /// Two coordinates (extension level 1): two products, no loop.
    Pair,
    /// Some coordinates, listed in `dims`.
    Sparse,
}

/// Copies rows of `dim` values into rows of `stride`, zero-padded.
fn pad_rows(rows: &[f64], dim: usize, stride: usize) -> Vec<f64> {
    let mut padded = vec![0.0; rows.len() / dim * stride];
    for (to, from) in padded.chunks_exact_mut(stride).zip(rows.chunks_exact(dim)) {
        to[..dim].copy_from_slice(from);
    }
    padded
}

impl Shape {
    /// Values per stored normal (and per row, when scoring): dense normals
    /// and rows are padded with zeros to a multiple of 4, so the four-lane
    /// sum has no remainder loop.
    fn stride(self, width: usize, dim: usize) -> usize {
        match self {
            Shape::Dense => dim.div_ceil(4) * 4,
            Shape::Single | Shape::Pair | Shape::Sparse => width,
        }
    }

    fn of(width: usize, dim: usize) -> Shape {
        if width == dim {
            Shape::Dense
        } else if width == 1 {
            Shape::Single
        } else if width == 2 {
            Shape::Pair
        } else {
            Shape::Sparse
        }
    }
}

/// `n·x` for normal `k` of a tree (`stride` values per normal). Fitting and
/// scoring both go through these, so a training row goes the same way in
/// both.
trait Project {
    fn dot(tree: &Tree, stride: usize, k: usize, x: &[f64]) -> f64;
}

struct Dense;
struct Single;
struct Pair;
struct Sparse;

/// Products summed in four lanes (component i into lane i % 4), then
/// `(l0 + l1) + (l2 + l3)`: four short dependency chains instead of one long
/// one, and the compiler can use vector registers for the lanes. The order
/// is fixed by this code, not by the compiler or the machine.
fn sum4(acc: [f64; 4]) -> f64 {
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

impl Project for Dense {
    #[inline(always)]
    fn dot(tree: &Tree, stride: usize, k: usize, x: &[f64]) -> f64 {
        // Both padded to a multiple of 4 (`Shape::stride`).
        let coefs = &tree.coefs[k * stride..(k + 1) * stride];
        let mut acc = [0.0f64; 4];
        for (c, v) in coefs.chunks_exact(4).zip(x.chunks_exact(4)) {
            for lane in 0..4 {
                acc[lane] += c[lane] * v[lane];
            }
        }
        sum4(acc)
    }
}

impl Project for Single {
    #[inline(always)]
    fn dot(tree: &Tree, _width: usize, k: usize, x: &[f64]) -> f64 {
        tree.coefs[k] * x[tree.dims[k] as usize]
    }
}

impl Project for Pair {
    #[inline(always)]
    fn dot(tree: &Tree, _width: usize, k: usize, x: &[f64]) -> f64 {
        // The sum `Sparse` computes for two components, (a + b) + (0 + 0),
        // is a + b (up to the sign of a zero, which no comparison sees).
        let d: &[u32; 2] = tree.dims[2 * k..]
            .first_chunk()
            .expect("two coordinates per normal");
        let c: &[f64; 2] = tree.coefs[2 * k..]
            .first_chunk()
            .expect("two components per normal");
        c[0] * x[d[0] as usize] + c[1] * x[d[1] as usize]
    }
}

impl Project for Sparse {
    #[inline(always)]
    fn dot(tree: &Tree, width: usize, k: usize, x: &[f64]) -> f64 {
        let range = k * width..(k + 1) * width;
        let mut acc = [0.0f64; 4];
        for (n, (&d, c)) in tree.dims[range.clone()]
            .iter()
            .zip(&tree.coefs[range])
            .enumerate()
        {
            acc[n % 4] += c * x[d as usize];
        }
        sum4(acc)
    }
}

/// Non-finite inputs read as 0 (callers clean them; this only keeps a bad
/// value from steering every comparison).
fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// c(n): the average path length of an unsuccessful search in a binary search
/// tree of n keys, `2H(n-1) - 2(n-1)/n` with `H(i) ≈ ln(i) + γ`; exact for
/// n <= 2, where the approximation is poor.
fn average_path(n: usize) -> f64 {
    const EULER_GAMMA: f64 = 0.577_215_664_9;
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let m = (n - 1) as f64;
            2.0 * (ln(m) + EULER_GAMMA) - 2.0 * m / n as f64
        }
    }
}

/// Grows one tree from `psi` rows drawn without replacement.
fn grow(data: &Matrix, psi: usize, width: usize, mut rng: Rng) -> Tree {
    let dim = data.dim;
    let shape = Shape::of(width, dim);
    let dense = shape == Shape::Dense;
    let stride = if dense { shape.stride(width, dim) } else { dim };
    let picked = rng.sample(data.rows(), psi);
    let mut points = vec![0.0; psi * stride];
    for (to, &i) in points.chunks_exact_mut(stride).zip(&picked) {
        for (to, &v) in to.iter_mut().zip(data.row(i)) {
            debug_assert!(v.is_finite(), "Forest::fit given a non-finite value");
            *to = finite(v);
        }
    }
    let mut grower = Grower {
        points: &points,
        dim,
        row_stride: stride,
        width,
        normal_stride: shape.stride(width, dim),
        shape,
        limit: ceil_log2(psi),
        rng,
        order: (0..psi as u32).collect(),
        low: vec![0.0; dim],
        high: vec![0.0; dim],
        spread: Vec::with_capacity(dim),
        intercept: vec![0.0; stride],
        tree: Tree {
            height: 0,
            nodes: Vec::new(),
            path: Vec::new(),
            // Normal 0: the leaves' zero normal.
            dims: if dense { Vec::new() } else { vec![0; width] },
            coefs: vec![0.0; shape.stride(width, dim)],
        },
    };
    grower.push_node();
    grower.node(0, 0, psi, 0);
    grower.tree
}

fn ceil_log2(n: usize) -> u32 {
    if n <= 1 {
        0
    } else {
        usize::BITS - (n - 1).leading_zeros()
    }
}

struct Grower<'a> {
    /// The tree's sample, row-major, `row_stride` values a row (padded
    /// like the rows scored, so a training row projects the same).
    points: &'a [f64],
    dim: usize,
    row_stride: usize,
    /// Non-zero components per normal.
    width: usize,
    /// Values stored per normal.
    normal_stride: usize,
    shape: Shape,
    /// Height limit, ceil(log2 psi): deeper nodes would only sort ordinary
    /// rows, which the score cannot tell apart anyway.
    limit: u32,
    rng: Rng,
    /// Sample rows, partitioned in place: a node owns a contiguous range.
    order: Vec<u32>,
    // Scratch space, reused by every node.
    low: Vec<f64>,
    high: Vec<f64>,
    spread: Vec<u32>,
    intercept: Vec<f64>,
    tree: Tree,
}

impl Grower<'_> {
    /// Appends a leaf (its own child, zero normal) and returns its index.
    fn push_node(&mut self) -> usize {
        let t = &mut self.tree;
        let index = t.nodes.len();
        t.nodes.push(Node {
            offset: 0.0,
            child: index as u32,
            normal: 0,
        });
        t.path.push(0.0);
        index
    }

    fn point(&self, i: u32) -> &[f64] {
        let start = i as usize * self.row_stride;
        &self.points[start..start + self.row_stride]
    }

    fn leaf(&mut self, slot: usize, depth: u32, size: usize) {
        self.tree.path[slot] = f64::from(depth) + average_path(size);
        self.tree.height = self.tree.height.max(depth);
    }

    /// Splits the rows `order[start..end]` at node `slot`, then its children.
    fn node(&mut self, slot: usize, start: usize, end: usize, depth: u32) {
        let size = end - start;
        if depth >= self.limit || size <= 1 {
            return self.leaf(slot, depth, size);
        }
        let dim = self.dim;
        self.low.fill(f64::INFINITY);
        self.high.fill(f64::NEG_INFINITY);
        for k in start..end {
            let start = self.order[k] as usize * self.row_stride;
            let p = &self.points[start..start + dim];
            for ((low, high), &v) in self.low.iter_mut().zip(&mut self.high).zip(p) {
                *low = low.min(v);
                *high = high.max(v);
            }
        }
        self.spread.clear();
        self.spread
            .extend((0..dim as u32).filter(|&d| self.high[d as usize] > self.low[d as usize]));
        if self.spread.is_empty() {
            // All points equal: nothing can separate them.
            return self.leaf(slot, depth, size);
        }

        // The normal's non-zero coordinates, ascending (memory order when
        // scoring): all of them at full extension, else a random choice among
        // the coordinates on which the points differ.
        let dense = self.shape == Shape::Dense;
        let active = if dense {
            self.spread.clear();
            self.spread.extend(0..dim as u32);
            dim
        } else {
            let k = self.width.min(self.spread.len());
            for i in 0..k {
                let j = i + self.rng.below(self.spread.len() - i);
                self.spread.swap(i, j);
            }
            self.spread[..k].sort_unstable();
            k
        };
        let normal = self.tree.coefs.len() / self.normal_stride;
        self.tree
            .coefs
            .resize(self.tree.coefs.len() + self.normal_stride, 0.0);
        if !dense {
            self.tree.dims.resize(self.tree.dims.len() + self.width, 0);
        }
        self.tree.nodes[slot].normal = normal as u32;
        let base = normal * self.normal_stride;
        for n in 0..self.width {
            // Unused slots (fewer differing coordinates than the width) keep a
            // zero component on a valid coordinate.
            let (d, c) = if n < active {
                let d = self.spread[n];
                let c = self.rng.normal();
                let (lo, hi) = (self.low[d as usize], self.high[d as usize]);
                self.intercept[d as usize] = uniform_in(lo, hi, self.rng.unit());
                (d, c)
            } else {
                (self.spread[0], 0.0)
            };
            self.tree.coefs[base + n] = c;
            if !dense {
                self.tree.dims[base + n] = d;
            }
        }
        let offset = tame(self.project(normal, &self.intercept));
        self.tree.nodes[slot].offset = offset;

        // Partition: rows with n·x <= n·p first.
        let (mut i, mut j) = (start, end);
        while i < j {
            if self.project(normal, self.point(self.order[i])) <= offset {
                i += 1;
            } else {
                j -= 1;
                self.order.swap(i, j);
            }
        }

        let left = self.push_node();
        self.push_node();
        self.tree.nodes[slot].child = left as u32;
        self.node(left, start, i, depth + 1);
        self.node(left + 1, i, end, depth + 1);
    }

    /// `n·x` for normal `k`, by the same functions scoring uses.
    fn project(&self, k: usize, x: &[f64]) -> f64 {
        let (tree, stride) = (&self.tree, self.normal_stride);
        match self.shape {
            Shape::Dense => Dense::dot(tree, stride, k, x),
            Shape::Single => Single::dot(tree, stride, k, x),
            Shape::Pair => Pair::dot(tree, stride, k, x),
            Shape::Sparse => Sparse::dot(tree, stride, k, x),
        }
    }
}

/// A uniform draw in `[lo, hi]` from `u` in `[0, 1)`, also when `hi - lo`
/// overflows.
fn uniform_in(lo: f64, hi: f64, u: f64) -> f64 {
    let p = lo + (hi - lo) * u;
    let p = if p.is_finite() {
        p
    } else {
        lo * (1.0 - u) + hi * u
    };
    p.clamp(lo, hi)
}

/// Keeps an offset finite (values near f64::MAX can overflow `n·p`), so a
/// model always serializes; fitting and scoring compare against the same
/// stored value.
fn tame(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-f64::MAX, f64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test-only generator of data (not the forest's own streams).
    fn gaussian(rng: &mut Rng, rows: usize, dim: usize) -> Matrix {
        let mut m = Matrix::new(dim);
        for _ in 0..rows {
            let row: Vec<f64> = (0..dim).map(|_| rng.normal()).collect();
            m.push_row(&row);
        }
        m
    }

    fn data_rng() -> Rng {
        Rng::for_tree(0xDA7A, 0)
    }

    fn params(seed: u64) -> ForestParams {
        ForestParams {
            seed,
            ..ForestParams::default()
        }
    }

    /// Row indices by descending score.
    fn ranking(scores: &[Scored]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].score.total_cmp(&scores[a].score));
        order
    }

    #[test]
    fn average_path_is_exact_for_small_trees_and_close_for_large() {
        assert_eq!(average_path(1), 0.0);
        assert_eq!(average_path(2), 1.0);
        assert!((average_path(256) - 10.244_770_920_116_851).abs() < 1e-12);
    }

    #[test]
    fn same_seed_same_forest_other_seed_other_forest() {
        let data = gaussian(&mut data_rng(), 1000, 4);
        let a = Forest::fit(&data, &params(7));
        let b = Forest::fit(&data, &params(7));
        assert_eq!(a, b);
        let (sa, sb) = (a.score_all(&data), b.score_all(&data));
        assert!(
            sa.iter()
                .zip(&sb)
                .all(|(x, y)| x.score.to_bits() == y.score.to_bits())
        );
        let c = Forest::fit(&data, &params(8));
        assert_ne!(a, c);
        assert_ne!(sa, c.score_all(&data));
    }

    #[test]
    fn scores_do_not_depend_on_the_thread_count() {
        let data = gaussian(&mut data_rng(), 3000, 5);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    let forest = Forest::fit(&data, &params(3));
                    let scores = forest.score_all(&data);
                    (forest, scores)
                })
        };
        let (f1, s1) = run(1);
        let (f2, s2) = run(2);
        assert_eq!(f1, f2);
        let bits = |s: &[Scored]| -> Vec<(u64, u64)> {
            s.iter()
                .map(|x| (x.score.to_bits(), x.agreement.to_bits()))
                .collect()
        };
        assert_eq!(bits(&s1), bits(&s2));
        // And score_all agrees with score, row by row.
        for i in (0..data.rows()).step_by(97) {
            assert_eq!(f1.score(data.row(i)), s1[i]);
        }
    }

    #[test]
    fn planted_outliers_rank_first() {
        let mut data = gaussian(&mut data_rng(), 2000, 2);
        let far = [
            [6.0, 0.5],
            [-5.0, 5.0],
            [0.0, -7.0],
            [8.0, 8.0],
            [-6.5, -1.0],
        ];
        for row in &far {
            data.push_row(row);
        }
        // The axis-parallel forest (extension level 0) is the weaker one
        // here: three outliers lie near an axis, in its ghost bands, so it
        // only has to rank them among the top 1%.
        for (extension_level, top_k) in [(None, 5), (Some(0), 20)] {
            let p = ForestParams {
                extension_level,
                ..params(11)
            };
            let scores = Forest::fit(&data, &p).score_all(&data);
            let top = &ranking(&scores)[..top_k];
            for outlier in 2000..2005 {
                assert!(top.contains(&outlier), "{extension_level:?}: {outlier}");
            }
            for s in &scores[2000..] {
                assert!(s.score > 0.6 && s.agreement > 0.8, "{s:?}");
            }
            let median = {
                let mut v: Vec<f64> = scores[..2000].iter().map(|s| s.score).collect();
                v.sort_by(f64::total_cmp);
                v[1000]
            };
            assert!(median < 0.5, "{median}");
        }
    }

    /// The paper's Figure: on one round blob, the axis-parallel forest scores
    /// points along the axes lower than points on the diagonals at the same
    /// radius (the cuts leave bands along the axes); full extension removes
    /// the bias.
    #[test]
    fn full_extension_has_no_ghost_bands() {
        let data = gaussian(&mut data_rng(), 2000, 2);
        let bias = |extension_level| {
            let forest = Forest::fit(
                &data,
                &ForestParams {
                    trees: 1000,
                    extension_level,
                    ..params(5)
                },
            );
            let h = std::f64::consts::FRAC_1_SQRT_2;
            let (mut axis, mut diagonal) = (0.0, 0.0);
            for r in [2.5, 3.0, 3.5] {
                for (sx, sy) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                    axis += forest.score(&[sx * r, 0.0]).score + forest.score(&[0.0, sy * r]).score;
                    diagonal += 2.0 * forest.score(&[sx * r * h, sy * r * h]).score;
                }
            }
            (diagonal - axis) / 24.0
        };
        let (full, axis_parallel) = (bias(None), bias(Some(0)));
        assert!(axis_parallel > 0.0, "{axis_parallel}");
        // Measured: full 0.004, axis-parallel 0.019 (mean score difference).
        assert!(
            full.abs() < axis_parallel / 2.0,
            "full {full}, axis-parallel {axis_parallel}"
        );
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let p = params(1);
        // No rows, one row, dim 0.
        for data in [
            Matrix::new(3),
            Matrix {
                dim: 3,
                values: vec![1.0, 2.0, 3.0],
            },
            Matrix::new(0),
        ] {
            let forest = Forest::fit(&data, &p);
            assert_eq!(forest.score_all(&data).len(), data.rows());
            assert_eq!(forest.score(&[1.0, 2.0, 3.0]), NEUTRAL);
        }
        let dim0 = Forest::fit(
            &Matrix {
                dim: 0,
                values: vec![],
            },
            &p,
        );
        assert_eq!(dim0.dim(), 0);
        assert_eq!(dim0.score(&[]), NEUTRAL);

        // Identical rows: every tree is one leaf of psi points, so every
        // row's path is c(psi) and its score exactly 0.5.
        let mut same = Matrix::new(2);
        for _ in 0..500 {
            same.push_row(&[4.0, -1.0]);
        }
        for extension_level in [None, Some(0)] {
            let forest = Forest::fit(
                &same,
                &ForestParams {
                    extension_level,
                    ..p
                },
            );
            let s = forest.score(&[4.0, -1.0]);
            assert!((s.score - 0.5).abs() < 1e-12 && s.agreement == 0.0, "{s:?}");
            assert!(forest.score(&[100.0, 100.0]).score.is_finite());
        }

        // A constant column among varying ones, and huge values.
        let mut huge = Matrix::new(3);
        let mut rng = data_rng();
        for i in 0..300 {
            huge.push_row(&[1e300 * rng.unit(), 7.0, -f64::MAX * rng.unit()]);
            if i % 100 == 0 {
                huge.push_row(&[f64::MAX, 7.0, f64::MIN]);
            }
        }
        for extension_level in [None, Some(0), Some(1)] {
            let forest = Forest::fit(
                &huge,
                &ForestParams {
                    extension_level,
                    ..p
                },
            );
            for s in forest.score_all(&huge) {
                assert!((0.0..=1.0).contains(&s.score), "{s:?}");
            }
            let json = serde_json::to_string(&forest).unwrap();
            assert_eq!(serde_json::from_str::<Forest>(&json).unwrap(), forest);
        }

        // Wrong row lengths are padded or cut, not a panic (in release).
        let forest = Forest::fit(&gaussian(&mut rng, 100, 3), &p);
        assert!(forest.score(&[1.0]).score.is_finite());
        assert!(forest.score(&[1.0, 2.0, 3.0, 4.0]).score.is_finite());
    }

    /// Non-finite values are a caller's bug: a debug build says so, a release
    /// build reads them as 0 and carries on.
    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "non-finite"))]
    fn non_finite_values_read_as_zero() {
        let mut data = gaussian(&mut data_rng(), 200, 2);
        data.push_row(&[f64::NAN, f64::INFINITY]);
        let forest = Forest::fit(&data, &params(1));
        let scores = forest.score_all(&data);
        assert_eq!(scores[200], forest.score(&[0.0, 0.0]));
        assert_eq!(forest.score(&[f64::NAN, 0.0]), forest.score(&[0.0, 0.0]));
    }

    #[test]
    fn json_round_trip_scores_bit_identically() {
        let data = gaussian(&mut data_rng(), 2000, 6);
        for extension_level in [None, Some(0), Some(2)] {
            let forest = Forest::fit(
                &data,
                &ForestParams {
                    extension_level,
                    ..params(9)
                },
            );
            let json = serde_json::to_string(&forest).unwrap();
            let back: Forest = serde_json::from_str(&json).unwrap();
            assert_eq!(back, forest);
            let bits = |f: &Forest| -> Vec<u64> {
                f.score_all(&data)
                    .iter()
                    .map(|s| s.score.to_bits())
                    .collect()
            };
            assert_eq!(bits(&back), bits(&forest));
        }
    }

    #[test]
    fn low_extension_stores_sparse_normals() {
        let data = gaussian(&mut data_rng(), 500, 8);
        let sparse = Forest::fit(
            &data,
            &ForestParams {
                extension_level: Some(1),
                ..params(2)
            },
        );
        assert_eq!(sparse.width, 2);
        let tree = &sparse.trees[0];
        // Leaves have no normal of their own: one per inner node, plus zero.
        let inner = tree
            .nodes
            .iter()
            .enumerate()
            .filter(|&(i, n)| n.child as usize != i)
            .count();
        assert_eq!(tree.coefs.len(), 2 * (inner + 1));
        assert_eq!(tree.dims.len(), tree.coefs.len());
        let dense = Forest::fit(&data, &params(2));
        assert_eq!(dense.width, 8);
        assert!(dense.trees[0].dims.is_empty());
    }

    #[test]
    fn packed_pairs_score_like_the_generic_walk() {
        let data = gaussian(&mut data_rng(), 300, 5);
        let forest = Forest::fit(
            &data,
            &ForestParams {
                extension_level: Some(1),
                ..params(4)
            },
        );
        let rows = &data.values[..BLOCK.min(300) * 5];
        let mut packed = vec![NEUTRAL; BLOCK.min(300)];
        let mut generic = packed.clone();
        forest.score_block(rows, &mut packed);
        forest.score_block_with::<Pair>(rows, 5, 2, &mut generic);
        assert_eq!(packed, generic);
        assert!(packed.iter().any(|s| s.score != NEUTRAL.score));
    }
}
