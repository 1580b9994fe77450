//! Classification scores from probabilities and 0/1 labels.

use crate::rng::Rng;

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting half (Mann–Whitney). `None` without both classes.
///
/// ```
/// use lungfield::metrics::auc;
/// assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &[0, 0, 1, 1]), Some(0.75));
/// assert_eq!(auc(&[0.5, 0.5], &[0, 1]), Some(0.5));
/// ```
pub fn auc(p: &[f64], y: &[u8]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..p.len().min(y.len())).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut npos) = (0f64, 0f64);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if y[k] == 1 {
                rank_sum += mid;
                npos += 1.0;
            }
        }
        i = j + 1;
    }
    let nneg = idx.len() as f64 - npos;
    if npos == 0.0 || nneg == 0.0 {
        return None;
    }
    Some((rank_sum - npos * (npos + 1.0) / 2.0) / (npos * nneg))
}

/// A 95 % confidence interval of the AUC by a stratified bootstrap (`resamples` draws of the
/// positives and the negatives with replacement, seeded; percentile interval).
pub fn auc_ci(p: &[f64], y: &[u8], resamples: usize, seed: u64) -> Option<(f64, f64)> {
    let pos: Vec<usize> = (0..y.len()).filter(|&i| y[i] == 1).collect();
    let neg: Vec<usize> = (0..y.len()).filter(|&i| y[i] == 0).collect();
    if pos.is_empty() || neg.is_empty() || resamples == 0 {
        return None;
    }
    let mut r = Rng::new(seed);
    let mut aucs = Vec::with_capacity(resamples);
    let (mut bp, mut by) = (Vec::new(), Vec::new());
    for _ in 0..resamples {
        bp.clear();
        by.clear();
        for (set, label) in [(&pos, 1u8), (&neg, 0u8)] {
            for _ in 0..set.len() {
                bp.push(p[set[(r.next_u64() % set.len() as u64) as usize]]);
                by.push(label);
            }
        }
        if let Some(a) = auc(&bp, &by) {
            aucs.push(a);
        }
    }
    let lo = super::percentile(&mut aucs.clone(), 2.5);
    let hi = super::percentile(&mut aucs, 97.5);
    Some((lo, hi))
}

/// ROC points `(threshold, false-positive rate, true-positive rate)`, from the highest
/// threshold down, starting at (∞, 0, 0).
pub fn roc_points(p: &[f64], y: &[u8]) -> Vec<(f64, f64, f64)> {
    let npos = y.iter().filter(|&&v| v == 1).count().max(1) as f64;
    let nneg = y.iter().filter(|&&v| v == 0).count().max(1) as f64;
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut out = vec![(f64::INFINITY, 0.0, 0.0)];
    let (mut tp, mut fp) = (0f64, 0f64);
    let mut i = 0;
    while i < idx.len() {
        let t = p[idx[i]];
        while i < idx.len() && p[idx[i]] == t {
            if y[idx[i]] == 1 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        out.push((t, fp / nneg, tp / npos));
    }
    out
}

/// Counts at a threshold (positive when `p >= threshold`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Confusion {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// True negatives.
    pub tn: usize,
    /// False negatives.
    pub fn_: usize,
}

impl Confusion {
    /// (TP + TN) / all.
    pub fn accuracy(&self) -> f64 {
        let n = self.tp + self.fp + self.tn + self.fn_;
        if n == 0 {
            0.0
        } else {
            (self.tp + self.tn) as f64 / n as f64
        }
    }
    /// TP / (TP + FN).
    pub fn sensitivity(&self) -> f64 {
        let n = self.tp + self.fn_;
        if n == 0 {
            0.0
        } else {
            self.tp as f64 / n as f64
        }
    }
    /// TN / (TN + FP).
    pub fn specificity(&self) -> f64 {
        let n = self.tn + self.fp;
        if n == 0 {
            0.0
        } else {
            self.tn as f64 / n as f64
        }
    }
}

/// The confusion counts of probabilities `p` against labels `y` at `threshold`.
///
/// ```
/// let c = lungfield::metrics::confusion(&[0.9, 0.2, 0.6, 0.1], &[1, 1, 0, 0], 0.5);
/// assert_eq!((c.tp, c.fn_, c.fp, c.tn), (1, 1, 1, 1));
/// assert_eq!(c.accuracy(), 0.5);
/// ```
pub fn confusion(p: &[f64], y: &[u8], threshold: f64) -> Confusion {
    let mut c = Confusion::default();
    for (&pi, &yi) in p.iter().zip(y) {
        match (pi >= threshold, yi == 1) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_matches_brute_force_pairs() {
        let mut r = Rng::new(3);
        for _ in 0..20 {
            let n = 2 + (r.next_u64() % 30) as usize;
            let p: Vec<f64> = (0..n)
                .map(|_| (r.uniform(0.0, 1.0) * 5.0).round() / 5.0)
                .collect();
            let y: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
            let (mut s, mut k) = (0.0, 0.0);
            for i in 0..n {
                for j in 0..n {
                    if y[i] == 1 && y[j] == 0 {
                        k += 1.0;
                        s += if p[i] > p[j] {
                            1.0
                        } else if p[i] == p[j] {
                            0.5
                        } else {
                            0.0
                        };
                    }
                }
            }
            let a = auc(&p, &y).unwrap();
            assert!((a - s / k).abs() < 1e-12);
        }
    }

    #[test]
    fn ci_brackets_the_auc_and_roc_ends_at_one_one() {
        let p: Vec<f64> = (0..40)
            .map(|i| i as f64 / 40.0 + if i % 2 == 1 { 0.2 } else { 0.0 })
            .collect();
        let y: Vec<u8> = (0..40).map(|i| (i % 2) as u8).collect();
        let a = auc(&p, &y).unwrap();
        let (lo, hi) = auc_ci(&p, &y, 500, 1).unwrap();
        assert!(lo <= a && a <= hi && lo < hi);
        let roc = roc_points(&p, &y);
        assert_eq!(roc.last().map(|r| (r.1, r.2)), Some((1.0, 1.0)));
    }
}
