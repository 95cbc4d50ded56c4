//! Audiences, their static members, and the profiles an audience send walks.

use super::engine::on;
use super::{Conn, MAX_VARIABLES, Reader};
use crate::clock::Millis;
use domain::ids::{AudienceId, ProfileId};
use sqlx::{FromRow, QueryBuilder};

#[derive(Debug, Clone, FromRow)]
pub struct AudienceRow {
    pub id: AudienceId,
    pub sandbox_id: String,
    pub name: String,
    pub description: String,
    /// The rule's canonical text; `None`: a static audience.
    pub rule: Option<String>,
    /// Static audiences: how many members; rule-based: 0 (counted on demand).
    pub members: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "a.id, a.sandbox_id, a.name, a.description, a.rule,
    CASE WHEN a.rule IS NULL THEN (SELECT COUNT(*) FROM audience_members m WHERE m.audience_id = a.id) ELSE 0 END AS members,
    a.created_at, a.updated_at";

pub async fn list(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<AudienceRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audiences a WHERE a.sandbox_id = $1 ORDER BY a.name"
    ))
    .bind(sandbox_id)
    .fetch_all(c).await)
}

pub async fn by_id(pool: Reader<'_>, id: AudienceId) -> sqlx::Result<Option<AudienceRow>> {
    on!(pool, c => sqlx::query_as(&format!("SELECT {COLUMNS} FROM audiences a WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(c).await)
}

/// What is stored of an audience.
pub struct AudienceRecord<'a> {
    pub id: AudienceId,
    pub sandbox_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub rule: Option<&'a str>,
    pub now: Millis,
}

/// Creates or edits an audience; false when another audience of the sandbox has the name.
pub async fn save(conn: &mut Conn, a: &AudienceRecord<'_>) -> sqlx::Result<bool> {
    let result = on!(conn, c => sqlx::query(
        "INSERT INTO audiences (id, sandbox_id, name, description, rule, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
             rule = excluded.rule, updated_at = excluded.updated_at",
    )
    .bind(a.id)
    .bind(a.sandbox_id)
    .bind(a.name)
    .bind(a.description)
    .bind(a.rule)
    .bind(a.now)
    .execute(c).await.map(drop));
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Deletes an audience and its member list; campaigns naming it keep none.
pub async fn delete(conn: &mut Conn, id: AudienceId) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query("DELETE FROM audiences WHERE id = $1")
        .bind(id)
        .execute(c).await
        .map(drop))
}

/// Adds profiles to a static audience (members already in stay); returns how many were new.
pub async fn add_members(
    conn: &mut Conn,
    audience: AudienceId,
    profiles: &[ProfileId],
) -> sqlx::Result<u64> {
    let mut added = 0;
    for chunk in profiles.chunks(MAX_VARIABLES / 2) {
        added += on!(&mut *conn, c, Db => {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO audience_members (audience_id, profile_id) ");
            q.push_values(chunk, |mut row, profile| {
                row.push_bind(audience).push_bind(*profile);
            });
            q.push(" ON CONFLICT DO NOTHING");
            q.build().execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(added)
}

/// Removes profiles from a static audience; returns how many were members.
pub async fn remove_members(
    conn: &mut Conn,
    audience: AudienceId,
    profiles: &[ProfileId],
) -> sqlx::Result<u64> {
    let mut removed = 0;
    for chunk in profiles.chunks(MAX_VARIABLES - 1) {
        removed += on!(&mut *conn, c, Db => {
            let mut q = QueryBuilder::<Db>::new("DELETE FROM audience_members WHERE audience_id = ");
            q.push_bind(audience).push(" AND profile_id IN (");
            let mut list = q.separated(", ");
            for p in chunk {
                list.push_bind(*p);
            }
            q.push(")");
            q.build().execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(removed)
}

/// A profile an audience send (or a count, or a member list) considers.
#[derive(Debug, Clone, FromRow)]
pub struct Candidate {
    pub id: ProfileId,
    /// The attributes' JSON object.
    pub attributes: String,
    /// Its identity in the namespace asked for (the smallest, if it has several).
    pub user_id: Option<String>,
}

/// Whose profiles a walk reads: a static audience's members, or every profile of a sandbox
/// (a rule-based audience filters them).
#[derive(Debug, Clone, Copy)]
pub enum Walk<'a> {
    Members(AudienceId),
    Sandbox(&'a str),
}

/// Up to `limit` profiles after `after` (in id order, none past `upper_bound` if given), with
/// their identity in `namespace`.
pub async fn walk(
    pool: Reader<'_>,
    walk: Walk<'_>,
    namespace: &str,
    after: &str,
    upper_bound: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<Candidate>> {
    let identity = "(SELECT MIN(i.value) FROM profile_identities i
                      WHERE i.profile_id = p.id AND i.namespace = $1) AS user_id";
    let (source, key) = match walk {
        Walk::Members(id) => (
            "audience_members m JOIN profiles p ON p.id = m.profile_id WHERE m.audience_id = $2",
            id.to_string(),
        ),
        Walk::Sandbox(sandbox) => ("profiles p WHERE p.sandbox_id = $2", sandbox.to_owned()),
    };
    let id_column = match walk {
        Walk::Members(_) => "m.profile_id",
        Walk::Sandbox(_) => "p.id",
    };
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT p.id, p.attributes, {identity} FROM {source}
            AND {id_column} > $3 AND ($4 IS NULL OR {id_column} <= $4)
          ORDER BY {id_column} LIMIT $5"
    ))
    .bind(namespace)
    .bind(&key)
    .bind(after)
    .bind(upper_bound)
    .bind(limit)
    .fetch_all(c).await)
}

/// The largest profile id a walk would read now (`None`: it reads nothing).
pub async fn upper_bound(pool: Reader<'_>, walk: Walk<'_>) -> sqlx::Result<Option<String>> {
    on!(pool, c => match walk {
        Walk::Members(id) => sqlx::query_scalar(
            "SELECT MAX(profile_id) FROM audience_members WHERE audience_id = $1",
        )
        .bind(id)
        .fetch_one(c).await,
        Walk::Sandbox(sandbox) => sqlx::query_scalar(
            "SELECT MAX(id) FROM profiles WHERE sandbox_id = $1",
        )
        .bind(sandbox)
        .fetch_one(c).await,
    })
}
