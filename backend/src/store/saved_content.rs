//! Saved content of each sandbox (see [`domain::saved_content`]).

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::channel::Channel;
use domain::ids::{CampaignId, SavedContentId};
use domain::saved_content::SavedContentSummary;

/// Saved content to insert.
pub struct NewRow<'a> {
    pub id: SavedContentId,
    pub sandbox_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub channel: Channel,
    /// The content as JSON ([`domain::content::ContentInput`]).
    pub content: &'a str,
    pub campaign_id: CampaignId,
    pub saved_by: &'a str,
    pub saved_at: Millis,
}

/// Inserts saved content; `false` when the sandbox has saved content of that name already.
pub async fn insert(conn: &mut Conn, row: &NewRow<'_>) -> sqlx::Result<bool> {
    let inserted = on!(conn, c => sqlx::query(
        "INSERT INTO saved_content (id, sandbox_id, name, description, channel, content,
             campaign_id, saved_by, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT DO NOTHING",
    )
    .bind(row.id)
    .bind(row.sandbox_id)
    .bind(row.name)
    .bind(row.description)
    .bind(row.channel.as_str())
    .bind(row.content)
    .bind(row.campaign_id)
    .bind(row.saved_by)
    .bind(row.saved_at)
    .execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(inserted == 1)
}

/// How a summary reads: the campaign's title while it exists, the saver's email (else the API
/// key's name, else the actor).
const SUMMARY: &str = "s.id, s.name, s.description, s.channel, c.title AS from_campaign,
    COALESCE(u.email, 'API key ' || k.name, s.saved_by) AS saved_by, s.saved_at";
const FROM: &str = "FROM saved_content s
    LEFT JOIN campaigns c ON c.id = s.campaign_id
    LEFT JOIN users u ON s.saved_by = 'user:' || u.id
    LEFT JOIN api_keys k ON s.saved_by = 'key:' || k.id";

/// The sandbox's saved content, by name.
pub async fn list(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<SavedContentSummary>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {SUMMARY} {FROM} WHERE s.sandbox_id = $1 ORDER BY s.name"
    ))
    .bind(sandbox_id)
    .fetch_all(c).await)
}

/// One saved content of the sandbox, with its content's JSON.
pub async fn get(
    pool: Reader<'_>,
    sandbox_id: &str,
    id: SavedContentId,
) -> sqlx::Result<Option<(SavedContentSummary, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        summary: SavedContentSummary,
        content: String,
    }
    let row: Option<Row> = on!(pool, c => sqlx::query_as(&format!(
        "SELECT {SUMMARY}, s.content {FROM} WHERE s.sandbox_id = $1 AND s.id = $2"
    ))
    .bind(sandbox_id)
    .bind(id)
    .fetch_optional(c).await)?;
    Ok(row.map(|r| (r.summary, r.content)))
}

/// Deletes one saved content of the sandbox; its name, or `None` when it is unknown.
pub async fn delete(
    conn: &mut Conn,
    sandbox_id: &str,
    id: SavedContentId,
) -> sqlx::Result<Option<String>> {
    on!(conn, c => sqlx::query_scalar(
        "DELETE FROM saved_content WHERE sandbox_id = $1 AND id = $2 RETURNING name",
    )
    .bind(sandbox_id)
    .bind(id)
    .fetch_optional(c).await)
}
