//! Parameter sweep over a dataset, for choosing defaults by measurement:
//! `FO=6 LC=12 BETA=0.65 cargo run --release --example sweep -- ../shared/data/jsrt-dev`.
use lungfield::*;
fn env(k: &str, d: f64) -> f64 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}
fn main() {
    let data = io::Dataset::open(std::env::args().nth(1).unwrap().as_ref()).unwrap();
    let mut o = SegmentOptions::default();
    o.final_open = env("FO", o.final_open as f64) as usize;
    o.lung_close = env("LC", o.lung_close as f64) as usize;
    o.contour.beta = env("BETA", o.contour.beta as f64) as f32;
    o.contour.beta_lateral = env("BLAT", o.contour.beta_lateral as f64) as f32;
    o.contour.beta_basal = env("BBAS", o.contour.beta_basal as f64) as f32;
    o.contour.sigma = env("SIG", o.contour.sigma as f64) as f32;
    o.contour.iterations = env("IT", o.contour.iterations as f64) as usize;
    o.work_size = env("WS", o.work_size as f64) as usize;
    o.seed_close = env("SC", o.seed_close as f64) as usize;
    o.prior.shape_keep = env("KEEP", o.prior.shape_keep as f64) as f32;
    o.prior.shape_fill = env("FILL", o.prior.shape_fill as f64) as f32;
    o.prior.neighbours = env("NB", o.prior.neighbours as f64) as usize;
    // CV=K: a prior cross-validated on K folds of the dataset's own masks.
    let cv = env("CV", 0.0) as usize;
    let ev = if cv > 0 {
        let src = evaluate::PriorSource::CrossValidated(cv);
        evaluate::evaluate_with(&data, io::Subset::All, &o, src, &()).unwrap()
    } else {
        evaluate::evaluate(&data, io::Subset::All, &o)
    };
    let s = &ev.summary;
    if cv > 0 {
        print!(
            "CV={cv} KEEP={} FILL={} NB={} ",
            o.prior.shape_keep, o.prior.shape_fill, o.prior.neighbours
        );
    }
    println!("FO={} LC={} BETA={}+{}-{} SIG={} IT={} WS={} SC={}: mean {:.4} med {:.4} p5 {:.4} hd95 {:.1} ms {:.1}", o.final_open, o.lung_close, o.contour.beta, o.contour.beta_lateral, o.contour.beta_basal, o.contour.sigma, o.contour.iterations, o.work_size, o.seed_close, s.dice_mean, s.dice_median, s.dice_p5, s.hd95_median_px, s.ms_per_image);
}
