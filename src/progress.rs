//! Progress of long work (bootstrap resamples) and its interruption, for whoever runs the
//! analysis: the command line draws a bar on standard error; the Python bindings read the
//! position from [`current`] to drive a notebook progress bar, and on Ctrl-C (the
//! notebook's stop button) call [`cancel`], after which resampling stops at its next
//! group and the analysis returns [`Error::Interrupted`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{Error, Result};

static QUIET: AtomicBool = AtomicBool::new(false);
static CANCEL: AtomicBool = AtomicBool::new(false);
static CURRENT: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Draw no bars on standard error (the Python bindings show their own).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether bars are hidden (see [`set_quiet`]).
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A bar over `total` steps with the `template` style, drawn on standard error unless quiet
/// or `total` is zero; it becomes the [`current`] one.
pub fn bar(total: u64, template: &str) -> ProgressBar {
    let pb = if total == 0 || QUIET.load(Ordering::Relaxed) {
        let pb = ProgressBar::hidden();
        pb.set_length(total);
        pb
    } else {
        let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    };
    if let Ok(mut c) = CURRENT.lock() {
        *c = Some(pb.clone());
    }
    pb
}

/// Position and length of the bar most recently started (0, 0 when none).
pub fn current() -> (u64, u64) {
    CURRENT
        .lock()
        .ok()
        .and_then(|c| c.as_ref().map(|b| (b.position(), b.length().unwrap_or(0))))
        .unwrap_or((0, 0))
}

/// Start a new run: no bar, not cancelled.
pub fn reset() {
    CANCEL.store(false, Ordering::Relaxed);
    if let Ok(mut c) = CURRENT.lock() {
        *c = None;
    }
}

/// Ask the running analysis to stop.
pub fn cancel() {
    CANCEL.store(true, Ordering::Relaxed);
}

/// Whether the analysis was asked to stop.
pub fn cancelled() -> bool {
    CANCEL.load(Ordering::Relaxed)
}

/// `Err(Interrupted)` once the analysis was asked to stop.
pub fn check() -> Result<()> {
    if cancelled() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}
