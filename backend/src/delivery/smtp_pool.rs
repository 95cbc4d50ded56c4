//! Pooled SMTP connections on sockets with `TCP_NODELAY`.
//!
//! lettre's own pool (0.11.23) leaves Nagle's algorithm on and writes a message's body and its
//! closing `.` separately, so every message waits for the relay's delayed ACK (40 ms on Linux):
//! about 22 messages per second per connection. Here lettre's `AsyncSmtpConnection` speaks SMTP
//! over a socket we open with `TCP_NODELAY` (plain and STARTTLS; implicit TLS, `smtps://`, still
//! uses lettre's own connect and keeps the delay until lettre sets the option itself).
//!
//! Invariants:
//! - A connection goes back to the pool only after a successful send; after any error it is
//!   closed, so no connection in the pool is in the middle of a transaction.
//! - A connection idle for more than [`STALE_AFTER`] is checked with NOOP before it is reused.
//! - Every network step is bounded by the timeout, so a silent relay cannot hold a message
//!   past its delivery lease.
//! - Credentials are never sent in clear: with a user in the URL, STARTTLS is required unless
//!   the URL says `tls=none` (spelled out), and `tls=opportunistic` refuses to authenticate
//!   on a relay that offers no STARTTLS.
//! - A surface's relay is reached under the outbound policy ([`Egress`]): its name is resolved
//!   here and only permitted addresses are connected to (TLS still checks the name).

use super::SendError;
use crate::egress::Egress;
use anyhow::{Context, bail};
use domain::report::Bounce;
use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const STALE_AFTER: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Plain,
    StartTlsIfOffered,
    StartTlsRequired,
    ImplicitTls,
}

pub struct SmtpPool {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    capacity: usize,
    /// `None`: the operator's own relay, reached wherever it is.
    egress: Option<Egress>,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpPool {
    /// `smtp://[user:password@]host[:port][?tls=required|opportunistic]` (port 25) or
    /// `smtps://…` (implicit TLS, port 465).
    pub fn from_url(raw: &str, timeout: Duration, capacity: usize) -> anyhow::Result<Self> {
        let url = url::Url::parse(raw).context("not a URL")?;
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => bail!("unsupported scheme {other}: use smtp:// or smtps://"),
        };
        let host = url.host_str().context("the URL has no host")?.to_owned();
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let with_user = !url.username().is_empty();
        let security = match (implicit, tls.as_deref()) {
            (true, _) => Security::ImplicitTls,
            (false, Some("required")) => Security::StartTlsRequired,
            (false, None) if with_user => Security::StartTlsRequired,
            (false, Some("opportunistic")) => Security::StartTlsIfOffered,
            (false, None | Some("none")) => Security::Plain,
            (false, Some(other)) => {
                bail!("tls={other} is not one of required, opportunistic, none")
            }
        };
        let credentials = (!url.username().is_empty()).then(|| {
            let decode = |s: &str| percent_decode(s);
            Credentials::new(decode(url.username()), decode(url.password().unwrap_or("")))
        });
        Ok(Self {
            port: url.port().unwrap_or(if implicit { 465 } else { 25 }),
            host,
            security,
            credentials,
            hello: ClientId::default(),
            timeout,
            capacity,
            egress: None,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// The pool with its connections under `egress` (a surface's relay).
    pub fn under(mut self, egress: Option<Egress>) -> Self {
        self.egress = egress;
        self
    }

    /// Where to connect: the permitted addresses of the host, or the host itself (resolved by
    /// the connect call) for the operator's relay.
    async fn addresses(&self) -> Result<Vec<std::net::SocketAddr>, SendError> {
        match self.egress {
            Some(egress) => egress
                .resolve(&self.host, self.port)
                .await
                .map_err(|why| SendError::permanent(format!("the SMTP relay {why}"))),
            None => tokio::net::lookup_host((self.host.as_str(), self.port))
                .await
                .map(Iterator::collect)
                .map_err(|_| SendError::down("SMTP connection failed")),
        }
    }

    /// Sends one message on a pooled connection.
    pub async fn send(&self, email: &Message) -> Result<(), SendError> {
        let mut conn = self.checkout().await?;
        let raw = email.formatted();
        match tokio::time::timeout(self.timeout, conn.send(email.envelope(), &raw)).await {
            Ok(Ok(_)) => {
                let mut idle = self.idle.lock().expect("pool lock");
                if idle.len() < self.capacity {
                    idle.push((conn, Instant::now()));
                }
                Ok(())
            }
            Ok(Err(e)) => {
                conn.abort().await;
                Err(classify(&e))
            }
            Err(_) => Err(SendError::down("SMTP timeout")),
        }
    }

    /// Connects as a send would (TLS and sign-in as the URL says) and says goodbye; returns
    /// what the relay showed of itself.
    pub async fn verify(&self) -> Result<String, SendError> {
        let at = |mut e: SendError| {
            e.detail = format!("{}:{}: {}", self.host, self.port, e.detail);
            e
        };
        let mut conn = tokio::time::timeout(self.timeout, self.connect())
            .await
            .map_err(|_| at(SendError::down("SMTP timeout")))?
            .map_err(at)?;
        let name = conn.server_info().name().to_owned();
        let encrypted = conn.is_encrypted();
        let _ = conn.quit().await;
        Ok(format!(
            "{name} ({}:{}) accepted the connection{}{}.",
            self.host,
            self.port,
            if encrypted { " over TLS" } else { " in clear" },
            if self.credentials.is_some() {
                " and the credentials"
            } else {
                ""
            },
        ))
    }

    async fn checkout(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let next = self.idle.lock().expect("pool lock").pop();
            match next {
                Some((conn, since)) if since.elapsed() < STALE_AFTER => return Ok(conn),
                Some((mut conn, _)) => {
                    let alive = tokio::time::timeout(self.timeout, conn.test_connected()).await;
                    if matches!(alive, Ok(true)) {
                        return Ok(conn);
                    }
                    conn.abort().await;
                }
                None => {
                    return match tokio::time::timeout(self.timeout, self.connect()).await {
                        Ok(result) => result,
                        Err(_) => Err(SendError::down("SMTP timeout")),
                    };
                }
            }
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let tls = || {
            TlsParameters::new(self.host.clone())
                .map_err(|e| SendError::permanent(format!("TLS setup failed: {e}")))
        };
        let addresses = self.addresses().await?;
        let mut conn = if self.security == Security::ImplicitTls {
            AsyncSmtpConnection::connect_tokio1(
                &addresses[..],
                Some(self.timeout),
                &self.hello,
                Some(tls()?),
                None,
            )
            .await
            .map_err(|e| classify(&e))?
        } else {
            let stream = tokio::net::TcpStream::connect(&addresses[..])
                .await
                .map_err(|_| SendError::down("SMTP connection failed"))?;
            let _ = stream.set_nodelay(true);
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                .await
                .map_err(|e| classify(&e))?
        };
        let starttls = match self.security {
            Security::StartTlsRequired => true,
            Security::StartTlsIfOffered => conn.can_starttls(),
            _ => false,
        };
        if self.security == Security::StartTlsRequired && !conn.can_starttls() {
            conn.abort().await;
            return Err(SendError::transient(
                "the SMTP relay offers no STARTTLS, which this URL requires (credentials are never sent in clear; add tls=none to allow it)",
            ));
        }
        if starttls {
            conn.starttls(tls()?, &self.hello)
                .await
                .map_err(|e| classify(&e))?;
        }
        if self.credentials.is_some() && self.security == Security::StartTlsIfOffered && !starttls {
            conn.abort().await;
            return Err(SendError::transient(
                "the SMTP relay offers no STARTTLS: credentials are never sent in clear (add tls=none to allow it)",
            ));
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| classify(&e))?;
        }
        Ok(conn)
    }
}

/// 4xx replies and network trouble may pass; 5xx replies will not. A 5xx with the enhanced
/// status 5.1.1 (or 5.1.10: no such user) is a hard bounce.
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let detail = match e.status() {
        Some(code) => format!("SMTP reply {code}"),
        None if e.is_timeout() => "SMTP timeout".into(),
        None if e.is_tls() => "SMTP TLS failed".into(),
        None => "SMTP connection failed".into(),
    };
    if !e.is_permanent() {
        // A reply (4xx) means the relay is up; no reply means it may be down.
        if e.status().is_none() {
            SendError::down(detail)
        } else {
            SendError::transient(detail).bouncing(Bounce::Soft)
        }
    } else if e.status().is_none() {
        SendError::permanent(detail)
    } else if e.to_string().contains("5.1.1") {
        SendError::permanent(detail)
            .suppressing("hard bounce")
            .bouncing(Bounce::Hard)
    } else {
        SendError::permanent(detail).bouncing(Bounce::Hard)
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(url: &str) -> SmtpPool {
        SmtpPool::from_url(url, Duration::from_secs(1), 4).unwrap()
    }

    #[test]
    fn urls_choose_port_security_and_credentials() {
        let p = pool("smtp://127.0.0.1:2525");
        assert_eq!(
            (p.host.as_str(), p.port, p.security),
            ("127.0.0.1", 2525, Security::Plain)
        );
        assert!(p.credentials.is_none());
        assert_eq!(
            pool("smtp://mail.example?tls=required").security,
            Security::StartTlsRequired
        );
        assert_eq!(pool("smtp://mail.example").port, 25);
        let s = pool("smtps://user%40x:p%3Ass@mail.example");
        assert_eq!((s.port, s.security), (465, Security::ImplicitTls));
        assert_eq!(
            s.credentials,
            Some(Credentials::new("user@x".into(), "p:ss".into()))
        );
        assert_eq!(
            pool("smtp://user:pw@mail.example:587").security,
            Security::StartTlsRequired,
            "credentials in the URL require STARTTLS by default"
        );
        assert_eq!(
            pool("smtp://user:pw@mail.example:587?tls=none").security,
            Security::Plain,
            "unless the URL spells out tls=none"
        );
        assert!(SmtpPool::from_url("http://x", Duration::from_secs(1), 1).is_err());
        assert!(SmtpPool::from_url("smtp://x?tls=maybe", Duration::from_secs(1), 1).is_err());
    }
}
