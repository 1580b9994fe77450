//! The result card: one PNG per image for a clinician. The radiograph with the lung outlines
//! beside the same radiograph with the abnormality heatmap, the score 0–100 and the label at
//! the operating point in large type, the QC codes and flags, the image's id and the model
//! that scored it. Text is drawn with the public-domain 8×8 bitmap font of `font8x8`, so a
//! card looks the same on every machine and needs no font files.

use crate::classify::Screened;
use crate::enhance::area_resize;
use crate::heatmap::Heat;
use crate::image::{GrayU8, Labels, Mask};
use crate::overlay::{heat_overlay_rgb, overlay_rgb};

/// Side of each image panel in pixels.
pub const PANEL: usize = 480;
const MARGIN: usize = 16;
const BACKGROUND: [u8; 3] = [20, 20, 24];
const TEXT: [u8; 3] = [235, 235, 235];
const MUTED: [u8; 3] = [160, 160, 170];
const TB_COLOUR: [u8; 3] = [255, 90, 70];
const NORMAL_COLOUR: [u8; 3] = [90, 210, 120];
const WARN_COLOUR: [u8; 3] = [255, 200, 60];

/// What a card says besides the image's result.
#[derive(Clone, Debug)]
pub struct CardInfo<'a> {
    /// The image's id (file stem).
    pub id: &'a str,
    /// The model, in words (file name, version, what it was trained on).
    pub model: &'a str,
    /// The operating point, in words (e.g. `sensitivity 0.90: TB at score >= 43.1`).
    pub operating_point: &'a str,
}

/// An RGB canvas.
struct Canvas {
    rgb: Vec<u8>,
    w: usize,
    h: usize,
}

impl Canvas {
    fn put(&mut self, x: usize, y: usize, c: [u8; 3]) {
        if x < self.w && y < self.h {
            let i = (y * self.w + x) * 3;
            self.rgb[i..i + 3].copy_from_slice(&c);
        }
    }

    /// Draws ASCII `text` at `(x, y)` with `scale`× the 8×8 font; other characters as `?`.
    /// Returns the x after the text.
    fn text(&mut self, x: usize, y: usize, text: &str, scale: usize, c: [u8; 3]) -> usize {
        let mut cx = x;
        for ch in text.chars() {
            let code = if ch.is_ascii() {
                ch as usize
            } else {
                '?' as usize
            };
            let glyph = font8x8::legacy::BASIC_LEGACY[code];
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        for dy in 0..scale {
                            for dx in 0..scale {
                                self.put(cx + col * scale + dx, y + row * scale + dy, c);
                            }
                        }
                    }
                }
            }
            cx += 8 * scale;
        }
        cx
    }

    /// Draws `text` wrapped at word boundaries to `width` pixels; returns the next line's y.
    fn wrapped(&mut self, x: usize, mut y: usize, text: &str, width: usize, c: [u8; 3]) -> usize {
        let per_line = (width / 16).max(1);
        let mut line = String::new();
        for word in text.split(' ') {
            if !line.is_empty() && line.len() + 1 + word.len() > per_line {
                self.text(x, y, &line, 2, c);
                y += 20;
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            self.text(x, y, &line, 2, c);
            y += 20;
        }
        y
    }

    fn paste(&mut self, rgb: &[u8], w: usize, h: usize, x0: usize, y0: usize) {
        for y in 0..h {
            for x in 0..w {
                let i = (y * w + x) * 3;
                self.put(x0 + x, y0 + y, [rgb[i], rgb[i + 1], rgb[i + 2]]);
            }
        }
    }
}

/// Nearest-sample shrink of a label image to `w × h`.
fn shrink(m: &Mask, w: usize, h: usize) -> Mask {
    let (mw, mh) = (m.width().max(1), m.height().max(1));
    Mask::from_rows(w, h, |y, row| {
        let sy = ((y * mh) / h).min(mh - 1);
        for (x, v) in row.iter_mut().enumerate() {
            *v = m.get(((x * mw) / w).min(mw - 1), sy);
        }
    })
}

/// The panels at card size: the grey radiograph, its labels, and the heatmap.
fn panels(s: &Screened) -> (GrayU8, Labels, Option<GrayU8>) {
    let grey = s.image.to_u8();
    let (w, h) = (grey.width().max(1), grey.height().max(1));
    let k = (PANEL as f64 / w.max(h) as f64).min(1.0);
    let (pw, ph) = (
        ((w as f64 * k).round() as usize).max(1),
        ((h as f64 * k).round() as usize).max(1),
    );
    let small = area_resize(&grey, pw, ph).map(|&v| (v + 0.5).clamp(0.0, 255.0) as u8);
    let Some(scored) = &s.scored else {
        return (small, Mask::new(pw, ph), None);
    };
    let labels = shrink(&scored.segmentation.labels, pw, ph);
    let heat = scored.heat.as_ref().map(|heat| {
        let (x0, y0, cw, ch) = heat.origin;
        let scaled = Heat {
            map: heat.map.clone(),
            origin: (
                (x0 as f64 * k) as usize,
                (y0 as f64 * k) as usize,
                ((cw as f64 * k).round() as usize).max(1),
                ((ch as f64 * k).round() as usize).max(1),
            ),
        };
        scaled.at_size(&labels)
    });
    (small, labels, heat)
}

/// The card of one screened image: RGB bytes, width and height.
///
/// ```
/// # fn main() -> lungfield::Result<()> {
/// use lungfield::classify::Screened;
/// use lungfield::report::card::{card_rgb, CardInfo};
/// let p = lungfield::phantom::make(128, 1, false);
/// let s = Screened { image: lungfield::io::Radiograph::U8(p.image), qc: vec![lungfield::qc::QcCode::NotFrontalChest], scored: None, reason: "no plausible lungs".into() };
/// let info = CardInfo { id: "x", model: "m", operating_point: "p" };
/// let (rgb, w, h) = card_rgb(&s, &info);
/// assert_eq!(rgb.len(), w * h * 3);
/// # Ok(()) }
/// ```
pub fn card_rgb(s: &Screened, info: &CardInfo<'_>) -> (Vec<u8>, usize, usize) {
    let (grey, labels, heat) = panels(s);
    let (pw, ph) = (grey.width(), grey.height());
    let w = 3 * MARGIN + 2 * PANEL;
    let top = MARGIN + 24 + 12 + 16 + MARGIN;
    let h = top + PANEL + MARGIN + 8 * 20 + MARGIN;
    let mut c = Canvas {
        rgb: BACKGROUND.repeat(w * h),
        w,
        h,
    };
    // Headline: the score and the label, or why there is none.
    let mut y = MARGIN;
    match &s.scored {
        Some(sc) => {
            let x = c.text(MARGIN, y, &format!("SCORE {:.0}/100", sc.score), 3, TEXT);
            let (label, colour) = if sc.tb {
                ("TB", TB_COLOUR)
            } else {
                ("NORMAL", NORMAL_COLOUR)
            };
            c.text(x + 24, y, label, 3, colour);
        }
        None => {
            let code = s.qc.first().map_or("unreadable", |q| q.code());
            c.text(MARGIN, y, &format!("NOT SCORED: {code}"), 3, WARN_COLOUR);
        }
    }
    y += 24 + 12;
    c.text(MARGIN, y, info.operating_point, 2, MUTED);
    // The panels.
    let left = overlay_rgb(&grey, &labels, 1);
    let (x0, x1) = (
        MARGIN + (PANEL - pw) / 2,
        2 * MARGIN + PANEL + (PANEL - pw) / 2,
    );
    let y0 = top + (PANEL - ph) / 2;
    c.paste(&left, pw, ph, x0, y0);
    match &heat {
        Some(hm) => {
            let right = heat_overlay_rgb(&grey, hm, &labels);
            c.paste(&right, pw, ph, x1, y0);
        }
        None => {
            let why = if s.scored.is_some() {
                "no heatmap in this model"
            } else {
                "no lungs to map"
            };
            c.text(2 * MARGIN + PANEL + 16, top + PANEL / 2, why, 2, MUTED);
        }
    }
    // The facts below.
    let mut y = top + PANEL + MARGIN;
    let width = w - 2 * MARGIN;
    let qc = s.qc_codes();
    y = c.wrapped(MARGIN, y, &format!("id: {}", info.id), width, TEXT);
    y = c.wrapped(
        MARGIN,
        y,
        &format!(
            "QC: {}",
            if qc.is_empty() {
                "passed".to_string()
            } else {
                qc.join(", ")
            }
        ),
        width,
        if qc.is_empty() { TEXT } else { WARN_COLOUR },
    );
    let flags = s
        .scored
        .as_ref()
        .map(|sc| sc.segmentation.flags.join(", "))
        .unwrap_or_default();
    let flags = if !s.reason.is_empty() {
        s.reason.clone()
    } else if flags.is_empty() {
        "none".into()
    } else {
        flags
    };
    y = c.wrapped(MARGIN, y, &format!("flags: {flags}"), width, TEXT);
    c.wrapped(MARGIN, y, &format!("model: {}", info.model), width, MUTED);
    (c.rgb, w, h)
}
