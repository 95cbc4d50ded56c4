//! End-to-end delivery: trigger calls of 20 recipients sent as fast as Herald accepts them, with
//! delivery on, timed until the SMTP sink has every email. A phase of `run`, and on its own the
//! `delivery` subcommand (the sink's ceiling and this phase only, for A/B runs of delivery).

use crate::database::{Databases, Engine};
use crate::database::{on_fresh_database, refs};
use crate::herald_process::HeraldProcess;
use crate::load;
use crate::load::{BodyFn, body, target};
use crate::record::{self, Figure};
use crate::smtp_sink::{self, Sink};
use hdrhistogram::Histogram;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one end-to-end phase measured.
pub struct Delivered {
    pub calls: usize,
    pub accepted: usize,
    pub expected: u64,
    pub delivered: u64,
    pub seconds: f64,
    /// Trigger call's send time to the sink's acceptance, in microseconds.
    pub latency: Histogram<u64>,
    pub peak_rss_mib: f64,
}

impl Delivered {
    pub fn per_second(&self) -> f64 {
        self.delivered as f64 / self.seconds
    }

    /// The table's heading and its one row.
    pub fn table(&self, db: &str, sink_ceiling: f64) -> String {
        let ms = |q: f64| self.latency.value_at_quantile(q) as f64 / 1000.0;
        format!(
            "\n### End-to-end delivery on {db} to the SMTP sink ({} emails: {} calls × 20 recipients)\n\n\
             | delivered | emails/s | trigger→delivery p50 ms | p99 ms | p99.9 ms | ratio to ceiling |\n\
             |---|---|---|---|---|---|\n\
             | {} of {} ({} calls accepted) | {:.0} | {:.1} | {:.1} | {:.1} | {:.0} % of SMTP sink {sink_ceiling:.0}/s |\n",
            self.expected,
            self.calls,
            self.delivered,
            self.expected,
            self.accepted,
            self.per_second(),
            ms(0.5),
            ms(0.99),
            ms(0.999),
            100.0 * self.per_second() / sink_ceiling,
        )
    }
}

/// Starts Herald (delivery on) on a fresh database, sends `calls` calls of 20 recipients and
/// waits (at most five minutes) until the sink has them all.
pub async fn end_to_end(
    herald_bin: &Path,
    sink: &Sink,
    databases: &mut Databases,
    calls: usize,
    epoch: Instant,
) -> anyhow::Result<Delivered> {
    let env = on_fresh_database(databases, &[]).await?;
    let herald = HeraldProcess::start(herald_bin, sink.port, &refs(&env)).await?;
    let before = sink.received();
    sink.latency.lock().expect("latency histogram lock").reset();
    let expected = (calls * 20) as u64;
    let started = Instant::now();
    let accepted = send_exactly(
        herald.addr,
        &herald.api_key,
        calls,
        body(&herald.campaign_id, 20, epoch),
    )
    .await?;
    sink.wait_for(before + expected, Duration::from_secs(300))
        .await;
    Ok(Delivered {
        calls,
        accepted,
        expected,
        delivered: sink.received() - before,
        seconds: started.elapsed().as_secs_f64(),
        latency: sink.latency.lock().expect("latency histogram lock").clone(),
        peak_rss_mib: herald.peak_rss_mib(),
    })
}

/// What draining a full outbox measured.
pub struct Drained {
    pub emails: u64,
    pub delivered: u64,
    pub seconds: f64,
    pub peak_rss_mib: f64,
}

impl Drained {
    pub fn per_second(&self) -> f64 {
        self.delivered as f64 / self.seconds
    }
}

/// Queues `calls` calls of 20 recipients with delivery off, then restarts Herald with delivery
/// on and times it (from the restart, start-up included) until the sink has them all: delivery
/// alone, without acceptance sharing the machine.
pub async fn drain(
    herald_bin: &Path,
    sink: &Sink,
    databases: &mut Databases,
    calls: usize,
    epoch: Instant,
) -> anyhow::Result<Drained> {
    const WORKERS: &str = "HERALD_DELIVERY_WORKERS";
    let env = on_fresh_database(databases, &[(WORKERS, "0")]).await?;
    let mut herald = HeraldProcess::start(herald_bin, sink.port, &refs(&env)).await?;
    let accepted = send_exactly(
        herald.addr,
        &herald.api_key,
        calls,
        body(&herald.campaign_id, 20, epoch),
    )
    .await?;
    anyhow::ensure!(
        accepted == calls,
        "only {accepted} of {calls} calls were accepted"
    );
    let emails = (calls * 20) as u64;
    let before = sink.received();
    let started = Instant::now();
    herald.restart_without(&[WORKERS]).await?;
    sink.wait_for(before + emails, Duration::from_secs(300))
        .await;
    Ok(Drained {
        emails,
        delivered: sink.received() - before,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: herald.peak_rss_mib(),
    })
}

/// What a fixed offered rate measured: trigger→delivery latency when the outbox is not deep.
pub struct AtRate {
    pub rate: f64,
    pub accepted: u64,
    pub delivered: u64,
    /// Trigger call's send time to the sink's acceptance, in microseconds.
    pub latency: Histogram<u64>,
}

/// One-recipient calls at `rate` a second for `duration` (open loop) with delivery on, then
/// waits (at most a minute) until the sink has every accepted one.
pub async fn at_rate(
    herald_bin: &Path,
    sink: &Sink,
    databases: &mut Databases,
    rate: f64,
    duration: Duration,
    epoch: Instant,
) -> anyhow::Result<AtRate> {
    let env = on_fresh_database(databases, &[]).await?;
    let herald = HeraldProcess::start(herald_bin, sink.port, &refs(&env)).await?;
    let before = sink.received();
    sink.latency.lock().expect("latency histogram lock").reset();
    let calls = target(
        herald.addr,
        &herald.api_key,
        body(&herald.campaign_id, 1, epoch),
    );
    let load = load::run(calls, 32, duration, Some(rate)).await?;
    sink.wait_for(before + load.ok, Duration::from_secs(60))
        .await;
    Ok(AtRate {
        rate,
        accepted: load.ok,
        delivered: sink.received() - before,
        latency: sink.latency.lock().expect("latency histogram lock").clone(),
    })
}

/// The `delivery` subcommand: the sink's ceiling, one end-to-end phase, a full outbox drained,
/// and trigger→delivery latency at an offered 1,000 emails/s.
pub async fn run(
    herald_bin: PathBuf,
    calls: usize,
    seconds: u64,
    engine: Engine,
    record: bool,
) -> anyhow::Result<()> {
    let mut databases = Databases::new(engine.clone());
    let db = engine.name();
    let epoch = Instant::now();
    let sink = Sink::start(epoch).await?;
    let ceiling = smtp_sink::ceiling(sink.port, 20_000, 16).await?;
    eprintln!("bench: Herald on {db}, end-to-end delivery");
    let result = end_to_end(&herald_bin, &sink, &mut databases, calls, epoch).await;
    eprintln!("bench: Herald on {db}, a full outbox drained");
    let drained = match &result {
        Ok(_) => drain(&herald_bin, &sink, &mut databases, calls, epoch).await,
        Err(_) => Err(anyhow::anyhow!("not drained: the end-to-end phase failed")),
    };
    eprintln!("bench: Herald on {db}, open loop at 1000 emails/s");
    let phase = Duration::from_secs(seconds);
    let paced = match &drained {
        Ok(_) => at_rate(&herald_bin, &sink, &mut databases, 1_000.0, phase, epoch).await,
        Err(_) => Err(anyhow::anyhow!("not run: an earlier phase failed")),
    };
    databases.drop_all().await?;
    let (result, drained, paced) = (result?, drained?, paced?);
    println!("{}", result.table(db, ceiling));
    println!(
        "| from a full outbox ({} emails queued with delivery off, then a restart) | {} of {} | {:.0} emails/s | {:.0} % of SMTP sink |",
        drained.emails,
        drained.delivered,
        drained.emails,
        drained.per_second(),
        100.0 * drained.per_second() / ceiling
    );
    let ms = |q: f64| paced.latency.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "\n| offered, 1 recipient per call, open loop {seconds} s | accepted | delivered | trigger→delivery p50 ms | p99 ms | p99.9 ms |\n\
         |---|---|---|---|---|---|\n\
         | {:.0} emails/s | {} | {} | {:.1} | {:.1} | {:.1} |",
        paced.rate,
        paced.accepted,
        paced.delivered,
        ms(0.5),
        ms(0.99),
        ms(0.999)
    );
    println!(
        "\nHerald peak RSS {:.1} MiB end to end, {:.1} MiB draining; SMTP sink alone (Herald's SMTP client, 16 connections) {ceiling:.0} emails/s",
        result.peak_rss_mib, drained.peak_rss_mib
    );
    anyhow::ensure!(
        result.delivered == result.expected
            && drained.delivered == drained.emails
            && paced.delivered == paced.accepted,
        "not every email arrived"
    );
    let e2e_ms = |q: f64| result.latency.value_at_quantile(q) as f64 / 1000.0;
    let figures = [
        Figure::higher("end to end, emails/s", result.per_second()),
        Figure::lower("end to end, trigger→delivery p99 ms", e2e_ms(0.99)),
        Figure::higher("full outbox drained, emails/s", drained.per_second()),
        Figure::lower("open loop 1,000/s, trigger→delivery p99 ms", ms(0.99)),
        Figure::higher("SMTP sink ceiling, emails/s", ceiling),
        Figure::lower("peak RSS end to end, MiB", result.peak_rss_mib),
    ];
    record::compare(&format!("delivery/{db}"), &figures, record)
}

/// Sends exactly `calls` calls made by `make` with 8 connections; returns how many got 202.
pub(crate) async fn send_exactly(
    addr: std::net::SocketAddr,
    api_key: &str,
    calls: usize,
    make: BodyFn,
) -> anyhow::Result<usize> {
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/ajo/im/executions/unitary");
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (http, url, make, next, key) = (
            http.clone(),
            url.clone(),
            make.clone(),
            next.clone(),
            api_key.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= calls as u64 {
                    return anyhow::Ok(ok);
                }
                let r = http
                    .post(&url)
                    .bearer_auth(&key)
                    .header("content-type", "application/json")
                    .body(make(1_000_000_000 + n))
                    .send()
                    .await?;
                if r.status().as_u16() == 202 {
                    ok += 1;
                }
            }
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await??;
    }
    Ok(ok)
}
