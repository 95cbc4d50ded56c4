//! Audience sends (`POST /ajo/im/executions/audience`): one call sends a live campaign to every
//! member of an audience.
//!
//! Invariants:
//! - Accepting the call writes the execution, its idempotency key and the send's starting point
//!   in one transaction; the answer comes after that commit. The same `requestId` with the same
//!   body answers the same execution (a replay); with another body it is refused.
//! - The members are fixed when the send is accepted: profiles up to the largest profile id of
//!   the audience then (`upper_bound`). A rule-based audience is evaluated batch by batch, so a
//!   profile that stops passing the rule before its batch is not sent to.
//! - The members are read in profile-id order after the send's checkpoint, in batches. A
//!   batch's messages, their report counters and the new checkpoint are committed in one
//!   transaction, under the lease of the node doing the work ([`store::audience_sends::advance`]
//!   fails for a node whose lease was taken, and its batch rolls back). Each message's id is
//!   derived from (execution, profile), so a batch written twice stores its messages once.
//!   Killed at any point, a send resumes at its last checkpoint: every member gets exactly one
//!   message.
//! - Members without a usable address (or whose message cannot be rendered) get a message that
//!   is excluded (`invalid_recipient`) with the reason, so every member is accounted for.
//!   Suppressed and opted-out addresses are excluded in the batch's transaction, as for
//!   unitary calls.
//! - Delivery paces the queued messages by the campaign's and the surface's rates.
//! - A campaign stopped (or past its end) while its send runs ends the send `failed`; what was
//!   queued stays queued and delivery decides (a stopped campaign's messages are not sent).

use crate::accounts::ApiCaller;
use crate::audiences::Members;
use crate::clock::{Millis, now_ms};
use crate::error::{Error, ErrorKind, Result};
use crate::executions::{
    Accepted, Recipient, campaign_not_found, is_present, live_version, prepare_message, with_links,
};
use crate::store::audience_schedules::ScheduleRow;
use crate::store::audience_sends::{Advance, NewSend, SendRow};
use crate::store::audiences::{AudienceRow, Candidate};
use crate::store::campaigns::CampaignRow;
use crate::store::executions::{Excluded, NewCall, NewExecution, NewMessage, Of};
use crate::{Herald, store};
use domain::FieldError;
use domain::audience::{ScheduleStatus, SendStatus};
use domain::campaign::{CampaignStatus, Category, Channel};
use domain::ids::{ExecutionId, MessageId, ProfileId, ScheduleId};
use domain::report::{Exclusion, Happening, Segment, Tally};
use domain::trigger::{AudienceTrigger, RecipientKind, TriggerRecipient};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// A call whose `executeAt` is at most this far ahead starts now.
const SCHEDULE_MARGIN_MS: Millis = 1000;
/// Members read per batch (each batch is one transaction).
const BATCH: i64 = 1000;
/// How long a node holds a send between two batches before another may take it over.
const LEASE: Duration = Duration::from_secs(60);

/// What an accepted audience call became.
#[derive(Debug, Clone)]
pub enum AudienceAnswer {
    Started(Accepted),
    Scheduled { schedule: ScheduleRow, replay: bool },
}

/// What starting a send writes.
struct SendStart<'a> {
    execution: &'a NewExecution,
    sandbox_id: &'a str,
    audience: &'a AudienceRow,
    context: &'a str,
    request_hash: &'a str,
    upper_bound: &'a str,
}

/// A call whose requestId names a stored schedule: the same schedule again if it is the same
/// call from the same key, else refused as any reused key is.
fn scheduled_again(
    stored: ScheduleRow,
    request_hash: &str,
    caller: &ApiCaller,
) -> Result<AudienceAnswer> {
    let (hash, key) = (stored.request_hash.clone(), stored.api_key_id);
    crate::group_commit::repeat_of(&hash, key, request_hash, caller.api_key_id, || {
        AudienceAnswer::Scheduled {
            schedule: stored,
            replay: true,
        }
    })
}

/// An audience send and where it stands.
#[derive(Debug, Clone)]
pub struct AudienceSendView {
    pub execution: store::executions::ExecutionRow,
    pub send: SendRow,
    /// Messages by status (queued, sending, sent, failed, excluded).
    pub messages: Vec<(String, i64)>,
}

impl Herald {
    /// Validates and durably accepts an audience call: a send that starts now (its messages
    /// are queued in the background), or, with a future `executeAt`, a schedule.
    #[tracing::instrument(skip_all)]
    pub async fn start_audience_send(
        &self,
        caller: &ApiCaller,
        trigger: AudienceTrigger,
        request_hash: &str,
    ) -> Result<AudienceAnswer> {
        let now = now_ms();
        let (campaign, version, audience) = self.check_audience_call(caller, &trigger, now).await?;
        if let Some(request_id) = &trigger.request_id
            && let Some(stored) = store::audience_schedules::by_request(
                self.store().reader(),
                campaign.id,
                request_id,
            )
            .await?
        {
            return scheduled_again(stored, request_hash, caller);
        }
        let context = Value::Object(trigger.context).to_string();
        if let Some(execute_at) = trigger
            .execute_at
            .filter(|at| *at > now + SCHEDULE_MARGIN_MS)
        {
            let row = ScheduleRow {
                id: ScheduleId::new(),
                sandbox_id: caller.sandbox.id.clone(),
                campaign_id: campaign.id,
                audience_id: audience.id,
                context,
                request_id: trigger
                    .request_id
                    .clone()
                    .unwrap_or_else(|| ExecutionId::new().to_string()),
                request_hash: request_hash.to_owned(),
                api_key_id: caller.api_key_id,
                execute_at,
                status: ScheduleStatus::Scheduled,
                execution_id: None,
                failure: None,
                created_at: now,
                fired_at: None,
            };
            let mut conn = self.store().acquire().await?;
            if !store::audience_schedules::insert(&mut conn, &row).await? {
                drop(conn);
                // Another call with this requestId got there first.
                let stored = store::audience_schedules::by_request(
                    self.store().reader(),
                    campaign.id,
                    &row.request_id,
                )
                .await?
                .ok_or_else(|| Error::internal(anyhow::anyhow!("schedule vanished")))?;
                return scheduled_again(stored, request_hash, caller);
            }
            tracing::info!(schedule_id = %row.id, campaign_id = %campaign.id, execute_at, "audience send scheduled");
            return Ok(AudienceAnswer::Scheduled {
                schedule: row,
                replay: false,
            });
        }
        // Without a requestId the call is not idempotent: its key is its own execution id.
        let execution_id = ExecutionId::new();
        let request_id = trigger
            .request_id
            .clone()
            .unwrap_or_else(|| execution_id.to_string());
        let execution = NewExecution {
            id: execution_id,
            campaign_id: campaign.id,
            surface_id: campaign.surface_id,
            campaign_version: version,
            request_id: request_id.clone(),
            api_key_id: caller.api_key_id,
            now,
        };
        let upper_bound = self.upper_bound_of(&audience).await?;
        let mut tx = self.store().begin().await?;
        let key = [(campaign.id, request_id.as_str())];
        store::executions::lock_keys(&mut tx, &key).await?;
        let stored = store::executions::idempotency_records(&mut tx, &key, now).await?;
        if let Some(record) = stored.get(&(campaign.id, request_id.clone())) {
            let e = &record.execution;
            return crate::group_commit::repeat_of(
                &record.request_hash,
                e.api_key_id,
                request_hash,
                caller.api_key_id,
                || Accepted {
                    execution_id: e.id,
                    request_id: e.request_id.clone(),
                    created_at: e.created_at,
                    created_by: e.api_key_id,
                    replay: true,
                },
            )
            .map(AudienceAnswer::Started);
        }
        let start = SendStart {
            execution: &execution,
            sandbox_id: &caller.sandbox.id,
            audience: &audience,
            context: &context,
            request_hash,
            upper_bound: &upper_bound,
        };
        self.write_send(&mut tx, &start).await?;
        tx.commit().await?;
        self.inner.fan_out_signal.notify_one();
        tracing::info!(%execution_id, campaign_id = %campaign.id, audience_id = %audience.id, "audience send accepted");
        Ok(AudienceAnswer::Started(Accepted {
            execution_id,
            request_id,
            created_at: now,
            created_by: caller.api_key_id,
            replay: false,
        }))
    }

    /// Everything an audience call needs that does not depend on when it runs: the campaign
    /// (live, the caller's), its live version, the audience, the context its content requires.
    async fn check_audience_call(
        &self,
        caller: &ApiCaller,
        trigger: &AudienceTrigger,
        now: Millis,
    ) -> Result<(CampaignRow, i64, AudienceRow)> {
        let campaign = self.campaign_row(trigger.campaign_id).await?;
        if campaign.sandbox_id != caller.sandbox.id {
            return Err(campaign_not_found());
        }
        caller.check_campaign(campaign.id)?;
        let version = live_version(&campaign, now)?;
        let audience_id = match (&trigger.audience_id, campaign.audience_id) {
            (Some(id), _) => id.clone(),
            (None, Some(id)) => id.to_string(),
            (None, None) => {
                return Err(domain::ValidationError::single(
                    "invalid_request",
                    "audience.id",
                    "is required: the campaign has no audience of its own",
                )
                .into());
            }
        };
        let audience = self.audience_row(&caller.sandbox.id, &audience_id).await?;
        let compiled = self.compiled_version(campaign.id, version).await?;
        let missing: Vec<FieldError> = compiled
            .required_context
            .iter()
            .filter(|path| !is_present(&trigger.context, path))
            .map(|path| {
                FieldError::new(
                    format!("context.{}", path.join(".")),
                    "is required by the campaign",
                )
            })
            .collect();
        if !missing.is_empty() {
            return Err(domain::ValidationError::new("invalid_request", missing).into());
        }
        Ok((campaign, version, audience))
    }

    /// The largest profile id of the audience now: its members are fixed up to it.
    async fn upper_bound_of(&self, audience: &AudienceRow) -> Result<String> {
        let walk = Members::of(audience).walk;
        Ok(store::audiences::upper_bound(self.store().reader(), walk)
            .await?
            .unwrap_or_default())
    }

    /// Writes a send's execution, idempotency key and starting point (in `tx`).
    async fn write_send(&self, tx: &mut store::Conn, s: &SendStart<'_>) -> Result<()> {
        let call = NewCall {
            execution: s.execution,
            messages: &[],
            idempotency_key: &s.execution.request_id,
            request_hash: s.request_hash,
            key_expires_at: s.execution.now
                + self.settings().idempotency_retention.as_millis() as Millis,
        };
        store::executions::insert_calls(tx, &[call]).await?;
        store::audience_sends::insert(
            tx,
            &NewSend {
                execution_id: s.execution.id,
                sandbox_id: s.sandbox_id,
                audience_id: s.audience.id,
                audience_name: &s.audience.name,
                context: s.context,
                upper_bound: s.upper_bound,
            },
        )
        .await?;
        Ok(())
    }

    /// A schedule of the caller's sandbox, with its send once it has fired.
    pub async fn audience_schedule(
        &self,
        caller: &ApiCaller,
        schedule_id: &str,
    ) -> Result<(ScheduleRow, Option<AudienceSendView>)> {
        let schedule = self.caller_schedule(caller, schedule_id).await?;
        let send = match schedule.execution_id {
            Some(id) => Some(self.audience_send(caller, &id.to_string()).await?),
            None => None,
        };
        Ok((schedule, send))
    }

    /// Deletes a schedule before it fires; once it has, `schedule_already_triggered`.
    pub async fn delete_audience_schedule(
        &self,
        caller: &ApiCaller,
        schedule_id: &str,
    ) -> Result<()> {
        let schedule = self.caller_schedule(caller, schedule_id).await?;
        let mut conn = self.store().acquire().await?;
        if store::audience_schedules::delete_unfired(&mut conn, schedule.id).await? {
            tracing::info!(schedule_id = %schedule.id, "audience schedule deleted");
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Conflict,
            "schedule_already_triggered",
            "This schedule has already fired (or was missed); a schedule can be deleted only \
             before its time. Follow its send with GET /ajo/im/executions/audience/{executionId}.",
        ))
    }

    async fn caller_schedule(&self, caller: &ApiCaller, schedule_id: &str) -> Result<ScheduleRow> {
        let not_found = || Error::not_found("schedule_not_found", "No schedule has this id.");
        let id: ScheduleId = schedule_id.parse().map_err(|_| not_found())?;
        let schedule = store::audience_schedules::by_id(self.store().reader(), id)
            .await?
            .filter(|s| s.sandbox_id == caller.sandbox.id)
            .ok_or_else(not_found)?;
        caller.check_campaign(schedule.campaign_id)?;
        Ok(schedule)
    }

    /// Starts the schedules that are due, marks missed the ones found too late, and failed the
    /// ones that cannot start; returns how many were handled.
    pub async fn fire_due_schedules(&self) -> Result<usize> {
        let mut handled = 0;
        loop {
            let now = now_ms();
            let mut tx = self.store().begin().await?;
            let Some(schedule) = store::audience_schedules::take_due(&mut tx, now).await? else {
                return Ok(handled);
            };
            handled += 1;
            let late = now - schedule.execute_at;
            let grace = self.settings().schedule_grace.as_millis() as Millis;
            let (status, execution, failure) = if late > grace {
                let why = format!(
                    "found {} s after its time (Herald was not running), more than the {} s grace \
                     period (HERALD_SCHEDULE_GRACE_SECS): not sent",
                    late / 1000,
                    grace / 1000
                );
                (ScheduleStatus::Missed, None, Some(why))
            } else {
                match self.start_scheduled(&mut tx, &schedule, now).await? {
                    Ok(execution) => (ScheduleStatus::Triggered, Some(execution), None),
                    Err(why) => (ScheduleStatus::Failed, None, Some(why)),
                }
            };
            store::audience_schedules::set_fired(
                &mut tx,
                schedule.id,
                status,
                execution,
                failure.as_deref(),
                now,
            )
            .await?;
            tx.commit().await?;
            tracing::info!(schedule_id = %schedule.id, status = status.as_str(), failure, "audience schedule fired");
            if execution.is_some() {
                self.inner.fan_out_signal.notify_one();
            }
        }
    }

    /// Writes the send of a due schedule in `tx`; `Ok(Err(why))` when it cannot start.
    async fn start_scheduled(
        &self,
        tx: &mut store::Conn,
        schedule: &ScheduleRow,
        now: Millis,
    ) -> Result<std::result::Result<ExecutionId, String>> {
        let campaign = self.campaign_row(schedule.campaign_id).await?;
        let version = match live_version(&campaign, now) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e.message)),
        };
        let Some(audience) =
            store::audiences::by_id(self.store().reader(), schedule.audience_id).await?
        else {
            return Ok(Err("the audience was deleted".into()));
        };
        let execution = NewExecution {
            id: ExecutionId::new(),
            campaign_id: campaign.id,
            surface_id: campaign.surface_id,
            campaign_version: version,
            request_id: schedule.request_id.clone(),
            api_key_id: schedule.api_key_id,
            now,
        };
        let upper_bound = self.upper_bound_of(&audience).await?;
        let start = SendStart {
            execution: &execution,
            sandbox_id: &schedule.sandbox_id,
            audience: &audience,
            context: &schedule.context,
            request_hash: &schedule.request_hash,
            upper_bound: &upper_bound,
        };
        self.write_send(tx, &start).await?;
        Ok(Ok(execution.id))
    }

    /// An audience send of the caller's sandbox and its messages' progress. Unknown ids, unitary
    /// executions and other sandboxes' sends are all `execution_not_found`.
    pub async fn audience_send(
        &self,
        caller: &ApiCaller,
        execution_id: &str,
    ) -> Result<AudienceSendView> {
        let not_found = || Error::not_found("execution_not_found", "No audience send has this id.");
        let id: ExecutionId = execution_id.parse().map_err(|_| not_found())?;
        let pool = self.store().reader();
        let execution = store::executions::execution(pool, &caller.sandbox.id, id)
            .await?
            .ok_or_else(not_found)?;
        caller.check_campaign(execution.campaign_id)?;
        let send = store::audience_sends::by_execution(pool, id)
            .await?
            .ok_or_else(not_found)?;
        let messages = store::audience_sends::message_counts(pool, id).await?;
        Ok(AudienceSendView {
            execution,
            send,
            messages,
        })
    }

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
                                prepare_message(&at, &compiled, links, region.as_ref())
                                    .unwrap_or_else(|errors| invalid(&at, compiled.channel, errors))
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
        if store::audience_sends::finish(&mut conn, id, Some(token), status, failure, now_ms())
            .await?
        {
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
        let worked = match herald.work_on_next_send().await {
            Ok(worked) => worked,
            Err(_) => false, // logged; retried after a pause
        };
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
