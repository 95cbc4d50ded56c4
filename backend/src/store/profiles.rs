//! Profiles and the identities they are known by.

use super::engine::on;
use super::{Conn, Dialect, FINISHED, MAX_VARIABLES, Reader};
use crate::clock::Millis;
use domain::ids::ProfileId;
use serde_json::{Map, Value};
use sqlx::{FromRow, QueryBuilder};
use std::collections::HashMap;

/// One identity: (namespace, value), e.g. ("email", "jane@example.com").
pub type Identity = (String, String);

#[derive(Debug, Clone)]
pub struct ProfileRow {
    pub id: ProfileId,
    pub attributes: Map<String, Value>,
    pub identities: Vec<Identity>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(FromRow)]
struct RawProfile {
    id: ProfileId,
    attributes: String,
    created_at: i64,
    updated_at: i64,
}

fn parse_attributes(raw: &str) -> Map<String, Value> {
    // The column is constrained to a JSON object.
    serde_json::from_str(raw).unwrap_or_default()
}

/// The attributes of the profiles known by `values` in `namespace`, by value.
pub async fn attributes_by_identity(
    pool: Reader<'_>,
    sandbox_id: &str,
    namespace: &str,
    values: &[&str],
) -> sqlx::Result<HashMap<String, Map<String, Value>>> {
    if values.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = on!(pool, c, Db => {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT i.value, p.attributes FROM profile_identities i JOIN profiles p ON p.id = i.profile_id
              WHERE i.sandbox_id = ",
        );
        q.push_bind(sandbox_id)
            .push(" AND i.namespace = ")
            .push_bind(namespace)
            .push(" AND i.value IN (");
        let mut list = q.separated(", ");
        for v in values {
            list.push_bind(*v);
        }
        q.push(")");
        q.build_query_as().fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(value, attributes)| (value, parse_attributes(&attributes)))
        .collect())
}

/// Attribute paths (e.g. `person.name.firstName`) found in the sandbox's 200 most recently
/// changed profiles, for the editor's list of known attributes. Array elements are left out.
pub async fn attribute_paths(pool: Reader<'_>, sandbox_id: &str) -> sqlx::Result<Vec<String>> {
    let sql = match pool.dialect() {
        Dialect::Sqlite => {
            "SELECT DISTINCT substr(t.fullkey, 3)
               FROM (SELECT attributes FROM profiles WHERE sandbox_id = $1
                      ORDER BY updated_at DESC LIMIT 200) p, json_tree(p.attributes) t
              WHERE t.type NOT IN ('object', 'array') AND t.fullkey NOT LIKE '%[%'
              ORDER BY 1 LIMIT 200"
        }
        // The same walk: down through objects, not into arrays.
        Dialect::Postgres => {
            "WITH RECURSIVE p AS (
                 SELECT attributes::jsonb AS a FROM profiles WHERE sandbox_id = $1
                  ORDER BY updated_at DESC LIMIT 200),
             t (path, value) AS (
                 SELECT e.key, e.value FROM p, jsonb_each(p.a) e
                 UNION ALL
                 SELECT t.path || '.' || e.key, e.value
                   FROM t, jsonb_each(t.value) e WHERE jsonb_typeof(t.value) = 'object')
             SELECT DISTINCT path FROM t WHERE jsonb_typeof(value) NOT IN ('object', 'array')
              ORDER BY 1 LIMIT 200"
        }
    };
    on!(pool, c => sqlx::query_scalar(sql).bind(sandbox_id).fetch_all(c).await)
}

/// The profile known by this identity.
pub async fn by_identity(
    pool: Reader<'_>,
    sandbox_id: &str,
    namespace: &str,
    value: &str,
) -> sqlx::Result<Option<ProfileRow>> {
    let raw: Option<RawProfile> = on!(pool, c => sqlx::query_as(
        "SELECT p.id, p.attributes, p.created_at, p.updated_at
           FROM profile_identities i JOIN profiles p ON p.id = i.profile_id
          WHERE i.sandbox_id = $1 AND i.namespace = $2 AND i.value = $3",
    )
    .bind(sandbox_id)
    .bind(namespace)
    .bind(value)
    .fetch_optional(c).await)?;
    match raw {
        Some(raw) => with_identities(pool, raw).await.map(Some),
        None => Ok(None),
    }
}

/// A stored profile with its identities, in namespace and value order.
async fn with_identities(pool: Reader<'_>, raw: RawProfile) -> sqlx::Result<ProfileRow> {
    let identities = identities_of(pool, &[raw.id])
        .await?
        .into_iter()
        .map(|(_, namespace, value)| (namespace, value))
        .collect();
    Ok(ProfileRow {
        attributes: parse_attributes(&raw.attributes),
        id: raw.id,
        identities,
        created_at: raw.created_at,
        updated_at: raw.updated_at,
    })
}

/// The profiles of the sandbox known by these identities: (namespace, value, profile).
/// (Read on the writer's connection, so it sees the transaction's own writes.)
pub async fn by_identities(
    conn: &mut Conn,
    sandbox_id: &str,
    identities: &[(String, String)],
) -> sqlx::Result<Vec<(String, String, ProfileId)>> {
    // One query per namespace with `value IN (…)`: both engines read it from the primary key
    // (a long list of row values sends PostgreSQL to a scan).
    let mut by_namespace: HashMap<&str, Vec<&str>> = HashMap::new();
    for (namespace, value) in identities {
        by_namespace.entry(namespace).or_default().push(value);
    }
    let mut found = Vec::with_capacity(identities.len());
    for (namespace, values) in by_namespace {
        for chunk in values.chunks(MAX_VARIABLES - 2) {
            let rows: Vec<(String, String, ProfileId)> = on!(&mut *conn, c, Db => {
                let mut q = QueryBuilder::<Db>::new(
                    "SELECT namespace, value, profile_id FROM profile_identities WHERE sandbox_id = ",
                );
                q.push_bind(sandbox_id)
                    .push(" AND namespace = ")
                    .push_bind(namespace)
                    .push(" AND value IN (");
                let mut list = q.separated(", ");
                for value in chunk {
                    list.push_bind(*value);
                }
                q.push(")");
                q.build_query_as().fetch_all(c).await?
            });
            found.extend(rows);
        }
    }
    Ok(found)
}

/// The distinct profiles these identities belong to (in the writer's transaction).
pub async fn owners(
    conn: &mut Conn,
    sandbox_id: &str,
    identities: &[Identity],
) -> sqlx::Result<Vec<String>> {
    let mut owners = Vec::new();
    for (namespace, value) in identities {
        let owner: Option<String> = on!(&mut *conn, c => sqlx::query_scalar(
            "SELECT profile_id FROM profile_identities WHERE sandbox_id = $1 AND namespace = $2 AND value = $3",
        )
        .bind(sandbox_id)
        .bind(namespace)
        .bind(value)
        .fetch_optional(c).await)?;
        if let Some(o) = owner
            && !owners.contains(&o)
        {
            owners.push(o);
        }
    }
    Ok(owners)
}

/// Creates a profile with these identities and attributes.
pub async fn insert(
    conn: &mut Conn,
    sandbox_id: &str,
    identities: &[Identity],
    attributes: &Map<String, Value>,
    now: Millis,
) -> sqlx::Result<String> {
    let id = ProfileId::new().to_string();
    on!(&mut *conn, c => sqlx::query(
        "INSERT INTO profiles (id, sandbox_id, attributes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(sandbox_id)
    .bind(Value::Object(attributes.clone()).to_string())
    .bind(now)
    .bind(now)
    .execute(c).await
        .map(|r| r.rows_affected()))?;
    add_identities(conn, sandbox_id, &id, identities).await?;
    Ok(id)
}

/// Replaces a profile's attributes and adds identities it did not have.
pub async fn update(
    conn: &mut Conn,
    sandbox_id: &str,
    id: &str,
    identities: &[Identity],
    attributes: &Map<String, Value>,
    now: Millis,
) -> sqlx::Result<()> {
    on!(&mut *conn, c => sqlx::query("UPDATE profiles SET attributes = $1, updated_at = $2 WHERE id = $3")
        .bind(Value::Object(attributes.clone()).to_string())
        .bind(now)
        .bind(id)
        .execute(c).await
        .map(|r| r.rows_affected()))?;
    add_identities(conn, sandbox_id, id, identities).await
}

async fn add_identities(
    conn: &mut Conn,
    sandbox_id: &str,
    profile_id: &str,
    identities: &[Identity],
) -> sqlx::Result<()> {
    for (namespace, value) in identities {
        on!(&mut *conn, c => sqlx::query(
            "INSERT INTO profile_identities (sandbox_id, namespace, value, profile_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(sandbox_id)
        .bind(namespace)
        .bind(value)
        .bind(profile_id)
        .execute(c).await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Creates an attribute-less profile for each identity that has none yet (trigger calls of
/// campaigns that create profiles). Call inside the accepting transaction.
pub async fn create_missing(
    conn: &mut Conn,
    sandbox_id: &str,
    identities: &[Identity],
    now: Millis,
) -> sqlx::Result<usize> {
    let mut created = 0;
    for identity in identities {
        if owners(conn, sandbox_id, std::slice::from_ref(identity))
            .await?
            .is_empty()
        {
            insert(
                conn,
                sandbox_id,
                std::slice::from_ref(identity),
                &Map::new(),
                now,
            )
            .await?;
            created += 1;
        }
    }
    Ok(created)
}

/// The attributes (JSON text) of these profiles, by id.
pub async fn attributes_of(
    conn: &mut Conn,
    ids: &[ProfileId],
) -> sqlx::Result<HashMap<ProfileId, String>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_VARIABLES) {
        let rows: Vec<(ProfileId, String)> = on!(&mut *conn, c, Db => {
            let mut q = QueryBuilder::<Db>::new("SELECT id, attributes FROM profiles WHERE id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build_query_as().fetch_all(&mut *c).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// Creates profiles: (id, attributes as JSON text), none with an identity yet.
pub async fn insert_many(
    conn: &mut Conn,
    sandbox_id: &str,
    profiles: &[(ProfileId, String)],
    now: Millis,
) -> sqlx::Result<()> {
    for chunk in profiles.chunks(MAX_VARIABLES / 5) {
        on!(&mut *conn, c, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO profiles (id, sandbox_id, attributes, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut row, (id, attributes)| {
                row.push_bind(*id)
                    .push_bind(sandbox_id)
                    .push_bind(attributes.as_str())
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Replaces the attributes (JSON text) of existing profiles.
pub async fn set_attributes(
    conn: &mut Conn,
    profiles: &[(ProfileId, String)],
    now: Millis,
) -> sqlx::Result<()> {
    for (id, attributes) in profiles {
        on!(&mut *conn, c => sqlx::query(
            "UPDATE profiles SET attributes = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(attributes)
        .bind(now)
        .bind(id)
        .execute(c).await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Links identities (namespace, value, profile); an identity linked already stays as it is.
pub async fn link_many(
    conn: &mut Conn,
    sandbox_id: &str,
    links: &[(String, String, ProfileId)],
) -> sqlx::Result<()> {
    for chunk in links.chunks(MAX_VARIABLES / 4) {
        on!(&mut *conn, c, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO profile_identities (sandbox_id, namespace, value, profile_id) ",
            );
            q.push_values(chunk, |mut row, (namespace, value, profile)| {
                row.push_bind(sandbox_id)
                    .push_bind(namespace.as_str())
                    .push_bind(value.as_str())
                    .push_bind(*profile);
            });
            q.push(" ON CONFLICT DO NOTHING");
            q.build().execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(())
}

/// The identities of these profiles: (profile, namespace, value), in namespace and value order.
pub async fn identities_of(
    pool: Reader<'_>,
    ids: &[ProfileId],
) -> sqlx::Result<Vec<(ProfileId, String, String)>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_VARIABLES) {
        let rows: Vec<(ProfileId, String, String)> = on!(pool, c, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT profile_id, namespace, value FROM profile_identities WHERE profile_id IN (",
            );
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(") ORDER BY namespace, value");
            q.build_query_as().fetch_all(c).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// A profile in a list: id, attributes (JSON text), last change.
#[derive(Debug, Clone, FromRow)]
pub struct Listed {
    pub id: ProfileId,
    pub attributes: String,
    pub updated_at: i64,
}

/// Up to `limit` profiles of the sandbox, newest first, before `before` (an id); with
/// `query`, those with an identity starting with it or whose attributes contain it, in any
/// case on both engines.
pub async fn page(
    pool: Reader<'_>,
    sandbox_id: &str,
    query: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<Listed>> {
    let pattern = query.map(|q| {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let lower = escaped.to_lowercase();
        (format!("{lower}%"), format!("%{lower}%"))
    });
    let (prefix, contains) = pattern.unzip();
    on!(pool, c => sqlx::query_as(
        "SELECT p.id, p.attributes, p.updated_at FROM profiles p
          WHERE p.sandbox_id = $1 AND ($2 IS NULL OR p.id < $2)
            AND ($3 IS NULL
                 OR p.id IN (SELECT i.profile_id FROM profile_identities i
                              WHERE i.sandbox_id = $1 AND LOWER(i.value) LIKE $3 ESCAPE '\\')
                 OR LOWER(p.attributes) LIKE $4 ESCAPE '\\')
          ORDER BY p.id DESC LIMIT $5",
    )
    .bind(sandbox_id)
    .bind(before)
    .bind(prefix)
    .bind(contains)
    .bind(limit)
    .fetch_all(c).await)
}

/// The profile with this id, if it is the sandbox's.
pub async fn by_id(
    pool: Reader<'_>,
    sandbox_id: &str,
    id: ProfileId,
) -> sqlx::Result<Option<ProfileRow>> {
    let raw: Option<RawProfile> = on!(pool, c => sqlx::query_as(
        "SELECT id, attributes, created_at, updated_at FROM profiles WHERE id = $1 AND sandbox_id = $2",
    )
    .bind(id)
    .bind(sandbox_id)
    .fetch_optional(c).await)?;
    match raw {
        Some(raw) => with_identities(pool, raw).await.map(Some),
        None => Ok(None),
    }
}

/// Deletes a profile (its identities and audience memberships go with it).
pub async fn delete_by_id(conn: &mut Conn, id: ProfileId) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query("DELETE FROM profiles WHERE id = $1")
        .bind(id)
        .execute(c).await
        .map(drop))
}

/// Removes the address and content of the sandbox's finished messages to `addresses` (and the
/// providers' answers about them). Returns how many were redacted and how many are unfinished.
pub async fn redact_messages(
    conn: &mut Conn,
    sandbox_id: &str,
    addresses: &[String],
    now: Millis,
) -> sqlx::Result<(u64, u64)> {
    let to = "m.address = $1 AND m.campaign_id IN (SELECT id FROM campaigns WHERE sandbox_id = $2)";
    let (mut redacted, mut unfinished) = (0, 0);
    for address in addresses {
        let waiting: i64 = on!(&mut *conn, c => sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM messages m WHERE {to} AND m.status NOT IN {FINISHED}"
        ))
        .bind(address)
        .bind(sandbox_id)
        .fetch_one(c).await)?;
        unfinished += waiting as u64;
        // The attempts first: they are found by their messages' address.
        on!(&mut *conn, c => sqlx::query(&format!(
            "UPDATE message_attempts SET detail = NULL WHERE message_id IN
                (SELECT m.id FROM messages m WHERE {to} AND m.status IN {FINISHED})"
        ))
        .bind(address)
        .bind(sandbox_id)
        .execute(c).await
        .map(drop))?;
        redacted += on!(&mut *conn, c => sqlx::query(&format!(
            "UPDATE messages SET address = 'erased', user_id = 'erased', subject = '',
                 html_body = '', text_body = '', payload = NULL,
                 content_dropped_at = COALESCE(content_dropped_at, $3)
              WHERE id IN (SELECT m.id FROM messages m WHERE {to} AND m.status IN {FINISHED})"
        ))
        .bind(address)
        .bind(sandbox_id)
        .bind(now)
        .execute(c).await
        .map(|r| r.rows_affected()))?;
    }
    Ok((redacted, unfinished))
}
