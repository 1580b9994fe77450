//! The band update eight columns at a time (`wide::f32x8`, at the build's instruction set):
//! a group of eight with no band pixel costs one 8-byte compare; otherwise the decisions of
//! all eight are computed as the scalar twin computes each (same operations, same order)
//! and applied to the band pixels. The columns past the last whole group are the twin's.

use super::{scalar, BandRow, MIN_INSIDE};
use wide::f32x8;

/// Eight values from `s[x..]`.
#[inline(always)]
fn load(s: &[f32], x: usize) -> f32x8 {
    let mut a = [0.0f32; 8];
    a.copy_from_slice(&s[x..x + 8]);
    f32x8::from(a)
}

/// Eight bytes from `s[x..]` as one word.
#[inline(always)]
fn bytes(s: &[u8], x: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&s[x..x + 8]);
    u64::from_le_bytes(a)
}

pub(super) fn update(row: &BandRow, next: &mut [u8]) -> usize {
    let len = row.len();
    let groups = len / 8;
    let (one, zero) = (f32x8::splat(1.0), f32x8::splat(0.0));
    let ay = f32x8::splat(row.ay);
    let ay1 = one - ay;
    let (beta_y, min_inside) = (f32x8::splat(row.beta_y), f32x8::splat(MIN_INSIDE));
    let mut changed = 0;
    for g in 0..groups {
        let x = 8 * g;
        // Band lanes: non-zero bytes.
        let diff = bytes(row.band, x);
        if diff == 0 {
            continue;
        }
        let ax = load(row.ax, x);
        let ax1 = one - ax;
        let k = [ax1 * ay1, ax * ay1, ax1 * ay, ax * ay];
        let at = |m: &[&[f32]; 4]| {
            ((load(m[0], x) * k[0] + load(m[1], x) * k[1]) + load(m[2], x) * k[2])
                + load(m[3], x) * k[3]
        };
        let trusted = !at(&row.n).simd_lt(min_inside).to_bitmask();
        let (mi, mo) = (at(&row.mu_in), at(&row.mu_out));
        let v = load(row.px, x);
        let beta = (load(row.beta_x, x) + beta_y).max(zero).min(one);
        let above = mo.simd_gt(mi).to_bitmask();
        let toward = v.simd_lt(mi + beta * (mo - mi)).to_bitmask();
        let nearer = (v - mi).abs().simd_lt((v - mo).abs()).to_bitmask();
        let want = (above & toward) | (!above & nearer);
        for lane in 0..8 {
            if (diff >> (8 * lane)) & 0xff == 0 || (trusted >> lane) & 1 == 0 {
                continue;
            }
            let nv = ((want >> lane) & 1) as u8;
            if next[x + lane] != nv {
                next[x + lane] = nv;
                changed += 1;
            }
        }
    }
    changed + scalar::update(row, next, 8 * groups)
}
