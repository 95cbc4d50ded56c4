//! Executions (accepted trigger calls), the messages they enqueue, and idempotency keys.

use super::engine::{Engine, Sides, on};
use super::{Conn, MAX_VARIABLES, Reader};
use crate::clock::Millis;
use domain::channel::Channel;
use domain::delivery::{MessageStatus, ReportedStatus};
use domain::ids::{ApiKeyId, CampaignId, ExecutionId, MessageId, SurfaceId};
use domain::report::Exclusion;
use domain::views::AttemptView;
use sha2::{Digest, Sha256};
use sqlx::{FromRow, PgConnection, QueryBuilder, SqliteConnection};
use std::collections::HashMap;

#[derive(Debug, Clone, FromRow)]
pub struct ExecutionRow {
    pub id: ExecutionId,
    pub campaign_id: CampaignId,
    pub campaign_version: i64,
    pub request_id: String,
    pub api_key_id: ApiKeyId,
    pub created_at: i64,
}

pub struct NewExecution {
    pub id: ExecutionId,
    pub campaign_id: CampaignId,
    /// The surface its messages go through; none: the server's default sender.
    pub surface_id: Option<SurfaceId>,
    pub campaign_version: i64,
    pub request_id: String,
    pub api_key_id: ApiKeyId,
    pub now: Millis,
}

pub struct NewMessage {
    pub id: MessageId,
    pub recipient_index: i64,
    pub user_id: String,
    pub channel: Channel,
    /// Email address, E.164 number or push token.
    pub address: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// The language variant rendered; `None`: the default content.
    pub locale: Option<String>,
    /// Push: the JSON of app, platform, image, link and data.
    pub payload: Option<String>,
    /// Push: the device's platform as reports group it (`ios`, `android`, `web`, `other`).
    pub platform: Option<String>,
    /// Why the message will not be sent (e.g. no consent); stored as `excluded`.
    pub excluded: Option<Excluded>,
    /// Tracked campaigns: (link id, original URL) of each link rewritten to `/l/<id>`.
    pub tracked_links: Vec<(String, String)>,
    /// Not sent after this instant (audience sends' window); `None`: no such limit.
    pub send_by: Option<Millis>,
    /// Not sent before this instant (local-time sends); `None`: at once.
    pub not_before: Option<Millis>,
}

/// A message excluded on acceptance: the reason's class (for reports) and its words (stored as
/// the status reason).
#[derive(Debug, Clone)]
pub struct Excluded {
    pub class: Exclusion,
    pub reason: String,
}

/// A stored idempotency key that has not expired.
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub execution: ExecutionRow,
}

const EXECUTION_COLUMNS: &str =
    "e.id, e.campaign_id, e.campaign_version, e.request_id, e.api_key_id, e.created_at";

/// The unexpired records of these (campaign, key) pairs: on PostgreSQL one query with the pairs
/// as arrays, on SQLite one query per chunk of pairs.
pub async fn idempotency_records(
    conn: &mut Conn,
    keys: &[(CampaignId, &str)],
    now: Millis,
) -> sqlx::Result<HashMap<(CampaignId, String), IdempotencyRecord>> {
    let rows: Vec<KeyedExecution> = match conn.sides() {
        Sides::Postgres(c) => {
            sqlx::query_as(&format!(
                "SELECT k.key, k.request_hash, {EXECUTION_COLUMNS}
                   FROM UNNEST($2::text[], $3::text[]) AS w(campaign_id, key)
                   JOIN idempotency_keys k ON k.campaign_id = w.campaign_id AND k.key = w.key
                   JOIN executions e ON e.id = k.execution_id
                  WHERE k.expires_at > $1"
            ))
            .bind(now)
            .bind(keys.iter().map(|k| k.0.to_string()).collect::<Vec<_>>())
            .bind(keys.iter().map(|k| k.1).collect::<Vec<_>>())
            .fetch_all(c)
            .await?
        }
        Sides::Sqlite(c) => {
            let mut rows = Vec::new();
            for chunk in keys.chunks(MAX_VARIABLES / 2) {
                let mut q = QueryBuilder::<sqlx::Sqlite>::new(format!(
                    "SELECT k.key, k.request_hash, {EXECUTION_COLUMNS}
                       FROM idempotency_keys k JOIN executions e ON e.id = k.execution_id
                      WHERE k.expires_at > "
                ));
                q.push_bind(now)
                    .push(" AND (k.campaign_id, k.key) IN (VALUES ");
                let mut values = q.separated(", ");
                for (campaign, key) in chunk {
                    values
                        .push("(")
                        .push_bind_unseparated(*campaign)
                        .push_unseparated(", ");
                    values.push_bind_unseparated(*key).push_unseparated(")");
                }
                q.push(")");
                rows.extend(
                    q.build_query_as::<KeyedExecution>()
                        .persistent(false)
                        .fetch_all(&mut *c)
                        .await?,
                );
            }
            rows
        }
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let at = (row.execution.campaign_id, row.key);
            let record = IdempotencyRecord {
                request_hash: row.request_hash,
                execution: row.execution,
            };
            (at, record)
        })
        .collect())
}

/// On PostgreSQL, locks these (campaign, key) pairs until the transaction ends, so two nodes
/// accepting the same key at once take turns: the second reads the first's record once it has
/// committed (and answers with a replay or a conflict) instead of inserting its own. Each pair
/// is one 64-bit advisory lock (a hash of the pair; a rare collision only makes two keys wait
/// for each other), taken in ascending order so two groups cannot deadlock. On SQLite the one
/// writer connection already serialises every group: nothing to lock.
pub async fn lock_keys(conn: &mut Conn, keys: &[(CampaignId, &str)]) -> sqlx::Result<()> {
    let Some(pg) = conn.postgres() else {
        return Ok(());
    };
    let mut locks: Vec<i64> = keys
        .iter()
        .map(|(campaign, key)| {
            let digest = Sha256::new()
                .chain_update(campaign.to_string())
                .chain_update([0])
                .chain_update(key)
                .finalize();
            i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
        })
        .collect();
    locks.sort_unstable();
    locks.dedup();
    sqlx::query("SELECT pg_advisory_xact_lock(l) FROM unnest($1::bigint[]) WITH ORDINALITY AS t(l, n) ORDER BY n")
        .bind(&locks)
        .execute(pg)
        .await
        .map(drop)
}

#[derive(FromRow)]
struct KeyedExecution {
    key: String,
    request_hash: String,
    #[sqlx(flatten)]
    execution: ExecutionRow,
}

/// One accepted call to write: its execution, messages and idempotency key.
pub struct NewCall<'a> {
    pub execution: &'a NewExecution,
    pub messages: &'a [NewMessage],
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
    pub key_expires_at: Millis,
}

/// How an exclusion for a suppressed address reads: this, then the suppression's reason.
pub const SUPPRESSED_REASON: &str = "suppressed address: ";
/// How an exclusion for a marketing opt-out reads: this, then the channel.
pub const OPTED_OUT_REASON: &str = "opted out of marketing ";

/// Whose queued messages [`exclude_listed_addresses`] checks (ids as text).
#[derive(Clone, Copy)]
pub enum Of<'a> {
    Executions(&'a [String]),
    Messages(&'a [String]),
}

/// Excludes the queued messages of these executions (or these messages) whose address is suppressed (any campaign)
/// or opted out of marketing (marketing campaigns), with the reason; returns their ids and why. Runs in
/// the accepting transaction, so a call never races an address being listed, and costs one
/// statement per list for a whole group of calls. The dry run reads the same lists instead
/// (`store::suppressions::reasons`, `store::opt_outs::opted_out`) and words them alike.
pub async fn exclude_listed_addresses(
    conn: &mut Conn,
    of: Of<'_>,
) -> sqlx::Result<Vec<(MessageId, Exclusion)>> {
    let (column, ids) = match of {
        Of::Executions(ids) => ("execution_id", ids),
        Of::Messages(ids) => ("id", ids),
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // An empty list (as on many installs) costs one probe instead of a join per message.
    let (any_suppressed, any_opted_out): (bool, bool) = on!(&mut *conn, c => sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM suppressions), EXISTS (SELECT 1 FROM opt_outs)",
    )
    .fetch_one(c).await)?;
    let lists = [
        (
            any_suppressed,
            Exclusion::Suppressed,
            "suppressions l",
            SUPPRESSED_REASON,
            "l.reason",
            "",
        ),
        (
            any_opted_out,
            Exclusion::OptedOut,
            "opt_outs l",
            OPTED_OUT_REASON,
            "messages.channel",
            " AND c.category = 'marketing'",
        ),
    ];
    let mut excluded = Vec::new();
    for (_, class, list, reason, detail, only) in lists.into_iter().filter(|l| l.0) {
        let tail = format!(
            " || {detail}
               FROM campaigns c, {list}
              WHERE c.id = messages.campaign_id{only} AND l.sandbox_id = c.sandbox_id
                AND l.channel = messages.channel AND l.address = messages.address
                AND messages.status = 'queued' AND messages.{column} "
        );
        let rows: Vec<(MessageId,)> = match conn.sides() {
            // PostgreSQL takes the ids as one array, so the statement's text stays the same.
            Sides::Postgres(c) => {
                sqlx::query_as(&format!(
                    "UPDATE messages SET status = 'excluded', reason_code = $3, status_reason = $1{tail} = ANY($2)
                     RETURNING messages.id"
                ))
                .bind(reason)
                .bind(ids)
                .bind(class)
                .fetch_all(c)
                .await?
            }
            Sides::Sqlite(c) => {
                let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                    "UPDATE messages SET status = 'excluded', reason_code = ",
                );
                q.push_bind(class).push(", status_reason = ").push_bind(reason).push(tail).push(" IN (");
                let mut list = q.separated(", ");
                for id in ids {
                    list.push_bind(id.as_str());
                }
                q.push(") RETURNING messages.id");
                q.build_query_as().fetch_all(c).await?
            }
        };
        excluded.extend(rows.into_iter().map(|(id,)| (id, class)));
    }
    Ok(excluded)
}

/// Inserts the executions, records their idempotency keys (replacing expired records of the
/// same keys) and queues their messages, with a few multi-row statements for all calls; call
/// inside the accepting transaction. On PostgreSQL each table takes one statement of fixed text
/// whose columns arrive as arrays (`UNNEST`): it is prepared once per connection and binds a
/// handful of parameters whatever the group's size, where multi-row `VALUES` would be parsed and
/// planned anew for every group (thousands of parameters, a round trip to prepare each).
pub async fn insert_calls(conn: &mut Conn, calls: &[NewCall<'_>]) -> sqlx::Result<()> {
    match conn.sides() {
        Sides::Sqlite(c) => insert_executions_sqlite(c, calls).await?,
        Sides::Postgres(c) => return insert_calls_postgres(c, calls).await,
    }
    insert_messages(conn, &messages_of(calls)).await
}

fn messages_of<'a>(calls: &'a [NewCall<'a>]) -> Vec<(&'a NewExecution, &'a NewMessage)> {
    calls
        .iter()
        .flat_map(|c| c.messages.iter().map(move |m| (c.execution, m)))
        .collect()
}

fn initial_status(m: &NewMessage) -> MessageStatus {
    if m.excluded.is_some() {
        MessageStatus::Excluded
    } else {
        MessageStatus::Queued
    }
}

async fn insert_calls_postgres(c: &mut PgConnection, calls: &[NewCall<'_>]) -> sqlx::Result<()> {
    let messages = messages_of(calls);
    let message_ids: Vec<String> = messages.iter().map(|(_, m)| m.id.to_string()).collect();
    let links: Vec<(&str, &(String, String))> = messages
        .iter()
        .zip(&message_ids)
        .flat_map(|((_, m), id)| m.tracked_links.iter().map(move |l| (id.as_str(), l)))
        .collect();
    let of_calls = |f: fn(&NewCall<'_>) -> String| -> Vec<String> { calls.iter().map(f).collect() };
    let column = |f: for<'m> fn(&'m (&'m NewExecution, &'m NewMessage)) -> &'m str| -> Vec<&str> {
        messages.iter().map(f).collect()
    };
    // One statement for the four tables: the foreign keys are checked at its end, when every
    // row is in. An expired record of the same idempotency key is replaced.
    sqlx::query(
        "WITH e AS (
             INSERT INTO executions (id, campaign_id, campaign_version, request_id, api_key_id, created_at)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[])
         ), k AS (
             INSERT INTO idempotency_keys (campaign_id, key, request_hash, execution_id, expires_at)
             SELECT * FROM UNNEST($2::text[], $7::text[], $8::text[], $1::text[], $9::bigint[])
             ON CONFLICT (campaign_id, key) DO UPDATE SET request_hash = excluded.request_hash,
                 execution_id = excluded.execution_id, expires_at = excluded.expires_at
         ), m AS (
             INSERT INTO messages (id, execution_id, campaign_id, recipient_index, user_id, channel,
                 address, subject, html_body, text_body, payload, status, status_reason,
                 next_attempt_at, created_at, updated_at, surface_id, campaign_version, locale, platform,
                 reason_code)
             SELECT id, execution_id, campaign_id, recipient_index, user_id, channel, address, subject,
                    html_body, text_body, payload, status, status_reason, now, now, now, surface_id,
                    campaign_version, locale, platform, reason_code
               FROM UNNEST($10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[],
                           $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
                           $20::text[], $21::text[], $22::text[], $23::bigint[], $24::text[],
                           $28::bigint[], $29::text[], $30::text[], $31::text[])
                 AS m(id, execution_id, campaign_id, recipient_index, user_id, channel, address,
                      subject, html_body, text_body, payload, status, status_reason, now, surface_id,
                      campaign_version, locale, platform, reason_code)
         )
         INSERT INTO tracked_links (id, message_id, url)
         SELECT * FROM UNNEST($25::text[], $26::text[], $27::text[])",
    )
    .bind(of_calls(|c| c.execution.id.to_string()))
    .bind(of_calls(|c| c.execution.campaign_id.to_string()))
    .bind(calls.iter().map(|c| c.execution.campaign_version).collect::<Vec<_>>())
    .bind(calls.iter().map(|c| c.execution.request_id.as_str()).collect::<Vec<_>>())
    .bind(of_calls(|c| c.execution.api_key_id.to_string()))
    .bind(calls.iter().map(|c| c.execution.now).collect::<Vec<_>>())
    .bind(calls.iter().map(|c| c.idempotency_key).collect::<Vec<_>>())
    .bind(calls.iter().map(|c| c.request_hash).collect::<Vec<_>>())
    .bind(calls.iter().map(|c| c.key_expires_at).collect::<Vec<_>>())
    .bind(&message_ids)
    .bind(messages.iter().map(|(e, _)| e.id.to_string()).collect::<Vec<_>>())
    .bind(messages.iter().map(|(e, _)| e.campaign_id.to_string()).collect::<Vec<_>>())
    .bind(messages.iter().map(|(_, m)| m.recipient_index).collect::<Vec<_>>())
    .bind(column(|(_, m)| &m.user_id))
    .bind(column(|(_, m)| m.channel.as_str()))
    .bind(column(|(_, m)| &m.address))
    .bind(column(|(_, m)| &m.subject))
    .bind(column(|(_, m)| &m.html_body))
    .bind(column(|(_, m)| &m.text_body))
    .bind(messages.iter().map(|(_, m)| m.payload.as_deref()).collect::<Vec<_>>())
    .bind(column(|(_, m)| initial_status(m).as_str()))
    .bind(messages.iter().map(|(_, m)| m.excluded.as_ref().map(|e| e.reason.as_str())).collect::<Vec<_>>())
    .bind(messages.iter().map(|(e, _)| e.now).collect::<Vec<_>>())
    .bind(messages.iter().map(|(e, _)| e.surface_id.map(|s| s.to_string())).collect::<Vec<_>>())
    .bind(links.iter().map(|(_, (id, _))| id.as_str()).collect::<Vec<_>>())
    .bind(links.iter().map(|(m, _)| *m).collect::<Vec<_>>())
    .bind(links.iter().map(|(_, (_, url))| url.as_str()).collect::<Vec<_>>())
    .bind(messages.iter().map(|(e, _)| e.campaign_version).collect::<Vec<_>>())
    .bind(messages.iter().map(|(_, m)| m.locale.as_deref()).collect::<Vec<_>>())
    .bind(messages.iter().map(|(_, m)| m.platform.as_deref()).collect::<Vec<_>>())
    .bind(messages.iter().map(|(_, m)| m.excluded.as_ref().map(|e| e.class.as_str())).collect::<Vec<_>>())
    .execute(c)
    .await
    .map(drop)
}

/// SQLite: the executions and their idempotency keys of a group of calls.
async fn insert_executions_sqlite(
    c: &mut SqliteConnection,
    calls: &[NewCall<'_>],
) -> sqlx::Result<()> {
    type Db = sqlx::Sqlite;
    for chunk in calls.chunks(MAX_VARIABLES / 6) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO executions (id, campaign_id, campaign_version, request_id, api_key_id, created_at) ",
        );
        q.push_values(chunk, |mut row, call| {
            let e = call.execution;
            row.push_bind(e.id)
                .push_bind(e.campaign_id)
                .push_bind(e.campaign_version)
                .push_bind(&e.request_id)
                .push_bind(e.api_key_id)
                .push_bind(e.now);
        });
        q.build().persistent(false).execute(&mut *c).await?;

        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO idempotency_keys (campaign_id, key, request_hash, execution_id, expires_at) ",
        );
        q.push_values(chunk, |mut row, call| {
            row.push_bind(call.execution.campaign_id)
                .push_bind(call.idempotency_key)
                .push_bind(call.request_hash)
                .push_bind(call.execution.id)
                .push_bind(call.key_expires_at);
        });
        // An expired record of the same key is replaced.
        q.push(
            " ON CONFLICT (campaign_id, key) DO UPDATE SET request_hash = excluded.request_hash,
                 execution_id = excluded.execution_id, expires_at = excluded.expires_at",
        );
        q.build().persistent(false).execute(&mut *c).await?;
    }
    Ok(())
}

/// Queues messages (and their tracked links) of executions already stored, with multi-row
/// statements; a message whose id is taken is left as it is (ids derived from their recipient
/// make a replayed batch a no-op). SQLite's accepting path and audience batches on both
/// engines use it.
pub async fn insert_messages(
    conn: &mut Conn,
    messages: &[(&NewExecution, &NewMessage)],
) -> sqlx::Result<()> {
    let dialect = conn.dialect();
    for chunk in messages.chunks(MAX_VARIABLES / 22) {
        on!(&mut *conn, c, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO messages (id, execution_id, campaign_id, recipient_index, user_id, channel, address,
                     subject, html_body, text_body, payload, status, status_reason, next_attempt_at, created_at, updated_at,
                     surface_id, campaign_version, locale, platform, reason_code, send_by) ",
            );
            q.push_values(chunk, |mut row, (e, m)| {
                row.push_bind(m.id)
                    .push_bind(e.id)
                    .push_bind(e.campaign_id)
                    .push_bind(m.recipient_index)
                    .push_bind(&m.user_id)
                    .push_bind(m.channel.as_str())
                    .push_bind(&m.address)
                    .push_bind(&m.subject)
                    .push_bind(&m.html_body)
                    .push_bind(&m.text_body)
                    .push_bind(&m.payload)
                    .push_bind(initial_status(m))
                    .push_bind(m.excluded.as_ref().map(|e| e.reason.as_str()))
                    .push_bind(m.not_before.unwrap_or(e.now))
                    .push_bind(e.now)
                    .push_bind(e.now)
                    .push_bind(e.surface_id)
                    .push_bind(e.campaign_version)
                    .push_bind(&m.locale)
                    .push_bind(&m.platform)
                    .push_bind(m.excluded.as_ref().map(|e| e.class))
                    .push_bind(m.send_by);
            });
            q.push(" ON CONFLICT (id) DO NOTHING");
            let q = q.build();
            // SQLite: statements of many shapes are not worth keeping prepared.
            let q = if dialect == super::Dialect::Sqlite { q.persistent(false) } else { q };
            q.execute(&mut *c).await?;
        });
    }
    let links: Vec<(&NewMessage, &(String, String))> = messages
        .iter()
        .flat_map(|(_, m)| m.tracked_links.iter().map(move |l| (*m, l)))
        .collect();
    for chunk in links.chunks(MAX_VARIABLES / 3) {
        on!(&mut *conn, c, Db => {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO tracked_links (id, message_id, url) ");
            q.push_values(chunk, |mut row, (m, (id, url))| {
                row.push_bind(id.as_str())
                    .push_bind(m.id)
                    .push_bind(url.as_str());
            });
            let q = q.build();
            let q = if dialect == super::Dialect::Sqlite { q.persistent(false) } else { q };
            q.execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// Deletes up to `limit` idempotency keys that expired before `now`; returns how many.
pub async fn purge_expired_keys(conn: &mut Conn, now: Millis, limit: i64) -> sqlx::Result<u64> {
    on!(conn, c => sqlx::query(
        "DELETE FROM idempotency_keys WHERE (campaign_id, key) IN (
             SELECT campaign_id, key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2)",
    )
    .bind(now)
    .bind(limit)
    .execute(c).await
    .map(|r| r.rows_affected()))
}

/// The execution with this id, if its campaign is in this sandbox.
pub async fn execution(
    pool: Reader<'_>,
    sandbox_id: &str,
    id: ExecutionId,
) -> sqlx::Result<Option<ExecutionRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {EXECUTION_COLUMNS} FROM executions e JOIN campaigns c ON c.id = e.campaign_id
          WHERE e.id = $1 AND c.sandbox_id = $2"
    ))
    .bind(id)
    .bind(sandbox_id)
    .fetch_optional(c).await)
}

#[derive(Debug, Clone, FromRow)]
pub struct MessageStatusRow {
    pub id: MessageId,
    pub recipient_index: i64,
    pub user_id: String,
    pub channel: Channel,
    pub status: ReportedStatus,
    pub status_reason: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One attempt of one of an execution's messages.
#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    pub message_id: MessageId,
    #[sqlx(flatten)]
    pub attempt: AttemptView,
}

/// The messages of an execution in recipient order, and all their attempts (two queries).
pub async fn execution_messages(
    pool: Reader<'_>,
    execution_id: ExecutionId,
) -> sqlx::Result<(Vec<MessageStatusRow>, Vec<AttemptRow>)> {
    let messages = on!(pool, c => sqlx::query_as(
        "SELECT id, recipient_index, user_id, channel,
                CASE WHEN status = 'sent' AND delivered_at IS NOT NULL THEN 'delivered' ELSE status END
                    AS status,
                status_reason, attempts, created_at, updated_at
           FROM messages WHERE execution_id = $1 ORDER BY recipient_index",
    )
    .bind(execution_id)
    .fetch_all(c).await)?;
    let attempts = on!(pool, c => sqlx::query_as(
        "SELECT a.message_id, a.attempt, a.started_at, a.finished_at, a.provider, a.outcome, a.detail
           FROM message_attempts a JOIN messages m ON m.id = a.message_id
          WHERE m.execution_id = $1 ORDER BY m.recipient_index, a.attempt",
    )
    .bind(execution_id)
    .fetch_all(c).await)?;
    Ok((messages, attempts))
}

/// Every attempt of one message, in order.
pub async fn message_attempts(
    pool: Reader<'_>,
    message_id: MessageId,
) -> sqlx::Result<Vec<AttemptView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT attempt, started_at, finished_at, provider, outcome, detail
           FROM message_attempts WHERE message_id = $1 ORDER BY attempt",
    )
    .bind(message_id)
    .fetch_all(c).await)
}
