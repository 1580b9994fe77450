//! `lungfield dataset import`: copies a dataset into lungfield's layout and checks it.

pub fn run(a: &crate::args::DatasetImportArgs, _quiet: bool) -> anyhow::Result<bool> {
    crate::outputs::writable_dir(&a.out)?;
    let r = lungfield::io::import_dataset(&a.src, &a.out)?;
    let check = lungfield::io::check_dataset(&a.out, Some(lungfield::io::Expected::SZ_CXR))?;
    for c in &r.conflicts {
        eprintln!("conflict: {c}");
    }
    if a.json {
        crate::print_json(&ImportJson {
            import: &r,
            check: &check,
            out: &a.out,
        });
    } else {
        for p in &check.problems {
            println!("{p}");
        }
        println!(
            "imported {} images and {} masks into {} ({} other files ignored, {} conflicts); check: {}",
            r.images,
            r.masks,
            a.out.display(),
            r.ignored,
            r.conflicts.len(),
            if check.ok() {
                "a complete SZ-CXR copy".to_string()
            } else {
                format!("{} problem(s) listed above", check.problems.len())
            }
        );
    }
    Ok(r.conflicts.is_empty())
}

/// `dataset import --json`.
#[derive(serde::Serialize)]
struct ImportJson<'a> {
    import: &'a lungfield::io::ImportReport,
    check: &'a lungfield::io::CheckReport,
    out: &'a std::path::Path,
}
