//! `/login` under a flood of anonymous posts, against the real binary: memory stays bounded,
//! password checks are queued or refused with `Retry-After`, and trigger calls stay fast.

use crate::process::{self, Server};
use serde_json::json;
use std::time::{Duration, Instant};

/// Peak resident memory of a process, from `/proc` (kB → MiB).
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

#[tokio::test]
async fn a_sign_in_flood_keeps_memory_bounded_and_triggers_fast() {
    let data = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let key = process::create_key(data.path(), port, &[], "admin");
    let server = Server::start(process::herald(data.path(), port, &[]), port).await;
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let campaign = process::live_campaign(
        &base,
        &key,
        json!({"title": "Ping", "subject": "Hi", "textBody": "Hi"}),
    )
    .await;

    // 240 posts, 48 at a time, each from its own address and with its own unknown email.
    let flood = tokio::spawn({
        let base = base.clone();
        async move {
            let mut statuses = Vec::new();
            for wave in 0..5u8 {
                let posts = (0..48u8).map(|n| {
                    let client = reqwest::Client::builder()
                        .redirect(reqwest::redirect::Policy::none())
                        .local_address(std::net::IpAddr::from([127, 1, wave, n + 1]))
                        .build()
                        .unwrap();
                    let email = format!("nobody-{wave}-{n}@example.com");
                    let url = format!("{base}/login");
                    async move {
                        let r = client
                            .post(url)
                            .form(&[("email", email.as_str()), ("password", "guess-guess")])
                            .send()
                            .await
                            .unwrap();
                        (
                            r.status().as_u16(),
                            r.headers().get("retry-after").is_some(),
                        )
                    }
                });
                statuses.extend(futures::future::join_all(posts).await);
            }
            statuses
        }
    });
    let mut slowest = Duration::ZERO;
    let mut n = 0;
    while !flood.is_finished() {
        let body = json!({"requestId": format!("t{n}"), "campaignId": campaign, "recipients": [
            {"type": "external", "userId": "ada@example.org", "namespace": "email"}]});
        let started = Instant::now();
        let r = http
            .post(format!("{base}/ajo/im/executions/unitary"))
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        slowest = slowest.max(started.elapsed());
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let statuses = flood.await.unwrap();
    assert_eq!(statuses.len(), 240);
    assert!(
        statuses
            .iter()
            .all(|(s, retry)| *s == 303 || (*s == 503 && *retry)),
        "every post is refused (303) or told to come back (503 with Retry-After)"
    );
    let rss = peak_rss_mib(server.pid());
    eprintln!(
        "sign-in flood: {n} trigger calls meanwhile, slowest {slowest:?}, peak RSS {rss} MiB"
    );
    assert!(rss < 160, "peak RSS {rss} MiB");
    assert!(
        slowest < Duration::from_millis(500),
        "slowest trigger call {slowest:?}"
    );
}
