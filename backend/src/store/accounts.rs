//! Users and API keys.

use crate::clock::Millis;
use domain::ids::{ApiKeyId, UserId};
use domain::views::ApiKeyView;
use sqlx::{FromRow, SqliteConnection, SqlitePool};

pub struct UserRow {
    pub id: String,
    pub password_hash: String,
}

pub async fn insert_user(
    conn: &mut SqliteConnection,
    id: UserId,
    email: &str,
    password_hash: &str,
    now: Millis,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)")
        .bind(id.to_string())
        .bind(email)
        .bind(password_hash)
        .bind(now)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn user_by_email(pool: &SqlitePool, email: &str) -> sqlx::Result<Option<UserRow>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email = ?")
            .bind(email)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, password_hash)| UserRow { id, password_hash }))
}

pub async fn user_email(pool: &SqlitePool, id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT email FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Deletes expired rows of the session store's table (`tower_sessions`, made by the UI's session
/// layer; absent before the UI first starts, which counts as nothing to purge).
pub async fn purge_expired_sessions(conn: &mut sqlx::SqliteConnection) -> sqlx::Result<u64> {
    let purged =
        sqlx::query("DELETE FROM tower_sessions WHERE datetime(expiry_date) < datetime('now')")
            .execute(conn)
            .await;
    match purged {
        Ok(r) => Ok(r.rows_affected()),
        Err(sqlx::Error::Database(e)) if e.message().contains("no such table") => Ok(0),
        Err(e) => Err(e),
    }
}

pub async fn count_users(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
}

pub struct NewApiKeyRow<'a> {
    pub id: ApiKeyId,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub sandbox_id: &'a str,
    pub scope: &'a str,
    /// `Some` restricts the key to these campaigns.
    pub campaigns: Option<&'a [String]>,
    pub now: Millis,
}

pub async fn insert_api_key(
    conn: &mut SqliteConnection,
    key: NewApiKeyRow<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, name, prefix, key_hash, sandbox_id, scope, restricted, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(key.id.to_string())
    .bind(key.name)
    .bind(key.prefix)
    .bind(key.key_hash)
    .bind(key.sandbox_id)
    .bind(key.scope)
    .bind(key.campaigns.is_some())
    .bind(key.now)
    .execute(&mut *conn)
    .await?;
    for campaign in key.campaigns.unwrap_or_default() {
        sqlx::query("INSERT INTO api_key_campaigns (api_key_id, campaign_id) VALUES (?, ?)")
            .bind(key.id.to_string())
            .bind(campaign)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// An unrevoked key with its sandbox, as authentication needs it.
#[derive(Debug, Clone, FromRow)]
pub struct ActiveKeyRow {
    pub id: String,
    pub scope: String,
    pub restricted: bool,
    pub sandbox_id: String,
    pub org_id: String,
    pub sandbox_name: String,
}

/// The unrevoked key with this hash.
pub async fn active_api_key(
    pool: &SqlitePool,
    key_hash: &str,
) -> sqlx::Result<Option<ActiveKeyRow>> {
    sqlx::query_as(
        "SELECT k.id, k.scope, k.restricted, s.id AS sandbox_id, s.org_id, s.name AS sandbox_name
           FROM api_keys k JOIN sandboxes s ON s.id = k.sandbox_id
          WHERE k.key_hash = ? AND k.revoked_at IS NULL",
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await
}

/// The campaigns a restricted key may trigger, as (id, title).
pub async fn key_campaigns(pool: &SqlitePool, key_id: &str) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT c.id, c.title FROM api_key_campaigns kc JOIN campaigns c ON c.id = kc.campaign_id
          WHERE kc.api_key_id = ? ORDER BY c.title",
    )
    .bind(key_id)
    .fetch_all(pool)
    .await
}

/// Revokes keys by id or by name; returns how many were revoked.
pub async fn revoke_api_key(
    conn: &mut SqliteConnection,
    id_or_name: &str,
    now: Millis,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE api_keys SET revoked_at = ? WHERE (id = ? OR name = ?) AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id_or_name)
    .bind(id_or_name)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
}

/// Every key, newest first (active and revoked).
pub async fn list_api_keys(pool: &SqlitePool) -> sqlx::Result<Vec<ApiKeyView>> {
    sqlx::query_as(
        "SELECT k.id, k.name, k.prefix, k.scope, k.restricted, s.org_id, s.name AS sandbox_name,
                k.created_at, k.last_used_at, k.revoked_at
           FROM api_keys k JOIN sandboxes s ON s.id = k.sandbox_id
          ORDER BY k.created_at DESC, k.id DESC",
    )
    .fetch_all(pool)
    .await
}

/// Records a use of the key, at most once a minute.
pub async fn touch_api_key(conn: &mut SqliteConnection, id: &str, now: Millis) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = ?1
          WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1 - 60000)",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await
    .map(drop)
}
