//! Tracked links and the opens and clicks recorded on them.

use crate::clock::Millis;
use sqlx::{SqliteConnection, SqlitePool};

/// The message and original URL of a tracked link.
pub async fn link(pool: &SqlitePool, id: &str) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("SELECT message_id, url FROM tracked_links WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Records an open or a click of an existing message. Returns whether it is the message's first
/// of this kind.
pub async fn record(
    conn: &mut SqliteConnection,
    message_id: &str,
    kind: &str,
    url: Option<&str>,
    now: Millis,
) -> sqlx::Result<bool> {
    let before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM engagements WHERE message_id = ? AND kind = ?")
            .bind(message_id)
            .bind(kind)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO engagements (message_id, kind, url, at)
         SELECT id, ?, ?, ? FROM messages WHERE id = ?",
    )
    .bind(kind)
    .bind(url)
    .bind(now)
    .bind(message_id)
    .execute(conn)
    .await?;
    Ok(before == 0)
}
