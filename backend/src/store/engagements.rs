//! Tracked links and the opens and clicks recorded on them.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::ids::MessageId;
use domain::report::{Happening, Segment, Tally};

/// A message's report segment, as `SELECT` columns of `messages`.
pub(crate) const SEGMENT_COLUMNS: &str = "campaign_id, COALESCE(campaign_version, 0) AS version,
     COALESCE(locale, '') AS locale, COALESCE(platform, '') AS platform";

/// The message and original URL of a tracked link.
pub async fn link(pool: Reader<'_>, id: &str) -> sqlx::Result<Option<(MessageId, String)>> {
    on!(pool, c => sqlx::query_as("SELECT message_id, url FROM tracked_links WHERE id = $1")
        .bind(id)
        .fetch_optional(c).await)
}

/// The report segment of a message, if it exists.
pub async fn segment(conn: &mut Conn, message_id: MessageId) -> sqlx::Result<Option<Segment>> {
    on!(conn, c => sqlx::query_as(&format!("SELECT {SEGMENT_COLUMNS} FROM messages WHERE id = $1"))
        .bind(message_id)
        .fetch_optional(c).await)
}

/// Sets `column` of the row `id` of `table` to `now` if it is still unset; whether it was.
/// Row locks make this exact across nodes: of two concurrent firsts, one wins.
async fn first(
    conn: &mut Conn,
    table: &str,
    column: &str,
    id: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(&format!(
        "UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} IS NULL"
    ))
    .bind(now)
    .bind(id)
    .execute(c).await
        .map(|r| r.rows_affected() == 1))
}

async fn insert(
    conn: &mut Conn,
    message_id: MessageId,
    kind: &str,
    url: Option<&str>,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query("INSERT INTO engagements (message_id, kind, url, at) VALUES ($1, $2, $3, $4)")
        .bind(message_id)
        .bind(kind)
        .bind(url)
        .bind(now)
        .execute(c).await
        .map(drop))
}

/// Records an open of a message and counts it. Returns `None` when the message does not exist,
/// else whether it is the message's first open.
pub async fn record_open(
    conn: &mut Conn,
    tally: &mut Tally,
    message_id: MessageId,
    now: Millis,
) -> sqlx::Result<Option<bool>> {
    let Some(segment) = segment(conn, message_id).await? else {
        return Ok(None);
    };
    insert(conn, message_id, "open", None, now).await?;
    let first = first(conn, "messages", "opened_at", &message_id.to_string(), now).await?;
    tally.add(&segment, now, &Happening::Opened { first });
    Ok(Some(first))
}

/// Records a click on the tracked link `link_id` of a message and counts it; false when the
/// message does not exist.
pub async fn record_click(
    conn: &mut Conn,
    tally: &mut Tally,
    message_id: MessageId,
    link_id: &str,
    url: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    let Some(segment) = segment(conn, message_id).await? else {
        return Ok(false);
    };
    insert(conn, message_id, "click", Some(url), now).await?;
    let first_in_message =
        first(conn, "messages", "clicked_at", &message_id.to_string(), now).await?;
    let first_of_link = first(conn, "tracked_links", "clicked_at", link_id, now).await?;
    let happening = Happening::Clicked {
        url,
        first_in_message,
        first_of_link,
    };
    tally.add(&segment, now, &happening);
    Ok(true)
}
