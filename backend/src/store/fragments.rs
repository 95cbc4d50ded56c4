//! Fragments of each sandbox (see [`domain::fragment`]), and which campaign versions hold them.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::campaign::CampaignStatus;
use domain::fragment::NewFragment;
use domain::ids::{CampaignId, FragmentId};

/// A fragment as read, with who last wrote it as people read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FragmentRow {
    pub id: FragmentId,
    pub name: String,
    pub description: String,
    pub body: String,
    /// The writer's email, else the API key's name, else the actor.
    pub updated_by: String,
    pub updated_at: i64,
}

const COLUMNS: &str = "f.id, f.name, f.description, f.body,
    COALESCE(u.email, 'API key ' || k.name, f.updated_by) AS updated_by, f.updated_at";
const FROM: &str = "FROM fragments f
    LEFT JOIN users u ON f.updated_by = 'user:' || u.id
    LEFT JOIN api_keys k ON f.updated_by = 'key:' || k.id";

/// The sandbox's fragments, by name.
pub async fn list(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<FragmentRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE f.sandbox_id = $1 ORDER BY f.name"
    ))
    .bind(sandbox_id)
    .fetch_all(c).await)
}

pub async fn get(
    pool: Reader<'_>,
    sandbox_id: &str,
    id: FragmentId,
) -> sqlx::Result<Option<FragmentRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE f.sandbox_id = $1 AND f.id = $2"
    ))
    .bind(sandbox_id)
    .bind(id)
    .fetch_optional(c).await)
}

/// Inserts a fragment; `false` when the sandbox has one of that name already.
pub async fn insert(
    conn: &mut Conn,
    id: FragmentId,
    sandbox_id: &str,
    fragment: &NewFragment,
    actor: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    let inserted = on!(conn, c => sqlx::query(
        "INSERT INTO fragments (id, sandbox_id, name, description, body, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(sandbox_id)
    .bind(&fragment.name)
    .bind(&fragment.description)
    .bind(&fragment.body)
    .bind(actor)
    .bind(now)
    .execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(inserted == 1)
}

/// Changes a fragment's description and body (its name never changes); `false` when the
/// sandbox has no such fragment.
pub async fn update(
    conn: &mut Conn,
    sandbox_id: &str,
    id: FragmentId,
    fragment: &NewFragment,
    actor: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    let updated = on!(conn, c => sqlx::query(
        "UPDATE fragments SET description = $3, body = $4, updated_by = $5, updated_at = $6
         WHERE sandbox_id = $1 AND id = $2",
    )
    .bind(sandbox_id)
    .bind(id)
    .bind(&fragment.description)
    .bind(&fragment.body)
    .bind(actor)
    .bind(now)
    .execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}

/// Deletes a fragment of the sandbox; its name, or `None` when it is unknown.
pub async fn delete(
    conn: &mut Conn,
    sandbox_id: &str,
    id: FragmentId,
) -> sqlx::Result<Option<String>> {
    on!(conn, c => sqlx::query_scalar(
        "DELETE FROM fragments WHERE sandbox_id = $1 AND id = $2 RETURNING name",
    )
    .bind(sandbox_id)
    .bind(id)
    .fetch_optional(c).await)
}

/// The newest version of a campaign that includes fragments.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Inclusion {
    pub campaign_id: CampaignId,
    pub title: String,
    /// The stored status (with the dates, the status people see).
    pub status: CampaignStatus,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub version: i64,
    /// The bodies the version holds (JSON, [`domain::fragment::Fragments`]).
    pub fragments: String,
}

/// The sandbox's campaigns (archived ones left out) whose newest version includes fragments,
/// by title.
pub async fn inclusions(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<Inclusion>> {
    on!(pool, c => sqlx::query_as(
        "SELECT c.id AS campaign_id, c.title, c.status, c.starts_at, c.ends_at, v.version,
             v.fragments
         FROM campaigns c JOIN campaign_versions v ON v.campaign_id = c.id
         WHERE c.sandbox_id = $1 AND c.status <> 'archived' AND v.fragments IS NOT NULL
           AND v.version = (SELECT MAX(version) FROM campaign_versions WHERE campaign_id = c.id)
         ORDER BY lower(c.title), c.id",
    )
    .bind(sandbox_id)
    .fetch_all(c).await)
}
