//! The library's error type: every failure names what went wrong and, where a file is
//! involved, which file, so a batch can print one readable line per bad input.

use std::path::PathBuf;

/// Everything that can go wrong in lungfield's library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file could not be decoded as an image.
    #[error("{}: cannot decode image: {reason}", path.display())]
    Decode {
        /// The file involved.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// An image is too small, too large or otherwise unusable.
    #[error("{}: {reason}", path.display())]
    BadImage {
        /// The file involved (empty when the image came from memory).
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// Two images that must have the same size do not.
    #[error("{what}: size mismatch: expected {}x{}, got {}x{}", expected.0, expected.1, got.0, got.1)]
    SizeMismatch {
        /// What was compared (usually a file name).
        what: String,
        /// Expected width and height.
        expected: (u32, u32),
        /// Actual width and height.
        got: (u32, u32),
    },
    /// No plausible pair of lungs was found in the image.
    #[error("no plausible lungs found: {0}")]
    NoLungs(String),
    /// A dataset folder does not have the expected layout.
    #[error("{}: {reason}", path.display())]
    Dataset {
        /// The folder or file involved.
        path: PathBuf,
        /// What is wrong, and what the layout should be.
        reason: String,
    },
    /// A model or prior file cannot be used: malformed, from another format version, or
    /// made with other features.
    #[error("{}: {reason}", path.display())]
    Model {
        /// The file involved.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// An option has a value lungfield cannot use.
    #[error("invalid option: {0}")]
    InvalidOption(String),
}

impl Error {
    /// Attaches a file name to errors that came from in-memory processing.
    pub fn in_file(self, path: &std::path::Path) -> Error {
        match self {
            Error::BadImage { path: p, reason } if p.as_os_str().is_empty() => Error::BadImage {
                path: path.to_path_buf(),
                reason,
            },
            Error::NoLungs(r) => Error::BadImage {
                path: path.to_path_buf(),
                reason: format!("no plausible lungs found: {r}"),
            },
            other => other,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
