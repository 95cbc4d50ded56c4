//! What one node changes, the others obey within a second: a stopped campaign, a revoked key.

use crate::cluster::{Cluster, call, trigger};
use std::time::{Duration, Instant};

/// Polls `base` with a trigger call every 20 ms until it answers `want`; returns how long.
async fn until_answered(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    campaign: &str,
    want: u16,
) -> Duration {
    let started = Instant::now();
    for n in 0.. {
        let (status, _, _) =
            trigger(http, base, key, &call(campaign, &format!("poll-{n}"), 1)).await;
        if status == want {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn a_campaign_stopped_on_one_node_is_refused_by_another_within_a_second() {
    let cluster = Cluster::new(2, &[("HERALD_DELIVERY_WORKERS", "0")]);
    let _nodes = cluster.start_all().await;
    let campaign = cluster.campaign(serde_json::json!({})).await;
    let http = reqwest::Client::new();
    // Node B has the campaign (and the key) in its caches.
    let (status, _, _) = trigger(
        &http,
        &cluster.base(1),
        &cluster.key,
        &call(&campaign, "warm", 1),
    )
    .await;
    assert_eq!(status, 202);

    let stopped = http
        .post(format!(
            "{}/api/v1/campaigns/{campaign}/stop",
            cluster.base(0)
        ))
        .bearer_auth(&cluster.key)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.status(), 200);
    let took = until_answered(&http, &cluster.base(1), &cluster.key, &campaign, 422).await;
    assert!(
        took < Duration::from_secs(1),
        "node B refused it after {took:?}"
    );
}

#[tokio::test]
async fn a_key_revoked_by_the_cli_is_refused_by_every_node_within_a_second() {
    let cluster = Cluster::new(2, &[("HERALD_DELIVERY_WORKERS", "0")]);
    let _nodes = cluster.start_all().await;
    let campaign = cluster.campaign(serde_json::json!({})).await;
    let out = cluster.cli(&[
        "api-key", "create", "--name", "caller", "--scope", "trigger",
    ]);
    let key = crate::process::last_line(&out);
    let http = reqwest::Client::new();
    for node in 0..2 {
        let (status, _, _) = trigger(
            &http,
            &cluster.base(node),
            &key,
            &call(&campaign, &format!("warm-{node}"), 1),
        )
        .await;
        assert_eq!(status, 202);
    }
    assert!(
        cluster
            .cli(&["api-key", "revoke", "caller"])
            .status
            .success()
    );
    for node in 0..2 {
        let took = until_answered(&http, &cluster.base(node), &key, &campaign, 401).await;
        assert!(
            took < Duration::from_secs(1),
            "node {node} refused the key after {took:?}"
        );
    }
}
