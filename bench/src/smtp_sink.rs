//! A minimal SMTP sink on tokio: accepts every message, counts it, and measures trigger-to-
//! delivery latency from the send time that the benchmark campaign puts in the subject.
//! (A stand-in for a mail relay, which cannot be reached from here; Herald's integration tests
//! use a real SMTP server, aiosmtpd.)

use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpListener;

pub struct Sink {
    pub port: u16,
    pub received: AtomicU64,
    /// Microseconds from the trigger call's send time to acceptance here.
    pub latency: Mutex<Histogram<u64>>,
    epoch: Instant,
}

impl Sink {
    pub async fn start(epoch: Instant) -> anyhow::Result<Arc<Sink>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let sink = Arc::new(Sink {
            port: listener.local_addr()?.port(),
            received: AtomicU64::new(0),
            latency: Mutex::new(Histogram::new_with_bounds(1, 600_000_000, 3)?),
            epoch,
        });
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        Ok(sink)
    }

    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Waits until the sink has received `count` messages in all, or `timeout` has passed.
    pub async fn wait_for(&self, count: u64, timeout: std::time::Duration) {
        wait_for_count(&self.received, count, timeout).await;
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let mut lines = BufReader::new(read);
        // Replies are written out once no pipelined command is left to answer, as relays do.
        let mut write = BufWriter::new(write);
        write.write_all(b"220 sink ESMTP\r\n").await?;
        let mut line = String::new();
        loop {
            if lines.buffer().is_empty() {
                write.flush().await?;
            }
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" | "HELO" => {
                    write
                        .write_all(b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                        .await?
                }
                "DATA" => {
                    write.write_all(b"354 end with .\r\n").await?;
                    // The client waits for it before the body.
                    write.flush().await?;
                    let mut sent_at = None;
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == ".\r\n" || line == ".\n" {
                            break;
                        }
                        if let Some(rest) = line.strip_prefix("Subject: Bench ") {
                            sent_at = rest.trim().parse::<u64>().ok();
                        }
                    }
                    self.received.fetch_add(1, Ordering::Relaxed);
                    if let Some(t) = sent_at {
                        let now = self.epoch.elapsed().as_micros() as u64;
                        let _ = self
                            .latency
                            .lock()
                            .expect("latency histogram lock")
                            .record(now.saturating_sub(t).max(1));
                    }
                    write.write_all(b"250 ok\r\n").await?;
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    write.flush().await?;
                    return Ok(());
                }
                _ => write.write_all(b"250 ok\r\n").await?,
            }
        }
    }
}

/// Waits until `counter` reaches `count`, or `timeout` has passed (a stand-in's count of what
/// it received).
pub(crate) async fn wait_for_count(counter: &AtomicU64, count: u64, timeout: std::time::Duration) {
    let deadline = Instant::now() + timeout;
    while counter.load(Ordering::Relaxed) < count && Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// The sink's own ceiling: messages per second it accepts from Herald's SMTP client (the same
/// connection pool, `concurrency` connections), with nothing else going on.
pub async fn ceiling(port: u16, messages: usize, concurrency: usize) -> anyhow::Result<f64> {
    use backend::delivery::SmtpPool;
    use lettre::Message;
    let url = format!("smtp://127.0.0.1:{port}");
    let pool = std::sync::Arc::new(SmtpPool::from_url(
        &url,
        std::time::Duration::from_secs(10),
        concurrency,
    )?);
    let started = Instant::now();
    let per_task = messages / concurrency;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let email = Message::builder()
                    .from("Bench <bench@example.com>".parse()?)
                    .to("someone@example.com".parse()?)
                    .subject("ceiling")
                    .body(String::from("<p>Hello</p>"))?;
                pool.send(&email)
                    .await
                    .map_err(|e| anyhow::anyhow!(e.detail))?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((per_task * concurrency) as f64 / started.elapsed().as_secs_f64())
}
