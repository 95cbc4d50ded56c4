//! `POST /ajo/im/executions/unitary`: acceptance, delivery, and every rejection.

use crate::support::{SmtpSink, TestApp};
use serde_json::{Value, json};

fn recipient(user: &str) -> Value {
    json!({"type": "aep", "userId": user, "namespace": "email"})
}

fn call(campaign: impl ToString, request_id: &str, recipients: Vec<Value>) -> Value {
    json!({"requestId": request_id, "campaignId": campaign.to_string(), "recipients": recipients})
}

fn ada() -> Value {
    json!({
        "type": "aep",
        "userId": "ada@example.org",
        "namespace": "email",
        "profile": {"person": {"name": {"firstName": "Ada <3"}}},
        "context": {"resetUrl": "https://shop.test/reset?t=abc&u=1"}
    })
}

#[tokio::test]
async fn a_trigger_call_delivers_a_personalised_email_through_smtp() {
    let sink = SmtpSink::start();
    let app = TestApp::start(Some(sink.url())).await;
    let campaign = app.reset_campaign().await;

    let (status, body, _) = app.trigger(&call(campaign, "req-1", vec![ada()])).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["requestId"], "req-1");
    for key in [
        "executionId",
        "createdAt",
        "createdBy",
        "modifiedAt",
        "modifiedBy",
    ] {
        assert!(
            body[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} missing in {body}"
        );
    }

    app.herald.drain_outbox().await.unwrap();
    let mails = sink.messages();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("To: ada@example.org"), "{mail}");
    assert!(mail.contains("From: Herald <herald@localhost>"), "{mail}");
    assert!(
        mail.contains("Subject: Reset your password, Ada <3"),
        "{mail}"
    );
    assert!(mail.contains("Message-ID: <"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    // The HTML part escapes profile and context values; the text part does not.
    let unfolded = mail.replace("=\r\n", "").replace("=3D", "=");
    assert!(unfolded.contains("<p>Hi Ada &lt;3</p>"), "{mail}");
    assert!(
        unfolded.contains("href=\"https://shop.test/reset?t&#x3D;abc&amp;u&#x3D;1\""),
        "{mail}"
    );
    assert!(
        unfolded.contains("Reset here: https://shop.test/reset?t=abc&u=1"),
        "{mail}"
    );

    let messages = app.herald.recent_messages(10).await.unwrap();
    assert_eq!(messages[0].status, "sent");
    assert_eq!(messages[0].provider.as_deref(), Some("smtp"));
    assert_eq!(messages[0].attempts, 1);
}

#[tokio::test]
async fn without_an_smtp_relay_messages_are_captured_and_listed() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let (status, _, _) = app
        .trigger(&call(
            campaign,
            "req-1",
            vec![ada(), recipient("bob@example.org")],
        ))
        .await;
    assert_eq!(status, 202);
    app.herald.drain_outbox().await.unwrap();
    let messages = app.herald.recent_messages(10).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert!(
        messages
            .iter()
            .all(|m| m.status == "sent" && m.provider.as_deref() == Some("capture"))
    );
    let bob = messages
        .iter()
        .find(|m| m.recipient == "bob@example.org")
        .unwrap();
    assert_eq!(bob.subject, "Reset your password,");
}

#[tokio::test]
async fn a_permanent_smtp_rejection_fails_the_message_with_the_reply_code() {
    let sink = SmtpSink::start();
    let app = TestApp::start(Some(sink.url())).await;
    let campaign = app.reset_campaign().await;
    let (status, _, _) = app
        .trigger(&call(
            campaign,
            "req-1",
            vec![recipient("reject@example.org")],
        ))
        .await;
    assert_eq!(status, 202);
    app.herald.drain_outbox().await.unwrap();
    let m = &app.herald.recent_messages(1).await.unwrap()[0];
    assert_eq!(m.status, "failed");
    assert_eq!(m.status_reason.as_deref(), Some("SMTP reply 550"));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_transient_smtp_failure_is_retried_later_not_failed() {
    let sink = SmtpSink::start();
    let app = TestApp::start(Some(sink.url())).await;
    let campaign = app.reset_campaign().await;
    app.trigger(&call(
        campaign,
        "req-1",
        vec![recipient("tempfail@example.org")],
    ))
    .await;
    app.herald.drain_outbox().await.unwrap();
    let m = &app.herald.recent_messages(1).await.unwrap()[0];
    assert_eq!(m.status, "queued", "a 451 must be retried");
    assert_eq!(m.status_reason.as_deref(), Some("SMTP reply 451"));
    assert_eq!(m.attempts, 1);
    assert_eq!(app.count("message_attempts").await, 1);
}

#[tokio::test]
async fn a_repeated_request_id_replays_the_answer_and_never_sends_twice() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let body = call(campaign, "req-1", vec![ada()]);
    let (s1, first, h1) = app.trigger(&body).await;
    let (s2, second, h2) = app.trigger(&body).await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(first, second);
    assert!(h1.get("idempotent-replayed").is_none());
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(app.count("messages").await, 1);

    let other = call(campaign, "req-1", vec![recipient("eve@example.org")]);
    let (status, err, _) = app.trigger(&other).await;
    assert_eq!(status, 409);
    assert_eq!(err["code"], "request_id_reused");
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn calls_without_a_valid_api_key_are_refused() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let body = call(campaign, "req-1", vec![ada()]).to_string();

    let (status, err, _) = app.post_raw(body.clone(), None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("missing_api_key"))
    );
    let (status, err, _) = app.post_raw(body.clone(), Some("hk_not-a-key")).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("invalid_api_key"))
    );

    let key = app.herald.create_api_key("short-lived").await.unwrap();
    let (status, _, _) = app.post_raw(body.clone(), Some(&key.key)).await;
    assert_eq!(status, 202);
    assert_eq!(app.herald.revoke_api_key("short-lived").await.unwrap(), 1);
    let (status, _, _) = app
        .post_raw(
            call(campaign, "req-2", vec![ada()]).to_string(),
            Some(&key.key),
        )
        .await;
    assert_eq!(status, 401);

    // x-api-key works as well as the bearer header.
    let response = app
        .http
        .post(format!("{}/ajo/im/executions/unitary", app.base))
        .header("x-api-key", &app.api_key)
        .body(call(campaign, "req-3", vec![ada()]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
}

/// Sends `body`, expects `status` and `code`, the offending `field` first, and nothing stored.
async fn assert_rejected(
    app: &TestApp,
    body: String,
    status: u16,
    code: &str,
    field: Option<&str>,
) -> Value {
    let before = app.count("messages").await;
    let (got, err, _) = app.post_raw(body, Some(&app.api_key)).await;
    assert_eq!(got, status, "{err}");
    assert_eq!(err["code"], code, "{err}");
    assert_eq!(err["status"], status);
    assert_eq!(err["type"], format!("urn:herald:error:{code}"));
    assert!(err["title"].as_str().is_some_and(|t| !t.is_empty()));
    if let Some(field) = field {
        assert_eq!(err["errors"][0]["field"], field, "{err}");
    }
    assert_eq!(
        app.count("messages").await,
        before,
        "a rejected call wrote messages"
    );
    assert_eq!(
        app.count("executions").await,
        0,
        "a rejected call wrote an execution"
    );
    err
}

#[tokio::test]
async fn malformed_and_invalid_bodies_are_rejected_naming_the_field() {
    let app = TestApp::start(None).await;
    let c = app.reset_campaign().await;

    assert_rejected(
        &app,
        "{\"requestId\": ".into(),
        400,
        "malformed_request",
        Some("body"),
    )
    .await;
    let wrong_type = json!({"requestId": "r", "campaignId": c.to_string(), "recipients": [{"type": "aep", "userId": 5}]});
    assert_rejected(
        &app,
        wrong_type.to_string(),
        400,
        "malformed_request",
        Some("recipients[0].userId"),
    )
    .await;

    let missing = json!({"campaignId": c.to_string(), "recipients": [ada()]});
    assert_rejected(
        &app,
        missing.to_string(),
        400,
        "invalid_request",
        Some("requestId"),
    )
    .await;

    assert_rejected(
        &app,
        call(c, "r", vec![]).to_string(),
        400,
        "invalid_request",
        Some("recipients"),
    )
    .await;
    let many: Vec<Value> = (0..21)
        .map(|i| recipient(&format!("u{i}@example.org")))
        .collect();
    assert_rejected(
        &app,
        call(c, "r", many).to_string(),
        400,
        "invalid_request",
        Some("recipients"),
    )
    .await;

    let dupes = vec![recipient("a@example.org"), recipient("a@example.org")];
    assert_rejected(
        &app,
        call(c, "r", dupes).to_string(),
        400,
        "invalid_request",
        Some("recipients[1].userId"),
    )
    .await;

    let mut system = ada();
    system["context"]["system"] = json!({"x": 1});
    assert_rejected(
        &app,
        call(c, "r", vec![system]).to_string(),
        400,
        "invalid_request",
        Some("recipients[0].context.system"),
    )
    .await;

    let bad_address = vec![ada(), recipient("not-an-address")];
    assert_rejected(
        &app,
        call(c, "r", bad_address).to_string(),
        400,
        "invalid_recipient",
        Some("recipients[1].userId"),
    )
    .await;

    let mut header_injection = ada();
    header_injection["channelData"] =
        json!({"emailAddress": "ada@example.org\r\nBcc: x@evil.test"});
    assert_rejected(
        &app,
        call(c, "r", vec![header_injection]).to_string(),
        400,
        "invalid_recipient",
        Some("recipients[0].channelData.emailAddress"),
    )
    .await;

    let mut subject_injection = ada();
    subject_injection["profile"]["person"]["name"]["firstName"] = json!("x\r\nBcc: y@evil.test");
    assert_rejected(
        &app,
        call(c, "r", vec![subject_injection]).to_string(),
        400,
        "invalid_recipient",
        Some("recipients[0]"),
    )
    .await;

    let mut phone = recipient("+4915112345678");
    phone["namespace"] = json!("phone");
    assert_rejected(
        &app,
        call(c, "r", vec![phone]).to_string(),
        400,
        "invalid_recipient",
        Some("recipients[0].namespace"),
    )
    .await;
}

#[tokio::test]
async fn unknown_and_unlaunched_campaigns_are_refused_with_the_ids_echoed() {
    let app = TestApp::start(None).await;
    let unknown = domain::ids::CampaignId::new();
    let err = assert_rejected(
        &app,
        call(unknown, "req-9", vec![ada()]).to_string(),
        404,
        "campaign_not_found",
        None,
    )
    .await;
    assert_eq!(err["report"]["additionalContext"]["requestId"], "req-9");
    assert_eq!(
        err["report"]["additionalContext"]["campaignId"],
        unknown.to_string()
    );

    let draft = app.campaign("Hi", "<p>Hi</p>", "", false).await;
    let err = assert_rejected(
        &app,
        call(draft, "r", vec![ada()]).to_string(),
        422,
        "campaign_not_live",
        None,
    )
    .await;
    assert!(err["title"].as_str().unwrap().contains("draft"));

    assert_rejected(
        &app,
        call("nope", "r", vec![ada()]).to_string(),
        400,
        "invalid_request",
        Some("campaignId"),
    )
    .await;
}

#[tokio::test]
async fn a_body_over_the_size_cap_gets_413() {
    let app = TestApp::start_with(None, &[("HERALD_MAX_BODY_BYTES", "2048")]).await;
    let c = app.reset_campaign().await;
    let mut big = ada();
    big["context"]["blob"] = json!("x".repeat(4096));
    assert_rejected(
        &app,
        call(c, "r", vec![big]).to_string(),
        413,
        "payload_too_large",
        None,
    )
    .await;
}

#[tokio::test]
async fn health_reports_up() {
    let app = TestApp::start(None).await;
    let response = app
        .http
        .get(format!("{}/ajo/im/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "UP");
}
