//! Acceptance while the retention sweep runs. Seeds messages already past the default message
//! age (through the store, as `reports` does), then measures 1-recipient trigger calls in a
//! closed loop on the release binary twice, on the same database: first with retention long
//! enough that nothing is due (the baseline), then with the defaults, while the housekeeping
//! deletes the seeded messages in its batches; then the sweep alone. Prints both rates and how
//! many messages the sweep deleted with and without calls.

use crate::database::{Databases, Engine};
use crate::load::BodyFn;
use crate::load::target;
use crate::load::{self, LoadResult};
use crate::reports::{Server, fresh_install, herald_in, seed};
use domain::tenancy::DEFAULT_SANDBOX_ID;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Connections of the closed loop.
const CONNECTIONS: usize = 16;

pub async fn run(
    herald_bin: &Path,
    messages: u64,
    seconds: u64,
    engine: Engine,
) -> anyhow::Result<()> {
    let mut databases = Databases::new(engine.clone());
    let result = measure(herald_bin, messages, seconds, &engine, &mut databases).await;
    databases.drop_all().await?;
    result
}

/// Messages past their age in the default sandbox, by a dry run of the sweep.
async fn due(env: &[(&str, String)]) -> anyhow::Result<u64> {
    let herald = herald_in(env).await?;
    let swept = herald.sweep_retention(true).await?;
    Ok(swept
        .iter()
        .find(|(sandbox, _)| sandbox == DEFAULT_SANDBOX_ID)
        .map_or(0, |(_, s)| s.messages))
}

/// The body of call `n`: one recipient, with the `context.n` the seeded campaigns need.
fn body(campaign: String) -> BodyFn {
    Arc::new(move |n| {
        format!(
            "{{\"requestId\":\"r-{n}\",\"campaignId\":\"{campaign}\",\"recipients\":[{{\"type\":\"external\",\
             \"userId\":\"u{n}@example.com\",\"namespace\":\"email\",\"context\":{{\"n\":\"{n}\"}}}}]}}"
        )
    })
}

/// Fails with Herald's answer unless a call like the load's is accepted.
async fn first_call_accepted(server: &Server, api_key: &str, campaign: &str) -> anyhow::Result<()> {
    let call = body(campaign.to_owned())(u64::MAX);
    let answer = reqwest::Client::new()
        .post(format!("http://{}/ajo/im/executions/unitary", server.addr))
        .bearer_auth(api_key)
        .header("content-type", "application/json")
        .body(call)
        .send()
        .await?;
    let status = answer.status();
    anyhow::ensure!(
        status == 202,
        "a call was refused: {status} {}",
        answer.text().await?
    );
    Ok(())
}

async fn measure(
    herald_bin: &Path,
    messages: u64,
    seconds: u64,
    engine: &Engine,
    databases: &mut Databases,
) -> anyhow::Result<()> {
    let (_dir, env) = fresh_install(databases).await?;
    eprintln!(
        "bench: seeding {messages} messages 401 days old on {}",
        engine.name()
    );
    let (api_key, campaign) = seed(&env, messages, 401).await?;
    let phase = Duration::from_secs(seconds);
    let load = |server: &Server| {
        let target = target(server.addr, &api_key, body(campaign.to_string()));
        load::run(target, CONNECTIONS, phase, None)
    };
    let kept = [
        ("HERALD_RETENTION_CONTENT_DAYS", "3650"),
        ("HERALD_RETENTION_MESSAGE_DAYS", "3650"),
    ];
    let baseline = {
        let server = Server::start(herald_bin, &env, &kept).await?;
        first_call_accepted(&server, &api_key, &campaign.to_string()).await?;
        load(&server).await?
    };
    let before = due(&env).await?;
    let during = {
        let server = Server::start(
            herald_bin,
            &env,
            &[("HERALD_HOUSEKEEPING_INTERVAL_SECS", "1")],
        )
        .await?;
        load(&server).await?
    };
    let after = due(&env).await?;
    // The sweep alone, for its pace when nothing else wants the writer.
    {
        let _server = Server::start(
            herald_bin,
            &env,
            &[("HERALD_HOUSEKEEPING_INTERVAL_SECS", "1")],
        )
        .await?;
        tokio::time::sleep(phase).await;
    }
    let idle = due(&env).await?;
    let row = |label: &str, r: &LoadResult| {
        println!(
            "| {label} | {:.0} | {:.2} | {:.2} | {} |",
            r.per_second(),
            r.ms(0.5),
            r.ms(0.99),
            r.failed
        );
    };
    println!(
        "\nAcceptance during the retention sweep ({}, {messages} messages past their age, \
         {CONNECTIONS} connections, 1 recipient per call, {seconds} s per phase)\n",
        engine.name()
    );
    println!("| phase | calls/s | p50 ms | p99 ms | failed |");
    println!("|---|---|---|---|---|");
    row("nothing to sweep", &baseline);
    row("while the sweep deletes", &during);
    println!(
        "\nDuring the sweep: {:.0} % of the baseline; the sweep deleted {} messages while it \
         ran ({} were past their age, {} still are{}).",
        100.0 * during.per_second() / baseline.per_second(),
        before - after,
        before,
        after,
        if after > 0 {
            ": it lasted the whole phase"
        } else {
            ": it finished within the phase"
        }
    );
    println!(
        "Alone (no calls, {seconds} s), the sweep deleted {} messages ({:.0} a second).",
        after - idle,
        (after - idle) as f64 / seconds as f64
    );
    Ok(())
}
