//! Audience sends to start later.
//!
//! Invariant: a schedule leaves `scheduled` once, in the transaction that starts its send (or
//! marks it missed or failed): [`take_due`] locks it (PostgreSQL: `SKIP LOCKED`, so two nodes
//! never take the same one; SQLite: the one writer), so it fires at most once.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::audience::ScheduleStatus;
use domain::ids::{ApiKeyId, AudienceId, CampaignId, ExecutionId, ScheduleId};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ScheduleRow {
    pub id: ScheduleId,
    pub sandbox_id: String,
    pub campaign_id: CampaignId,
    /// `None`: the audience was deleted (the schedule then fails at its time).
    pub audience_id: Option<AudienceId>,
    pub context: String,
    pub request_id: String,
    pub request_hash: String,
    pub api_key_id: ApiKeyId,
    pub execute_at: i64,
    pub status: ScheduleStatus,
    pub execution_id: Option<ExecutionId>,
    pub failure: Option<String>,
    pub created_at: i64,
    pub fired_at: Option<i64>,
    /// Who made it, as the audit log names actors; `None` on schedules older than the column.
    pub started_by: Option<String>,
    /// A local-time send's wall-clock time (`2026-12-24T09:00:00`); `execute_at` is then when
    /// the first zone reaches it.
    pub local_time: Option<String>,
}

impl ScheduleRow {
    /// The schedule as callers see it.
    pub fn view(&self) -> domain::audience::AudienceSchedule {
        domain::audience::AudienceSchedule {
            id: self.id,
            campaign_id: self.campaign_id,
            audience_id: self.audience_id,
            execute_at: self.execute_at,
            local_time: self.local_time.clone(),
            status: self.status,
            request_id: self.request_id.clone(),
            created_at: self.created_at,
            failure: self.failure.clone(),
        }
    }
}

const COLUMNS: &str = "id, sandbox_id, campaign_id, audience_id, context, request_id, request_hash,
    api_key_id, execute_at, status, execution_id, failure, created_at, fired_at, started_by,
    local_time";

/// Stores a new schedule; false when the campaign already has one with this request id.
pub async fn insert(conn: &mut Conn, s: &ScheduleRow) -> sqlx::Result<bool> {
    let result = on!(conn, c => sqlx::query(
        "INSERT INTO audience_schedules (id, sandbox_id, campaign_id, audience_id, context,
             request_id, request_hash, api_key_id, execute_at, status, created_at, started_by,
             local_time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10, $11, $12)",
    )
    .bind(s.id)
    .bind(&s.sandbox_id)
    .bind(s.campaign_id)
    .bind(s.audience_id)
    .bind(&s.context)
    .bind(&s.request_id)
    .bind(&s.request_hash)
    .bind(s.api_key_id)
    .bind(s.execute_at)
    .bind(s.created_at)
    .bind(&s.started_by)
    .bind(&s.local_time)
    .execute(c).await.map(drop));
    match result {
        Ok(()) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn by_id(pool: Reader<'_>, id: ScheduleId) -> sqlx::Result<Option<ScheduleRow>> {
    on!(pool, c => sqlx::query_as(&format!("SELECT {COLUMNS} FROM audience_schedules WHERE id = $1"))
        .bind(id)
        .fetch_optional(c).await)
}

pub async fn by_request(
    pool: Reader<'_>,
    campaign: CampaignId,
    request_id: &str,
) -> sqlx::Result<Option<ScheduleRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audience_schedules WHERE campaign_id = $1 AND request_id = $2"
    ))
    .bind(campaign)
    .bind(request_id)
    .fetch_optional(c).await)
}

/// A schedule as a campaign's page lists it.
#[derive(FromRow)]
pub struct ListedSchedule {
    #[sqlx(flatten)]
    pub schedule: ScheduleRow,
    /// `None`: the audience was deleted.
    pub audience_name: Option<String>,
    /// The person's email, or `API key <name>`.
    pub started_by_name: String,
}

/// A campaign's schedules: those still to fire (soonest first), then the newest fired ones.
pub async fn of_campaign(
    pool: Reader<'_>,
    campaign: CampaignId,
    limit: i64,
) -> sqlx::Result<Vec<ListedSchedule>> {
    on!(pool, c => sqlx::query_as(
        "SELECT s.id, s.sandbox_id, s.campaign_id, s.audience_id, s.context, s.request_id,
                s.request_hash, s.api_key_id, s.execute_at, s.status, s.execution_id, s.failure,
                s.created_at, s.fired_at, s.started_by, s.local_time, a.name AS audience_name,
                COALESCE(u.email, 'API key ' || k.name) AS started_by_name
           FROM audience_schedules s
           JOIN api_keys k ON k.id = s.api_key_id
           LEFT JOIN audiences a ON a.id = s.audience_id
           LEFT JOIN users u ON s.started_by = 'user:' || u.id
          WHERE s.campaign_id = $1
          ORDER BY CASE WHEN s.status = 'scheduled' THEN 0 ELSE 1 END,
                   CASE WHEN s.status = 'scheduled' THEN s.execute_at ELSE -COALESCE(s.fired_at, 0) END
          LIMIT $2",
    )
    .bind(campaign)
    .bind(limit)
    .fetch_all(c).await)
}

/// Deletes a schedule that has not fired; false when it had (or is gone).
pub async fn delete_unfired(conn: &mut Conn, id: ScheduleId) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "DELETE FROM audience_schedules WHERE id = $1 AND status = 'scheduled'",
    )
    .bind(id)
    .execute(c).await
    .map(|r| r.rows_affected() == 1))
}

/// The earliest schedule due at `now`, locked until the transaction ends.
pub async fn take_due(conn: &mut Conn, now: Millis) -> sqlx::Result<Option<ScheduleRow>> {
    let skip_locked = conn.dialect().skip_locked();
    on!(conn, c => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audience_schedules
          WHERE status = 'scheduled' AND execute_at <= $1
          ORDER BY execute_at LIMIT 1{skip_locked}"
    ))
    .bind(now)
    .fetch_optional(c).await)
}

/// Records how a due schedule ended.
pub async fn set_fired(
    conn: &mut Conn,
    id: ScheduleId,
    status: ScheduleStatus,
    execution: Option<ExecutionId>,
    failure: Option<&str>,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "UPDATE audience_schedules SET status = $2, execution_id = $3, failure = $4, fired_at = $5
          WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(execution)
    .bind(failure)
    .bind(now)
    .execute(c).await
    .map(drop))
}
