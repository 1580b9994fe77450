//! The reference element-wise extreme of two rows.

pub(super) fn combine(a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
    if max {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = x.max(y);
        }
    } else {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = x.min(y);
        }
    }
}

pub(super) fn combine_into(acc: &mut [u8], b: &[u8], max: bool) {
    if max {
        for (o, &y) in acc.iter_mut().zip(b) {
            *o = (*o).max(y);
        }
    } else {
        for (o, &y) in acc.iter_mut().zip(b) {
            *o = (*o).min(y);
        }
    }
}

/// The scalar twin's row operations.
#[derive(Clone, Copy)]
pub(super) struct Rows;

impl super::RowOps for Rows {
    #[inline]
    fn combine(self, a: &[u8], b: &[u8], out: &mut [u8], max: bool) {
        combine(a, b, out, max)
    }
    #[inline]
    fn combine_into(self, acc: &mut [u8], b: &[u8], max: bool) {
        combine_into(acc, b, max)
    }
}
