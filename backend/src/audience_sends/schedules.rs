//! Scheduled audience sends: shown, deleted before their time, fired once at it (or marked
//! missed when found past the grace period).

use super::SendStart;
use crate::accounts::Actor;
use crate::accounts::Caller;
use crate::clock::{Millis, now_ms};
use crate::error::{Error, ErrorKind, Result};
use crate::executions::live_version;
use crate::store::audience_schedules::ScheduleRow;
use crate::store::executions::NewExecution;
use crate::{Herald, store};
use domain::audience::{AudienceSchedule, AudienceSendStatus, ScheduleStatus};
use domain::ids::{ExecutionId, ScheduleId};
use domain::local_time::LocalTime;

impl Herald {
    /// A schedule of the caller's sandbox, with its send once it has fired.
    pub async fn audience_schedule(
        &self,
        caller: &Caller,
        schedule_id: &str,
    ) -> Result<(AudienceSchedule, Option<AudienceSendStatus>)> {
        let schedule = self.caller_schedule(caller, schedule_id).await?;
        let send = match schedule.execution_id {
            Some(id) => Some(self.audience_send(caller, &id.to_string()).await?),
            None => None,
        };
        Ok((schedule.view(), send))
    }

    /// Deletes a schedule before it fires; once it has, `schedule_already_triggered`.
    pub async fn delete_audience_schedule(&self, caller: &Caller, schedule_id: &str) -> Result<()> {
        caller.require(domain::tenancy::Permission::Trigger)?;
        let schedule = self.caller_schedule(caller, schedule_id).await?;
        let mut tx = self.store().begin().await?;
        if store::audience_schedules::delete_unfired(&mut tx, schedule.id).await? {
            let detail = format!("for {}", domain::dates::format_utc(schedule.execute_at));
            store::audit::record(
                &mut tx,
                &schedule.sandbox_id,
                schedule.campaign_id,
                &caller.who(),
                "deleted a schedule",
                &detail,
                now_ms(),
            )
            .await?;
            tx.commit().await?;
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

    async fn caller_schedule(&self, caller: &Caller, schedule_id: &str) -> Result<ScheduleRow> {
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
            // A local-time send is missed only once its last zone is past: the fan-out
            // excludes the members whose time has passed.
            let last_due = match schedule.local_time.as_deref().map(LocalTime::parse) {
                Some(Ok(time)) => time.latest(),
                _ => schedule.execute_at,
            };
            let late = now - last_due;
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
        let audience = match schedule.audience_id {
            Some(id) => store::audiences::by_id(self.store().reader(), id).await?,
            None => None,
        };
        let Some(audience) = audience else {
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
        let by_key = || Actor::ApiKey(schedule.api_key_id).to_string();
        let started_by = schedule.started_by.clone().unwrap_or_else(by_key);
        let start = SendStart {
            execution: &execution,
            sandbox_id: &schedule.sandbox_id,
            audience: &audience,
            context: &schedule.context,
            request_hash: &schedule.request_hash,
            upper_bound: &upper_bound,
            started_by: &started_by,
            local_time: schedule.local_time.as_deref(),
        };
        self.write_send(tx, &start).await?;
        Ok(Ok(execution.id))
    }
}
