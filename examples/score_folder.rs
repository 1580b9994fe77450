//! Score a folder of radiographs with a trained model (`lungfield train`), on all cores: one
//! line per image with the 0–100 score, the label at the model's operating point and the
//! flags; images that cannot be read are named on stderr and the rest go on.
//!
//! `cargo run --release --example score_folder -- model.lfm scans/`
use lungfield::classify::Model;
use lungfield::features::{feature_table, jobs_from_files, MaskSource};
use lungfield::io::find_images;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, folder] = args.as_slice() else {
        return Err("usage: score_folder MODEL.lfm FOLDER".into());
    };
    let model = Model::load(model.as_ref())?;
    if model.harmonised {
        return Err(
            "a harmonised model needs its site's statistics: use `lungfield classify`".into(),
        );
    }
    // The lungs are found as they were for training: same options, same shape prior.
    let prior = model.prior()?;
    let jobs = jobs_from_files(&find_images(&[folder.into()])?);
    let table = feature_table(
        &jobs,
        MaskSource::Found,
        &model.segment,
        prior.as_ref(),
        &model.features,
        &(),
    );
    let x: Vec<Vec<f64>> = table.rows.iter().map(|r| r.values.clone()).collect();
    let p = model.predict_proba(&x)?;
    for (row, &pi) in table.rows.iter().zip(&p) {
        let label = if pi >= model.threshold {
            "tb"
        } else {
            "normal"
        };
        println!(
            "{}\t{:.1}\t{label}\t{}",
            row.id,
            model.score(pi),
            row.flags.join(";")
        );
    }
    for (id, e) in &table.failures {
        eprintln!("{id}: {e}");
    }
    Ok(())
}
