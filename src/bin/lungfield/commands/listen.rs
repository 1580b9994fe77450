//! `lungfield listen`: the DICOM receiver. Loads the model, prints one line per association,
//! image and refusal on stderr (with the UTC time), and stops cleanly on Ctrl-C or SIGTERM:
//! nothing more is accepted, open associations finish, everything received is screened.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};

use lungfield::classify::Model;
use lungfield::listen::results::utc;
use lungfield::listen::{ListenOptions, Log, Screening};
use lungfield::prior::ShapePrior;

use crate::args::ListenArgs;

pub fn run(a: &ListenArgs) -> Result<bool> {
    crate::outputs::writable_dir(&a.out)?;
    if a.aet.is_empty() || a.aet.len() > 16 {
        anyhow::bail!("--aet '{}': an AE title has 1 to 16 characters", a.aet);
    }
    let model = Model::load(&a.model)?;
    if model.harmonised {
        anyhow::bail!(
            "{}: this model harmonises each site's features on a batch, which a listener scoring one image at a time does not have; train one without --harmonise",
            a.model.display()
        );
    }
    let prior = match &a.prior {
        Some(p) => Some(ShapePrior::load(p)?),
        None => model.prior()?,
    };
    let op_name = model
        .operating_points
        .first()
        .map_or("the model's threshold".to_string(), |o| o.name.clone());
    let screening = Screening {
        model_text: super::classify::model_words(&model, &a.model),
        op_text: format!(
            "operating point {op_name}: TB at score >= {:.1}",
            model.score(model.threshold)
        ),
        model,
        prior,
        out: a.out.clone(),
        forward: a.forward.is_some(),
    };
    let log: Log = Arc::new(|line: &str| {
        eprintln!("{} {line}", utc(SystemTime::now()).2);
    });
    let opts = ListenOptions {
        bind: a.bind.clone(),
        port: a.port,
        aet: a.aet.clone(),
        allow: a.allow_aet.clone(),
        threads: a.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        forward: a.forward.clone(),
        max_associations: a.max_associations,
        timeout: Duration::from_secs(a.timeout.max(1)),
        max_bytes: a.max_mb.saturating_mul(1 << 20),
        log,
    };
    crate::batch::catch_interrupts();
    let summary = lungfield::listen::run(&opts, screening, crate::batch::interrupt_flag())
        .context("lungfield listen")?;
    Ok(summary.errors == 0)
}
