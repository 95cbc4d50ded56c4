//! Executions (accepted trigger calls) and the messages they enqueue.

use crate::clock::Millis;
use domain::ids::{ExecutionId, MessageId};
use sqlx::{FromRow, SqliteConnection};

#[derive(Debug, Clone, FromRow)]
pub struct ExecutionRow {
    pub id: String,
    pub request_id: String,
    pub request_hash: String,
    pub api_key_id: String,
    pub created_at: i64,
}

pub struct NewExecution<'a> {
    pub id: ExecutionId,
    pub campaign_id: &'a str,
    pub campaign_version: i64,
    pub request_id: &'a str,
    pub request_hash: &'a str,
    pub api_key_id: &'a str,
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

pub async fn execution_by_request(
    conn: &mut SqliteConnection,
    campaign_id: &str,
    request_id: &str,
) -> sqlx::Result<Option<ExecutionRow>> {
    sqlx::query_as(
        "SELECT id, request_id, request_hash, api_key_id, created_at FROM executions
         WHERE campaign_id = ? AND request_id = ?",
    )
    .bind(campaign_id)
    .bind(request_id)
    .fetch_optional(conn)
    .await
}

/// Inserts the execution and queues its messages; call inside the accepting transaction.
pub async fn insert_execution(
    conn: &mut SqliteConnection,
    e: &NewExecution<'_>,
    messages: &[NewMessage],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO executions (id, campaign_id, campaign_version, request_id, request_hash, api_key_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(e.id.to_string())
    .bind(e.campaign_id)
    .bind(e.campaign_version)
    .bind(e.request_id)
    .bind(e.request_hash)
    .bind(e.api_key_id)
    .bind(e.now)
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
        .bind(e.campaign_id)
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
