//! Every background loop of a node — delivery workers, the webhook dispatcher, housekeeping,
//! and on PostgreSQL the listener for other nodes' changes — is started here, in one place, and
//! supervised.
//!
//! Invariants:
//! - A loop that ends or panics while the node is not stopping is restarted (after a pause that
//!   doubles up to 30 s, so a loop that fails at once does not spin). Its state is visible in
//!   [`crate::liveness::Loops::down`], which the health check reports: a node whose delivery is not running says
//!   `DOWN` instead of accepting messages nobody sends.
//! - A loop beats ([`crate::liveness::Beat::now`]) at least once per round or idle wait; a delivery loop that
//!   has not beaten for longer than a round can last counts as not running.
//! - A panic while preparing or sending one message does not reach this level: the delivery
//!   worker turns it into that message's failed attempt (see `delivery::worker`).

use crate::Herald;
use crate::clock::now_ms;
use crate::liveness::{Beat, LoopState};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

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
        let run = tokio::spawn(body(
            herald.clone(),
            stopping.clone(),
            Beat::of(state.clone()),
        ));
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
    use crate::liveness::Loops;
    use std::sync::atomic::AtomicU32;

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
}
