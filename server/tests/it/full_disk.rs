//! A full disk is an error, not a corruption: with the SQLite database capped
//! (`HERALD_SQLITE_MAX_SIZE_MB`, which fails writes exactly as a full disk does), calls that
//! no longer fit answer 503 `storage_full` with `Retry-After` and leave nothing behind, health
//! says `DEGRADED` with the reason, what was accepted is still delivered, and once space is
//! freed calls are accepted again and health is `UP`. (PostgreSQL's `disk_full` takes the same
//! path; a full disk cannot be staged on the shared server, so this runs on SQLite only.)

use crate::support::TestApp;
use domain::campaign::CampaignInput;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use serde_json::{Value, json};

async fn health(app: &TestApp) -> Value {
    let answer = app
        .http
        .get(format!("{}/ajo/im/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    answer.json().await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.db().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_database_refuses_calls_keeps_delivering_and_recovers() {
    if crate::support::on_postgres() {
        return;
    }
    let app = TestApp::start_with(None, &[("HERALD_SQLITE_MAX_SIZE_MB", "2")]).await;
    let input = CampaignInput {
        title: "Big".into(),
        subject: "Big".into(),
        html_body: "<p>{{context.pad}}</p>".into(),
        text_body: "{{context.pad}}".into(),
        ..CampaignInput::default()
    };
    let campaign = app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await;
    let pad = "x".repeat(8_000);
    let call = |n: usize| {
        let recipients: Vec<Value> = (0..10)
            .map(|i| {
                json!({"type": "external", "userId": format!("u{n}-{i}@example.com"),
                            "namespace": "email", "context": {"pad": pad}})
            })
            .collect();
        json!({"requestId": format!("full-{n}"), "campaignId": campaign.to_string(),
               "recipients": recipients})
    };
    let mut accepted = 0;
    let refused = loop {
        assert!(accepted < 200, "2 MiB should fill long before this");
        let (status, answer, headers) = app.trigger(&call(accepted)).await;
        if status == 202 {
            accepted += 1;
            continue;
        }
        break (status, answer, headers);
    };
    let (status, answer, headers) = refused;
    assert!(accepted > 0, "calls fit before the cap's delivery reserve");
    assert_eq!(
        (status, answer["code"].as_str()),
        (503, Some("storage_full")),
        "{answer}"
    );
    assert_eq!(headers["retry-after"], "30");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM executions").await,
        accepted as i64,
        "the refused call left nothing behind"
    );
    let degraded = health(&app).await;
    assert_eq!(degraded["status"], "DEGRADED", "{degraded}");
    assert!(
        degraded["reason"]
            .as_str()
            .unwrap()
            .contains("no space left")
    );

    // What was accepted is delivered.
    app.herald.drain_outbox().await.unwrap();
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE status = 'sent'").await,
        accepted as i64 * 10
    );

    // Space returns (here: old content emptied, as retention does): calls are accepted again.
    sqlx::query("UPDATE messages SET html_body = '', text_body = ''")
        .execute(app.db().await)
        .await
        .unwrap();
    let (status, answer, _) = app.trigger(&call(1_000)).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(health(&app).await, json!({"status": "UP"}));
}
