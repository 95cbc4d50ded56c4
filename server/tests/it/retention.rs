//! Retention: past the content age a finished message's content is emptied (its status,
//! attempts and events stay); past the message age it goes with its attempts, events, links
//! and execution; finished webhook deliveries go past theirs; messages still waiting keep
//! everything; report totals do not move; a dry run counts exactly what a sweep removes; a
//! second sweep finds nothing. Ages are set per sandbox through the API and checked.

use crate::support::TestApp;
use domain::campaign::CampaignInput;
use domain::ids::CampaignId;
use domain::report::{DAY_MS, Report};
use domain::retention::RetentionSweep;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use reqwest::Method;
use serde_json::{Value, json};

/// Triggers one message to `email` in its own execution; returns its message id.
async fn one(app: &TestApp, campaign: CampaignId, email: &str) -> String {
    let body = json!({"requestId": format!("ret-{email}"), "campaignId": campaign.to_string(),
                      "recipients": [{"type": "external", "userId": email, "namespace": "email"}]});
    let (status, answer, _) = app.trigger(&body).await;
    assert_eq!(status, 202, "{answer}");
    app.herald.drain_outbox().await.unwrap();
    let path = format!(
        "/api/v1/messages?executionId={}",
        answer["executionId"].as_str().unwrap()
    );
    let (_, found) = app.send(Method::GET, &path, None).await;
    found["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn age(app: &TestApp, message: &str, days: i64) {
    let at = backend::clock::now_ms() - days * DAY_MS;
    for sql in [
        "UPDATE messages SET created_at = $1 WHERE id = $2",
        "UPDATE executions SET created_at = $1
          WHERE id = (SELECT execution_id FROM messages WHERE id = $2)",
    ] {
        sqlx::query(sql)
            .bind(at)
            .bind(message)
            .execute(app.db().await)
            .await
            .unwrap();
    }
}

async fn message(app: &TestApp, id: &str) -> (u16, Value) {
    app.send(Method::GET, &format!("/api/v1/messages/{id}"), None)
        .await
}

async fn rows_of(app: &TestApp, table: &str, message: &str) -> i64 {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {table} WHERE message_id = $1"
    ))
    .bind(message)
    .fetch_one(app.db().await)
    .await
    .unwrap()
}

async fn report(app: &TestApp, campaign: CampaignId) -> Report {
    // The counters moved when the messages were sent (now), before they were aged by hand.
    let path = format!("/api/v1/campaigns/{campaign}/report");
    let (status, body) = app.send(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

#[tokio::test]
async fn what_is_past_its_age_goes_and_the_rest_stays() {
    let app = TestApp::start_with(None, &[("HERALD_ALLOW_PRIVATE_TARGETS", "true")]).await;
    // A webhook nobody answers: its deliveries are marked sent by hand below.
    let (status, created) = app
        .send(
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": "http://127.0.0.1:9/hooks", "events": ["sent"]})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let input = CampaignInput {
        title: "Kept a while".into(),
        tracking: true,
        subject: "Hello".into(),
        html_body: "<p><a href=\"https://shop.test/a\">A</a></p>".into(),
        text_body: "Hello".into(),
        ..CampaignInput::default()
    };
    let campaign = app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await;
    let ancient = one(&app, campaign, "ancient@example.com").await;
    let old = one(&app, campaign, "old@example.com").await;
    let waiting = one(&app, campaign, "waiting@example.com").await;
    let recent = one(&app, campaign, "recent@example.com").await;
    // The ancient message was clicked: its event and link go with it.
    let (_, ancient_view) = message(&app, &ancient).await;
    let html = ancient_view["htmlBody"].as_str().unwrap();
    let start = html.find(&format!("{}/l/", app.base)).unwrap();
    let link: String = html[start..].chars().take_while(|c| *c != '"').collect();
    assert!(
        app.http
            .get(&link)
            .send()
            .await
            .unwrap()
            .status()
            .is_redirection()
    );
    assert_eq!(rows_of(&app, "engagements", &ancient).await, 1);
    // The housekeeping's round at start sweeps too, resting between batches: let it end before
    // anything is aged, so that the sweeps below are the only ones.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    age(&app, &ancient, 401).await;
    age(&app, &old, 40).await;
    age(&app, &waiting, 35).await;
    sqlx::query("UPDATE messages SET status = 'queued' WHERE id = $1")
        .bind(&waiting)
        .execute(app.db().await)
        .await
        .unwrap();
    let month_ago = backend::clock::now_ms() - 31 * DAY_MS;
    sqlx::query("UPDATE webhook_deliveries SET status = 'sent', created_at = $1")
        .bind(month_ago)
        .execute(app.db().await)
        .await
        .unwrap();
    let deliveries = app.count("webhook_deliveries").await;
    assert_eq!(deliveries, 4, "one per message sent");
    let before = report(&app, campaign).await;
    let executions = app.count("executions").await;

    let dry = app.herald.sweep_retention(true).await.unwrap();
    let expected = RetentionSweep {
        contents: 1,
        messages: 1,
        webhook_deliveries: 4,
    };
    assert_eq!(dry, [(DEFAULT_SANDBOX_ID.to_owned(), expected)]);
    assert_eq!(app.count("messages").await, 4, "a dry run removes nothing");
    let swept = app.herald.sweep_retention(false).await.unwrap();
    assert_eq!(swept, dry, "a sweep removes what the dry run counted");

    assert_eq!(message(&app, &ancient).await.0, 404);
    for table in ["message_attempts", "engagements", "tracked_links"] {
        assert_eq!(rows_of(&app, table, &ancient).await, 0, "{table}");
    }
    assert_eq!(app.count("executions").await, executions - 1);
    let (_, emptied) = message(&app, &old).await;
    assert_eq!(
        (
            &emptied["subject"],
            &emptied["htmlBody"],
            &emptied["textBody"]
        ),
        (&json!(""), &json!(""), &json!(""))
    );
    assert!(emptied["contentDroppedAt"].is_i64(), "{emptied}");
    assert_eq!(emptied["status"], "sent");
    assert_eq!(emptied["recipient"], "old@example.com");
    assert_eq!(rows_of(&app, "message_attempts", &old).await, 1);
    for kept in [&waiting, &recent] {
        let (_, m) = message(&app, kept).await;
        assert_eq!(m["subject"], "Hello", "{m}");
        assert!(m["contentDroppedAt"].is_null(), "{m}");
    }
    assert_eq!(app.count("webhook_deliveries").await, 0);
    assert_eq!(
        report(&app, campaign).await.totals,
        before.totals,
        "reports keep their totals"
    );

    let again = app.herald.sweep_retention(false).await.unwrap();
    assert_eq!(
        again,
        [(DEFAULT_SANDBOX_ID.to_owned(), RetentionSweep::default())]
    );

    // Once the waiting message is finished, its content goes too.
    sqlx::query("UPDATE messages SET status = 'sent' WHERE id = $1")
        .bind(&waiting)
        .execute(app.db().await)
        .await
        .unwrap();
    let last = app.herald.sweep_retention(false).await.unwrap();
    assert_eq!(last[0].1.contents, 1);
}

#[tokio::test]
async fn a_sandbox_sets_its_own_ages_within_limits() {
    let app = TestApp::start_with(None, &[("HERALD_RETENTION_WEBHOOK_DAYS", "7")]).await;
    let (status, r) = app.send(Method::GET, "/api/v1/retention", None).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["effective"],
        json!({"contentDays": 30, "messageDays": 400, "webhookDays": 7})
    );
    assert_eq!(
        r["overrides"],
        json!({"contentDays": null, "messageDays": null, "webhookDays": null})
    );
    for (body, field) in [
        (json!({"contentDays": 401}), "contentDays"),
        (json!({"messageDays": 0}), "messageDays"),
        (json!({"webhookDays": 3651}), "webhookDays"),
        (json!({"messageDays": 20}), "contentDays"),
    ] {
        let (status, answer) = app
            .send(Method::PUT, "/api/v1/retention", Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["code"], "invalid_retention", "{answer}");
        assert_eq!(answer["errors"][0]["field"], field, "{answer}");
    }
    let (status, answer) = app
        .send(
            Method::PUT,
            "/api/v1/retention",
            Some(json!({"contentDay": 3})),
        )
        .await;
    assert_eq!(status, 400, "an unknown field is refused: {answer}");
    let (status, r) = app
        .send(
            Method::PUT,
            "/api/v1/retention",
            Some(json!({"contentDays": 3, "messageDays": 20})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["effective"],
        json!({"contentDays": 3, "messageDays": 20, "webhookDays": 7})
    );
    // Another sandbox keeps the defaults.
    let other = app.dev_sandbox().await;
    let theirs = app.herald.retention(&other.id).await.unwrap();
    assert_eq!(theirs.effective.content_days, 30);
}

#[tokio::test]
async fn the_system_view_counts_what_is_kept() {
    let app = TestApp::start(None).await;
    let campaign = app.campaign("Hi", "<p>Hi</p>", "Hi", true).await;
    one(&app, campaign, "first@example.com").await;
    one(&app, campaign, "second@example.com").await;
    let system = app.herald.system().await.unwrap();
    let rows = |table: &str| system.tables.iter().find(|(t, _)| t == table).unwrap().1;
    assert_eq!((rows("messages"), rows("executions")), (2, 2));
    assert_eq!(rows("message_attempts"), 2);
    assert!(system.database_bytes > 0);
    let oldest: i64 = sqlx::query_scalar("SELECT MIN(created_at) FROM messages")
        .fetch_one(app.db().await)
        .await
        .unwrap();
    assert_eq!(system.oldest_message_at, Some(oldest));
    assert_eq!(system.storage_full_since, None);
}
