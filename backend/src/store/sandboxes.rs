//! Organisations' sandboxes.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::ids::{SandboxId, SurfaceId};
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

/// The sandbox's own phone region and, if `surface` is one of its surfaces, that surface's
/// settings (JSON), read together for a call that meets a national number.
pub async fn phone_region_sources(
    pool: Reader<'_>,
    sandbox_id: &str,
    surface: Option<SurfaceId>,
) -> sqlx::Result<(Option<String>, Option<String>)> {
    let row: Option<(Option<String>, Option<String>)> = on!(pool, c => sqlx::query_as(
        "SELECT s.phone_region, f.settings FROM sandboxes s
           LEFT JOIN surfaces f ON f.id = $2 AND f.sandbox_id = s.id
          WHERE s.id = $1",
    )
    .bind(sandbox_id)
    .bind(surface)
    .fetch_optional(c).await)?;
    Ok(row.unwrap_or_default())
}

/// The sandbox's time zone (an IANA name); `None`: UTC.
pub async fn time_zone(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(Option<String>,)> = on!(pool, c => sqlx::query_as(
        "SELECT time_zone FROM sandboxes WHERE id = $1",
    )
    .bind(sandbox_id)
    .fetch_optional(c).await)?;
    Ok(row.and_then(|r| r.0))
}

/// Sets the sandbox's own settings: phone region and time zone (`None`: the defaults).
pub async fn set_settings(
    conn: &mut Conn,
    sandbox_id: &str,
    phone_region: Option<&str>,
    time_zone: Option<&str>,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query("UPDATE sandboxes SET phone_region = $2, time_zone = $3 WHERE id = $1")
        .bind(sandbox_id)
        .bind(phone_region)
        .bind(time_zone)
        .execute(c).await
        .map(drop))
}

/// Whether the sandbox's marketing campaigns need an approver's decision to go live.
pub async fn approval_required(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<bool> {
    let row: Option<(bool,)> = on!(pool, c => sqlx::query_as(
        "SELECT approval_required FROM sandboxes WHERE id = $1",
    )
    .bind(sandbox_id)
    .fetch_optional(c).await)?;
    Ok(row.is_some_and(|r| r.0))
}

pub async fn set_approval_required(
    conn: &mut Conn,
    sandbox_id: &str,
    required: bool,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query("UPDATE sandboxes SET approval_required = $2 WHERE id = $1")
        .bind(sandbox_id)
        .bind(required)
        .execute(c).await
        .map(drop))
}
