//! Caches that stay coherent across nodes.
//!
//! Each node caches what every trigger call looks up (API keys for 5 s, campaigns for 1 s; see
//! [`crate::cache`]). A change is announced in the transaction that makes it
//! ([`crate::store::changes`]); on PostgreSQL every node's listener ([`run`]) hears it at
//! commit and evicts what changed, so a campaign stopped or a key revoked on one node is refused
//! by every node within moments, not after a TTL.
//!
//! Invariants:
//! - On PostgreSQL a node's caches serve only while its listener is connected and listening.
//!   Before that, and from the moment the connection is lost (when announcements may have been
//!   missed) until it is listening again, the caches are off and every lookup reads the database.
//! - On SQLite there is one node; this process's own writes evict at once, and another process
//!   on the same file (the CLI) is seen within the TTL.

use crate::Herald;
use crate::liveness::Beat;
use crate::store::changes::{CHANNEL, Change};
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::watch;

/// Listens for announced changes until `shutdown`, evicting what they name; on PostgreSQL only.
pub async fn run(herald: Herald, mut shutdown: watch::Receiver<bool>, beat: Beat) {
    let Some(pool) = herald.store().postgres().cloned() else {
        return;
    };
    while !*shutdown.borrow() {
        beat.now();
        match listen(&herald, &pool, &mut shutdown, &beat).await {
            Ok(()) => break,
            Err(e) => tracing::warn!(error = ?e, "not hearing other nodes' changes; caches off"),
        }
        serve_caches(&herald, false);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => {}
        }
    }
    serve_caches(&herald, false);
}

/// One connection's life: listen, serve the caches, evict on each change. Returns `Ok` at
/// shutdown, an error when the connection fails.
async fn listen(
    herald: &Herald,
    pool: &sqlx::PgPool,
    shutdown: &mut watch::Receiver<bool>,
    beat: &Beat,
) -> anyhow::Result<()> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    serve_caches(herald, true);
    loop {
        beat.now();
        tokio::select! {
            notification = listener.try_recv() => match notification? {
                Some(n) => evict(herald, n.payload()),
                // Announcements may have been missed meanwhile: start over with caches off.
                None => anyhow::bail!("the listening connection was lost"),
            },
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

fn evict(herald: &Herald, payload: &str) {
    match Change::parse(payload) {
        Some(Change::Campaign(id)) => herald.inner.campaigns.remove(&id),
        Some(Change::ApiKeys) => herald.inner.api_keys.clear(),
        // From a newer version: forget everything rather than guess.
        None => {
            herald.inner.campaigns.clear();
            herald.inner.api_keys.clear();
        }
    }
}

fn serve_caches(herald: &Herald, on: bool) {
    herald.inner.campaigns.serve(on);
    herald.inner.api_keys.serve(on);
}
