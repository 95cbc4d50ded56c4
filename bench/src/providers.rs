//! SMS and push delivery to local stand-ins of their providers: a Twilio-compatible API over
//! HTTP/1.1, FCM's HTTP v1 API with its OAuth2 token endpoint, and APNs over HTTP/2 (cleartext,
//! prior knowledge), each next to its own ceiling
//! measured in the same run (the stand-in fed by reqwest, the client Herald uses, with as many
//! requests in flight as Herald's workers send). Herald's side is timed as `delivery` times a
//! full outbox: messages queued with delivery off, then a restart with it on, until the
//! stand-in has them all.

use crate::database::{Databases, Engine, on_fresh_database, refs};
use crate::delivery::send_exactly;
use crate::herald_process::HeraldProcess;
use crate::load::BodyFn;
use crate::record::{self, Figure};
use crate::smtp_sink::{Sink, wait_for_count};
use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The test key of Herald's own APNs tests (an EC P-256 key that signs nothing real).
const APNS_KEY: &str = include_str!("../../server/tests/it/keys/apns_test.p8");
/// The service account key of Herald's own FCM tests (an RSA key that signs nothing real).
const FCM_KEY: &str = include_str!("../../server/tests/it/keys/fcm_test.pem");

/// Requests in flight when measuring a stand-in's ceiling: Herald's 2 workers × 16 sends.
const IN_FLIGHT: usize = 32;

/// Recipients per trigger call.
const PER_CALL: usize = 20;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Provider {
    /// Twilio's Messages API, HTTP/1.1.
    Twilio,
    /// FCM's HTTP v1 API, after an access token from its token endpoint.
    Fcm,
    /// APNs, HTTP/2 only.
    Apns,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Provider::Twilio => "SMS (Twilio)",
            Provider::Fcm => "push (FCM)",
            Provider::Apns => "push (APNs)",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Provider::Twilio => "SMS, Twilio-compatible stand-in (HTTP/1.1)",
            Provider::Fcm => "push, FCM stand-in (HTTP v1 API and token endpoint, HTTP/1.1)",
            Provider::Apns => "push, APNs stand-in (HTTP/2, one connection)",
        }
    }
}

/// A provider's stand-in: answers every send as the provider would and counts it.
struct StandIn {
    base: String,
    received: Arc<AtomicU64>,
}

impl StandIn {
    async fn start() -> anyhow::Result<Self> {
        let received = Arc::new(AtomicU64::new(0));
        let (sms, fcm, apns) = (received.clone(), received.clone(), received.clone());
        let app = Router::new()
            .route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                // Bodies are read to their end: on HTTP/2, one left unread resets its stream,
                // and a server closes a connection after many resets.
                post(move |_: Bytes| async move {
                    let n = sms.fetch_add(1, Ordering::Relaxed);
                    (
                        StatusCode::CREATED,
                        axum::Json(json!({"sid": format!("SM{n:032x}")})),
                    )
                }),
            )
            .route(
                "/token",
                post(|_: Bytes| async {
                    axum::Json(json!({"access_token": "bench-token", "expires_in": 3600,
                                      "token_type": "Bearer"}))
                }),
            )
            .route(
                "/v1/projects/{project}/messages:send",
                post(move |_: Bytes| async move {
                    let n = fcm.fetch_add(1, Ordering::Relaxed);
                    axum::Json(json!({"name": format!("projects/bench/messages/{n}")}))
                }),
            )
            .route(
                "/3/device/{token}",
                post(move |_: Bytes| async move {
                    apns.fetch_add(1, Ordering::Relaxed);
                    StatusCode::OK
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { base, received })
    }

    fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Waits until the stand-in has `count` sends in all, or `timeout` has passed.
    async fn wait_for(&self, count: u64, timeout: Duration) {
        wait_for_count(&self.received, count, timeout).await;
    }

    /// Sends per second the stand-in answers with nothing else going on: `sends` requests
    /// shaped as Herald's, `IN_FLIGHT` at a time.
    async fn ceiling(&self, provider: Provider, sends: usize) -> anyhow::Result<f64> {
        let client = match provider {
            Provider::Twilio | Provider::Fcm => reqwest::Client::new(),
            Provider::Apns => reqwest::Client::builder().http2_prior_knowledge().build()?,
        };
        let request = |n: usize| match provider {
            Provider::Twilio => client
                .post(format!(
                    "{}/2010-04-01/Accounts/AC42/Messages.json",
                    self.base
                ))
                .basic_auth("AC42", Some("secret"))
                .form(&[
                    ("To", format!("+1555{n:07}")),
                    ("From", "ACME".into()),
                    ("Body", "Your code is 123456.".into()),
                ]),
            Provider::Fcm => client
                .post(format!("{}/v1/projects/bench/messages:send", self.base))
                .bearer_auth("bench-token")
                .json(&json!({"message": {"token": token(n as u64, 0),
                    "notification": {"title": "Bench", "body": "Your code is 123456."},
                    "data": {}}})),
            Provider::Apns => client
                .post(format!("{}/3/device/{}", self.base, token(n as u64, 0)))
                .bearer_auth("a-provider-token")
                .header("apns-topic", "com.acme.shop")
                .header("apns-push-type", "alert")
                .json(
                    &json!({"aps": {"alert": {"title": "Bench", "body": "Your code is 123456."}}}),
                ),
        };
        let started = Instant::now();
        let mut answers = futures::stream::iter(0..sends)
            .map(|n| request(n).send())
            .buffer_unordered(IN_FLIGHT);
        while let Some(answer) = answers.next().await {
            // Read to its end: an HTTP/2 stream dropped unread is reset, and a server takes
            // many resets for an attack.
            answer?.error_for_status()?.bytes().await?;
        }
        Ok(sends as f64 / started.elapsed().as_secs_f64())
    }
}

fn token(call: u64, i: usize) -> String {
    format!("{call:032x}{i:032x}")
}

/// The surface and campaign of `provider`, pointing at `stand_in`; returns the campaign's id.
async fn campaign(
    herald: &HeraldProcess,
    provider: Provider,
    base: &str,
) -> anyhow::Result<String> {
    let api = format!("http://{}/api/v1", herald.addr);
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{api}{path}"))
            .bearer_auth(&herald.api_key)
            .json(&body)
            .send()
    };
    let (surface, campaign) = match provider {
        Provider::Twilio => (
            json!({"name": "SMS stand-in", "channel": "sms", "category": "transactional",
                   "settings": {"provider": "twilio", "sender": "ACME", "accountSid": "AC42", "baseUrl": base},
                   "secrets": {"authToken": "secret"}}),
            json!({"title": "Bench SMS", "channel": "sms", "namespace": "phone",
                   "textBody": "Your code is {{context.t}}."}),
        ),
        Provider::Fcm => (
            json!({"name": "FCM stand-in", "channel": "push", "category": "transactional",
                   "settings": {"provider": "fcm", "appId": "com.acme.shop", "platform": "android",
                                "apiBase": base},
                   "secrets": {"serviceAccount": json!({"type": "service_account",
                        "project_id": "bench", "client_email": "herald@bench.iam.example",
                        "private_key": FCM_KEY, "token_uri": format!("{base}/token")}).to_string()}}),
            json!({"title": "Bench push", "channel": "push", "namespace": "ecid",
                   "subject": "Bench", "textBody": "Your code is {{context.t}}."}),
        ),
        Provider::Apns => (
            json!({"name": "APNs stand-in", "channel": "push", "category": "transactional",
                   "settings": {"provider": "apns", "appId": "com.acme.shop", "platform": "ios",
                                "teamId": "TEAM123456", "keyId": "KEY1234567", "baseUrl": base},
                   "secrets": {"privateKey": APNS_KEY}}),
            json!({"title": "Bench push", "channel": "push", "namespace": "ecid",
                   "subject": "Bench", "textBody": "Your code is {{context.t}}."}),
        ),
    };
    let created = |r: reqwest::Response| async move {
        let status = r.status();
        let body: Value = r.json().await?;
        anyhow::ensure!(status.is_success(), "HTTP {status}: {body}");
        anyhow::Ok(body["id"].as_str().context("no id")?.to_owned())
    };
    let surface_id = created(post("/surfaces", surface).await?).await?;
    let mut campaign = campaign;
    campaign["surfaceId"] = Value::String(surface_id);
    let id = created(post("/campaigns", campaign).await?).await?;
    post(&format!("/campaigns/{id}/activate"), json!({}))
        .await?
        .error_for_status()?;
    Ok(id)
}

/// Trigger calls of `PER_CALL` recipients of `provider`'s channel.
fn calls_for(campaign: String, provider: Provider) -> BodyFn {
    Arc::new(move |n| {
        let recipients: Vec<Value> = (0..PER_CALL)
            .map(|i| match provider {
                Provider::Twilio => json!({"type": "external", "namespace": "phone",
                    "userId": format!("+1555{:07}", (n as usize * PER_CALL + i) % 10_000_000),
                    "context": {"t": n}}),
                Provider::Fcm | Provider::Apns => json!({"type": "external", "namespace": "ecid",
                    "userId": format!("device-{n}-{i}"), "context": {"t": n},
                    "channelData": {"pushInfo": {"appID": "com.acme.shop",
                        "platform": if provider == Provider::Fcm { "android" } else { "ios" },
                        "token": token(n, i)}}}),
            })
            .collect();
        json!({"requestId": format!("p-{n}"), "campaignId": campaign, "recipients": recipients})
            .to_string()
    })
}

/// What draining a full outbox of one provider's messages measured.
struct Drained {
    provider: Provider,
    messages: u64,
    delivered: u64,
    seconds: f64,
    ceiling: f64,
    peak_rss_mib: f64,
}

async fn drain(
    herald_bin: &Path,
    sink: &Sink,
    databases: &mut Databases,
    provider: Provider,
    messages: u64,
) -> anyhow::Result<Drained> {
    const WORKERS: &str = "HERALD_DELIVERY_WORKERS";
    let stand_in = StandIn::start().await?;
    let ceiling = stand_in.ceiling(provider, messages as usize).await?;
    let env = on_fresh_database(
        databases,
        &[(WORKERS, "0"), ("HERALD_ALLOW_PRIVATE_TARGETS", "true")],
    )
    .await?;
    let mut herald = HeraldProcess::start(herald_bin, sink.port, &refs(&env)).await?;
    let campaign = campaign(&herald, provider, &stand_in.base).await?;
    let calls = (messages as usize).div_ceil(PER_CALL);
    let accepted = send_exactly(
        herald.addr,
        &herald.api_key,
        calls,
        calls_for(campaign, provider),
    )
    .await?;
    anyhow::ensure!(
        accepted == calls,
        "only {accepted} of {calls} calls were accepted"
    );
    let messages = (calls * PER_CALL) as u64;
    let before = stand_in.received();
    let started = Instant::now();
    herald.restart_without(&[WORKERS]).await?;
    stand_in
        .wait_for(before + messages, Duration::from_secs(300))
        .await;
    Ok(Drained {
        provider,
        messages,
        delivered: stand_in.received() - before,
        seconds: started.elapsed().as_secs_f64(),
        ceiling,
        peak_rss_mib: herald.peak_rss_mib(),
    })
}

/// The `providers` subcommand: SMS and push, each drained from a full outbox.
pub async fn run(
    herald_bin: &Path,
    messages: u64,
    engine: Engine,
    record: bool,
) -> anyhow::Result<()> {
    let mut databases = Databases::new(engine.clone());
    let sink = Sink::start(Instant::now()).await?;
    let mut rows = Vec::new();
    for provider in [Provider::Twilio, Provider::Fcm, Provider::Apns] {
        eprintln!("bench: Herald on {}, {}", engine.name(), provider.label());
        rows.push(drain(herald_bin, &sink, &mut databases, provider, messages).await);
    }
    databases.drop_all().await?;
    println!(
        "### SMS and push from a full outbox on {} (messages queued with delivery off, then a restart)\n\n\
         | provider | delivered | messages/s | the stand-in's ceiling | ratio | peak RSS |\n\
         |---|---|---|---|---|---|",
        engine.name()
    );
    let mut all_arrived = true;
    let mut figures = Vec::new();
    for row in rows {
        let d = row?;
        let rate = d.delivered as f64 / d.seconds;
        all_arrived &= d.delivered == d.messages;
        let name = d.provider.name();
        figures.push(Figure::higher(format!("{name}, messages/s"), rate));
        figures.push(Figure::higher(
            format!("{name}, stand-in ceiling/s"),
            d.ceiling,
        ));
        figures.push(Figure::lower(
            format!("{name}, peak RSS MiB"),
            d.peak_rss_mib,
        ));
        println!(
            "| {} | {} of {} | {rate:.0} | {:.0}/s | {:.0} % | {:.1} MiB |",
            d.provider.label(),
            d.delivered,
            d.messages,
            d.ceiling,
            100.0 * rate / d.ceiling,
            d.peak_rss_mib
        );
    }
    anyhow::ensure!(all_arrived, "not every message arrived");
    record::compare(&format!("providers/{}", engine.name()), &figures, record)
}
