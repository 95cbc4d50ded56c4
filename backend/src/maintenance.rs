//! Housekeeping: forgetting expired idempotency keys, expired browser sessions, idle pacing
//! schedules and minute report counters past 48 hours, and removing what is past its retention
//! (`crate::retention`), every `HERALD_HOUSEKEEPING_INTERVAL_SECS` and once at start. The loop
//! runs on every node (started by `background`); the work is done by the one node elected for
//! it (see [`crate::store::election`]).

use crate::Herald;
use crate::liveness::Beat;
use crate::store::election::{Leadership, Role};
use tokio::sync::watch;

/// Runs until `shutdown` turns true; a round at start, then one per interval. A node that does
/// not lead tries again each round, so another takes over within an interval of a leader's end.
pub async fn run(herald: Herald, mut shutdown: watch::Receiver<bool>, beat: Beat) {
    let mut leadership: Option<Leadership> = None;
    while !*shutdown.borrow() {
        beat.now();
        if let Some(held) = &mut leadership
            && !held.holds().await
        {
            tracing::warn!("housekeeping: lost the database connection that elected this node");
            leadership = None;
        }
        if leadership.is_none() {
            leadership = match herald.store().elect(Role::Housekeeping).await {
                Ok(won) => won,
                Err(e) => {
                    tracing::error!(error = ?e, "housekeeping: the election failed");
                    None
                }
            };
        }
        if leadership.is_some() {
            round(&herald).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(herald.settings().housekeeping_interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}

async fn round(herald: &Herald) {
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
    if let Err(e) = herald.purge_idle_pacing().await {
        tracing::error!(error = ?e, "purging pacing schedules failed");
    }
    match herald.purge_old_report_minutes().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "minute report counters past 48 hours purged"),
        Err(e) => tracing::error!(error = ?e, "purging minute report counters failed"),
    }
    match herald.sweep_retention(false).await {
        Ok(swept) => {
            for (sandbox_id, s) in swept.iter().filter(|(_, s)| !s.is_empty()) {
                tracing::info!(
                    sandbox_id,
                    contents = s.contents,
                    messages = s.messages,
                    webhook_deliveries = s.webhook_deliveries,
                    "past their retention: removed"
                );
            }
        }
        Err(e) => tracing::error!(error = ?e, "the retention sweep failed"),
    }
}

/// Rows a purge deletes per statement: small batches, so a purge never holds the writer long.
pub(crate) const PURGE_BATCH: i64 = 2_000;

impl Herald {
    /// Forgets the pacing schedules of keys that have sent nothing for an hour.
    pub async fn purge_idle_pacing(&self) -> crate::error::Result<u64> {
        let hour_ago_us = (crate::clock::now_ms() - 3_600_000) * 1_000;
        let mut conn = self.store().acquire().await?;
        Ok(crate::store::pacing::purge_idle(&mut conn, hour_ago_us).await?)
    }

    /// Deletes minute report counters older than they are kept (hour counters stay), in small
    /// batches; returns how many.
    pub async fn purge_old_report_minutes(&self) -> crate::error::Result<u64> {
        let now = crate::clock::now_ms();
        in_batches(PURGE_BATCH, |limit| async move {
            let mut conn = self.store().acquire().await?;
            Ok(crate::store::reports::purge_old_minutes(&mut conn, now, limit).await?)
        })
        .await
    }
}

/// Runs `purge` (one short transaction of its own, deleting at most `limit` = `batch` rows)
/// until a batch comes back short, so writers queue behind one small batch at most; returns
/// how many rows went.
pub(crate) async fn in_batches<F, Fut>(batch: i64, mut purge: F) -> crate::error::Result<u64>
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = crate::error::Result<u64>>,
{
    let mut total = 0;
    loop {
        let n = purge(batch).await?;
        total += n;
        if n < batch as u64 {
            return Ok(total);
        }
    }
}
