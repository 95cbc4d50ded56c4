//! Reports at size: seeds a database with many messages and their report counters through
//! Herald's own store functions (as if 20 campaigns had sent them over 30 days), then starts the
//! release binary on it and times what a marketer opens: a campaign's live and all-time
//! reports, the sandbox report, the campaign list and the home page.
//!
//! Seeded messages are marked sent (the outbox stays empty, as after a real send); their
//! counters mix sends, failures, opens, clicks and unsubscribes in the proportions below, with a
//! third of them in a language variant.

use crate::database::{Databases, Engine};
use crate::herald_process::{free_port, wait_healthy};
use backend::accounts::ApiKeySpec;
use backend::store::Conn;
use backend::store::executions::{NewCall, NewExecution, NewMessage, insert_calls};
use backend::{Herald, Settings};
use domain::campaign::{CampaignInput, NewCampaign};
use domain::channel::Channel;
use domain::ids::{CampaignId, ExecutionId, MessageId};
use domain::report::{Bounce, Failure, Happening, Segment, Tally};
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use hdrhistogram::Histogram;
use sqlx::QueryBuilder;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const CAMPAIGNS: usize = 20;
const RECIPIENTS_PER_CALL: usize = 10;
const CALLS_PER_TRANSACTION: usize = 500;
const DAYS: i64 = 30;
const EMAIL: &str = "reports-bench@example.com";
const PASSWORD: &str = "reports bench password";

pub async fn run(herald_bin: &Path, messages: u64, engine: Engine) -> anyhow::Result<()> {
    let mut databases = Databases::new(engine.clone());
    let result = measure(herald_bin, messages, &engine, &mut databases).await;
    databases.drop_all().await?;
    result
}

async fn measure(
    herald_bin: &Path,
    messages: u64,
    engine: &Engine,
    databases: &mut Databases,
) -> anyhow::Result<()> {
    let (_dir, env) = fresh_install(databases).await?;
    eprintln!("bench: seeding {messages} messages on {}", engine.name());
    let started = Instant::now();
    let (api_key, campaign) = seed(&env, messages, 0).await?;
    let seed_secs = started.elapsed().as_secs_f64();
    eprintln!("bench: seeded in {seed_secs:.0} s");

    let server = Server::start(herald_bin, &env, &[]).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let cookie = sign_in(&http, &base).await?;

    let today = time::OffsetDateTime::now_utc().date();
    let month_ago = today - time::Duration::days(DAYS);
    let six_hours_ago = (time::OffsetDateTime::now_utc() - time::Duration::hours(6))
        .format(&time::format_description::well_known::Rfc3339)?;
    let report = format!("{base}/api/v1/campaigns/{campaign}/report");
    let pages: Vec<(&str, String, bool)> = vec![
        (
            "campaign report, live (24 h by the hour)",
            report.clone(),
            false,
        ),
        (
            "campaign report, last 6 h by the minute",
            format!("{report}?from={six_hours_ago}&bucket=minute"),
            false,
        ),
        (
            "campaign report, all time (30 days by the day)",
            format!("{report}?from={month_ago}&to={today}"),
            false,
        ),
        (
            "sandbox report (the home page's data)",
            format!("{base}/api/v1/reports"),
            false,
        ),
        ("campaign list", format!("{base}/api/v1/campaigns"), false),
        ("home page (server-rendered HTML)", format!("{base}/"), true),
        (
            "campaign report page (server-rendered HTML)",
            format!("{base}/campaigns/{campaign}/report"),
            true,
        ),
    ];
    let requests = if messages < 1_000_000 { 20 } else { 200 };
    let mut rows = Vec::new();
    for (label, url, page) in &pages {
        let mut latency = Histogram::<u64>::new(3)?;
        for _ in 0..requests {
            let request = if *page {
                http.get(url).header("cookie", &cookie)
            } else {
                http.get(url).bearer_auth(&api_key)
            };
            let started = Instant::now();
            let response = request.send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            latency.record(started.elapsed().as_micros() as u64)?;
            anyhow::ensure!(
                status == 200,
                "{label}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        rows.push((label, latency));
    }
    let totals: serde_json::Value = http
        .get(format!(
            "{report}?from={}&to={today}",
            today - time::Duration::days(DAYS + 1)
        ))
        .bearer_auth(&api_key)
        .send()
        .await?
        .json()
        .await?;
    drop(server);

    println!(
        "\n### Reports on {} with {messages} messages ({CAMPAIGNS} campaigns over {DAYS} days; seeded in {seed_secs:.0} s)\n",
        engine.name()
    );
    println!("| view | requests | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|");
    for (label, h) in rows {
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "| {label} | {} | {:.1} | {:.1} | {:.1} |",
            h.len(),
            ms(0.5),
            ms(0.99),
            h.max() as f64 / 1000.0
        );
    }
    println!(
        "\nOne campaign's all-time totals, as the report gives them: {}",
        totals["totals"]
    );
    Ok(())
}

/// The settings of a fresh install (its data directory, and on PostgreSQL a fresh database
/// with a throw-away secret key); keep the directory while the install is used.
pub(crate) async fn fresh_install(
    databases: &mut Databases,
) -> anyhow::Result<(tempfile::TempDir, Vec<(&'static str, String)>)> {
    let dir = tempfile::tempdir()?;
    let url = databases.fresh().await?;
    let mut env = vec![("HERALD_DATA_DIR", dir.path().display().to_string())];
    if let Some(url) = url {
        // Nodes of one database share its secret key (a throw-away one: the database is too).
        let secret_key = format!(
            "{:064x}",
            SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos()
        );
        env.push(("HERALD_DATABASE_URL", url));
        env.push(("HERALD_SECRET_KEY", secret_key));
    }
    Ok((dir, env))
}

/// The release binary serving an install (no delivery workers, no rate limit, unless `more`
/// says otherwise); killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: std::net::SocketAddr,
}

impl Server {
    pub(crate) async fn start(
        herald_bin: &Path,
        env: &[(&str, String)],
        more: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let child = Command::new(herald_bin)
            .arg("serve")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("HERALD_LOG", "warn")
            .env("HERALD_LISTEN", addr.to_string())
            .env("HERALD_DELIVERY_WORKERS", "0")
            .env("HERALD_API_RATE_LIMIT", "0")
            .envs(more.iter().copied())
            .stdout(Stdio::null())
            .spawn()?;
        let server = Self { child, addr };
        wait_healthy(addr).await?;
        Ok(server)
    }
}

impl Server {
    /// The server's peak resident memory so far (`VmHWM` of `/proc/<pid>/status`), in KiB.
    pub(crate) fn peak_memory_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/<pid>/status"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in through the login form; the session cookie.
async fn sign_in(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let response = http
        .post(format!("{base}/login"))
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await?;
    // The session cookie and the device cookie, as a browser would send them back.
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .collect();
    anyhow::ensure!(
        !cookies.is_empty(),
        "signing in set no cookie ({})",
        response.status()
    );
    Ok(cookies.join("; "))
}

/// Herald in this process, on the install `env` describes (no background loops).
pub(crate) async fn herald_in(env: &[(&str, String)]) -> anyhow::Result<Herald> {
    let settings = Settings::load(|k| {
        env.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    })?;
    Herald::start(settings).await
}

/// Seeds `messages` messages with their counters, accepted over the 30 days that end
/// `days_ago` days ago; the admin API key and one campaign's id.
pub(crate) async fn seed(
    env: &[(&str, String)],
    messages: u64,
    days_ago: i64,
) -> anyhow::Result<(String, CampaignId)> {
    let herald = herald_in(env).await?;
    let user = herald.create_user(EMAIL, PASSWORD).await?;
    herald
        .grant(user, DEFAULT_SANDBOX_ID, domain::tenancy::Role::Owner)
        .await?;
    let caller = herald.member_caller(user, Some(DEFAULT_SANDBOX_ID)).await?;
    let key = herald
        .create_api_key(ApiKeySpec {
            name: "reports bench".into(),
            sandbox_id: DEFAULT_SANDBOX_ID.into(),
            scope: ApiScope::Admin,
            campaigns: None,
        })
        .await?;
    let mut campaigns = Vec::new();
    for n in 0..CAMPAIGNS {
        let campaign = NewCampaign::parse(&CampaignInput {
            title: format!("Campaign {n:02}"),
            namespace: "email".into(),
            subject: "Hello {{context.n}}".into(),
            html_body: "<p>Hello {{context.n}}</p>".into(),
            ..CampaignInput::default()
        })?;
        let id = herald.create_campaign(&caller, campaign).await?;
        herald.activate_campaign(&caller, id).await?;
        campaigns.push(id);
    }
    let calls = messages.div_ceil(RECIPIENTS_PER_CALL as u64);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let start = now - (days_ago + DAYS) * 86_400_000;
    let step = (DAYS * 86_400_000) / calls.max(1) as i64;
    let store = herald.store();
    let mut call = 0u64;
    let mut next_report = 1_000_000u64;
    while call < calls {
        let group: Vec<(NewExecution, Vec<NewMessage>, String)> =
            (call..(call + CALLS_PER_TRANSACTION as u64).min(calls))
                .map(|n| {
                    one_call(
                        n,
                        campaigns[n as usize % CAMPAIGNS],
                        key.id,
                        start + n as i64 * step,
                    )
                })
                .collect();
        let mut tally = Tally::default();
        for (execution, messages, _) in &group {
            for m in messages {
                count(&mut tally, execution, m);
            }
        }
        let new_calls: Vec<NewCall> = group
            .iter()
            .map(|(e, m, k)| NewCall {
                execution: e,
                messages: m,
                idempotency_key: k,
                request_hash: "hash",
                key_expires_at: 0,
            })
            .collect();
        let mut tx = store.begin().await?;
        insert_calls(&mut tx, &new_calls).await?;
        mark_sent(&mut tx, group.iter().map(|(e, _, _)| e.id)).await?;
        backend::store::reports::add(&mut tx, &tally).await?;
        tx.commit().await?;
        call += group.len() as u64;
        if call * RECIPIENTS_PER_CALL as u64 >= next_report {
            eprintln!("bench:   {next_report} messages");
            next_report += 1_000_000;
        }
    }
    Ok((key.key, campaigns[0]))
}

fn one_call(
    n: u64,
    campaign: CampaignId,
    api_key: domain::ids::ApiKeyId,
    at: i64,
) -> (NewExecution, Vec<NewMessage>, String) {
    let execution = NewExecution {
        id: ExecutionId::new(),
        campaign_id: campaign,
        surface_id: None,
        campaign_version: 1,
        request_id: format!("seed-{n}"),
        api_key_id: api_key,
        now: at,
    };
    let messages = (0..RECIPIENTS_PER_CALL)
        .map(|i| NewMessage {
            id: MessageId::new(),
            recipient_index: i as i64,
            user_id: format!("u{n}-{i}@example.com"),
            channel: Channel::Email,
            address: format!("u{n}-{i}@example.com"),
            subject: format!("Hello {n}"),
            html_body: format!("<p>Hello {n}</p>"),
            text_body: format!("Hello {n}"),
            locale: (i % 3 == 0).then(|| "fr-FR".to_owned()),
            payload: None,
            platform: None,
            excluded: None,
            tracked_links: Vec::new(),
            send_by: None,
            not_before: None,
        })
        .collect();
    (execution, messages, format!("seed-{n}"))
}

/// What happened to a seeded message: accepted, then 99 % sent (30 % of them opened, 10 %
/// clicked, 0.1 % unsubscribed) and 1 % refused with a hard bounce.
fn count(tally: &mut Tally, execution: &NewExecution, m: &NewMessage) {
    let segment = Segment {
        campaign_id: execution.campaign_id,
        version: execution.campaign_version,
        locale: m.locale.clone().unwrap_or_default(),
        platform: String::new(),
    };
    let at = execution.now;
    // A well-mixed roll of the message's call time and place in it (Fibonacci hashing).
    let mixed = (execution.now as u64 ^ ((m.recipient_index as u64) << 48))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let roll = (mixed >> 32) % 1000;
    tally.add(&segment, at, &Happening::Accepted { excluded: None });
    if roll < 10 {
        let failed = Happening::Failed {
            reason: Failure::Rejected,
            bounce: Some(Bounce::Hard),
        };
        tally.add(&segment, at + 2_000, &failed);
        return;
    }
    tally.add(&segment, at + 2_000, &Happening::Sent);
    if roll < 300 {
        tally.add(&segment, at + 600_000, &Happening::Opened { first: true });
    }
    if roll < 100 {
        let click = Happening::Clicked {
            url: "https://example.com/offer",
            first_in_message: true,
            first_of_link: true,
        };
        tally.add(&segment, at + 660_000, &click);
    }
    if roll == 999 {
        tally.add(&segment, at + 700_000, &Happening::Unsubscribed);
    }
}

/// Marks the messages of these executions sent, as delivery would have.
async fn mark_sent(
    tx: &mut Conn,
    executions: impl Iterator<Item = ExecutionId>,
) -> anyhow::Result<()> {
    let ids: Vec<String> = executions.map(|id| id.to_string()).collect();
    macro_rules! update {
        ($db:ty, $c:expr) => {{
            let mut q = QueryBuilder::<$db>::new(
                "UPDATE messages SET status = 'sent', attempts = 1 WHERE execution_id IN (",
            );
            let mut list = q.separated(", ");
            for id in &ids {
                list.push_bind(id.as_str());
            }
            q.push(")");
            q.build().execute(&mut **$c).await?;
        }};
    }
    match tx {
        Conn::Sqlite(c) => update!(sqlx::Sqlite, c),
        Conn::Postgres(c) => update!(sqlx::Postgres, c),
        _ => anyhow::bail!("not a transaction"),
    }
    Ok(())
}
