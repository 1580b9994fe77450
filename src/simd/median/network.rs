//! A selection network for the median of 25 (the 5×5 median), the generator behind `net25.rs`:
//! Batcher's odd–even merge sort on 32 wires, the 7 wires past 25 holding a known "+∞" (so comparators
//! that touch them become wire renamings or vanish), then pruned backwards to what the median
//! (wire 12) depends on, keeping only the half (min or max) of each comparator that is used.

use std::sync::OnceLock;

/// One step on the wires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `(a, b) ← (min, max)`.
    Both(u8, u8),
    /// `a ← min(a, b)` (the max is not needed).
    Min(u8, u8),
    /// `b ← max(a, b)` (the min is not needed).
    Max(u8, u8),
}

fn batcher(n: usize) -> Vec<(usize, usize)> {
    // Knuth's formulation of Batcher's merge exchange (TAOCP 5.2.2, algorithm M).
    let mut out = Vec::new();
    let mut t = 0;
    while (1 << t) < n {
        t += 1;
    }
    let mut p = 1 << (t - 1);
    while p > 0 {
        let (mut q, mut r, mut d) = (1 << (t - 1), 0, p);
        loop {
            for i in 0..n - d {
                if i & p == r {
                    out.push((i, i + d));
                }
            }
            if q == p {
                break;
            }
            d = q - p;
            q >>= 1;
            r = p;
        }
        p >>= 1;
    }
    out
}

/// The pruned network for the median of `n` inputs (`n` odd, at most 32) on wires
/// `0..n`; the median ends on [`median_wire`]`(n)`.
pub(crate) fn median_network(n: usize) -> Vec<Op> {
    // Forward: physical wire of each logical position, and whether it holds +∞.
    let comps = batcher(32);
    let mut pad = [false; 32];
    for p in pad.iter_mut().skip(n) {
        *p = true;
    }
    // Rename rather than move: `slot[k]` is the physical wire at logical position k.
    let mut slot: Vec<u8> = (0..32).collect();
    let mut ops: Vec<(u8, u8)> = Vec::new();
    for (i, j) in comps {
        match (pad[i], pad[j]) {
            (true, true) | (false, true) => {}
            (true, false) => {
                // The real value goes up to position i, the +∞ down to j.
                slot.swap(i, j);
                pad.swap(i, j);
            }
            (false, false) => ops.push((slot[i], slot[j])),
        }
    }
    let out = slot[n / 2];
    // Backward: keep what the median needs.
    let mut need = [false; 32];
    need[out as usize] = true;
    let mut kept = Vec::new();
    for &(a, b) in ops.iter().rev() {
        let (na, nb) = (need[a as usize], need[b as usize]);
        if !na && !nb {
            continue;
        }
        kept.push(match (na, nb) {
            (true, true) => Op::Both(a, b),
            (true, false) => Op::Min(a, b),
            _ => Op::Max(a, b),
        });
        need[a as usize] = true;
        need[b as usize] = true;
    }
    kept.reverse();
    MEDIAN_WIRE.get_or_init(|| out);
    kept
}

static MEDIAN_WIRE: OnceLock<u8> = OnceLock::new();

/// The network for the 5×5 median, built on first use.
pub(crate) fn median25() -> &'static [Op] {
    static NET: OnceLock<Vec<Op>> = OnceLock::new();
    NET.get_or_init(|| median_network(25))
}

/// The wire that holds the median after [`median25`].
pub(crate) fn median25_wire() -> usize {
    let _ = median25();
    usize::from(MEDIAN_WIRE.get().copied().unwrap_or(12))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(v: &[u8]) -> u8 {
        let mut w = [255u8; 32];
        w[..v.len()].copy_from_slice(v);
        for op in median25() {
            match *op {
                Op::Both(a, b) => {
                    let (x, y) = (w[a as usize], w[b as usize]);
                    w[a as usize] = x.min(y);
                    w[b as usize] = x.max(y);
                }
                Op::Min(a, b) => w[a as usize] = w[a as usize].min(w[b as usize]),
                Op::Max(a, b) => w[b as usize] = w[a as usize].max(w[b as usize]),
            }
        }
        w[median25_wire()]
    }

    #[test]
    fn written_network_is_the_generated_one() {
        let generated: Vec<String> = median25().iter().map(|op| format!("{op:?}")).collect();
        assert_eq!(generated.join(";"), super::super::net25::STEPS);
        assert_eq!(median25_wire(), 12);
    }

    #[test]
    fn batcher_sorts_everything() {
        let c = batcher(32);
        let mut r = crate::rng::Rng::new(1);
        for _ in 0..200 {
            let mut v: Vec<u64> = (0..32).map(|_| r.next_u64() % 50).collect();
            for &(i, j) in &c {
                if v[i] > v[j] {
                    v.swap(i, j);
                }
            }
            assert!(v.windows(2).all(|w| w[0] <= w[1]));
        }
        assert!(median25().len() < c.len());
    }

    proptest! {
        #[test]
        fn median_of_25(v in proptest::collection::vec(any::<u8>(), 25)) {
            let mut s = v.clone();
            s.sort_unstable();
            prop_assert_eq!(run(&v), s[12]);
        }
    }
}
