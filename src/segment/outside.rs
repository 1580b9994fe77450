//! The air outside the body. Lungs are dark basins walled in by the chest wall, the
//! shoulders and the diaphragm; the air beside the body, above the shoulders and between the
//! arms is dark too, but reaches the image edge without climbing over anything bright.
//!
//! [`fill_level`] is the greyscale hole fill (morphological reconstruction by erosion from
//! the border): for each pixel, the lowest grey level a path from the image edge must climb
//! to reach it. A lung pixel's level is that of the lowest pass over its walls, well above
//! its own grey; a pixel of outside air is reached at about its own grey. [`air`] sets the
//! air outside the body apart from the lungs by that difference: no lung is dropped for
//! being dark, only for being open to the edge.
//!
//! The flood is a priority flood with one bucket per grey level, so it costs O(pixels).

use crate::image::{neighbours4, GrayU8, Mask};

/// The greyscale hole fill of `img` from its border: for each pixel, the smallest over all
/// 4-connected paths from the image edge of the largest grey on the path (the pixel's own
/// grey included).
///
/// ```
/// use lungfield::{segment::fill_level, GrayU8};
/// // A dark hole (10) in a bright wall (200) on a dark ground (20).
/// let img = GrayU8::from_rows(7, 7, |y, row| for (x, v) in row.iter_mut().enumerate() {
///     *v = if x == 3 && y == 3 { 10 } else if (1..6).contains(&x) && (1..6).contains(&y) { 200 } else { 20 };
/// });
/// let f = fill_level(&img);
/// assert_eq!((f.get(0, 0), f.get(3, 3), f.get(1, 1)), (20, 200, 200));
/// ```
pub fn fill_level(img: &GrayU8) -> GrayU8 {
    let (w, h) = (img.width(), img.height());
    let mut out = GrayU8::new(w, h);
    if w == 0 || h == 0 {
        return out;
    }
    let src = img.as_slice();
    let mut seen = vec![false; w * h];
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); 256];
    for y in 0..h {
        for x in 0..w {
            if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
                let i = y * w + x;
                seen[i] = true;
                buckets[usize::from(src[i])].push(i as u32);
            }
        }
    }
    let o = out.as_mut_slice();
    for level in 0..256usize {
        while let Some(i) = buckets[level].pop() {
            let i = i as usize;
            o[i] = level as u8;
            for j in neighbours4(i, w, h) {
                if !seen[j] {
                    seen[j] = true;
                    buckets[level.max(usize::from(src[j]))].push(j as u32);
                }
            }
        }
    }
    out
}

/// How far (grey levels) below the level at which the image edge reaches it a pixel must lie
/// to count as the core of a walled-in basin, a lung.
pub const CORE_DEPTH: u8 = 12;

/// How far (grey levels) above its own grey a dark pixel may be reached from the image edge
/// and still count as open air for a seed.
pub const OPEN_SLACK: u8 = 6;

/// The air outside the body of a smoothed working image (see the module docs).
#[derive(Clone, Debug)]
pub struct Air {
    /// What no lung may take (0/1): the pixels the image edge reaches below the grey of the
    /// lungs' cores and below the `dark` level. The cores are the pixels at least
    /// [`CORE_DEPTH`] grey levels below their [`fill_level`] (the bottoms of walled basins);
    /// a lung's walls rise above its own core, so the flood stops at them, while air beside
    /// the body is reached at about its own grey, below the cores'. When nothing is walled
    /// in, nothing is outside.
    pub outside: Mask,
    /// What no seed may start from (0/1): `outside`, and every pixel darker than `dark` that
    /// the edge reaches within [`OPEN_SLACK`] grey levels of its own (this also takes the
    /// brightest pixels of some lungs, which a seed can spare: the contour brings them back).
    pub open: Mask,
}

/// The outside air of a smoothed working image; `dark` is the level below which a pixel
/// may be air (e.g. Otsu's).
///
/// ```
/// use lungfield::{segment::air, GrayU8};
/// // A dark hole (10) in a bright wall (200) on a darker ground (5).
/// let img = GrayU8::from_rows(7, 7, |y, row| for (x, v) in row.iter_mut().enumerate() {
///     *v = if x == 3 && y == 3 { 10 } else if (1..6).contains(&x) && (1..6).contains(&y) { 200 } else { 5 };
/// });
/// let a = air(&img, 100);
/// assert_eq!((a.outside.get(0, 0), a.outside.get(3, 3), a.outside.get(2, 2)), (1, 0, 0));
/// assert_eq!(a.open.get(3, 3), 0);
/// ```
pub fn air(img: &GrayU8, dark: u8) -> Air {
    let fill = fill_level(img);
    let mut hist = [0usize; 256];
    for (&v, &f) in img.as_slice().iter().zip(fill.as_slice()) {
        if f >= v.saturating_add(CORE_DEPTH) {
            hist[usize::from(v)] += 1;
        }
    }
    let cores: usize = hist.iter().sum();
    let mut acc = 0;
    let median = hist
        .iter()
        .position(|&n| {
            acc += n;
            2 * acc >= cores
        })
        .unwrap_or(0) as u8;
    // No cores: level 0, nothing outside.
    let level = if cores == 0 { 0 } else { median.min(dark) };
    let mut outside = Mask::new(img.width(), img.height());
    let mut open = Mask::new(img.width(), img.height());
    for (((o, p), &v), &f) in outside
        .as_mut_slice()
        .iter_mut()
        .zip(open.as_mut_slice())
        .zip(img.as_slice())
        .zip(fill.as_slice())
    {
        *o = u8::from(f < level);
        *p = *o | u8::from(v < dark && f <= v.saturating_add(OPEN_SLACK));
    }
    Air { outside, open }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fill level by its definition: repeated relaxation until nothing changes.
    fn reference(img: &GrayU8) -> GrayU8 {
        let (w, h) = (img.width(), img.height());
        let mut f = GrayU8::filled(w, h, 255);
        for y in 0..h {
            for x in 0..w {
                if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
                    f.set(x, y, img.get(x, y));
                }
            }
        }
        loop {
            let mut changed = false;
            for y in 0..h {
                for x in 0..w {
                    let mut best = f.get(x, y);
                    let n = [
                        (x.wrapping_sub(1), y),
                        (x + 1, y),
                        (x, y.wrapping_sub(1)),
                        (x, y + 1),
                    ];
                    for (nx, ny) in n {
                        if nx < w && ny < h {
                            best = best.min(f.get(nx, ny).max(img.get(x, y)));
                        }
                    }
                    if best < f.get(x, y) {
                        f.set(x, y, best);
                        changed = true;
                    }
                }
            }
            if !changed {
                return f;
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn fill_level_matches_relaxation(
            w in 1usize..24, h in 1usize..24, seed in proptest::prelude::any::<u64>(),
        ) {
            let mut rng = crate::rng::Rng::new(seed);
            let img = GrayU8::from_rows(w, h, |_, row| {
                for v in row.iter_mut() {
                    *v = rng.range(0, 255) as u8;
                }
            });
            proptest::prop_assert_eq!(fill_level(&img), reference(&img));
        }
    }
}
