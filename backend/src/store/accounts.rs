//! Users and API keys.

use crate::clock::Millis;
use domain::ids::{ApiKeyId, UserId};
use domain::views::ApiKeyView;
use sqlx::{SqliteConnection, SqlitePool};

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

pub async fn count_users(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
}

pub async fn insert_api_key(
    conn: &mut SqliteConnection,
    id: ApiKeyId,
    name: &str,
    prefix: &str,
    key_hash: &str,
    now: Millis,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(prefix)
    .bind(key_hash)
    .bind(now)
    .execute(conn)
    .await
    .map(drop)
}

/// The id of the unrevoked key with this hash.
pub async fn active_api_key(pool: &SqlitePool, key_hash: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
        .bind(key_hash)
        .fetch_optional(pool)
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
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys
          ORDER BY created_at DESC, id DESC",
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
