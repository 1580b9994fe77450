//! Lung shape: area, eccentricity, solidity, costophrenic-angle fill, and left/right symmetry.

use crate::image::Labels;

/// Shape measures of one lung (pixels where `labels == label`).
#[derive(Clone, Copy, Debug, Default)]
pub struct LungShape {
    /// Area as a fraction of the image.
    pub area: f64,
    /// Height as a fraction of the image height.
    pub height: f64,
    /// Eccentricity of the ellipse with the same second moments (0 circle, → 1 line).
    pub eccentricity: f64,
    /// Area ÷ convex-hull area.
    pub solidity: f64,
    /// Fill of the lateral-lower corner of the bounding box (lower 15 % of the rows, lateral
    /// 30 % of the columns): a deep, sharp costophrenic recess fills it, a blunted one not.
    pub costophrenic: f64,
    /// Centroid.
    pub centroid: (f64, f64),
}

/// Twice the signed area of the triangle `o a b`.
fn cross(o: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

/// Area of the convex hull of the pixel squares of each row's extreme pixels.
fn hull_area(pts: &mut Vec<(f64, f64)>) -> f64 {
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.dedup();
    if pts.len() < 3 {
        return 0.0;
    }
    let mut hull: Vec<(f64, f64)> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let it: Box<dyn Iterator<Item = &(f64, f64)>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in it {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    let n = hull.len();
    (0..n)
        .map(|i| {
            let (a, b) = (hull[i], hull[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum::<f64>()
        .abs()
        / 2.0
}

/// Shape of lung `label` in `labels`; `lateral_left` when the lung's lateral side is on the
/// image's left (the patient's right lung).
pub fn lung_shape(labels: &Labels, label: u8, lateral_left: bool) -> LungShape {
    let (w, h) = (labels.width(), labels.height());
    let Some((x0, y0, x1, y1)) = labels.bounds(|v| v == label) else {
        return LungShape::default();
    };
    let (mut n, mut sx, mut sy) = (0f64, 0f64, 0f64);
    let mut pts = Vec::new();
    for y in y0..=y1 {
        let row = labels.row(y);
        let (Some(a), Some(b)) = (
            row.iter().position(|&v| v == label),
            row.iter().rposition(|&v| v == label),
        ) else {
            continue;
        };
        for (x, _) in row.iter().enumerate().filter(|(_, &v)| v == label) {
            n += 1.0;
            sx += x as f64;
            sy += y as f64;
        }
        let yf = y as f64;
        pts.extend([
            (a as f64, yf),
            (a as f64, yf + 1.0),
            (b as f64 + 1.0, yf),
            (b as f64 + 1.0, yf + 1.0),
        ]);
    }
    let (cx, cy) = (sx / n, sy / n);
    let (mut sxx, mut syy, mut sxy) = (0f64, 0f64, 0f64);
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let (cw, chh) = (
        ((bw as f64) * 0.3).ceil() as usize,
        ((bh as f64) * 0.15).ceil() as usize,
    );
    let (mut corner, mut corner_n) = (0f64, 0f64);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let inside = labels.get(x, y) == label;
            let in_corner = y > y1 - chh
                && if lateral_left {
                    x < x0 + cw
                } else {
                    x > x1 - cw
                };
            if in_corner {
                corner_n += 1.0;
                corner += f64::from(u8::from(inside));
            }
            if inside {
                let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                sxx += dx * dx;
                syy += dy * dy;
                sxy += dx * dy;
            }
        }
    }
    let (sxx, syy, sxy) = (sxx / n, syy / n, sxy / n);
    let tr = sxx + syy;
    let det = sxx * syy - sxy * sxy;
    let disc = (tr * tr / 4.0 - det).max(0.0).sqrt();
    let (l1, l2) = (tr / 2.0 + disc, (tr / 2.0 - disc).max(0.0));
    let hull = hull_area(&mut pts);
    LungShape {
        area: n / (w * h) as f64,
        height: bh as f64 / h as f64,
        eccentricity: if l1 > 0.0 {
            (1.0 - l2 / l1).sqrt()
        } else {
            0.0
        },
        solidity: if hull > 0.0 { (n / hull).min(1.0) } else { 0.0 },
        costophrenic: if corner_n > 0.0 {
            corner / corner_n
        } else {
            0.0
        },
        centroid: (cx, cy),
    }
}

/// Dice overlap of the left lung with the right lung mirrored about the vertical line half
/// way between their centroids and shifted to the left lung's centroid row.
pub fn symmetry(labels: &Labels, right: &LungShape, left: &LungShape) -> f64 {
    let (w, h) = (labels.width() as isize, labels.height() as isize);
    let axis2 = right.centroid.0 + left.centroid.0;
    let dy = (left.centroid.1 - right.centroid.1).round() as isize;
    let (mut both, mut nr, mut nl) = (0f64, 0f64, 0f64);
    for y in 0..h {
        for x in 0..w {
            let v = labels.get(x as usize, y as usize);
            if v == 2 {
                nl += 1.0;
            }
            if v != 1 {
                continue;
            }
            nr += 1.0;
            let (mx, my) = ((axis2 - x as f64).round() as isize, y + dy);
            if mx >= 0 && mx < w && my >= 0 && my < h && labels.get(mx as usize, my as usize) == 2 {
                both += 1.0;
            }
        }
    }
    if nr + nl == 0.0 {
        0.0
    } else {
        2.0 * both / (nr + nl)
    }
}
