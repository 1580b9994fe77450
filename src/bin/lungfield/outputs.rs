//! Checks that outputs can be written, before any work starts: a run over thousands of
//! images must not fail at its very end because of a typo in `-o`.

use std::path::Path;

use anyhow::{Context, Result};

/// Creates `dir` (and its parents) and checks that a file can be written in it.
pub fn writable_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let probe = dir.join(".lungfield-write-test");
    lungfield::io::write_atomic(&probe, b"")
        .with_context(|| format!("output folder {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Checks that the output file `path` can be written: its folder exists (created if
/// missing) and is writable, and `path` is not a folder.
pub fn writable_file(path: &Path) -> Result<()> {
    if path.is_dir() {
        anyhow::bail!("output {} is a folder; give a file name", path.display());
    }
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => writable_dir(p),
        _ => writable_dir(Path::new(".")),
    }
}
