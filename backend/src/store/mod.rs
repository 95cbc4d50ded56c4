//! The SQLite store.
//!
//! Invariants:
//! - Migrations are embedded in the binary and run at start-up, forward only.
//! - WAL journal, foreign keys on, a busy timeout, `synchronous=FULL` unless the operator chose
//!   NORMAL: a commit that returned is on disk.
//! - All writes go through the one-connection `writer` pool, so in-process writers queue instead
//!   of failing with SQLITE_BUSY; reads use the `reader` pool and never block writers (WAL).
//! - Each write function takes a `&mut SqliteConnection`, so a use case composes several writes
//!   in one transaction.

pub mod accounts;
pub mod campaigns;
pub mod executions;
pub mod messages;
pub mod profiles;
pub mod sandboxes;

use crate::settings::{Settings, Synchronous};
use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Store {
    reader: SqlitePool,
    writer: SqlitePool,
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
            .with_context(|| "the database URL is not a valid SQLite URL".to_string())?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(match settings.sqlite_synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            });
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .context("cannot open the database")?;
        sqlx::migrate!("../migrations")
            .run(&writer)
            .await
            .context("cannot migrate the database")?;
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
