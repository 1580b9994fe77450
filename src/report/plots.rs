//! The report's charts as SVG (plotters' SVG backend: text stays text, no fonts needed).

use plotters::prelude::*;

use crate::error::{Error, Result};

fn err(e: impl std::fmt::Display) -> Error {
    Error::InvalidOption(format!("chart: {e}"))
}

/// A histogram of `values` over `range` in `bins` bins.
pub fn histogram_svg(
    values: &[f64],
    range: (f64, f64),
    bins: usize,
    title: &str,
    x_label: &str,
) -> Result<String> {
    let bins = bins.max(1);
    let width = (range.1 - range.0).max(1e-9) / bins as f64;
    let mut counts = vec![0u32; bins];
    for &v in values.iter().filter(|v| v.is_finite()) {
        let i = (((v - range.0) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(range.0..range.1, 0u32..top + 1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("images")
            .disable_x_mesh()
            .draw()
            .map_err(err)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let x0 = range.0 + i as f64 * width;
                Rectangle::new(
                    [(x0, 0), (x0 + width * 0.95, c)],
                    RGBColor(70, 110, 180).filled(),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A ROC curve (false-positive rate, true-positive rate) with the diagonal.
///
/// `marks` are operating points `(1 − specificity, sensitivity)`, drawn as dots.
pub fn roc_svg(points: &[(f64, f64)], auc: f64, marks: &[(f64, f64)]) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (420, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("ROC, AUC {auc:.3}"), ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("1 - specificity")
            .y_desc("sensitivity")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                &RGBColor(180, 180, 180),
            ))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                RGBColor(200, 60, 40).stroke_width(2),
            ))
            .map_err(err)?;
        chart
            .draw_series(
                marks
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 5, RGBColor(30, 90, 200).filled())),
            )
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Horizontal bars, largest first, for named values (feature importance).
pub fn bars_svg(items: &[(String, f64)], title: &str) -> Result<String> {
    let n = items.len().max(1);
    let max = items
        .iter()
        .map(|(_, v)| *v)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 60 + 22 * n as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (label_w, bar_x0, bar_w) = (260, 270.0, 340.0);
        root.draw(&Text::new(title.to_string(), (10, 10), ("sans-serif", 18)))
            .map_err(err)?;
        for (i, (name, v)) in items.iter().enumerate() {
            let y = 45 + 22 * i as i32;
            root.draw(&Text::new(
                name.clone(),
                (10, y + 3),
                ("sans-serif", 13).into_font().color(&BLACK),
            ))
            .map_err(err)?;
            let w = (v.max(0.0) / max * bar_w) as i32;
            root.draw(&Rectangle::new(
                [(bar_x0 as i32, y), (bar_x0 as i32 + w.max(1), y + 16)],
                RGBColor(70, 110, 180).filled(),
            ))
            .map_err(err)?;
            root.draw(&Text::new(
                format!("{v:.4}"),
                (bar_x0 as i32 + w + 6, y + 3),
                ("sans-serif", 12),
            ))
            .map_err(err)?;
            let _ = label_w;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_labels() {
        let h = histogram_svg(&[0.9, 0.91, 0.95, 0.5], (0.6, 1.0), 20, "Dice", "Dice").unwrap();
        assert!(h.starts_with("<svg") && h.contains("Dice") && h.contains("<rect"));
        let r = roc_svg(&[(0.0, 0.0), (0.2, 0.8), (1.0, 1.0)], 0.9, &[(0.2, 0.8)]).unwrap();
        assert!(r.contains("AUC 0.900") && r.contains("<polyline"));
        let b = bars_svg(
            &[("fo_mean".into(), 0.03), ("glcm".into(), 0.01)],
            "importance",
        )
        .unwrap();
        assert!(b.contains("fo_mean") && b.contains("0.0300"));
    }
}
