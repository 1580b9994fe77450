//! First-order intensity statistics of a set of pixels.

/// Names of the statistics, in the order [`first_order`] returns them.
pub const NAMES: [&str; 8] = [
    "mean", "std", "skew", "kurt", "entropy", "p10", "p50", "p90",
];

/// Mean, standard deviation, skewness, excess kurtosis, Shannon entropy (32 bins on 0..1, in
/// bits), and the 10th, 50th and 90th percentiles of `v` (values in 0..1). All zero when `v`
/// is empty.
///
/// ```
/// let s = lungfield::features::first_order(&[0.0, 1.0]);
/// assert_eq!(s[0], 0.5);          // mean
/// assert_eq!(s[1], 0.5);          // std
/// assert_eq!(s[4], 1.0);          // entropy: two equal bins
/// ```
pub fn first_order(v: &[f32]) -> [f64; 8] {
    if v.is_empty() {
        return [0.0; 8];
    }
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    let mut hist = [0usize; 32];
    for &x in v {
        let d = f64::from(x) - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
        hist[((x.clamp(0.0, 1.0) * 32.0) as usize).min(31)] += 1;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    let std = m2.sqrt();
    let (skew, kurt) = if m2 > 1e-12 {
        (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
    } else {
        (0.0, 0.0)
    };
    let entropy = -hist
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            p * p.log2()
        })
        .sum::<f64>();
    let mut s = v.to_vec();
    s.sort_by(f32::total_cmp);
    let pct = |q: f64| f64::from(s[((q * (s.len() - 1) as f64).round() as usize).min(s.len() - 1)]);
    [mean, std, skew, kurt, entropy, pct(0.1), pct(0.5), pct(0.9)]
}
