//! `lungfield segment`: lung masks (and overlays) for a batch of images.

pub fn run(a: &crate::args::SegmentArgs, quiet: bool) -> anyhow::Result<bool> {
    crate::threads(a.pipeline.threads)?;
    let files = lungfield::io::find_images(&a.inputs)?;
    if files.is_empty() {
        anyhow::bail!("no image files found in the given paths");
    }
    let prior = super::load_prior(&a.pipeline, false)?;
    crate::batch::check_unique_stems(&files)?;
    let files = &files[a.shard.range(files.len())];
    crate::batch::catch_interrupts();
    let tally = crate::batch::segment_all(
        files,
        &crate::batch::SegmentBatch {
            out: &a.out,
            overlay: a.overlay,
            resume: a.resume,
            opts: &(&a.pipeline).into(),
            prior: prior.as_ref(),
            quiet,
        },
    )?;
    if a.json {
        crate::print_json(&SegmentJson {
            out: &a.out,
            images: files.len(),
            done: tally.done,
            skipped: tally.skipped,
            failed: tally.failed,
            not_started: tally.not_started,
            failures: tally
                .failures
                .iter()
                .map(|(file, error)| FileFailure { file, error })
                .collect(),
            segmented: tally
                .segmented
                .iter()
                .map(|(file, flags, from_image)| Segmented {
                    file,
                    flags,
                    right_from_image: from_image[0],
                    left_from_image: from_image[1],
                })
                .collect(),
        });
    }
    if tally.not_started > 0 {
        return Err(crate::Interrupted.into());
    }
    Ok(tally.failed == 0)
}

/// `segment --json`.
#[derive(serde::Serialize)]
struct SegmentJson<'a> {
    out: &'a std::path::Path,
    images: usize,
    done: usize,
    skipped: usize,
    failed: usize,
    not_started: usize,
    failures: Vec<FileFailure<'a>>,
    segmented: Vec<Segmented<'a>>,
}

/// An input that failed, and why.
#[derive(serde::Serialize)]
struct FileFailure<'a> {
    file: &'a std::path::Path,
    error: &'a str,
}

/// A segmented input: its flags and the share of each lung the image showed.
#[derive(serde::Serialize)]
struct Segmented<'a> {
    file: &'a std::path::Path,
    flags: &'a [String],
    right_from_image: f32,
    left_from_image: f32,
}
