//! The active contour's band update, one row at a time: for every band pixel (one whose
//! neighbourhood holds both labels) where the inside is present nearby, the label the local
//! means ask for (see [`crate::segment::contour`]). The local maps (inside weight, inside
//! and outside means) live on a coarse grid and are interpolated bilinearly; the caller
//! expands the two coarse rows around the image row to the row's columns (the four taps of
//! each map), so the kernel reads plain rows. The vector body (`wide::f32x8`, at the
//! build's instruction set) computes the same `f32` operations in the same order per pixel
//! as the scalar twin, so the labels are identical.

mod scalar;
mod vector;

use super::Kernels;

/// The inputs of one row of the band update, each slice one value per column (all the same
/// length), the taps in the order top-left, top-right, bottom-left, bottom-right.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BandRow<'a> {
    /// Grey values.
    pub px: &'a [f32],
    /// The column term of the boundary position `β`.
    pub beta_x: &'a [f32],
    /// The row term of `β` (`β = clamp(beta_x + beta_y, 0, 1)`).
    pub beta_y: f32,
    /// Horizontal interpolation weight (of the right-hand taps).
    pub ax: &'a [f32],
    /// Vertical interpolation weight (of the bottom taps).
    pub ay: f32,
    /// The inside weight at the four taps.
    pub n: [&'a [f32]; 4],
    /// The inside mean at the four taps.
    pub mu_in: [&'a [f32]; 4],
    /// The outside mean at the four taps.
    pub mu_out: [&'a [f32]; 4],
    /// The band: non-zero where the pixel's neighbourhood holds both labels.
    pub band: &'a [u8],
}

impl BandRow<'_> {
    /// Columns.
    pub(crate) fn len(&self) -> usize {
        self.px.len()
    }

    /// Whether every slice has the row's length (the kernels assume it).
    pub(crate) fn consistent(&self) -> bool {
        let n = self.len();
        [self.beta_x, self.ax].iter().all(|s| s.len() == n)
            && self
                .n
                .iter()
                .chain(&self.mu_in)
                .chain(&self.mu_out)
                .all(|s| s.len() == n)
            && self.band.len() == n
    }
}

/// Below this interpolated inside weight the local means are not trusted and the pixel
/// keeps its label.
pub(crate) const MIN_INSIDE: f32 = 1e-2;

/// Updates the labels `next` (0 or 1, the row's current labels on entry) where the band
/// asks for it; returns how many changed. Panics if the slices' lengths differ.
pub(crate) fn update(row: &BandRow, next: &mut [u8], kernels: Kernels) -> usize {
    assert!(
        row.consistent() && next.len() == row.len(),
        "band row slices of one length"
    );
    match kernels {
        Kernels::Scalar => scalar::update(row, next, 0),
        // One vector level: `wide` at the build's instruction set.
        _ => vector::update(row, next),
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Sixteen value rows on 0..1, the band (as two label rows that differ on it), the
    /// current labels, the row's `β` term and `ay`.
    type Rows = (Vec<Vec<f32>>, Vec<u8>, Vec<u8>, Vec<u8>, f32, f32);

    /// Random rows: values where the decisions are close calls as well as clear ones.
    fn rows(max_w: usize) -> impl Strategy<Value = Rows> {
        (1usize..max_w).prop_flat_map(|w| {
            (
                proptest::collection::vec(proptest::collection::vec(0.0f32..1.0, w), 16),
                proptest::collection::vec(0u8..2, w),
                proptest::collection::vec(0u8..2, w),
                proptest::collection::vec(0u8..2, w),
                -0.5f32..1.5,
                0.0f32..1.0,
            )
        })
    }

    proptest! {
        #[test]
        fn wide_matches_scalar((v, lo, hi, cur, beta_y, ay) in rows(70)) {
            // Scale the maps: grey values and means on 0..255, weights on 0..1 with some
            // below MIN_INSIDE.
            let s = |k: usize, m: f32| -> Vec<f32> { v[k].iter().map(|x| x * m).collect() };
            let (px, bx, ax) = (s(0, 255.0), s(1, 1.2), v[2].clone());
            let n: Vec<Vec<f32>> = (3..7).map(|k| s(k, 0.05)).collect();
            let mi: Vec<Vec<f32>> = (7..11).map(|k| s(k, 255.0)).collect();
            let mo: Vec<Vec<f32>> = (11..15).map(|k| s(k, 255.0)).collect();
            // The band as the kernels meet it: zero off the band, any non-zero value on it.
            let band: Vec<u8> = hi.iter().zip(&lo).map(|(h, l)| (h ^ l) * (1 + 127 * h)).collect();
            let row = BandRow {
                px: &px,
                beta_x: &bx,
                beta_y,
                ax: &ax,
                ay,
                n: [&n[0], &n[1], &n[2], &n[3]],
                mu_in: [&mi[0], &mi[1], &mi[2], &mi[3]],
                mu_out: [&mo[0], &mo[1], &mo[2], &mo[3]],
                band: &band,
            };
            let (mut a, mut b) = (cur.clone(), cur.clone());
            let ca = update(&row, &mut a, Kernels::Scalar);
            let cb = update(&row, &mut b, Kernels::active());
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(ca, cb);
            prop_assert_eq!(ca, a.iter().zip(&cur).filter(|(x, y)| x != y).count());
            // Outside the band nothing moves.
            for i in 0..a.len() {
                if band[i] == 0 {
                    prop_assert_eq!(a[i], cur[i]);
                }
            }
        }
    }

    /// A pixel on the band with a clear call each way, and one off the band.
    #[test]
    fn decisions_follow_the_means() {
        let one = [1.0f32; 3];
        let zero = [0.0f32; 3];
        let mi = [50.0f32; 3];
        let mo = [200.0f32; 3];
        let px = [60.0f32, 190.0, 60.0];
        let row = BandRow {
            px: &px,
            beta_x: &[0.5; 3],
            beta_y: 0.0,
            ax: &zero,
            ay: 0.0,
            n: [&one, &one, &one, &one],
            mu_in: [&mi, &mi, &mi, &mi],
            mu_out: [&mo, &mo, &mo, &mo],
            band: &[1, 1, 0],
        };
        for &backend in Kernels::available() {
            let mut next = [0u8, 1, 0];
            assert_eq!(update(&row, &mut next, backend), 2, "{backend:?}");
            assert_eq!(next, [1, 0, 0], "{backend:?}");
        }
    }
}
