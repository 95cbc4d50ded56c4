//! Delivery feedback webhooks: an admin registers HTTPS endpoints per sandbox; Herald POSTs
//! each event (sent, failed, excluded, unsubscribed, opened, clicked) about that sandbox's
//! messages, signed, and retries with backoff.
//!
//! Invariants:
//! - Events are queued in the transaction that records what happened (an attempt's outcome, an
//!   exclusion, an opt-out), so none is lost and none is announced that did not happen.
//! - Every POST carries `Herald-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
//!   with the webhook's secret (shown once, at registration; stored sealed), `Herald-Event` and
//!   `Herald-Delivery` (the same id on every retry, for de-duplication).
//! - Targets are reached under the outbound policy ([`crate::egress`]): public addresses only,
//!   checked at registration and again when each request connects (so DNS cannot be turned
//!   against the network Herald runs in), no redirects.

use crate::accounts::Caller;
use crate::clock::{Millis, now_ms};
use crate::error::{Error, Result};
use crate::retry;
use crate::{Herald, store};
use domain::ValidationError;
use domain::tenancy::Permission;
use domain::views::{WebhookDeliveryView, WebhookView};
use domain::webhook::{NewWebhook, WebhookInput};
use futures::StreamExt;
use rand::Rng;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;

const TIMEOUT: Duration = Duration::from_secs(10);
const LEASE: Duration = Duration::from_secs(60);

fn webhook_not_found() -> Error {
    Error::not_found("webhook_not_found", "No webhook has this id.")
}

/// A newly registered webhook and its signing secret (shown this once).
pub struct RegisteredWebhook {
    pub webhook: WebhookView,
    pub secret: String,
}

impl Herald {
    #[tracing::instrument(skip_all)]
    pub async fn register_webhook(
        &self,
        caller: &Caller,
        input: &WebhookInput,
    ) -> Result<RegisteredWebhook> {
        caller.require(Permission::Configure)?;
        let sandbox_id = caller.sandbox_id();
        let allow_private = self.settings().allow_private_targets;
        let webhook = NewWebhook::parse(input, allow_private).map_err(Error::from)?;
        self.egress()
            .check_url(&webhook.url)
            .await
            .map_err(|why| Error::from(ValidationError::single("invalid_webhook", "url", why)))?;
        let id = domain::ids::MessageId::new().to_string();
        let (secret, sealed) = self.new_webhook_secret(&id);
        let events = serde_json::to_string(&webhook.events).map_err(Error::internal)?;
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        store::webhooks::insert(
            &mut tx,
            &id,
            sandbox_id,
            &webhook.url,
            &events,
            &sealed,
            now,
        )
        .await?;
        let detail = format!("{} ({})", webhook.url, webhook.events.join(", "));
        caller.audit(&mut tx, "webhook added", &id, &detail).await?;
        tx.commit().await?;
        tracing::info!(webhook_id = %id, "webhook registered");
        Ok(RegisteredWebhook {
            webhook: WebhookView {
                id,
                url: webhook.url,
                events: webhook.events,
                created_at: now,
                pending: 0,
                failed: 0,
            },
            secret,
        })
    }

    pub async fn list_webhooks(&self, sandbox_id: &str) -> Result<Vec<WebhookView>> {
        Ok(store::webhooks::list(self.store().reader(), sandbox_id).await?)
    }

    #[tracing::instrument(skip_all)]
    pub async fn delete_webhook(&self, caller: &Caller, id: &str) -> Result<()> {
        caller.require(Permission::Configure)?;
        let mut tx = self.store().begin().await?;
        if store::webhooks::delete(&mut tx, caller.sandbox_id(), id).await? {
            caller.audit(&mut tx, "webhook deleted", id, "").await?;
            tx.commit().await?;
            tracing::info!(webhook_id = %id, "webhook deleted");
            Ok(())
        } else {
            Err(webhook_not_found())
        }
    }

    /// A webhook's 50 newest deliveries, newest first, with their results.
    pub async fn webhook_deliveries(
        &self,
        sandbox_id: &str,
        id: &str,
    ) -> Result<Vec<WebhookDeliveryView>> {
        if !self
            .list_webhooks(sandbox_id)
            .await?
            .iter()
            .any(|w| w.id == id)
        {
            return Err(webhook_not_found());
        }
        Ok(store::webhooks::deliveries(self.store().reader(), id, 50).await?)
    }

    /// Gives a webhook a new signing secret (shown this once); deliveries from now on are signed
    /// with it, and the old one stops working at once. Audited.
    #[tracing::instrument(skip_all)]
    pub async fn rotate_webhook_secret(&self, caller: &Caller, id: &str) -> Result<String> {
        caller.require(Permission::Configure)?;
        let sandbox_id = caller.sandbox_id();
        let (secret, sealed) = self.new_webhook_secret(id);
        let mut tx = self.store().begin().await?;
        if !store::webhooks::set_secret(&mut tx, sandbox_id, id, &sealed).await? {
            return Err(webhook_not_found());
        }
        store::audit::record_event(
            &mut tx,
            sandbox_id,
            &caller.who(),
            "webhook_secret_rotated",
            id,
            "",
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(webhook_id = %id, "webhook secret rotated");
        Ok(secret)
    }

    /// A new signing secret, and it sealed for the webhook `id`.
    fn new_webhook_secret(&self, id: &str) -> (String, Vec<u8>) {
        let secret = format!("whsec_{}", hex::encode(rand::rng().random::<[u8; 24]>()));
        let sealed = self.inner.secret_box.seal(id, secret.as_bytes());
        (secret, sealed)
    }

    /// Sends the webhook deliveries due now; returns how many it attempted.
    #[tracing::instrument(skip_all)]
    pub async fn dispatch_webhooks_due(&self) -> Result<usize> {
        let lease = crate::leases::token();
        let now = now_ms();
        let due = {
            let mut conn = self.store().acquire().await?;
            store::webhooks::claim_due(
                &mut conn,
                &lease,
                now,
                now + LEASE.as_millis() as Millis,
                64,
            )
            .await?
        };
        let count = due.len();
        // Each endpoint of the round is read and its secret opened once.
        let mut endpoints: HashMap<String, std::sync::Arc<Endpoint>> = HashMap::new();
        for d in &due {
            if !endpoints.contains_key(&d.webhook_id) {
                let endpoint = self.endpoint(&d.webhook_id).await;
                endpoints.insert(d.webhook_id.clone(), endpoint.into());
            }
        }
        let results: Vec<_> = futures::stream::iter(due)
            .map(|d| {
                let endpoint = endpoints[&d.webhook_id].clone();
                async move {
                    let result = match &*endpoint {
                        Ok((url, secret)) => self.post_event(&d, url, secret).await,
                        Err(why) => Err(why.clone()),
                    };
                    (d, result)
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        let mut tx = self.store().begin().await?;
        let now = now_ms();
        let mut outcomes = Vec::with_capacity(results.len());
        for (d, result) in results {
            let (delivered, summary) = match result {
                Ok(status) => (true, format!("HTTP {status}")),
                Err(why) => (false, why),
            };
            let retry_at = (!delivered)
                .then(|| {
                    retry::WEBHOOKS
                        .next_attempt(d.attempts, d.created_at, now, 0)
                        .ok()
                })
                .flatten();
            if !delivered && retry_at.is_none() {
                tracing::warn!(delivery_id = %d.id, result = %summary, "webhook delivery failed for good");
            }
            store::webhooks::finish(&mut tx, &d.id, &lease, delivered, retry_at, &summary, now)
                .await?;
            outcomes.push(match (delivered, retry_at) {
                (true, _) => "delivered",
                (false, Some(_)) => "retry",
                (false, None) => "failed",
            });
        }
        tx.commit().await?;
        outcomes
            .into_iter()
            .for_each(crate::telemetry::webhook_delivery);
        Ok(count)
    }

    /// A webhook's URL and opened signing secret, or why it cannot be used.
    async fn endpoint(&self, webhook_id: &str) -> Endpoint {
        let (url, sealed) = store::webhooks::endpoint(self.store().reader(), webhook_id)
            .await
            .map_err(|e| format!("store: {e}"))?
            .ok_or("the webhook was deleted")?;
        let secret = self
            .inner
            .secret_box
            .open(webhook_id, &sealed)
            .ok_or("the signing secret cannot be opened with this server's key")?;
        Ok((url, secret))
    }

    /// POSTs one event; Ok(status) for a 2xx answer, else why not.
    async fn post_event(
        &self,
        d: &store::webhooks::DueDelivery,
        url: &str,
        secret: &[u8],
    ) -> std::result::Result<u16, String> {
        self.egress().check_literal(url)?;
        let timestamp = now_ms() / 1000;
        let signature = sign(secret, timestamp, &d.payload);
        let response = self
            .inner
            .webhook_client
            .post(url)
            .header("content-type", "application/json")
            .header("herald-event", &d.event)
            .header("herald-delivery", &d.id)
            .header("herald-signature", format!("t={timestamp},v1={signature}"))
            .body(d.payload.clone())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "connection failed or target refused".to_owned()
                }
            })?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            Ok(status)
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}

/// A webhook's URL and signing secret, or why it cannot be used.
type Endpoint = std::result::Result<(String, Vec<u8>), String>;

/// Runs until `shutdown` turns true, sending due webhook deliveries.
pub async fn run_dispatcher(
    herald: Herald,
    mut shutdown: watch::Receiver<bool>,
    beat: crate::liveness::Beat,
) {
    while !*shutdown.borrow() {
        beat.now();
        let worked = match herald.dispatch_webhooks_due().await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::error!(error = ?e, "webhook round failed");
                false
            }
        };
        if !worked {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// `hex(HMAC-SHA256(secret, "<timestamp>.<body>"))`: what receivers recompute to verify.
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    hex::encode(ring::hmac::sign(
        &key,
        format!("{timestamp}.{body}").as_bytes(),
    ))
}

/// The HTTP client for webhooks, under the outbound policy.
pub(crate) fn client(egress: crate::egress::Egress) -> anyhow::Result<reqwest::Client> {
    Ok(egress.http_client(TIMEOUT, false)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_timestamp_and_the_body() {
        let a = sign(b"s", 1, "{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, sign(b"s", 2, "{}"));
        assert_ne!(a, sign(b"s", 1, "{ }"));
        assert_ne!(a, sign(b"t", 1, "{}"));
    }
}
