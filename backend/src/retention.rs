//! Retention: each sandbox's ages (`domain::retention`) and the sweep that applies them, run by
//! the housekeeping node every round (`maintenance`) or by hand (`herald retention run`).
//!
//! The sweep works campaign by campaign in small batches, each batch its own short
//! transaction, so acceptance and delivery wait behind one batch at most, and after each batch
//! it rests nine times as long as the batch took: it takes at most a tenth of the database
//! writer's time, however much is due (`bench retention` measures what that leaves to trigger
//! calls). Report counters are not touched.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::{Herald, store};
use domain::report::DAY_MS;
use domain::retention::{Retention, RetentionOverrides, RetentionSweep, RetentionView};
use domain::tenancy::Permission;
use std::time::Instant;

/// Messages per batch: a batch rewrites or deletes this many rows and their children.
const BATCH: i64 = 200;

/// How much longer than a batch took the sweep rests after it.
const REST_FACTOR: u32 = 9;

/// Rests after a batch that started at `started` (see the module docs).
async fn rest_after(started: Instant) {
    let took = started.elapsed();
    tracing::debug!(took_us = took.as_micros() as u64, "retention batch");
    tokio::time::sleep(took * REST_FACTOR).await;
}

fn sandbox_not_found() -> Error {
    Error::not_found("sandbox_not_found", "No sandbox has this id.")
}

/// The instants before which content, messages and webhook deliveries age out.
fn cutoffs(ages: Retention, now: i64) -> (i64, i64, i64) {
    let before = |days: u32| now - i64::from(days) * DAY_MS;
    (
        before(ages.content_days),
        before(ages.message_days),
        before(ages.webhook_days),
    )
}

impl Herald {
    /// A sandbox's retention: its own ages, the server's defaults and those in force.
    pub async fn retention(&self, sandbox_id: &str) -> Result<RetentionView> {
        let overrides = store::retention::overrides(self.store().reader(), sandbox_id)
            .await?
            .ok_or_else(sandbox_not_found)?;
        let defaults = self.settings().retention;
        Ok(RetentionView {
            effective: overrides.over(defaults),
            overrides,
            defaults,
        })
    }

    /// Sets a sandbox's own ages (`None`: the server's default).
    #[tracing::instrument(skip_all)]
    pub async fn set_retention(
        &self,
        caller: &Caller,
        overrides: RetentionOverrides,
    ) -> Result<RetentionView> {
        caller.require(Permission::Configure)?;
        let sandbox_id = caller.sandbox_id();
        let overrides = overrides.check(self.settings().retention)?;
        self.retention(sandbox_id).await?;
        let mut tx = self.store().begin().await?;
        store::retention::set_overrides(&mut tx, sandbox_id, overrides).await?;
        let detail = format!("{overrides:?}");
        caller
            .audit(&mut tx, "retention changed", "sandbox", &detail)
            .await?;
        tx.commit().await?;
        tracing::info!(sandbox_id, ?overrides, "retention changed");
        self.retention(sandbox_id).await
    }

    /// Applies every sandbox's retention now, or with `dry_run` counts what would go; returns
    /// each sandbox's id with what went (or would go).
    pub async fn sweep_retention(&self, dry_run: bool) -> Result<Vec<(String, RetentionSweep)>> {
        let now = now_ms();
        let defaults = self.settings().retention;
        let mut swept = Vec::new();
        for (sandbox_id, overrides) in
            store::retention::all_overrides(self.store().reader()).await?
        {
            let before = cutoffs(overrides.over(defaults), now);
            let sweep = if dry_run {
                store::retention::due(self.store().reader(), &sandbox_id, before).await?
            } else {
                self.sweep_sandbox(&sandbox_id, before, now).await?
            };
            swept.push((sandbox_id, sweep));
        }
        Ok(swept)
    }

    async fn sweep_sandbox(
        &self,
        sandbox_id: &str,
        (content_before, messages_before, webhooks_before): (i64, i64, i64),
        now: i64,
    ) -> Result<RetentionSweep> {
        let mut sweep = RetentionSweep::default();
        for (campaign, mut mark) in
            store::retention::campaigns(self.store().reader(), sandbox_id).await?
        {
            // Deleting first spares emptying what is about to go.
            sweep.messages += crate::maintenance::in_batches(BATCH, |limit| async move {
                let started = Instant::now();
                let mut tx = self.store().begin().await?;
                let n =
                    store::retention::delete_messages(&mut tx, campaign, messages_before, limit)
                        .await?;
                tx.commit().await?;
                rest_after(started).await;
                Ok(n)
            })
            .await?;
            loop {
                let started = Instant::now();
                let mut tx = self.store().begin().await?;
                let (emptied, moved) = store::retention::drop_content(
                    &mut tx,
                    campaign,
                    content_before,
                    mark.as_ref(),
                    now,
                    BATCH,
                )
                .await?;
                tx.commit().await?;
                rest_after(started).await;
                sweep.contents += emptied;
                match moved {
                    Some(m) => mark = Some(m),
                    None => break,
                }
            }
        }
        sweep.webhook_deliveries += crate::maintenance::in_batches(BATCH, |limit| async move {
            let started = Instant::now();
            let mut tx = self.store().begin().await?;
            let n = store::retention::delete_webhook_deliveries(
                &mut tx,
                sandbox_id,
                webhooks_before,
                limit,
            )
            .await?;
            tx.commit().await?;
            rest_after(started).await;
            Ok(n)
        })
        .await?;
        Ok(sweep)
    }
}
