//! Progress of long batch functions: they call [`Progress::advance`] once per finished item,
//! from any worker thread, so a front end can draw a bar (the CLI uses indicatif) while the
//! library stays free of any terminal code. `()` is the silent implementation.

/// Told of each finished item of a batch.
pub trait Progress: Sync {
    /// One more item is done.
    fn advance(&self);
}

impl Progress for () {
    fn advance(&self) {}
}
