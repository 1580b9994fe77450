//! A trained [`Forest`] laid out flat for prediction one row at a time: every node of every
//! tree in one array of `f32` thresholds and `u32` children, rows of `f32` features. It is
//! what a per-pixel classifier needs (tens of thousands of rows per image, where building
//! smartcore's `DenseMatrix` of `f64` would cost more than the trees), and it is small on
//! disk (base64 of 16 bytes per node).
//!
//! Same answers as the forest it was made from: a split sends `x` to its first child when
//! `x <= t` in `f64`; for an `f32` feature that is exactly `x <= t'`, with `t'` the largest
//! `f32` not above `t`, which is the threshold kept. The leaves' means are summed in `f32`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

use super::grow::Forest;

/// Rows walked through a tree together, so their memory loads overlap.
const LANES: usize = 8;

/// One node: a split (`feature`, `threshold`, children `yes` when `x <= threshold`, else
/// `no`) or a leaf, whose children are itself (so a walk may take more steps than the
/// tree is deep and stay put) and whose `threshold` is the tree's output.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Node {
    feature: u32,
    threshold: f32,
    yes: u32,
    no: u32,
}

/// A forest flattened for fast prediction; see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlatForest {
    /// Features per row.
    pub n_features: usize,
    /// The first node of every tree.
    roots: Vec<u32>,
    /// All trees' nodes, each tree's after its root.
    #[serde(serialize_with = "ser_nodes", deserialize_with = "de_nodes")]
    nodes: Vec<Node>,
}

fn ser_nodes<S: Serializer>(v: &[Node], s: S) -> Result<S::Ok, S::Error> {
    let raw: Vec<u8> = v
        .iter()
        .flat_map(|n| {
            [n.feature, n.threshold.to_bits(), n.yes, n.no]
                .into_iter()
                .flat_map(u32::to_le_bytes)
        })
        .collect();
    s.serialize_str(&STANDARD.encode(raw))
}

fn de_nodes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Node>, D::Error> {
    let text = <&str>::deserialize(d)?;
    let raw = STANDARD.decode(text).map_err(D::Error::custom)?;
    if raw.len() % 16 != 0 {
        return Err(D::Error::custom("node table is not a multiple of 16 bytes"));
    }
    Ok(raw
        .chunks_exact(16)
        .map(|c| {
            let w = |i: usize| u32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
            Node {
                feature: w(0),
                threshold: f32::from_bits(w(4)),
                yes: w(8),
                no: w(12),
            }
        })
        .collect())
}

/// The largest `f32` not above `t`.
fn f32_at_most(t: f64) -> f32 {
    let r = t as f32;
    if f64::from(r) > t {
        r.next_down()
    } else {
        r
    }
}

impl FlatForest {
    /// The trees of `forest`, flattened.
    ///
    /// # Errors
    /// A message when the forest's trees cannot be read (a smartcore layout this code does
    /// not know) or fail [`FlatForest::check`].
    pub fn from_forest(forest: &Forest) -> std::result::Result<FlatForest, String> {
        let v = serde_json::to_value(forest).map_err(|e| e.to_string())?;
        let chunks = v["chunks"].as_array().ok_or("no chunks")?;
        let (mut roots, mut nodes) = (Vec::new(), Vec::new());
        for chunk in chunks {
            let trees = chunk[1]["forest_regressor"]["trees"]
                .as_array()
                .ok_or("no trees")?;
            for tree in trees {
                let base = nodes.len() as u32;
                roots.push(base);
                for node in tree["nodes"].as_array().ok_or("no nodes")? {
                    let child = |k: &str| node[k].as_u64().map(|c| base + c as u32);
                    let output = node["output"].as_f64().ok_or("no output")?;
                    nodes.push(match (child("true_child"), child("false_child")) {
                        (Some(yes), Some(no)) => Node {
                            feature: node["split_feature"].as_u64().ok_or("no feature")? as u32,
                            threshold: f32_at_most(
                                node["split_value"].as_f64().ok_or("no split value")?,
                            ),
                            yes,
                            no,
                        },
                        _ => {
                            let me = nodes.len() as u32;
                            Node {
                                feature: 0,
                                threshold: output as f32,
                                yes: me,
                                no: me,
                            }
                        }
                    });
                }
            }
        }
        let flat = FlatForest {
            n_features: forest.n_features,
            roots,
            nodes,
        };
        flat.check()?;
        Ok(flat)
    }

    /// Number of trees.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether there are no trees.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Number of nodes in all trees.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Checks a forest read from a file: at least one tree, every root inside the table,
    /// every split on an existing feature with a finite threshold and children after it and
    /// inside the table (so prediction cannot index out of bounds or loop), every leaf
    /// finite.
    ///
    /// # Errors
    /// What is wrong, for the first bad root or node.
    pub fn check(&self) -> std::result::Result<(), String> {
        let n = self.nodes.len();
        if self.roots.is_empty() || self.n_features == 0 {
            return Err("a forest with no trees or no features".into());
        }
        if let Some(r) = self.roots.iter().find(|&&r| r as usize >= n) {
            return Err(format!("root {r} outside {n} nodes"));
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if !node.threshold.is_finite() {
                return Err(format!("node {i}: threshold or output is not finite"));
            }
            if node.yes == i as u32 && node.no == i as u32 {
                continue;
            }
            if node.feature as usize >= self.n_features {
                return Err(format!(
                    "node {i}: split on feature {} of {}",
                    node.feature, self.n_features
                ));
            }
            for c in [node.yes, node.no] {
                if c as usize <= i || c as usize >= n {
                    return Err(format!("node {i}: child {c} out of order or range"));
                }
            }
        }
        Ok(())
    }

    /// The mean of all trees' outputs for one row of [`FlatForest::n_features`] values
    /// (the probability of class 1 for a forest trained on 0/1 labels). Features missing
    /// from a shorter row read as 0.
    pub fn predict(&self, row: &[f32]) -> f32 {
        let mut full = vec![0f32; self.n_features.max(1)];
        for (f, &v) in full.iter_mut().zip(row) {
            *f = v;
        }
        self.predict_rows(&full)[0]
    }

    /// [`FlatForest::predict`] for many rows at once (`rows` holds them back to back,
    /// [`FlatForest::n_features`] each; a partial last row is left out): tree by tree, so
    /// each tree's nodes stay in cache while every row walks it. Each row's sum does not
    /// depend on the other rows.
    pub fn predict_rows(&self, rows: &[f32]) -> Vec<f32> {
        let nf = self.n_features.max(1);
        let n = rows.len() / nf;
        let mut sum = vec![0f32; n];
        // Whole blocks of LANES rows; the last block padded with copies of its last row.
        let mut padded = Vec::new();
        let blocks: Vec<&[f32]> = rows[..n * nf].chunks(LANES * nf).collect();
        for &root in &self.roots {
            for (b, (block, sums)) in blocks.iter().zip(sum.chunks_mut(LANES)).enumerate() {
                let block: &[f32] = if block.len() == LANES * nf {
                    block
                } else {
                    if b + 1 == blocks.len() && padded.is_empty() {
                        let last = &block[block.len() - nf..];
                        padded = block.to_vec();
                        while padded.len() < LANES * nf {
                            padded.extend_from_slice(last);
                        }
                    }
                    &padded
                };
                let lane: [&[f32]; LANES] = std::array::from_fn(|k| &block[k * nf..(k + 1) * nf]);
                // Every lane steps until none moves: a leaf's children are itself.
                let mut at = [root; LANES];
                loop {
                    let mut moved = false;
                    for k in 0..LANES {
                        let node = self.nodes[at[k] as usize];
                        let x = lane[k].get(node.feature as usize).copied().unwrap_or(0.0);
                        let next = if x <= node.threshold {
                            node.yes
                        } else {
                            node.no
                        };
                        moved |= next != at[k];
                        at[k] = next;
                    }
                    if !moved {
                        break;
                    }
                }
                for (s, &a) in sums.iter_mut().zip(&at) {
                    *s += self.nodes[a as usize].threshold;
                }
            }
        }
        let t = self.roots.len().max(1) as f32;
        sum.iter_mut().for_each(|s| *s /= t);
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::ForestOptions;
    use crate::rng::Rng;

    fn data(n: usize, seed: u64) -> (Vec<Vec<f32>>, Vec<u8>) {
        let mut r = Rng::new(seed);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let c = (i % 2) as u8;
            x.push(
                (0..5)
                    .map(|j| (f64::from(c) * f64::from(j < 2) + r.normal()) as f32)
                    .collect(),
            );
            y.push(c);
        }
        (x, y)
    }

    fn to64(x: &[Vec<f32>]) -> Vec<Vec<f64>> {
        x.iter()
            .map(|r| r.iter().map(|&v| f64::from(v)).collect())
            .collect()
    }

    #[test]
    fn predicts_as_the_forest_it_came_from() {
        let (x, y) = data(400, 3);
        let opts = ForestOptions {
            trees: 30,
            min_samples_leaf: 3,
            ..Default::default()
        };
        let forest = Forest::train(&to64(&x), &y, &opts).unwrap();
        let flat = FlatForest::from_forest(&forest).unwrap();
        assert_eq!(flat.len(), 30);
        // Rows never seen, and the training rows, whose values sit on the thresholds' sides
        // by the narrowest margins.
        let (xt, _) = data(300, 4);
        for rows in [&xt, &x] {
            let want = forest.predict_proba(&to64(rows)).unwrap();
            let flat_rows: Vec<f32> = rows.iter().flatten().copied().collect();
            let many = flat.predict_rows(&flat_rows);
            assert_eq!(many.len(), rows.len());
            for ((row, w), m) in rows.iter().zip(want).zip(many) {
                let got = flat.predict(row);
                assert!((f64::from(got) - w).abs() < 1e-5, "{got} against {w}");
                assert_eq!(got.to_bits(), m.to_bits());
            }
        }
    }

    #[test]
    fn survives_json_and_refuses_bad_tables() {
        let (x, y) = data(100, 5);
        let forest = Forest::train(&to64(&x), &y, &ForestOptions::default()).unwrap();
        let flat = FlatForest::from_forest(&forest).unwrap();
        let text = serde_json::to_string(&flat).unwrap();
        let back: FlatForest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, flat);
        back.check().unwrap();
        let mut bad = flat.clone();
        bad.nodes[bad.roots[0] as usize].yes = 0;
        assert!(bad.check().unwrap_err().contains("out of order"));
        let mut bad = flat.clone();
        bad.n_features = 1;
        assert!(bad.check().is_err());
        let mut bad = flat;
        bad.roots.push(u32::MAX);
        assert!(bad.check().unwrap_err().contains("root"));
    }

    #[test]
    fn thresholds_round_down_to_f32() {
        for t in [0.1f64, -0.1, 1.0, 3.4e38, 1e-45, -7.25] {
            let r = f32_at_most(t);
            assert!(f64::from(r) <= t);
            assert!(f64::from(r.next_up()) > t, "{t}");
        }
    }
}
