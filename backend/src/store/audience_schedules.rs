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
}

const COLUMNS: &str = "id, sandbox_id, campaign_id, audience_id, context, request_id, request_hash,
    api_key_id, execute_at, status, execution_id, failure, created_at, fired_at";

/// Stores a new schedule; false when the campaign already has one with this request id.
pub async fn insert(conn: &mut Conn, s: &ScheduleRow) -> sqlx::Result<bool> {
    let result = on!(conn, c => sqlx::query(
        "INSERT INTO audience_schedules (id, sandbox_id, campaign_id, audience_id, context,
             request_id, request_hash, api_key_id, execute_at, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10)",
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
