//! smartcore's random-forest regression trees, grown node for node as smartcore grows them
//! but without its cost per split. smartcore (`BaseTree::split`) keeps every feature's rows
//! sorted and partitions all of those lists at every split, though only `mtry` features
//! (√544 ≈ 23 of the screen's 544) are tried there; this grower sorts only the tried
//! features' values of the node's own rows.
//!
//! The same trees, bit for bit: the same random numbers (rand's `SmallRng` seeded as
//! smartcore seeds it, the same bootstrap draws and feature shuffles in the same order), the
//! same candidate splits and scores, midpoint thresholds and node numbering, handed to
//! smartcore's own type through its serialised form. With 0/1 targets and whole bootstrap
//! counts every sum of a node is an exact integer in `f64`, so the order in which rows are
//! summed (smartcore's sorted order, or this grower's) cannot change a score. A test checks
//! the result against smartcore's `fit` on random data with ties, repeated rows, depth and
//! leaf limits. [`grow_chunk`] declines (returns `None`) where that argument does not hold,
//! for values that are not finite, and the caller then uses smartcore itself. One corner is
//! left: where a feature holds both `-0.0` and `0.0`, which comes first among the equal
//! values may differ, and a threshold that falls back to the lower value (two values a
//! rounding step apart) may carry the other zero's sign; `x <= -0.0` and `x <= 0.0` agree
//! for every `x`, so no prediction can differ.

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use smartcore::ensemble::random_forest_regressor::RandomForestRegressorParameters;

/// The settings of one smartcore forest (a chunk of [`super::Forest`]).
#[derive(Clone, Copy, Debug)]
pub struct ChunkParams {
    /// Trees.
    pub trees: usize,
    /// Features tried at each split.
    pub mtry: usize,
    /// Smallest leaf (bootstrap count).
    pub min_samples_leaf: usize,
    /// Deepest level (`None`: no limit).
    pub max_depth: Option<u16>,
    /// Whether to keep each tree's bootstrap sample (for out-of-bag predictions).
    pub keep_samples: bool,
    /// smartcore's seed.
    pub seed: u64,
}

impl ChunkParams {
    /// The same settings for smartcore's own `RandomForestRegressor::fit`.
    pub fn smartcore(&self) -> RandomForestRegressorParameters {
        let p = RandomForestRegressorParameters::default()
            .with_n_trees(self.trees)
            .with_m(self.mtry)
            .with_min_samples_leaf(self.min_samples_leaf)
            .with_keep_samples(self.keep_samples)
            .with_seed(self.seed);
        match self.max_depth {
            Some(d) => p.with_max_depth(d),
            None => p,
        }
    }
}

/// Whether this grower is the faster for `n_features` features, `mtry` tried per split and
/// `n_rows` rows: it sorts `mtry` features' values per node (about `mtry · log₂ n` steps per
/// row and level), where smartcore partitions all `n_features` sorted lists (`n_features`
/// steps). The screen (544 features, 23 tried, 300 rows: 190 against 544) gains; the shape
/// prior's band classifier (27 features, 5 tried, 240 000 pixels: 89 against 27) does not.
pub fn pays(n_features: usize, mtry: usize, n_rows: usize) -> bool {
    (mtry as f64) * (n_rows.max(2) as f64).log2() < n_features as f64
}

/// smartcore's `min_samples_split` default, which lungfield never changes.
const MIN_SAMPLES_SPLIT: usize = 2;

/// The training rows by feature: `columns[j][i]` is row `i`'s feature `j`, and `order[j]`
/// the rows sorted by it.
pub struct Columns {
    columns: Vec<Vec<f64>>,
    order: Vec<Vec<u32>>,
    n_rows: usize,
}

impl Columns {
    /// The columns of rows `x` (all of one length); `None` when a value is not finite.
    pub fn new(x: &[Vec<f64>]) -> Option<Columns> {
        let n_features = x.first().map_or(0, Vec::len);
        let mut columns = vec![Vec::with_capacity(x.len()); n_features];
        for row in x {
            if row.len() != n_features || row.iter().any(|v| !v.is_finite()) {
                return None;
            }
            for (c, &v) in columns.iter_mut().zip(row) {
                c.push(v);
            }
        }
        let order = columns
            .iter()
            .map(|c| {
                let mut o: Vec<u32> = (0..x.len() as u32).collect();
                o.sort_unstable_by(|&a, &b| c[a as usize].total_cmp(&c[b as usize]));
                o
            })
            .collect();
        Some(Columns {
            columns,
            order,
            n_rows: x.len(),
        })
    }
}

/// smartcore's `Node`, in its serialised layout.
#[derive(Serialize)]
struct Node {
    output: f64,
    split_feature: usize,
    split_value: Option<f64>,
    split_score: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
}

impl Node {
    fn leaf(output: f64) -> Node {
        Node {
            output,
            split_feature: 0,
            split_value: None,
            split_score: None,
            true_child: None,
            false_child: None,
        }
    }
}

/// smartcore's `BaseTreeParameters`, serialised.
#[derive(Serialize)]
struct TreeParams {
    max_depth: Option<u16>,
    min_samples_leaf: usize,
    min_samples_split: usize,
    seed: Option<u64>,
    splitter: &'static str,
}

/// smartcore's `BaseTree`, serialised.
#[derive(Serialize)]
struct Tree {
    nodes: Vec<Node>,
    parameters: TreeParams,
    depth: u16,
    root_mass: f64,
    _phantom_tx: (),
    _phantom_ty: (),
    _phantom_x: (),
    _phantom_y: (),
}

/// smartcore's `BaseForest`, serialised.
#[derive(Serialize)]
struct BaseForest {
    trees: Vec<Tree>,
    num_features: usize,
    samples: Option<Vec<Vec<bool>>>,
}

/// smartcore's `RandomForestRegressor`, serialised.
#[derive(Serialize)]
struct Regressor {
    forest_regressor: BaseForest,
}

/// A node's mass (the sum of its bootstrap counts) and the sum of its targets times counts.
#[derive(Clone, Copy, Default)]
struct Stats {
    sum: f64,
    mass: f64,
}

impl Stats {
    fn add(&mut self, target: f64, mass: f64) {
        self.mass += mass;
        self.sum += target * mass;
    }

    fn minus(&self, part: &Stats) -> Stats {
        Stats {
            mass: self.mass - part.mass,
            sum: self.sum - part.sum,
        }
    }

    fn leaf_value(&self) -> f64 {
        if self.mass > 0.0 {
            self.sum / self.mass
        } else {
            0.0
        }
    }
}

/// smartcore's `MSECriterion::proxy_improvement`.
fn proxy(t: &Stats, f: &Stats) -> f64 {
    if t.mass <= 0.0 || f.mass <= 0.0 {
        return 0.0;
    }
    let d = t.sum * f.mass - f.sum * t.mass;
    (d * d) / (t.mass * f.mass)
}

/// smartcore's `MSECriterion::impurity_improvement`.
fn improvement(parent: &Stats, t: &Stats, f: &Stats) -> f64 {
    if t.mass <= 0.0 || f.mass <= 0.0 {
        return 0.0;
    }
    let d = t.sum * f.mass - f.sum * t.mass;
    (d * d) / (t.mass * f.mass * parent.mass)
}

/// A node waiting to be split: its number, its rows' range in the tree's element list, its
/// level (the root's is 1) and its statistics.
struct Visit {
    node: usize,
    start: usize,
    end: usize,
    level: u16,
    stats: Stats,
}

/// One tree's state while it grows.
struct Grower<'a> {
    x: &'a Columns,
    y: &'a [f64],
    p: &'a ChunkParams,
    rng: SmallRng,
    nodes: Vec<Node>,
    depth: u16,
    /// The kept rows and their bootstrap counts; each node owns a range.
    elems: Vec<(u32, u32)>,
    /// The features, shuffled in place before each search as smartcore does.
    variables: Vec<usize>,
    /// One tried feature's (value, count, target) for the node's rows, sorted by value.
    sorted: Vec<(f64, u32, f64)>,
    /// Each row's bootstrap count in the node being searched (0: not in it), for a large
    /// node, whose rows are read off the presorted [`Columns::order`] instead of sorted.
    in_node: Vec<u32>,
}

impl Grower<'_> {
    /// smartcore's `find_best_cutoff`: shuffles the features, tries the first `mtry`, and
    /// says whether a split was found (then stored in the node).
    fn find_best_cutoff(&mut self, v: &Visit, n: usize) -> bool {
        self.variables.shuffle(&mut self.rng);
        // A large node's rows are picked out of the presorted columns (n_rows steps per
        // feature), a small node's sorted (m · log₂ m).
        let m = v.end - v.start;
        let presorted = (m as f64) * (m as f64).log2() > self.x.n_rows as f64;
        if presorted {
            for &(r, c) in &self.elems[v.start..v.end] {
                self.in_node[r as usize] = c;
            }
        }
        for k in 0..self.p.mtry.min(self.variables.len()) {
            let j = self.variables[k];
            self.find_best_split(v, n, j, presorted);
        }
        if presorted {
            for &(r, _) in &self.elems[v.start..v.end] {
                self.in_node[r as usize] = 0;
            }
        }
        self.nodes[v.node].split_score.is_some()
    }

    /// smartcore's `find_best_split` on feature `j`: every boundary between two distinct
    /// values, scored by the proxy; the first best one wins.
    fn find_best_split(&mut self, v: &Visit, n: usize, j: usize, presorted: bool) {
        let col = &self.x.columns[j];
        self.sorted.clear();
        if presorted {
            for &r in &self.x.order[j] {
                let c = self.in_node[r as usize];
                if c > 0 {
                    self.sorted.push((col[r as usize], c, self.y[r as usize]));
                }
            }
        } else {
            self.sorted.extend(
                self.elems[v.start..v.end]
                    .iter()
                    .map(|&(r, c)| (col[r as usize], c, self.y[r as usize])),
            );
            self.sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        }
        let Some(&(first, _, _)) = self.sorted.first() else {
            return;
        };
        let msl = self.p.min_samples_leaf;
        let node = &mut self.nodes[v.node];
        let mut prevx = first;
        let mut true_count = 0usize;
        let mut t = Stats::default();
        for &(x, c, y) in &self.sorted {
            if x != prevx {
                let false_count = n - true_count;
                if true_count >= msl && false_count >= msl {
                    let score = proxy(&t, &v.stats.minus(&t));
                    if node.split_score.is_none_or(|s| score > s) {
                        let mid = prevx + (x - prevx) / 2.0;
                        node.split_feature = j;
                        node.split_value = Some(if mid < x { mid } else { prevx });
                        node.split_score = Some(score);
                    }
                }
                prevx = x;
            }
            true_count += c as usize;
            t.add(y, f64::from(c));
        }
    }

    /// smartcore's `split`: adds the node's children, partitions its rows and searches each
    /// child that may be split, pushing those where a split was found.
    fn split(&mut self, v: Visit, stack: &mut Vec<Visit>) {
        let (feature, threshold) = {
            let node = &self.nodes[v.node];
            (node.split_feature, node.split_value.unwrap_or(f64::NAN))
        };
        let col = &self.x.columns[feature];
        // Partition the node's rows: those at or below the threshold first (smartcore's
        // order within each side differs, and does not matter).
        let range = &mut self.elems[v.start..v.end];
        let mut w = 0;
        for i in 0..range.len() {
            if col[range[i].0 as usize] <= threshold {
                range.swap(w, i);
                w += 1;
            }
        }
        let mut t = Stats::default();
        let mut f = Stats::default();
        let (mut true_count, mut false_count) = (0usize, 0usize);
        for (i, &(r, c)) in range.iter().enumerate() {
            let y = self.y[r as usize];
            if i < w {
                true_count += c as usize;
                t.add(y, f64::from(c));
            } else {
                false_count += c as usize;
                f.add(y, f64::from(c));
            }
        }
        let msl = self.p.min_samples_leaf;
        if true_count < msl || false_count < msl {
            let node = &mut self.nodes[v.node];
            node.split_feature = 0;
            node.split_value = None;
            node.split_score = None;
            return;
        }
        let parent = Stats {
            sum: t.sum + f.sum,
            mass: t.mass + f.mass,
        };
        let true_child = self.nodes.len();
        self.nodes.push(Node::leaf(t.leaf_value()));
        let false_child = self.nodes.len();
        self.nodes.push(Node::leaf(f.leaf_value()));
        let node = &mut self.nodes[v.node];
        node.split_score = Some(improvement(&parent, &t, &f));
        node.true_child = Some(true_child);
        node.false_child = Some(false_child);
        let level = v.level + 1;
        self.depth = self.depth.max(level);
        let max_depth = self.p.max_depth.unwrap_or(u16::MAX);
        let true_can = level < max_depth && true_count >= MIN_SAMPLES_SPLIT;
        let false_can = level < max_depth && false_count >= MIN_SAMPLES_SPLIT;
        let mid = v.start + w;
        let tv = Visit {
            node: true_child,
            start: v.start,
            end: mid,
            level,
            stats: t,
        };
        if true_can && self.find_best_cutoff(&tv, true_count) {
            stack.push(tv);
        }
        let fv = Visit {
            node: false_child,
            start: mid,
            end: v.end,
            level,
            stats: f,
        };
        if false_can && self.find_best_cutoff(&fv, false_count) {
            stack.push(fv);
        }
    }
}

/// smartcore's `BaseTree::grow` for one tree with bootstrap counts `counts`.
fn grow_tree(x: &Columns, y: &[f64], counts: &[usize], p: &ChunkParams, seed: u64) -> Tree {
    let mut root = Stats::default();
    let mut n = 0usize;
    for (i, &c) in counts.iter().enumerate() {
        root.add(y[i], c as f64);
        n += c;
    }
    let elems: Vec<(u32, u32)> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(i, &c)| (i as u32, c as u32))
        .collect();
    let mut g = Grower {
        x,
        y,
        p,
        rng: SmallRng::seed_from_u64(seed),
        nodes: vec![Node::leaf(root.leaf_value())],
        depth: 0,
        variables: (0..x.columns.len()).collect(),
        sorted: Vec::with_capacity(elems.len()),
        in_node: vec![0; y.len()],
        elems,
    };
    let root_visit = Visit {
        node: 0,
        start: 0,
        end: g.elems.len(),
        level: 1,
        stats: root,
    };
    let mut stack = Vec::new();
    if p.max_depth.unwrap_or(u16::MAX) > 1
        && root_visit.end > 0
        && n >= MIN_SAMPLES_SPLIT
        && g.find_best_cutoff(&root_visit, n)
    {
        stack.push(root_visit);
    }
    let max_depth = p.max_depth.unwrap_or(u16::MAX);
    while let Some(v) = stack.pop() {
        if v.level < max_depth {
            g.split(v, &mut stack);
        }
    }
    Tree {
        nodes: g.nodes,
        parameters: TreeParams {
            max_depth: p.max_depth,
            min_samples_leaf: p.min_samples_leaf,
            min_samples_split: MIN_SAMPLES_SPLIT,
            seed: Some(seed),
            splitter: "Best",
        },
        depth: g.depth,
        root_mass: root.mass,
        _phantom_tx: (),
        _phantom_ty: (),
        _phantom_x: (),
        _phantom_y: (),
    }
}

/// One chunk, as smartcore's `RandomForestRegressor::fit` would make it with these settings
/// (bootstrap, best splits), in smartcore's serialised form; `None` when the targets are not
/// all 0 or 1 (then sums may round, and the order of summing would matter).
pub fn grow_chunk(x: &Columns, y: &[f64], p: &ChunkParams) -> Option<serde_json::Value> {
    if y.len() != x.n_rows || y.iter().any(|&v| v != 0.0 && v != 1.0) || x.columns.is_empty() {
        return None;
    }
    let n = x.n_rows;
    let mut rng = SmallRng::seed_from_u64(p.seed);
    let mut trees = Vec::with_capacity(p.trees);
    let mut samples = p.keep_samples.then(|| Vec::with_capacity(p.trees));
    for t in 0..p.trees {
        let mut counts = vec![0usize; n];
        for _ in 0..n {
            counts[rng.random_range(0..n)] += 1;
        }
        if let Some(s) = samples.as_mut() {
            s.push(counts.iter().map(|&c| c != 0).collect());
        }
        trees.push(grow_tree(x, y, &counts, p, p.seed.wrapping_add(t as u64)));
    }
    serde_json::to_value(Regressor {
        forest_regressor: BaseForest {
            trees,
            num_features: x.columns.len(),
            samples,
        },
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use smartcore::ensemble::random_forest_regressor::RandomForestRegressor;
    use smartcore::linalg::basic::matrix::DenseMatrix;

    /// Rows of `features` values, `levels` distinct values per feature when `levels > 0`
    /// (ties), continuous otherwise; labels leaning on the first feature.
    fn data(n: usize, features: usize, levels: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut r = Rng::new(seed);
        let y: Vec<f64> = (0..n)
            .map(|_| f64::from(u8::from(r.uniform(0.0, 1.0) < 0.4)))
            .collect();
        let x = y
            .iter()
            .map(|&c| {
                (0..features)
                    .map(|j| {
                        let v = r.normal() + if j == 0 { c } else { 0.0 };
                        if levels > 0 {
                            (v * levels as f64 / 4.0).round()
                        } else {
                            v
                        }
                    })
                    .collect()
            })
            .collect();
        (x, y)
    }

    fn smartcore_fit(x: &[Vec<f64>], y: &[f64], p: &ChunkParams) -> serde_json::Value {
        let m = DenseMatrix::from_2d_vec(&x.to_vec()).unwrap();
        let f: RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>> =
            RandomForestRegressor::fit(&m, &y.to_vec(), p.smartcore()).unwrap();
        serde_json::to_value(&f).unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn grows_smartcores_trees_bit_for_bit(
            n in 1usize..120, features in 1usize..40, levels in 0usize..6,
            mtry in 1usize..12, leaf in 1usize..4, depth in proptest::option::of(1u16..6),
            keep in proptest::prelude::any::<bool>(), seed in proptest::prelude::any::<u64>(),
        ) {
            let (x, y) = data(n, features, levels, seed);
            let p = ChunkParams {
                trees: 3,
                mtry: mtry.min(features),
                min_samples_leaf: leaf,
                max_depth: depth,
                keep_samples: keep,
                seed,
            };
            let ours = grow_chunk(&Columns::new(&x).unwrap(), &y, &p).unwrap();
            proptest::prop_assert_eq!(ours, smartcore_fit(&x, &y, &p));
        }
    }

    #[test]
    fn a_deep_forest_on_many_features_is_smartcores() {
        // The screen's shape: hundreds of features, fully grown trees, bootstrap repeats.
        let (x, y) = data(300, 544, 0, 9);
        let p = ChunkParams {
            trees: 4,
            mtry: 23,
            min_samples_leaf: 1,
            max_depth: None,
            keep_samples: true,
            seed: 12_345,
        };
        let ours = grow_chunk(&Columns::new(&x).unwrap(), &y, &p).unwrap();
        assert_eq!(ours, smartcore_fit(&x, &y, &p));
    }

    #[test]
    fn declines_what_it_cannot_match() {
        assert!(Columns::new(&[vec![1.0, f64::NAN]]).is_none());
        let x = Columns::new(&[vec![1.0], vec![2.0]]).unwrap();
        let p = ChunkParams {
            trees: 1,
            mtry: 1,
            min_samples_leaf: 1,
            max_depth: None,
            keep_samples: false,
            seed: 1,
        };
        assert!(grow_chunk(&x, &[0.0, 0.5], &p).is_none());
        assert!(grow_chunk(&x, &[0.0, 1.0], &p).is_some());
    }
}
