//! Channel surfaces. Secrets arrive here already sealed (see `secret_box`).

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::channel::{Category, Channel};
use domain::ids::SurfaceId;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct SurfaceRow {
    pub id: SurfaceId,
    pub sandbox_id: String,
    pub name: String,
    pub channel: Channel,
    pub category: Category,
    /// `SurfaceSettings` as JSON.
    pub settings: String,
    pub secrets: Option<Vec<u8>>,
    /// Campaigns that name this surface.
    pub campaigns: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

const COLUMNS: &str = "s.id, s.sandbox_id, s.name, s.channel, s.category, s.settings, s.secrets,
     (SELECT COUNT(*) FROM campaigns c WHERE c.surface_id = s.id) AS campaigns,
     s.created_at, s.updated_at";

pub async fn list(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<SurfaceRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM surfaces s WHERE s.sandbox_id = $1 ORDER BY s.channel, s.name"
    ))
    .bind(sandbox_id)
    .fetch_all(c).await)
}

pub async fn by_id(pool: Reader<'_>, id: SurfaceId) -> sqlx::Result<Option<SurfaceRow>> {
    on!(pool, c => sqlx::query_as(&format!("SELECT {COLUMNS} FROM surfaces s WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(c).await)
}

/// The surfaces among `ids` changed since the caller's copies, for the delivery cache.
pub async fn by_ids(pool: Reader<'_>, ids: &[SurfaceId]) -> sqlx::Result<Vec<SurfaceRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM surfaces s WHERE s.id IN ({})",
        marks.join(", ")
    );
    on!(pool, c => {
        let mut query = sqlx::query_as(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(c).await
    })
}

pub struct SurfaceRecord<'a> {
    pub id: SurfaceId,
    pub sandbox_id: &'a str,
    pub name: &'a str,
    pub channel: Channel,
    pub category: Category,
    pub settings: &'a str,
    pub secrets: Option<&'a [u8]>,
    pub now: Millis,
}

/// Inserts or replaces a surface. Returns false when the name is taken by another surface of
/// the sandbox.
pub async fn save(conn: &mut Conn, r: &SurfaceRecord<'_>) -> sqlx::Result<bool> {
    let result = on!(conn, c => sqlx::query(
        "INSERT INTO surfaces (id, sandbox_id, name, channel, category, settings, secrets,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (id) DO UPDATE SET name = $3, category = $5, settings = $6, secrets = $7,
             updated_at = $8",
    )
    .bind(r.id)
    .bind(r.sandbox_id)
    .bind(r.name)
    .bind(r.channel)
    .bind(r.category)
    .bind(r.settings)
    .bind(r.secrets)
    .bind(r.now)
    .execute(c).await
        .map(|r| r.rows_affected()));
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Deletes a surface no campaign and no message refers to. Returns whether it was deleted.
pub async fn delete_unused(conn: &mut Conn, id: SurfaceId) -> sqlx::Result<bool> {
    Ok(on!(conn, c => sqlx::query(
        "DELETE FROM surfaces WHERE id = $1
            AND NOT EXISTS (SELECT 1 FROM campaigns WHERE surface_id = $1)
            AND NOT EXISTS (SELECT 1 FROM messages WHERE surface_id = $1)",
    )
    .bind(id)
    .execute(c).await
        .map(|r| r.rows_affected()))?
        == 1)
}
