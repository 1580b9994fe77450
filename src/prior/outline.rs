//! A lung's outline in the form the point distribution model ([`super::ShapeModel`]) works
//! with: its centroid and its extent along [`RAYS`] fixed directions from it, in fractions of
//! the image's [`Frame`]; and the rasterisation of such outlines back into masks.

use crate::image::Labels;

/// Directions sampled per lung, evenly spaced from the +x axis, clockwise in image
/// coordinates (y down).
pub const RAYS: usize = 48;
/// Values per lung in a shape vector: the centroid `(x, y)` and one extent per ray.
pub(super) const PER_LUNG: usize = 2 + RAYS;
/// Length of a shape vector: the right lung's values, then the left lung's.
pub const SHAPE_DIM: usize = 2 * PER_LUNG;
/// Unit direction of ray `k`.
pub(super) fn ray(k: usize) -> (f64, f64) {
    let t = std::f64::consts::TAU * k as f64 / RAYS as f64;
    (t.cos(), t.sin())
}

/// The square a shape vector's fractions refer to: as wide as the image's longer side and
/// centred on it, as if the image were padded to a square. One unit is the same length
/// across and down, so a landscape or portrait film's lungs keep their shape; for a square
/// image it is the image itself (and the arithmetic the same, bit for bit).
#[derive(Clone, Copy, Debug)]
pub(super) struct Frame {
    /// Pixel position of the frame's corner (negative along the shorter side).
    x0: f64,
    y0: f64,
    /// Side in pixels.
    side: f64,
}

impl Frame {
    /// The frame of a `w × h` image.
    pub(super) fn of(w: usize, h: usize) -> Frame {
        let side = w.max(h) as f64;
        Frame {
            x0: (w as f64 - side) / 2.0,
            y0: (h as f64 - side) / 2.0,
            side,
        }
    }

    /// Pixel coordinates of the point at fractions `(fx, fy)`.
    pub(super) fn to_px(self, (fx, fy): (f64, f64)) -> (f64, f64) {
        (self.x0 + fx * self.side, self.y0 + fy * self.side)
    }

    /// Fractions of the point at pixel coordinates `(x, y)`.
    fn to_frac(self, (x, y): (f64, f64)) -> (f64, f64) {
        ((x - self.x0) / self.side, (y - self.y0) / self.side)
    }

    /// A direction (or length) in fractions, in pixels.
    fn scale(self, (dx, dy): (f64, f64)) -> (f64, f64) {
        (dx * self.side, dy * self.side)
    }
}

/// The shape vector values of the pixels labelled `label` in `labels`: their centroid and,
/// along each ray from it, the distance to the furthest labelled pixel (to its far edge);
/// `None` when no pixel has the label.
pub fn radial(labels: &Labels, label: u8) -> Option<[f32; PER_LUNG]> {
    let side = usize::from(label.checked_sub(1)?);
    let st = (*lung_stats(labels).get(side)?)?;
    let mut out = [0f32; PER_LUNG];
    out[0] = st.centroid.0 as f32;
    out[1] = st.centroid.1 as f32;
    for (k, o) in out[2..].iter_mut().enumerate() {
        *o = extent(labels, label, st.bounds, st.centroid, ray(k)).unwrap_or(0.0) as f32;
    }
    Some(out)
}

/// Distance from `c` along `dir` (fractions of the [`Frame`]) to the far edge of the furthest pixel
/// labelled `label`, in steps of half a pixel; `None` when the ray meets none. `bounds` is
/// the labelled pixels' box (`x0, y0, x1, y1`, inclusive): the ray is walked inwards from
/// where it leaves it, so the first labelled pixel met is the furthest.
pub(super) fn extent(
    labels: &Labels,
    label: u8,
    bounds: (usize, usize, usize, usize),
    c: (f64, f64),
    dir: (f64, f64),
) -> Option<f64> {
    let (w, h) = (labels.width() as f64, labels.height() as f64);
    // The ray in pixels: p(t) = o + t·d, t in fraction units.
    let frame = Frame::of(labels.width(), labels.height());
    let (o, d) = (frame.to_px(c), frame.scale(dir));
    let (lo, hi) = (
        (bounds.0 as f64, bounds.1 as f64),
        ((bounds.2 + 1) as f64, (bounds.3 + 1) as f64),
    );
    // Where the ray is inside the box (slab method).
    let (mut t0, mut t1) = (0f64, f64::INFINITY);
    for (o, d, lo, hi) in [(o.0, d.0, lo.0, hi.0), (o.1, d.1, lo.1, hi.1)] {
        if d.abs() < 1e-12 {
            if o < lo || o >= hi {
                return None;
            }
        } else {
            let (a, b) = ((lo - o) / d, (hi - o) / d);
            t0 = t0.max(a.min(b));
            t1 = t1.min(a.max(b));
        }
    }
    if t1 <= t0 {
        return None;
    }
    let step = 0.5 / d.0.hypot(d.1).max(1e-9);
    // Sample positions on a fixed lattice from the centroid, so the answer does not depend
    // on the box.
    let mut i = (t1 / step).ceil() as i64;
    let first = (t0 / step).floor().max(0.0) as i64;
    while i >= first {
        let t = i as f64 * step;
        let (x, y) = (o.0 + t * d.0, o.1 + t * d.1);
        if x >= 0.0 && y >= 0.0 && x < w && y < h && labels.get(x as usize, y as usize) == label {
            return Some(t + step);
        }
        i -= 1;
    }
    None
}

/// Centroid (fractions of the image) and pixel bounds of a lung.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stats {
    /// Centroid, fractions of the image's [`Frame`].
    pub centroid: (f64, f64),
    /// Pixel bounds `x0, y0, x1, y1`, inclusive.
    pub bounds: (usize, usize, usize, usize),
    /// Pixels.
    pub area: usize,
}

/// The [`Stats`] of labels 1 and 2 in one pass.
pub(super) fn lung_stats(labels: &Labels) -> [Option<Stats>; 2] {
    let (w, h) = (labels.width(), labels.height());
    let frame = Frame::of(w, h);
    let mut acc = [(0f64, 0f64, 0usize, (usize::MAX, usize::MAX, 0usize, 0usize)); 2];
    for y in 0..h {
        for (x, &v) in labels.row(y).iter().enumerate() {
            if v == 1 || v == 2 {
                let a = &mut acc[usize::from(v - 1)];
                a.0 += x as f64 + 0.5;
                a.1 += y as f64 + 0.5;
                a.2 += 1;
                let b = &mut a.3;
                *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
        }
    }
    acc.map(|(sx, sy, n, bounds)| {
        (n > 0).then(|| Stats {
            centroid: frame.to_frac((sx / n as f64, sy / n as f64)),
            bounds,
            area: n,
        })
    })
}

/// Calls `span(y, x0, x1)` for every run of pixels `x0..x1` of row `y` whose centres lie
/// inside the polygon `pts` (pixel coordinates; even-odd rule), clipped to `w × h`.
pub(super) fn fill_polygon(
    pts: &[(f64, f64)],
    w: usize,
    h: usize,
    mut span: impl FnMut(usize, usize, usize),
) {
    let (lo, hi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    if !lo.is_finite() || !hi.is_finite() {
        return;
    }
    let y0 = (lo - 0.5).ceil().max(0.0) as usize;
    let y1 = ((hi - 0.5).floor() + 1.0).clamp(0.0, h as f64) as usize;
    let mut xs = Vec::with_capacity(8);
    for y in y0..y1 {
        let yc = y as f64 + 0.5;
        xs.clear();
        for (i, &(xa, ya)) in pts.iter().enumerate() {
            let (xb, yb) = pts[(i + 1) % pts.len()];
            if (ya <= yc) != (yb <= yc) {
                xs.push(xa + (yc - ya) * (xb - xa) / (yb - ya));
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            let a = (pair[0] - 0.5).ceil().clamp(0.0, w as f64) as usize;
            let b = (pair[1] - 0.5).ceil().clamp(0.0, w as f64) as usize;
            if a < b {
                span(y, a, b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radial_extents_of_a_disk_are_its_radius() {
        let mut m = Labels::new(100, 100);
        for y in 0..100 {
            for x in 0..100 {
                let (dx, dy) = (x as f64 + 0.5 - 50.0, y as f64 + 0.5 - 50.0);
                if dx.hypot(dy) <= 20.0 {
                    m.set(x, y, 1);
                }
            }
        }
        let r = radial(&m, 1).unwrap();
        assert!((r[0] - 0.5).abs() < 1e-3 && (r[1] - 0.5).abs() < 1e-3);
        for &e in &r[2..] {
            assert!((e - 0.2).abs() < 0.012, "{e}");
        }
        assert_eq!(radial(&m, 2), None);
    }

    /// A landscape film's lungs have the shape vector of the same lungs on the film padded
    /// to a square: the frame is as wide as the longer side, so an ellipse is not
    /// stretched into another shape.
    #[test]
    fn a_landscape_film_is_framed_as_if_padded_to_a_square() {
        let ellipse = |w: usize, h: usize, cy: f64| {
            let mut m = Labels::new(w, h);
            for y in 0..h {
                for x in 0..w {
                    let (dx, dy) = (x as f64 + 0.5 - 40.0, y as f64 + 0.5 - cy);
                    if (dx / 16.0).powi(2) + (dy / 30.0).powi(2) <= 1.0 {
                        m.set(x, y, 1);
                    }
                }
            }
            m
        };
        let wide = radial(&ellipse(128, 96, 48.0), 1).unwrap();
        let square = radial(&ellipse(128, 128, 64.0), 1).unwrap();
        for (a, b) in wide.iter().zip(&square) {
            assert!((a - b).abs() < 1e-6, "{a} {b}");
        }
        // Taller than wide along the vertical ray (k = RAYS / 4) and across (k = 0).
        assert!(wide[2 + RAYS / 4] > 1.8 * wide[2]);
    }

    #[test]
    fn polygons_fill_the_pixels_whose_centres_they_hold() {
        // A square from (2, 3) to (7, 9): 5 × 6 pixel centres inside.
        let sq = [(2.0, 3.0), (7.0, 3.0), (7.0, 9.0), (2.0, 9.0)];
        let mut n = 0;
        fill_polygon(&sq, 20, 20, |y, x0, x1| {
            assert!((3..9).contains(&y) && x0 == 2 && x1 == 7, "{y} {x0} {x1}");
            n += x1 - x0;
        });
        assert_eq!(n, 30);
        // Clipped to the image; a degenerate polygon fills nothing.
        let mut m = 0;
        fill_polygon(&[(-5.0, -5.0), (4.0, -5.0), (4.0, 2.0)], 3, 3, |_, a, b| {
            m += b - a
        });
        assert!(m > 0 && m <= 9);
        fill_polygon(&[(1.0, 1.0); 4], 8, 8, |_, _, _| panic!("filled a point"));
    }
}
