//! Progress of long computations (training, cross-validation, tuning), reported to whoever
//! asked: the command-line tool draws a bar, a library user may log it or ignore it.
//!
//! The library never prints. A computation that takes long calls [`Progress::stage`] when it
//! starts a stage and [`Progress::advance`] as steps of it finish; both may be called from
//! any thread (text analysis runs on rayon's pool), so an implementation must be cheap and
//! thread-safe. [`Silent`] ignores everything and is what every entry point without a
//! `_with_progress` in its name uses.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use redflag::progress::Progress;
//!
//! #[derive(Default)]
//! struct Count(AtomicU64);
//! impl Progress for Count {
//!     fn stage(&self, _name: &str, _total: Option<u64>) {}
//!     fn advance(&self, n: u64) {
//!         self.0.fetch_add(n, Ordering::Relaxed);
//!     }
//! }
//! let c = Count::default();
//! c.advance(2);
//! assert_eq!(c.0.load(Ordering::Relaxed), 2);
//! ```

use std::fmt;
use std::sync::Arc;

/// Receives progress reports. See the module documentation.
pub trait Progress: Send + Sync {
    /// A stage starts: its name (e.g. "L-BFGS") and its number of steps, when known.
    fn stage(&self, name: &str, total: Option<u64>);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
}

/// A shared, optional [`Progress`] that configurations can carry (and clone) without
/// giving up `Debug`.
#[derive(Clone, Default)]
pub struct ProgressHandle(Option<Arc<dyn Progress>>);

impl ProgressHandle {
    /// A handle that reports to `p`.
    pub fn new(p: Arc<dyn Progress>) -> Self {
        ProgressHandle(Some(p))
    }

    /// The receiver, to share with another configuration (`None` when silent).
    pub fn shared(&self) -> Option<Arc<dyn Progress>> {
        self.0.clone()
    }

    /// The receiver ([`Silent`] when none was given).
    pub fn get(&self) -> &dyn Progress {
        match &self.0 {
            Some(p) => p.as_ref(),
            None => &Silent,
        }
    }
}

impl fmt::Debug for ProgressHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProgressHandle(reporting)"
        } else {
            "ProgressHandle(silent)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);
    impl Progress for Log {
        fn stage(&self, name: &str, total: Option<u64>) {
            self.0.lock().unwrap().push(format!("{name} {total:?}"));
        }
        fn advance(&self, n: u64) {
            self.0.lock().unwrap().push(format!("+{n}"));
        }
    }

    #[test]
    fn handle_reports_to_its_receiver_or_nowhere() {
        let log = Arc::new(Log::default());
        let h = ProgressHandle::new(log.clone());
        h.get().stage("x", Some(3));
        h.get().advance(1);
        assert_eq!(*log.0.lock().unwrap(), ["x Some(3)", "+1"]);
        assert_eq!(format!("{h:?}"), "ProgressHandle(reporting)");
        let silent = ProgressHandle::default();
        silent.get().advance(1);
        assert_eq!(format!("{silent:?}"), "ProgressHandle(silent)");
    }
}
