//! The store: SQL on SQLite (the embedded default) or PostgreSQL (several nodes), see [`engine`].
//!
//! Invariants:
//! - Migrations are embedded in the binary (`migrations/sqlite`, `migrations/postgres`: the same
//!   schema, one folder per engine) and run at start-up, forward only. Every schema change adds a
//!   migration to both folders.
//! - SQLite: the data directory is `0700` and the database with its WAL and shared-memory files
//!   `0600` (they hold personal data and live session records); WAL journal, foreign keys on, a
//!   busy timeout, `synchronous=FULL` unless the operator chose NORMAL: a commit that returned is
//!   on disk. All writes go through the one-connection `writer` pool, so in-process writers
//!   queue instead of failing with SQLITE_BUSY; reads use the `reader` pool and never block
//!   writers (WAL).
//! - PostgreSQL: one pool for reads and writes; several nodes share work only through the
//!   database (row locks, advisory locks, notifications).
//! - Each write function takes a `&mut Conn`, so a use case composes several writes in one
//!   transaction; reads take a [`Reader`].

pub mod accounts;
pub mod approvals;
pub mod audience_schedules;
pub mod audience_sends;
pub mod audiences;
pub mod audit;
pub mod backup;
pub mod campaigns;
pub mod changes;
pub mod copy;
pub mod election;
pub mod engagements;
pub mod engine;
pub mod executions;
pub mod fragments;
pub mod installation;
pub mod messages;
pub mod namespaces;
pub mod opt_outs;
pub mod outbox;
pub mod pacing;
pub mod profile_imports;
pub mod profiles;
pub mod reports;
pub mod retention;
pub mod sandboxes;
pub mod saved_content;
pub mod statistics;
pub mod suppressions;
pub mod surfaces;
pub mod system;
pub mod team;
pub mod test_sends;
pub mod webhooks;

/// The statuses a message no longer leaves for delivery, as SQL: only these age out or are
/// redacted.
pub(crate) const FINISHED: &str = "('sent', 'failed', 'excluded')";

/// Variables a multi-row SQLite statement may bind at most (SQLite allows 32,766).
/// Multi-row statements differ with every group size, so they are not kept prepared
/// (`persistent(false)`): a cache of large one-off statements would only hold memory.
pub(crate) const MAX_VARIABLES: usize = 32_000;

use crate::settings::{Settings, Synchronous};
use anyhow::Context;
use engine::on;
pub use engine::{Conn, Dialect, Reader};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, QueryBuilder, SqlitePool};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// One connection pool's use at an instant.
#[derive(Debug, Clone, Copy)]
pub struct PoolUsage {
    pub name: &'static str,
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// The database Herald runs on: SQLite (embedded default) or PostgreSQL (several nodes),
/// chosen by the URL (see [`engine`]).
#[derive(Clone, Debug)]
pub struct Store {
    pools: Pools,
    /// Bulk growth of tables, for PostgreSQL's planner (see [`statistics`]).
    statistics: Arc<statistics::Statistics>,
}

#[derive(Clone, Debug)]
enum Pools {
    /// Writes queue on one connection; reads use their own pool and never block writers (WAL).
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
    },
    Postgres(PgPool),
}

/// PostgreSQL's schema, embedded (see `migrations/postgres`).
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// SQLite's schema, embedded (see `migrations/sqlite`).
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// Runs the embedded migrations on a connection of its own with foreign keys off, as SQLite's
/// table-rebuild procedure requires (a migration that rebuilds a table drops the old one while
/// others still reference it by name; the pragma cannot change inside sqlx's per-migration
/// transaction). When migrations ran, every foreign key is checked afterwards: a violation fails
/// the start (the check reads every row, ~10 s at 10 million messages, so not at every start).
/// Migrations are forward-only: before an existing database is migrated, a copy of it as it was
/// is kept in `backups/` beside it (`before-<newest migration>-<ms>.db`), so an upgrade that
/// goes wrong can be undone by restoring it with the previous release.
async fn migrate_sqlite(options: &SqliteConnectOptions) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect_with(&options.clone().foreign_keys(false))
        .await
        .context("cannot open the database")?;
    let migrating = back_up_before_migrating(&mut conn, options.get_filename()).await?;
    SQLITE_MIGRATIONS
        .run(&mut conn)
        .await
        .context("cannot migrate the database")?;
    if !migrating {
        conn.close().await?;
        return Ok(());
    }
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

/// The migrations of `migrator` a database with the `applied` versions has yet to run.
fn pending<'m>(
    migrator: &'m sqlx::migrate::Migrator,
    applied: &[i64],
) -> impl Iterator<Item = &'m sqlx::migrate::Migration> {
    migrator.iter().filter(|m| !applied.contains(&m.version))
}

/// A PostgreSQL database shared by several nodes is upgraded on purpose, after a backup: a node
/// of a newer release refuses an older schema unless `allow_migrate`, naming the migrations.
async fn refuse_unasked_upgrade(pool: &PgPool, allow_migrate: bool) -> anyhow::Result<()> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await
        .or_else(|e| match &e {
            // No such table: a new database.
            sqlx::Error::Database(d) if d.code().as_deref() == Some("42P01") => Ok(Vec::new()),
            _ => Err(e),
        })?;
    let pending: Vec<String> = pending(&POSTGRES_MIGRATIONS, &applied)
        .map(|m| format!("{} {}", m.version, m.description))
        .collect();
    if applied.is_empty() || pending.is_empty() || allow_migrate {
        return Ok(());
    }
    anyhow::bail!(
        "the database's schema is older than this release; these migrations would run: {}. \
         Back the database up (pg_dump -Fc), start one node with HERALD_ALLOW_MIGRATE=1, and \
         the others once it is up",
        pending.join(", ")
    )
}

/// Copies an existing database that has migrations to apply into `backups/` beside it; whether
/// migrations will run (a new database: yes).
async fn back_up_before_migrating(
    conn: &mut sqlx::SqliteConnection,
    database: &std::path::Path,
) -> anyhow::Result<bool> {
    let has_schema: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !has_schema {
        return Ok(true); // a new database: nothing to keep
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(&mut *conn)
        .await?;
    let pending: Vec<i64> = pending(&SQLITE_MIGRATIONS, &applied)
        .map(|m| m.version)
        .collect();
    let Some(newest) = pending.last() else {
        return Ok(false);
    };
    let dir = database
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("backups");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    owner_only(&dir, 0o700)?;
    let copy = dir.join(format!("before-{newest}-{}.db", crate::clock::now_ms()));
    backup::vacuum_into(conn, &copy).await?;
    tracing::warn!(backup = %copy.display(), migrations = ?pending, "the database was copied before migrating it");
    Ok(true)
}

/// Sets a path's mode (on Unix) so only Herald's user can read it.
pub(crate) fn owner_only(path: &std::path::Path, mode: u32) -> anyhow::Result<()> {
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

/// Creates `path` (which must not exist) readable by its owner only, holding `contents`.
pub(crate) fn create_owner_only(path: &std::path::Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    std::io::Write::write_all(&mut file, contents)
        .with_context(|| format!("cannot write {}", path.display()))
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
    /// Opens and migrates the database `HERALD_DATABASE_URL` names (`postgres://…`), or the
    /// embedded SQLite file. An unreachable or invalid database stops the start with a message
    /// that names the setting and the cause, and never the password.
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let url = settings.database_url();
        let store = if settings.is_postgres() {
            Self::open_postgres(&url, settings.database_pool_size, settings.allow_migrate).await
        } else if url.starts_with("sqlite:") {
            Self::open_sqlite(settings, &url).await
        } else {
            Err(anyhow::anyhow!(
                "it must start with postgres:// (PostgreSQL) or sqlite:// (an SQLite file)"
            ))
        };
        store.with_context(|| {
            format!(
                "HERALD_DATABASE_URL ({}) cannot be used",
                settings.database_url_redacted()
            )
        })
    }

    async fn open_sqlite(settings: &Settings, url: &str) -> anyhow::Result<Self> {
        if settings.database_url.is_none() {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    settings.data_dir.display()
                )
            })?;
        }
        let options = SqliteConnectOptions::from_str(url).context("not a valid SQLite URL")?;
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
        migrate_sqlite(&options).await?;
        // The size cap binds the writer (SQLite counts it in pages of 4 KiB, the default).
        let capped = match settings.sqlite_max_size_mb {
            Some(mb) => options
                .clone()
                .pragma("max_page_count", (u64::from(mb) * 256).to_string()),
            None => options.clone(),
        };
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(capped)
            .await
            .context("cannot open the database")?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await
            .context("cannot open the database for reading")?;
        Ok(Self {
            pools: Pools::Sqlite { reader, writer },
            statistics: Default::default(),
        })
    }

    /// Connects the pool and migrates. Several nodes may start at once: sqlx's migrator holds
    /// a PostgreSQL advisory lock while it runs, so one migrates and the others wait for it.
    async fn open_postgres(url: &str, pool_size: u32, allow_migrate: bool) -> anyhow::Result<Self> {
        // Every statement is planned for its own parameters. Statements stay prepared, and
        // PostgreSQL would otherwise settle on a generic plan after five runs, made with the
        // statistics of that moment: on a young database, whose tables look empty, that plan
        // scans whole tables (measured: the idempotency lookup read every key of a growing
        // table on each group, until acceptance collapsed) and stays until the next ANALYZE.
        // Herald's statements are small, so planning each costs microseconds.
        let options = PgConnectOptions::from_str(url)
            .context("not a valid PostgreSQL URL")?
            .options([("plan_cache_mode", "force_custom_plan")]);
        // One connection first, so a refusal says why (a pool would only time out).
        use sqlx::Connection;
        sqlx::PgConnection::connect_with(&options)
            .await
            .context("cannot connect to PostgreSQL")?
            .close()
            .await?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .context("cannot connect to PostgreSQL")?;
        let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
            .fetch_one(&pool)
            .await
            .context("cannot query PostgreSQL")?;
        if version < 140_000 {
            anyhow::bail!("PostgreSQL 14 or newer is needed (this server is {version})");
        }
        refuse_unasked_upgrade(&pool, allow_migrate).await?;
        POSTGRES_MIGRATIONS
            .run(&pool)
            .await
            .context("cannot migrate the database")?;
        Ok(Self {
            pools: Pools::Postgres(pool),
            statistics: Default::default(),
        })
    }

    /// The engine this store runs on.
    pub fn dialect(&self) -> Dialect {
        match &self.pools {
            Pools::Sqlite { .. } => Dialect::Sqlite,
            Pools::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The handle for reads.
    pub fn reader(&self) -> Reader<'_> {
        match &self.pools {
            Pools::Sqlite { reader, .. } => Reader::Sqlite(reader),
            Pools::Postgres(pool) => Reader::Postgres(pool),
        }
    }

    /// A write transaction (on SQLite, on the one writer connection).
    pub async fn begin(&self) -> sqlx::Result<Conn> {
        Ok(match &self.pools {
            Pools::Sqlite { writer, .. } => Conn::Sqlite(writer.begin().await?),
            Pools::Postgres(pool) => Conn::Postgres(pool.begin().await?),
        })
    }

    /// A connection for writes whose statements each commit by themselves.
    pub async fn acquire(&self) -> sqlx::Result<Conn> {
        Ok(match &self.pools {
            Pools::Sqlite { writer, .. } => Conn::SqliteAutocommit(writer.acquire().await?),
            Pools::Postgres(pool) => Conn::PostgresAutocommit(pool.acquire().await?),
        })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> sqlx::Result<()> {
        on!(self.reader(), c => sqlx::query("SELECT 1").execute(c).await.map(drop))
    }

    /// Each pool's connections: (name, open, idle, maximum).
    pub fn pool_usage(&self) -> Vec<PoolUsage> {
        fn usage<D: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<D>) -> PoolUsage {
            PoolUsage {
                name,
                open: pool.size(),
                idle: pool.num_idle() as u32,
                max: pool.options().get_max_connections(),
            }
        }
        match &self.pools {
            Pools::Sqlite { reader, writer } => {
                vec![usage("reader", reader), usage("writer", writer)]
            }
            Pools::Postgres(pool) => vec![usage("postgres", pool)],
        }
    }

    /// The SQLite writer pool, for the UI's session store; `None` on PostgreSQL.
    pub fn sqlite_writer(&self) -> Option<&SqlitePool> {
        match &self.pools {
            Pools::Sqlite { writer, .. } => Some(writer),
            Pools::Postgres(_) => None,
        }
    }

    /// Notes `rows` committed into `table` by a bulk insert; on PostgreSQL the table is
    /// analysed when it has grown enough (see [`statistics`]).
    pub fn grew(&self, table: &'static str, rows: usize) {
        if let Pools::Postgres(pool) = &self.pools {
            self.statistics.note(pool, table, rows as u64);
        }
    }

    /// The PostgreSQL pool, for the UI's session store and notifications; `None` on SQLite.
    pub fn postgres(&self) -> Option<&PgPool> {
        match &self.pools {
            Pools::Sqlite { .. } => None,
            Pools::Postgres(pool) => Some(pool),
        }
    }
}

/// Removes an address from an address list (`suppressions`, `opt_outs`); returns whether it
/// was listed.
pub(crate) async fn unlist_address(
    conn: &mut Conn,
    table: &'static str,
    sandbox_id: &str,
    channel: &str,
    address: &str,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(&format!(
        "DELETE FROM {table} WHERE sandbox_id = $1 AND channel = $2 AND address = $3"
    ))
    .bind(sandbox_id)
    .bind(channel)
    .bind(address)
    .execute(c).await
    .map(|r| r.rows_affected() == 1))
}

/// The rows of an address list (`suppressions`, `opt_outs`: keyed by sandbox, channel and
/// address) that name one of `addresses`: address → `column`.
pub(crate) async fn listed_addresses(
    pool: Reader<'_>,
    table: &'static str,
    column: &'static str,
    sandbox_id: &str,
    channel: domain::channel::Channel,
    addresses: &[&str],
) -> sqlx::Result<HashMap<String, String>> {
    if addresses.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = on!(pool, c, Db => {
        let mut q = QueryBuilder::<Db>::new(format!(
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
        q.build_query_as().fetch_all(c).await?
    });
    Ok(rows.into_iter().collect())
}
