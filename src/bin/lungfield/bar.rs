//! Progress bars (indicatif) on a terminal: rate and ETA on stderr; nothing when stderr is
//! not a terminal (logs stay line-oriented) or with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `len` items, hidden when `quiet` or when stderr is not a terminal.
pub struct Bar(ProgressBar);

impl Bar {
    /// A new bar; `what` names the items ("images").
    pub fn new(len: usize, what: &str, quiet: bool) -> Bar {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            // Hidden by indicatif itself when stderr is not a terminal.
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(len as u64), target);
        let template = format!(
            "{{elapsed_precise}} [{{wide_bar}}] {{pos}}/{{len}} {what} {{per_sec}} eta {{eta}}"
        );
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(bar)
    }

    /// Prints a line above the bar (or plainly when the bar is hidden).
    pub fn println(&self, line: &str) {
        if self.0.is_hidden() {
            eprintln!("{line}");
        } else {
            self.0.println(line);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl lungfield::progress::Progress for Bar {
    fn advance(&self) {
        self.0.inc(1);
    }
}
