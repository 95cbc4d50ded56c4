//! PostgreSQL cutting Herald's connections under load: calls answer 202 or 503 with
//! Retry-After (never a 202 without a commit, never a 500), and everything accepted is sent.

use crate::cluster::{Cluster, call, messages_with_status, trigger, wait_for};
use std::time::{Duration, Instant};

#[tokio::test]
async fn connections_cut_under_load_refuse_calls_cleanly_and_lose_nothing() {
    // A claim whose answer was lost with its connection waits out its lease: a short one here.
    let cluster = Cluster::new(
        1,
        &[
            ("HERALD_DELIVERY_WORKERS", "1"),
            ("HERALD_DELIVERY_LEASE_SECS", "5"),
        ],
    );
    let _node = cluster.start(0).await;
    let campaign = cluster.campaign(serde_json::json!({})).await;
    let database = cluster.db.url.rsplit('/').next().unwrap().to_owned();
    let pool = cluster.pool().await;
    let cutter = tokio::spawn({
        let admin = cluster.pool().await;
        async move {
            let started = Instant::now();
            let mut cuts = 0;
            while started.elapsed() < Duration::from_secs(3) {
                tokio::time::sleep(Duration::from_millis(250)).await;
                // Every connection of the database but this one (the test's own pool may
                // lose some too; it reconnects).
                let cut: Vec<bool> = sqlx::query_scalar(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                      WHERE datname = $1 AND pid <> pg_backend_pid()",
                )
                .bind(database.clone())
                .fetch_all(&admin)
                .await
                .unwrap_or_default();
                cuts += cut.len();
            }
            cuts
        }
    });
    let http = reqwest::Client::new();
    let started = Instant::now();
    let (mut answers, mut n) = (Vec::new(), 0);
    while started.elapsed() < Duration::from_secs(3) {
        let batch = (0..8).map(|_| {
            n += 1;
            let body = call(&campaign, &format!("cut-{n}"), 2);
            let (http, base, key) = (&http, cluster.base(0), &cluster.key);
            async move {
                let (status, _, headers) = trigger(http, &base, key, &body).await;
                (body, status, headers.get("retry-after").is_some())
            }
        });
        answers.extend(futures::future::join_all(batch).await);
    }
    let cuts = cutter.await.unwrap();
    let refused = answers.iter().filter(|(_, s, _)| *s == 503).count();
    for (body, status, retry_after) in &answers {
        assert!(
            matches!(status, 202 | 503),
            "{status} for {}",
            body["requestId"]
        );
        assert!(*status == 202 || *retry_after, "a 503 without Retry-After");
    }
    // A refused call is retried, as Retry-After says: same requestId, accepted (or replayed if
    // its commit went through before the connection was cut).
    for (body, status, _) in &answers {
        if *status == 503 {
            let (status, answer, _) = trigger(&http, &cluster.base(0), &cluster.key, body).await;
            assert_eq!(status, 202, "{answer}");
        }
    }
    let accepted = (answers.len() * 2) as i64;
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, accepted, "every accepted call is stored, once");
    let waited = Instant::now();
    wait_for(
        "sent after the cuts",
        Duration::from_secs(60),
        accepted,
        async || messages_with_status(&pool, "sent").await,
    )
    .await;
    let seen = cluster.sink.arrivals();
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM messages")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        ids.iter().all(|id| seen.contains_key(id)),
        "a sent message never arrived"
    );
    let twice = seen.values().filter(|n| **n > 1).count();
    eprintln!(
        "{} calls while {cuts} connections were cut: {refused} refused with 503, all {accepted} \
         messages arrived {:?} later ({twice} twice)",
        answers.len(),
        waited.elapsed()
    );
}
