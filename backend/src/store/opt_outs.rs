//! Marketing opt-outs per sandbox, channel and address.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::channel::Channel;
use domain::ids::MessageId;
use domain::views::OptOutView;
use std::collections::HashSet;

/// Those of `addresses` that opted out of marketing on this channel in this sandbox.
pub async fn opted_out(
    pool: Reader<'_>,
    sandbox_id: &str,
    channel: Channel,
    addresses: &[&str],
) -> sqlx::Result<HashSet<String>> {
    let rows =
        super::listed_addresses(pool, "opt_outs", "source", sandbox_id, channel, addresses).await?;
    Ok(rows.into_keys().collect())
}

/// Records that the recipient of a message opted out of marketing on its channel. Returns
/// false if they already had.
pub async fn add_for_message(
    conn: &mut Conn,
    message_id: MessageId,
    source: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "INSERT INTO opt_outs (sandbox_id, channel, address, source, message_id, created_at)
         SELECT c.sandbox_id, m.channel, m.address, $1, m.id, $2
           FROM messages m JOIN campaigns c ON c.id = m.campaign_id
          WHERE m.id = $3
         ON CONFLICT DO NOTHING",
    )
    .bind(source)
    .bind(now)
    .bind(message_id)
    .execute(c).await
        .map(|r| r.rows_affected()))
    .map(|n| n == 1)
}

/// The channel and address of a message, for the unsubscribe page.
pub async fn message_recipient(
    pool: Reader<'_>,
    message_id: MessageId,
) -> sqlx::Result<Option<(String, String)>> {
    on!(pool, c => sqlx::query_as("SELECT channel, address FROM messages WHERE id = $1")
        .bind(message_id)
        .fetch_optional(c).await)
}

/// A sandbox's opt-outs, newest first.
pub async fn list(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<OptOutView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT channel, address, source, created_at FROM opt_outs
          WHERE sandbox_id = $1 ORDER BY created_at DESC, address LIMIT 1000",
    )
    .bind(sandbox_id)
    .fetch_all(c).await)
}

/// Lifts an entry; returns whether there was one.
pub async fn remove(
    conn: &mut Conn,
    sandbox_id: &str,
    channel: &str,
    address: &str,
) -> sqlx::Result<bool> {
    super::unlist_address(conn, "opt_outs", sandbox_id, channel, address).await
}
