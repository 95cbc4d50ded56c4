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
    let table = session_table(conn.dialect());
    let expired = match conn.dialect() {
        Dialect::Sqlite => "datetime(expiry_date) < datetime('now')",
        Dialect::Postgres => "expiry_date < now()",
    };
    let sql = format!("DELETE FROM {table} WHERE {expired}");
    let purged = on!(&mut *conn, c => sqlx::query(&sql).execute(c).await
        .map(|r| r.rows_affected()));
    let purged = match purged {
        Err(e) if no_session_table(&e) => return Ok(0),
        other => other?,
    };
    // The list of a person's sessions forgets those that ended.
    let orphans =
        format!("DELETE FROM user_sessions WHERE session_key NOT IN (SELECT id FROM {table})");
    on!(conn, c => sqlx::query(&orphans).execute(c).await.map(drop))?;
    Ok(purged)
}

/// The browser session table (tower-sessions'), created when the web server first starts.
fn session_table(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "tower_sessions",
        Dialect::Postgres => "tower_sessions.session",
    }
}

fn no_session_table(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(e)
        if e.message().contains("no such table") || e.code().as_deref() == Some("42P01"))
}

/// Lists a new browser session of `user` (`key`: its row's key in the session table).
pub async fn record_session(
    conn: &mut Conn,
    key: &str,
    user: UserId,
    browser: &str,
    address: &str,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO user_sessions (session_key, user_id, created_at, browser, address)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_key) DO UPDATE SET user_id = $2, created_at = $3, browser = $4,
             address = $5",
    )
    .bind(key)
    .bind(user)
    .bind(now)
    .bind(browser)
    .bind(address)
    .execute(c).await
        .map(drop))
}

/// The user's browser sessions that have not expired, newest first.
pub async fn sessions_of(pool: Reader<'_>, user: UserId) -> sqlx::Result<Vec<SessionRow>> {
    let table = session_table(pool.dialect());
    let alive = match pool.dialect() {
        Dialect::Sqlite => "datetime(t.expiry_date) > datetime('now')",
        Dialect::Postgres => "t.expiry_date > now()",
    };
    let sql = format!(
        "SELECT s.session_key, s.created_at, s.browser, s.address
           FROM user_sessions s JOIN {table} t ON t.id = s.session_key
          WHERE s.user_id = $1 AND {alive}
          ORDER BY s.created_at DESC
          LIMIT 100"
    );
    let rows = on!(pool, c => sqlx::query_as(&sql).bind(user).fetch_all(c).await);
    match rows {
        Err(e) if no_session_table(&e) => Ok(Vec::new()),
        other => other,
    }
}

/// Ends the user's sessions whose keys are `keys` (others' keys are left alone). Returns how
/// many ended.
pub async fn end_sessions(conn: &mut Conn, user: UserId, keys: &[String]) -> sqlx::Result<u64> {
    let table = session_table(conn.dialect());
    let mut ended = 0;
    for key in keys {
        let mine = on!(&mut *conn, c => sqlx::query(
            "DELETE FROM user_sessions WHERE session_key = $1 AND user_id = $2",
        )
        .bind(key)
        .bind(user)
        .execute(c).await
            .map(|r| r.rows_affected()))?;
        if mine == 1 {
            let sql = format!("DELETE FROM {table} WHERE id = $1");
            on!(&mut *conn, c => sqlx::query(&sql).bind(key).execute(c).await.map(drop))?;
            ended += 1;
        }
    }
    Ok(ended)
}

/// One of a person's browser sessions.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub session_key: String,
    pub created_at: Millis,
    pub browser: String,
    pub address: String,
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
