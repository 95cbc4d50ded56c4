//! The outbox worker: claims due messages under a lease, sends them, records each attempt.

use super::SendError;
use super::email::send_timeout;
use super::pacing::{Pacer, Slot, Spacing};
use super::transport::Built;
use crate::background::Beat;
use crate::clock::{Millis, now_ms};
use crate::error::Result;
use crate::settings::RetryPolicy;
use crate::store::messages::{self, Attempt, ClaimedMessage, Outcome};
use crate::{Herald, store, telemetry};
use domain::campaign::{Category, Channel};
use domain::ids::{MessageId, SurfaceId};
use domain::report::{Exclusion, Failure, Happening, Tally};
use domain::surface::SurfaceSettings;
use domain::views::format_rfc3339;
use futures::{FutureExt, StreamExt};
use rand::Rng;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What became of one claimed message in a round.
enum Turn {
    /// Sent through `provider` (with the provider's id for it, if any) or failed.
    Attempted {
        provider: &'static str,
        started_at: Millis,
        result: std::result::Result<Option<String>, SendError>,
        /// Set when the surface's provider was down and its backup carried the attempt.
        failover: Option<String>,
    },
    /// Paced: back to the outbox until this instant, without counting an attempt.
    Deferred(Millis),
    /// Never sent, for this reason (its pace would take it past the campaign's end or its
    /// send window).
    Excluded(Exclusion, &'static str),
}

/// One claimed message's turn, done, waiting to be recorded.
struct Finished {
    message: ClaimedMessage,
    finished_at: Millis,
    turn: Turn,
}

/// What a round will do with a claimed message.
enum Plan {
    /// Send through `transport` (or `backup` if its provider is down) at `at`: now, or later in
    /// the round when paced.
    Send {
        transport: Built,
        backup: Option<Built>,
        at: Millis,
        /// What paces it (empty: nothing).
        limits: Vec<(String, u32)>,
    },
    Defer(Millis),
    Exclude(Exclusion, &'static str),
    /// Fail the attempt without sending (the message could not be routed).
    Fail(SendError),
}

const THROTTLED_PAST_END: &str = "throttled past end date";
const PAST_SEND_WINDOW: &str = "still waiting when its audience send's window closed";

/// A claimed message's way out: its transport, its backup's, and what paces it.
struct MessageRoute {
    transport: Built,
    backup: Option<Built>,
    /// (pacing key, messages per second) of its campaign and surface.
    limits: Vec<(String, u32)>,
    /// Its campaign's end date.
    ends_at: Option<Millis>,
    /// Its audience send's window's end.
    send_by: Option<Millis>,
}

/// A round claims enough messages for this many waves of `delivery_concurrency` sends: fewer,
/// larger transactions. The send timeout is `lease / (CLAIM_WAVES + 1)` (see `email.rs`), so even
/// the last wave ends before the lease does and no claimed message is sent twice.
pub(crate) const CLAIM_WAVES: usize = 4;

/// Longest pause between two looks at the outbox when nothing signalled new work.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Delay before retry number `attempt` (1-based): `first`, twice that, four times … capped at
/// 10 minutes, with ±20 % jitter so a burst of failures does not retry in lockstep.
pub fn backoff_ms(first: Millis, attempt: i64) -> Millis {
    let base: Millis = first.saturating_mul(1i64 << attempt.clamp(1, 20).saturating_sub(1));
    let base = base.min(600_000);
    let jitter = rand::rng().random_range(-(base / 5)..=(base / 5));
    base + jitter
}

/// Runs until `shutdown` turns true. Graceful: sends under way finish and are recorded; paced
/// messages still waiting for their slot go back to the outbox unattempted.
pub async fn run_worker(herald: Herald, mut shutdown: watch::Receiver<bool>, beat: Beat) {
    tracing::info!(
        default_email_provider = herald.inner.transports.default_email_provider(),
        "delivery worker started"
    );
    while !*shutdown.borrow() {
        beat.now();
        let worked = match herald.deliver_round(Some(shutdown.clone())).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::error!(error = ?e, "delivery round failed");
                false
            }
        };
        if worked {
            continue;
        }
        let wait = match messages::next_due_at(herald.store().reader()).await {
            Ok(Some(at)) => Duration::from_millis((at - now_ms()).clamp(5, 1_000) as u64),
            _ => IDLE_POLL,
        };
        tokio::select! {
            _ = herald.inner.outbox_signal.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!("delivery worker stopped");
}

/// When a routed message goes: at the slot its rate limits give it in this round, later (back to
/// the outbox), or never if that is past its campaign's end.
fn plan(route: MessageRoute, pacer: &mut Pacer, now: Millis, window_end: Millis) -> Plan {
    let slot = pacer.slot(&route.limits, now, window_end);
    let at = match slot {
        Slot::At(at) | Slot::Later(at) => at,
    };
    match slot {
        _ if route.ends_at.is_some_and(|end| at > end) => {
            Plan::Exclude(Exclusion::PastEndDate, THROTTLED_PAST_END)
        }
        _ if route.send_by.is_some_and(|end| at > end) => {
            Plan::Exclude(Exclusion::SendWindow, PAST_SEND_WINDOW)
        }
        Slot::At(at) => Plan::Send {
            transport: route.transport,
            backup: route.backup,
            at,
            limits: route.limits,
        },
        Slot::Later(at) => Plan::Defer(at),
    }
}

impl Herald {
    /// One round: claims the messages due now and attempts each. Returns how many it claimed.
    pub async fn deliver_due(&self) -> Result<usize> {
        self.deliver_round(None).await
    }

    /// A round that, once `stopping` turns true, puts back the messages still waiting for a
    /// paced slot instead of sending them.
    #[tracing::instrument(skip_all)]
    async fn deliver_round(&self, stopping: Option<watch::Receiver<bool>>) -> Result<usize> {
        let settings = self.settings();
        let lease_token = crate::leases::token();
        let now = now_ms();
        let claimed = {
            let mut conn = self.store().acquire().await?;
            store::messages::claim_due(
                &mut conn,
                &lease_token,
                now,
                now + settings.delivery_lease.as_millis() as Millis,
                (settings.delivery_concurrency * CLAIM_WAVES) as i64,
            )
            .await?
        };
        let count = claimed.len();
        let routes = self.routes_for(&claimed).await?;
        let mut routed = Vec::with_capacity(count);
        for mut m in claimed {
            // A panic while routing one message fails that message, not the round.
            let route = match AssertUnwindSafe(self.route(&mut m, &routes))
                .catch_unwind()
                .await
            {
                Ok(route) => Ok(route?),
                Err(_) => Err(internal_failure(&m, "routing")),
            };
            routed.push((m, route));
        }
        // Pacing slots are taken in one go, from the time sending starts: taken while the round
        // was still looking things up, the first ones could be past before any send began and
        // go out together. The round's schedules are locked meanwhile (see `pacing`).
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
        let window_end = now + send_timeout(settings).as_millis() as Millis;
        let plans: Vec<(ClaimedMessage, Plan)> = routed
            .into_iter()
            .map(|(m, route)| {
                let plan = match route {
                    Ok(route) => plan(route, &mut pacer, now, window_end),
                    Err(e) => Plan::Fail(e),
                };
                (m, plan)
            })
            .collect();
        if let Some(mut tx) = schedules {
            store::pacing::save(&mut tx, pacer.schedules()).await?;
            tx.commit().await?;
        }
        // Outcomes are recorded in small groups as they arrive: one commit per group, and a slow
        // send never holds back the record of the fast ones. Sending goes on while a group is
        // being recorded (the two are polled side by side; one more group may wait), so a slow
        // commit neither idles the connections nor makes paced sends that fell due meanwhile go
        // out in a bunch.
        let round = Round {
            spacing: Spacing::default(),
            window_end,
            stopping,
        };
        let mut finished = futures::stream::iter(plans)
            .map(|(m, plan)| carry_out(m, plan, &round))
            .buffer_unordered(settings.delivery_concurrency)
            .ready_chunks(64);
        let lease_end = now + settings.delivery_lease.as_millis() as Millis;
        let (groups, mut to_record) = tokio::sync::mpsc::channel(1);
        let sending = async move {
            while let Some(group) = finished.next().await {
                if groups.send(group).await.is_err() {
                    break; // recording failed: the round ends, the rest waits for its lease
                }
            }
        };
        let recording = async {
            while let Some(group) = to_record.recv().await {
                self.record_until_lease_end(&lease_token, &group, lease_end)
                    .await?;
            }
            Ok(())
        };
        let ((), recorded) = tokio::join!(sending, recording);
        recorded.map(|()| count)
    }

    /// Records a group's outcomes; while the database cannot be reached, tries again until the
    /// lease ends (after that the records would be refused anyway, see `store::outbox`). An
    /// outcome not recorded means a message sent again after its lease: worth the wait.
    async fn record_until_lease_end(
        &self,
        lease_token: &str,
        group: &[Finished],
        lease_end: Millis,
    ) -> Result<()> {
        let mut pause = Duration::from_millis(50);
        loop {
            match self.record_turns(lease_token, group).await {
                Err(e)
                    if matches!(e.kind, crate::ErrorKind::Unavailable { .. })
                        && now_ms() + (pause.as_millis() as Millis) < lease_end =>
                {
                    tracing::warn!(error = ?e.cause, "cannot record outcomes yet; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                done => return done,
            }
        }
    }

    /// Where a message goes: its surface's transport (or its channel's default), and the rate
    /// limits and end date that pace it. A marketing email gets its one-click unsubscribe link,
    /// an SMS its delivery-receipt URL.
    async fn route(
        &self,
        m: &mut ClaimedMessage,
        routes: &HashMap<SurfaceId, Route>,
    ) -> Result<MessageRoute> {
        let campaign = self.campaign_row(m.campaign_id).await?;
        if m.channel == Channel::Email && campaign.category == Category::Marketing {
            m.unsubscribe_url = Some(self.unsubscribe_url(&m.id.to_string()));
        }
        if m.channel == Channel::Sms {
            m.status_callback_url = Some(self.status_callback_url(&m.id.to_string()));
        }
        let mut limits = Vec::new();
        if let Some(rate) = campaign.rate_limit {
            limits.push((format!("campaign:{}", m.campaign_id), rate.max(1) as u32));
        }
        let (transport, backup) = match &m.surface_id {
            Some(id) => {
                let route = &routes[id];
                if let Some(rate) = route.rate_limit {
                    limits.push((format!("surface:{id}"), rate));
                }
                (route.transport.clone(), route.backup.clone())
            }
            None => (Ok(self.inner.transports.default_for(m.channel)), None),
        };
        Ok(MessageRoute {
            transport,
            backup,
            limits,
            ends_at: campaign.ends_at,
            send_by: m.send_by,
        })
    }

    /// Delivers until no message is due now. Tests use it instead of sleeping.
    pub async fn drain_outbox(&self) -> Result<()> {
        while self.deliver_due().await? > 0 {}
        Ok(())
    }

    /// The route of every surface the claimed messages go through: its transport (cached, or
    /// built anew when the surface changed since), its rate limit and its backup's transport.
    async fn routes_for(&self, claimed: &[ClaimedMessage]) -> Result<HashMap<SurfaceId, Route>> {
        let mut ids: Vec<SurfaceId> = claimed.iter().filter_map(|m| m.surface_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let reader = self.store().reader();
        // Settings are read every round (rate limit, backup); credentials are decrypted only
        // when a surface's transport is built, i.e. when it changed since it was cached.
        let rows = store::surfaces::by_ids(reader, &ids).await?;
        let settings: HashMap<SurfaceId, SurfaceSettings> = rows
            .iter()
            .map(|row| {
                let parsed = serde_json::from_str(&row.settings).unwrap_or_default();
                (row.id, parsed)
            })
            .collect();
        // A surface's backup, if it names one that can be (it was checked when saved).
        let backup_of = |s: &SurfaceSettings| s.backup_surface_id.parse::<SurfaceId>().ok();
        let mut backup_ids: Vec<SurfaceId> = settings
            .values()
            .filter_map(backup_of)
            .filter(|b| !ids.contains(b))
            .collect();
        backup_ids.sort_unstable();
        backup_ids.dedup();
        let backups = store::surfaces::by_ids(reader, &backup_ids).await?;
        let cache = &self.inner.transports;
        let built: HashMap<SurfaceId, Built> = rows
            .iter()
            .chain(&backups)
            .map(|row| {
                let transport = cache
                    .cached(row.id, row.updated_at)
                    .unwrap_or_else(|| cache.build(&self.open(row)));
                (row.id, transport)
            })
            .collect();
        let transport_of = |id: SurfaceId| {
            built
                .get(&id)
                .cloned()
                .unwrap_or_else(|| Err("no longer exists".into()))
        };
        Ok(ids
            .iter()
            .map(|&id| {
                let settings = settings.get(&id);
                let route = Route {
                    transport: transport_of(id),
                    rate_limit: settings.and_then(|s| s.rate_limit),
                    backup: settings.and_then(backup_of).map(transport_of),
                };
                (id, route)
            })
            .collect())
    }

    async fn record_turns(&self, lease_token: &str, group: &[Finished]) -> Result<()> {
        let mut tx = self.store().begin().await?;
        // Webhook events of the group, queued together at the end: one statement per kind.
        let mut events: Vec<(&str, MessageId)> = Vec::new();
        let mut tally = Tally::default();
        // (channel, provider, outcome) of each recorded turn, counted once committed.
        let mut recorded: Vec<(Channel, &'static str, &'static str)> = Vec::new();
        for f in group {
            let m = &f.message;
            let (started_at, provider, result, failover) = match &f.turn {
                Turn::Deferred(at) => {
                    store::messages::put_back(&mut tx, m.id, lease_token, *at).await?;
                    continue;
                }
                Turn::Excluded(class, reason) => {
                    let excluded = store::messages::exclude_claimed(
                        &mut tx,
                        m.id,
                        lease_token,
                        (*class, reason),
                        f.finished_at,
                    )
                    .await?;
                    if excluded {
                        recorded.push((m.channel, "none", "excluded"));
                        events.push(("excluded", m.id));
                        let happening = Happening::Excluded(*class);
                        tally.add(&m.segment(), f.finished_at, &happening);
                    }
                    continue;
                }
                Turn::Attempted {
                    provider,
                    started_at,
                    result,
                    failover,
                } => (*started_at, *provider, result, failover),
            };
            let policy = self.settings().retry(m.channel);
            let (outcome, detail) = match result {
                Ok(provider_id) => (Outcome::Sent, provider_id.clone()),
                Err(e) => match next_step(&policy, e, m.attempts, m.created_at, f.finished_at) {
                    Step::Retry(at) => (Outcome::Retry { at }, Some(e.detail.clone())),
                    Step::GiveUp(class, reason) => (Outcome::Failed(class), Some(reason)),
                },
            };
            let detail = match (failover, detail) {
                (Some(note), Some(d)) => Some(format!("{d} ({note})")),
                (Some(note), None) => Some(note.clone()),
                (None, d) => d,
            };
            let attempt = Attempt {
                message_id: m.id,
                lease_token,
                attempt: m.attempts,
                started_at,
                finished_at: f.finished_at,
                provider,
                outcome,
                detail: detail.as_deref(),
            };
            let terminal = match attempt.outcome {
                Outcome::Sent => Some("sent"),
                Outcome::Failed(_) => Some("failed"),
                Outcome::Retry { .. } => None,
            };
            let finished = store::messages::finish_attempt(&mut tx, &attempt).await?;
            if finished && let Some(event) = terminal {
                events.push((event, m.id));
            }
            if finished {
                recorded.push((m.channel, provider, attempt.outcome.as_str()));
                let bounce = result.as_ref().err().and_then(|e| e.bounce);
                let happening = match attempt.outcome {
                    Outcome::Sent => Happening::Sent,
                    Outcome::Retry { .. } => Happening::Retried { bounce },
                    Outcome::Failed(reason) => Happening::Failed { reason, bounce },
                };
                tally.add(&m.segment(), f.finished_at, &happening);
            }
            if finished
                && let Err(e) = result
                && let Some(why) = e.suppress
            {
                let reason = format!("{why} ({})", e.detail);
                store::suppressions::add_for_message(&mut tx, m.id, &reason, f.finished_at).await?;
            }
            if !finished {
                tracing::warn!(message_id = %m.id, "lease expired before the attempt finished; outcome dropped");
            }
            if let Err(e) = result {
                tracing::warn!(message_id = %m.id, attempt = m.attempts, transient = e.transient, detail = %e.detail, "delivery attempt failed");
            }
        }
        let now = now_ms();
        let at = format_rfc3339(now);
        for kind in ["sent", "failed", "excluded"] {
            let ids: Vec<MessageId> = events
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| *id)
                .collect();
            store::webhooks::enqueue(&mut tx, kind, &ids, &at, now).await?;
        }
        store::reports::add(&mut tx, &tally).await?;
        tx.commit().await?;
        for (channel, provider, outcome) in recorded {
            telemetry::delivery(channel, provider, outcome);
        }
        Ok(())
    }
}

/// A surface's way out: its transport and its provider's rate limit.
struct Route {
    transport: Built,
    rate_limit: Option<u32>,
    /// The backup surface's transport, used when this one's provider is down.
    backup: Option<Built>,
}

/// Sleeps until a paced slot; false if the server began to stop first.
async fn wait_for_slot(wait: Duration, stopping: Option<watch::Receiver<bool>>) -> bool {
    let Some(mut stopping) = stopping else {
        tokio::time::sleep(wait).await;
        return true;
    };
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = stopping.wait_for(|stop| *stop) => false,
    }
}

/// The failure recorded for a message whose `step` panicked: permanent (the same message would
/// panic again), without the panic's text (it may quote the message).
fn internal_failure(m: &ClaimedMessage, step: &str) -> SendError {
    tracing::error!(message_id = %m.id, step, "a panic while delivering a message; it fails, delivery goes on");
    SendError::permanent(format!(
        "internal error while {step} the message (it was not sent); see the server log"
    ))
}

/// Sends through a transport. A surface that cannot be used is a transient failure, so fixing
/// the surface lets the message go on its next attempt. A panic while sending fails this
/// message only.
async fn send_through(
    transport: Built,
    message: &ClaimedMessage,
) -> (&'static str, std::result::Result<Option<String>, SendError>) {
    match transport {
        Ok(t) => {
            let sent = AssertUnwindSafe(t.send(message)).catch_unwind().await;
            let result = sent.unwrap_or_else(|_| Err(internal_failure(message, "sending")));
            (t.provider(), result)
        }
        Err(why) => (
            "none",
            Err(SendError::transient(format!("the surface {why}"))),
        ),
    }
}

/// What the sends of one round share: the actual spacing of paced sends, the end of the window
/// they must start in, and the signal to stop waiting for slots.
struct Round {
    spacing: Spacing,
    window_end: Millis,
    stopping: Option<watch::Receiver<bool>>,
}

/// Waits until a paced send may start (see `pacing::Spacing`); `Err` with the instant to put it
/// back for if that is past the round's window or the worker is stopping.
async fn wait_for_turn(
    round: &Round,
    limits: &[(String, u32)],
    slot: Millis,
) -> Result<(), Millis> {
    loop {
        let now = now_ms();
        let at = match round.spacing.start(limits, slot, now) {
            Ok(()) => return Ok(()),
            Err(at) if at > round.window_end => return Err(at),
            Err(at) => at,
        };
        let wait = Duration::from_millis((at - now) as u64);
        if !wait_for_slot(wait, round.stopping.clone()).await {
            return Err(at);
        }
    }
}

/// Carries out a plan: waits for a paced slot, then sends (failing over to the backup surface
/// when the provider is down).
async fn carry_out(message: ClaimedMessage, plan: Plan, round: &Round) -> Finished {
    let turn = match plan {
        Plan::Defer(at) => Turn::Deferred(at),
        Plan::Exclude(class, reason) => Turn::Excluded(class, reason),
        Plan::Fail(e) => Turn::Attempted {
            provider: "none",
            started_at: now_ms(),
            result: Err(e),
            failover: None,
        },
        Plan::Send {
            transport,
            backup,
            at,
            limits,
        } => {
            if let Err(later) = wait_for_turn(round, &limits, at).await {
                return Finished {
                    message,
                    finished_at: now_ms(),
                    turn: Turn::Deferred(later),
                };
            }
            let started_at = now_ms();
            let (mut provider, mut result) = timed_send(transport, &message).await;
            let mut failover = None;
            if let (Err(e), Some(backup)) = (&result, backup)
                && e.down
            {
                failover = Some(format!("failover from {provider}: {}", e.detail));
                (provider, result) = timed_send(backup, &message).await;
            }
            Turn::Attempted {
                provider,
                started_at,
                result,
                failover,
            }
        }
    };
    Finished {
        message,
        finished_at: now_ms(),
        turn,
    }
}

/// Sends through a transport and records how long the provider took.
async fn timed_send(
    transport: Built,
    message: &ClaimedMessage,
) -> (&'static str, std::result::Result<Option<String>, SendError>) {
    let started = Instant::now();
    let (provider, result) = send_through(transport, message).await;
    telemetry::send_took(message.channel, provider, started.elapsed());
    (provider, result)
}

/// What follows a failed attempt under the channel's retry policy.
#[derive(Debug)]
enum Step {
    Retry(Millis),
    /// Failed for good: its class and its words.
    GiveUp(Failure, String),
}

/// Retries a transient failure while the message has attempts left and, at the retry's time,
/// is still younger than the give-up age; honours a provider's `Retry-After`.
fn next_step(
    policy: &RetryPolicy,
    e: &SendError,
    attempts: i64,
    created_at: Millis,
    now: Millis,
) -> Step {
    if !e.transient {
        return Step::GiveUp(Failure::Rejected, e.detail.clone());
    }
    if attempts >= i64::from(policy.max_attempts) {
        return Step::GiveUp(
            Failure::GaveUp,
            format!("{} (gave up after {attempts} attempts)", e.detail),
        );
    }
    let asked = e.retry_after.map_or(0, |d| d.as_millis() as Millis);
    let at = now + backoff_ms(policy.first_delay.as_millis() as Millis, attempts).max(asked);
    let give_up_at = created_at + policy.give_up_after.as_millis() as Millis;
    if at > give_up_at {
        let minutes = policy.give_up_after.as_secs() / 60;
        return Step::GiveUp(
            Failure::GaveUp,
            format!("{} (gave up: no success within {minutes} min)", e.detail),
        );
    }
    Step::Retry(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::RetryPolicy;

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..50 {
            let first = backoff_ms(2_000, 1);
            assert!((1_600..=2_400).contains(&first), "{first}");
            let third = backoff_ms(2_000, 3);
            assert!((6_400..=9_600).contains(&third), "{third}");
            assert!(backoff_ms(2_000, 40) <= 720_000);
        }
    }

    #[test]
    fn the_retry_policy_gives_up_by_attempts_or_by_age() {
        let policy = RetryPolicy {
            max_attempts: 3,
            give_up_after: Duration::from_secs(60),
            first_delay: Duration::from_secs(2),
        };
        let error = SendError::transient("SMTP reply 451");
        assert!(matches!(next_step(&policy, &error, 1, 0, 1_000), Step::Retry(at) if at > 1_000));
        assert!(
            matches!(next_step(&policy, &error, 3, 0, 1_000), Step::GiveUp(Failure::GaveUp, r) if r == "SMTP reply 451 (gave up after 3 attempts)")
        );
        assert!(
            matches!(next_step(&policy, &error, 1, 0, 59_000), Step::GiveUp(Failure::GaveUp, r) if r.contains("gave up: no success within 1 min"))
        );
        let permanent = SendError::permanent("SMTP reply 550");
        assert!(
            matches!(next_step(&policy, &permanent, 1, 0, 1_000), Step::GiveUp(Failure::Rejected, r) if r == "SMTP reply 550")
        );
    }
}
