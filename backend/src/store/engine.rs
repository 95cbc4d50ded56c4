//! The two engines the store runs on, and how one SQL text runs on either.
//!
//! Herald keeps **one store with SQL that both engines run**, not a store trait with an
//! implementation per engine. Each query is written once, in the dialect SQLite and PostgreSQL
//! share (`$1` placeholders, `ON CONFLICT … DO UPDATE`, `RETURNING`, `UPDATE … FROM`, `CAST(x AS
//! BIGINT)`), and [`on!`] runs it through the native sqlx driver of the engine at hand: the query
//! expression is expanded once per engine and type-checked for each, so a column type or a bind
//! that one engine cannot take fails the build, not a request. Why this shape:
//! - One SQL text per query means the engines cannot drift apart: a fix or a new column is made
//!   once. A trait with two implementations (atuin's shape) would double ~100 queries.
//! - The native drivers keep what each engine is good at: SQLite's single writer connection and
//!   group commit, PostgreSQL's pool, `FOR UPDATE SKIP LOCKED` and advisory locks. sqlx's `Any`
//!   driver would copy every row into its own value type and hide both.
//! - Where the dialects really differ (JSON functions, row locking, random ids), the query says
//!   so with a `match` on [`Dialect`] next to the SQL, so the difference is read where it lives.
//! - Batches of a group commit are the one place with two texts: PostgreSQL takes a batch as
//!   arrays (`UNNEST($1::text[], …)`, `= ANY($1)`) in a statement of fixed text, prepared once;
//!   SQLite, which has no arrays, gets multi-row `VALUES`. Such a function matches on
//!   [`Sides`] and keeps both texts side by side.
//!
//! Invariants:
//! - Timestamps are integer milliseconds (`BIGINT`), flags are `BOOLEAN` on PostgreSQL and
//!   `0`/`1` integers on SQLite (sqlx encodes `bool` as either), JSON is text on both.
//! - A write runs on a [`Conn`]; on SQLite all writes share one connection (the writer queue), on
//!   PostgreSQL each transaction takes a pooled connection.
//! - Aggregates that PostgreSQL widens (`SUM` → `NUMERIC`, `CASE … THEN 1` → `INTEGER`) are cast
//!   to `BIGINT` in the SQL, so both engines decode them as `i64`.

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// Which engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// What a `SELECT` adds to lock the rows it reads until the transaction ends (SQLite's one
    /// writer connection serialises writers already).
    pub fn lock_rows(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// What a claim's inner `SELECT` adds so concurrent claimers (other nodes) skip the rows
    /// another one is claiming instead of waiting for them or claiming them twice.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// A handle reads run on: one engine's pool.
#[derive(Clone, Copy, Debug)]
pub enum Reader<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

impl Reader<'_> {
    pub fn dialect(&self) -> Dialect {
        match self {
            Reader::Sqlite(_) => Dialect::Sqlite,
            Reader::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// A connection for writes on either engine: a transaction ([`super::Store::begin`]; dropped
/// without [`Conn::commit`], it rolls back) or a connection whose statements each commit by
/// themselves ([`super::Store::acquire`]).
#[derive(Debug)]
pub enum Conn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    SqliteAutocommit(PoolConnection<Sqlite>),
    PostgresAutocommit(PoolConnection<Postgres>),
}

impl Conn {
    /// Commits a transaction; a no-op for an autocommit connection.
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Conn::Sqlite(tx) => tx.commit().await,
            Conn::Postgres(tx) => tx.commit().await,
            Conn::SqliteAutocommit(_) | Conn::PostgresAutocommit(_) => Ok(()),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) | Conn::SqliteAutocommit(_) => Dialect::Sqlite,
            Conn::Postgres(_) | Conn::PostgresAutocommit(_) => Dialect::Postgres,
        }
    }

    /// The PostgreSQL connection, for what only PostgreSQL does (locks); `None` on SQLite.
    pub fn postgres(&mut self) -> Option<&mut PgConnection> {
        match self.sides() {
            Sides::Sqlite(_) => None,
            Sides::Postgres(c) => Some(c),
        }
    }
}

/// One engine's side of a handle; what [`on!`] matches on.
pub enum Sides<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// A handle that runs queries on one of the engines.
pub trait Engine {
    type Lite;
    type Pg;
    fn sides(self) -> Sides<Self::Lite, Self::Pg>;
}

impl<'a> Engine for Reader<'a> {
    type Lite = &'a SqlitePool;
    type Pg = &'a PgPool;
    fn sides(self) -> Sides<Self::Lite, Self::Pg> {
        match self {
            Reader::Sqlite(p) => Sides::Sqlite(p),
            Reader::Postgres(p) => Sides::Postgres(p),
        }
    }
}

impl<'a> Engine for &'a mut Conn {
    type Lite = &'a mut SqliteConnection;
    type Pg = &'a mut PgConnection;
    fn sides(self) -> Sides<Self::Lite, Self::Pg> {
        match self {
            Conn::Sqlite(tx) => Sides::Sqlite(&mut **tx),
            Conn::Postgres(tx) => Sides::Postgres(&mut **tx),
            Conn::SqliteAutocommit(c) => Sides::Sqlite(&mut **c),
            Conn::PostgresAutocommit(c) => Sides::Postgres(&mut **c),
        }
    }
}

/// Runs `$body` with `$c` bound to the engine's executor (`&SqlitePool`/`&PgPool` for a
/// [`Reader`], `&mut SqliteConnection`/`&mut PgConnection` for a `&mut` [`Conn`]). The body is
/// expanded once per engine; with `$c, $db =>` the alias `$db` names the engine's
/// `sqlx::Database` type (for `QueryBuilder::<$db>`).
macro_rules! on {
    ($handle:expr, $c:ident => $body:expr) => {
        match $crate::store::engine::Engine::sides($handle) {
            $crate::store::engine::Sides::Sqlite($c) => $body,
            $crate::store::engine::Sides::Postgres($c) => $body,
        }
    };
    ($handle:expr, $c:ident, $db:ident => $body:expr) => {
        match $crate::store::engine::Engine::sides($handle) {
            $crate::store::engine::Sides::Sqlite($c) => {
                #[allow(dead_code)]
                type $db = ::sqlx::Sqlite;
                $body
            }
            $crate::store::engine::Sides::Postgres($c) => {
                #[allow(dead_code)]
                type $db = ::sqlx::Postgres;
                $body
            }
        }
    };
}
pub(crate) use on;
