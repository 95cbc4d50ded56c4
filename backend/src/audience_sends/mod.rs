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
//!   message. The next batch is read and rendered while one commits; commits stay in order,
//!   each from the checkpoint the one before wrote.
//! - Members without a usable address (or whose message cannot be rendered) get a message that
//!   is excluded (`invalid_recipient`) with the reason, so every member is accounted for.
//!   Suppressed and opted-out addresses are excluded in the batch's transaction, as for
//!   unitary calls.
//! - Delivery paces the queued messages by the campaign's and the surface's rates.
//! - A campaign stopped (or past its end) while its send runs ends the send `failed`: no more
//!   members are queued; what was queued is delivered, as accepted messages always are.

use crate::accounts::Caller;
use crate::audiences::Members;
use crate::clock::{Millis, now_ms};
use crate::error::{Error, ErrorKind, Result};
use crate::executions::{Accepted, campaign_not_found, is_present, live_version, request_hash};
use crate::store::audience_schedules::ScheduleRow;
use crate::store::audience_sends::NewSend;
use crate::store::audiences::AudienceRow;
use crate::store::campaigns::CampaignRow;
use crate::store::executions::{NewCall, NewExecution};
use crate::{Herald, store};
use domain::FieldError;
use domain::audience::{
    AudienceSchedule, AudienceSendStatus, AudienceSendSummary, BrowserSend, CampaignSends,
    ScheduleStatus, ScheduleSummary,
};
use domain::ids::{CampaignId, ExecutionId, ScheduleId};
use domain::report::{Exclusion, Happening, Segment, Tally};
use domain::tenancy::Permission;
use domain::trigger::{AudienceRef, AudienceRequest, AudienceTrigger, ScheduleDto};
use serde_json::{Map, Value};

/// A call whose `executeAt` is at most this far ahead starts now.
const SCHEDULE_MARGIN_MS: Millis = 1000;

/// What an accepted audience call became.
#[derive(Debug, Clone)]
pub enum AudienceAnswer {
    Started(Accepted),
    Scheduled {
        schedule: Box<AudienceSchedule>,
        replay: bool,
    },
}

/// What starting a send writes.
struct SendStart<'a> {
    execution: &'a NewExecution,
    sandbox_id: &'a str,
    audience: &'a AudienceRow,
    context: &'a str,
    request_hash: &'a str,
    upper_bound: &'a str,
    /// Who started it, as the audit log names actors.
    started_by: &'a str,
    /// A local-time send's wall-clock time.
    local_time: Option<&'a str>,
}

/// A call whose requestId names a stored schedule: the same schedule again if it is the same
/// call from the same key, else refused as any reused key is.
fn scheduled_again(
    stored: ScheduleRow,
    request_hash: &str,
    caller: &Caller,
) -> Result<AudienceAnswer> {
    let (hash, key) = (stored.request_hash.clone(), stored.api_key_id);
    crate::executions::commit::repeat_of(&hash, key, request_hash, caller.api_key_id, || {
        AudienceAnswer::Scheduled {
            schedule: Box::new(stored.view()),
            replay: true,
        }
    })
}

impl Herald {
    /// Validates and durably accepts an audience call: a send that starts now (its messages
    /// are queued in the background), or, with a future `executeAt`, a schedule.
    #[tracing::instrument(skip_all)]
    pub async fn start_audience_send(
        &self,
        caller: &Caller,
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
        let actor = caller.actor().to_string();
        let local_time = trigger.local_time.map(|t| t.to_string());
        if let Some(execute_at) = trigger
            .execute_at
            .filter(|at| *at > now + SCHEDULE_MARGIN_MS)
        {
            let row = ScheduleRow {
                id: ScheduleId::new(),
                sandbox_id: caller.sandbox.id.clone(),
                campaign_id: campaign.id,
                audience_id: Some(audience.id),
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
                started_by: Some(actor.clone()),
                local_time: local_time.clone(),
            };
            let mut tx = self.store().begin().await?;
            if !store::audience_schedules::insert(&mut tx, &row).await? {
                drop(tx);
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
            let when = match trigger.local_time {
                Some(time) => format!("{} in each member's time zone", time.describe()),
                None => domain::dates::format_utc(execute_at),
            };
            let detail = format!("to “{}” at {when}", audience.name);
            store::audit::record(
                &mut tx,
                &caller.sandbox.id,
                campaign.id,
                &caller.who(),
                "scheduled a send",
                &detail,
                now,
            )
            .await?;
            tx.commit().await?;
            tracing::info!(schedule_id = %row.id, campaign_id = %campaign.id, execute_at, "audience send scheduled");
            return Ok(AudienceAnswer::Scheduled {
                schedule: Box::new(row.view()),
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
            return crate::executions::commit::repeat_of(
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
            started_by: &actor,
            local_time: local_time.as_deref(),
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
        caller: &Caller,
        trigger: &AudienceTrigger,
        now: Millis,
    ) -> Result<(CampaignRow, i64, AudienceRow)> {
        caller.require(Permission::Trigger)?;
        let campaign = self.campaign_row(trigger.campaign_id).await?;
        if campaign.sandbox_id != caller.sandbox.id {
            return Err(campaign_not_found());
        }
        caller.check_campaign(campaign.id)?;
        let version = live_version(&campaign, now)?;
        let grace = self.settings().schedule_grace.as_millis() as Millis;
        if let Some(time) = trigger.local_time
            && time.latest() + grace < now
        {
            return Err(domain::ValidationError::single(
                "invalid_request",
                "schedule.localTime",
                "has passed in every time zone",
            )
            .into());
        }
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

    /// Writes a send's execution, idempotency key, starting point and audit entry (in `tx`).
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
                started_by: s.started_by,
                local_time: s.local_time,
            },
        )
        .await?;
        store::audit::record(
            tx,
            s.sandbox_id,
            s.execution.campaign_id,
            &store::audit::Who::without_address(s.started_by),
            "sent to an audience",
            &format!("“{}”, execution {}", s.audience.name, s.execution.id),
            s.execution.now,
        )
        .await?;
        Ok(())
    }

    /// Cancels a send of this sandbox that is queueing members or has messages waiting: no more
    /// members are queued, and its messages still waiting are excluded (`cancelled`); those
    /// already handed to a provider go on. Otherwise `send_not_running`.
    #[tracing::instrument(skip_all)]
    pub async fn cancel_audience_send(&self, caller: &Caller, execution_id: &str) -> Result<u64> {
        caller.require(Permission::Trigger)?;
        let not_found = || Error::not_found("execution_not_found", "No audience send has this id.");
        let id: ExecutionId = execution_id.parse().map_err(|_| not_found())?;
        let sandbox_id = &caller.sandbox.id;
        let execution = store::executions::execution(self.store().reader(), sandbox_id, id)
            .await?
            .ok_or_else(not_found)?;
        caller.check_campaign(execution.campaign_id)?;
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let why = "the audience send was cancelled";
        if !store::audience_sends::cancel(&mut tx, id, why, now).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "send_not_running",
                "This audience send has ended and none of its messages waits to be sent (or it is \
                 not an audience send): there is nothing to cancel.",
            ));
        }
        let excluded = store::audience_sends::exclude_queued(&mut tx, id, why, now).await?;
        let mut tally = Tally::default();
        for (_, campaign_id, version, locale, platform) in &excluded {
            let segment = Segment {
                campaign_id: *campaign_id,
                version: *version,
                locale: locale.clone().unwrap_or_default(),
                platform: platform.clone().unwrap_or_default(),
            };
            tally.add(&segment, now, &Happening::Excluded(Exclusion::Cancelled));
        }
        let ids: Vec<_> = excluded.iter().map(|m| m.0).collect();
        let at = domain::dates::format_rfc3339(now);
        store::webhooks::enqueue(&mut tx, "excluded", &ids, &at, now).await?;
        store::reports::add(&mut tx, &tally).await?;
        let detail = format!("execution {id}: {} waiting messages not sent", ids.len());
        store::audit::record(
            &mut tx,
            sandbox_id,
            execution.campaign_id,
            &caller.who(),
            "cancelled a send",
            &detail,
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(execution_id = %id, excluded = ids.len(), "audience send cancelled");
        Ok(ids.len() as u64)
    }

    /// A campaign of this sandbox's newest audience sends, with their progress, and its
    /// schedules: those to come (soonest first), then the newest that fired.
    pub async fn campaign_sends(
        &self,
        sandbox_id: &str,
        campaign_id: CampaignId,
    ) -> Result<CampaignSends> {
        let campaign = self.campaign_row(campaign_id).await?;
        if campaign.sandbox_id != sandbox_id {
            return Err(campaign_not_found());
        }
        let pool = self.store().reader();
        let rows = store::audience_sends::of_campaign(pool, campaign_id, 10).await?;
        let mut sends = Vec::with_capacity(rows.len());
        for listed in rows {
            let send = listed.send;
            let counts = store::audience_sends::message_counts(pool, send.execution_id).await?;
            let count = |status: &str| counts.iter().find(|(s, _)| s == status).map_or(0, |c| c.1);
            sends.push(AudienceSendSummary {
                execution_id: send.execution_id.to_string(),
                request_id: listed.request_id,
                audience_name: send.audience_name,
                status: send.status,
                targeted: send.targeted,
                queued: send.queued,
                excluded: send.excluded,
                sent: count("sent"),
                failed: count("failed"),
                waiting: count("queued") + count("sending"),
                failure: send.failure,
                created_at: listed.created_at,
                finished_at: send.finished_at,
                started_by: listed.started_by,
            });
        }
        let schedules = store::audience_schedules::of_campaign(pool, campaign_id, 10)
            .await?
            .into_iter()
            .map(|l| ScheduleSummary {
                schedule_id: l.schedule.id.to_string(),
                audience_name: l.audience_name,
                execute_at: l.schedule.execute_at,
                status: l.schedule.status,
                failure: l.schedule.failure,
                started_by: l.started_by_name,
                local_time: l.schedule.local_time.as_deref().and_then(|t| {
                    domain::local_time::LocalTime::parse(t)
                        .ok()
                        .map(|t| t.describe())
                }),
            })
            .collect();
        Ok(CampaignSends { sends, schedules })
    }

    /// Sends a campaign to an audience (now or at `execute_at`) for a person in the browser:
    /// the same call as `POST /ajo/im/executions/audience`, made through the sandbox's console
    /// key and recorded under the person's name.
    pub async fn send_from_browser(
        &self,
        caller: &Caller,
        send: BrowserSend,
    ) -> Result<AudienceAnswer> {
        let context = match send.context.trim() {
            "" => Map::new(),
            text => serde_json::from_str(text).map_err(|e| {
                domain::ValidationError::single(
                    "invalid_request",
                    "context",
                    format!("is not a JSON object: {e}"),
                )
            })?,
        };
        let request = AudienceRequest {
            request_id: Some(send.request_id),
            campaign_id: Some(send.campaign_id),
            audience: (!send.audience_id.is_empty()).then_some(AudienceRef {
                id: Some(send.audience_id),
            }),
            context: Some(context),
            schedule: (send.execute_at.is_some() || send.local_time.is_some()).then_some(
                ScheduleDto {
                    execute_at: send.execute_at,
                    local_time: send.local_time,
                },
            ),
        };
        let hash = request_hash(&request);
        let trigger = AudienceTrigger::parse(request)?;
        self.start_audience_send(caller, trigger, &hash).await
    }

    /// An audience send of the caller's sandbox and its messages' progress. Unknown ids, unitary
    /// executions and other sandboxes' sends are all `execution_not_found`.
    pub async fn audience_send(
        &self,
        caller: &Caller,
        execution_id: &str,
    ) -> Result<AudienceSendStatus> {
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
        let count = |status: &str| {
            messages
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n)
        };
        Ok(AudienceSendStatus {
            execution_id: execution.id,
            request_id: execution.request_id,
            campaign_id: execution.campaign_id,
            audience_id: send.audience_id,
            audience_name: send.audience_name,
            status: send.status,
            targeted: send.targeted,
            created_at: execution.created_at,
            queued: send.queued,
            sent: count("sent"),
            failed: count("failed"),
            excluded: count("excluded"),
            failure: send.failure,
            finished_at: send.finished_at,
            local_time: send.local_time,
        })
    }
}

mod fan_out;
mod local_time;
mod schedules;

pub(crate) use fan_out::run_fan_out;
