//! Suppressed addresses: never sent to.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::channel::Channel;
use domain::ids::MessageId;
use domain::views::SuppressionView;
use std::collections::HashMap;

/// The reasons of those `addresses` that are suppressed in this sandbox and channel.
pub async fn reasons(
    pool: Reader<'_>,
    sandbox_id: &str,
    channel: Channel,
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
    conn: &mut Conn,
    message_id: MessageId,
    reason: &str,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO suppressions (sandbox_id, channel, address, reason, created_at)
         SELECT c.sandbox_id, m.channel, m.address, $1, $2
           FROM messages m JOIN campaigns c ON c.id = m.campaign_id
          WHERE m.id = $3
         ON CONFLICT DO NOTHING",
    )
    .bind(reason)
    .bind(now)
    .bind(message_id)
    .execute(c).await
        .map(drop))
}

/// A sandbox's suppressed addresses, newest first.
pub async fn list(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<SuppressionView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT channel, address, reason, created_at FROM suppressions
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
    super::unlist_address(conn, "suppressions", sandbox_id, channel, address).await
}
