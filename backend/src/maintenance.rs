//! Housekeeping that runs in the background of every node (started by `background`): forgetting
//! expired idempotency keys and expired browser sessions, every `HERALD_HOUSEKEEPING_INTERVAL_SECS`.

use crate::Herald;
use crate::background::Beat;
use tokio::sync::watch;

/// Runs until `shutdown` turns true; a round at start, then one per interval.
pub async fn run(herald: Herald, mut shutdown: watch::Receiver<bool>, beat: Beat) {
    while !*shutdown.borrow() {
        beat.now();
        match herald.purge_expired_idempotency_keys().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "expired idempotency keys purged"),
            Err(e) => tracing::error!(error = ?e, "purging idempotency keys failed"),
        }
        match herald.purge_expired_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions purged"),
            Err(e) => tracing::error!(error = ?e, "purging sessions failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(herald.settings().housekeeping_interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
