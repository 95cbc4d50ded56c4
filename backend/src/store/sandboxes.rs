//! Organisations' sandboxes.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::ids::SandboxId;
use domain::views::SandboxView;

pub async fn list(pool: Reader<'_>) -> sqlx::Result<Vec<SandboxView>> {
    on!(pool, c => sqlx::query_as("SELECT id, org_id, name FROM sandboxes ORDER BY org_id, created_at, name")
        .fetch_all(c).await)
}

pub async fn by_id(pool: Reader<'_>, id: &str) -> sqlx::Result<Option<SandboxView>> {
    on!(pool, c => sqlx::query_as("SELECT id, org_id, name FROM sandboxes WHERE id = $1")
        .bind(id)
        .fetch_optional(c).await)
}

/// The sandbox of this name; with `org` None, of any organisation when only one has it.
pub async fn by_name(
    pool: Reader<'_>,
    org: Option<&str>,
    name: &str,
) -> sqlx::Result<Vec<SandboxView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT id, org_id, name FROM sandboxes WHERE name = $1 AND ($2 IS NULL OR org_id = $2)",
    )
    .bind(name)
    .bind(org)
    .fetch_all(c).await)
}

pub async fn insert(
    conn: &mut Conn,
    id: SandboxId,
    org_id: &str,
    name: &str,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query("INSERT INTO sandboxes (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(org_id)
        .bind(name)
        .bind(now)
        .execute(c).await
        .map(drop))
}
