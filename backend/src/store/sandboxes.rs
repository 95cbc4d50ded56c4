//! Organisations' sandboxes.

use crate::clock::Millis;
use domain::ids::SandboxId;
use domain::views::SandboxView;
use sqlx::{SqliteConnection, SqlitePool};

pub async fn list(pool: &SqlitePool) -> sqlx::Result<Vec<SandboxView>> {
    sqlx::query_as("SELECT id, org_id, name FROM sandboxes ORDER BY org_id, created_at, name")
        .fetch_all(pool)
        .await
}

pub async fn by_id(pool: &SqlitePool, id: &str) -> sqlx::Result<Option<SandboxView>> {
    sqlx::query_as("SELECT id, org_id, name FROM sandboxes WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The sandbox of this name; with `org` None, of any organisation when only one has it.
pub async fn by_name(
    pool: &SqlitePool,
    org: Option<&str>,
    name: &str,
) -> sqlx::Result<Vec<SandboxView>> {
    sqlx::query_as(
        "SELECT id, org_id, name FROM sandboxes WHERE name = ?1 AND (?2 IS NULL OR org_id = ?2)",
    )
    .bind(name)
    .bind(org)
    .fetch_all(pool)
    .await
}

pub async fn insert(
    conn: &mut SqliteConnection,
    id: SandboxId,
    org_id: &str,
    name: &str,
    now: Millis,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO sandboxes (id, org_id, name, created_at) VALUES (?, ?, ?, ?)")
        .bind(id.to_string())
        .bind(org_id)
        .bind(name)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
}
