//! A message that makes its transport panic fails alone: the real binary records the failed
//! attempt, keeps delivering every other message, and its health stays UP.

use crate::process::{self, Server};
use crate::support::SmtpSink;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_sender_name_that_makes_the_mailer_panic_fails_its_message_and_delivery_goes_on() {
    let sink = SmtpSink::start();
    let data = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let env = [
        ("HERALD_SMTP_URL", sink.url()),
        ("HERALD_DELIVERY_WORKERS", "1".into()),
        ("HERALD_ALLOW_PRIVATE_TARGETS", "true".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let key = process::create_key(data.path(), port, &env, "admin");
    let server = Server::start(process::herald(data.path(), port, &env), port).await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{}{path}", server.base))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let surface: Value = post(
        "/api/v1/surfaces",
        json!({
            "name": "News", "channel": "email", "category": "transactional",
            "settings": {"provider": "smtp", "fromName": "Acme", "fromAddress": "news@acme.test"},
            "secrets": {"smtpUrl": sink.url()}
        }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let surface_id = surface["id"].as_str().expect("surface created").to_owned();
    // The edge refuses a line break in the sender's name now; one stored before that check is
    // what reaches the mailer.
    let (status, refused) = {
        let r = http
            .put(format!("{}/api/v1/surfaces/{surface_id}", server.base))
            .bearer_auth(&key)
            .json(
                &json!({"name": "News", "channel": "email", "category": "transactional",
                "settings": {"provider": "smtp", "fromName": "Acme\r\nBcc: x@evil.test",
                             "fromAddress": "news@acme.test"}}),
            )
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused.to_string().contains("settings.fromName"),
        "{refused}"
    );
    let db = crate::support::connect(data.path()).await;
    let with_line_break = if crate::support::on_postgres() {
        "jsonb_set(settings::jsonb, '{fromName}', to_jsonb(E'A\\r\\nB'::text))::text"
    } else {
        "json_set(settings, '$.fromName', char(65, 13, 10, 66))"
    };
    sqlx::query(&format!(
        "UPDATE surfaces SET settings = {with_line_break}, updated_at = updated_at + 1 WHERE id = $1"
    ))
    .bind(&surface_id)
    .execute(&db)
    .await
    .unwrap();

    let mut campaigns = Vec::new();
    for surface in [Some(surface_id.as_str()), None] {
        let campaign = json!({"title": "Receipt", "subject": "Receipt", "textBody": "Thanks",
                              "surfaceId": surface, "category": "transactional"});
        campaigns.push(process::live_campaign(&server.base, &key, campaign).await);
    }
    for (n, campaign) in campaigns.iter().enumerate() {
        let call = json!({"requestId": format!("r{n}"), "campaignId": campaign, "recipients": [
            {"type": "external", "userId": "ada@example.org", "namespace": "email"}]});
        let r = post("/ajo/im/executions/unitary", call).await.unwrap();
        assert_eq!(r.status(), 202);
    }
    let started = Instant::now();
    let statuses = loop {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.status, e.campaign_id FROM messages m JOIN executions e ON e.id = m.execution_id",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        if rows.iter().all(|(s, _)| s == "sent" || s == "failed") && rows.len() == 2 {
            break rows;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let status_of = |campaign: &str| {
        statuses
            .iter()
            .find(|(_, c)| c == campaign)
            .map(|(s, _)| s.as_str())
    };
    assert_eq!(status_of(&campaigns[0]), Some("failed"));
    assert_eq!(status_of(&campaigns[1]), Some("sent"), "delivery went on");
    let reason: String =
        sqlx::query_scalar("SELECT detail FROM message_attempts ORDER BY started_at LIMIT 1")
            .fetch_one(&db)
            .await
            .unwrap_or_default();
    let any_internal: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM message_attempts WHERE detail LIKE 'internal error while sending%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(any_internal, 1, "first attempt: {reason}");
    let health = reqwest::get(format!("{}/ajo/im/health", server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}
