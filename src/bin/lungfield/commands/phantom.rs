//! `lungfield phantom`: writes a set of synthetic radiographs with masks and labels.

pub fn run(a: &crate::args::PhantomArgs, _quiet: bool) -> anyhow::Result<bool> {
    crate::threads(a.threads)?;
    let opts = lungfield::phantom::PhantomSetOptions {
        count: a.count,
        seed: a.seed,
        tb_fraction: a.tb_fraction,
        size: a.size,
        bits: a.bits,
    };
    crate::outputs::writable_dir(&a.out)?;
    let set = lungfield::phantom::write_set(&a.out, &opts)?;
    let tb = set.rows.iter().filter(|r| r.label == 1).count();
    if a.json {
        crate::print_json(&PhantomJson {
            out: &a.out,
            count: set.rows.len(),
            tb,
            size: a.size,
            bits: a.bits,
            seed: a.seed,
        });
        return Ok(true);
    }
    println!(
        "wrote {} phantoms ({} TB-like, {} px, {}-bit) to {}",
        set.rows.len(),
        tb,
        a.size,
        a.bits,
        a.out.display()
    );
    Ok(true)
}

/// `phantom --json`.
#[derive(serde::Serialize)]
struct PhantomJson<'a> {
    out: &'a std::path::Path,
    count: usize,
    tb: usize,
    size: usize,
    bits: u8,
    seed: u64,
}
