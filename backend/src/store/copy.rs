//! Moving an install from the embedded SQLite file to PostgreSQL (`herald db copy`).
//!
//! Invariants:
//! - The source is a stopped install's SQLite file; it is brought to this version's schema
//!   first (as a start would), then only read.
//! - The target must be empty (a fresh database, or one Herald only migrated); anything else
//!   is refused before a row is written.
//! - Every table is copied in the order its references need, streamed in batches, in **one**
//!   PostgreSQL transaction: a copy that fails leaves the target as it was. Before it commits,
//!   every table's row count in the target is checked against the source.
//! - Rows are copied as they are: ids, hashes of API keys (old keys still authenticate),
//!   sealed credentials (open with the same secret key), timestamps. Browser sessions are not
//!   copied: people sign in again.

use anyhow::{Context, bail};
use futures::TryStreamExt;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Connection, PgConnection, Postgres, QueryBuilder, Row, SqliteConnection};
use std::str::FromStr;

/// Herald's tables, each after the tables it refers to.
pub const TABLES: &[&str] = &[
    "users",
    "sandboxes",
    "memberships",
    "account_links",
    "api_keys",
    "surfaces",
    "audiences",
    "campaigns",
    "campaign_versions",
    "approval_requests",
    "test_sends",
    "saved_content",
    "fragments",
    "api_key_campaigns",
    "executions",
    "idempotency_keys",
    "messages",
    "message_attempts",
    "profiles",
    "profile_identities",
    "audience_members",
    "audience_sends",
    "audience_schedules",
    "profile_imports",
    "profile_import_errors",
    "audit_log",
    "audit_events",
    "suppressions",
    "opt_outs",
    "webhooks",
    "webhook_deliveries",
    "tracked_links",
    "engagements",
    "report_counts",
    "retention_marks",
    "namespaces",
    "pacing",
    "installation",
];

/// Tables whose `id` PostgreSQL generates (the next one must follow the copied ones).
const IDENTITY_TABLES: &[&str] = &["audit_log", "audit_events", "engagements"];

/// Rows most one insert statement carries (PostgreSQL binds at most 65,535 values).
const BATCH_VALUES: usize = 60_000;

/// One table's rows in the source and in the target after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: &'static str,
    pub source: i64,
    pub target: i64,
}

/// A column as the target stores it.
enum Kind {
    Integer,
    Boolean,
    Text,
    Bytes,
}

/// Copies every table of the SQLite install at `from` into the empty PostgreSQL database at
/// `to`. `progress(table, copied, total)` is called as rows arrive.
pub async fn sqlite_to_postgres(
    from: &str,
    to: &str,
    mut progress: impl FnMut(&str, u64, u64),
) -> anyhow::Result<Vec<Copied>> {
    let source_options = SqliteConnectOptions::from_str(from)
        .context("--from must be an SQLite URL (sqlite://path/to/herald.db)")?;
    if !source_options.get_filename().exists() {
        bail!(
            "--from: {} does not exist",
            source_options.get_filename().display()
        );
    }
    super::migrate_sqlite(&source_options).await?;
    let mut source = SqliteConnection::connect_with(&source_options.read_only(true))
        .await
        .context("cannot open the SQLite database")?;
    let target_options = PgConnectOptions::from_str(to)
        .context("--to must be a PostgreSQL URL (postgres://user:pass@host:5432/db)")?;
    let mut target = PgConnection::connect_with(&target_options)
        .await
        .context("cannot connect to the PostgreSQL database")?;
    super::POSTGRES_MIGRATIONS
        .run(&mut target)
        .await
        .context("cannot migrate the PostgreSQL database")?;
    refuse_unless_empty(&mut target).await?;

    let mut tx = target.begin().await?;
    // The one row a migrated database has: the default sandbox, which the source has too.
    sqlx::query("DELETE FROM sandboxes")
        .execute(&mut *tx)
        .await?;
    let mut copied = Vec::with_capacity(TABLES.len());
    for &table in TABLES {
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut source)
            .await?;
        copy_table(&mut source, &mut tx, table, total as u64, &mut progress).await?;
        let target: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await?;
        copied.push(Copied {
            table,
            source: total,
            target,
        });
    }
    for table in IDENTITY_TABLES {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false)
               FROM {table}"
        ))
        .execute(&mut *tx)
        .await?;
    }
    if let Some(c) = copied.iter().find(|c| c.source != c.target) {
        bail!(
            "{} has {} rows in the source but {} in the copy; nothing was written",
            c.table,
            c.source,
            c.target
        );
    }
    tx.commit().await?;
    Ok(copied)
}

/// Refuses a target that holds anything but what migrating it wrote.
async fn refuse_unless_empty(target: &mut PgConnection) -> anyhow::Result<()> {
    for &table in TABLES {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *target)
            .await?;
        let seeded = i64::from(table == "sandboxes");
        if rows > seeded {
            bail!(
                "--to is not empty ({table} has {rows} rows): copy into a new database \
                 (createdb herald) so nothing is mixed or overwritten"
            );
        }
    }
    Ok(())
}

async fn copy_table(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    table: &'static str,
    total: u64,
    progress: &mut impl FnMut(&str, u64, u64),
) -> anyhow::Result<()> {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *target)
    .await?;
    let kinds: Vec<Kind> = columns
        .iter()
        .map(|(name, data_type)| match data_type.as_str() {
            "bigint" | "integer" => Ok(Kind::Integer),
            "boolean" => Ok(Kind::Boolean),
            "text" => Ok(Kind::Text),
            "bytea" => Ok(Kind::Bytes),
            other => Err(anyhow::anyhow!("{table}.{name}: no copy for type {other}")),
        })
        .collect::<anyhow::Result<_>>()?;
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let list = names.join(", ");
    let batch_rows = (BATCH_VALUES / names.len()).max(1);
    let select = format!("SELECT {list} FROM {table}");
    let mut rows = sqlx::query(&select).fetch(&mut *source);
    let mut batch: Vec<SqliteRow> = Vec::with_capacity(batch_rows);
    let mut done = 0u64;
    progress(table, 0, total);
    loop {
        let row = rows.try_next().await?;
        let end = row.is_none();
        batch.extend(row);
        if batch.len() == batch_rows || (end && !batch.is_empty()) {
            insert(target, table, &list, &kinds, &batch).await?;
            done += batch.len() as u64;
            progress(table, done, total);
            batch.clear();
        }
        if end {
            return Ok(());
        }
    }
}

async fn insert(
    target: &mut PgConnection,
    table: &str,
    list: &str,
    kinds: &[Kind],
    rows: &[SqliteRow],
) -> anyhow::Result<()> {
    let mut q = QueryBuilder::<Postgres>::new(format!("INSERT INTO {table} ({list}) "));
    let mut failure = None;
    q.push_values(rows, |mut values, row| {
        for (i, kind) in kinds.iter().enumerate() {
            let bound = match kind {
                Kind::Integer => row.try_get::<Option<i64>, _>(i).map(|v| {
                    values.push_bind(v);
                }),
                Kind::Boolean => row.try_get::<Option<bool>, _>(i).map(|v| {
                    values.push_bind(v);
                }),
                Kind::Text => row.try_get::<Option<String>, _>(i).map(|v| {
                    values.push_bind(v);
                }),
                Kind::Bytes => row.try_get::<Option<Vec<u8>>, _>(i).map(|v| {
                    values.push_bind(v);
                }),
            };
            if let Err(e) = bound {
                failure.get_or_insert(e);
                values.push_bind(None::<String>);
            }
        }
    });
    if let Some(e) = failure {
        return Err(anyhow::Error::new(e).context(format!("cannot read a row of {table}")));
    }
    q.build().persistent(false).execute(target).await?;
    Ok(())
}
