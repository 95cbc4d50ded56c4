//! The same requestId sent to two nodes at the same moment is accepted once.

use crate::cluster::{Cluster, call, trigger};

#[tokio::test]
async fn the_same_request_to_two_nodes_at_once_is_accepted_once() {
    let cluster = Cluster::new(2, &[("HERALD_DELIVERY_WORKERS", "0")]);
    let _nodes = cluster.start_all().await;
    let campaign = cluster.campaign(serde_json::json!({})).await;
    let http = reqwest::Client::new();
    let (a_base, b_base) = (cluster.base(0), cluster.base(1));
    for n in 0..50 {
        let body = call(&campaign, &format!("twice-{n}"), 2);
        let (a, b) = tokio::join!(
            trigger(&http, &a_base, &cluster.key, &body),
            trigger(&http, &b_base, &cluster.key, &body),
        );
        assert_eq!((a.0, b.0), (202, 202), "{} / {}", a.1, b.1);
        assert_eq!(a.1["executionId"], b.1["executionId"], "one execution");
        let replays = [&a.2, &b.2]
            .iter()
            .filter(|h| h.get("idempotent-replayed").is_some())
            .count();
        assert_eq!(replays, 1, "one original answer and one replay");
    }
    let pool = cluster.pool().await;
    let executions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM executions")
        .fetch_one(&pool)
        .await
        .unwrap();
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((executions, messages), (50, 100));
}
