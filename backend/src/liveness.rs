//! Whether each background loop of the node is alive: the beats a loop gives
//! ([`Beat::now`]), and the loops the health check reports down ([`Loops::down`]). The loops
//! themselves are started and restarted by [`crate::background`].

use crate::clock::{Millis, now_ms};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One supervised loop's state.
#[derive(Debug)]
pub(crate) struct LoopState {
    pub(crate) name: String,
    pub(crate) running: AtomicBool,
    pub(crate) restarts: AtomicU32,
    pub(crate) last_beat: AtomicI64,
    /// Longest silence before the loop counts as stuck; `None`: never.
    stale_after: Option<Duration>,
}

/// What a loop calls to say it is alive.
#[derive(Clone, Debug)]
pub struct Beat(Arc<LoopState>);

impl Beat {
    /// The beat of the loop whose state is `state`.
    pub(crate) fn of(state: Arc<LoopState>) -> Self {
        Self(state)
    }

    pub fn now(&self) {
        self.0.last_beat.store(now_ms(), Ordering::Relaxed);
    }

    /// A beat that nobody watches (a loop run by hand, e.g. in a test).
    pub fn detached() -> Self {
        Beat(Arc::new(LoopState {
            name: String::new(),
            running: AtomicBool::new(true),
            restarts: AtomicU32::new(0),
            last_beat: AtomicI64::new(now_ms()),
            stale_after: None,
        }))
    }
}

/// The supervised loops of this node.
#[derive(Default)]
pub(crate) struct Loops(Mutex<Vec<Arc<LoopState>>>);

impl Loops {
    pub(crate) fn register(&self, name: String, stale_after: Option<Duration>) -> Arc<LoopState> {
        let state = Arc::new(LoopState {
            name,
            // Its task is spawned right after: a health check in between must not report a
            // loop that is only starting as down.
            running: AtomicBool::new(true),
            restarts: AtomicU32::new(0),
            last_beat: AtomicI64::new(now_ms()),
            stale_after,
        });
        self.0.lock().expect("loops lock").push(state.clone());
        state
    }

    /// The loops that are not running now (ended and waiting for their restart, or silent for
    /// too long), with why.
    pub fn down(&self, now: Millis) -> Vec<String> {
        let loops = self.0.lock().expect("loops lock");
        loops
            .iter()
            .filter_map(|l| {
                if !l.running.load(Ordering::Relaxed) {
                    return Some(format!(
                        "{} is restarting (restarts: {})",
                        l.name,
                        l.restarts.load(Ordering::Relaxed)
                    ));
                }
                let silent = now - l.last_beat.load(Ordering::Relaxed);
                l.stale_after
                    .filter(|limit| silent > limit.as_millis() as Millis)
                    .map(|_| format!("{} has not made progress for {} s", l.name, silent / 1000))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_loop_counts_as_down() {
        let loops = Loops::default();
        let state = loops.register("stuck".into(), Some(Duration::from_secs(5)));
        state.running.store(true, Ordering::Relaxed);
        assert!(loops.down(now_ms() + 4_000).is_empty());
        assert_eq!(loops.down(now_ms() + 6_000).len(), 1);
    }
}
