//! The benchmark's plan, its phases in order, and the printed table.

use crate::database::{Databases, Engine, on_fresh_database, refs};
use crate::delivery;
use crate::herald_process::{HeraldProcess, announced_addr};
use crate::load::{self, LoadResult, body, target};
use crate::smtp_sink::{self, Sink};
use crate::store_ceiling;
use anyhow::bail;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Plan {
    smoke: bool,
    phase: Duration,
    connections: usize,
    open_rates: Vec<f64>,
    burst_calls: usize,
    smtp_messages: usize,
    group: usize,
}

impl Plan {
    pub fn new(smoke: bool, seconds: u64) -> Self {
        if smoke {
            Self {
                smoke,
                phase: Duration::from_millis(500),
                connections: 8,
                open_rates: vec![200.0],
                burst_calls: 20,
                smtp_messages: 320,
                group: 64,
            }
        } else {
            Self {
                smoke,
                phase: Duration::from_secs(seconds),
                connections: 64,
                open_rates: vec![500.0, 1_000.0, 2_000.0],
                burst_calls: 1_000,
                smtp_messages: 20_000,
                group: 256,
            }
        }
    }
}

struct NoopServer(std::process::Child, std::net::SocketAddr);

impl NoopServer {
    fn start() -> anyhow::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("noop-server")
            .stdout(Stdio::piped())
            .spawn()?;
        let addr = announced_addr(&mut child)?;
        Ok(Self(child, addr))
    }
}

impl Drop for NoopServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn line(
    out: &mut String,
    label: &str,
    r: &LoadResult,
    recipients: usize,
    ceilings: &[(&str, f64)],
) {
    let calls = r.per_second();
    let ratios: Vec<String> = ceilings
        .iter()
        .map(|(name, c)| format!("{:.0} % of {name} {c:.0}/s", 100.0 * calls / c))
        .collect();
    let _ = writeln!(
        out,
        "| {label} | {calls:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} |",
        calls * recipients as f64,
        r.ms(0.5),
        r.ms(0.99),
        r.ms(0.999),
        r.failed,
        if ratios.is_empty() {
            "—".into()
        } else {
            ratios.join("; ")
        },
    );
}

pub async fn run(herald_bin: PathBuf, plan: Plan, engine: Engine) -> anyhow::Result<()> {
    let mut databases = Databases::new(engine.clone());
    let result = measure(herald_bin, plan, &engine, &mut databases).await;
    databases.drop_all().await?;
    result
}

async fn measure(
    herald_bin: PathBuf,
    plan: Plan,
    engine: &Engine,
    databases: &mut Databases,
) -> anyhow::Result<()> {
    let db = engine.name();
    let epoch = Instant::now();
    let c = plan.connections;
    eprintln!("bench: SMTP sink and its ceiling");
    let sink = Sink::start(epoch).await?;
    let smtp_ceiling = smtp_sink::ceiling(sink.port, plan.smtp_messages, 16).await?;

    eprintln!("bench: {db} ceilings");
    let url = databases.fresh().await?;
    let store1 = store_ceiling::measure(1, plan.phase, plan.group, url.as_deref()).await?;
    let url = databases.fresh().await?;
    let store20 = store_ceiling::measure(20, plan.phase, plan.group / 8, url.as_deref()).await?;

    eprintln!("bench: HTTP no-op ceiling");
    let noop = NoopServer::start()?;
    let noop1 = load::run(
        target(noop.1, "none", body("c", 1, epoch)),
        c,
        plan.phase,
        None,
    )
    .await?;
    let noop20 = load::run(
        target(noop.1, "none", body("c", 20, epoch)),
        c,
        plan.phase,
        None,
    )
    .await?;
    drop(noop);

    eprintln!("bench: Herald on {db}, trigger acceptance (delivery off)");
    let env = on_fresh_database(databases, &[("HERALD_DELIVERY_WORKERS", "0")]).await?;
    let herald = HeraldProcess::start(&herald_bin, sink.port, &refs(&env)).await?;
    let t1 = target(
        herald.addr,
        &herald.api_key,
        body(&herald.campaign_id, 1, epoch),
    );
    let t20 = target(
        herald.addr,
        &herald.api_key,
        body(&herald.campaign_id, 20, epoch),
    );
    let closed1 = load::run(t1.clone(), c, plan.phase, None).await?;
    let closed20 = load::run(t20, c, plan.phase, None).await?;
    let mut open = Vec::new();
    for rate in &plan.open_rates {
        open.push((
            *rate,
            load::run(t1.clone(), c.min(32), plan.phase, Some(*rate)).await?,
        ));
    }
    let acceptance_rss = herald.peak_rss_mib();
    if closed1.ok == 0 {
        bail!(
            "Herald accepted no call; see {}",
            herald.log_path().display()
        );
    }
    drop(herald);

    // Two nodes on one database, the load split between them (PostgreSQL only).
    let two_nodes = if let Engine::Postgres(_) = engine {
        eprintln!("bench: two Herald nodes on one {db} database, trigger acceptance");
        let env = on_fresh_database(databases, &[("HERALD_DELIVERY_WORKERS", "0")]).await?;
        let a = HeraldProcess::start(&herald_bin, sink.port, &refs(&env)).await?;
        let b = HeraldProcess::start(&herald_bin, sink.port, &refs(&env)).await?;
        let (ra, rb) = tokio::join!(
            load::run(
                target(a.addr, &a.api_key, body(&a.campaign_id, 1, epoch)),
                c / 2,
                plan.phase,
                None
            ),
            load::run(
                target(b.addr, &b.api_key, body(&b.campaign_id, 1, epoch)),
                c / 2,
                plan.phase,
                None
            ),
        );
        Some(ra?.merge(rb?))
    } else {
        None
    };

    eprintln!("bench: Herald on {db}, end-to-end delivery");
    let delivered =
        delivery::end_to_end(&herald_bin, &sink, databases, plan.burst_calls, epoch).await?;

    let mut out = String::new();
    if let Ok(counters) = std::env::var("HERALD_REPORT_COUNTERS") {
        let _ = writeln!(out, "\nHERALD_REPORT_COUNTERS={counters}");
    }
    let _ = writeln!(
        out,
        "\n### Trigger acceptance on {db} (delivery off; {} s per phase, {c} connections)\n",
        plan.phase.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| load | calls/s | recipients/s | p50 ms | p99 ms | p99.9 ms | non-202 | ratio to ceilings |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    line(
        &mut out,
        "1 recipient, closed loop",
        &closed1,
        1,
        &[
            ("HTTP no-op", noop1.per_second()),
            (&format!("{db} grouped"), store1.grouped),
        ],
    );
    line(
        &mut out,
        "20 recipients, closed loop",
        &closed20,
        20,
        &[
            ("HTTP no-op", noop20.per_second()),
            (&format!("{db} grouped"), store20.grouped),
        ],
    );
    if let Some(r) = &two_nodes {
        line(
            &mut out,
            "1 recipient, closed loop, 2 nodes",
            r,
            1,
            &[
                ("HTTP no-op", noop1.per_second()),
                (&format!("{db} grouped"), store1.grouped),
            ],
        );
    }
    for (rate, r) in &open {
        line(
            &mut out,
            &format!("1 recipient, open loop at {rate:.0}/s"),
            r,
            1,
            &[],
        );
    }
    out.push_str(&delivered.table(db, smtp_ceiling));
    let _ = writeln!(out, "\n### Memory and ceilings\n");
    let _ = writeln!(out, "| measure | value |\n|---|---|");
    let _ = writeln!(
        out,
        "| Herald peak RSS, acceptance run | {acceptance_rss:.1} MiB |"
    );
    let _ = writeln!(
        out,
        "| Herald peak RSS, delivery run | {:.1} MiB |",
        delivered.peak_rss_mib
    );
    let _ = writeln!(
        out,
        "| HTTP no-op, 1 / 20 recipients | {:.0} / {:.0} calls/s (p99 {:.2} / {:.2} ms) |",
        noop1.per_second(),
        noop20.per_second(),
        noop1.ms(0.99),
        noop20.ms(0.99)
    );
    let _ = writeln!(
        out,
        "| {db}, 1 recipient: a transaction per call / {} calls per transaction | {:.0} / {:.0} calls/s |",
        plan.group, store1.per_call_tx, store1.grouped
    );
    let _ = writeln!(
        out,
        "| {db}, 20 recipients: a transaction per call / {} calls per transaction | {:.0} / {:.0} calls/s |",
        plan.group / 8,
        store20.per_call_tx,
        store20.grouped
    );
    let _ = writeln!(
        out,
        "| SMTP sink alone (Herald's SMTP client, 16 connections) | {smtp_ceiling:.0} emails/s |"
    );
    println!("{out}");
    if plan.smoke {
        eprintln!("bench: smoke run finished (figures are not meaningful)");
    }
    if delivered.delivered < delivered.expected {
        bail!(
            "only {} of {} emails arrived",
            delivered.delivered,
            delivered.expected
        );
    }
    Ok(())
}
