//! The one look of a progress bar (indicatif), for the command line's long work
//! (`cli::progress`) and the store's upgrades (`store::upgrade`): a bar for a known
//! total, a spinner otherwise, redrawn a few times a second at most. Whether it is
//! drawn is the caller's decision.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar labelled `what` for `total` steps, or a spinner drawn with `spinner` (an
/// indicatif template) while the total is unknown; hidden unless `shown`.
pub fn bar(shown: bool, what: &str, total: Option<u64>, spinner: &str) -> ProgressBar {
    let target = if shown { ProgressDrawTarget::stderr_with_hz(4) } else { ProgressDrawTarget::hidden() };
    let bar = match total {
        Some(n) => ProgressBar::with_draw_target(Some(n), target).with_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {human_pos}/{human_len} ({eta} left)")
                .expect("a valid template")
                .progress_chars("=> "),
        ),
        None => {
            let b = ProgressBar::with_draw_target(None, target)
                .with_style(ProgressStyle::with_template(spinner).expect("a valid template").tick_chars("-\\|/ "));
            b.enable_steady_tick(Duration::from_millis(250));
            b
        }
    };
    bar.set_message(what.to_string());
    bar
}
