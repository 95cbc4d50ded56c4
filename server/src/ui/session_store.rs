//! Sessions stored under a hash of their id: the database (or a copy of it) holds no value a
//! browser could present as a cookie. The cookie carries the id; the row's key is the first 128
//! bits of its SHA-256, so a lookup still costs one indexed read. Sessions live in Herald's own
//! database, whichever engine it is ([`OnEngine`]), so every node sees every session.

use app::session::stored_id;
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Result, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The session table on the store's engine.
#[derive(Debug, Clone)]
pub enum OnEngine {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl OnEngine {
    /// The session store of Herald's database, its table created if missing.
    pub async fn open(store: &backend::store::Store) -> anyhow::Result<Self> {
        let sessions = match (store.sqlite_writer(), store.postgres()) {
            (Some(writer), _) => {
                let s = SqliteStore::new(writer.clone());
                s.migrate().await?;
                OnEngine::Sqlite(s)
            }
            (None, Some(pool)) => {
                let s = PostgresStore::new(pool.clone());
                s.migrate().await?;
                OnEngine::Postgres(s)
            }
            (None, None) => anyhow::bail!("the store has no engine"),
        };
        Ok(sessions)
    }
}

#[async_trait]
impl SessionStore for OnEngine {
    async fn create(&self, record: &mut Record) -> Result<()> {
        match self {
            OnEngine::Sqlite(s) => s.create(record).await,
            OnEngine::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        match self {
            OnEngine::Sqlite(s) => s.save(record).await,
            OnEngine::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        match self {
            OnEngine::Sqlite(s) => s.load(id).await,
            OnEngine::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        match self {
            OnEngine::Sqlite(s) => s.delete(id).await,
            OnEngine::Postgres(s) => s.delete(id).await,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HashedIds<S>(pub S);

fn stored(record: &Record) -> Record {
    Record {
        id: stored_id(&record.id),
        ..record.clone()
    }
}

#[async_trait]
impl<S: SessionStore + Clone> SessionStore for HashedIds<S> {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A new id whose hash is taken (vanishingly unlikely) is drawn again.
        while self.0.load(&stored_id(&record.id)).await?.is_some() {
            record.id = Id::default();
        }
        self.0.save(&stored(record)).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.0.save(&stored(record)).await
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let record = self.0.load(&stored_id(id)).await?;
        Ok(record.map(|r| Record { id: *id, ..r }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.0.delete(&stored_id(id)).await
    }
}
