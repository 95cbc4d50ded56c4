//! What an HTTP provider's answer means for a send: 2xx sent; 429 (after its `Retry-After`),
//! 5xx, timeouts and connection errors may pass; any other 4xx will not.

use super::SendError;
use crate::egress::MAX_REPLY_BYTES;
use std::time::Duration;

/// A provider's answer, read up to [`MAX_REPLY_BYTES`] (bodies are small JSON documents; the
/// rest of a larger one is never read).
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
    let body = read_capped(response, MAX_REPLY_BYTES)
        .await
        .map_err(|_| SendError::transient(format!("{provider} reply was cut off")))?;
    Ok(Reply {
        status,
        body,
        retry_after,
    })
}

/// The first `cap` bytes of a reply's body (as text); the connection is dropped after them.
async fn read_capped(mut response: reqwest::Response, cap: usize) -> reqwest::Result<String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= cap {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A reply whose body never ends is read up to the cap, not until memory or time run out.
    #[tokio::test]
    async fn an_endless_reply_is_read_up_to_the_cap() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
                        transfer-encoding: chunked\r\n\r\n";
            socket.write_all(head.as_bytes()).await.unwrap();
            let chunk = format!("{:x}\r\n{}\r\n", 8192, "x".repeat(8192));
            while socket.write_all(chunk.as_bytes()).await.is_ok() {}
        });
        let client = crate::egress::Egress {
            allow_private: true,
        }
        .http_client(Duration::from_secs(30), false)
        .unwrap();
        let read = tokio::time::timeout(Duration::from_secs(5), call("test", client.get(&url)))
            .await
            .expect("the reply is not read to its (missing) end");
        let Ok(reply) = read else { panic!("a reply") };
        assert_eq!(reply.status, 400);
        assert_eq!(reply.body.len(), MAX_REPLY_BYTES);
    }
}
