//! The progress bar of the long commands (train, cv, tune, compare, evaluate, card): the
//! library reports stages ([`redflag::progress::Progress`]), this draws them on standard
//! error. Hidden with `--quiet`, and by indicatif itself when standard error is not a
//! terminal (CI logs, pipes), so it never mixes with output that programs read.

use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use redflag::progress::Progress;

/// A bar that follows the library's stages, with a prefix for the outer loop (a fold, a
/// trial, a model).
pub struct StageBar {
    bar: ProgressBar,
    prefix: Mutex<String>,
}

impl StageBar {
    /// A bar on standard error, or a hidden one when `quiet`.
    pub fn new(quiet: bool) -> Arc<Self> {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::new_spinner();
            b.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
            b
        };
        Arc::new(StageBar {
            bar,
            prefix: Mutex::new(String::new()),
        })
    }

    /// What the outer loop is doing (e.g. "fold 3/23 (w-ar)"); shown before the stage.
    pub fn set_prefix(&self, prefix: impl Into<String>) {
        let p = prefix.into();
        *self.prefix.lock().unwrap_or_else(|e| e.into_inner()) = p;
    }

    /// Prints a line above the bar (or plainly, when the bar is hidden or absent).
    pub fn println(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.suspend(|| eprintln!("{line}"));
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for StageBar {
    fn stage(&self, name: &str, total: Option<u64>) {
        let prefix = self
            .prefix
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let template = match total {
            Some(_) => {
                "{spinner} [{elapsed_precise}] {prefix}{msg} {bar:30} {pos}/{len} (ETA {eta})"
            }
            None => "{spinner} [{elapsed_precise}] {prefix}{msg}",
        };
        self.bar
            .set_style(ProgressStyle::with_template(template).expect("valid template"));
        self.bar.set_prefix(if prefix.is_empty() {
            prefix
        } else {
            format!("{prefix}: ")
        });
        self.bar.set_length(total.unwrap_or(0));
        self.bar.set_position(0);
        self.bar.reset_eta();
        self.bar.set_message(name.to_string());
        self.bar.tick();
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}
