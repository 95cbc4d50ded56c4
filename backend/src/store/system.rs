//! What the database holds, for operators: its size, the rows of the tables that grow, and the
//! oldest message kept.

use super::Reader;
use super::engine::on;
use crate::clock::Millis;

/// The tables that grow with use, in the order the System page lists them.
pub const GROWING_TABLES: &[&str] = &[
    "messages",
    "message_attempts",
    "engagements",
    "tracked_links",
    "executions",
    "idempotency_keys",
    "webhook_deliveries",
    "report_counts",
    "profiles",
    "suppressions",
    "opt_outs",
];

/// The database's size on disk, in bytes (SQLite: its pages; PostgreSQL: the database).
pub async fn size_bytes(pool: Reader<'_>) -> sqlx::Result<i64> {
    let sql = match pool.dialect() {
        super::engine::Dialect::Sqlite => {
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
        }
        super::engine::Dialect::Postgres => "SELECT pg_database_size(current_database())",
    };
    on!(pool, c => sqlx::query_scalar(sql).fetch_one(c).await)
}

/// When the oldest message kept was accepted.
pub async fn oldest_message_at(pool: Reader<'_>) -> sqlx::Result<Option<Millis>> {
    on!(pool, c => sqlx::query_scalar("SELECT MIN(created_at) FROM messages").fetch_one(c).await)
}

/// Rows of each of [`GROWING_TABLES`] (counted: a second or so per 10 million rows).
pub async fn row_counts(pool: Reader<'_>) -> sqlx::Result<Vec<(&'static str, i64)>> {
    let mut counts = Vec::with_capacity(GROWING_TABLES.len());
    for table in GROWING_TABLES {
        let n: i64 = on!(pool, c => sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(c).await)?;
        counts.push((*table, n));
    }
    Ok(counts)
}
