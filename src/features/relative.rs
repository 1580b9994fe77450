//! Features relative to the patient's own anatomy, derived from the per-zone features: the
//! left/right difference of each region's feature (`rel_lr_<feature>_<region>`, absolute) and
//! each lung's upper zone against its lower zone (`rel_ul_<feature>_<lung>`, signed). Scanner
//! and exposure shift both sides and all zones alike, so these travel between sites better
//! than the features they come from.

/// How a relative feature is made from two base features (indices into the base vector).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// `|a − b|`: right against left.
    AbsDiff(usize, usize),
    /// `a − b`: upper against lower.
    Diff(usize, usize),
}

/// The relative features of a base name list, in order, with their names.
///
/// ```
/// use lungfield::features::relative::{relations, Relation};
/// let base: Vec<String> = ["fo_mean_r_upper", "fo_mean_l_upper", "fo_mean_r_lower", "x"]
///     .iter().map(|s| s.to_string()).collect();
/// let r = relations(&base);
/// assert_eq!(r[0], ("rel_lr_fo_mean_upper".to_string(), Relation::AbsDiff(0, 1)));
/// assert_eq!(r[1], ("rel_ul_fo_mean_r".to_string(), Relation::Diff(0, 2)));
/// assert_eq!(r.len(), 2);
/// ```
pub fn relations(base: &[String]) -> Vec<(String, Relation)> {
    // One lookup table instead of a scan per name: this runs once per image.
    let mut index = std::collections::HashMap::with_capacity(base.len());
    for (i, b) in base.iter().enumerate() {
        index.entry(b.as_str()).or_insert(i); // the first of equal names, as a scan finds
    }
    let at = |n: &str| index.get(n).copied();
    let mut lr = Vec::new();
    let mut ul = Vec::new();
    for (i, name) in base.iter().enumerate() {
        for region in ["upper", "middle", "lower", "all"] {
            let Some(stem) = name.strip_suffix(&format!("_r_{region}")) else {
                continue;
            };
            if let Some(j) = at(&format!("{stem}_l_{region}")) {
                lr.push((format!("rel_lr_{stem}_{region}"), Relation::AbsDiff(i, j)));
            }
        }
        for lung in ["r", "l"] {
            let Some(stem) = name.strip_suffix(&format!("_{lung}_upper")) else {
                continue;
            };
            if let Some(j) = at(&format!("{stem}_{lung}_lower")) {
                ul.push((format!("rel_ul_{stem}_{lung}"), Relation::Diff(i, j)));
            }
        }
    }
    lr.extend(ul);
    lr
}

/// The values of `relations` over a base feature vector.
pub fn values(relations: &[(String, Relation)], base: &[f64]) -> Vec<f64> {
    relations
        .iter()
        .map(|(_, r)| match *r {
            Relation::AbsDiff(a, b) => (base[a] - base[b]).abs(),
            Relation::Diff(a, b) => base[a] - base[b],
        })
        .collect()
}
