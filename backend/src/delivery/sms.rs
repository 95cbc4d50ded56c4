//! SMS gateways: a Twilio-compatible Messages API (form-encoded POST, Basic auth) and a JSON
//! webhook of the operator's own.

use super::SendError;
use super::http::call;
use domain::delivery::Outgoing;
use domain::surface::{SurfaceSecrets, SurfaceSettings};
use serde_json::json;

pub(crate) struct Twilio {
    client: reqwest::Client,
    /// `{base}/2010-04-01/Accounts/{sid}`
    account_url: String,
    /// `{account_url}/Messages.json`
    url: String,
    account_sid: String,
    auth_token: String,
    /// A number or sender id, or a Messaging Service SID (`MG…`).
    sender: String,
}

impl Twilio {
    pub fn new(
        client: reqwest::Client,
        s: &SurfaceSettings,
        secrets: &SurfaceSecrets,
    ) -> anyhow::Result<Self> {
        let auth_token = secrets
            .auth_token
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no auth token is set"))?;
        let account_url = format!("{}/2010-04-01/Accounts/{}", s.base_url, s.account_sid);
        Ok(Self {
            client,
            url: format!("{account_url}/Messages.json"),
            account_url,
            account_sid: s.account_sid.clone(),
            auth_token,
            sender: s.sender.clone(),
        })
    }

    /// Returns the provider's message SID. Twilio reports delivery to the message's status
    /// callback URL.
    pub async fn send(&self, m: &Outgoing) -> Result<Option<String>, SendError> {
        let from_field = if self.sender.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let mut form = vec![
            ("To", m.address.as_str()),
            (from_field, self.sender.as_str()),
            ("Body", m.text_body.as_str()),
        ];
        if let Some(url) = &m.status_callback_url {
            form.push(("StatusCallback", url.as_str()));
        }
        let request = self
            .client
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form);
        let reply = call("Twilio", request).await?;
        let body = reply.json();
        if reply.ok() {
            return Ok(body["sid"].as_str().map(str::to_owned));
        }
        let code = body["code"].as_i64().map(|c| c.to_string());
        Err(reply.error("Twilio", code.as_deref()))
    }
}

impl Twilio {
    /// Reads the account with the surface's credentials: what a send needs, sending nothing.
    pub async fn verify(&self) -> Result<String, SendError> {
        let request = self
            .client
            .get(format!("{}.json", self.account_url))
            .basic_auth(&self.account_sid, Some(&self.auth_token));
        let reply = call("Twilio", request).await?;
        let body = reply.json();
        if !reply.ok() {
            let code = body["code"].as_i64().map(|c| c.to_string());
            return Err(reply.error("Twilio", code.as_deref()));
        }
        let text = |key: &str| body[key].as_str().unwrap_or("unknown").to_owned();
        Ok(format!(
            "Twilio accepted the credentials of account {} (\"{}\", {}).",
            self.account_sid,
            text("friendly_name"),
            text("status")
        ))
    }
}

pub(crate) struct Webhook {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    sender: String,
}

impl Webhook {
    pub fn new(client: reqwest::Client, s: &SurfaceSettings, secrets: &SurfaceSecrets) -> Self {
        Self {
            client,
            url: s.webhook_url.clone(),
            token: secrets.auth_token.clone().filter(|t| !t.is_empty()),
            sender: s.sender.clone(),
        }
    }

    /// POSTs `{"messageId", "to", "from", "text"}`; a JSON reply's `id`, if any, is recorded.
    /// The message id is the same on every retry, so the gateway can drop duplicates.
    pub async fn send(&self, m: &Outgoing) -> Result<Option<String>, SendError> {
        let mut request = self.client.post(&self.url).json(&json!({
            "messageId": m.id,
            "to": m.address,
            "from": self.sender,
            "text": m.text_body,
        }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let reply = call("SMS webhook", request).await?;
        if reply.ok() {
            return Ok(reply.json()["id"].as_str().map(str::to_owned));
        }
        Err(reply.error("SMS webhook", None))
    }

    /// Connects to the gateway with an empty-bodied HEAD request: any HTTP answer shows it is
    /// reachable (its own protocol has no check to call).
    pub async fn verify(&self) -> Result<String, SendError> {
        let mut request = self.client.head(&self.url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let reply = call("SMS webhook", request).await?;
        Ok(format!(
            "The gateway answered HTTP {} to a HEAD request: it is reachable (sending was not tried).",
            reply.status
        ))
    }
}
