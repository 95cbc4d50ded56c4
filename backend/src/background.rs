//! Every background loop of a node — delivery workers, the webhook dispatcher, housekeeping,
//! and on PostgreSQL the listener for other nodes' changes — is started here, in one place, and
//! supervised.
//!
//! Invariants:
//! - A loop that ends or panics while the node is not stopping is restarted (after a pause that
//!   doubles up to 30 s, so a loop that fails at once does not spin). Its state is visible in
//!   [`Loops::down`], which the health check reports: a node whose delivery is not running says
//!   `DOWN` instead of accepting messages nobody sends.
//! - A loop beats ([`Beat::now`]) at least once per round or idle wait; a delivery loop that
//!   has not beaten for longer than a round can last counts as not running.
//! - A panic while preparing or sending one message does not reach this level: the delivery
//!   worker turns it into that message's failed attempt (see `delivery::worker`).

use crate::Herald;
use crate::clock::{Millis, now_ms};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One supervised loop's state.
#[derive(Debug)]
struct LoopState {
    name: String,
    running: AtomicBool,
    restarts: AtomicU32,
    last_beat: AtomicI64,
    /// Longest silence before the loop counts as stuck; `None`: never.
    stale_after: Option<Duration>,
}

/// What a loop calls to say it is alive.
#[derive(Clone, Debug)]
pub struct Beat(Arc<LoopState>);

impl Beat {
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
    fn register(&self, name: String, stale_after: Option<Duration>) -> Arc<LoopState> {
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

/// The running loops; [`Background::stop`] ends them gracefully.
pub struct Background {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts every loop of this node: `delivery_workers` delivery workers and, when there is
    /// at least one, the webhook dispatcher; housekeeping always.
    pub async fn start(herald: &Herald) -> Self {
        // A crashed predecessor's claims are due again now, not when their lease ends.
        match herald.take_back_claims_of_gone_processes().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                claims = n,
                "took back the claims of a process that is gone (sent again, same Message-ID)"
            ),
            Err(e) => tracing::error!(error = ?e, "cannot take back the claims of gone processes"),
        }
        let (stop, stopping) = watch::channel(false);
        let settings = herald.settings();
        // A round lasts at most a lease (sends are cut at a fraction of it), plus its records.
        let round = settings.delivery_lease * 2 + Duration::from_secs(30);
        let mut handles = Vec::new();
        let mut start = |name: String, stale: Option<Duration>, body: LoopBody| {
            let state = herald.inner.loops.register(name, stale);
            handles.push(tokio::spawn(supervise(
                herald.clone(),
                state,
                stopping.clone(),
                body,
            )));
        };
        for i in 0..settings.delivery_workers {
            start(
                format!("delivery worker {i}"),
                Some(round),
                Arc::new(|h, s, b| Box::pin(crate::delivery::run_worker(h, s, b))),
            );
        }
        if settings.delivery_workers > 0 {
            start(
                "audience sends".into(),
                None,
                Arc::new(|h, s, b| Box::pin(crate::audience_sends::run_fan_out(h, s, b))),
            );
            start(
                "webhook dispatcher".into(),
                Some(round),
                Arc::new(|h, s, b| Box::pin(crate::webhooks::run_dispatcher(h, s, b))),
            );
        }
        start(
            "housekeeping".into(),
            None,
            Arc::new(|h, s, b| Box::pin(crate::maintenance::run(h, s, b))),
        );
        if herald.store().postgres().is_some() {
            start(
                "change listener".into(),
                None,
                Arc::new(|h, s, b| Box::pin(crate::coherence::run(h, s, b))),
            );
        }
        Self { stop, handles }
    }

    /// Asks every loop to stop and waits until they have (sends under way finish).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let _ = handle.await;
        }
    }
}

type LoopFuture = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;
type LoopBody = Arc<dyn Fn(Herald, watch::Receiver<bool>, Beat) -> LoopFuture + Send + Sync>;

/// Runs `body` until the node stops, restarting it whenever it ends or panics before that.
async fn supervise(
    herald: Herald,
    state: Arc<LoopState>,
    mut stopping: watch::Receiver<bool>,
    body: LoopBody,
) {
    let mut pause = Duration::from_millis(100);
    loop {
        state.running.store(true, Ordering::Relaxed);
        state.last_beat.store(now_ms(), Ordering::Relaxed);
        let run = tokio::spawn(body(herald.clone(), stopping.clone(), Beat(state.clone())));
        let outcome = run.await;
        if *stopping.borrow() {
            break;
        }
        let restarts = state.restarts.fetch_add(1, Ordering::Relaxed) + 1;
        state.running.store(false, Ordering::Relaxed);
        match outcome {
            Err(e) if e.is_panic() => {
                tracing::error!(task = %state.name, restarts, "background loop panicked; restarting it")
            }
            _ => {
                tracing::error!(task = %state.name, restarts, "background loop ended; restarting it")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stopping.wait_for(|stop| *stop) => break,
        }
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_loop_that_panics_is_restarted_and_reported_down_meanwhile() {
        let loops = Loops::default();
        let state = loops.register("flaky".into(), None);
        let (stop, stopping) = watch::channel(false);
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let body: LoopBody = Arc::new(move |_, mut s, _| {
            let n = counted.fetch_add(1, Ordering::Relaxed);
            Box::pin(async move {
                if n == 0 {
                    panic!("first run fails");
                }
                let _ = s.wait_for(|stop| *stop).await;
            })
        });
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().display().to_string();
        let settings =
            crate::Settings::load(|k| (k == "HERALD_DATA_DIR").then(|| data_dir.clone())).unwrap();
        let herald = Herald::start(settings).await.unwrap();
        let supervisor = tokio::spawn(supervise(herald, state.clone(), stopping, body));
        let mut saw_down = false;
        for _ in 0..100 {
            saw_down |= !loops.down(now_ms()).is_empty();
            if runs.load(Ordering::Relaxed) >= 2 && loops.down(now_ms()).is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(saw_down, "the restarting loop was reported down");
        assert_eq!(runs.load(Ordering::Relaxed), 2, "restarted once");
        assert!(loops.down(now_ms()).is_empty(), "up again");
        stop.send(true).unwrap();
        supervisor.await.unwrap();
    }

    #[test]
    fn a_silent_loop_counts_as_down() {
        let loops = Loops::default();
        let state = loops.register("stuck".into(), Some(Duration::from_secs(5)));
        state.running.store(true, Ordering::Relaxed);
        assert!(loops.down(now_ms() + 4_000).is_empty());
        assert_eq!(loops.down(now_ms() + 6_000).len(), 1);
    }
}
