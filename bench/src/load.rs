//! The load generator: HTTP/1.1 over kept-alive connections (hyper), latencies in HDR
//! histograms (microseconds).
//!
//! Closed loop: each connection sends its next call when the previous answer arrived (maximum
//! throughput). Open loop: calls are due at a fixed rate whatever the answers do, and latency is
//! counted from when a call was *due*, not when it was sent, so a stalled server is not
//! flattered by the calls it delayed (coordinated omission, corrected as wrk2 does).

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Call numbers are unique across all runs of one process (each run takes 2^32 of them), so no
/// two calls share a requestId.
static NEXT_CALL: AtomicU64 = AtomicU64::new(0);

/// Makes the body of call number `n` (each call needs its own requestId).
pub type BodyFn = Arc<dyn Fn(u64) -> String + Send + Sync>;

pub struct Target {
    pub addr: SocketAddr,
    pub path: &'static str,
    pub api_key: String,
    pub body: BodyFn,
}

pub struct LoadResult {
    pub ok: u64,
    pub failed: u64,
    pub elapsed: Duration,
    pub latency: Histogram<u64>,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    pub fn ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }

    /// Two loads that ran at the same time, as one (calls added, latencies pooled).
    pub fn merge(mut self, other: LoadResult) -> LoadResult {
        self.ok += other.ok;
        self.failed += other.failed;
        self.elapsed = self.elapsed.max(other.elapsed);
        self.latency
            .add(&other.latency)
            .expect("histograms of the same bounds");
        self
    }
}

/// `rate`: `None` for a closed loop, `Some(calls per second)` for an open loop.
pub async fn run(
    target: Arc<Target>,
    connections: usize,
    duration: Duration,
    rate: Option<f64>,
) -> anyhow::Result<LoadResult> {
    let counter = Arc::new(AtomicU64::new(
        NEXT_CALL.fetch_add(1 << 32, Ordering::Relaxed),
    ));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (target, counter) = (target.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            connection(
                target,
                counter,
                start,
                duration,
                rate.map(|r| (r, c, connections)),
            )
            .await
        }));
    }
    let mut result = LoadResult {
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latency: Histogram::new_with_bounds(1, 600_000_000, 3)?,
    };
    for t in tasks {
        let (ok, failed, hist) = t.await??;
        result.ok += ok;
        result.failed += failed;
        result.latency.add(hist)?;
    }
    result.elapsed = start.elapsed();
    Ok(result)
}

async fn connection(
    target: Arc<Target>,
    counter: Arc<AtomicU64>,
    start: Instant,
    duration: Duration,
    schedule: Option<(f64, usize, usize)>,
) -> anyhow::Result<(u64, u64, Histogram<u64>)> {
    let stream = tokio::net::TcpStream::connect(target.addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let mut hist = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let (mut ok, mut failed) = (0u64, 0u64);
    let host = target.addr.to_string();
    let authorization = format!("Bearer {}", target.api_key);
    for k in 0u64.. {
        let due = match schedule {
            None => Instant::now(),
            Some((rate, index, connections)) => {
                let offset = (k as f64 * connections as f64 + index as f64) / rate;
                start + Duration::from_secs_f64(offset)
            }
        };
        if due.duration_since(start) >= duration {
            break;
        }
        if Instant::now() < due {
            tokio::time::sleep_until(due.into()).await;
        }
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let request = Request::post(target.path)
            .header("host", &host)
            .header("authorization", &authorization)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from((target.body)(n))))?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        response.into_body().collect().await?;
        hist.record(due.elapsed().as_micros().max(1) as u64)?;
        if status.as_u16() == 202 {
            ok += 1;
        } else {
            failed += 1;
        }
    }
    Ok((ok, failed, hist))
}

/// The body of call `n`: `recipients` recipients, each with the send time for the sink.
pub(crate) fn body(campaign_id: &str, recipients: usize, epoch: Instant) -> BodyFn {
    let campaign = campaign_id.to_owned();
    Arc::new(move |n| {
        let t = epoch.elapsed().as_micros();
        let mut s =
            format!("{{\"requestId\":\"b-{n}\",\"campaignId\":\"{campaign}\",\"recipients\":[");
        for i in 0..recipients {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "{{\"type\":\"external\",\"userId\":\"u{n}-{i}@example.com\",\"namespace\":\"email\",\
                 \"profile\":{{\"person\":{{\"name\":{{\"firstName\":\"Ada\"}}}}}},\"context\":{{\"t\":\"{t}\"}}}}"
            );
        }
        s.push_str("]}");
        s
    })
}

pub(crate) fn target(addr: SocketAddr, api_key: &str, body: BodyFn) -> Arc<Target> {
    Arc::new(Target {
        addr,
        path: "/ajo/im/executions/unitary",
        api_key: api_key.to_owned(),
        body,
    })
}
