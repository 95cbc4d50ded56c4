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
