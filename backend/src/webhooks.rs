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
//! - Targets must be public addresses: private, loopback and link-local ones are refused at
//!   registration and again when each request connects (so DNS cannot be turned against the
//!   network Herald runs in), unless the operator allows them (`HERALD_WEBHOOK_ALLOW_PRIVATE`).

use crate::clock::{Millis, now_ms};
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::ValidationError;
use domain::views::WebhookView;
use domain::webhook::{NewWebhook, WebhookInput};
use futures::StreamExt;
use rand::Rng;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::sync::watch;

/// Attempts before a delivery fails for good (about 9 hours of retries).
const MAX_ATTEMPTS: i64 = 10;
const TIMEOUT: Duration = Duration::from_secs(10);
const LEASE: Duration = Duration::from_secs(60);

/// A newly registered webhook and its signing secret (shown this once).
pub struct RegisteredWebhook {
    pub webhook: WebhookView,
    pub secret: String,
}

impl Herald {
    pub async fn register_webhook(
        &self,
        sandbox_id: &str,
        input: &WebhookInput,
    ) -> Result<RegisteredWebhook> {
        let allow_private = self.settings().webhook_allow_private;
        let webhook = NewWebhook::parse(input, allow_private).map_err(Error::from)?;
        if !allow_private {
            check_public_target(&webhook.url).await?;
        }
        let id = domain::ids::MessageId::new().to_string();
        let secret = format!("whsec_{}", hex::encode(rand::rng().random::<[u8; 24]>()));
        let sealed = self.inner.secret_box.seal(&id, secret.as_bytes());
        let events = serde_json::to_string(&webhook.events).map_err(Error::internal)?;
        let now = now_ms();
        let mut conn = self.store().writer().acquire().await?;
        store::webhooks::insert(
            &mut conn,
            &id,
            sandbox_id,
            &webhook.url,
            &events,
            &sealed,
            now,
        )
        .await?;
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

    pub async fn delete_webhook(&self, sandbox_id: &str, id: &str) -> Result<()> {
        let mut conn = self.store().writer().acquire().await?;
        if store::webhooks::delete(&mut conn, sandbox_id, id).await? {
            tracing::info!(webhook_id = %id, "webhook deleted");
            Ok(())
        } else {
            Err(Error::not_found(
                "webhook_not_found",
                "No webhook has this id.",
            ))
        }
    }

    /// Sends the webhook deliveries due now; returns how many it attempted.
    pub async fn dispatch_webhooks_due(&self) -> Result<usize> {
        let lease = domain::ids::MessageId::new().to_string();
        let now = now_ms();
        let due = {
            let mut conn = self.store().writer().acquire().await?;
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
        let mut tx = self.store().writer().begin().await?;
        let now = now_ms();
        for (d, result) in results {
            let (delivered, summary) = match result {
                Ok(status) => (true, format!("HTTP {status}")),
                Err(why) => (false, why),
            };
            let retry_at = (!delivered && d.attempts < MAX_ATTEMPTS)
                .then(|| now + crate::delivery::backoff_ms(5_000, d.attempts).min(3_600_000));
            if !delivered && retry_at.is_none() {
                tracing::warn!(delivery_id = %d.id, result = %summary, "webhook delivery failed for good");
            }
            store::webhooks::finish(&mut tx, &d.id, &lease, delivered, retry_at, &summary, now)
                .await?;
        }
        tx.commit().await?;
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
    beat: crate::background::Beat,
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

/// An HTTP client for webhooks; unless `allow_private`, it connects only to public addresses.
pub(crate) fn client(allow_private: bool) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if !allow_private {
        builder = builder.dns_resolver(std::sync::Arc::new(PublicOnly));
    }
    Ok(builder.build()?)
}

/// Resolves names, keeping only public addresses.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err("the target has no public address".into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Refuses a URL whose host is, or resolves to, a private, loopback or link-local address.
async fn check_public_target(url: &str) -> Result<()> {
    let refused = |why: &str| {
        Error::from(ValidationError::single(
            "invalid_webhook",
            "url",
            why.to_owned(),
        ))
    };
    let parsed = url::Url::parse(url).map_err(|_| refused("is not a URL"))?;
    let host = parsed.host_str().ok_or_else(|| refused("has no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| refused("does not resolve"))?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() || !addrs.iter().all(|ip| is_public(*ip)) {
        return Err(Error::new(
            ErrorKind::Invalid,
            "invalid_webhook",
            "url must reach a public address (private, loopback and link-local targets are refused)",
        )
        .with_errors(vec![domain::FieldError::new(
            "url",
            "must reach a public address",
        )]));
    }
    Ok(())
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_local_addresses_are_not_public() {
        for ip in [
            "10.0.0.1",
            "172.16.3.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn loopback_targets_are_refused_by_name_and_by_address() {
        assert!(check_public_target("https://127.0.0.1/hook").await.is_err());
        assert!(check_public_target("https://[::1]/hook").await.is_err());
        assert!(check_public_target("https://localhost/hook").await.is_err());
    }

    #[test]
    fn signatures_cover_the_timestamp_and_the_body() {
        let a = sign(b"s", 1, "{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, sign(b"s", 2, "{}"));
        assert_ne!(a, sign(b"s", 1, "{ }"));
        assert_ne!(a, sign(b"t", 1, "{}"));
    }
}
