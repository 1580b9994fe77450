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
