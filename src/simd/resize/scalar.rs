//! The reference 2×2 block mean.

pub(super) fn half_row(r0: &[u8], r1: &[u8], out: &mut [u8]) {
    for (x, o) in out.iter_mut().enumerate() {
        let s = u16::from(r0[2 * x])
            + u16::from(r0[2 * x + 1])
            + u16::from(r1[2 * x])
            + u16::from(r1[2 * x + 1]);
        *o = ((s + 2) >> 2) as u8;
    }
}
