//! Suppressed addresses: never sent to.

use crate::clock::Millis;
use domain::views::SuppressionView;
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::HashMap;

/// The reasons of those `addresses` that are suppressed in this sandbox and channel.
pub async fn reasons(
    pool: &SqlitePool,
    sandbox_id: &str,
    channel: &str,
    addresses: &[&str],
) -> sqlx::Result<HashMap<String, String>> {
    super::listed_addresses(
        pool,
        "suppressions",
        "reason",
        sandbox_id,
        channel,
        addresses,
    )
    .await
}

/// Suppresses the address of a message (in its campaign's sandbox), unless it already is.
pub async fn add_for_message(
    conn: &mut SqliteConnection,
    message_id: &str,
    reason: &str,
    now: Millis,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO suppressions (sandbox_id, channel, address, reason, created_at)
         SELECT c.sandbox_id, m.channel, m.address, ?, ?
           FROM messages m JOIN campaigns c ON c.id = m.campaign_id
          WHERE m.id = ?
         ON CONFLICT DO NOTHING",
    )
    .bind(reason)
    .bind(now)
    .bind(message_id)
    .execute(conn)
    .await
    .map(drop)
}

/// A sandbox's suppressed addresses, newest first.
pub async fn list(pool: &SqlitePool, sandbox_id: &str) -> sqlx::Result<Vec<SuppressionView>> {
    sqlx::query_as(
        "SELECT channel, address, reason, created_at FROM suppressions
          WHERE sandbox_id = ? ORDER BY created_at DESC, address LIMIT 1000",
    )
    .bind(sandbox_id)
    .fetch_all(pool)
    .await
}

/// Lifts a suppression; returns whether there was one.
pub async fn remove(
    conn: &mut SqliteConnection,
    sandbox_id: &str,
    channel: &str,
    address: &str,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM suppressions WHERE sandbox_id = ? AND channel = ? AND address = ?")
        .bind(sandbox_id)
        .bind(channel)
        .bind(address)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
}
