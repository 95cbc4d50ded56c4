//! The storage ceiling: the rows an accepted call writes (execution, idempotency key, messages),
//! inserted through Herald's own store functions on the same database settings (SQLite, or a
//! fresh PostgreSQL database), with no HTTP, parsing or rendering: one transaction per call, and
//! many calls per transaction.

use backend::accounts::ApiKeySpec;
use backend::store::executions::{NewCall, NewExecution, NewMessage, insert_calls};
use backend::{Herald, Settings};
use domain::campaign::{CampaignInput, NewCampaign};
use domain::channel::Channel;
use domain::ids::{ExecutionId, MessageId};
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use std::time::{Duration, Instant};

pub struct Ceiling {
    pub per_call_tx: f64,
    pub grouped: f64,
}

/// Calls per second with `recipients` messages each.
/// `database_url`: a fresh PostgreSQL database; `None`: an SQLite file in a temporary directory.
pub async fn measure(
    recipients: usize,
    duration: Duration,
    group: usize,
    database_url: Option<&str>,
) -> anyhow::Result<Ceiling> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().display().to_string();
    let settings = Settings::load(|k| match k {
        "HERALD_DATA_DIR" => Some(path.clone()),
        "HERALD_DATABASE_URL" => database_url.map(str::to_owned),
        _ => None,
    })?;
    let herald = Herald::start(settings).await?;
    let user = herald
        .create_user("ceiling@example.com", "ceiling password")
        .await?;
    herald
        .grant(user, DEFAULT_SANDBOX_ID, domain::tenancy::Role::Owner)
        .await?;
    let caller = herald.member_caller(user, Some(DEFAULT_SANDBOX_ID)).await?;
    let key = herald
        .create_api_key(ApiKeySpec {
            name: "ceiling".into(),
            sandbox_id: DEFAULT_SANDBOX_ID.into(),
            scope: ApiScope::Trigger,
            campaigns: None,
        })
        .await?
        .id;
    let campaign = NewCampaign::parse(&CampaignInput {
        title: "Ceiling".into(),
        namespace: "email".into(),
        create_profiles: false,
        subject: "Bench {{context.t}}".into(),
        html_body: "<p>{{context.t}}</p>".into(),
        text_body: String::new(),
        ..CampaignInput::default()
    })?;
    let campaign = herald.create_campaign(&caller, campaign).await?;
    herald.activate_campaign(&caller, campaign).await?;
    let mut n = 0u64;
    let one_call = |n: u64| {
        let execution = NewExecution {
            id: ExecutionId::new(),
            campaign_id: campaign,
            surface_id: None,
            campaign_version: 1,
            request_id: format!("ceiling-{n}"),
            api_key_id: key,
            now: n as i64,
        };
        let messages: Vec<NewMessage> = (0..recipients)
            .map(|i| NewMessage {
                id: MessageId::new(),
                recipient_index: i as i64,
                user_id: format!("user{i}@example.com"),
                channel: Channel::Email,
                address: format!("user{i}@example.com"),
                subject: "Bench 123456".into(),
                html_body: "<p>Hi Ada, your code is 123456.</p>".into(),
                text_body: "Hi Ada, your code is 123456.".into(),
                locale: None,
                payload: None,
                platform: None,
                excluded: None,
                tracked_links: Vec::new(),
                send_by: None,
                not_before: None,
            })
            .collect();
        (execution, messages, format!("ceiling-{n}"))
    };
    let store = herald.store();
    let rate = |calls: u64, started: Instant| calls as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut calls = 0;
    while started.elapsed() < duration {
        let (e, m, k) = one_call(n);
        n += 1;
        let mut tx = store.begin().await?;
        insert_calls(&mut tx, &[call(&e, &m, &k)]).await?;
        tx.commit().await?;
        calls += 1;
    }
    let per_call_tx = rate(calls, started);

    let started = Instant::now();
    let mut calls = 0;
    while started.elapsed() < duration {
        let rows: Vec<_> = (0..group)
            .map(|_| {
                n += 1;
                one_call(n)
            })
            .collect();
        let group_calls: Vec<NewCall> = rows.iter().map(|(e, m, k)| call(e, m, k)).collect();
        let mut tx = store.begin().await?;
        insert_calls(&mut tx, &group_calls).await?;
        tx.commit().await?;
        calls += group as u64;
    }
    let grouped = rate(calls, started);
    Ok(Ceiling {
        per_call_tx,
        grouped,
    })
}

fn call<'a>(execution: &'a NewExecution, messages: &'a [NewMessage], key: &'a str) -> NewCall<'a> {
    NewCall {
        execution,
        messages,
        idempotency_key: key,
        request_hash: "hash",
        key_expires_at: i64::MAX,
    }
}
