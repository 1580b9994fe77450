//! A random forest with real probabilities. smartcore's `RandomForestClassifier` has no
//! `predict_proba`, trains on one thread and sorts every feature again for every tree; its
//! `RandomForestRegressor` sorts once per forest. So lungfield grows regression trees on 0/1
//! targets (with fully grown trees, variance reduction picks the same splits as Gini and a
//! leaf's mean is the share of TB among its samples) in fixed chunks of [`CHUNK`] trees, each
//! chunk a smartcore forest seeded from the forest's seed and the chunk's number, trained in
//! parallel with rayon. The probability of TB is the mean over all trees. The chunks do not
//! depend on the thread count, so neither do the results, bit for bit. Where many features
//! are tried few at a time (the screen's 544), the chunks are grown by [`super::cart`]:
//! smartcore's trees, bit for bit, at half the cost.

use rayon::prelude::*;
use smartcore::ensemble::random_forest_regressor::RandomForestRegressor;
use smartcore::linalg::basic::matrix::DenseMatrix;

use super::cart::{grow_chunk, pays, ChunkParams, Columns};
use crate::error::{Error, Result};
use crate::rng::Rng;

type Chunk = RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;

/// Trees per independently seeded smartcore forest (the unit of parallel work).
pub const CHUNK: usize = 25;

/// Trees of a forest by default: 150 (six chunks, three per core on two cores). Chosen on
/// leave-one-site-out AUC, seeds 1–3 (docs/SCREENING.md): 150 trees score as 200 did, in
/// three quarters of the training time; 100 lose 0.005 on Montgomery.
pub const TREES: usize = 150;

/// Forest settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ForestOptions {
    /// Number of trees. Default: [`TREES`].
    pub trees: usize,
    /// Seed. Default: 1.
    pub seed: u64,
    /// Features tried at each split (default: √features).
    pub mtry: Option<usize>,
    /// Smallest leaf. Default: 1.
    pub min_samples_leaf: usize,
    /// Deepest leaf (`None`: no limit, the default).
    #[serde(default)]
    pub max_depth: Option<u16>,
}

impl Default for ForestOptions {
    fn default() -> Self {
        ForestOptions {
            trees: TREES,
            seed: 1,
            mtry: None,
            min_samples_leaf: 1,
            max_depth: None,
        }
    }
}

/// A trained forest.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Forest {
    /// Number of features it was trained on.
    pub n_features: usize,
    /// Trees in all.
    n_trees: usize,
    /// The chunks and their tree counts.
    chunks: Vec<(usize, Chunk)>,
}

fn matrix(x: &[Vec<f64>]) -> Result<DenseMatrix<f64>> {
    DenseMatrix::from_2d_vec(&x.to_vec())
        .map_err(|e| Error::InvalidOption(format!("feature matrix: {e}")))
}

impl Forest {
    /// Trains on rows `x` (one per image) and labels `y` (0/1).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for no rows, ragged rows, labels of one class only, or a
    /// failure inside smartcore.
    pub fn train(x: &[Vec<f64>], y: &[u8], opts: &ForestOptions) -> Result<Forest> {
        Ok(Self::grow(x, y, opts, false, true)?.0)
    }

    /// Trains like [`Forest::train`] (the same forest, bit for bit) and also returns each
    /// row's out-of-bag probability of class 1: the mean, over the chunks, of the mean of the
    /// chunk's trees whose bootstrap sample left the row out (a chunk whose every tree drew
    /// the row is left out; a row every tree drew gets the forest's own probability). It
    /// stands in for k-fold predictions at the cost of one forest.
    ///
    /// # Errors
    /// As [`Forest::train`].
    pub fn train_out_of_bag(
        x: &[Vec<f64>],
        y: &[u8],
        opts: &ForestOptions,
    ) -> Result<(Forest, Vec<f64>)> {
        let (forest, xm) = Self::grow(x, y, opts, true, true)?;
        let per_chunk = forest
            .chunks
            .par_iter()
            .map(|(_, f)| {
                f.predict_oob(&xm)
                    .map_err(|e| Error::InvalidOption(format!("forest: {e}")))
            })
            .collect::<Result<Vec<Vec<f64>>>>()?;
        let mut oob = Vec::with_capacity(x.len());
        for i in 0..x.len() {
            let (sum, n) = per_chunk
                .iter()
                .map(|p| p[i])
                .filter(|v| v.is_finite())
                .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            oob.push(if n > 0 {
                (sum / n as f64).clamp(0.0, 1.0)
            } else {
                f64::NAN
            });
        }
        if oob.iter().any(|v| v.is_nan()) {
            let all = forest.predict_proba(x)?;
            for (o, a) in oob.iter_mut().zip(all) {
                if o.is_nan() {
                    *o = a;
                }
            }
        }
        Ok((forest.without_samples()?, oob))
    }

    /// The chunks grown in parallel, keeping each tree's bootstrap sample when
    /// `keep_samples` (for out-of-bag predictions), and the feature matrix; by
    /// [`super::cart`] where it [`pays`] and `cart` allows it, else by smartcore.
    fn grow(
        x: &[Vec<f64>],
        y: &[u8],
        opts: &ForestOptions,
        keep_samples: bool,
        cart: bool,
    ) -> Result<(Forest, DenseMatrix<f64>)> {
        let n_features = x.first().map_or(0, Vec::len);
        if x.is_empty() || x.len() != y.len() || n_features == 0 {
            return Err(Error::InvalidOption(format!(
                "cannot train on {} rows with {} labels and {n_features} features",
                x.len(),
                y.len()
            )));
        }
        if x.iter().any(|r| r.len() != n_features) {
            return Err(Error::InvalidOption("feature rows differ in length".into()));
        }
        if !y.contains(&0) || !y.contains(&1) {
            return Err(Error::InvalidOption(
                "training needs both normal (_0) and TB (_1) images".into(),
            ));
        }
        let xm = matrix(x)?;
        let ym: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
        let base = Rng::new(opts.seed);
        let mtry = opts
            .mtry
            .unwrap_or_else(|| (n_features as f64).sqrt().floor().max(1.0) as usize)
            .clamp(1, n_features);
        let n_trees = opts.trees.max(1);
        let sizes: Vec<usize> = (0..n_trees.div_ceil(CHUNK))
            .map(|c| CHUNK.min(n_trees - c * CHUNK))
            .collect();
        // The same trees either way; the own grower where it is the faster (cart::pays).
        let columns = (cart && pays(n_features, mtry, x.len()))
            .then(|| Columns::new(x))
            .flatten();
        let chunks = sizes
            .par_iter()
            .enumerate()
            .map(|(c, &size)| {
                let seed = base.fork(c as u64).next_u64();
                let params = ChunkParams {
                    trees: size,
                    mtry,
                    min_samples_leaf: opts.min_samples_leaf.max(1),
                    max_depth: opts.max_depth.map(|d| d.max(1)),
                    keep_samples,
                    seed,
                };
                if let Some(v) = columns.as_ref().and_then(|x| grow_chunk(x, &ym, &params)) {
                    return serde_json::from_value(v)
                        .map(|f| (size, f))
                        .map_err(|e| Error::InvalidOption(format!("forest: {e}")));
                }
                Chunk::fit(&xm, &ym, params.smartcore())
                    .map(|f| (size, f))
                    .map_err(|e| Error::InvalidOption(format!("forest: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let forest = Forest {
            n_features,
            n_trees,
            chunks,
        };
        Ok((forest, xm))
    }

    /// The forest without the bootstrap samples smartcore keeps for out-of-bag prediction
    /// (one flag per tree and training row: they would only bloat the model file). smartcore
    /// has no setter, so each chunk goes through its serialised form with the samples
    /// removed; the trees are untouched.
    fn without_samples(self) -> Result<Forest> {
        let chunks = self
            .chunks
            .into_par_iter()
            .map(|(size, f)| {
                let mut v = serde_json::to_value(&f)
                    .map_err(|e| Error::InvalidOption(format!("forest: {e}")))?;
                if let Some(base) = v
                    .get_mut("forest_regressor")
                    .and_then(|b| b.as_object_mut())
                {
                    base.insert("samples".into(), serde_json::Value::Null);
                }
                serde_json::from_value(v)
                    .map(|f| (size, f))
                    .map_err(|e| Error::InvalidOption(format!("forest: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Forest { chunks, ..self })
    }

    /// Number of trees.
    pub fn len(&self) -> usize {
        self.n_trees
    }

    /// Whether the forest has no trees (never, once trained).
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Checks the trees of a forest read from a file: every split on an existing feature with
    /// a finite threshold, every child after its parent and inside the tree (so prediction
    /// cannot index out of bounds or loop), every output finite, the chunk sizes consistent.
    ///
    /// # Errors
    /// What is wrong, for the first bad chunk, tree or node.
    pub fn check(&self) -> std::result::Result<(), String> {
        let v = serde_json::to_value(&self.chunks).map_err(|e| e.to_string())?;
        let chunks = v.as_array().ok_or("no chunks")?;
        let mut trees_total = 0;
        for (c, chunk) in chunks.iter().enumerate() {
            let size = chunk[0].as_u64().ok_or(format!("chunk {c}: no size"))? as usize;
            let trees = chunk[1]["forest_regressor"]["trees"]
                .as_array()
                .ok_or(format!("chunk {c}: no trees"))?;
            if trees.len() != size || size == 0 {
                return Err(format!("chunk {c}: {} trees, {size} declared", trees.len()));
            }
            trees_total += size;
            for (t, tree) in trees.iter().enumerate() {
                let nodes = tree["nodes"]
                    .as_array()
                    .filter(|n| !n.is_empty())
                    .ok_or(format!("chunk {c} tree {t}: no nodes"))?;
                for (i, node) in nodes.iter().enumerate() {
                    let at = || format!("chunk {c} tree {t} node {i}");
                    if !node["output"].as_f64().is_some_and(f64::is_finite) {
                        return Err(format!("{}: output is not a finite number", at()));
                    }
                    let children = [&node["true_child"], &node["false_child"]];
                    if children.iter().all(|ch| ch.is_null()) {
                        continue;
                    }
                    for ch in children {
                        match ch.as_u64() {
                            Some(k) if (k as usize) > i && (k as usize) < nodes.len() => {}
                            _ => return Err(format!("{}: child {ch} out of order or range", at())),
                        }
                    }
                    let f = node["split_feature"].as_u64().unwrap_or(u64::MAX);
                    if f as usize >= self.n_features
                        || !node["split_value"].as_f64().is_some_and(f64::is_finite)
                    {
                        return Err(format!(
                            "{}: split on feature {f} of {}",
                            at(),
                            self.n_features
                        ));
                    }
                }
            }
        }
        if trees_total != self.n_trees {
            return Err(format!("{trees_total} trees, {} declared", self.n_trees));
        }
        Ok(())
    }

    /// Probability of class 1 for each row: the mean of all trees' leaf values.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when a row's length is not [`Forest::n_features`].
    pub fn predict_proba(&self, x: &[Vec<f64>]) -> Result<Vec<f64>> {
        if x.is_empty() {
            return Ok(Vec::new());
        }
        if x.iter().any(|r| r.len() != self.n_features) {
            return Err(Error::InvalidOption(format!(
                "the model expects {} features per image",
                self.n_features
            )));
        }
        let xm = matrix(x)?;
        let means = self
            .chunks
            .par_iter()
            .map(|(size, f)| {
                f.predict(&xm)
                    .map(|p| (*size, p))
                    .map_err(|e| Error::InvalidOption(format!("forest: {e}")))
            })
            .collect::<Result<Vec<(usize, Vec<f64>)>>>()?;
        let n: usize = means.iter().map(|(s, _)| s).sum();
        Ok((0..x.len())
            .map(|i| {
                let sum: f64 = means.iter().map(|(s, p)| *s as f64 * p[i]).sum();
                (sum / n.max(1) as f64).clamp(0.0, 1.0)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<u8>) {
        let mut r = Rng::new(seed);
        let y: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
        let x = y
            .iter()
            .map(|&c| {
                vec![
                    f64::from(c) + 0.6 * r.normal(),
                    r.normal(),
                    -f64::from(c) + 0.8 * r.normal(),
                ]
            })
            .collect();
        (x, y)
    }

    #[test]
    fn learns_a_separable_problem_with_graded_probabilities() {
        let (x, y) = toy(200, 1);
        let f = Forest::train(
            &x,
            &y,
            &ForestOptions {
                trees: 50,
                ..Default::default()
            },
        )
        .unwrap();
        let (xt, yt) = toy(200, 2);
        let p = f.predict_proba(&xt).unwrap();
        let a = crate::metrics::auc(&p, &yt).unwrap();
        assert!(a > 0.85, "auc {a}");
        // Probabilities, not just 0/1 votes.
        let distinct: std::collections::BTreeSet<u64> = p.iter().map(|v| v.to_bits()).collect();
        assert!(distinct.len() > 10);
    }

    #[test]
    fn cart_and_smartcore_grow_the_same_forest() {
        // Many features tried a few at a time: the case the screen hands to forest::cart.
        let mut r = Rng::new(4);
        let y: Vec<u8> = (0..80).map(|i| u8::from(i % 3 == 0)).collect();
        let x: Vec<Vec<f64>> = y
            .iter()
            .map(|&c| {
                (0..300)
                    .map(|j| r.normal() + if j < 5 { f64::from(c) } else { 0.0 })
                    .collect()
            })
            .collect();
        assert!(pays(300, 17, 80));
        for opts in [
            ForestOptions {
                trees: 60,
                seed: 3,
                ..Default::default()
            },
            ForestOptions {
                trees: 30,
                seed: 9,
                min_samples_leaf: 2,
                max_depth: Some(4),
                mtry: Some(40),
            },
        ] {
            for keep in [false, true] {
                let json = |cart| {
                    let (f, _) = Forest::grow(&x, &y, &opts, keep, cart).unwrap();
                    serde_json::to_string(&f).unwrap()
                };
                assert_eq!(json(true), json(false));
            }
        }
    }

    #[test]
    fn identical_at_any_thread_count() {
        let (x, y) = toy(120, 5);
        let opts = ForestOptions {
            trees: 30,
            ..Default::default()
        };
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let f = Forest::train(&x, &y, &opts).unwrap();
                (
                    serde_json::to_string(&f).unwrap(),
                    f.predict_proba(&x).unwrap(),
                )
            })
        };
        assert_eq!(run(1), run(2));
    }

    #[test]
    fn out_of_bag_training_grows_the_same_forest_and_predicts_unseen_rows() {
        let (x, y) = toy(200, 3);
        let opts = ForestOptions {
            trees: 60,
            ..Default::default()
        };
        let plain = Forest::train(&x, &y, &opts).unwrap();
        let (forest, oob) = Forest::train_out_of_bag(&x, &y, &opts).unwrap();
        // Same trees, and no bootstrap samples left in the file.
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            serde_json::to_string(&forest).unwrap()
        );
        // In-bag predictions of fully grown trees are nearly perfect; out-of-bag ones are an
        // honest estimate, close to what a fresh sample of the same problem gets.
        let fitted = crate::metrics::auc(&plain.predict_proba(&x).unwrap(), &y).unwrap();
        let honest = crate::metrics::auc(&oob, &y).unwrap();
        let (xt, yt) = toy(200, 4);
        let fresh = crate::metrics::auc(&plain.predict_proba(&xt).unwrap(), &yt).unwrap();
        assert!(fitted > 0.99, "in-bag auc {fitted}");
        assert!(
            honest < fitted - 0.02,
            "out-of-bag auc {honest} vs in-bag {fitted}"
        );
        assert!(
            (honest - fresh).abs() < 0.06,
            "out-of-bag {honest}, fresh {fresh}"
        );
        assert!(oob.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn one_class_is_an_error() {
        let x = vec![vec![1.0], vec![2.0]];
        assert!(Forest::train(&x, &[1, 1], &ForestOptions::default()).is_err());
    }
}
