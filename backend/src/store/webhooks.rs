//! Webhooks and their delivery outbox. Events are queued by `INSERT … SELECT` in the
//! transaction that records what happened, one row per subscribed webhook of the sandbox, with
//! the JSON body built by the database (`json_object`, `json_build_object`) from the message's
//! row.

use super::engine::on;
use super::{Conn, Dialect, Reader};
use crate::clock::Millis;
use domain::delivery::WebhookDeliveryStatus;
use domain::ids::MessageId;
use domain::views::{WebhookDeliveryView, WebhookView};
use sqlx::FromRow;

pub async fn insert(
    conn: &mut Conn,
    id: &str,
    sandbox_id: &str,
    url: &str,
    events_json: &str,
    sealed_secret: &[u8],
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO webhooks (id, sandbox_id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(sandbox_id)
    .bind(url)
    .bind(events_json)
    .bind(sealed_secret)
    .bind(now)
    .execute(c).await
        .map(drop))
}

#[derive(FromRow)]
struct WebhookRow {
    id: String,
    url: String,
    events: String,
    created_at: i64,
    pending: i64,
    failed: i64,
}

pub async fn list(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<WebhookView>> {
    let rows: Vec<WebhookRow> = on!(pool, c => sqlx::query_as(
        "SELECT w.id, w.url, w.events, w.created_at,
                (SELECT COUNT(*) FROM webhook_deliveries d
                  WHERE d.webhook_id = w.id AND d.status IN ('queued', 'sending')) AS pending,
                (SELECT COUNT(*) FROM webhook_deliveries d
                  WHERE d.webhook_id = w.id AND d.status = 'failed') AS failed
           FROM webhooks w WHERE w.sandbox_id = $1 ORDER BY w.created_at",
    )
    .bind(sandbox_id)
    .fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| WebhookView {
            events: serde_json::from_str(&r.events).unwrap_or_default(),
            id: r.id,
            url: r.url,
            created_at: r.created_at,
            pending: r.pending,
            failed: r.failed,
        })
        .collect())
}

/// Deletes a webhook of the sandbox (and its pending deliveries). Returns whether it existed.
pub async fn delete(conn: &mut Conn, sandbox_id: &str, id: &str) -> sqlx::Result<bool> {
    Ok(
        on!(conn, c => sqlx::query("DELETE FROM webhooks WHERE id = $1 AND sandbox_id = $2")
            .bind(id)
            .bind(sandbox_id)
            .execute(c).await
        .map(|r| r.rows_affected()))?
            == 1,
    )
}

/// Where each message's event goes: `INSERT … SELECT` over the messages whose ids are the JSON
/// array `$4`, with a random id and the JSON body built by the engine. The bodies hold the same
/// keys in the same order on both engines (PostgreSQL spaces them differently).
fn enqueue_sql(dialect: Dialect) -> String {
    let (id, object, subscribed, listed) = match dialect {
        Dialect::Sqlite => (
            "lower(hex(randomblob(16)))",
            "json_object",
            "SELECT 1 FROM json_each(w.events) WHERE value = $1",
            "SELECT value FROM json_each($4)",
        ),
        Dialect::Postgres => (
            "replace(gen_random_uuid()::text, '-', '')",
            "json_build_object",
            "SELECT 1 FROM jsonb_array_elements_text(w.events::jsonb) ev WHERE ev = $1",
            "SELECT jsonb_array_elements_text($4::jsonb)",
        ),
    };
    format!(
        "INSERT INTO webhook_deliveries
            (id, webhook_id, event, payload, status, next_attempt_at, created_at, updated_at)
         SELECT {id}, w.id, $1,
                CAST({object}('type', CAST($1 AS TEXT), 'occurredAt', CAST($2 AS TEXT),
                    'sandbox', s.name,
                    'message', {object}('id', m.id, 'executionId', m.execution_id,
                        'requestId', e.request_id, 'campaignId', m.campaign_id,
                        'channel', m.channel, 'status', m.status, 'reason', m.status_reason))
                    AS TEXT),
                'queued', $3, $3, $3
           FROM messages m
           JOIN executions e ON e.id = m.execution_id
           JOIN campaigns c ON c.id = m.campaign_id
           JOIN sandboxes s ON s.id = c.sandbox_id
           JOIN webhooks w ON w.sandbox_id = c.sandbox_id
          WHERE EXISTS ({subscribed}) AND m.id IN ({listed})"
    )
}

/// Queues `event` about these messages for every webhook of their sandbox that wants it: one
/// statement for all of them.
pub async fn enqueue(
    conn: &mut Conn,
    event: &str,
    message_ids: &[MessageId],
    occurred_at: &str,
    now: Millis,
) -> sqlx::Result<()> {
    if message_ids.is_empty() {
        return Ok(());
    }
    let ids = serde_json::to_string(message_ids).expect("ids serialise");
    let sql = enqueue_sql(conn.dialect());
    on!(conn, c => sqlx::query(&sql)
        .bind(event)
        .bind(occurred_at)
        .bind(now)
        .bind(ids)
        .execute(c)
        .await
        .map(drop))
}

#[derive(Debug, Clone, FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// Claims due deliveries under a lease, like the message outbox.
pub async fn claim_due(
    conn: &mut Conn,
    lease_token: &str,
    now: Millis,
    locked_until: Millis,
    limit: i64,
) -> sqlx::Result<Vec<DueDelivery>> {
    super::outbox::claim_due(
        conn,
        "webhook_deliveries",
        "id, webhook_id, event, payload, attempts, created_at",
        lease_token,
        now,
        locked_until,
        limit,
    )
    .await
}

/// Records a delivery's outcome if the lease is still ours: `retry_at` None is final.
pub async fn finish(
    conn: &mut Conn,
    id: &str,
    lease_token: &str,
    delivered: bool,
    retry_at: Option<Millis>,
    result: &str,
    now: Millis,
) -> sqlx::Result<()> {
    let status = match (delivered, retry_at) {
        (true, _) => WebhookDeliveryStatus::Sent,
        (false, Some(_)) => WebhookDeliveryStatus::Queued,
        (false, None) => WebhookDeliveryStatus::Failed,
    };
    on!(conn, c => sqlx::query(
        "UPDATE webhook_deliveries
            SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), last_result = $3,
                lease_token = NULL, locked_until = NULL, updated_at = $4
          WHERE id = $5 AND lease_token = $6 AND status = 'sending'",
    )
    .bind(status)
    .bind(retry_at)
    .bind(result)
    .bind(now)
    .bind(id)
    .bind(lease_token)
    .execute(c).await
        .map(drop))
}

/// A webhook's URL and sealed secret.
pub async fn endpoint(pool: Reader<'_>, id: &str) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    on!(pool, c => sqlx::query_as("SELECT url, secret FROM webhooks WHERE id = $1")
        .bind(id)
        .fetch_optional(c).await)
}

/// A webhook's newest deliveries (at most `limit`), newest first.
pub async fn deliveries(
    pool: Reader<'_>,
    webhook_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<WebhookDeliveryView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT id, event, status, attempts, last_result, created_at, updated_at
           FROM webhook_deliveries WHERE webhook_id = $1
          ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(webhook_id)
    .bind(limit)
    .fetch_all(c).await)
}

/// Replaces a webhook's sealed secret; returns whether the webhook is the sandbox's.
pub async fn set_secret(
    conn: &mut Conn,
    sandbox_id: &str,
    id: &str,
    sealed_secret: &[u8],
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query("UPDATE webhooks SET secret = $1 WHERE id = $2 AND sandbox_id = $3")
        .bind(sealed_secret)
        .bind(id)
        .bind(sandbox_id)
        .execute(c).await
        .map(|r| r.rows_affected() == 1))
}
