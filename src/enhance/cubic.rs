//! Bicubic resampling by a scale factor (OpenCV's `INTER_CUBIC`): what the benchmarks use to
//! time the kernels at sizes other than their source image's.

use crate::image::GrayU8;

/// Bicubic resize by `scale` (the peer's `INTER_CUBIC`, Keys a = −0.75, replicated border),
/// for benchmarking at other sizes.
pub fn scale_cubic(src: &GrayU8, scale: f64) -> GrayU8 {
    let (w, h) = (src.width(), src.height());
    let (ow, oh) = (
        ((w as f64 * scale).round() as usize).max(1),
        ((h as f64 * scale).round() as usize).max(1),
    );
    let cubic = |t: f64| -> [f64; 4] {
        let a = -0.75;
        let f = |x: f64| {
            let x = x.abs();
            if x <= 1.0 {
                ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
            } else if x < 2.0 {
                ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
            } else {
                0.0
            }
        };
        [f(1.0 + t), f(t), f(1.0 - t), f(2.0 - t)]
    };
    let taps = |n_in: usize, n_out: usize| -> Vec<(isize, [f64; 4])> {
        (0..n_out)
            .map(|o| {
                let s = (o as f64 + 0.5) * n_in as f64 / n_out as f64 - 0.5;
                let i = s.floor();
                (i as isize - 1, cubic(s - i))
            })
            .collect()
    };
    let (xt, yt) = (taps(w, ow), taps(h, oh));
    let clamp = |i: isize, n: usize| i.clamp(0, n as isize - 1) as usize;
    // Horizontal pass to f64 rows, then vertical.
    let mut tmp = vec![0f64; ow * h];
    for y in 0..h {
        let row = src.row(y);
        for (x, (i0, k)) in xt.iter().enumerate() {
            tmp[y * ow + x] = (0..4)
                .map(|j| k[j] * f64::from(row[clamp(i0 + j as isize, w)]))
                .sum();
        }
    }
    let mut dst = GrayU8::new(ow, oh);
    for (y, (i0, k)) in yt.iter().enumerate() {
        for x in 0..ow {
            let v: f64 = (0..4)
                .map(|j| k[j] * tmp[clamp(i0 + j as isize, h) * ow + x])
                .sum();
            dst.set(x, y, v.round().clamp(0.0, 255.0) as u8);
        }
    }
    dst
}
