//! Planner statistics of the tables that grow in bulk (PostgreSQL).
//!
//! PostgreSQL chooses between probing an index and scanning by the statistics `ANALYZE` keeps.
//! A fresh database has none, and autovacuum refreshes them late (it wakes once a minute, and
//! some servers run with it off): while a profile import grew `profile_identities` to 500,000
//! rows the planner still took it for a few dozen and scanned half the table for each batch's
//! identities — 16 s per batch where the index answers in 34 ms. So the paths that insert in
//! bulk tell the store what they added, and the store analyses a table itself.
//!
//! Invariants:
//! - A table is analysed once this node has added at least [`MIN_GROWTH`] rows to it and at least
//!   as many as it held at its last analysis here: a few `ANALYZE`s while a table grows from empty
//!   to millions, none while it stays the same size.
//! - At most one `ANALYZE` per table at a time, in the background, on a connection of its own:
//!   the insert that noticed the growth does not wait for it (`ANALYZE` takes a lock that
//!   does not block writes).
//! - SQLite is left alone: its planner needs no statistics for Herald's queries.

use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Rows a node adds to a table before its first analysis.
pub const MIN_GROWTH: u64 = 10_000;

/// What this node added to each table since it last analysed it.
#[derive(Debug, Default)]
pub struct Statistics {
    tables: Mutex<HashMap<&'static str, Growth>>,
}

#[derive(Debug, Default)]
struct Growth {
    added: u64,
    /// Rows the table held at its last analysis here.
    analysed_at: u64,
    running: bool,
}

impl Statistics {
    /// Notes `rows` added to `table`; true when it is due for analysis (it is then marked as
    /// being analysed until [`Statistics::analysed`]).
    fn grew(&self, table: &'static str, rows: u64) -> bool {
        let mut tables = self.tables.lock().expect("statistics lock");
        let growth = tables.entry(table).or_default();
        growth.added += rows;
        if growth.running || growth.added < MIN_GROWTH.max(growth.analysed_at) {
            return false;
        }
        growth.running = true;
        true
    }

    fn analysed(&self, table: &'static str, rows: Option<u64>) {
        let mut tables = self.tables.lock().expect("statistics lock");
        let growth = tables.entry(table).or_default();
        growth.running = false;
        if let Some(rows) = rows {
            growth.analysed_at = rows;
            growth.added = 0;
        }
    }

    /// Notes rows added to `table` (after they committed) and analyses it in the background
    /// when it is due.
    pub(super) fn note(self: &Arc<Self>, pool: &PgPool, table: &'static str, rows: u64) {
        if !self.grew(table, rows) {
            return;
        }
        let (statistics, pool) = (self.clone(), pool.clone());
        tokio::spawn(async move {
            let rows = analyse(&pool, table).await;
            if let Err(e) = &rows {
                tracing::warn!(table, error = %e, "could not analyse a table");
            }
            statistics.analysed(table, rows.ok());
        });
    }
}

/// Analyses `table`; returns the rows PostgreSQL now estimates it holds.
async fn analyse(pool: &PgPool, table: &'static str) -> sqlx::Result<u64> {
    let started = std::time::Instant::now();
    sqlx::query(&format!("ANALYZE {table}"))
        .execute(pool)
        .await?;
    let rows: f32 = sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = $1::regclass")
        .bind(table)
        .fetch_one(pool)
        .await?;
    tracing::debug!(
        table,
        rows,
        took_ms = started.elapsed().as_millis() as u64,
        "table analysed"
    );
    Ok(rows.max(0.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_analysed_each_time_it_doubles() {
        let s = Statistics::default();
        assert!(!s.grew("profiles", MIN_GROWTH - 1));
        assert!(
            s.grew("profiles", 1),
            "first analysis after MIN_GROWTH rows"
        );
        assert!(!s.grew("profiles", MIN_GROWTH), "one analysis at a time");
        s.analysed("profiles", Some(50_000));
        assert!(!s.grew("profiles", 49_999));
        assert!(s.grew("profiles", 1), "doubled since the last analysis");
        s.analysed("profiles", None);
        assert!(s.grew("profiles", 1), "a failed analysis is tried again");
        assert!(!s.grew("messages", 1), "tables are counted apart");
    }
}
