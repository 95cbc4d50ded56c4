//! Housekeeping that runs in the background of every node: forgetting expired idempotency keys.

use crate::Herald;
use crate::background::Beat;
use std::time::Duration;
use tokio::sync::watch;

const EVERY: Duration = Duration::from_secs(600);

/// Runs until `shutdown` turns true.
pub async fn run(herald: Herald, mut shutdown: watch::Receiver<bool>, beat: Beat) {
    while !*shutdown.borrow() {
        beat.now();
        match herald.purge_expired_idempotency_keys().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "expired idempotency keys purged"),
            Err(e) => tracing::error!(error = ?e, "purging idempotency keys failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => {}
        }
    }
}
