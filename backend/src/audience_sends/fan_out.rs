//! The work of an audience send: walking its members in batches, each committed with the
//! send's checkpoint under the lease of the node doing it (see the parent module's invariants).

use super::local_time::LocalSchedule;
use crate::audiences::Members;
use crate::clock::{Millis, now_ms};
use crate::error::{Error, Result};
use crate::executions::{Recipient, prepare_message, with_links};
use crate::store::audience_sends::{Advance, SendRow};
use crate::store::audiences::Candidate;
use crate::store::executions::{Excluded, NewExecution, NewMessage, Of};
use crate::{Herald, store};
use domain::FieldError;
use domain::audience::SendStatus;
use domain::campaign::{CampaignStatus, Category, Channel};
use domain::ids::{ExecutionId, MessageId, ProfileId};
use domain::local_time::LocalTime;
use domain::report::{Exclusion, Happening, Segment, Tally};
use domain::trigger::{RecipientKind, TriggerRecipient};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// Members read per batch (each batch is one transaction).
const BATCH: i64 = 5000;
/// How long a node holds a send between two batches before another may take it over.
const LEASE: Duration = Duration::from_secs(60);

impl Herald {
    /// Fires the due schedules, then works every unfinished send whose lease is free to its
    /// end; returns how many sends. The background loop does this on its own; tests without
    /// workers call it.
    pub async fn run_audience_sends_now(&self) -> Result<usize> {
        self.fire_due_schedules().await?;
        let mut done = 0;
        while self.work_on_next_send().await? {
            done += 1;
        }
        Ok(done)
    }

    /// Claims one send and works it until it ends or its lease is lost; false: none was free.
    async fn work_on_next_send(&self) -> Result<bool> {
        let token = crate::leases::token();
        let now = now_ms();
        let mut conn = self.store().acquire().await?;
        let claimed =
            store::audience_sends::claim(&mut conn, &token, now, now + LEASE.as_millis() as Millis)
                .await?;
        drop(conn);
        let Some(send) = claimed else {
            return Ok(false);
        };
        let id = send.execution_id;
        if let Err(e) = self.work_on(send, &token).await {
            // Left to its lease: another round (or node) picks it up where it stopped.
            tracing::error!(execution_id = %id, error = ?e.cause, code = e.code, "audience send step failed");
            return Err(e);
        }
        Ok(true)
    }

    async fn work_on(&self, mut send: SendRow, token: &str) -> Result<()> {
        let pool = self.store().reader();
        let id = send.execution_id;
        let execution = store::executions::execution(pool, &send.sandbox_id, id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("send {id} has no execution")))?;
        let audience = match send.audience_id {
            Some(audience) => store::audiences::by_id(pool, audience).await?,
            None => None,
        };
        let Some(audience) = audience else {
            return self
                .end_send(
                    id,
                    token,
                    SendStatus::Failed,
                    Some("the audience was deleted"),
                )
                .await;
        };
        let members = Members::of(&audience);
        if send.targeted.is_none() {
            let targeted = self
                .count_members(&members, Some(&send.upper_bound))
                .await?;
            let mut conn = self.store().acquire().await?;
            if !store::audience_sends::set_targeted(&mut conn, id, token, targeted).await? {
                return Ok(());
            }
            send.targeted = Some(targeted);
        }
        let compiled = self
            .compiled_version(execution.campaign_id, execution.campaign_version)
            .await?;
        let context: Arc<Map<String, Value>> =
            Arc::new(serde_json::from_str(&send.context).unwrap_or_default());
        let local_time = match send.local_time.as_deref().map(LocalTime::parse) {
            Some(Ok(time)) => Some((time, self.sandbox_time_zone(&send.sandbox_id).await?)),
            Some(Err(_)) => {
                let why = "its local time is not readable";
                return self
                    .end_send(id, token, SendStatus::Failed, Some(why))
                    .await;
            }
            None => None,
        };
        let grace = self.settings().schedule_grace.as_millis() as Millis;
        let window = self.settings().audience_send_window.as_millis() as Millis;
        loop {
            let campaign = self.campaign_row(execution.campaign_id).await?;
            let now = now_ms();
            let status = campaign.status_at(now);
            if status != CampaignStatus::Live {
                let why = format!(
                    "the campaign became {} before every member was queued",
                    status.as_str()
                );
                return self
                    .end_send(id, token, SendStatus::Failed, Some(&why))
                    .await;
            }
            let batch = store::audiences::walk(
                pool,
                members.walk,
                &campaign.namespace,
                &send.checkpoint,
                Some(&send.upper_bound),
                BATCH,
            )
            .await?;
            let Some(last) = batch.last().map(|c| c.id.to_string()) else {
                return self.end_send(id, token, SendStatus::Succeeded, None).await;
            };
            let admitted: Vec<Candidate> = batch
                .into_iter()
                .filter(|c| members.admits(&c.attributes))
                .collect();
            let region = match campaign.channel {
                Channel::Sms => {
                    self.phone_region_for(&campaign.sandbox_id, campaign.surface_id)
                        .await?
                }
                _ => None,
            };
            let first_index = (send.queued + send.excluded) as usize;
            let (herald, compiled, context) = (self.clone(), compiled.clone(), context.clone());
            let (marketing, tracking, namespace) = (
                campaign.category == Category::Marketing,
                campaign.tracking,
                campaign.namespace.clone(),
            );
            let created_at = execution.created_at;
            let send_by = created_at + window;
            let mut local = local_time
                .clone()
                .map(|(time, zone)| LocalSchedule::new(time, zone, grace, window, now));
            let messages = self
                .inner
                .render_pool
                .run(move || {
                    with_links(&herald, marketing, tracking, |links| {
                        admitted
                            .iter()
                            .enumerate()
                            .map(|(k, member)| {
                                let stored: Map<String, Value> =
                                    serde_json::from_str(&member.attributes).unwrap_or_default();
                                // Known in the campaign's namespace, or else by its profile id
                                // (never taken for an address).
                                let (user_id, namespace) = match &member.user_id {
                                    Some(id) => (id.clone(), namespace.clone()),
                                    None => (member.id.to_string(), PROFILE_ID_NAMESPACE.into()),
                                };
                                let call = TriggerRecipient {
                                    kind: RecipientKind::Aep,
                                    user_id,
                                    namespace,
                                    email_address: None,
                                    mobile_phone_number: None,
                                    push_info: None,
                                    profile: Map::new(),
                                    context: (*context).clone(),
                                };
                                let at = Recipient {
                                    index: first_index + k,
                                    id: message_id(id, member.id, created_at),
                                    call: &call,
                                    stored: Some(&stored),
                                };
                                let mut message =
                                    prepare_message(&at, &compiled, links, region.as_ref())
                                        .unwrap_or_else(|errors| {
                                            invalid(&at, compiled.channel, errors)
                                        });
                                message.send_by = Some(send_by);
                                if let Some(local) = local.as_mut() {
                                    local.place(&mut message, &stored);
                                }
                                message
                            })
                            .collect::<Vec<NewMessage>>()
                    })
                })
                .await?;
            let e = NewExecution {
                id,
                campaign_id: campaign.id,
                surface_id: campaign.surface_id,
                campaign_version: execution.campaign_version,
                request_id: execution.request_id.clone(),
                api_key_id: execution.api_key_id,
                now,
            };
            let Some((queued, excluded)) = self
                .commit_batch(&send, token, &e, &messages, &last)
                .await?
            else {
                tracing::warn!(execution_id = %id, "audience send: lease lost; another node goes on");
                return Ok(());
            };
            send.checkpoint = last;
            send.queued += queued;
            send.excluded += excluded;
            if queued > 0 {
                self.inner.outbox_signal.notify_one();
            }
        }
    }

    /// Writes one batch with the send's new checkpoint; `None` when the lease was lost (nothing
    /// written). Returns (queued, excluded).
    async fn commit_batch(
        &self,
        send: &SendRow,
        token: &str,
        e: &NewExecution,
        messages: &[NewMessage],
        last: &str,
    ) -> Result<Option<(i64, i64)>> {
        let mut tx = self.store().begin().await?;
        let rows: Vec<_> = messages.iter().map(|m| (e, m)).collect();
        store::executions::insert_messages(&mut tx, &rows).await?;
        let ids: Vec<String> = messages.iter().map(|m| m.id.to_string()).collect();
        let listed: std::collections::HashMap<MessageId, Exclusion> =
            store::executions::exclude_listed_addresses(&mut tx, Of::Messages(&ids))
                .await?
                .into_iter()
                .collect();
        let mut tally = Tally::default();
        let mut excluded_ids = Vec::new();
        for m in messages {
            let class = m
                .excluded
                .as_ref()
                .map(|x| x.class)
                .or_else(|| listed.get(&m.id).copied());
            if class.is_some() {
                excluded_ids.push(m.id);
            }
            let segment = Segment {
                campaign_id: e.campaign_id,
                version: e.campaign_version,
                locale: m.locale.clone().unwrap_or_default(),
                platform: m.platform.clone().unwrap_or_default(),
            };
            tally.add(&segment, e.now, &Happening::Accepted { excluded: class });
        }
        if !excluded_ids.is_empty() {
            let at = domain::views::format_rfc3339(e.now);
            store::webhooks::enqueue(&mut tx, "excluded", &excluded_ids, &at, e.now).await?;
        }
        store::reports::add(&mut tx, &tally).await?;
        let excluded = excluded_ids.len() as i64;
        let queued = messages.len() as i64 - excluded;
        let advanced = store::audience_sends::advance(
            &mut tx,
            &Advance {
                id: send.execution_id,
                token,
                from: &send.checkpoint,
                to: last,
                queued,
                excluded,
                until: now_ms() + LEASE.as_millis() as Millis,
            },
        )
        .await?;
        if !advanced {
            return Ok(None); // dropped: rolls back
        }
        tx.commit().await?;
        Ok(Some((queued, excluded)))
    }

    async fn end_send(
        &self,
        id: ExecutionId,
        token: &str,
        status: SendStatus,
        failure: Option<&str>,
    ) -> Result<()> {
        let mut conn = self.store().acquire().await?;
        if store::audience_sends::finish(&mut conn, id, token, status, failure, now_ms()).await? {
            tracing::info!(execution_id = %id, status = status.as_str(), failure, "audience send ended");
        }
        Ok(())
    }
}

/// The id of a member's message: the same for the same (send, profile), whoever writes it.
fn message_id(execution: ExecutionId, profile: ProfileId, created_at: Millis) -> MessageId {
    let digest = Sha256::new()
        .chain_update(execution.to_string())
        .chain_update(b"/")
        .chain_update(profile.to_string())
        .finalize();
    let mut entropy = [0u8; 10];
    entropy.copy_from_slice(&digest[..10]);
    MessageId::derived(created_at.max(0) as u64, entropy)
}

/// The namespace a member without an identity in the campaign's namespace is known by.
const PROFILE_ID_NAMESPACE: &str = "profileId";

/// The excluded message of a member that cannot get one, saying why.
fn invalid(at: &Recipient<'_>, channel: Channel, errors: Vec<FieldError>) -> NewMessage {
    let why: Vec<&str> = errors
        .iter()
        .map(|e| {
            e.message
                .strip_prefix("is required: ")
                .unwrap_or(&e.message)
        })
        .collect();
    NewMessage {
        id: at.id,
        recipient_index: at.index as i64,
        user_id: at.call.user_id.clone(),
        channel,
        address: String::new(),
        subject: String::new(),
        html_body: String::new(),
        text_body: String::new(),
        locale: None,
        payload: None,
        platform: None,
        excluded: Some(Excluded {
            class: Exclusion::InvalidRecipient,
            reason: format!("not sent: {}", why.join("; ")),
        }),
        tracked_links: Vec::new(),
        send_by: None,
        not_before: None,
    }
}

/// Runs audience sends as they come, until the node stops.
pub(crate) async fn run_fan_out(
    herald: Herald,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    beat: crate::background::Beat,
) {
    loop {
        beat.now();
        if let Err(e) = herald.fire_due_schedules().await {
            tracing::error!(error = ?e.cause, code = e.code, "firing due audience schedules failed");
        }
        // A failed step is logged and retried after the pause.
        let worked: bool = herald.work_on_next_send().await.unwrap_or_default();
        if worked {
            continue;
        }
        tokio::select! {
            _ = herald.inner.fan_out_signal.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_members_message_id_is_the_same_every_time() {
        let (e, p) = (ExecutionId::new(), ProfileId::new());
        assert_eq!(message_id(e, p, 1_000), message_id(e, p, 1_000));
        assert_ne!(
            message_id(e, p, 1_000),
            message_id(e, ProfileId::new(), 1_000)
        );
        // Time-ordered like drawn ids.
        assert!(message_id(e, p, 1_000) < message_id(e, p, 2_000));
    }
}
