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
        /// The file involved.
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
    /// An image too small to be a chest radiograph.
    #[error("{}image is {width}x{height}: too small for a chest radiograph (at least {min}x{min})", at(.path))]
    TooSmall {
        /// The file involved (`None` for an image in memory; see [`Error::in_file`]).
        path: Option<PathBuf>,
        /// Its width in pixels.
        width: usize,
        /// Its height in pixels.
        height: usize,
        /// The smallest side accepted.
        min: usize,
    },
    /// No plausible pair of lungs was found in the image: it is not a frontal chest
    /// radiograph (a diseased one still gets lungs, with flags).
    #[error("{}no plausible lungs found: {reason}", at(.path))]
    NoLungs {
        /// The file involved (`None` for an image in memory; see [`Error::in_file`]).
        path: Option<PathBuf>,
        /// What was missing.
        reason: String,
    },
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
    pub fn in_file(self, file: &std::path::Path) -> Error {
        match self {
            Error::TooSmall {
                path: None,
                width,
                height,
                min,
            } => Error::TooSmall {
                path: Some(file.to_path_buf()),
                width,
                height,
                min,
            },
            Error::NoLungs { path: None, reason } => Error::NoLungs {
                path: Some(file.to_path_buf()),
                reason,
            },
            other => other,
        }
    }

    /// An image in memory without plausible lungs.
    pub(crate) fn no_lungs(reason: impl Into<String>) -> Error {
        Error::NoLungs {
            path: None,
            reason: reason.into(),
        }
    }
}

/// `"<path>: "` for a file, nothing for an image in memory.
fn at(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::Error;
    use std::path::Path;

    #[test]
    fn errors_from_memory_gain_the_file_name() {
        let small = Error::TooSmall {
            path: None,
            width: 20,
            height: 30,
            min: 32,
        };
        assert_eq!(
            small.to_string(),
            "image is 20x30: too small for a chest radiograph (at least 32x32)"
        );
        assert_eq!(
            small.in_file(Path::new("a/b.png")).to_string(),
            "a/b.png: image is 20x30: too small for a chest radiograph (at least 32x32)"
        );
        let none = Error::no_lungs("nothing dark");
        assert_eq!(none.to_string(), "no plausible lungs found: nothing dark");
        let named = none.in_file(Path::new("x.png"));
        assert_eq!(
            named.to_string(),
            "x.png: no plausible lungs found: nothing dark"
        );
        // A file already named keeps its name.
        let again = named.in_file(Path::new("y.png"));
        assert!(matches!(again, Error::NoLungs { path: Some(p), .. } if p == Path::new("x.png")));
    }
}
