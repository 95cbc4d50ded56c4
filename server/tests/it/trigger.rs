//! `POST /ajo/im/executions/unitary`: acceptance, delivery, and every rejection.

use crate::support::{SmtpSink, TestApp};
use backend::accounts::ApiKeySpec;
use domain::delivery::ReportedStatus;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use reqwest::Method;
use serde_json::{Value, json};

/// A recipient of the reset campaign with the context it requires.
fn recipient(user: &str) -> Value {
    json!({"type": "external", "userId": user, "namespace": "email", "context": {"resetUrl": "https://shop.test/r"}})
}

fn call(campaign: impl ToString, request_id: &str, recipients: Vec<Value>) -> Value {
    json!({"requestId": request_id, "campaignId": campaign.to_string(), "recipients": recipients})
}

fn ada() -> Value {
    json!({
        "type": "external",
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

    let messages = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 10)
        .await
        .unwrap();
    assert_eq!(messages[0].status, ReportedStatus::Sent);
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
    let messages = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 10)
        .await
        .unwrap();
    assert_eq!(messages.len(), 2);
    assert!(
        messages
            .iter()
            .all(|m| m.status == ReportedStatus::Sent && m.provider.as_deref() == Some("capture"))
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
    let m = &app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 1)
        .await
        .unwrap()[0];
    assert_eq!(m.status, ReportedStatus::Failed);
    assert_eq!(m.status_reason.as_deref(), Some("SMTP reply 550"));
    assert!(sink.messages().is_empty());
}

/// 550 5.1.1 (unknown user) suppresses the address: later calls accept the recipient but
/// exclude its message, say why in the status and the dry run, and never send it.
#[tokio::test]
async fn a_hard_bounce_suppresses_the_address_for_later_calls() {
    let sink = SmtpSink::start();
    let app = TestApp::start(Some(sink.url())).await;
    let campaign = app.reset_campaign().await;
    let gone = recipient("reject-gone@example.org");
    let (status, _, _) = app
        .trigger(&call(campaign, "first", vec![gone.clone()]))
        .await;
    assert_eq!(status, 202);
    app.herald.drain_outbox().await.unwrap();
    assert_eq!(app.count("suppressions").await, 1);

    let dry = app
        .api(Method::POST, "/ajo/im/executions/unitary?dryRun=true")
        .json(&call(campaign, "dry", vec![gone.clone(), ada()]))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(dry["recipients"][0]["outcome"], "excluded", "{dry}");
    assert!(
        dry["recipients"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("hard bounce (SMTP reply 550)")
    );
    assert_eq!(dry["recipients"][1]["outcome"], "would_send");

    let (status, accepted, _) = app
        .trigger(&call(campaign, "second", vec![gone, ada()]))
        .await;
    assert_eq!(status, 202);
    app.herald.drain_outbox().await.unwrap();
    let execution = accepted["executionId"].as_str().unwrap();
    let lookup: Value = app
        .api(
            Method::GET,
            &format!("/ajo/im/executions/unitary/{execution}"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &lookup["recipients"][0];
    assert_eq!(
        (first["status"].as_str(), first["attemptCount"].as_i64()),
        (Some("excluded"), Some(0))
    );
    assert!(
        first["statusReason"]
            .as_str()
            .unwrap()
            .starts_with("suppressed address: hard bounce")
    );
    assert_eq!(lookup["recipients"][1]["status"], "sent");
    assert_eq!(
        sink.messages().len(),
        1,
        "only the other recipient's email went out"
    );

    // The suppression is listed, and lifting it lets the address receive messages again.
    let (_, list) = app.send(Method::GET, "/api/v1/suppressions", None).await;
    assert_eq!(list["items"][0]["address"], "reject-gone@example.org");
    let lift = || {
        app.api(
            Method::DELETE,
            "/api/v1/suppressions/email/reject-gone@example.org",
        )
        .send()
    };
    assert_eq!(lift().await.unwrap().status(), 204);
    assert_eq!(lift().await.unwrap().status(), 404);
    assert_eq!(app.count("suppressions").await, 0);
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
    let m = &app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 1)
        .await
        .unwrap()[0];
    assert_eq!(m.status, ReportedStatus::Queued, "a 451 must be retried");
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
    assert_eq!(err["code"], "idempotency_key_reused");
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn the_high_throughput_endpoint_takes_external_recipients_only() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let post = |body: &Value| {
        app.api(Method::POST, "/ajo/im/executions/highthroughput")
            .json(body)
            .send()
    };
    let body = call(campaign, "ht-1", vec![ada()]);
    let first = post(&body).await.unwrap();
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    // The same idempotency as the unitary endpoint: a replay, nothing stored twice.
    let again = post(&body).await.unwrap();
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(app.count("messages").await, 1);
    let id = first["executionId"].as_str().unwrap();
    let (status, execution) = app
        .send(
            Method::GET,
            &format!("/ajo/im/executions/unitary/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{execution}");

    let mut aep = recipient("bob@example.org");
    aep["type"] = json!("aep");
    let refused = post(&call(campaign, "ht-2", vec![ada(), aep]))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["code"], "invalid_recipient");
    assert_eq!(refused["errors"][0]["field"], "recipients[1].type");
    assert_eq!(refused["report"]["additionalContext"]["requestId"], "ht-2");
    assert_eq!(app.count("messages").await, 1);
    let unauthenticated = app
        .http
        .post(format!("{}/ajo/im/executions/highthroughput", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
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

    let key = app
        .herald
        .create_api_key(ApiKeySpec {
            name: "short-lived".into(),
            sandbox_id: DEFAULT_SANDBOX_ID.into(),
            scope: ApiScope::Trigger,
            campaigns: None,
        })
        .await
        .unwrap();
    let (status, _, _) = app.post_raw(body.clone(), Some(&key.key)).await;
    assert_eq!(status, 202);
    assert_eq!(
        app.herald
            .revoke_api_key(
                None,
                "short-lived",
                &backend::store::audit::Who::without_address("operator")
            )
            .await
            .unwrap(),
        1
    );
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

    let mut no_context = recipient("bob@example.org");
    no_context.as_object_mut().unwrap().remove("context");
    let err = assert_rejected(
        &app,
        call(c, "r", vec![ada(), no_context]).to_string(),
        400,
        "invalid_recipient",
        Some("recipients[1].context.resetUrl"),
    )
    .await;
    assert_eq!(err["errors"][0]["message"], "is required by the campaign");

    let mut null_context = ada();
    null_context["context"]["resetUrl"] = Value::Null;
    assert_rejected(
        &app,
        call(c, "r", vec![null_context]).to_string(),
        400,
        "invalid_recipient",
        Some("recipients[0].context.resetUrl"),
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

#[tokio::test]
async fn context_over_200_kb_is_refused_with_413() {
    let app = TestApp::start_with(None, &[("HERALD_MAX_BODY_BYTES", "1048576")]).await;
    let c = app.reset_campaign().await;
    let mut big = ada();
    big["context"]["blob"] = json!("x".repeat(201 * 1024));
    assert_rejected(
        &app,
        call(c, "r", vec![big]).to_string(),
        413,
        "context_too_large",
        None,
    )
    .await;
}

#[tokio::test]
async fn the_idempotency_key_header_takes_precedence_over_the_request_id() {
    let app = TestApp::start(None).await;
    let c = app.reset_campaign().await;
    let send = |request_id: &str, key: &str| {
        app.api(Method::POST, "/ajo/im/executions/unitary")
            .header("idempotency-key", key)
            .json(&call(c, request_id, vec![ada()]))
            .send()
    };
    let first = send("req-1", "key-A").await.unwrap();
    assert_eq!(first.status(), 202);
    // A new requestId under a used key is a different body: refused.
    let reused = send("req-2", "key-A").await.unwrap();
    assert_eq!(reused.status(), 409);
    // The same requestId under a new key is a new call.
    let fresh = send("req-1", "key-B").await.unwrap();
    assert_eq!(fresh.status(), 202);
    assert!(fresh.headers().get("idempotent-replayed").is_none());
    assert_eq!(app.count("executions").await, 2);

    let bad = send("req-3", " ").await.unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["code"],
        "invalid_idempotency_key"
    );
}

#[tokio::test]
async fn fifty_concurrent_identical_calls_make_exactly_one_execution() {
    let app = TestApp::start(None).await;
    let c = app.reset_campaign().await;
    let body = call(c, "burst", vec![ada()]);
    let calls = (0..50).map(|_| app.trigger(&body));
    let answers = futures::future::join_all(calls).await;
    let ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|(status, body, _)| {
            assert_eq!(*status, 202, "{body}");
            body["executionId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every answer names the same execution");
    let replays = answers
        .iter()
        .filter(|(_, _, h)| h.get("idempotent-replayed").is_some())
        .count();
    assert_eq!(replays, 49);
    assert_eq!(app.count("executions").await, 1);
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn after_its_key_expires_a_request_id_is_a_new_call() {
    let app = TestApp::start(None).await;
    let c = app.reset_campaign().await;
    let body = call(c, "req-1", vec![ada()]);
    let (_, first, _) = app.trigger(&body).await;
    sqlx::query("UPDATE idempotency_keys SET expires_at = 0")
        .execute(app.db().await)
        .await
        .unwrap();
    let (status, second, headers) = app.trigger(&body).await;
    assert_eq!(status, 202);
    assert!(headers.get("idempotent-replayed").is_none());
    assert_ne!(first["executionId"], second["executionId"]);
    assert_eq!(
        app.herald.purge_expired_idempotency_keys().await.unwrap(),
        0,
        "the expired key was replaced"
    );
}

#[tokio::test]
async fn the_status_of_an_execution_lists_every_recipient_with_attempts() {
    let sink = SmtpSink::start();
    let app = TestApp::start(Some(sink.url())).await;
    let c = app.reset_campaign().await;
    let (_, accepted, _) = app
        .trigger(&call(
            c,
            "req-1",
            vec![ada(), recipient("reject@example.org")],
        ))
        .await;
    let id = accepted["executionId"].as_str().unwrap();
    let path = format!("/ajo/im/executions/unitary/{id}");

    let (_, queued) = app.send(Method::GET, &path, None).await;
    assert_eq!(queued["recipients"][0]["status"], "queued");
    assert_eq!(queued["recipients"][0]["attempts"], json!([]));

    app.herald.drain_outbox().await.unwrap();
    let response = app.api(Method::GET, &path).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let status: Value = response.json().await.unwrap();
    assert_eq!(status["executionId"], id);
    assert_eq!(status["requestId"], "req-1");
    assert_eq!(status["campaignId"], c.to_string());
    assert_eq!(status["campaignVersion"], 1);
    let r = &status["recipients"];
    assert_eq!(r[0]["userId"], "ada@example.org");
    assert_eq!(r[0]["status"], "sent");
    assert_eq!(r[0]["attempts"][0]["outcome"], "sent");
    assert_eq!(r[0]["attempts"][0]["provider"], "smtp");
    assert_eq!(r[1]["userId"], "reject@example.org");
    assert_eq!(r[1]["status"], "failed");
    assert_eq!(r[1]["statusReason"], "SMTP reply 550");
    assert_eq!(r[1]["attempts"][0]["outcome"], "permanent_failure");

    for unknown in [
        domain::ids::ExecutionId::new().to_string(),
        "nope".to_owned(),
    ] {
        let response = app
            .api(
                Method::GET,
                &format!("/ajo/im/executions/unitary/{unknown}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.json::<Value>().await.unwrap()["code"],
            "execution_not_found"
        );
    }
    let anonymous = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_dry_run_renders_every_recipient_and_stores_nothing() {
    let app = TestApp::start(None).await;
    let c = app.reset_campaign().await;
    let response = app
        .api(Method::POST, "/ajo/im/executions/unitary?dryRun=true")
        .json(&call(c, "req-1", vec![ada(), recipient("bob@example.org")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["dryRun"], true);
    assert_eq!(body["campaignVersion"], 1);
    let ada = &body["recipients"][0];
    assert_eq!(ada["outcome"], "would_send");
    assert_eq!(ada["address"], "ada@example.org");
    assert_eq!(ada["rendered"]["subject"], "Reset your password, Ada <3");
    assert_eq!(
        body["recipients"][1]["rendered"]["textBody"],
        "Reset here: https://shop.test/r"
    );
    assert_eq!(app.count("executions").await, 0);
    assert_eq!(app.count("messages").await, 0);
    assert_eq!(app.count("idempotency_keys").await, 0);

    // A dry run is refused for exactly what the real call would be refused for.
    let response = app
        .api(Method::POST, "/ajo/im/executions/unitary?dryRun=true")
        .json(&call(
            c,
            "req-1",
            vec![json!({"type": "external", "userId": "x@example.org", "namespace": "email"})],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let err: Value = response.json().await.unwrap();
    assert_eq!(err["errors"][0]["field"], "recipients[0].context.resetUrl");
}

#[tokio::test]
async fn a_key_over_its_rate_limit_gets_429_with_retry_after() {
    let app = TestApp::start_with(None, &[("HERALD_API_RATE_LIMIT", "2")]).await;
    let c = app.reset_campaign().await;
    for i in 0..2 {
        let (status, _, _) = app.trigger(&call(c, &format!("r{i}"), vec![ada()])).await;
        assert_eq!(status, 202);
    }
    let (status, err, headers) = app.trigger(&call(c, "r3", vec![ada()])).await;
    assert_eq!(status, 429);
    assert_eq!(err["code"], "rate_limited");
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(app.count("executions").await, 2);
}

#[tokio::test]
async fn a_stopped_campaign_refuses_calls_but_delivers_what_it_accepted() {
    let app = TestApp::start(None).await;
    let c = app.reset_campaign().await;
    let (status, _, _) = app.trigger(&call(c, "before", vec![ada()])).await;
    assert_eq!(status, 202);
    app.herald
        .stop_campaign(&app.caller().await, c)
        .await
        .unwrap();

    let (status, err, _) = app.trigger(&call(c, "after", vec![ada()])).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("campaign_not_live"))
    );
    assert!(err["title"].as_str().unwrap().contains("stopped"), "{err}");
    assert!(
        app.herald
            .activate_campaign(&app.caller().await, c)
            .await
            .is_err(),
        "no way back to live"
    );
    assert!(
        app.herald
            .stop_campaign(&app.caller().await, c)
            .await
            .is_err(),
        "already stopped"
    );

    app.herald.drain_outbox().await.unwrap();
    let messages = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 10)
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].status, ReportedStatus::Sent);
}

/// An integration calling an endpoint Herald does not have (or with the wrong method) gets an
/// answer in the API's JSON error shape, with or without a key, never the UI's sign-in page
/// (which is what it got before: a plain-text 401 or a redirect to /login).
#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_the_api_error_shape() {
    let app = TestApp::start(None).await;
    let cases = [
        (
            Method::GET,
            "/ajo/im/executions/nothing/x",
            404,
            "endpoint_not_found",
        ),
        (Method::GET, "/ajo/im/foo", 404, "endpoint_not_found"),
        (Method::GET, "/api/v1/nothing", 404, "endpoint_not_found"),
        (
            Method::DELETE,
            "/ajo/im/executions/unitary",
            405,
            "method_not_allowed",
        ),
        (
            Method::PATCH,
            "/api/v1/campaigns",
            405,
            "method_not_allowed",
        ),
    ];
    for (method, path, status, code) in cases {
        for authenticated in [true, false] {
            let request = if authenticated {
                app.api(method.clone(), path)
            } else {
                reqwest::Client::new().request(method.clone(), format!("{}{path}", app.base))
            };
            let response = request.send().await.unwrap();
            // The management API asks for its key first, in the same shape.
            let (status, code) = if !authenticated && path.starts_with("/api/v1/") {
                (401, "missing_api_key")
            } else {
                (status, code)
            };
            let got = response.status();
            let text = response.text().await.unwrap();
            assert_eq!(
                got, status,
                "{method} {path} (key: {authenticated}): {text}"
            );
            let body: Value = serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{method} {path}: the answer is not JSON"));
            assert_eq!(body["code"], code, "{method} {path}: {body}");
        }
    }
}
