//! Sessions stored under a hash of their id: the database (or a copy of it) holds no value a
//! browser could present as a cookie. The cookie carries the id; the row's key is the first 128
//! bits of its SHA-256, so a lookup still costs one indexed read.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Result, SessionStore};

#[derive(Debug, Clone)]
pub struct HashedIds<S>(pub S);

fn hashed(id: &Id) -> Id {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(first))
}

fn stored(record: &Record) -> Record {
    Record {
        id: hashed(&record.id),
        ..record.clone()
    }
}

#[async_trait]
impl<S: SessionStore + Clone> SessionStore for HashedIds<S> {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A new id whose hash is taken (vanishingly unlikely) is drawn again.
        while self.0.load(&hashed(&record.id)).await?.is_some() {
            record.id = Id::default();
        }
        self.0.save(&stored(record)).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.0.save(&stored(record)).await
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let record = self.0.load(&hashed(id)).await?;
        Ok(record.map(|r| Record { id: *id, ..r }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.0.delete(&hashed(id)).await
    }
}
