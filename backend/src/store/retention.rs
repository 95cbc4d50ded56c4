//! Retention (`domain::retention`): a sandbox's own ages, and the sweeps that empty content and
//! delete what is past its age. Every sweep works on one small batch per call, in the caller's
//! transaction, so the writer is never held long; walking a campaign's messages goes by its
//! `messages_by_campaign` index, and content sweeps resume after their mark
//! (`retention_marks`) so rows already emptied are not read again.

use super::engine::on;
use super::{Conn, FINISHED, Reader};
use crate::clock::Millis;
use domain::ids::CampaignId;
use domain::retention::{RetentionOverrides, RetentionSweep};
use sqlx::{Database, Encode, QueryBuilder, Type};

/// Where a campaign's content sweep got to: its last message checked, in (created_at, id) order.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Mark {
    pub created_at: Millis,
    pub message_id: String,
}

/// A sandbox's row of days.
#[derive(sqlx::FromRow)]
struct DaysRow {
    id: String,
    content_days: Option<i64>,
    message_days: Option<i64>,
    webhook_days: Option<i64>,
}

impl DaysRow {
    fn overrides(&self) -> RetentionOverrides {
        let days = |d: Option<i64>| d.and_then(|d| u32::try_from(d).ok());
        RetentionOverrides {
            content_days: days(self.content_days),
            message_days: days(self.message_days),
            webhook_days: days(self.webhook_days),
        }
    }
}

const DAYS_ROW: &str = "SELECT id, content_days, message_days, webhook_days FROM sandboxes";

/// A sandbox's own ages, if the sandbox exists.
pub async fn overrides(
    pool: Reader<'_>,
    sandbox_id: &str,
) -> sqlx::Result<Option<RetentionOverrides>> {
    let row: Option<DaysRow> = on!(pool, c => sqlx::query_as(&format!("{DAYS_ROW} WHERE id = $1"))
        .bind(sandbox_id)
        .fetch_optional(c).await)?;
    Ok(row.as_ref().map(DaysRow::overrides))
}

/// Every sandbox with its own ages.
pub async fn all_overrides(pool: Reader<'_>) -> sqlx::Result<Vec<(String, RetentionOverrides)>> {
    let rows: Vec<DaysRow> = on!(pool, c => sqlx::query_as(&format!("{DAYS_ROW} ORDER BY id"))
        .fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let overrides = r.overrides();
            (r.id, overrides)
        })
        .collect())
}

pub async fn set_overrides(
    conn: &mut Conn,
    sandbox_id: &str,
    o: RetentionOverrides,
) -> sqlx::Result<()> {
    let days = |d: Option<u32>| d.map(i64::from);
    on!(conn, c => sqlx::query(
        "UPDATE sandboxes SET content_days = $1, message_days = $2, webhook_days = $3 WHERE id = $4",
    )
    .bind(days(o.content_days))
    .bind(days(o.message_days))
    .bind(days(o.webhook_days))
    .bind(sandbox_id)
    .execute(c).await
    .map(drop))
}

/// A sandbox's campaigns, with where each one's content sweep got to.
pub async fn campaigns(
    pool: Reader<'_>,
    sandbox_id: &str,
) -> sqlx::Result<Vec<(CampaignId, Option<Mark>)>> {
    let rows: Vec<(CampaignId, Option<Millis>, Option<String>)> = on!(pool, c => sqlx::query_as(
        "SELECT c.id, r.created_at, r.message_id
           FROM campaigns c LEFT JOIN retention_marks r ON r.campaign_id = c.id
          WHERE c.sandbox_id = $1 ORDER BY c.id",
    )
    .bind(sandbox_id)
    .fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, at, message_id)| {
            let mark = at.zip(message_id).map(|(created_at, message_id)| Mark {
                created_at,
                message_id,
            });
            (id, mark)
        })
        .collect())
}

/// `(… IN (ids))` for a statement being built.
fn push_ids<'a, Db: Database>(q: &mut QueryBuilder<'a, Db>, ids: &'a [String])
where
    &'a str: Encode<'a, Db> + Type<Db>,
{
    q.push(" IN (");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(id.as_str());
    }
    q.push(")");
}

/// Empties the subject, bodies and payload of the next `limit` messages of a campaign created
/// before `before`, after `mark`. Stops at the first message not finished yet (it and those
/// after it wait for a later sweep). Returns how many were emptied and the new mark, if the
/// sweep moved.
pub async fn drop_content(
    conn: &mut Conn,
    campaign: CampaignId,
    before: Millis,
    mark: Option<&Mark>,
    now: Millis,
    limit: i64,
) -> sqlx::Result<(u64, Option<Mark>)> {
    let (after_at, after_id) = mark.map_or((i64::MIN, ""), |m| (m.created_at, &m.message_id));
    let rows: Vec<(String, Millis, String)> = on!(&mut *conn, c => sqlx::query_as(
        "SELECT id, created_at, status FROM messages
          WHERE campaign_id = $1 AND created_at < $2
            AND (created_at > $3 OR (created_at = $3 AND id > $4))
          ORDER BY created_at, id LIMIT $5",
    )
    .bind(campaign)
    .bind(before)
    .bind(after_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(c).await)?;
    let finished = rows
        .iter()
        .take_while(|(_, _, status)| matches!(status.as_str(), "sent" | "failed" | "excluded"))
        .count();
    let Some((last_id, last_at, _)) = rows[..finished].last() else {
        return Ok((0, None));
    };
    let ids: Vec<String> = rows[..finished].iter().map(|(id, ..)| id.clone()).collect();
    let emptied = on!(&mut *conn, c, Db => {
        let mut q = QueryBuilder::<Db>::new(
            "UPDATE messages SET subject = '', html_body = '', text_body = '', payload = NULL, content_dropped_at = ",
        );
        q.push_bind(now)
            .push(format!(" WHERE content_dropped_at IS NULL AND status IN {FINISHED} AND id"));
        push_ids(&mut q, &ids);
        q.build().execute(&mut *c).await?.rows_affected()
    });
    let mark = Mark {
        created_at: *last_at,
        message_id: last_id.clone(),
    };
    on!(&mut *conn, c => sqlx::query(
        "INSERT INTO retention_marks (campaign_id, created_at, message_id) VALUES ($1, $2, $3)
         ON CONFLICT (campaign_id) DO UPDATE SET created_at = excluded.created_at,
             message_id = excluded.message_id",
    )
    .bind(campaign)
    .bind(mark.created_at)
    .bind(&mark.message_id)
    .execute(c).await
    .map(drop))?;
    Ok((emptied, Some(mark)))
}

/// Deletes up to `limit` finished messages of a campaign created before `before`, with their
/// attempts, events and tracked links, then the executions (and their idempotency keys) left
/// without messages. Returns how many messages went.
pub async fn delete_messages(
    conn: &mut Conn,
    campaign: CampaignId,
    before: Millis,
    limit: i64,
) -> sqlx::Result<u64> {
    let rows: Vec<(String, String)> = on!(&mut *conn, c => sqlx::query_as(&format!(
        "SELECT id, execution_id FROM messages
          WHERE campaign_id = $1 AND created_at < $2 AND status IN {FINISHED}
          ORDER BY created_at LIMIT $3",
    ))
    .bind(campaign)
    .bind(before)
    .bind(limit)
    .fetch_all(c).await)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
    let mut executions: Vec<String> = rows.into_iter().map(|(_, e)| e).collect();
    executions.sort();
    executions.dedup();
    let campaign = campaign.to_string();
    on!(&mut *conn, c, Db => {
        for child in ["message_attempts", "engagements", "tracked_links"] {
            let mut q = QueryBuilder::<Db>::new(format!("DELETE FROM {child} WHERE message_id"));
            push_ids(&mut q, &ids);
            q.build().execute(&mut *c).await?;
        }
        let mut q = QueryBuilder::<Db>::new("DELETE FROM messages WHERE id");
        push_ids(&mut q, &ids);
        let deleted = q.build().execute(&mut *c).await?.rows_affected();
        let orphan = " AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.execution_id = ";
        let mut q = QueryBuilder::<Db>::new("DELETE FROM idempotency_keys WHERE campaign_id = ");
        q.push_bind(campaign.as_str()).push(" AND execution_id");
        push_ids(&mut q, &executions);
        q.push(orphan).push("idempotency_keys.execution_id)");
        q.build().execute(&mut *c).await?;
        let mut q = QueryBuilder::<Db>::new("DELETE FROM executions WHERE id");
        push_ids(&mut q, &executions);
        q.push(orphan).push("executions.id)");
        q.build().execute(&mut *c).await?;
        Ok(deleted)
    })
}

/// Deletes up to `limit` of a sandbox's finished webhook deliveries created before `before`.
pub async fn delete_webhook_deliveries(
    conn: &mut Conn,
    sandbox_id: &str,
    before: Millis,
    limit: i64,
) -> sqlx::Result<u64> {
    on!(conn, c => sqlx::query(
        "DELETE FROM webhook_deliveries WHERE id IN (
             SELECT d.id FROM webhooks w JOIN webhook_deliveries d ON d.webhook_id = w.id
              WHERE w.sandbox_id = $1 AND d.created_at < $2 AND d.status IN ('sent', 'failed')
              LIMIT $3)",
    )
    .bind(sandbox_id)
    .bind(before)
    .bind(limit)
    .execute(c).await
    .map(|r| r.rows_affected()))
}

/// What a sweep of a sandbox would remove now (for a dry run): finished messages past the
/// message age, the content of finished messages past the content age (and not deleted), and
/// finished webhook deliveries past theirs.
pub async fn due(
    pool: Reader<'_>,
    sandbox_id: &str,
    (content_before, messages_before, webhooks_before): (Millis, Millis, Millis),
) -> sqlx::Result<RetentionSweep> {
    let (contents, messages, webhook_deliveries): (i64, i64, i64) = on!(pool, c => sqlx::query_as(&format!(
        "SELECT
           (SELECT COUNT(*) FROM campaigns c JOIN messages m ON m.campaign_id = c.id
             WHERE c.sandbox_id = $1 AND m.created_at >= $3 AND m.created_at < $2
               AND m.content_dropped_at IS NULL AND m.status IN {FINISHED}),
           (SELECT COUNT(*) FROM campaigns c JOIN messages m ON m.campaign_id = c.id
             WHERE c.sandbox_id = $1 AND m.created_at < $3 AND m.status IN {FINISHED}),
           (SELECT COUNT(*) FROM webhooks w JOIN webhook_deliveries d ON d.webhook_id = w.id
             WHERE w.sandbox_id = $1 AND d.created_at < $4 AND d.status IN ('sent', 'failed'))",
    ))
    .bind(sandbox_id)
    .bind(content_before)
    .bind(messages_before)
    .bind(webhooks_before)
    .fetch_one(c).await)?;
    Ok(RetentionSweep {
        contents: contents as u64,
        messages: messages as u64,
        webhook_deliveries: webhook_deliveries as u64,
    })
}
