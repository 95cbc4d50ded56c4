//! The work of an audience send: walking its members in batches, each committed with the
//! send's checkpoint under the lease of the node doing it (see the parent module's invariants).

use super::local_time::LocalSchedule;
use crate::audiences::Members;
use crate::clock::{Millis, now_ms};
use crate::error::{Error, Result};
use crate::executions::{
    CompiledVersion, Recipient, commit::settle_accepted, prepare_message, with_links,
};
use crate::store::audience_sends::{Advance, SendRow};
use crate::store::audiences::Candidate;
use crate::store::executions::{Excluded, ExecutionRow, NewExecution, NewMessage, Of};
use crate::{Herald, store};
use domain::FieldError;
use domain::audience::SendStatus;
use domain::campaign::CampaignStatus;
use domain::channel::{Category, Channel};
use domain::ids::{ExecutionId, MessageId, ProfileId};
use domain::local_time::{LocalTime, TimeZoneName};
use domain::report::Exclusion;
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
        let plan = Plan {
            execution: &execution,
            members: &members,
            upper_bound: &send.upper_bound,
            compiled,
            context,
            local_time,
            grace: self.settings().schedule_grace.as_millis() as Millis,
            window: self.settings().audience_send_window.as_millis() as Millis,
        };
        // Two batches in flight: while one commits, the next is read and rendered. Commits stay
        // in order, each from the checkpoint the one before wrote.
        let mut ready: Option<Batch> = None;
        let (mut after, mut index) = (
            send.checkpoint.clone(),
            (send.queued + send.excluded) as usize,
        );
        loop {
            let committing = async {
                match &ready {
                    Some(batch) => self.commit_batch(&send, token, batch).await.map(Some),
                    None => Ok(None),
                }
            };
            let (committed, next) =
                tokio::join!(committing, self.prepare_batch(&plan, &after, index));
            if let Some(batch) = ready.take() {
                let Some(Some((queued, excluded))) = committed? else {
                    tracing::warn!(execution_id = %id, "audience send: lease lost; another node goes on");
                    return Ok(());
                };
                send.checkpoint = batch.last;
                send.queued += queued;
                send.excluded += excluded;
                if queued > 0 {
                    self.inner.outbox_signal.notify_one();
                }
            }
            match next? {
                Next::Batch(batch) => {
                    after.clone_from(&batch.last);
                    index += batch.messages.len();
                    ready = Some(batch);
                }
                Next::Done => return self.end_send(id, token, SendStatus::Succeeded, None).await,
                Next::Stop(why) => {
                    return self
                        .end_send(id, token, SendStatus::Failed, Some(&why))
                        .await;
                }
            }
        }
    }

    /// Reads the members after `after` and renders their messages, numbered from `index`.
    async fn prepare_batch(&self, plan: &Plan<'_>, after: &str, index: usize) -> Result<Next> {
        let execution = plan.execution;
        let campaign = self.campaign_row(execution.campaign_id).await?;
        let now = now_ms();
        let status = campaign.status_at(now);
        if status != CampaignStatus::Live {
            return Ok(Next::Stop(format!(
                "the campaign became {} before every member was queued",
                status.as_str()
            )));
        }
        let walked = store::audiences::walk(
            self.store().reader(),
            plan.members.walk,
            &campaign.namespace,
            after,
            Some(plan.upper_bound),
            BATCH,
        )
        .await?;
        let Some(last) = walked.last().map(|c| c.id.to_string()) else {
            return Ok(Next::Done);
        };
        let admitted: Vec<Candidate> = walked
            .into_iter()
            .filter(|c| plan.members.admits(&c.attributes))
            .collect();
        let region = match campaign.channel {
            Channel::Sms => {
                self.phone_region_for(&campaign.sandbox_id, campaign.surface_id)
                    .await?
            }
            _ => None,
        };
        let id = execution.id;
        let (herald, compiled, context) =
            (self.clone(), plan.compiled.clone(), plan.context.clone());
        let (marketing, tracking, namespace) = (
            campaign.category == Category::Marketing,
            campaign.tracking,
            campaign.namespace.clone(),
        );
        let send_by = execution.created_at + plan.window;
        let mut local = plan
            .local_time
            .clone()
            .map(|(time, zone)| LocalSchedule::new(time, zone, plan.grace, plan.window, now));
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
                                index: index + k,
                                id: message_id(id, member.id),
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
        Ok(Next::Batch(Batch {
            execution: NewExecution {
                id,
                campaign_id: campaign.id,
                surface_id: campaign.surface_id,
                campaign_version: execution.campaign_version,
                request_id: execution.request_id.clone(),
                api_key_id: execution.api_key_id,
                now,
            },
            messages,
            last,
        }))
    }

    /// Writes one batch with the send's new checkpoint; `None` when the lease was lost (nothing
    /// written). Returns (queued, excluded).
    async fn commit_batch(
        &self,
        send: &SendRow,
        token: &str,
        batch: &Batch,
    ) -> Result<Option<(i64, i64)>> {
        let (e, messages, last) = (&batch.execution, &batch.messages, batch.last.as_str());
        let mut tx = self.store().begin().await?;
        let rows: Vec<_> = messages.iter().map(|m| (e, m)).collect();
        store::executions::insert_messages(&mut tx, &rows).await?;
        let ids: Vec<String> = messages.iter().map(|m| m.id.to_string()).collect();
        let inserted = [(e, messages.as_slice())];
        let excluded = settle_accepted(&mut tx, Of::Messages(&ids), &inserted, e.now).await? as i64;
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
        self.store().grew("messages", messages.len());
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

/// What does not change between the batches of one send.
struct Plan<'a> {
    execution: &'a ExecutionRow,
    members: &'a Members<'a>,
    upper_bound: &'a str,
    compiled: Arc<CompiledVersion>,
    context: Arc<Map<String, Value>>,
    local_time: Option<(LocalTime, TimeZoneName)>,
    grace: Millis,
    window: Millis,
}

/// One batch of members' messages, rendered, to commit with the checkpoint `last`.
struct Batch {
    execution: NewExecution,
    messages: Vec<NewMessage>,
    last: String,
}

/// What reading the next members found.
enum Next {
    Batch(Batch),
    Done,
    /// The send cannot go on, saying why.
    Stop(String),
}

/// The id of a member's message: the same for the same (send, profile), whoever writes it.
/// Its time part is the profile's, so a send (walking profiles in id order) writes its
/// messages in key order: each batch touches a few neighbouring pages of the primary-key index
/// rather than one random page per message (half the commit time at 300,000 members, see
/// docs/benchmarks.md).
fn message_id(execution: ExecutionId, profile: ProfileId) -> MessageId {
    let digest = Sha256::new()
        .chain_update(execution.to_string())
        .chain_update(b"/")
        .chain_update(profile.to_string())
        .finalize();
    let mut entropy = [0u8; 10];
    entropy.copy_from_slice(&digest[..10]);
    MessageId::derived(profile.drawn_at_ms(), entropy)
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
    beat: crate::liveness::Beat,
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
        assert_eq!(message_id(e, p), message_id(e, p));
        assert_ne!(message_id(e, p), message_id(ExecutionId::new(), p));
        assert_ne!(message_id(e, p), message_id(e, ProfileId::new()));
    }

    #[test]
    fn a_sends_messages_follow_its_members_order() {
        let e = ExecutionId::new();
        let first = ProfileId::new();
        std::thread::sleep(Duration::from_millis(2));
        let later = ProfileId::new();
        assert!(message_id(e, first) < message_id(e, later));
    }
}
