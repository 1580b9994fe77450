//! Segmentation scores with their usual definitions: Dice, Jaccard, and HD95, the 95th
//! percentile of the pooled symmetric surface distances (MedPy's definition: surface = mask
//! minus its 4-connected erosion; an empty mask scores Dice 0 and HD95 = the image diagonal).

use crate::error::{Error, Result};
use crate::image::Mask;

/// Scores of one predicted mask against its reference.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct MaskScores {
    /// 2|A∩B| / (|A| + |B|); 1 when both are empty.
    pub dice: f64,
    /// |A∩B| / |A∪B|; 1 when both are empty.
    pub jaccard: f64,
    /// 95th percentile of the symmetric surface distances, in pixels.
    pub hd95_px: f64,
}

fn surface(m: &Mask) -> Vec<usize> {
    let (w, h) = (m.width(), m.height());
    let s = m.as_slice();
    let mut out = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if s[i] == 0 {
                continue;
            }
            let interior = x > 0
                && x + 1 < w
                && y > 0
                && y + 1 < h
                && s[i - 1] != 0
                && s[i + 1] != 0
                && s[i - w] != 0
                && s[i + w] != 0;
            if !interior {
                out.push(i);
            }
        }
    }
    out
}

/// Distance from every pixel to the nearest of `points`.
fn distance_to(points: &[usize], w: usize, h: usize) -> Vec<f64> {
    let mut m = Mask::new(w, h);
    for &i in points {
        m.as_mut_slice()[i] = 1;
    }
    crate::segment::distance::squared_distance(&m, true, false)
        .into_vec()
        .into_iter()
        .map(|d| f64::from(d).sqrt())
        .collect()
}

/// Percentile `q` (0..=100) with linear interpolation between order statistics (NumPy's
/// default). `values` is sorted in place; empty gives NaN.
pub fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let pos = (q / 100.0).clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
}

/// Dice, Jaccard and HD95 of `pred` against `truth` (non-zero = inside).
///
/// # Errors
/// [`Error::SizeMismatch`] when the masks differ in size.
///
/// ```
/// use lungfield::{metrics::score_masks, Mask};
/// let a = Mask::from_vec(4, 1, vec![1, 1, 0, 0]).unwrap();
/// let b = Mask::from_vec(4, 1, vec![0, 1, 1, 0]).unwrap();
/// let s = score_masks(&a, &b).unwrap();
/// assert_eq!((s.dice, s.jaccard), (0.5, 1.0 / 3.0));
/// ```
pub fn score_masks(pred: &Mask, truth: &Mask) -> Result<MaskScores> {
    let (w, h) = (truth.width(), truth.height());
    if pred.width() != w || pred.height() != h {
        return Err(Error::SizeMismatch {
            what: "predicted mask".into(),
            expected: (w as u32, h as u32),
            got: (pred.width() as u32, pred.height() as u32),
        });
    }
    let (mut inter, mut np, mut nt) = (0usize, 0usize, 0usize);
    for (&p, &t) in pred.as_slice().iter().zip(truth.as_slice()) {
        let (p, t) = (p != 0, t != 0);
        inter += usize::from(p && t);
        np += usize::from(p);
        nt += usize::from(t);
    }
    let union = np + nt - inter;
    let dice = if np + nt == 0 {
        1.0
    } else {
        2.0 * inter as f64 / (np + nt) as f64
    };
    let jaccard = if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    };
    let hd95_px = if np == 0 || nt == 0 {
        ((w * w + h * h) as f64).sqrt()
    } else {
        let (sp, st) = (surface(pred), surface(truth));
        let (dp, dt) = (distance_to(&sp, w, h), distance_to(&st, w, h));
        let mut d: Vec<f64> = sp
            .iter()
            .map(|&i| dt[i])
            .chain(st.iter().map(|&i| dp[i]))
            .collect();
        percentile(&mut d, 95.0)
    };
    Ok(MaskScores {
        dice,
        jaccard,
        hd95_px,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(n: usize, cx: f64, cy: f64, r: f64) -> Mask {
        let mut m = Mask::new(n, n);
        for y in 0..n {
            for x in 0..n {
                if (x as f64 - cx).hypot(y as f64 - cy) <= r {
                    m.set(x, y, 1);
                }
            }
        }
        m
    }

    #[test]
    fn identical_masks_score_perfectly() {
        let m = disk(40, 20.0, 20.0, 10.0);
        let s = score_masks(&m, &m).unwrap();
        assert_eq!((s.dice, s.jaccard, s.hd95_px), (1.0, 1.0, 0.0));
    }

    #[test]
    fn shifted_disk_has_hd95_near_the_shift() {
        let a = disk(80, 40.0, 40.0, 15.0);
        let b = disk(80, 45.0, 40.0, 15.0);
        let s = score_masks(&a, &b).unwrap();
        assert!(s.hd95_px > 3.5 && s.hd95_px <= 5.0, "{}", s.hd95_px);
        assert!(s.dice < 0.9 && s.dice > 0.7);
    }

    #[test]
    fn empty_prediction_scores_zero_and_the_diagonal() {
        let t = disk(30, 15.0, 15.0, 5.0);
        let s = score_masks(&Mask::new(30, 40).clone(), &t);
        assert!(s.is_err(), "size mismatch is an error");
        let s = score_masks(&Mask::new(30, 30), &t).unwrap();
        assert_eq!(s.dice, 0.0);
        assert!((s.hd95_px - (1800f64).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn percentile_interpolates_like_numpy() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert!((percentile(&mut v, 95.0) - 3.85).abs() < 1e-12);
    }
}
