//! Progress on long work (demo build, imports, maildir ingest, sync init and rebuild),
//! drawn on stderr only when stderr is a terminal and never with `--json`: a script or
//! a pipe sees nothing of it. ASCII only, redrawn a few times a second at most, so it
//! costs little over a slow link.

use indicatif::ProgressBar;
use std::io::IsTerminal;

use super::Out;

/// A progress bar that may be hidden; every method is a no-op then.
pub struct Progress(ProgressBar);

impl Progress {
    /// A bar for `total` steps (a spinner while the total is unknown), labelled `what`.
    pub fn new(out: &Out, what: &str, total: Option<u64>) -> Progress {
        let shown = !out.json && std::io::stderr().is_terminal();
        Progress(crate::progress_bar::bar(shown, what, total, "{msg} {spinner} {human_pos}"))
    }

    /// Whether anything is drawn.
    #[cfg(test)]
    fn is_shown(&self) -> bool {
        !self.0.is_hidden()
    }

    pub fn set(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }

    pub fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    /// A new label for the next phase ("writing 12,000 changes").
    pub fn phase(&self, what: &str) {
        self.0.set_message(what.to_string());
    }

    /// Take the bar off the screen.
    pub fn done(self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_drawn_for_json_or_off_a_terminal() {
        // The test's stderr is captured (not a terminal); --json hides it regardless.
        assert!(!Progress::new(&Out { json: true }, "x", Some(3)).is_shown());
        let p = Progress::new(&Out { json: false }, "x", Some(3));
        assert_eq!(p.is_shown(), std::io::stderr().is_terminal());
        p.inc(1);
        p.done();
    }

    #[test]
    fn a_bar_counts_and_labels() {
        let p = Progress(crate::progress_bar::bar(false, "importing", Some(10), "{msg}"));
        p.inc(4);
        p.set(7, 12);
        p.phase("writing");
        assert_eq!((p.0.position(), p.0.length()), (7, Some(12)));
        assert_eq!(p.0.message(), "writing");
    }
}
