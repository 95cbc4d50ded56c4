//! One claimed message's turn: wait for its paced slot, then send through its surface's
//! transport (or its backup's, when the provider is down), within its lease (see `lease`).

use super::SendError;
use super::lease::Lease;
use super::pacing::Spacing;
use super::transport::Built;
use crate::clock::{Millis, now_ms};
use crate::retry::{GaveUp, RetryPolicy};
use crate::store::messages::ClaimedMessage;
use crate::telemetry;
use domain::report::{Exclusion, Failure};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What the worker will do with a claimed message.
pub(super) enum Plan {
    /// Send through `transport` (or `backup` if its provider is down) at `at`: now, or a little
    /// later when paced.
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

/// What became of one claimed message.
pub(super) enum Turn {
    /// Sent through `provider` (with the provider's id for it, if any) or failed.
    Attempted {
        provider: &'static str,
        started_at: Millis,
        result: Result<Option<String>, SendError>,
        /// Set when the surface's provider was down and its backup carried the attempt.
        failover: Option<String>,
    },
    /// Back to the outbox until this instant, without counting an attempt (paced, stopping, or
    /// too late in its lease to start).
    Deferred(Millis),
    /// Never sent, for this reason (its pace would take it past the campaign's end or its
    /// send window).
    Excluded(Exclusion, &'static str),
}

/// One claimed message's turn, done, waiting to be recorded under its lease.
pub(super) struct Finished {
    pub message: ClaimedMessage,
    pub lease: Arc<Lease>,
    pub finished_at: Millis,
    pub turn: Turn,
}

/// What the turns of one worker share: the actual spacing of paced sends, and the signal to
/// stop starting new ones.
#[derive(Default)]
pub(super) struct Sending {
    pub spacing: Spacing,
    pub stopping: Option<watch::Receiver<bool>>,
}

impl Sending {
    fn stopping(&self) -> bool {
        self.stopping.as_ref().is_some_and(|s| *s.borrow())
    }
}

/// The failure recorded for a message whose `step` panicked: permanent (the same message would
/// panic again), without the panic's text (it may quote the message).
pub(super) fn internal_failure(m: &ClaimedMessage, step: &str) -> SendError {
    tracing::error!(message_id = %m.outgoing.id, step, "a panic while delivering a message; it fails, delivery goes on");
    SendError::permanent(format!(
        "internal error while {step} the message (it was not sent); see the server log"
    ))
}

/// Carries out a plan: waits for a paced slot, then sends (failing over to the backup surface
/// when the provider is down), or puts the message back if it can no longer start in its lease.
pub(super) async fn carry_out(
    message: ClaimedMessage,
    plan: Plan,
    lease: Arc<Lease>,
    sending: &Sending,
) -> Finished {
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
        } => match wait_for_turn(sending, &limits, at, &lease).await {
            Err(later) => Turn::Deferred(later),
            Ok(()) => attempt(&message, transport, backup, &lease).await,
        },
    };
    Finished {
        message,
        lease,
        finished_at: now_ms(),
        turn,
    }
}

/// Waits until a send may start: its paced slot has come (see `pacing::Spacing`). `Err` with the
/// instant to put it back for if that is past the lease's pacing window, if the worker is
/// stopping, or if the lease is too far gone to start a send.
async fn wait_for_turn(
    sending: &Sending,
    limits: &[(String, u32)],
    slot: Millis,
    lease: &Lease,
) -> Result<(), Millis> {
    loop {
        let now = now_ms();
        if sending.stopping() || now > lease.start_by() {
            return Err(now);
        }
        let at = match sending.spacing.start(limits, slot, now) {
            Ok(()) => return Ok(()),
            Err(at) if at > lease.pace_until() => return Err(at),
            Err(at) => at,
        };
        let wait = Duration::from_millis((at - now) as u64);
        let Some(mut stopping) = sending.stopping.clone() else {
            tokio::time::sleep(wait).await;
            continue;
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopping.wait_for(|stop| *stop) => return Err(at),
        }
    }
}

/// One attempt, abandoned (a transient failure) if it is still under way at the lease's cut.
async fn attempt(
    message: &ClaimedMessage,
    transport: Built,
    backup: Option<Built>,
    lease: &Lease,
) -> Turn {
    let started_at = now_ms();
    let provider = transport.as_ref().map_or("none", |t| t.provider());
    let cut = tokio::time::Instant::now()
        + Duration::from_millis((lease.cut_at() - started_at).max(0) as u64);
    let sent = tokio::time::timeout_at(cut, async {
        let (mut provider, mut result) = timed_send(transport, message).await;
        let mut failover = None;
        if let (Err(e), Some(backup)) = (&result, backup)
            && e.down
        {
            failover = Some(format!("failover from {provider}: {}", e.detail));
            (provider, result) = timed_send(backup, message).await;
        }
        (provider, result, failover)
    })
    .await;
    let (provider, result, failover) = sent.unwrap_or_else(|_| {
        let late = SendError::down("the send did not finish within its lease");
        (provider, Err(late), None)
    });
    Turn::Attempted {
        provider,
        started_at,
        result,
        failover,
    }
}

/// Sends through a transport and records how long the provider took. A surface that cannot be
/// used is a transient failure, so fixing the surface lets the message go on its next attempt.
/// A panic while sending fails this message only.
async fn timed_send(
    transport: Built,
    message: &ClaimedMessage,
) -> (&'static str, Result<Option<String>, SendError>) {
    let started = Instant::now();
    let (provider, result) = match transport {
        Ok(t) => {
            let sent = AssertUnwindSafe(t.send(&message.outgoing))
                .catch_unwind()
                .await;
            let result = sent.unwrap_or_else(|_| Err(internal_failure(message, "sending")));
            (t.provider(), result)
        }
        Err(why) => (
            "none",
            Err(SendError::transient(format!("the surface {why}"))),
        ),
    };
    telemetry::send_took(message.channel, provider, started.elapsed());
    (provider, result)
}

/// What follows a failed attempt under the channel's retry policy.
#[derive(Debug)]
pub(super) enum Step {
    Retry(Millis),
    /// Failed for good: its class and its words.
    GiveUp(Failure, String),
}

/// Retries a transient failure while the message has attempts left and, at the retry's time,
/// is still younger than the give-up age; honours a provider's `Retry-After`.
pub(super) fn next_step(
    policy: &RetryPolicy,
    e: &SendError,
    attempts: i64,
    created_at: Millis,
    now: Millis,
) -> Step {
    if !e.transient {
        return Step::GiveUp(Failure::Rejected, e.detail.clone());
    }
    let asked = e.retry_after.map_or(0, |d| d.as_millis() as Millis);
    match policy.next_attempt(attempts, created_at, now, asked) {
        Ok(at) => Step::Retry(at),
        Err(GaveUp::Attempts(n)) => Step::GiveUp(
            Failure::GaveUp,
            format!("{} (gave up after {n} attempts)", e.detail),
        ),
        Err(GaveUp::Age(age)) => Step::GiveUp(
            Failure::GaveUp,
            format!(
                "{} (gave up: no success within {} min)",
                e.detail,
                age.as_secs() / 60
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
