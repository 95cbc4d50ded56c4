//! Recording what became of a group of turns: one transaction per group, with the attempts, the
//! messages' new states, their webhook events, report counters and suppressions.

use super::turn::{Finished, Step, Turn, next_step};
use crate::clock::{Millis, now_ms};
use crate::error::Result;
use crate::store::messages::{Attempt, Outcome};
use crate::{Herald, store, telemetry};
use domain::channel::Channel;
use domain::dates::format_rfc3339;
use domain::ids::MessageId;
use domain::report::{Happening, Tally};
use std::time::Duration;

impl Herald {
    /// Records a group's outcomes; while the database cannot be reached, tries again until the
    /// first of the group's leases ends (after that the records would be refused anyway, see
    /// `store::outbox`). An outcome not recorded means a message sent again: worth the wait.
    pub(super) async fn record_until_lease_end(&self, group: &[Finished]) -> Result<()> {
        let lease_end = group
            .iter()
            .map(|f| f.lease.ends_at)
            .min()
            .unwrap_or_default();
        let mut pause = Duration::from_millis(50);
        loop {
            match self.record_turns(group).await {
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

    async fn record_turns(&self, group: &[Finished]) -> Result<()> {
        let mut tx = self.store().begin().await?;
        // Webhook events of the group, queued together at the end: one statement per kind.
        let mut events: Vec<(&str, MessageId)> = Vec::new();
        let mut tally = Tally::default();
        // (channel, provider, outcome) of each recorded turn, counted once committed.
        let mut recorded: Vec<(Channel, &'static str, &'static str)> = Vec::new();
        // The attempts, recorded together after the rarer turns; each with its finished turn.
        let mut attempted = Vec::with_capacity(group.len());
        for f in group {
            let m = &f.message;
            let token = f.lease.token.as_str();
            match &f.turn {
                Turn::Deferred(at) => {
                    store::messages::put_back(&mut tx, m.outgoing.id, token, *at).await?;
                }
                Turn::Excluded(class, reason) => {
                    let excluded = store::messages::exclude_claimed(
                        &mut tx,
                        m.outgoing.id,
                        token,
                        (*class, reason),
                        f.finished_at,
                    )
                    .await?;
                    if excluded {
                        recorded.push((m.channel, "none", "excluded"));
                        events.push(("excluded", m.outgoing.id));
                        let happening = Happening::Excluded(*class);
                        tally.add(&m.segment(), f.finished_at, &happening);
                    }
                }
                Turn::Attempted {
                    provider,
                    started_at,
                    result,
                    failover,
                } => {
                    let policy = self.settings().retry(m.channel);
                    let (outcome, detail) = match result {
                        Ok(provider_id) => (Outcome::Sent, provider_id.clone()),
                        Err(e) => {
                            match next_step(&policy, e, m.attempts, m.created_at, f.finished_at) {
                                Step::Retry(at) => (Outcome::Retry { at }, Some(e.detail.clone())),
                                Step::GiveUp(class, reason) => {
                                    (Outcome::Failed(class), Some(reason))
                                }
                            }
                        }
                    };
                    let detail = match (failover, detail) {
                        (Some(note), Some(d)) => Some(format!("{d} ({note})")),
                        (Some(note), None) => Some(note.clone()),
                        (None, d) => d,
                    };
                    attempted.push((f, *provider, *started_at, outcome, detail));
                }
            }
        }
        let attempts: Vec<Attempt> = attempted
            .iter()
            .map(|(f, provider, started_at, outcome, detail)| Attempt {
                message_id: f.message.outgoing.id,
                lease_token: &f.lease.token,
                attempt: f.message.attempts,
                started_at: *started_at,
                finished_at: f.finished_at,
                provider,
                outcome: *outcome,
                detail: detail.as_deref(),
            })
            .collect();
        let finished = store::messages::finish_attempts(&mut tx, &attempts).await?;
        for (f, provider, _, outcome, _) in &attempted {
            let m = &f.message;
            let Turn::Attempted { result, .. } = &f.turn else {
                continue;
            };
            if let Err(e) = result {
                tracing::warn!(message_id = %m.outgoing.id, attempt = m.attempts, transient = e.transient, detail = %e.detail, "delivery attempt failed");
            }
            if !finished.contains(&(m.outgoing.id, m.attempts)) {
                tracing::warn!(message_id = %m.outgoing.id, "lease expired before the attempt finished; outcome dropped");
                continue;
            }
            match outcome {
                Outcome::Sent => events.push(("sent", m.outgoing.id)),
                Outcome::Failed(_) => events.push(("failed", m.outgoing.id)),
                Outcome::Retry { .. } => {}
            }
            recorded.push((m.channel, provider, outcome.as_str()));
            let bounce = result.as_ref().err().and_then(|e| e.bounce);
            let happening = match *outcome {
                Outcome::Sent => Happening::Sent,
                Outcome::Retry { .. } => Happening::Retried { bounce },
                Outcome::Failed(reason) => Happening::Failed { reason, bounce },
            };
            tally.add(&m.segment(), f.finished_at, &happening);
            if let Err(e) = result
                && let Some(why) = e.suppress
            {
                let reason = format!("{why} ({})", e.detail);
                store::suppressions::add_for_message(
                    &mut tx,
                    m.outgoing.id,
                    &reason,
                    f.finished_at,
                )
                .await?;
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
