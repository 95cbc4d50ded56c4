//! The lease claim shared by the two outboxes (`messages`, `webhook_deliveries`).
//!
//! Invariants: a claim is one statement that sets `status = 'sending'`, a fresh `lease_token`
//! and `locked_until`, and counts the attempt; a row whose lease expired (its worker died) is
//! due again. Finishing a row is the owner's job, and only while it holds the lease.

use crate::clock::Millis;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, SqliteConnection};

/// Claims up to `limit` rows of `table` due at `now` for `lease_token` until `locked_until`,
/// returning the `returning` columns of each.
pub async fn claim_due<T>(
    conn: &mut SqliteConnection,
    table: &'static str,
    returning: &'static str,
    lease_token: &str,
    now: Millis,
    locked_until: Millis,
    limit: i64,
) -> sqlx::Result<Vec<T>>
where
    T: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
{
    let sql = format!(
        "UPDATE {table}
            SET status = 'sending', lease_token = ?1, locked_until = ?2,
                attempts = attempts + 1, updated_at = ?3
          WHERE id IN (
                SELECT id FROM {table}
                 WHERE (status = 'queued' AND next_attempt_at <= ?3)
                    OR (status = 'sending' AND locked_until < ?3)
                 ORDER BY next_attempt_at
                 LIMIT ?4)
        RETURNING {returning}"
    );
    sqlx::query_as(&sql)
        .bind(lease_token)
        .bind(locked_until)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await
}
