//! Harmonisation without labels: each site's features standardised by that site's own median
//! and interquartile range, so a scanner's or an exposure protocol's shift of a feature is
//! taken out before the forest sees it (the per-site standardisation of multi-site
//! radiomics; ComBat's location/scale step without its empirical Bayes pooling).
//!
//! A model trained on harmonised features scores harmonised features: at a new site the
//! statistics come from the batch being scored, or from a reference folder of that site's
//! images. They need enough images to be stable ([`MIN_IMAGES`]).

use crate::error::{Error, Result};
use crate::metrics::percentile;

/// Fewest images a site's statistics are fitted on.
pub const MIN_IMAGES: usize = 20;

/// One site's location and scale of every feature.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SiteScaler {
    /// Median of each feature.
    pub median: Vec<f64>,
    /// Interquartile range of each feature (1 where it is 0: a constant feature stays 0).
    pub scale: Vec<f64>,
}

impl SiteScaler {
    /// Fits the statistics on one site's feature rows.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for fewer than [`MIN_IMAGES`] rows.
    pub fn fit(rows: &[&[f64]]) -> Result<SiteScaler> {
        if rows.len() < MIN_IMAGES {
            return Err(Error::InvalidOption(format!(
                "harmonisation needs at least {MIN_IMAGES} images of the site ({} given): score a larger batch or give a reference folder of the site's images",
                rows.len()
            )));
        }
        let n = rows[0].len();
        let mut median = Vec::with_capacity(n);
        let mut scale = Vec::with_capacity(n);
        let mut col = Vec::with_capacity(rows.len());
        for j in 0..n {
            col.clear();
            col.extend(rows.iter().map(|r| r[j]));
            median.push(percentile(&mut col, 50.0));
            let iqr = percentile(&mut col, 75.0) - percentile(&mut col, 25.0);
            scale.push(if iqr > 1e-12 { iqr } else { 1.0 });
        }
        Ok(SiteScaler { median, scale })
    }

    /// A row standardised.
    pub fn apply(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(self.median.iter().zip(&self.scale))
            .map(|(&v, (&m, &s))| (v - m) / s)
            .collect()
    }
}

/// Rows harmonised site by site: each row standardised by the statistics of its own site.
///
/// # Errors
/// As [`SiteScaler::fit`], naming the site.
pub fn by_site(x: &[Vec<f64>], sites: &[String]) -> Result<Vec<Vec<f64>>> {
    let mut out = x.to_vec();
    let mut names: Vec<&String> = sites.iter().collect();
    names.sort();
    names.dedup();
    for site in names {
        let idx: Vec<usize> = (0..x.len()).filter(|&i| &sites[i] == site).collect();
        let rows: Vec<&[f64]> = idx.iter().map(|&i| x[i].as_slice()).collect();
        let s = SiteScaler::fit(&rows)
            .map_err(|e| Error::InvalidOption(format!("site `{site}`: {e}")))?;
        for &i in &idx {
            out[i] = s.apply(&x[i]);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_shift_is_taken_out() {
        let a: Vec<Vec<f64>> = (0..30).map(|i| vec![i as f64, 5.0]).collect();
        let b: Vec<Vec<f64>> = (0..30).map(|i| vec![100.0 + 3.0 * i as f64, 7.0]).collect();
        let x: Vec<Vec<f64>> = a.iter().chain(&b).cloned().collect();
        let sites: Vec<String> = (0..60)
            .map(|i| if i < 30 { "a" } else { "b" }.into())
            .collect();
        let h = by_site(&x, &sites).unwrap();
        for i in 0..30 {
            assert!((h[i][0] - h[30 + i][0]).abs() < 1e-9);
            assert_eq!(h[i][1], 0.0);
        }
        let few: Vec<&[f64]> = x[..5].iter().map(Vec::as_slice).collect();
        assert!(SiteScaler::fit(&few).is_err());
    }
}
