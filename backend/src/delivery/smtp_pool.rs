//! Pooled SMTP connections on sockets with `TCP_NODELAY`, with commands pipelined where the
//! relay offers `PIPELINING` (RFC 2920).
//!
//! The session is spoken by `async-smtp` (MAIL FROM, RCPT TO and DATA leave together and their
//! replies are read together: two round trips per message instead of four) over a socket
//! opened here with `TCP_NODELAY`, implicit TLS included, and TLS by rustls with the Mozilla
//! roots (what lettre used). lettre, which builds the messages, has no pipelining, and its
//! connection (0.11.23) leaves Nagle's algorithm on, so every message waited for the relay's
//! delayed ACK: about 22 messages per second per connection.
//!
//! Invariants:
//! - A connection goes back to the pool only after a successful send; after any error it is
//!   closed, so no connection in the pool is in the middle of a transaction (a pipelined
//!   transaction refused half-way leaves replies unread: the connection is dropped with them).
//! - A connection idle for more than [`STALE_AFTER`] is checked with NOOP before it is reused.
//! - Every network step is bounded by the timeout, so a silent relay cannot hold a message
//!   past its delivery lease.
//! - A relay's answers are read up to [`MAX_REPLY_BYTES`] between two writes (the bound of
//!   every provider's reply, see `egress`), so an endless reply costs no more memory than that.
//! - Credentials are never sent in clear: with a user in the URL, STARTTLS is required unless
//!   the URL says `tls=none` (spelled out), and `tls=opportunistic` refuses to authenticate
//!   on a relay that offers no STARTTLS.
//! - Bytes a relay sends before the TLS handshake after STARTTLS are discarded with the clear
//!   connection's buffers (no command injection across the upgrade).
//! - A surface's relay is reached under the outbound policy ([`Egress`]): its name is resolved
//!   here and only permitted addresses are connected to (TLS still checks the name).

use super::SendError;
use crate::egress::{Egress, MAX_REPLY_BYTES};
use anyhow::{Context, bail};
use async_smtp::authentication::{Credentials, Mechanism};
use async_smtp::commands::NoopCommand;
use async_smtp::extension::{ClientId, Extension, ServerInfo};
use async_smtp::{EmailAddress, Envelope, SendableEmail, SmtpClient, SmtpTransport};
use domain::report::Bounce;
use lettre::Message;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex};
use std::task::{Context as TaskContext, Poll, ready};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, BufReader, BufWriter, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{ClientConfig, RootCertStore, pki_types::ServerName};

/// A socket, clear or TLS.
type Socket = tokio_util::either::Either<TcpStream, TlsStream<TcpStream>>;

/// The socket with buffers on both sides: a reply's lines are read in one go, and what is
/// written leaves when a reply is awaited (see [`SentWhenAwaited`]).
type Wire = BufReader<SentWhenAwaited>;

/// Writes that leave the buffer when the next read begins, not at each flush: `async-smtp`
/// flushes after every command, so without this MAIL FROM, RCPT TO and DATA would leave as
/// three packets, and a body as two. Nothing written is ever held while a reply is awaited,
/// so a relay without PIPELINING, which answers each command before the next, is served as
/// before.
///
/// It also bounds what a relay may send in answer: at most [`MAX_REPLY_BYTES`] between two
/// writes (replies are a few lines; `async-smtp` would gather an endless one in memory until
/// the timeout). Past that the read fails and the connection is dropped.
struct SentWhenAwaited {
    socket: BufWriter<Socket>,
    read_since_write: usize,
}

impl SentWhenAwaited {
    fn new(socket: Socket) -> Self {
        Self {
            socket: BufWriter::new(socket),
            read_since_write: 0,
        }
    }

    fn into_socket(self) -> Socket {
        self.socket.into_inner()
    }
}

impl AsyncRead for SentWhenAwaited {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        ready!(Pin::new(&mut self.socket).poll_flush(cx))?;
        let before = buf.filled().len();
        ready!(Pin::new(self.socket.get_mut()).poll_read(cx, buf))?;
        self.read_since_write += buf.filled().len() - before;
        if self.read_since_write > MAX_REPLY_BYTES {
            return Poll::Ready(Err(std::io::Error::other(
                "the SMTP relay's reply is too long",
            )));
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SentWhenAwaited {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.socket).poll_write(cx, buf))?;
        if written > 0 {
            self.read_since_write = 0;
        }
        Poll::Ready(Ok(written))
    }

    /// Deferred to the next read (see the type).
    fn poll_flush(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.socket).poll_shutdown(cx)
    }
}

/// Relays are trusted as browsers trust web sites: the Mozilla roots, the name checked.
static TLS: LazyLock<TlsConnector> = LazyLock::new(|| {
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("rustls supports its default protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
});

/// One SMTP session, greeted and signed in.
struct Connection {
    smtp: SmtpTransport<Wire>,
    /// What the relay said of itself in its last EHLO reply.
    server: ServerInfo,
    encrypted: bool,
}

impl Connection {
    /// Greets (after the relay's banner, unless `greeted`) and reads the relay's extensions.
    /// `async-smtp` keeps its EHLO reply to itself, so a second EHLO reads it for us: one more
    /// round trip per connection, none per message.
    async fn open(
        socket: Socket,
        hello: &ClientId,
        greeted: bool,
    ) -> Result<Self, async_smtp::error::Error> {
        let encrypted = matches!(socket, Socket::Right(_));
        // SMTPUTF8 where offered, for addresses beyond ASCII (as lettre asked for it).
        let client = SmtpClient::new().hello_name(hello.clone()).smtp_utf8(true);
        let client = if greeted {
            client.without_greeting()
        } else {
            client
        };
        let mut smtp =
            SmtpTransport::new(client, BufReader::new(SentWhenAwaited::new(socket))).await?;
        let reply = smtp.get_mut().ehlo(hello.clone()).await?;
        let server = ServerInfo::from_response(&reply)?;
        Ok(Self {
            smtp,
            server,
            encrypted,
        })
    }

    fn offers(&self, extension: Extension) -> bool {
        self.server.supports_feature(extension)
    }
}

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
    idle: Mutex<Vec<(Connection, Instant)>>,
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
            // This machine's name.
            hello: ClientId::Domain(
                hostname::get().map_or_else(|_| "localhost".into(), |h| h.to_string_lossy().into()),
            ),
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
        let sendable = SendableEmail::new(envelope_of(email)?, email.formatted());
        let mut conn = self.checkout().await?;
        match tokio::time::timeout(self.timeout, conn.smtp.send(sendable)).await {
            Ok(Ok(_)) => {
                let mut idle = self.idle.lock().expect("pool lock");
                if idle.len() < self.capacity {
                    idle.push((conn, Instant::now()));
                }
                Ok(())
            }
            Ok(Err(e)) => Err(classify(&e)),
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
        let _ = tokio::time::timeout(self.timeout, conn.smtp.quit()).await;
        Ok(format!(
            "{} ({}:{}) accepted the connection{}{}.",
            conn.server.name,
            self.host,
            self.port,
            if conn.encrypted {
                " over TLS"
            } else {
                " in clear"
            },
            if self.credentials.is_some() {
                " and the credentials"
            } else {
                ""
            },
        ))
    }

    async fn checkout(&self) -> Result<Connection, SendError> {
        loop {
            let next = self.idle.lock().expect("pool lock").pop();
            match next {
                Some((conn, since)) if since.elapsed() < STALE_AFTER => return Ok(conn),
                Some((mut conn, _)) => {
                    let alive = tokio::time::timeout(
                        self.timeout,
                        conn.smtp.get_mut().command(NoopCommand),
                    )
                    .await;
                    if matches!(alive, Ok(Ok(_))) {
                        return Ok(conn);
                    }
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

    async fn connect(&self) -> Result<Connection, SendError> {
        let addresses = self.addresses().await?;
        let tcp = TcpStream::connect(&addresses[..])
            .await
            .map_err(|_| SendError::down("SMTP connection failed"))?;
        let _ = tcp.set_nodelay(true);
        let socket = if self.security == Security::ImplicitTls {
            Socket::Right(self.tls(tcp).await?)
        } else {
            Socket::Left(tcp)
        };
        let mut conn = Connection::open(socket, &self.hello, false)
            .await
            .map_err(|e| classify(&e))?;
        let starttls = match self.security {
            Security::StartTlsRequired => true,
            Security::StartTlsIfOffered => conn.offers(Extension::StartTls),
            _ => false,
        };
        if self.security == Security::StartTlsRequired && !conn.offers(Extension::StartTls) {
            return Err(SendError::transient(
                "the SMTP relay offers no STARTTLS, which this URL requires (credentials are never sent in clear; add tls=none to allow it)",
            ));
        }
        if starttls {
            let clear = conn.smtp.starttls().await.map_err(|e| classify(&e))?;
            // The clear connection's buffers go with it (see the module's invariants).
            let Socket::Left(tcp) = clear.into_inner().into_socket() else {
                unreachable!("STARTTLS is only sent in clear")
            };
            conn = Connection::open(Socket::Right(self.tls(tcp).await?), &self.hello, true)
                .await
                .map_err(|e| classify(&e))?;
        }
        if self.credentials.is_some() && self.security == Security::StartTlsIfOffered && !starttls {
            return Err(SendError::transient(
                "the SMTP relay offers no STARTTLS: credentials are never sent in clear (add tls=none to allow it)",
            ));
        }
        if let Some(credentials) = &self.credentials {
            let mechanisms = [Mechanism::Plain, Mechanism::Login];
            if !mechanisms
                .iter()
                .any(|m| conn.server.supports_auth_mechanism(*m))
            {
                return Err(SendError::transient(
                    "the SMTP relay offers neither AUTH PLAIN nor AUTH LOGIN",
                ));
            }
            conn.smtp
                .try_login(credentials, &mechanisms)
                .await
                .map_err(|e| classify(&e))?;
        }
        Ok(conn)
    }

    /// The TLS handshake for the relay's name.
    async fn tls(&self, tcp: TcpStream) -> Result<TlsStream<TcpStream>, SendError> {
        let name = ServerName::try_from(self.host.clone())
            .map_err(|e| SendError::permanent(format!("TLS setup failed: {e}")))?;
        TLS.connect(name, tcp)
            .await
            .map_err(|_| SendError::down("SMTP TLS failed"))
    }
}

/// The envelope lettre computed for the message (its sender and recipients), for `async-smtp`.
fn envelope_of(email: &Message) -> Result<Envelope, SendError> {
    let envelope = email.envelope();
    let address = |a: &lettre::Address| EmailAddress::new(a.to_string());
    let build = || {
        let from = envelope.from().map(address).transpose()?;
        let to = envelope
            .to()
            .iter()
            .map(address)
            .collect::<Result<_, _>>()?;
        Envelope::new(from, to)
    };
    build().map_err(|e| SendError::permanent(format!("the message cannot be built: {e}")))
}

/// 4xx replies and network trouble may pass; 5xx replies will not. A 5xx with the enhanced
/// status 5.1.1 (or 5.1.10: no such user) is a hard bounce.
fn classify(e: &async_smtp::error::Error) -> SendError {
    use async_smtp::error::Error;
    match e {
        // A reply (4xx) means the relay is up.
        Error::Transient(reply) => {
            SendError::transient(format!("SMTP reply {}", reply.code)).bouncing(Bounce::Soft)
        }
        Error::Permanent(reply) => {
            let refused =
                SendError::permanent(format!("SMTP reply {}", reply.code)).bouncing(Bounce::Hard);
            if reply.message.iter().any(|line| line.contains("5.1.1")) {
                refused.suppressing("hard bounce")
            } else {
                refused
            }
        }
        // No reply: the relay may be down.
        Error::Timeout(_) => SendError::down("SMTP timeout"),
        _ => SendError::down("SMTP connection failed"),
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

#[cfg(test)]
mod pipelining {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

    /// A relay for two messages on one connection. With `pipelining` it offers PIPELINING and
    /// answers MAIL, RCPT and DATA only once all three have arrived (a client waiting for each
    /// reply would wait until its timeout); without, it answers each command at once (a client
    /// holding a command back would wait until its timeout).
    async fn relay(pipelining: bool) -> (u16, tokio::task::JoinHandle<Vec<String>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut stream = tokio::io::BufStream::new(stream);
            let mut seen = Vec::new();
            let mut line = String::new();
            stream.write_all(b"220 relay\r\n").await.unwrap();
            stream.flush().await.unwrap();
            loop {
                line.clear();
                if stream.read_line(&mut line).await.unwrap() == 0 {
                    return seen;
                }
                let verb = line.split_whitespace().next().unwrap_or("").to_owned();
                seen.push(verb.clone());
                let reply: &[u8] = match (verb.as_str(), pipelining) {
                    ("EHLO", true) => b"250-relay\r\n250 PIPELINING\r\n",
                    ("EHLO", false) => b"250 relay\r\n",
                    ("MAIL" | "RCPT", true) => continue,
                    ("MAIL" | "RCPT", false) => b"250 ok\r\n",
                    ("DATA", true) => {
                        assert_eq!(seen[seen.len() - 3..], ["MAIL", "RCPT", "DATA"]);
                        b"250 sender ok\r\n250 recipient ok\r\n354 go on\r\n"
                    }
                    ("DATA", false) => b"354 go on\r\n",
                    (".", _) => b"250 queued\r\n",
                    ("QUIT", _) => b"221 bye\r\n",
                    _ => continue,
                };
                stream.write_all(reply).await.unwrap();
                stream.flush().await.unwrap();
            }
        });
        (port, relay)
    }

    async fn two_messages_through(pipelining: bool) {
        let (port, relay) = relay(pipelining).await;
        let pool = SmtpPool::from_url(
            &format!("smtp://127.0.0.1:{port}"),
            Duration::from_secs(5),
            1,
        )
        .unwrap();
        let email = Message::builder()
            .from("a@example.com".parse().unwrap())
            .to("b@example.com".parse().unwrap())
            .subject("pipelined")
            .body(String::from("Hello"))
            .unwrap();
        for _ in 0..2 {
            let sent = tokio::time::timeout(Duration::from_secs(2), pool.send(&email)).await;
            assert!(matches!(sent, Ok(Ok(()))), "sent, pipelining: {pipelining}");
        }
        drop(pool);
        let seen = relay.await.unwrap();
        assert_eq!(
            seen.iter().filter(|v| *v == "EHLO").count(),
            2,
            "one connection, reused for the second message: {seen:?}"
        );
        assert_eq!(seen.iter().filter(|v| *v == ".").count(), 2);
    }

    #[tokio::test]
    async fn sender_recipient_and_data_leave_together() {
        two_messages_through(true).await;
    }

    /// A relay whose greeting never ends is read up to the cap, not until the timeout.
    #[tokio::test]
    async fn an_endless_reply_is_refused_at_the_cap() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let line = format!("220-{}\r\n", "x".repeat(1000));
            while socket.write_all(line.as_bytes()).await.is_ok() {}
        });
        let pool = SmtpPool::from_url(
            &format!("smtp://127.0.0.1:{port}"),
            Duration::from_secs(30),
            1,
        )
        .unwrap();
        let refused = tokio::time::timeout(Duration::from_secs(5), pool.verify())
            .await
            .expect("refused long before the 30 s timeout");
        assert_eq!(
            refused.unwrap_err().detail,
            format!("127.0.0.1:{port}: SMTP connection failed")
        );
    }

    #[tokio::test]
    async fn without_pipelining_each_command_waits_for_its_reply() {
        two_messages_through(false).await;
    }
}
