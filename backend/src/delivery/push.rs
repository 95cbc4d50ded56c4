//! Push services: Firebase Cloud Messaging (HTTP v1, OAuth2 access token from the service
//! account's signed JWT, cached until shortly before it expires) and APNs (token-based auth: an
//! ES256 JWT renewed every 50 minutes, over HTTP/2).
//!
//! A token the service says is gone (FCM `UNREGISTERED`, APNs 410 or `BadDeviceToken`) is
//! suppressed, so later messages to it are excluded instead of sent.

use super::SendError;
use super::http::{Reply, call};
use anyhow::Context;
use domain::delivery::Outgoing;
use domain::surface::{ServiceAccount, SurfaceSecrets, SurfaceSettings};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

const INVALID_TOKEN: &str = "invalid device token";
const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The push fields of a message's payload.
struct PushPayload {
    image_url: Option<String>,
    link: Option<String>,
    data: Map<String, Value>,
}

impl PushPayload {
    fn of(m: &Outgoing) -> Self {
        let payload: Value = m
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        let text = |key: &str| payload[key].as_str().map(str::to_owned);
        Self {
            image_url: text("imageUrl"),
            link: text("link"),
            data: payload["data"].as_object().cloned().unwrap_or_default(),
        }
    }
}

/// A cached bearer token and when to stop using it.
type CachedToken = Mutex<Option<(String, Instant)>>;

pub(crate) struct Fcm {
    client: reqwest::Client,
    account: ServiceAccount,
    key: EncodingKey,
    token_url: String,
    send_url: String,
    token: CachedToken,
}

impl Fcm {
    pub fn new(
        client: reqwest::Client,
        s: &SurfaceSettings,
        secrets: &SurfaceSecrets,
    ) -> anyhow::Result<Self> {
        let json = secrets
            .service_account
            .as_deref()
            .context("no service account is set")?;
        let account = ServiceAccount::parse(json).map_err(anyhow::Error::msg)?;
        let key = EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .context("the service account's private_key is not an RSA key")?;
        Ok(Self {
            client,
            send_url: format!(
                "{}/v1/projects/{}/messages:send",
                s.api_base, account.project_id
            ),
            token_url: s.token_url.clone(),
            account,
            key,
            token: Mutex::new(None),
        })
    }

    /// Asks Google for an access token with the service account's key: what a send needs,
    /// sending nothing.
    pub async fn verify(&self) -> Result<String, SendError> {
        *self.token.lock().await = None;
        self.access_token().await?;
        Ok(format!(
            "Google issued an access token to {} for project {}.",
            self.account.client_email, self.account.project_id
        ))
    }

    /// An OAuth2 access token: the cached one, or a new one for a freshly signed JWT.
    async fn access_token(&self) -> Result<String, SendError> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let now = unix_now();
        let claims = json!({
            "iss": self.account.client_email,
            "scope": FCM_SCOPE,
            "aud": self.token_url,
            "iat": now,
            "exp": now + 3600,
        });
        let assertion = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|_| SendError::permanent("FCM: the service account key cannot sign"))?;
        let request = self.client.post(&self.token_url).form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ]);
        let reply = call("FCM token endpoint", request).await?;
        let body = reply.json();
        let token = match body["access_token"].as_str() {
            Some(token) if reply.ok() => token.to_owned(),
            _ => {
                let code = body["error"].as_str();
                // A refused service account is the surface's problem, not the message's: retry.
                let mut e = reply.error("FCM token endpoint", code);
                e.transient = true;
                return Err(e);
            }
        };
        let lifetime = body["expires_in"].as_u64().unwrap_or(3600);
        let until = Instant::now() + Duration::from_secs(lifetime.saturating_sub(60).max(1));
        *cached = Some((token.clone(), until));
        Ok(token)
    }

    /// Returns FCM's message name.
    pub async fn send(&self, m: &Outgoing) -> Result<Option<String>, SendError> {
        let token = self.access_token().await?;
        let payload = PushPayload::of(m);
        let mut data = payload.data;
        if let Some(link) = &payload.link {
            data.insert("link".into(), Value::String(link.clone()));
        }
        let mut notification = json!({ "title": m.subject, "body": m.text_body });
        if let Some(image) = payload.image_url {
            notification["image"] = Value::String(image);
        }
        let body = json!({ "message": {
            "token": m.address,
            "notification": notification,
            "data": data,
        }});
        let request = self
            .client
            .post(&self.send_url)
            .bearer_auth(token)
            .json(&body);
        let reply = call("FCM", request).await?;
        if reply.ok() {
            return Ok(reply.json()["name"].as_str().map(str::to_owned));
        }
        if reply.status == 401 {
            // The access token was revoked or expired early: fetch a new one next time.
            *self.token.lock().await = None;
            return Err(SendError::transient("FCM HTTP 401 (access token refused)"));
        }
        let code = fcm_error_code(&reply);
        let error = reply.error("FCM", code.as_deref());
        Err(match code.as_deref() {
            Some("UNREGISTERED") => error.suppressing(INVALID_TOKEN),
            _ => error,
        })
    }
}

/// `error.details[].errorCode` of an FCM error reply, else `error.status`.
fn fcm_error_code(reply: &Reply) -> Option<String> {
    let body = reply.json();
    let details = body["error"]["details"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    details
        .iter()
        .find_map(|d| d["errorCode"].as_str())
        .or_else(|| body["error"]["status"].as_str())
        .map(str::to_owned)
}

pub(crate) struct Apns {
    client: reqwest::Client,
    base_url: String,
    topic: String,
    team_id: String,
    key_id: String,
    key: EncodingKey,
    token: CachedToken,
}

/// APNs refuses provider tokens older than an hour and too-frequent renewals: renew every 50 min.
const APNS_TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);

impl Apns {
    /// `client` must speak HTTP/2 (APNs accepts nothing else).
    pub fn new(
        client: reqwest::Client,
        s: &SurfaceSettings,
        secrets: &SurfaceSecrets,
    ) -> anyhow::Result<Self> {
        let pem = secrets
            .private_key
            .as_deref()
            .context("no signing key is set")?;
        let key = EncodingKey::from_ec_pem(pem.as_bytes())
            .context("the signing key is not a P-256 (.p8) key")?;
        Ok(Self {
            client,
            base_url: s.base_url.clone(),
            topic: s.app_id.clone(),
            team_id: s.team_id.clone(),
            key_id: s.key_id.clone(),
            key,
            token: Mutex::new(None),
        })
    }

    async fn provider_token(&self) -> Result<String, SendError> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        let claims = json!({ "iss": self.team_id, "iat": unix_now() });
        let token = jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|_| SendError::permanent("APNs: the signing key cannot sign"))?;
        *cached = Some((token.clone(), Instant::now() + APNS_TOKEN_LIFETIME));
        Ok(token)
    }

    /// Sends a notification to a device token that cannot exist: APNs checks the key and
    /// topic first, so `BadDeviceToken` means they are good, and nothing reaches a device.
    pub async fn verify(&self) -> Result<String, SendError> {
        let token = self.provider_token().await?;
        let request = self
            .client
            .post(format!("{}/3/device/{}", self.base_url, "0".repeat(64)))
            .bearer_auth(token)
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .json(&json!({ "aps": { "alert": { "title": "Herald check" } } }));
        let reply = call("APNs", request).await?;
        let reason = reply.json()["reason"].as_str().map(str::to_owned);
        match (reply.status, reason.as_deref()) {
            (400, Some("BadDeviceToken")) => Ok(format!(
                "APNs accepted the key for topic {} (it refused a made-up device token, as it should).",
                self.topic
            )),
            _ => Err(reply.error("APNs", reason.as_deref())),
        }
    }

    /// The `apns-id` is the message id, the same on every retry. Returns APNs' `apns-id`.
    pub async fn send(&self, m: &Outgoing) -> Result<Option<String>, SendError> {
        let token = self.provider_token().await?;
        let payload = PushPayload::of(m);
        let mut body = Value::Object(payload.data);
        body["aps"] = json!({ "alert": { "title": m.subject, "body": m.text_body } });
        if let Some(image) = payload.image_url {
            body["aps"]["mutable-content"] = json!(1);
            body["imageUrl"] = Value::String(image);
        }
        if let Some(link) = payload.link {
            body["link"] = Value::String(link);
        }
        let request = self
            .client
            .post(format!("{}/3/device/{}", self.base_url, m.address))
            .bearer_auth(token)
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-id", m.id.to_string())
            .json(&body);
        let reply = call("APNs", request).await?;
        if reply.ok() {
            return Ok(Some(m.id.to_string()));
        }
        let reason = reply.json()["reason"].as_str().map(str::to_owned);
        if reason.as_deref() == Some("ExpiredProviderToken") {
            *self.token.lock().await = None;
            return Err(SendError::transient("APNs HTTP 403 (ExpiredProviderToken)"));
        }
        let error = reply.error("APNs", reason.as_deref());
        Err(match (reply.status, reason.as_deref()) {
            (410, _) | (_, Some("BadDeviceToken" | "Unregistered")) => {
                error.suppressing(INVALID_TOKEN)
            }
            _ => error,
        })
    }
}
