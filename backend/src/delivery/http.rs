//! What an HTTP provider's answer means for a send: 2xx sent; 429 (after its `Retry-After`),
//! 5xx, timeouts and connection errors may pass; any other 4xx will not.

use super::SendError;
use std::time::Duration;

/// A provider's answer, read whole (bodies are small JSON documents).
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
    retry_after: Option<Duration>,
}

/// The longest `Retry-After` honoured; a longer one is cut to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Sends `request`; network trouble is a transient error naming `provider`.
pub(crate) async fn call(
    provider: &str,
    request: reqwest::RequestBuilder,
) -> Result<Reply, SendError> {
    let response = request.send().await.map_err(|e| {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        SendError::down(format!("{provider} {what}"))
    })?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    let body = response
        .text()
        .await
        .map_err(|_| SendError::transient(format!("{provider} reply was cut off")))?;
    Ok(Reply {
        status,
        body,
        retry_after,
    })
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error for a reply that is not a success; `code` is the provider's own error code if
    /// it gave one (recorded, unlike its message, which may quote the recipient).
    pub fn error(&self, provider: &str, code: Option<&str>) -> SendError {
        let detail = match code {
            Some(code) => format!("{provider} HTTP {} ({code})", self.status),
            None => format!("{provider} HTTP {}", self.status),
        };
        match self.status {
            429 => SendError {
                retry_after: self.retry_after,
                ..SendError::transient(detail)
            },
            408 | 500..=599 => SendError::down(detail),
            _ => SendError::permanent(detail),
        }
    }

    /// The body as JSON, or null.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}
