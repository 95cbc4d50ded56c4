//! An audience send at size: seeds a sandbox with profiles (straight into the store, with
//! multi-row inserts, as `reports` seeds messages; a profile import path does not exist yet),
//! then times the release binary queueing a message for every member of a rule-based audience
//! that holds them all, and reads the server's peak memory.
//!
//! The server runs one delivery worker (the audience loop runs where delivery does); with no
//! relay configured its messages are captured, so delivery competes for the database as it
//! would in production.

use crate::database::{Databases, Engine};
use crate::reports::{Server, fresh_install, herald_in};
use backend::accounts::ApiKeySpec;
use backend::campaigns::Actor;
use backend::store::Conn;
use domain::campaign::{CampaignInput, NewCampaign};
use domain::ids::ProfileId;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use serde_json::{Value, json};
use sqlx::QueryBuilder;
use std::path::Path;
use std::time::{Duration, Instant};

/// Profiles per seeding transaction.
const SEED_BATCH: usize = 2_000;

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
    let (key, campaign) = seed(&env, profiles).await?;
    let server = Server::start(herald_bin, &env, &[("HERALD_DELIVERY_WORKERS", "1")]).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
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

/// An admin key, a live campaign, and `profiles` profiles known by an email identity.
async fn seed(env: &[(&str, String)], profiles: u64) -> anyhow::Result<(String, String)> {
    let herald = herald_in(env).await?;
    let user = herald
        .create_user("audience-bench@example.com", "audience bench password")
        .await?;
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
    let campaign = herald
        .create_campaign(&Actor::User(user), DEFAULT_SANDBOX_ID, campaign)
        .await?;
    herald
        .activate_campaign(&Actor::User(user), campaign)
        .await?;
    let started = Instant::now();
    let mut done = 0u64;
    while done < profiles {
        let n = (profiles - done).min(SEED_BATCH as u64);
        let ids: Vec<(ProfileId, u64)> = (done..done + n).map(|i| (ProfileId::new(), i)).collect();
        let mut tx = herald.store().begin().await?;
        insert_profiles(&mut tx, &ids).await?;
        tx.commit().await?;
        done += n;
    }
    eprintln!(
        "bench: seeded {profiles} profiles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok((key.key, campaign.to_string()))
}

async fn insert_profiles(tx: &mut Conn, ids: &[(ProfileId, u64)]) -> anyhow::Result<()> {
    macro_rules! insert {
        ($db:ty, $c:expr) => {{
            let mut q = QueryBuilder::<$db>::new(
                "INSERT INTO profiles (id, sandbox_id, attributes, created_at, updated_at) ",
            );
            q.push_values(ids, |mut row, (id, i)| {
                row.push_bind(id.to_string())
                    .push_bind(DEFAULT_SANDBOX_ID)
                    .push_bind(format!("{{\"name\":\"Member {i}\"}}"))
                    .push_bind(0i64)
                    .push_bind(0i64);
            });
            q.build().execute(&mut **$c).await?;
            let mut q = QueryBuilder::<$db>::new(
                "INSERT INTO profile_identities (sandbox_id, namespace, value, profile_id) ",
            );
            q.push_values(ids, |mut row, (id, i)| {
                row.push_bind(DEFAULT_SANDBOX_ID)
                    .push_bind("email")
                    .push_bind(format!("member{i}@example.com"))
                    .push_bind(id.to_string());
            });
            q.build().execute(&mut **$c).await?;
        }};
    }
    match tx {
        Conn::Sqlite(c) => insert!(sqlx::Sqlite, c),
        Conn::Postgres(c) => insert!(sqlx::Postgres, c),
        _ => anyhow::bail!("not a transaction"),
    }
    Ok(())
}
