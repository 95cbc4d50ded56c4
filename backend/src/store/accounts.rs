//! Users and API keys.

use super::engine::on;
use super::{Conn, Dialect, Reader};
use crate::clock::Millis;
use domain::ids::{ApiKeyId, CampaignId, UserId};
use domain::tenancy::ApiScope;
use domain::views::ApiKeyView;
use sqlx::FromRow;

pub struct UserRow {
    pub id: UserId,
    pub password_hash: String,
}

pub async fn insert_user(
    conn: &mut Conn,
    id: UserId,
    email: &str,
    password_hash: &str,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(id)
    .bind(email)
    .bind(password_hash)
    .bind(now)
    .execute(c)
    .await
    .map(drop))
}

pub async fn user_by_email(pool: Reader<'_>, email: &str) -> sqlx::Result<Option<UserRow>> {
    // Emails match whatever their case (one account per address). Disabled accounts cannot
    // sign in.
    let row: Option<(UserId, String)> = on!(pool, c => sqlx::query_as(
        "SELECT id, password_hash FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL"
    )
    .bind(email)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|(id, password_hash)| UserRow { id, password_hash }))
}

/// The account of this email, enabled or not.
pub async fn any_user_by_email(pool: Reader<'_>, email: &str) -> sqlx::Result<Option<UserId>> {
    on!(pool, c => sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
        .bind(email)
        .fetch_optional(c)
        .await)
}

pub async fn user_email(pool: Reader<'_>, id: UserId) -> sqlx::Result<Option<String>> {
    on!(pool, c => sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// Deletes expired rows of the session store's table (SQLite `tower_sessions`, PostgreSQL
/// `tower_sessions.session`, made by the UI's session layer; absent before the UI first starts,
/// which counts as nothing to purge).
pub async fn purge_expired_sessions(conn: &mut Conn) -> sqlx::Result<u64> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => {
            "DELETE FROM tower_sessions WHERE datetime(expiry_date) < datetime('now')"
        }
        Dialect::Postgres => "DELETE FROM tower_sessions.session WHERE expiry_date < now()",
    };
    let purged = on!(conn, c => sqlx::query(sql).execute(c).await
        .map(|r| r.rows_affected()));
    match purged {
        Ok(n) => Ok(n),
        Err(sqlx::Error::Database(e))
            if e.message().contains("no such table") || e.code().as_deref() == Some("42P01") =>
        {
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

pub async fn count_users(pool: Reader<'_>) -> sqlx::Result<i64> {
    on!(pool, c => sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(c)
        .await)
}

pub struct NewApiKeyRow<'a> {
    pub id: ApiKeyId,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub sandbox_id: &'a str,
    pub scope: ApiScope,
    /// `Some` restricts the key to these campaigns.
    pub campaigns: Option<&'a [CampaignId]>,
    pub now: Millis,
}

pub async fn insert_api_key(conn: &mut Conn, key: NewApiKeyRow<'_>) -> sqlx::Result<()> {
    on!(&mut *conn, c => sqlx::query(
        "INSERT INTO api_keys (id, name, prefix, key_hash, sandbox_id, scope, restricted, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(key.id)
    .bind(key.name)
    .bind(key.prefix)
    .bind(key.key_hash)
    .bind(key.sandbox_id)
    .bind(key.scope)
    .bind(key.campaigns.is_some())
    .bind(key.now)
    .execute(c)
    .await
        .map(|r| r.rows_affected()))?;
    for campaign in key.campaigns.unwrap_or_default() {
        on!(&mut *conn, c => sqlx::query(
            "INSERT INTO api_key_campaigns (api_key_id, campaign_id) VALUES ($1, $2)"
        )
        .bind(key.id)
        .bind(campaign)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// An unrevoked key with its sandbox, as authentication needs it.
#[derive(Debug, Clone, FromRow)]
pub struct ActiveKeyRow {
    pub id: ApiKeyId,
    pub scope: ApiScope,
    pub restricted: bool,
    pub sandbox_id: String,
    pub org_id: String,
    pub sandbox_name: String,
}

/// The unrevoked key with this hash.
pub async fn active_api_key(
    pool: Reader<'_>,
    key_hash: &str,
) -> sqlx::Result<Option<ActiveKeyRow>> {
    on!(pool, c => sqlx::query_as(
        "SELECT k.id, k.scope, k.restricted, s.id AS sandbox_id, s.org_id, s.name AS sandbox_name
           FROM api_keys k JOIN sandboxes s ON s.id = k.sandbox_id
          WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND k.kind = 'client'",
    )
    .bind(key_hash)
    .fetch_optional(c)
    .await)
}

/// The titles of the campaigns each restricted key may trigger, by key id (as text, as the
/// views hold it), in title order.
pub async fn restricted_key_titles(pool: Reader<'_>) -> sqlx::Result<Vec<(String, String)>> {
    on!(pool, c => sqlx::query_as(
        "SELECT kc.api_key_id, c.title FROM api_key_campaigns kc JOIN campaigns c ON c.id = kc.campaign_id
          ORDER BY c.title",
    )
    .fetch_all(c)
    .await)
}

/// The campaigns a restricted key may trigger.
pub async fn key_campaigns(pool: Reader<'_>, key_id: ApiKeyId) -> sqlx::Result<Vec<CampaignId>> {
    on!(pool, c => sqlx::query_scalar(
        "SELECT campaign_id FROM api_key_campaigns WHERE api_key_id = $1",
    )
    .bind(key_id)
    .fetch_all(c)
    .await)
}

/// Revokes keys by id or by name (of one sandbox, or `None`: of any); returns the keys revoked
/// with their sandboxes.
pub async fn revoke_api_key(
    conn: &mut Conn,
    sandbox_id: Option<&str>,
    id_or_name: &str,
    now: Millis,
) -> sqlx::Result<Vec<(ApiKeyId, String)>> {
    on!(conn, c => sqlx::query_as(
        "UPDATE api_keys SET revoked_at = $1
          WHERE (id = $2 OR name = $2) AND revoked_at IS NULL AND kind = 'client'
            AND ($3 IS NULL OR sandbox_id = $3)
          RETURNING id, sandbox_id",
    )
    .bind(now)
    .bind(id_or_name)
    .bind(sandbox_id)
    .fetch_all(c)
    .await)
}

/// The sandbox's console key (what sends started in the browser are recorded under), made on
/// first use. No presented secret matches it: its hash is not a SHA-256.
pub async fn console_key(conn: &mut Conn, sandbox_id: &str, now: Millis) -> sqlx::Result<ApiKeyId> {
    let hash = format!("console:{sandbox_id}");
    on!(&mut *conn, c => sqlx::query(
        "INSERT INTO api_keys (id, name, prefix, key_hash, sandbox_id, scope, restricted, created_at, kind)
         VALUES ($1, 'Herald console', '', $2, $3, 'admin', FALSE, $4, 'console')
         ON CONFLICT (key_hash) DO NOTHING",
    )
    .bind(ApiKeyId::new())
    .bind(&hash)
    .bind(sandbox_id)
    .bind(now)
    .execute(c)
    .await
    .map(drop))?;
    on!(&mut *conn, c => sqlx::query_scalar("SELECT id FROM api_keys WHERE key_hash = $1")
        .bind(&hash)
        .fetch_one(c)
        .await)
}

/// Every key that callers hold in a sandbox, newest first (active and revoked).
pub async fn list_api_keys(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<ApiKeyView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT k.id, k.name, k.prefix, k.scope, k.restricted, s.org_id, s.name AS sandbox_name,
                k.created_at, k.last_used_at, k.revoked_at
           FROM api_keys k JOIN sandboxes s ON s.id = k.sandbox_id
          WHERE k.kind = 'client' AND k.sandbox_id = $1
          ORDER BY k.created_at DESC, k.id DESC",
    )
    .bind(sandbox_id)
    .fetch_all(c)
    .await)
}

/// Records a use of the key, at most once a minute.
pub async fn touch_api_key(conn: &mut Conn, id: ApiKeyId, now: Millis) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "UPDATE api_keys SET last_used_at = $1
          WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1 - 60000)",
    )
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(drop))
}
