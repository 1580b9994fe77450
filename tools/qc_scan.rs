//! The quality checks over folders of real radiographs, as they are and inverted: how many
//! get each code. `cargo run --release --example qc_scan -- ../shared/data/*/images`.
use lungfield::io::{decode_file, find_images, Radiograph};
use lungfield::qc::{check, midline, polarity, QcCode};
use rayon::prelude::*;

fn negative(img: &Radiograph) -> Radiograph {
    match img {
        Radiograph::U8(p) => Radiograph::U8(p.map(|&v| 255 - v)),
        Radiograph::U16(p) => Radiograph::U16(p.map(|&v| 65535 - v)),
    }
}

/// One image: name, polarity score, contrast span, codes as it is and as its negative, the
/// midline measure.
type Row = (String, f64, f64, Vec<QcCode>, Vec<QcCode>, f64);

fn main() {
    for dir in std::env::args().skip(1) {
        let files = find_images(&[dir.clone().into()]).unwrap();
        let rows: Vec<Row> = files
            .par_iter()
            .map(|f| {
                let img = decode_file(f).unwrap();
                let (p, span) = polarity(&img);
                let checked = check(img.clone(), None);
                let m = midline(&checked.image).unwrap_or(f64::NAN);
                let up = checked.codes;
                let down = check(negative(&img), None).codes;
                (
                    f.file_name().unwrap().to_string_lossy().into_owned(),
                    p,
                    span,
                    up,
                    down,
                    m,
                )
            })
            .collect();
        let n = rows.len();
        let count = |pick: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| pick(r)).count();
        let max_p = rows.iter().map(|r| r.1).fold(f64::NEG_INFINITY, f64::max);
        let min_span = rows.iter().map(|r| r.2).fold(f64::INFINITY, f64::min);
        let min_midline = rows.iter().map(|r| r.5).fold(f64::INFINITY, f64::min);
        println!(
            "{dir}: {n} images; upright flagged inverted {}, low_contrast {}; negatives detected as inverted {}; highest polarity score {max_p:.3} (margin {}), lowest span {min_span:.3}; view_uncertain {}, lowest midline measure {min_midline:.3} (margin {})",
            count(&|r| r.3.contains(&QcCode::Inverted)),
            count(&|r| r.3.contains(&QcCode::LowContrast)),
            count(&|r| r.4.contains(&QcCode::Inverted)),
            lungfield::qc::INVERTED_MARGIN,
            count(&|r| r.3.contains(&QcCode::ViewUncertain)),
            lungfield::qc::MIDLINE_MARGIN
        );
        for r in rows.iter().filter(|r| {
            r.3.contains(&QcCode::Inverted)
                || !r.4.contains(&QcCode::Inverted)
                || r.3.contains(&QcCode::LowContrast)
                || r.3.contains(&QcCode::ViewUncertain)
        }) {
            println!(
                "  {} polarity {:.3} span {:.3} midline {:.3} upright {:?} negative {:?}",
                r.0, r.1, r.2, r.5, r.3, r.4
            );
        }
    }
}
