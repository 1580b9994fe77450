//! A heatmap at the feature resolution, and the same map at the radiograph's size.

use crate::image::{GrayU8, Labels};

/// One image's heatmap: 0–255 over the lungs' box at the feature resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct Heat {
    /// The map (0 nothing abnormal, 255 most abnormal; 0 outside the lungs).
    pub map: GrayU8,
    /// Where it lies in the radiograph: `(x0, y0, width, height)`.
    pub origin: (usize, usize, usize, usize),
}

impl Heat {
    /// The map at the radiograph's size (`labels`' size): bilinear inside the lungs'
    /// box, zero outside the lungs.
    ///
    /// ```
    /// use lungfield::{heatmap::Heat, GrayU8, Mask};
    /// let heat = Heat { map: GrayU8::filled(2, 2, 200), origin: (1, 1, 4, 4) };
    /// let labels = Mask::filled(6, 6, 1);
    /// let full = heat.at_size(&labels);
    /// assert_eq!((full.get(0, 0), full.get(2, 2), full.get(5, 5)), (0, 200, 0));
    /// ```
    pub fn at_size(&self, labels: &Labels) -> GrayU8 {
        let (w, h) = (labels.width(), labels.height());
        let (x0, y0, cw, ch) = self.origin;
        let (mw, mh) = (self.map.width(), self.map.height());
        let mut out = GrayU8::new(w, h);
        if mw == 0 || mh == 0 || cw == 0 || ch == 0 {
            return out;
        }
        let (sx, sy) = (mw as f32 / cw as f32, mh as f32 / ch as f32);
        let xs: Vec<(usize, usize, f32)> = (0..cw)
            .map(|x| {
                let u = ((x as f32 + 0.5) * sx - 0.5).clamp(0.0, (mw - 1) as f32);
                let i = (u as usize).min(mw - 1);
                (i, (i + 1).min(mw - 1), u - i as f32)
            })
            .collect();
        for y in y0..(y0 + ch).min(h) {
            let v = ((((y - y0) as f32) + 0.5) * sy - 0.5).clamp(0.0, (mh - 1) as f32);
            let j = (v as usize).min(mh - 1);
            let (j1, fy) = ((j + 1).min(mh - 1), v - j as f32);
            let (r0, r1) = (self.map.row(j), self.map.row(j1));
            let lab = labels.row(y);
            let dst = out.row_mut(y);
            for (x, &(i, i1, fx)) in xs.iter().enumerate() {
                let gx = x0 + x;
                if gx >= w || lab[gx] == 0 {
                    continue;
                }
                let top = f32::from(r0[i]) * (1.0 - fx) + f32::from(r0[i1]) * fx;
                let bottom = f32::from(r1[i]) * (1.0 - fx) + f32::from(r1[i1]) * fx;
                dst[gx] = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
        }
        out
    }

    /// The highest value of the map.
    pub fn peak(&self) -> u8 {
        self.map.as_slice().iter().copied().max().unwrap_or(0)
    }
}
