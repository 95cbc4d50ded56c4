//! Custom identity namespaces of each sandbox, and how much uses each namespace.

use crate::clock::Millis;
use sqlx::{FromRow, SqliteConnection, SqlitePool};

/// Inserts a namespace; `false` when the sandbox has it already.
pub async fn insert(
    conn: &mut SqliteConnection,
    sandbox_id: &str,
    name: &str,
    description: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO namespaces (sandbox_id, name, description, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING",
    )
    .bind(sandbox_id)
    .bind(name)
    .bind(description)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

#[derive(FromRow)]
pub struct NamespaceRow {
    pub name: String,
    pub description: String,
}

/// The sandbox's custom namespaces, by name.
pub async fn list(pool: &SqlitePool, sandbox_id: &str) -> sqlx::Result<Vec<NamespaceRow>> {
    sqlx::query_as("SELECT name, description FROM namespaces WHERE sandbox_id = ? ORDER BY name")
        .bind(sandbox_id)
        .fetch_all(pool)
        .await
}

pub async fn exists(pool: &SqlitePool, sandbox_id: &str, name: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM namespaces WHERE sandbox_id = ? AND name = ?)")
        .bind(sandbox_id)
        .bind(name)
        .fetch_one(pool)
        .await
}

/// How many (campaigns, profile identities) of the sandbox use each namespace that has any.
pub async fn usage(pool: &SqlitePool, sandbox_id: &str) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT namespace, SUM(campaigns), SUM(identities) FROM (
             SELECT namespace, 1 AS campaigns, 0 AS identities FROM campaigns WHERE sandbox_id = ?1
             UNION ALL
             SELECT namespace, 0, 1 FROM profile_identities WHERE sandbox_id = ?1
         ) GROUP BY namespace",
    )
    .bind(sandbox_id)
    .fetch_all(pool)
    .await
}

/// Deletes a namespace nothing uses; `false` when it is unknown or in use (checked in the same
/// statement, so a campaign created meanwhile cannot be orphaned).
pub async fn delete_unused(
    conn: &mut SqliteConnection,
    sandbox_id: &str,
    name: &str,
) -> sqlx::Result<bool> {
    let deleted = sqlx::query(
        "DELETE FROM namespaces WHERE sandbox_id = ?1 AND name = ?2
            AND NOT EXISTS (SELECT 1 FROM campaigns WHERE sandbox_id = ?1 AND namespace = ?2)
            AND NOT EXISTS (SELECT 1 FROM profile_identities WHERE sandbox_id = ?1 AND namespace = ?2)",
    )
    .bind(sandbox_id)
    .bind(name)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(deleted == 1)
}
