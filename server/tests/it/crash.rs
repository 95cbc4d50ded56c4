//! The crash test: `kill -9` the real `herald` binary while it delivers thousands of emails,
//! start it again on the same database, and check with the SMTP sink's records that every
//! accepted message arrived, and that none arrived twice except attempts in flight at the kill.

use crate::process::{self, Server};
use crate::support::SmtpSink;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const CALLS: usize = 150;
const RECIPIENTS: usize = 20;
const WORKERS: usize = 2;
const CONCURRENCY: usize = 16;

/// Two workers of 16 sends each, and a lease longer than the test may wait: the killed
/// process's claims must be taken back when the new process starts, not when they expire.
fn herald(data: &Path, port: u16, smtp: &str) -> std::process::Command {
    let (workers, concurrency) = (WORKERS.to_string(), CONCURRENCY.to_string());
    process::herald(
        data,
        port,
        &[
            ("HERALD_SMTP_URL", smtp),
            ("HERALD_DELIVERY_WORKERS", &workers),
            ("HERALD_DELIVERY_CONCURRENCY", &concurrency),
            ("HERALD_DELIVERY_LEASE_SECS", "60"),
        ],
    )
}

async fn start(data: &Path, port: u16, smtp: &str) -> Server {
    Server::start(herald(data, port, smtp), port).await
}

fn eml_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "eml")
        })
        .count()
}

#[tokio::test]
async fn kill_9_during_delivery_loses_nothing_and_repeats_only_in_flight_sends() {
    let sink = SmtpSink::start();
    let data = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let key_out = herald(data.path(), port, &sink.url())
        .args(["api-key", "create", "--name", "crash", "--scope", "admin"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let key = process::last_line(&key_out);

    let server = start(data.path(), port, &sink.url()).await;
    let http = reqwest::Client::new();
    let campaign = process::live_campaign(
        &base,
        &key,
        json!({"title": "Crash test", "subject": "Hello {{context.n}}", "textBody": "Message {{context.n}}"}),
    )
    .await;

    let calls = (0..CALLS).map(|c| {
        let recipients: Vec<Value> = (0..RECIPIENTS)
            .map(|r| json!({"type": "external", "userId": format!("u{c}-{r}@example.com"),
                            "namespace": "email", "context": {"n": format!("{c}-{r}")}}))
            .collect();
        let body = json!({"requestId": format!("crash-{c}"), "campaignId": campaign, "recipients": recipients});
        let request = http.post(format!("{base}/ajo/im/executions/unitary")).bearer_auth(&key).json(&body);
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures::future::join_all(calls).await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    let accepted = CALLS * RECIPIENTS;

    // Kill it in the middle of delivery.
    let started = Instant::now();
    while eml_count(sink.dir()) < accepted / 5 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "delivery did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill_9();
    let at_kill = eml_count(sink.dir());
    assert!(
        at_kill < accepted,
        "all {accepted} were delivered before the kill: send more"
    );
    // What the dead process had claimed and not recorded: the only messages that may have been
    // sent without a record of it, so the only ones that may arrive twice.
    let db = crate::support::connect(data.path()).await;
    let unrecorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE status = 'sending'")
            .fetch_one(&db)
            .await
            .unwrap();

    let server = start(data.path(), port, &sink.url()).await;
    let started = Instant::now();
    loop {
        let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE status = 'sent'")
            .fetch_one(&db)
            .await
            .unwrap();
        if sent as usize == accepted {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "only {sent} of {accepted} sent 40 s after the restart: the dead process's claims \
             (leased for 60 s) were not taken back at start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(server);

    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM messages")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(ids.len(), accepted);
    let seen = sink.arrivals();
    let lost: Vec<&String> = ids.iter().filter(|id| !seen.contains_key(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} accepted messages never arrived",
        lost.len()
    );
    let twice: usize = seen.values().filter(|n| **n > 1).count();
    assert!(seen.values().all(|n| *n <= 2));
    assert!(
        twice as i64 <= unrecorded,
        "{twice} messages arrived twice; only {unrecorded} were claimed and not recorded at the kill"
    );
    eprintln!(
        "crash test: {accepted} accepted, {at_kill} delivered at the kill, all {accepted} delivered after the restart, {twice} delivered twice (of {unrecorded} claimed and not recorded at the kill)"
    );
}

const MEMBERS: usize = 20_000;

/// Profiles `member{i}@example.com` with an email identity, written straight into the database
/// of a stopped install (20,000 calls of the profile API would take most of the test's time).
async fn seed_members(db: &sqlx::AnyPool, count: usize) {
    use domain::tenancy::DEFAULT_SANDBOX_ID;
    for start in (0..count).step_by(500) {
        let ids: Vec<String> = (start..(start + 500).min(count))
            .map(|_| domain::ids::ProfileId::new().to_string())
            .collect();
        let profiles: Vec<String> = ids
            .iter()
            .map(|id| format!("('{id}', '{DEFAULT_SANDBOX_ID}', '{{\"segment\":\"all\"}}', 0, 0)"))
            .collect();
        let identities: Vec<String> = ids
            .iter()
            .enumerate()
            .map(|(k, id)| {
                format!(
                    "('{DEFAULT_SANDBOX_ID}', 'email', 'member{}@example.com', '{id}')",
                    start + k
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO profiles (id, sandbox_id, attributes, created_at, updated_at) VALUES {}",
            profiles.join(", ")
        ))
        .execute(db)
        .await
        .unwrap();
        sqlx::query(&format!(
            "INSERT INTO profile_identities (sandbox_id, namespace, value, profile_id) VALUES {}",
            identities.join(", ")
        ))
        .execute(db)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn kill_9_during_an_audience_send_resumes_without_sending_twice() {
    let sink = SmtpSink::start();
    let data = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let key_out = herald(data.path(), port, &sink.url())
        .args(["api-key", "create", "--name", "crash", "--scope", "admin"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let key = process::last_line(&key_out);
    let db = crate::support::connect(data.path()).await;
    seed_members(&db, MEMBERS).await;

    let server = start(data.path(), port, &sink.url()).await;
    let http = reqwest::Client::new();
    let campaign = process::live_campaign(
        &base,
        &key,
        json!({"title": "Audience crash test", "subject": "Issue {{context.issue}}", "textBody": "Hello"}),
    )
    .await;
    let audience: Value = http
        .post(format!("{base}/api/v1/audiences"))
        .bearer_auth(&key)
        .json(&json!({"name": "Everyone", "rule": "segment = all"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let started = Instant::now();
    let accepted: Value = http
        .post(format!("{base}/ajo/im/executions/audience"))
        .bearer_auth(&key)
        .json(&json!({"requestId": "crash", "campaignId": campaign,
                      "audience": {"id": audience["id"]}, "context": {"issue": "1"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let status_url = format!(
        "{base}/ajo/im/executions/audience/{}",
        accepted["executionId"].as_str().unwrap()
    );
    let progress = || async {
        http.get(&status_url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };

    // Kill it while the members are being queued.
    let queued_at_kill = loop {
        let now = progress().await;
        let queued = now["queued"].as_u64().unwrap() as usize;
        if queued >= MEMBERS / 4 {
            assert_eq!(now["status"], "InProgress", "{now}");
            break queued;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{now}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    server.kill_9();
    assert!(
        queued_at_kill < MEMBERS,
        "every member was queued before the kill: seed more"
    );
    let unrecorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE status = 'sending'")
            .fetch_one(&db)
            .await
            .unwrap();

    let server = start(data.path(), port, &sink.url()).await;
    let restarted = Instant::now();
    let last = loop {
        let now = progress().await;
        if now["status"] == "Succeeded" && now["sent"].as_u64() == Some(MEMBERS as u64) {
            break now;
        }
        assert_ne!(now["status"], "Failed", "{now}");
        assert!(
            restarted.elapsed() < Duration::from_secs(120),
            "not done 120 s after the restart: {now}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    drop(server);
    assert_eq!(last["targetedProfileCount"], MEMBERS);
    assert_eq!(last["queued"], MEMBERS);

    // One message per member in the outbox, and each arrived once (twice only if in flight).
    let (messages, members): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM messages")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!((messages, members), (MEMBERS as i64, MEMBERS as i64));
    let seen = sink.arrivals();
    assert_eq!(seen.len(), MEMBERS, "every member's message arrived");
    let twice = seen.values().filter(|n| **n > 1).count();
    assert!(
        twice as i64 <= unrecorded,
        "{twice} arrived twice; only {unrecorded} were in flight at the kill"
    );
    eprintln!(
        "audience crash test: {MEMBERS} members, {queued_at_kill} queued at the kill, all sent \
         {:.1} s after the restart, {twice} delivered twice (of {unrecorded} in flight)",
        restarted.elapsed().as_secs_f64()
    );
}
