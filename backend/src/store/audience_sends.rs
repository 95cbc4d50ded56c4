//! Audience sends: where each one stands, and the lease of the node walking it.
//!
//! Invariant: a batch's messages and the send's new checkpoint are written in one transaction
//! by [`advance`], which only succeeds for the lease holder at the checkpoint it read; a node
//! that lost its lease (or a replayed batch) changes nothing.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::audience::SendStatus;
use domain::ids::{AudienceId, CampaignId, ExecutionId, MessageId};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct SendRow {
    pub execution_id: ExecutionId,
    pub sandbox_id: String,
    pub audience_id: Option<AudienceId>,
    pub audience_name: String,
    /// The JSON object every recipient's `context` is.
    pub context: String,
    pub status: SendStatus,
    pub upper_bound: String,
    pub checkpoint: String,
    pub targeted: Option<i64>,
    pub queued: i64,
    pub excluded: i64,
    pub failure: Option<String>,
    pub finished_at: Option<i64>,
    /// A local-time send's wall-clock time (`2026-12-24T09:00:00`); `None`: sent at once.
    pub local_time: Option<String>,
}

const COLUMNS: &str = "execution_id, sandbox_id, audience_id, audience_name, context, status,
    upper_bound, checkpoint, targeted, queued, excluded, failure, finished_at, local_time";

pub struct NewSend<'a> {
    pub execution_id: ExecutionId,
    pub sandbox_id: &'a str,
    pub audience_id: AudienceId,
    pub audience_name: &'a str,
    pub context: &'a str,
    pub upper_bound: &'a str,
    /// Who started it, as the audit log names actors.
    pub started_by: &'a str,
    pub local_time: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, s: &NewSend<'_>) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO audience_sends (execution_id, sandbox_id, audience_id, audience_name, context,
             status, upper_bound, started_by, local_time)
         VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, $7, $8)",
    )
    .bind(s.execution_id)
    .bind(s.sandbox_id)
    .bind(s.audience_id)
    .bind(s.audience_name)
    .bind(s.context)
    .bind(s.upper_bound)
    .bind(s.started_by)
    .bind(s.local_time)
    .execute(c).await
    .map(drop))
}

pub async fn by_execution(pool: Reader<'_>, id: ExecutionId) -> sqlx::Result<Option<SendRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audience_sends WHERE execution_id = $1"
    ))
    .bind(id)
    .fetch_optional(c).await)
}

/// A send as a campaign's page lists it.
#[derive(FromRow)]
pub struct ListedSend {
    #[sqlx(flatten)]
    pub send: SendRow,
    pub request_id: String,
    pub created_at: i64,
    /// The person's email, or `API key <name>`.
    pub started_by: String,
}

/// The newest sends of a campaign.
pub async fn of_campaign(
    pool: Reader<'_>,
    campaign: CampaignId,
    limit: i64,
) -> sqlx::Result<Vec<ListedSend>> {
    on!(pool, c => sqlx::query_as(
        "SELECT s.execution_id, s.sandbox_id, s.audience_id, s.audience_name, s.context, s.status,
                s.upper_bound, s.checkpoint, s.targeted, s.queued, s.excluded, s.failure,
                s.finished_at, s.local_time, e.request_id, e.created_at,
                COALESCE(u.email, 'API key ' || k.name) AS started_by
           FROM audience_sends s JOIN executions e ON e.id = s.execution_id
           JOIN api_keys k ON k.id = e.api_key_id
           LEFT JOIN users u ON s.started_by = 'user:' || u.id
          WHERE e.campaign_id = $1 ORDER BY e.created_at DESC LIMIT $2",
    )
    .bind(campaign)
    .bind(limit)
    .fetch_all(c).await)
}

/// The unfinished sends whose lease is held by someone (for taking back a gone process's).
pub async fn leased(conn: &mut Conn) -> sqlx::Result<Vec<(ExecutionId, String)>> {
    on!(conn, c => sqlx::query_as(
        "SELECT execution_id, lease_token FROM audience_sends
          WHERE status = 'in_progress' AND lease_token IS NOT NULL",
    )
    .fetch_all(c).await)
}

/// Frees a lease at once (its holder is gone).
pub async fn free(conn: &mut Conn, id: ExecutionId, token: &str) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "UPDATE audience_sends SET lease_token = NULL, locked_until = 0
          WHERE execution_id = $1 AND lease_token = $2",
    )
    .bind(id)
    .bind(token)
    .execute(c).await
    .map(drop))
}

/// Takes the lease of one unfinished send whose lease is free, until `until`.
pub async fn claim(
    conn: &mut Conn,
    token: &str,
    now: Millis,
    until: Millis,
) -> sqlx::Result<Option<SendRow>> {
    let skip_locked = conn.dialect().skip_locked();
    on!(conn, c => sqlx::query_as(&format!(
        "UPDATE audience_sends SET lease_token = $1, locked_until = $3
          WHERE execution_id = (SELECT execution_id FROM audience_sends
                                 WHERE status = 'in_progress' AND locked_until < $2
                                 ORDER BY locked_until LIMIT 1{skip_locked})
            AND status = 'in_progress' AND locked_until < $2
         RETURNING {COLUMNS}"
    ))
    .bind(token)
    .bind(now)
    .bind(until)
    .fetch_optional(c).await)
}

/// Records the members counted at the start; only for the lease holder.
pub async fn set_targeted(
    conn: &mut Conn,
    id: ExecutionId,
    token: &str,
    targeted: i64,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE audience_sends SET targeted = $3 WHERE execution_id = $1 AND lease_token = $2",
    )
    .bind(id)
    .bind(token)
    .bind(targeted)
    .execute(c).await
    .map(|r| r.rows_affected() == 1))
}

/// One batch done: moves the checkpoint from `from` to `to` and the counts, and extends the
/// lease. False (change nothing, roll back) when the lease or the checkpoint moved meanwhile.
pub struct Advance<'a> {
    pub id: ExecutionId,
    pub token: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub queued: i64,
    pub excluded: i64,
    pub until: Millis,
}

pub async fn advance(conn: &mut Conn, a: &Advance<'_>) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE audience_sends SET checkpoint = $4, queued = queued + $5, excluded = excluded + $6,
             locked_until = $7
          WHERE execution_id = $1 AND lease_token = $2 AND checkpoint = $3
            AND status = 'in_progress'",
    )
    .bind(a.id)
    .bind(a.token)
    .bind(a.from)
    .bind(a.to)
    .bind(a.queued)
    .bind(a.excluded)
    .bind(a.until)
    .execute(c).await
    .map(|r| r.rows_affected() == 1))
}

/// Ends a send its lease holder has walked to the end (or cannot go on with). False when it had
/// ended, or the lease was taken.
pub async fn finish(
    conn: &mut Conn,
    id: ExecutionId,
    token: &str,
    status: SendStatus,
    failure: Option<&str>,
    now: Millis,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE audience_sends SET status = $3, failure = $4, finished_at = $5,
             lease_token = NULL, locked_until = 0
          WHERE execution_id = $1 AND status = 'in_progress' AND lease_token = $2",
    )
    .bind(id)
    .bind(token)
    .bind(status)
    .bind(failure)
    .bind(now)
    .execute(c).await
    .map(|r| r.rows_affected() == 1))
}

/// Marks a send cancelled while it queues members, or once it has while some of its messages
/// still wait in the outbox; false otherwise.
pub async fn cancel(
    conn: &mut Conn,
    id: ExecutionId,
    why: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE audience_sends SET status = 'cancelled', failure = $2, finished_at = $3,
             lease_token = NULL, locked_until = 0
          WHERE execution_id = $1
            AND (status = 'in_progress'
                 OR (status = 'succeeded' AND EXISTS (SELECT 1 FROM messages m
                      WHERE m.execution_id = $1 AND m.status = 'queued')))",
    )
    .bind(id)
    .bind(why)
    .bind(now)
    .execute(c).await
    .map(|r| r.rows_affected() == 1))
}

/// Excludes the send's messages still waiting in the outbox (`cancelled`, with `reason`);
/// returns each one's id and report segment (campaign, version, locale, platform).
pub async fn exclude_queued(
    conn: &mut Conn,
    id: ExecutionId,
    reason: &str,
    now: Millis,
) -> sqlx::Result<Vec<(MessageId, CampaignId, i64, Option<String>, Option<String>)>> {
    on!(conn, c => sqlx::query_as(
        "UPDATE messages SET status = 'excluded', reason_code = 'cancelled', status_reason = $2,
             updated_at = $3
          WHERE execution_id = $1 AND status = 'queued'
         RETURNING id, campaign_id, campaign_version, locale, platform",
    )
    .bind(id)
    .bind(reason)
    .bind(now)
    .fetch_all(c).await)
}

/// How many of a send's messages are in each status (queued, sending, sent, failed, excluded).
pub async fn message_counts(pool: Reader<'_>, id: ExecutionId) -> sqlx::Result<Vec<(String, i64)>> {
    on!(pool, c => sqlx::query_as(
        "SELECT status, COUNT(*) FROM messages WHERE execution_id = $1 GROUP BY status",
    )
    .bind(id)
    .fetch_all(c).await)
}
