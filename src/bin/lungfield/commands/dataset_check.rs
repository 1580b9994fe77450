//! `lungfield dataset check`: lists what is missing or wrong in a dataset folder.

pub fn run(a: &crate::args::DatasetCheckArgs, _quiet: bool) -> anyhow::Result<bool> {
    let expected = (!a.any).then_some(lungfield::io::Expected::SZ_CXR);
    let r = lungfield::io::check_dataset(&a.dir, expected)?;
    if a.json {
        crate::print_json(&serde_json::to_value(&r)?);
    } else {
        for p in &r.problems {
            println!("{p}");
        }
        println!(
            "{}: {} images ({} normal, {} TB), {} usable masks: {}",
            a.dir.display(),
            r.images,
            r.normal,
            r.tb,
            r.masks,
            if r.ok() {
                "no problems".to_string()
            } else {
                format!("{} problem(s)", r.problems.len())
            }
        );
    }
    Ok(r.ok())
}
