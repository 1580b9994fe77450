//! Atomic file writes: a temporary file in the destination folder, flushed, then renamed over
//! the destination, so a reader (or an interrupted batch) never sees half a file.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically (temporary file in the same folder + rename).
///
/// # Errors
/// [`Error::Io`] naming `path` when the folder is not writable or the disk is full.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".lungfield-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_data().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Why [`read_bounded`] read nothing.
#[derive(Debug)]
pub(crate) enum Unread {
    /// The file could not be opened or read.
    Io(Error),
    /// It is a folder or another kind of non-regular file.
    NotAFile,
    /// It holds this many bytes, more than the limit.
    TooLarge(u64),
}

/// Reads a whole file of at most `max` bytes, judged from its metadata before any byte is read
/// (so a huge or endless file is never loaded). Each caller words its own refusal.
pub(crate) fn read_bounded(path: &Path, max: u64) -> std::result::Result<Vec<u8>, Unread> {
    let io = |source| {
        Unread::Io(Error::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Unread::NotAFile);
    }
    if meta.len() > max {
        return Err(Unread::TooLarge(meta.len()));
    }
    std::fs::read(path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.bin");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn unwritable_folder_is_an_error_naming_the_file() {
        let err = write_atomic(Path::new("/nonexistent-dir-xyz/a.png"), b"x").unwrap_err();
        assert!(err.to_string().contains("/nonexistent-dir-xyz/a.png"));
    }
}
