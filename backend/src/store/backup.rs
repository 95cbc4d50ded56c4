//! Copies of an SQLite database file: made online (`VACUUM INTO`) and checked.
//!
//! Invariants:
//! - A copy is one consistent snapshot: `VACUUM INTO` reads the database inside one read
//!   transaction, so calls committed while it runs are either wholly in the copy or wholly out,
//!   and Herald's writers are not stopped (WAL mode: readers never block the writer).
//! - The source is opened read-only and never migrated; the copy is checked with
//!   `PRAGMA integrity_check` and its rows counted table by table before it is called good.

use super::copy::TABLES;
use anyhow::{Context, bail};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::path::Path;

/// One table's rows in a checked copy.
pub type Count = (&'static str, i64);

/// Writes a consistent copy of the SQLite database file `source` to `target` (a file that
/// must not exist yet).
pub async fn snapshot(source: &Path, target: &Path) -> anyhow::Result<()> {
    if !source.exists() {
        bail!("there is no database at {}", source.display());
    }
    let options = SqliteConnectOptions::new().filename(source).read_only(true);
    let mut source = SqliteConnection::connect_with(&options)
        .await
        .context("cannot open the database")?;
    vacuum_into(&mut source, target).await?;
    source.close().await?;
    Ok(())
}

/// Writes a consistent copy of `conn`'s database to `target` (a file that must not exist).
pub async fn vacuum_into(conn: &mut SqliteConnection, target: &Path) -> anyhow::Result<()> {
    sqlx::query("VACUUM INTO $1")
        .bind(target.to_string_lossy().into_owned())
        .execute(&mut *conn)
        .await
        .with_context(|| format!("cannot write the copy {}", target.display()))?;
    super::owner_only(target, 0o600)
}

/// Checks the database file at `path` (integrity, and the schema of this version or an older
/// one) and counts the rows of every table it has.
pub async fn check(path: &Path) -> anyhow::Result<Vec<Count>> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut db = SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut db)
        .await
        .with_context(|| format!("{} is not an SQLite database", path.display()))?;
    if integrity != "ok" {
        bail!("{} is damaged: {integrity}", path.display());
    }
    let present: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut db)
            .await?;
    if !present.iter().any(|t| t == "messages") {
        bail!("{} is not a Herald database", path.display());
    }
    let mut counts = Vec::new();
    for table in TABLES.iter().filter(|t| present.iter().any(|p| p == *t)) {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut db)
            .await?;
        counts.push((*table, n));
    }
    db.close().await?;
    Ok(counts)
}
