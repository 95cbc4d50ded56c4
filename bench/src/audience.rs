//! An audience send at size: imports profiles into a sandbox through the release binary's
//! import endpoint (a CSV generated as it is streamed, timed), then times the server queueing
//! a message for every member of a rule-based audience that holds them all, and reads the
//! server's peak memory.
//!
//! The server runs one delivery worker (the audience loop runs where delivery does); with no
//! relay configured its messages are captured, so delivery competes for the database as it
//! would in production.

use crate::database::{Databases, Engine};
use crate::reports::{Server, fresh_install, herald_in};
use backend::accounts::ApiKeySpec;
use domain::campaign::{CampaignInput, NewCampaign};
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// Rows per chunk of the generated file.
const CHUNK_ROWS: u64 = 10_000;

pub async fn run(herald_bin: &Path, profiles: u64, engine: Engine) -> anyhow::Result<()> {
    let mut databases = Databases::new(engine.clone());
    let result = measure(herald_bin, profiles, &mut databases).await;
    databases.drop_all().await?;
    result
}

async fn measure(
    herald_bin: &Path,
    profiles: u64,
    databases: &mut Databases,
) -> anyhow::Result<()> {
    let (_dir, env) = fresh_install(databases).await?;
    let (key, campaign) = seed(&env).await?;
    let server = Server::start(herald_bin, &env, &[("HERALD_DELIVERY_WORKERS", "1")]).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
    import(&http, &base, &key, profiles).await?;
    let audience: Value = http
        .post(format!("{base}/api/v1/audiences"))
        .bearer_auth(&key)
        .json(&json!({"name": "Everyone", "rule": "unsubscribed missing"}))
        .send()
        .await?
        .json()
        .await?;
    let started = Instant::now();
    let accepted: Value = http
        .post(format!("{base}/ajo/im/executions/audience"))
        .bearer_auth(&key)
        .json(
            &json!({"campaignId": campaign, "audience": {"id": audience["id"]},
                      "context": {"issue": "bench"}}),
        )
        .send()
        .await?
        .json()
        .await?;
    let answered = started.elapsed();
    let id = accepted["executionId"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("the send was refused: {accepted}"))?;
    let status = loop {
        let status: Value = http
            .get(format!("{base}/ajo/im/executions/audience/{id}"))
            .bearer_auth(&key)
            .send()
            .await?
            .json()
            .await?;
        if status["status"] != "InProgress" {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let queued_in = started.elapsed();
    anyhow::ensure!(
        status["status"] == "Succeeded" && status["queued"].as_u64() == Some(profiles),
        "the send did not queue every member: {status}"
    );
    let peak_kib = server.peak_memory_kib()?;
    let rate = profiles as f64 / queued_in.as_secs_f64();
    println!(
        "audience send: {profiles} members queued in {:.1} s ({rate:.0} members/s; the call \
         answered in {} ms); server peak RSS {} MiB (VmHWM)",
        queued_in.as_secs_f64(),
        answered.as_millis(),
        peak_kib / 1024
    );
    Ok(())
}

/// An admin key and a live campaign.
async fn seed(env: &[(&str, String)]) -> anyhow::Result<(String, String)> {
    let herald = herald_in(env).await?;
    let user = herald
        .create_user("audience-bench@example.com", "audience bench password")
        .await?;
    herald
        .grant(user, DEFAULT_SANDBOX_ID, domain::tenancy::Role::Owner)
        .await?;
    let caller = herald.member_caller(user, Some(DEFAULT_SANDBOX_ID)).await?;
    let key = herald
        .create_api_key(ApiKeySpec {
            name: "audience bench".into(),
            sandbox_id: DEFAULT_SANDBOX_ID.into(),
            scope: ApiScope::Admin,
            campaigns: None,
        })
        .await?;
    let campaign = NewCampaign::parse(&CampaignInput {
        title: "Newsletter".into(),
        subject: "News {{context.issue}} for {{profile.name}}".into(),
        html_body: "<p>Hello {{profile.name}}, here is issue {{context.issue}}.</p>".into(),
        text_body: "Hello {{profile.name}}, here is issue {{context.issue}}.".into(),
        ..CampaignInput::default()
    })?;
    let campaign = herald.create_campaign(&caller, campaign).await?;
    herald.activate_campaign(&caller, campaign).await?;
    Ok((key.key, campaign.to_string()))
}

/// Streams a CSV of `profiles` people (an email and a name each) to the import endpoint.
async fn import(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    profiles: u64,
) -> anyhow::Result<()> {
    let chunks = (0..profiles.div_ceil(CHUNK_ROWS)).map(move |c| {
        let rows = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(profiles);
        let mut text = if c == 0 {
            "email,name\n".to_owned()
        } else {
            String::new()
        };
        for i in rows {
            text.push_str(&format!("member{i}@example.com,Member {i}\n"));
        }
        Ok::<_, std::io::Error>(text)
    });
    let started = Instant::now();
    let import: Value = http
        .post(format!("{base}/api/v1/profiles/import?format=csv"))
        .bearer_auth(key)
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await?
        .json()
        .await?;
    let took = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        import["status"] == "completed" && import["created"].as_u64() == Some(profiles),
        "the import did not create every profile: {import}"
    );
    println!(
        "profile import: {profiles} CSV rows in {took:.1} s ({:.0} rows/s)",
        profiles as f64 / took
    );
    Ok(())
}
