//! The outbox worker: claims due messages under a lease, sends them, records each attempt.

use super::SendError;
use super::transport::Built;
use crate::clock::{Millis, now_ms};
use crate::error::Result;
use crate::store::messages::{self, Attempt, ClaimedMessage, Outcome};
use crate::{Herald, store};
use futures::StreamExt;
use rand::Rng;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;

/// One send, done, waiting to be recorded.
struct Finished {
    message: ClaimedMessage,
    provider: &'static str,
    started_at: Millis,
    finished_at: Millis,
    /// On success, the provider's id for the message, if it gave one.
    result: std::result::Result<Option<String>, SendError>,
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
        default_email_provider = herald.inner.transports.default_email_provider(),
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
        let transports = self.transports_for(&claimed).await?;
        // Outcomes are recorded in small groups as they arrive: one commit per group, and a slow
        // send never holds back the record of the fast ones.
        let mut finished = futures::stream::iter(claimed)
            .map(|m| {
                let transport = match &m.surface_id {
                    Some(id) => transports[id].clone(),
                    None => Ok(self.inner.transports.default_for(&m.channel)),
                };
                attempt(m, transport)
            })
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

    /// The transport of every surface the claimed messages go through: cached, or built anew
    /// when the surface changed since.
    async fn transports_for(&self, claimed: &[ClaimedMessage]) -> Result<HashMap<String, Built>> {
        let mut ids: Vec<&str> = claimed
            .iter()
            .filter_map(|m| m.surface_id.as_deref())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = store::surfaces::by_ids(self.store().reader(), &ids).await?;
        let cache = &self.inner.transports;
        let mut found: HashMap<String, _> = rows
            .iter()
            .map(|row| {
                let transport = cache
                    .cached(&row.id, row.updated_at)
                    .unwrap_or_else(|| cache.build(&self.open(row)));
                (row.id.clone(), transport)
            })
            .collect();
        for id in ids {
            found
                .entry(id.to_owned())
                .or_insert_with(|| Err("no longer exists".into()));
        }
        Ok(found)
    }

    async fn record_attempts(&self, lease_token: &str, group: &[Finished]) -> Result<()> {
        let max_attempts = i64::from(self.settings().delivery_max_attempts);
        let mut tx = self.store().writer().begin().await?;
        for f in group {
            let m = &f.message;
            let (outcome, detail) = match &f.result {
                Ok(provider_id) => (Outcome::Sent, provider_id.as_deref()),
                Err(e) if e.transient && m.attempts < max_attempts => {
                    let asked = e.retry_after.map_or(0, |d| d.as_millis() as Millis);
                    let at = f.finished_at + backoff_ms(m.attempts).max(asked);
                    (Outcome::Retry { at }, Some(e.detail.as_str()))
                }
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
                && let Some(why) = e.suppress
            {
                let reason = format!("{why} ({})", e.detail);
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

/// Sends one message through its transport; a surface that cannot be used is a transient
/// failure, so fixing the surface lets the message go on its next attempt.
async fn attempt(message: ClaimedMessage, transport: Built) -> Finished {
    let started_at = now_ms();
    let (provider, result) = match transport {
        Ok(t) => (t.provider(), t.send(&message).await),
        Err(why) => (
            "none",
            Err(SendError::transient(format!("the surface {why}"))),
        ),
    };
    Finished {
        message,
        provider,
        started_at,
        finished_at: now_ms(),
        result,
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
