//! Herald on PostgreSQL next to the do-it-yourself stack a team would build instead
//! (`bench/diy/server.js`: Node, graphile-worker, nodemailer), in the same run, on the same
//! PostgreSQL server and SMTP sink:
//! - accepted calls/s: 1-recipient calls, closed loop, 64 connections, nothing sending;
//! - delivered emails/s: calls of 20 recipients sent as fast as they are accepted, with sending
//!   on, timed until the sink has every email.
//!
//! graphile-worker rather than pg-boss or River: it is the PostgreSQL job queue of the Node
//! ecosystem that publishes its throughput, batches job fetches and completions, and queues
//! many jobs in one statement (`addJobs`), so the comparison is with the strongest of the
//! family. River is Go; pg-boss fetches and completes jobs one query at a time.

use crate::database::{Databases, Engine, on_fresh_database, refs};
use crate::delivery::{end_to_end, send_exactly};
use crate::herald_process::{HeraldProcess, announced_addr};
use crate::load::{self, LoadResult, body, target};
use crate::smtp_sink::Sink;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const API_KEY: &str = "diy-bench-key";
const CONNECTIONS: usize = 64;

/// The Node service, running.
struct Diy {
    child: Child,
    addr: SocketAddr,
}

impl Diy {
    fn start(database_url: &str, smtp_port: u16, sending: bool) -> anyhow::Result<Self> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("diy/server.js");
        let mut child = Command::new("node")
            .arg(script)
            .env("DATABASE_URL", database_url)
            .env("SMTP_PORT", smtp_port.to_string())
            .env("API_KEY", API_KEY)
            .env("WORKER", if sending { "on" } else { "off" })
            .stdout(Stdio::piped())
            .spawn()
            .context("node did not start (scripts/bench diy installs the service's packages)")?;
        let addr = announced_addr(&mut child)?;
        Ok(Self { child, addr })
    }
}

impl Drop for Diy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One stack's two figures.
struct Stack {
    accepted: LoadResult,
    emails_per_second: f64,
    delivered: u64,
    expected: u64,
}

pub async fn run(
    herald_bin: &Path,
    seconds: u64,
    calls: usize,
    engine: Engine,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        matches!(engine, Engine::Postgres(_)),
        "the do-it-yourself stack runs on PostgreSQL: add --database postgres"
    );
    let mut databases = Databases::new(engine);
    let result = measure(herald_bin, seconds, calls, &mut databases).await;
    databases.drop_all().await?;
    let (herald, diy) = result?;
    println!(
        "### Herald and the do-it-yourself stack, same run, PostgreSQL, same SMTP sink\n\n\
         | stack | accepted calls/s (1 recipient, closed loop, {CONNECTIONS} connections) | p99 ms | delivered emails/s ({calls} calls × 20) | delivered |\n\
         |---|---|---|---|---|"
    );
    for (name, s) in [
        ("Herald", &herald),
        ("Node + graphile-worker + nodemailer", &diy),
    ] {
        println!(
            "| {name} | {:.0} | {:.2} | {:.0} | {} of {} |",
            s.accepted.per_second(),
            s.accepted.latency.value_at_quantile(0.99) as f64 / 1000.0,
            s.emails_per_second,
            s.delivered,
            s.expected
        );
    }
    println!(
        "| Herald ÷ do-it-yourself | {:.2}× | | {:.2}× | |",
        herald.accepted.per_second() / diy.accepted.per_second(),
        herald.emails_per_second / diy.emails_per_second
    );
    Ok(())
}

async fn measure(
    herald_bin: &Path,
    seconds: u64,
    calls: usize,
    databases: &mut Databases,
) -> anyhow::Result<(Stack, Stack)> {
    let epoch = Instant::now();
    let phase = Duration::from_secs(seconds);
    let sink = Sink::start(epoch).await?;

    eprintln!("bench: Herald on PostgreSQL, acceptance (delivery off)");
    let env = on_fresh_database(databases, &[("HERALD_DELIVERY_WORKERS", "0")]).await?;
    let herald = HeraldProcess::start(herald_bin, sink.port, &refs(&env)).await?;
    let one = body(&herald.campaign_id, 1, epoch);
    let herald_accepted = load::run(
        target(herald.addr, &herald.api_key, one),
        CONNECTIONS,
        phase,
        None,
    )
    .await?;
    drop(herald);

    eprintln!("bench: do-it-yourself stack, acceptance (worker off)");
    let url = databases.fresh().await?.context("a PostgreSQL database")?;
    let diy = Diy::start(&url, sink.port, false)?;
    let one = body("diy", 1, epoch);
    let diy_accepted = load::run(target(diy.addr, API_KEY, one), CONNECTIONS, phase, None).await?;
    drop(diy);

    eprintln!("bench: Herald on PostgreSQL, end-to-end delivery");
    let delivered = end_to_end(herald_bin, &sink, databases, calls, epoch).await?;
    let herald = Stack {
        accepted: herald_accepted,
        emails_per_second: delivered.per_second(),
        delivered: delivered.delivered,
        expected: delivered.expected,
    };

    eprintln!("bench: do-it-yourself stack, end-to-end delivery");
    let url = databases.fresh().await?.context("a PostgreSQL database")?;
    let diy = Diy::start(&url, sink.port, true)?;
    let expected = (calls * 20) as u64;
    let before = sink.received();
    let started = Instant::now();
    let accepted = send_exactly(diy.addr, API_KEY, calls, body("diy", 20, epoch)).await?;
    anyhow::ensure!(
        accepted == calls,
        "only {accepted} of {calls} calls were accepted"
    );
    sink.wait_for(before + expected, Duration::from_secs(600))
        .await;
    let delivered = sink.received() - before;
    let diy = Stack {
        accepted: diy_accepted,
        emails_per_second: delivered as f64 / started.elapsed().as_secs_f64(),
        delivered,
        expected,
    };
    Ok((herald, diy))
}
