//! The band update pixel by pixel: the specification of the `wide` twin.

use super::{BandRow, MIN_INSIDE};

/// `((c0·k0 + c1·k1) + c2·k2) + c3·k3`: a map at the four taps.
#[inline(always)]
pub(super) fn sample(c: [f32; 4], k: [f32; 4]) -> f32 {
    ((c[0] * k[0] + c[1] * k[1]) + c[2] * k[2]) + c[3] * k[3]
}

/// The four tap weights for the weights `ax` (right) and `ay` (bottom).
#[inline(always)]
pub(super) fn weights(ax: f32, ay: f32) -> [f32; 4] {
    [
        (1.0 - ax) * (1.0 - ay),
        ax * (1.0 - ay),
        (1.0 - ax) * ay,
        ax * ay,
    ]
}

/// Columns `from..` of the row (see [`super::update`]); returns how many labels changed.
pub(super) fn update(row: &BandRow, next: &mut [u8], from: usize) -> usize {
    let mut changed = 0;
    for x in from..row.len() {
        if row.band[x] == 0 {
            continue;
        }
        let k = weights(row.ax[x], row.ay);
        let at = |m: &[&[f32]; 4]| sample([m[0][x], m[1][x], m[2][x], m[3][x]], k);
        if at(&row.n) < MIN_INSIDE {
            continue;
        }
        let (mi, mo) = (at(&row.mu_in), at(&row.mu_out));
        let v = row.px[x];
        let want = if mo > mi {
            let beta = (row.beta_x[x] + row.beta_y).clamp(0.0, 1.0);
            v < mi + beta * (mo - mi)
        } else {
            (v - mi).abs() < (v - mo).abs()
        };
        let nv = u8::from(want);
        if next[x] != nv {
            next[x] = nv;
            changed += 1;
        }
    }
    changed
}
