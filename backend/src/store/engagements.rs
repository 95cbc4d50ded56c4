//! Tracked links and the opens and clicks recorded on them.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::ids::MessageId;

/// The message and original URL of a tracked link.
pub async fn link(pool: Reader<'_>, id: &str) -> sqlx::Result<Option<(MessageId, String)>> {
    on!(pool, c => sqlx::query_as("SELECT message_id, url FROM tracked_links WHERE id = $1")
        .bind(id)
        .fetch_optional(c).await)
}

/// Records an open or a click of an existing message. Returns whether it is the message's first
/// of this kind.
pub async fn record(
    conn: &mut Conn,
    message_id: MessageId,
    kind: &str,
    url: Option<&str>,
    now: Millis,
) -> sqlx::Result<bool> {
    let before: i64 = on!(&mut *conn, c => sqlx::query_scalar("SELECT COUNT(*) FROM engagements WHERE message_id = $1 AND kind = $2")
            .bind(message_id)
            .bind(kind)
            .fetch_one(c).await)?;
    on!(conn, c => sqlx::query(
        "INSERT INTO engagements (message_id, kind, url, at)
         SELECT id, $1, $2, $3 FROM messages WHERE id = $4",
    )
    .bind(kind)
    .bind(url)
    .bind(now)
    .bind(message_id)
    .execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(before == 0)
}
