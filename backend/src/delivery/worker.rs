//! The outbox worker: claims due messages under a lease, sends them, records each attempt.

use super::SendError;
use crate::clock::{Millis, now_ms};
use crate::error::Result;
use crate::store::messages::{self, Attempt, ClaimedMessage, Outcome};
use crate::{Herald, store};
use futures::StreamExt;
use rand::Rng;
use std::time::Duration;
use tokio::sync::watch;

/// One send, done, waiting to be recorded.
struct Finished {
    message: ClaimedMessage,
    provider: &'static str,
    started_at: Millis,
    finished_at: Millis,
    result: std::result::Result<(), SendError>,
}

/// A round claims enough messages for this many waves of `delivery_concurrency` sends: fewer,
/// larger transactions. The send timeout is `lease / (CLAIM_WAVES + 1)` (see `email.rs`), so even
/// the last wave ends before the lease does and no claimed message is sent twice.
pub(crate) const CLAIM_WAVES: usize = 4;

/// Longest pause between two looks at the outbox when nothing signalled new work.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Delay before retry number `attempt` (1-based): 2 s, 4 s, 8 s … capped at 10 minutes, with
/// ±20 % jitter so a burst of failures does not retry in lockstep.
pub fn backoff_ms(attempt: i64) -> Millis {
    let base: Millis = 2_000i64.saturating_mul(1i64 << attempt.clamp(1, 20).saturating_sub(1));
    let base = base.min(600_000);
    let jitter = rand::rng().random_range(-(base / 5)..=(base / 5));
    base + jitter
}

/// Runs until `shutdown` turns true; a claimed batch is always finished before it stops.
pub async fn run_worker(herald: Herald, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(
        provider = herald.inner.mailer.provider(),
        "delivery worker started"
    );
    while !*shutdown.borrow() {
        let worked = match herald.deliver_due().await {
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

impl Herald {
    /// One round: claims the messages due now and attempts each. Returns how many it attempted.
    pub async fn deliver_due(&self) -> Result<usize> {
        let settings = self.settings();
        let lease_token = domain::ids::MessageId::new().to_string();
        let now = now_ms();
        let claimed = {
            let mut conn = self.store().writer().acquire().await?;
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
        // Outcomes are recorded in small groups as they arrive: one commit per group, and a slow
        // send never holds back the record of the fast ones.
        let mut finished = futures::stream::iter(claimed)
            .map(|m| self.attempt(m))
            .buffer_unordered(settings.delivery_concurrency)
            .ready_chunks(64);
        while let Some(group) = finished.next().await {
            self.record_attempts(&lease_token, &group).await?;
        }
        Ok(count)
    }

    /// Delivers until no message is due now. Tests use it instead of sleeping.
    pub async fn drain_outbox(&self) -> Result<()> {
        while self.deliver_due().await? > 0 {}
        Ok(())
    }

    /// Sends one message on its channel. Email goes through the mailer (SMTP or the local
    /// capture); SMS and push have no provider yet and are captured: recorded as sent by
    /// `capture`, visible on "Sent messages".
    async fn attempt(&self, message: ClaimedMessage) -> Finished {
        let started_at = now_ms();
        let (provider, result) = match message.channel.as_str() {
            "email" => (
                self.inner.mailer.provider(),
                self.inner.mailer.send(&message).await,
            ),
            _ => ("capture", Ok(())),
        };
        Finished {
            message,
            provider,
            started_at,
            finished_at: now_ms(),
            result,
        }
    }

    async fn record_attempts(&self, lease_token: &str, group: &[Finished]) -> Result<()> {
        let max_attempts = i64::from(self.settings().delivery_max_attempts);
        let mut tx = self.store().writer().begin().await?;
        for f in group {
            let m = &f.message;
            let (outcome, detail) = match &f.result {
                Ok(()) => (Outcome::Sent, None),
                Err(e) if e.transient && m.attempts < max_attempts => (
                    Outcome::Retry {
                        at: f.finished_at + backoff_ms(m.attempts),
                    },
                    Some(e.detail.as_str()),
                ),
                Err(e) => (Outcome::Failed, Some(e.detail.as_str())),
            };
            let attempt = Attempt {
                message_id: &m.id,
                lease_token,
                attempt: m.attempts,
                started_at: f.started_at,
                finished_at: f.finished_at,
                provider: f.provider,
                outcome,
                detail,
            };
            let finished = store::messages::finish_attempt(&mut tx, &attempt).await?;
            if finished
                && let Err(e) = &f.result
                && e.hard_bounce
            {
                let reason = format!("hard bounce ({})", e.detail);
                store::suppressions::add_for_message(&mut tx, &m.id, &reason, f.finished_at)
                    .await?;
            }
            if !finished {
                tracing::warn!(message_id = %m.id, "lease expired before the attempt finished; outcome dropped");
            }
            if let Err(e) = &f.result {
                tracing::warn!(message_id = %m.id, attempt = m.attempts, transient = e.transient, detail = %e.detail, "delivery attempt failed");
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..50 {
            let first = backoff_ms(1);
            assert!((1_600..=2_400).contains(&first), "{first}");
            let third = backoff_ms(3);
            assert!((6_400..=9_600).contains(&third), "{third}");
            assert!(backoff_ms(40) <= 720_000);
        }
    }
}
