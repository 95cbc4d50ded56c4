//! The pacing schedules of rate-limited keys (campaigns, surfaces), shared by every node: each
//! key's next free instant in microseconds (see `delivery::pacing`).
//!
//! Invariant: a round reads its keys' rows with [`lock`] and writes them back with [`save`] in
//! one transaction; on PostgreSQL the rows stay locked until it commits, so rounds that share a
//! key take turns (locked in key order: two rounds cannot deadlock). On SQLite the one writer
//! connection serialises them.

use super::Conn;
use super::engine::on;
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// Locks the schedules of `keys` (sorted, distinct) for this transaction, creating missing ones
/// (due at once); returns key → next free instant (µs).
pub async fn lock(conn: &mut Conn, keys: &[&str]) -> sqlx::Result<HashMap<String, i64>> {
    let lock_rows = conn.dialect().lock_rows();
    let rows: Vec<(String, i64)> = on!(&mut *conn, c, Db => {
        let mut insert = QueryBuilder::<Db>::new("INSERT INTO pacing (key, next_at_us) ");
        insert.push_values(keys, |mut row, key| {
            row.push_bind(*key).push("0");
        });
        insert.push(" ON CONFLICT (key) DO NOTHING");
        insert.build().execute(&mut *c).await?;
        let mut select = QueryBuilder::<Db>::new("SELECT key, next_at_us FROM pacing WHERE key IN (");
        let mut list = select.separated(", ");
        for key in keys {
            list.push_bind(*key);
        }
        select.push(") ORDER BY key");
        select.push(lock_rows);
        select.build_query_as().fetch_all(&mut *c).await?
    });
    Ok(rows.into_iter().collect())
}

/// Writes the schedules back (in the transaction [`lock`] ran in).
pub async fn save(conn: &mut Conn, schedules: &HashMap<String, i64>) -> sqlx::Result<()> {
    if schedules.is_empty() {
        return Ok(());
    }
    on!(conn, c, Db => {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO pacing (key, next_at_us) ");
        q.push_values(schedules, |mut row, (key, next)| {
            row.push_bind(key.as_str()).push_bind(*next);
        });
        q.push(" ON CONFLICT (key) DO UPDATE SET next_at_us = excluded.next_at_us");
        q.build().execute(c).await.map(drop)
    })
}

/// Forgets schedules whose next instant is before `before_us` (keys no longer sending; a key
/// that sends again starts due at once, as it would have anyway).
pub async fn purge_idle(conn: &mut Conn, before_us: i64) -> sqlx::Result<u64> {
    on!(conn, c => sqlx::query("DELETE FROM pacing WHERE next_at_us < $1")
        .bind(before_us)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}
