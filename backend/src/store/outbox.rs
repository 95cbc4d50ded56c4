//! The lease claim shared by the two outboxes (`messages`, `webhook_deliveries`).
//!
//! Invariants: a claim is one statement that sets `status = 'sending'`, a fresh `lease_token`
//! and `locked_until`, and counts the attempt; a row whose lease expired (its worker died) is
//! put back as queued, due again at once. Finishing a row is the owner's job, and only while it holds the lease: the lease
//! token is the fencing token, so the late result of a lease that expired and was claimed again
//! (by this node or another) changes nothing.
//! - On PostgreSQL, claimers on several nodes skip the rows another transaction is claiming
//!   (`FOR UPDATE SKIP LOCKED`): a row is claimed by one of them, and none waits for another.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

/// Claims up to `limit` rows of `table` due at `now` for `lease_token` until `locked_until`,
/// returning the `returning` columns of each. Rows whose lease expired are first put back as
/// queued (their attempt still counts), so the claim itself reads only queued rows, in order,
/// from the outbox's partial index.
///
/// Both statements repeat the index's condition (`status IN ('queued', 'sending')`): SQLite
/// uses a partial index only when the query's `WHERE` contains its condition as written, and
/// without it a claim scanned the whole table, every message ever sent, and sorted the due ones.
pub async fn claim_due<T>(
    conn: &mut Conn,
    table: &'static str,
    returning: &'static str,
    lease_token: &str,
    now: Millis,
    locked_until: Millis,
    limit: i64,
) -> sqlx::Result<Vec<T>>
where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let expired = format!(
        "UPDATE {table} SET status = 'queued', lease_token = NULL, locked_until = NULL
          WHERE status IN ('queued', 'sending') AND status = 'sending' AND locked_until < $1"
    );
    on!(&mut *conn, c => sqlx::query(&expired).bind(now).execute(c).await.map(drop))?;
    let skip_locked = conn.dialect().skip_locked();
    let claim = format!(
        "UPDATE {table}
            SET status = 'sending', lease_token = $1, locked_until = $2,
                attempts = attempts + 1, updated_at = $3
          WHERE id IN (
                SELECT id FROM {table}
                 WHERE status IN ('queued', 'sending') AND status = 'queued'
                   AND next_attempt_at <= $3
                 ORDER BY next_attempt_at
                 LIMIT $4{skip_locked})
        RETURNING {returning}"
    );
    on!(conn, c => sqlx::query_as(&claim)
        .bind(lease_token)
        .bind(locked_until)
        .bind(now)
        .bind(limit)
        .fetch_all(c).await)
}

/// What waits in an outbox at one instant (operators' gauges, see `telemetry`).
#[derive(Debug, Clone, Copy, Default, FromRow)]
pub struct Backlog {
    /// Queued and due: waiting for a worker.
    pub due: i64,
    /// Queued for later (a retry, a paced slot).
    pub scheduled: i64,
    /// Claimed by a worker (its lease may have expired: then it is due again).
    pub sending: i64,
    /// When the longest-waiting due row fell due.
    pub oldest_due_at: Option<Millis>,
}

/// The backlog of `table` at `now`: one pass over its partial index of open rows.
pub async fn backlog(
    reader: Reader<'_>,
    table: &'static str,
    now: Millis,
) -> sqlx::Result<Backlog> {
    let sql = format!(
        "SELECT COALESCE(SUM(CASE WHEN status = 'queued' AND next_attempt_at <= $1 THEN 1 ELSE 0 END), 0) AS due,
                COALESCE(SUM(CASE WHEN status = 'queued' AND next_attempt_at > $1 THEN 1 ELSE 0 END), 0) AS scheduled,
                COALESCE(SUM(CASE WHEN status = 'sending' THEN 1 ELSE 0 END), 0) AS sending,
                MIN(CASE WHEN status = 'queued' AND next_attempt_at <= $1 THEN next_attempt_at END) AS oldest_due_at
           FROM {table} WHERE status IN ('queued', 'sending')"
    );
    on!(reader, c => sqlx::query_as(&sql).bind(now).fetch_one(c).await)
}
