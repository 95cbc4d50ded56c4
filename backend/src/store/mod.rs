//! The SQLite store.
//!
//! Invariants:
//! - Migrations are embedded in the binary and run at start-up, forward only.
//! - The data directory is `0700` and the database with its WAL and shared-memory files `0600`:
//!   they hold personal data and live session records.
//! - WAL journal, foreign keys on, a busy timeout, `synchronous=FULL` unless the operator chose
//!   NORMAL: a commit that returned is on disk.
//! - All writes go through the one-connection `writer` pool, so in-process writers queue instead
//!   of failing with SQLITE_BUSY; reads use the `reader` pool and never block writers (WAL).
//! - Each write function takes a `&mut SqliteConnection`, so a use case composes several writes
//!   in one transaction.

pub mod accounts;
pub mod audit;
pub mod campaigns;
pub mod engagements;
pub mod executions;
pub mod messages;
pub mod namespaces;
pub mod opt_outs;
mod outbox;
pub mod profiles;
pub mod sandboxes;
pub mod suppressions;
pub mod surfaces;
pub mod webhooks;

use crate::settings::{Settings, Synchronous};
use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Store {
    reader: SqlitePool,
    writer: SqlitePool,
}

/// Runs the embedded migrations on a connection of its own with foreign keys off, as SQLite's
/// table-rebuild procedure requires (a migration that rebuilds a table drops the old one while
/// others still reference it by name; the pragma cannot change inside sqlx's per-migration
/// transaction). Afterwards every foreign key is checked: a violation fails the start.
async fn migrate(options: &SqliteConnectOptions) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect_with(&options.clone().foreign_keys(false))
        .await
        .context("cannot open the database")?;
    sqlx::migrate!("../migrations")
        .run(&mut conn)
        .await
        .context("cannot migrate the database")?;
    let violations: Vec<(String,)> =
        sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
            .fetch_all(&mut conn)
            .await?;
    if let Some((table,)) = violations.first() {
        anyhow::bail!(
            "the migrated database breaks {} foreign key(s), first in table {table}",
            violations.len()
        );
    }
    conn.close().await?;
    Ok(())
}

/// Sets a path's mode (on Unix) so only Herald's user can read it.
fn owner_only(path: &std::path::Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot restrict the permissions of {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// The database file is created owner-only before SQLite opens it, so its WAL and shared-memory
/// files (which SQLite creates with the database file's permissions) are too; an existing
/// install's files are tightened.
fn owner_only_database(db: &std::path::Path) -> anyhow::Result<()> {
    if db.as_os_str().is_empty() || db.to_string_lossy().starts_with(':') {
        return Ok(()); // in memory
    }
    if !db.exists() {
        let mut file = std::fs::OpenOptions::new();
        file.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
        file.open(db)
            .with_context(|| format!("cannot create the database {}", db.display()))?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        if path.exists() {
            owner_only(&path, 0o600)?;
        }
    }
    Ok(())
}

impl Store {
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let url = settings.database_url();
        if settings.database_url.is_none() {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    settings.data_dir.display()
                )
            })?;
        }
        let options = SqliteConnectOptions::from_str(&url)
            .with_context(|| "the database URL is not a valid SQLite URL".to_string())?;
        if settings.database_url.is_none() {
            owner_only(&settings.data_dir, 0o700)?;
        }
        owner_only_database(options.get_filename())?;
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(match settings.sqlite_synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            });
        migrate(&options).await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .context("cannot open the database")?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await
            .context("cannot open the database for reading")?;
        Ok(Self { reader, writer })
    }

    /// The pool for reads.
    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// The single-connection pool all writes go through.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

/// The rows of an address list (`suppressions`, `opt_outs`: keyed by sandbox, channel and
/// address) that name one of `addresses`: address → `column`.
pub(crate) async fn listed_addresses(
    pool: &SqlitePool,
    table: &'static str,
    column: &'static str,
    sandbox_id: &str,
    channel: &str,
    addresses: &[&str],
) -> sqlx::Result<HashMap<String, String>> {
    if addresses.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = QueryBuilder::<Sqlite>::new(format!(
        "SELECT address, {column} FROM {table} WHERE sandbox_id = "
    ));
    q.push_bind(sandbox_id)
        .push(" AND channel = ")
        .push_bind(channel)
        .push(" AND address IN (");
    let mut list = q.separated(", ");
    for a in addresses {
        list.push_bind(*a);
    }
    q.push(")");
    let rows: Vec<(String, String)> = q.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().collect())
}
