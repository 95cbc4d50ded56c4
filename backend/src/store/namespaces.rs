//! Custom identity namespaces of each sandbox, and how much uses each namespace.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use sqlx::FromRow;

/// Inserts a namespace; `false` when the sandbox has it already.
pub async fn insert(
    conn: &mut Conn,
    sandbox_id: &str,
    name: &str,
    description: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    let inserted = on!(conn, c => sqlx::query(
        "INSERT INTO namespaces (sandbox_id, name, description, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(sandbox_id)
    .bind(name)
    .bind(description)
    .bind(now)
    .execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(inserted == 1)
}

#[derive(FromRow)]
pub struct NamespaceRow {
    pub name: String,
    pub description: String,
}

/// The sandbox's custom namespaces, by name.
pub async fn list(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<NamespaceRow>> {
    on!(pool, c => sqlx::query_as("SELECT name, description FROM namespaces WHERE sandbox_id = $1 ORDER BY name")
        .bind(sandbox_id)
        .fetch_all(c).await)
}

pub async fn exists(pool: Reader<'_>, sandbox_id: &str, name: &str) -> sqlx::Result<bool> {
    on!(pool, c => sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM namespaces WHERE sandbox_id = $1 AND name = $2)")
        .bind(sandbox_id)
        .bind(name)
        .fetch_one(c).await)
}

/// How many (campaigns, profile identities) of the sandbox use each namespace that has any.
pub async fn usage(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<(String, i64, i64)>> {
    on!(pool, c => sqlx::query_as(
        "SELECT namespace, CAST(SUM(campaigns) AS BIGINT), CAST(SUM(identities) AS BIGINT) FROM (
             SELECT namespace, 1 AS campaigns, 0 AS identities FROM campaigns WHERE sandbox_id = $1
             UNION ALL
             SELECT namespace, 0, 1 FROM profile_identities WHERE sandbox_id = $1
         ) used GROUP BY namespace",
    )
    .bind(sandbox_id)
    .fetch_all(c).await)
}

/// Deletes a namespace nothing uses; `false` when it is unknown or in use (checked in the same
/// statement, so a campaign created meanwhile cannot be orphaned).
pub async fn delete_unused(conn: &mut Conn, sandbox_id: &str, name: &str) -> sqlx::Result<bool> {
    let deleted = on!(conn, c => sqlx::query(
        "DELETE FROM namespaces WHERE sandbox_id = $1 AND name = $2
            AND NOT EXISTS (SELECT 1 FROM campaigns WHERE sandbox_id = $1 AND namespace = $2)
            AND NOT EXISTS (SELECT 1 FROM profile_identities WHERE sandbox_id = $1 AND namespace = $2)",
    )
    .bind(sandbox_id)
    .bind(name)
    .execute(c).await
        .map(|r| r.rows_affected()))?;
    Ok(deleted == 1)
}
