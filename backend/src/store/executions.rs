//! Executions (accepted trigger calls), the messages they enqueue, and idempotency keys.

use crate::clock::Millis;
use domain::ids::{ExecutionId, MessageId};
use sqlx::{FromRow, SqliteConnection, SqlitePool};

#[derive(Debug, Clone, FromRow)]
pub struct ExecutionRow {
    pub id: String,
    pub campaign_id: String,
    pub campaign_version: i64,
    pub request_id: String,
    pub api_key_id: String,
    pub created_at: i64,
}

pub struct NewExecution {
    pub id: ExecutionId,
    pub campaign_id: String,
    pub campaign_version: i64,
    pub request_id: String,
    pub api_key_id: String,
    pub now: Millis,
}

pub struct NewMessage {
    pub id: MessageId,
    pub recipient_index: i64,
    pub user_id: String,
    pub address: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
}

/// A stored idempotency key that has not expired.
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub execution: ExecutionRow,
}

const EXECUTION_COLUMNS: &str =
    "e.id, e.campaign_id, e.campaign_version, e.request_id, e.api_key_id, e.created_at";

/// The unexpired record of `key` for this campaign, if any.
pub async fn idempotency_record(
    conn: &mut SqliteConnection,
    campaign_id: &str,
    key: &str,
    now: Millis,
) -> sqlx::Result<Option<IdempotencyRecord>> {
    let row: Option<(String, String, String, i64, String, String, i64)> = sqlx::query_as(
        "SELECT k.request_hash, e.id, e.campaign_id, e.campaign_version, e.request_id, e.api_key_id, e.created_at
           FROM idempotency_keys k JOIN executions e ON e.id = k.execution_id
          WHERE k.campaign_id = ? AND k.key = ? AND k.expires_at > ?",
    )
    .bind(campaign_id)
    .bind(key)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(request_hash, id, campaign_id, campaign_version, request_id, api_key_id, created_at)| {
            IdempotencyRecord {
                request_hash,
                execution: ExecutionRow {
                    id,
                    campaign_id,
                    campaign_version,
                    request_id,
                    api_key_id,
                    created_at,
                },
            }
        },
    ))
}

/// Inserts the execution, queues its messages and records its idempotency key (replacing an
/// expired record of the same key); call inside the accepting transaction.
pub async fn insert_execution(
    conn: &mut SqliteConnection,
    e: &NewExecution,
    messages: &[NewMessage],
    idempotency_key: &str,
    request_hash: &str,
    key_expires_at: Millis,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO executions (id, campaign_id, campaign_version, request_id, api_key_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(e.id.to_string())
    .bind(&e.campaign_id)
    .bind(e.campaign_version)
    .bind(&e.request_id)
    .bind(&e.api_key_id)
    .bind(e.now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT OR REPLACE INTO idempotency_keys (campaign_id, key, request_hash, execution_id, expires_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&e.campaign_id)
    .bind(idempotency_key)
    .bind(request_hash)
    .bind(e.id.to_string())
    .bind(key_expires_at)
    .execute(&mut *conn)
    .await?;
    for m in messages {
        sqlx::query(
            "INSERT INTO messages (id, execution_id, campaign_id, recipient_index, user_id, channel, address,
                 subject, html_body, text_body, status, next_attempt_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, 'email', ?, ?, ?, ?, 'queued', ?, ?, ?)",
        )
        .bind(m.id.to_string())
        .bind(e.id.to_string())
        .bind(&e.campaign_id)
        .bind(m.recipient_index)
        .bind(&m.user_id)
        .bind(&m.address)
        .bind(&m.subject)
        .bind(&m.html_body)
        .bind(&m.text_body)
        .bind(e.now)
        .bind(e.now)
        .bind(e.now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Deletes idempotency keys that expired before `now`; returns how many.
pub async fn purge_expired_keys(conn: &mut SqliteConnection, now: Millis) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= ?")
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
}

pub async fn execution(pool: &SqlitePool, id: &str) -> sqlx::Result<Option<ExecutionRow>> {
    sqlx::query_as(&format!(
        "SELECT {EXECUTION_COLUMNS} FROM executions e WHERE e.id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct MessageStatusRow {
    pub id: String,
    pub recipient_index: i64,
    pub user_id: String,
    pub channel: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    pub message_id: String,
    pub attempt: i64,
    pub started_at: i64,
    pub finished_at: i64,
    pub provider: String,
    pub outcome: String,
    pub detail: Option<String>,
}

/// The messages of an execution in recipient order, and all their attempts (two queries).
pub async fn execution_messages(
    pool: &SqlitePool,
    execution_id: &str,
) -> sqlx::Result<(Vec<MessageStatusRow>, Vec<AttemptRow>)> {
    let messages = sqlx::query_as(
        "SELECT id, recipient_index, user_id, channel, status, status_reason, attempts, created_at, updated_at
           FROM messages WHERE execution_id = ? ORDER BY recipient_index",
    )
    .bind(execution_id)
    .fetch_all(pool)
    .await?;
    let attempts = sqlx::query_as(
        "SELECT a.message_id, a.attempt, a.started_at, a.finished_at, a.provider, a.outcome, a.detail
           FROM message_attempts a JOIN messages m ON m.id = a.message_id
          WHERE m.execution_id = ? ORDER BY m.recipient_index, a.attempt",
    )
    .bind(execution_id)
    .fetch_all(pool)
    .await?;
    Ok((messages, attempts))
}
