//! What operators read: `GET /metrics` as Prometheus scrapes it (parsed by a Prometheus text
//! parser), the request id on every answer, and JSON logs. The metrics test runs the real
//! binary in a process of its own, so its counters count only this test's work.

use crate::process::{self, Server};
use crate::support::TestApp;
use prometheus_parse::{Scrape, Value};
use serde_json::json;
use std::time::Duration;

const TOKEN: &str = "a-metrics-token-for-tests";

async fn scrape(base: &str) -> Scrape {
    let response = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

/// The sum of the samples of `name` that carry all of `labels`.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            other => panic!("{name} is not a single value: {other:?}"),
        })
        .sum()
}

#[tokio::test]
async fn metrics_count_a_call_and_its_delivery_and_name_no_person() {
    let data = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let log = data.path().join("herald.log");
    let env = [
        ("HERALD_METRICS_TOKEN", TOKEN),
        ("HERALD_LOG", "info"),
        ("HERALD_LOG_FORMAT", "json"),
    ];
    let key = process::create_key(data.path(), port, &env, "admin");
    let mut command = process::herald(data.path(), port, &env);
    command.stderr(std::fs::File::create(&log).unwrap());
    let server = Server::start(command, port).await;
    let base = &server.base;
    let http = reqwest::Client::new();

    // Without the token, or with another, nothing is shown.
    let metrics = format!("{base}/metrics");
    let anonymous = http.get(&metrics).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let wrong = http
        .get(&metrics)
        .bearer_auth("not-the-metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let campaign = process::live_campaign(
        base,
        &key,
        json!({"title": "Metrics", "subject": "Hi {{context.n}}", "textBody": "Hello"}),
    )
    .await;
    // Rows per table: counted in the background, published once counted.
    let mut before = scrape(base).await;
    for _ in 0..100 {
        if before
            .samples
            .iter()
            .any(|s| s.metric == "herald_table_rows")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        before = scrape(base).await;
    }
    let tables: Vec<_> = before
        .samples
        .iter()
        .filter(|s| s.metric == "herald_table_rows")
        .filter_map(|s| s.labels.get("table"))
        .collect();
    assert!(tables.contains(&"messages"), "{tables:?}");
    let messages = [("table", "messages")];
    assert_eq!(value(&before, "herald_table_rows", &messages), 0.0);
    let addresses = ["ada.metrics@example.com", "grace.metrics@example.com"];
    let recipients: Vec<_> = addresses
        .iter()
        .map(
            |a| json!({"type": "external", "userId": a, "namespace": "email", "context": {"n": 1}}),
        )
        .collect();
    let accepted = http
        .post(format!("{base}/ajo/im/executions/unitary"))
        .bearer_auth(&key)
        .header("x-request-id", "trace-me-42")
        .json(&json!({"requestId": "metrics-1", "campaignId": campaign, "recipients": recipients}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    assert_eq!(accepted.headers()["x-request-id"], "trace-me-42");
    let execution_id = accepted.json::<serde_json::Value>().await.unwrap()["executionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let unknown = http
        .post(format!("{base}/ajo/im/executions/unitary"))
        .bearer_auth(&key)
        .json(
            &json!({"requestId": "metrics-2", "campaignId": "00000000-0000-0000-0000-000000000000",
                      "recipients": [recipients[0]]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let unknown_code = unknown.json::<serde_json::Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();

    // The delivery workers send both through the local capture.
    let sent = [
        ("channel", "email"),
        ("provider", "capture"),
        ("outcome", "sent"),
    ];
    let mut after = scrape(base).await;
    for _ in 0..100 {
        if value(&after, "herald_deliveries_total", &sent) >= 2.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = scrape(base).await;
    }
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    let accepted_calls = [("endpoint", "unitary"), ("outcome", "accepted")];
    assert_eq!(moved("herald_trigger_calls_total", &accepted_calls), 1.0);
    let refused = [("endpoint", "unitary"), ("outcome", unknown_code.as_str())];
    assert_eq!(moved("herald_trigger_calls_total", &refused), 1.0);
    assert_eq!(
        moved("herald_recipients_accepted_total", &[("channel", "email")]),
        2.0
    );
    assert_eq!(moved("herald_deliveries_total", &sent), 2.0);
    assert_eq!(
        moved(
            "herald_send_duration_seconds_count",
            &[("channel", "email"), ("provider", "capture")]
        ),
        2.0
    );
    let trigger_route = [
        ("method", "POST"),
        ("route", "/ajo/im/executions/unitary"),
        ("status", "202"),
    ];
    assert_eq!(
        moved("herald_http_request_duration_seconds_count", &trigger_route),
        1.0
    );
    // Everything was sent: nothing waits.
    assert_eq!(
        value(&after, "herald_outbox_messages", &[("state", "due")]),
        0.0
    );
    assert_eq!(
        value(&after, "herald_outbox_oldest_due_age_seconds", &[]),
        0.0
    );
    assert_eq!(value(&after, "herald_webhook_backlog_deliveries", &[]), 0.0);
    assert!(value(&after, "herald_db_connections_max", &[]) >= 1.0);
    assert!(value(&after, "herald_database_size_bytes", &[]) > 0.0);
    // A scrape does not count again: the counts are at most 10 minutes old.
    assert_eq!(value(&after, "herald_table_rows", &messages), 0.0);
    assert!(value(&after, "herald_oldest_message_age_seconds", &[]) < 600.0);
    assert!(
        after
            .docs
            .contains_key("herald_outbox_oldest_due_age_seconds")
    );

    // No label names a person or a message.
    let text = http
        .get(&metrics)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for private in addresses.iter().copied().chain([execution_id.as_str()]) {
        assert!(!text.contains(private), "/metrics names {private}");
    }

    // The JSON log of the call carries its request id.
    drop(server);
    let logs = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect();
    let accepted_log = lines
        .iter()
        .find(|l| l["message"] == "execution accepted")
        .unwrap_or_else(|| panic!("no 'execution accepted' line in {logs}"));
    let spans = accepted_log["spans"].as_array().unwrap();
    assert!(
        spans
            .iter()
            .any(|s| s["request_id"] == "trace-me-42" && s["route"] == "/ajo/im/executions/unitary"),
        "{accepted_log}"
    );
    assert!(
        spans.iter().any(|s| s["name"] == "trigger_unitary"),
        "{accepted_log}"
    );
}

#[tokio::test]
async fn metrics_are_off_without_a_token_and_every_answer_has_a_request_id() {
    let app = TestApp::start(None).await;
    let http = reqwest::Client::new();
    let off = http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 404);
    let body: serde_json::Value = off.json().await.unwrap();
    assert_eq!(body["code"], "metrics_off");

    let health = format!("{}/ajo/im/health", app.base);
    let generated = http.get(&health).send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // An id no log should carry (too long, or with spaces) is replaced.
    for unfit in ["x".repeat(65), "two words".to_owned()] {
        let answer = http
            .get(&health)
            .header("x-request-id", &unfit)
            .send()
            .await
            .unwrap();
        let id = answer.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(id, unfit);
        assert_eq!(id.len(), 36);
    }
}
