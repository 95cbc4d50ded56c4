//! The outbox worker, a pipeline of three stages that run side by side:
//! - **claiming**: takes the next batch of due messages under a lease, routes and paces it,
//!   and hands it on, one batch ahead of the senders, so they never wait for a claim;
//! - **sending**: keeps `delivery_concurrency` sends under way, starting the next message as
//!   soon as one finishes (see `turn`);
//! - **recording**: records every outcome that has come in since its last commit, in one
//!   transaction (see `record`), while the sends go on.
//!
//! Invariants:
//! - A worker holds at most [`hold`] messages claimed and not yet recorded; the claimer waits
//!   for room. That bounds its memory and what a crash leaves to the leases.
//! - A send never outlives its lease (see `lease`); a message that can no longer start in time
//!   goes back to the outbox unattempted, and so does one whose worker is stopping.
//! - A panic while routing or sending one message fails that message only.

use super::lease::Lease;
use super::pacing::Pacer;
use super::route::plan;
use super::turn::{Finished, Plan, Sending, carry_out, internal_failure};
use crate::clock::now_ms;
use crate::error::Result;
use crate::liveness::Beat;
use crate::store::messages::ClaimedMessage;
use crate::{Herald, store};
use futures::{FutureExt, Stream, StreamExt};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};

/// Longest pause between two looks at the outbox when nothing signalled new work.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Most outcomes recorded in one transaction.
const RECORD_GROUP: usize = 512;

/// Messages a worker claims at once: four rounds of its concurrent sends.
fn batch_size(settings: &crate::settings::Settings) -> usize {
    settings.delivery_concurrency * 4
}

/// Most messages a worker holds claimed and not yet recorded.
fn hold(settings: &crate::settings::Settings) -> usize {
    batch_size(settings) * 4
}

/// A claimed batch, routed and planned, under one lease.
struct Batch {
    lease: Arc<Lease>,
    plans: Vec<(ClaimedMessage, Plan)>,
}

/// Runs until `shutdown` turns true. Graceful: sends under way finish and are recorded; claimed
/// messages not started yet (and paced ones still waiting for their slot) go back to the outbox
/// unattempted.
pub async fn run_worker(herald: Herald, shutdown: watch::Receiver<bool>, beat: Beat) {
    tracing::info!(
        default_email_provider = herald.inner.transports.default_email_provider(),
        "delivery worker started"
    );
    let room = Semaphore::new(hold(herald.settings()));
    let (batches, next_batches) = mpsc::channel(1);
    let claiming = herald.claim_ahead(batches, &room, shutdown.clone(), &beat);
    let batches = futures::stream::unfold(next_batches, |mut next| async move {
        next.recv().await.map(|batch| (batch, next))
    });
    let delivering = herald.deliver(batches, Some(&room), Some(shutdown), Some(&beat));
    tokio::pin!(claiming, delivering);
    // Claiming ends when the worker stops; sending and recording then finish what was handed on.
    let delivered = tokio::select! {
        delivered = &mut delivering => delivered,
        () = &mut claiming => delivering.await,
    };
    if let Err(e) = delivered {
        tracing::error!(error = ?e, "delivery failed");
    }
    tracing::info!("delivery worker stopped");
}

impl Herald {
    /// Claims, routes and plans one batch of the messages due now and delivers it. Returns how
    /// many it claimed.
    pub async fn deliver_due(&self) -> Result<usize> {
        let Some(batch) = self.claim_batch(batch_size(self.settings())).await? else {
            return Ok(0);
        };
        self.deliver(futures::stream::iter([batch]), None, None, None)
            .await
    }

    /// Delivers until no message is due now. Tests use it instead of sleeping.
    pub async fn drain_outbox(&self) -> Result<()> {
        while self.deliver_due().await? > 0 {}
        Ok(())
    }

    /// The claiming stage: hands on the next batch as soon as the senders took the previous one
    /// and there is room for it; waits for work when nothing is due.
    async fn claim_ahead(
        &self,
        batches: mpsc::Sender<Batch>,
        room: &Semaphore,
        mut shutdown: watch::Receiver<bool>,
        beat: &Beat,
    ) {
        let size = batch_size(self.settings());
        while !*shutdown.borrow() {
            beat.now();
            let Ok(handing_on) = batches.reserve().await else {
                return;
            };
            let Ok(held) = room.acquire_many(size as u32).await else {
                return;
            };
            // The wait may have outlasted the worker: a batch claimed now would only sit leased
            // until its lease ran out.
            if *shutdown.borrow() {
                return;
            }
            held.forget();
            let claimed = match self.claim_batch(size).await {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::error!(error = ?e, "claiming messages failed");
                    None
                }
            };
            room.add_permits(size - claimed.as_ref().map_or(0, |b| b.plans.len()));
            if let Some(batch) = claimed {
                handing_on.send(batch);
                continue;
            }
            drop(handing_on);
            let wait = match store::messages::next_due_at(self.store().reader()).await {
                Ok(Some(at)) => Duration::from_millis((at - now_ms()).clamp(5, 1_000) as u64),
                _ => IDLE_POLL,
            };
            tokio::select! {
                _ = self.inner.outbox_signal.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Claims up to `size` due messages under a fresh lease, routes them and reserves their
    /// paced slots; `None` when none is due.
    #[tracing::instrument(skip_all)]
    async fn claim_batch(&self, size: usize) -> Result<Option<Batch>> {
        let settings = self.settings();
        let lease = Lease::new(settings, now_ms());
        let claimed = {
            let mut conn = self.store().acquire().await?;
            store::messages::claim_due(
                &mut conn,
                &lease.token,
                lease.claimed_at,
                lease.ends_at,
                size as i64,
            )
            .await?
        };
        if claimed.is_empty() {
            return Ok(None);
        }
        let routes = self.routes_for(&claimed).await?;
        let mut routed = Vec::with_capacity(claimed.len());
        for mut m in claimed {
            // A panic while routing one message fails that message, not the batch.
            let route = match AssertUnwindSafe(self.route(&mut m, &routes))
                .catch_unwind()
                .await
            {
                Ok(route) => Ok(route?),
                Err(_) => Err(internal_failure(&m, "routing")),
            };
            routed.push((m, route));
        }
        // Pacing slots are taken in one go, from the time planning ends: taken while the batch
        // was still looked up, the first ones could be past before any send began and go out
        // together. The batch's schedules are locked meanwhile (see `pacing`).
        let mut keys: Vec<&str> = routed
            .iter()
            .filter_map(|(_, route)| route.as_ref().ok())
            .flat_map(|route| route.limits.iter().map(|(key, _)| key.as_str()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut schedules = None;
        let mut pacer = Pacer::default();
        if !keys.is_empty() {
            let mut tx = self.store().begin().await?;
            pacer = Pacer::from_schedules(store::pacing::lock(&mut tx, &keys).await?);
            schedules = Some(tx);
        }
        let now = now_ms();
        let plans = routed
            .into_iter()
            .map(|(m, route)| {
                let plan = match route {
                    Ok(route) => plan(route, &mut pacer, now, lease.pace_until()),
                    Err(e) => Plan::Fail(e),
                };
                (m, plan)
            })
            .collect();
        if let Some(mut tx) = schedules {
            store::pacing::save(&mut tx, pacer.schedules()).await?;
            tx.commit().await?;
        }
        Ok(Some(Batch {
            lease: Arc::new(lease),
            plans,
        }))
    }

    /// The sending and recording stages over `batches`, until it ends. Each recorded message
    /// gives its place in `room` back. Returns how many messages it recorded, or the first
    /// error of recording (it goes on after one: those messages wait for their lease).
    async fn deliver(
        &self,
        batches: impl Stream<Item = Batch>,
        room: Option<&Semaphore>,
        stopping: Option<watch::Receiver<bool>>,
        beat: Option<&Beat>,
    ) -> Result<usize> {
        let concurrency = self.settings().delivery_concurrency;
        let (done, mut to_record) = mpsc::unbounded_channel::<Finished>();
        let sending = async move {
            let sending = Sending {
                stopping,
                ..Sending::default()
            };
            let finished = batches
                .flat_map(|batch| {
                    let lease = batch.lease;
                    futures::stream::iter(
                        batch
                            .plans
                            .into_iter()
                            .map(move |(m, plan)| (m, plan, lease.clone())),
                    )
                })
                .map(|(m, plan, lease)| carry_out(m, plan, lease, &sending))
                .buffer_unordered(concurrency);
            let mut finished = std::pin::pin!(finished);
            while let Some(f) = finished.next().await {
                if done.send(f).is_err() {
                    return;
                }
            }
        };
        let recording = async {
            let mut group = Vec::with_capacity(RECORD_GROUP);
            let (mut count, mut first_error) = (0, None);
            while to_record.recv_many(&mut group, RECORD_GROUP).await > 0 {
                if let Err(e) = self.record_until_lease_end(&group).await {
                    tracing::error!(error = ?e, messages = group.len(), "recording outcomes failed; those messages wait for their lease");
                    first_error.get_or_insert(e);
                }
                count += group.len();
                if let Some(room) = room {
                    room.add_permits(group.len());
                }
                if let Some(beat) = beat {
                    beat.now();
                }
                group.clear();
            }
            first_error.map_or(Ok(count), Err)
        };
        let ((), recorded) = tokio::join!(sending, recording);
        recorded
    }
}
