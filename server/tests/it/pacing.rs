//! Pacing: a campaign's rate limit spaces its sends across rounds, and messages whose turn would
//! come after the campaign's end are excluded instead of sent late.

use crate::support::TestApp;
use backend::clock::now_ms;
use domain::campaign::CampaignInput;
use domain::ids::CampaignId;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use serde_json::{Value, json};
use std::time::Duration;

async fn paced_campaign(app: &TestApp, rate: u32, ends_at: Option<i64>) -> CampaignId {
    let input = CampaignInput {
        title: "Paced".into(),
        rate_limit: Some(rate),
        ends_at: ends_at.map(domain::dates::format_rfc3339),
        subject: "Hi".into(),
        text_body: "Hello".into(),
        ..CampaignInput::default()
    };
    app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await
}

async fn trigger(app: &TestApp, campaign: CampaignId, n: usize) {
    let recipients: Vec<Value> = (0..n)
        .map(|i| json!({"type": "external", "userId": format!("p{i}@example.com"), "namespace": "email"}))
        .collect();
    let body =
        json!({"requestId": "paced", "campaignId": campaign.to_string(), "recipients": recipients});
    let (status, answer, _) = app.trigger(&body).await;
    assert_eq!(status, 202, "{answer}");
}

/// Runs delivery rounds, as the worker does, until no message waits.
async fn deliver_until_settled(app: &TestApp) {
    for _ in 0..400 {
        app.herald.deliver_due().await.unwrap();
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM messages WHERE status IN ('queued', 'sending')",
        )
        .fetch_one(app.db().await)
        .await
        .unwrap();
        if waiting == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("messages still waiting");
}

async fn send_times(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar("SELECT started_at FROM message_attempts ORDER BY started_at")
        .fetch_all(app.db().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn ten_messages_at_five_per_second_take_nearly_two_seconds() {
    // A 5 s lease makes a round's window 1 s: half the messages are put back for a later round.
    let app = TestApp::start_with(None, &[("HERALD_DELIVERY_LEASE_SECS", "5")]).await;
    let campaign = paced_campaign(&app, 5, None).await;
    trigger(&app, campaign, 10).await;
    deliver_until_settled(&app).await;
    let times = send_times(&app).await;
    assert_eq!(
        times.len(),
        10,
        "one attempt each: put-back messages count none"
    );
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= 195,
            "sends {} ms apart: {times:?}",
            pair[1] - pair[0]
        );
    }
    assert!(times[9] - times[0] >= 1_790, "{times:?}");
    assert_eq!(app.count("messages").await, 10);
}

#[tokio::test]
async fn messages_that_cannot_go_before_the_end_date_are_excluded() {
    let app = TestApp::start(None).await;
    let ends_at = now_ms() + 2_500;
    let campaign = paced_campaign(&app, 1, Some(ends_at)).await;
    trigger(&app, campaign, 5).await;
    deliver_until_settled(&app).await;
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT status, status_reason, reason_code FROM messages ORDER BY recipient_index",
    )
    .fetch_all(app.db().await)
    .await
    .unwrap();
    // At 1/s, at most 3 slots (0, 1, 2 s) fit before the end at 2.5 s; a slow machine may fit
    // fewer. The others are excluded.
    let sent = rows.iter().filter(|(s, ..)| s == "sent").count();
    assert!((1..=3).contains(&sent), "{rows:?}");
    for (status, reason, code) in rows.iter().filter(|(s, ..)| s != "sent") {
        assert_eq!(
            (status.as_str(), reason.as_deref(), code.as_deref()),
            (
                "excluded",
                Some("throttled past end date"),
                Some("past_end_date")
            ),
            "{rows:?}"
        );
    }
    let last_send: i64 = sqlx::query_scalar("SELECT MAX(started_at) FROM message_attempts")
        .fetch_one(app.db().await)
        .await
        .unwrap();
    assert!(last_send <= ends_at, "a message was sent after the end");
}
