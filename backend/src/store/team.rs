//! People's roles in sandboxes, disabled accounts, and one-time account links.

use super::engine::on;
use super::{Conn, Dialect, Reader};
use crate::clock::Millis;
use domain::ids::UserId;
use domain::team::{InvitationView, MemberView};
use domain::tenancy::Role;
use domain::views::SandboxView;
use sqlx::FromRow;

/// The user's role in the sandbox; `None` when they have none there or their account is
/// disabled.
pub async fn role_of(
    pool: Reader<'_>,
    user: UserId,
    sandbox_id: &str,
) -> sqlx::Result<Option<Role>> {
    on!(pool, c => sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.user_id = $1 AND m.sandbox_id = $2 AND u.disabled_at IS NULL",
    )
    .bind(user)
    .bind(sandbox_id)
    .fetch_optional(c)
    .await)
}

#[derive(FromRow)]
struct SandboxRoleRow {
    id: String,
    org_id: String,
    name: String,
    role: Role,
}

/// The sandboxes an enabled user may enter, with their role in each, in the sandbox list's order.
pub async fn sandboxes_of(
    pool: Reader<'_>,
    user: UserId,
) -> sqlx::Result<Vec<(SandboxView, Role)>> {
    let rows: Vec<SandboxRoleRow> = on!(pool, c => sqlx::query_as(
        "SELECT s.id, s.org_id, s.name, m.role
           FROM memberships m JOIN sandboxes s ON s.id = m.sandbox_id JOIN users u ON u.id = m.user_id
          WHERE m.user_id = $1 AND u.disabled_at IS NULL
          ORDER BY s.org_id, s.created_at, s.name",
    )
    .bind(user)
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let sandbox = SandboxView {
                id: r.id,
                org_id: r.org_id,
                name: r.name,
            };
            (sandbox, r.role)
        })
        .collect())
}

/// Gives the user this role in the sandbox (replacing the one they had).
pub async fn set_role(
    conn: &mut Conn,
    user: UserId,
    sandbox_id: &str,
    role: Role,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO memberships (user_id, sandbox_id, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, sandbox_id) DO UPDATE SET role = excluded.role",
    )
    .bind(user)
    .bind(sandbox_id)
    .bind(role)
    .bind(now)
    .execute(c)
    .await
    .map(drop))
}

/// Takes the user's role in the sandbox away; returns whether they had one.
pub async fn remove_member(conn: &mut Conn, user: UserId, sandbox_id: &str) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND sandbox_id = $2")
        .bind(user)
        .bind(sandbox_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))
}

/// How many enabled owners the sandbox has.
pub async fn owner_count(conn: &mut Conn, sandbox_id: &str) -> sqlx::Result<i64> {
    on!(conn, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.sandbox_id = $1 AND m.role = 'owner' AND u.disabled_at IS NULL",
    )
    .bind(sandbox_id)
    .fetch_one(c)
    .await)
}

/// The sandbox's members, by email.
pub async fn members(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<MemberView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT u.id AS user_id, u.email, m.role, u.disabled_at IS NOT NULL AS disabled
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.sandbox_id = $1
          ORDER BY lower(u.email)",
    )
    .bind(sandbox_id)
    .fetch_all(c)
    .await)
}

/// A user as the command line lists them.
#[derive(Debug, FromRow)]
pub struct UserListing {
    pub id: UserId,
    pub email: String,
    pub disabled: bool,
    /// `sandbox-name:role` for each sandbox, comma-separated.
    pub roles: Option<String>,
}

pub async fn list_users(pool: Reader<'_>) -> sqlx::Result<Vec<UserListing>> {
    // String aggregation is spelled differently by the two engines.
    let agg = match pool.dialect() {
        Dialect::Sqlite => "group_concat",
        Dialect::Postgres => "string_agg",
    };
    let sql = format!(
        "SELECT u.id, u.email, u.disabled_at IS NOT NULL AS disabled,
                (SELECT {agg}(s.org_id || '/' || s.name || ':' || m.role, ', ')
                   FROM memberships m JOIN sandboxes s ON s.id = m.sandbox_id
                  WHERE m.user_id = u.id) AS roles
           FROM users u ORDER BY lower(u.email)"
    );
    on!(pool, c => sqlx::query_as(&sql).fetch_all(c).await)
}

/// Disables (`Some(now)`) or enables (`None`) an account; returns whether it exists.
pub async fn set_disabled(conn: &mut Conn, user: UserId, at: Option<Millis>) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
        .bind(at)
        .bind(user)
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))
}

pub async fn set_password(conn: &mut Conn, user: UserId, password_hash: &str) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user)
        .execute(c)
        .await
        .map(drop))
}

/// What a one-time link is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Join `sandbox_id` with `role` as the person at the link's email.
    Invite { sandbox_id: String, role: Role },
    /// Choose a new password for the user.
    Reset { user: UserId },
}

pub struct NewLink<'a> {
    pub token_hash: &'a str,
    pub email: &'a str,
    pub purpose: &'a LinkPurpose,
    pub created_by: &'a str,
    pub now: Millis,
    pub expires_at: Millis,
}

pub async fn insert_link(conn: &mut Conn, link: NewLink<'_>) -> sqlx::Result<()> {
    let (purpose, user, sandbox, role) = match link.purpose {
        LinkPurpose::Invite { sandbox_id, role } => {
            ("invite", None, Some(sandbox_id.as_str()), Some(*role))
        }
        LinkPurpose::Reset { user } => ("reset", Some(*user), None, None),
    };
    on!(conn, c => sqlx::query(
        "INSERT INTO account_links
            (token_hash, purpose, email, user_id, sandbox_id, role, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(link.token_hash)
    .bind(purpose)
    .bind(link.email)
    .bind(user)
    .bind(sandbox)
    .bind(role)
    .bind(link.created_by)
    .bind(link.now)
    .bind(link.expires_at)
    .execute(c)
    .await
    .map(drop))
}

#[derive(FromRow)]
struct LinkRow {
    purpose: String,
    email: String,
    user_id: Option<UserId>,
    sandbox_id: Option<String>,
    role: Option<Role>,
}

/// A live link (unused, unexpired), as `(email, purpose)`.
pub async fn live_link(
    pool: Reader<'_>,
    token_hash: &str,
    now: Millis,
) -> sqlx::Result<Option<(String, LinkPurpose)>> {
    let row: Option<LinkRow> = on!(pool, c => sqlx::query_as(
        "SELECT purpose, email, user_id, sandbox_id, role FROM account_links
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(c)
    .await)?;
    Ok(row.and_then(link_of))
}

/// Uses a live link: marks it used and returns it, or `None` if it is used, expired or
/// unknown (of two uses at once, one gets it).
pub async fn use_link(
    conn: &mut Conn,
    token_hash: &str,
    now: Millis,
) -> sqlx::Result<Option<(String, LinkPurpose)>> {
    let row: Option<LinkRow> = on!(conn, c => sqlx::query_as(
        "UPDATE account_links SET used_at = $2
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
          RETURNING purpose, email, user_id, sandbox_id, role",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(c)
    .await)?;
    Ok(row.and_then(link_of))
}

fn link_of(row: LinkRow) -> Option<(String, LinkPurpose)> {
    let purpose = match (row.purpose.as_str(), row.user_id, row.sandbox_id, row.role) {
        ("invite", _, Some(sandbox_id), Some(role)) => LinkPurpose::Invite { sandbox_id, role },
        ("reset", Some(user), ..) => LinkPurpose::Reset { user },
        _ => return None,
    };
    Some((row.email, purpose))
}

/// Invitations to the sandbox not yet accepted and not expired, by email.
pub async fn pending_invitations(
    pool: Reader<'_>,
    sandbox_id: &str,
    now: Millis,
) -> sqlx::Result<Vec<InvitationView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT email, role, expires_at FROM account_links
          WHERE purpose = 'invite' AND sandbox_id = $1 AND used_at IS NULL AND expires_at > $2
          ORDER BY lower(email), expires_at",
    )
    .bind(sandbox_id)
    .bind(now)
    .fetch_all(c)
    .await)
}

/// Forgets links used or expired more than a day ago.
pub async fn purge_links(conn: &mut Conn, now: Millis) -> sqlx::Result<u64> {
    on!(conn, c => sqlx::query("DELETE FROM account_links WHERE expires_at < $1")
        .bind(now - 86_400_000)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}
