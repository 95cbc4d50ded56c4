//! Whether this node's writes fail for lack of space: raised when a commit fails because the
//! disk (or the SQLite size cap) is full, lowered by the next commit that succeeds. Health
//! reports it as `DEGRADED`; trigger calls meanwhile answer 503 `storage_full`.

use crate::clock::{Millis, now_ms};
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Default)]
pub struct StorageAlarm {
    /// When the first failing commit of the current spell happened; 0 while writes succeed.
    full_since: AtomicI64,
}

impl StorageAlarm {
    /// A commit failed for lack of space.
    pub fn full(&self) {
        let _ = self
            .full_since
            .compare_exchange(0, now_ms(), Ordering::Relaxed, Ordering::Relaxed);
    }

    /// A commit succeeded.
    pub fn wrote(&self) {
        self.full_since.store(0, Ordering::Relaxed);
    }

    /// Since when writes fail for lack of space, if they do.
    pub fn full_since(&self) -> Option<Millis> {
        Some(self.full_since.load(Ordering::Relaxed)).filter(|at| *at != 0)
    }
}
