//! Channel surfaces through the management API: secrets are write-only and encrypted at rest,
//! campaigns may only name a surface of their sandbox, channel and category, and an email
//! campaign's messages leave with its surface's sender through its surface's relay.

use crate::support::{SmtpSink, TestApp};
use domain::campaign::CampaignInput;
use domain::channel::Category;
use domain::delivery::ReportedStatus;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use reqwest::Method;
use serde_json::{Value, json};

fn email_surface(name: &str, category: &str, smtp_url: &str) -> Value {
    json!({
        "name": name, "channel": "email", "category": category,
        "settings": {"provider": "smtp", "fromName": "Acme News", "fromAddress": "news@acme.test",
                     "replyTo": "help@acme.test"},
        "secrets": {"smtpUrl": smtp_url}
    })
}

#[tokio::test]
async fn secrets_are_write_only_and_encrypted_at_rest() {
    let app = TestApp::start(None).await;
    let url = "smtp://mailer:hunter2-secret@127.0.0.1:2525";
    let (status, created) = app
        .send(
            Method::POST,
            "/api/v1/surfaces",
            Some(email_surface("News", "marketing", url)),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert!(!created.to_string().contains("hunter2"), "{created}");
    assert_eq!(created["secretsSet"], json!(["smtpUrl"]));
    assert_eq!(created["smtpServer"], "smtp://mailer@127.0.0.1:2525");
    let id = created["id"].as_str().unwrap().to_owned();

    let stored: Vec<u8> = sqlx::query_scalar("SELECT secrets FROM surfaces WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db().await)
        .await
        .unwrap();
    assert!(!stored.windows(7).any(|w| w == b"hunter2"));

    // An edit without secrets keeps them; the list and the lookup never show them.
    let mut edit = email_surface("News letters", "marketing", "");
    edit.as_object_mut().unwrap().remove("secrets");
    let (status, edited) = app
        .send(Method::PUT, &format!("/api/v1/surfaces/{id}"), Some(edit))
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["name"], "News letters");
    assert_eq!(edited["secretsSet"], json!(["smtpUrl"]));
    let (_, list) = app.send(Method::GET, "/api/v1/surfaces", None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("hunter2"));
}

#[tokio::test]
async fn surfaces_are_validated_and_kept_in_their_sandbox() {
    let app = TestApp::start(None).await;
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/surfaces",
            Some(
                json!({"name": "Bad", "channel": "sms", "category": "transactional",
                        "settings": {"provider": "smtp", "sender": "1"}}),
            ),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "invalid_surface");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"settings.provider") && fields.contains(&"settings.sender"),
        "{body}"
    );

    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/surfaces",
            Some(email_surface("X", "marketing", "smtp://")),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_surface"))
    );

    let good = email_surface("News", "marketing", "smtp://127.0.0.1:2525");
    let (_, created) = app
        .send(Method::POST, "/api/v1/surfaces", Some(good.clone()))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, body) = app.send(Method::POST, "/api/v1/surfaces", Some(good)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("surface_exists"))
    );

    // A trigger-only key may not manage surfaces; another sandbox does not see this one.
    let trigger_key = app.key(DEFAULT_SANDBOX_ID, ApiScope::Trigger, None).await;
    let status = app
        .http
        .get(format!("{}/api/v1/surfaces", app.base))
        .bearer_auth(&trigger_key)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 403);
    let dev = app.dev_sandbox().await;
    let dev_key = app.key(&dev.id, ApiScope::Admin, None).await;
    let status = app
        .http
        .get(format!("{}/api/v1/surfaces/{id}", app.base))
        .bearer_auth(&dev_key)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);

    // A campaign takes only a surface of its channel and category; a used surface stays.
    let mut campaign = json!({"title": "Promo", "category": "transactional", "surfaceId": id,
                              "subject": "Hi", "textBody": "Hello"});
    let (status, body) = app
        .send(Method::POST, "/api/v1/campaigns", Some(campaign.clone()))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "surfaceId");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("marketing")
    );
    campaign["category"] = json!("marketing");
    let (status, body) = app
        .send(Method::POST, "/api/v1/campaigns", Some(campaign))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["surfaceName"], "News");
    let (status, body) = app
        .send(Method::DELETE, &format!("/api/v1/surfaces/{id}"), None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("surface_in_use"))
    );
}

/// A live transactional receipt campaign on `surface`, triggered for one recipient and
/// delivered.
async fn send_receipt_through(app: &TestApp, surface: &Value) {
    let input = CampaignInput {
        title: "Receipt".into(),
        category: Category::Transactional,
        surface_id: surface["id"].as_str().map(str::to_owned),
        subject: "Your receipt".into(),
        text_body: "Thanks!".into(),
        ..CampaignInput::default()
    };
    let campaign = app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await;
    let body = json!({"requestId": "r1", "campaignId": campaign.to_string(),
                      "recipients": [{"type": "external", "userId": "ada@example.com", "namespace": "email"}]});
    let (status, answer, _) = app.trigger(&body).await;
    assert_eq!(status, 202, "{answer}");
    app.herald.drain_outbox().await.unwrap();
}

#[tokio::test]
async fn an_email_campaign_sends_through_its_surface() {
    let sink = SmtpSink::start();
    // No default relay: without the surface, nothing would reach the sink.
    let app = TestApp::start(None).await;
    let (status, surface) = app
        .send(
            Method::POST,
            "/api/v1/surfaces",
            Some(email_surface("Receipts", "transactional", &sink.url())),
        )
        .await;
    assert_eq!(status, 201, "{surface}");
    send_receipt_through(&app, &surface).await;
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    assert!(
        received[0].contains("From: \"Acme News\" <news@acme.test>")
            || received[0].contains("From: Acme News <news@acme.test>"),
        "{}",
        received[0]
    );
    assert!(
        received[0].contains("Reply-To: help@acme.test"),
        "{}",
        received[0]
    );
    let messages = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 5)
        .await
        .unwrap();
    assert_eq!(
        (messages[0].status.as_str(), messages[0].provider.as_deref()),
        ("sent", Some("smtp"))
    );
}

/// A stored token never follows a changed URL or provider: the edit is refused unless the token
/// is sent again, and a listener at the new URL never sees the old one.
#[tokio::test]
async fn a_stored_secret_is_not_sent_to_a_destination_it_was_not_entered_for() {
    let app = TestApp::start(None).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let evil = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let recorded = seen.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 65536];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            recorded
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .await;
        }
    });
    let twilio = |base_url: &str, token: Option<&str>| {
        let mut body = json!({
            "name": "Texts", "channel": "sms", "category": "transactional",
            "settings": {"provider": "twilio", "sender": "Acme", "accountSid": "AC123",
                         "baseUrl": base_url}
        });
        if let Some(token) = token {
            body["secrets"] = json!({"authToken": token});
        }
        body
    };
    let (status, created) = app
        .send(
            Method::POST,
            "/api/v1/surfaces",
            Some(twilio("https://api.twilio.com", Some("stored-token-4711"))),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/surfaces/{id}");

    // A new base URL without the token again: refused, naming the secret.
    let (status, refused) = app
        .send(Method::PUT, &path, Some(twilio(&evil, None)))
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["code"], "secret_required");
    assert_eq!(refused["errors"][0]["field"], "secrets.authToken");
    // Switching to the webhook provider without it: refused too.
    let mut webhook = twilio("", None);
    webhook["settings"] = json!({"provider": "webhook", "sender": "Acme", "webhookUrl": evil});
    let (status, refused) = app.send(Method::PUT, &path, Some(webhook.clone())).await;
    assert_eq!(status, 400, "{refused}");
    // The same destination keeps the token; a new one with the token sent again is accepted.
    let (status, _) = app
        .send(
            Method::PUT,
            &path,
            Some(twilio("https://api.twilio.com/", None)),
        )
        .await;
    assert_eq!(status, 200);
    webhook["secrets"] = json!({"authToken": "new-gateway-token"});
    let (status, saved) = app.send(Method::PUT, &path, Some(webhook)).await;
    assert_eq!(status, 200, "{saved}");

    // What reaches the new destination carries the new token only.
    let campaign = app
        .campaign_in(
            DEFAULT_SANDBOX_ID,
            CampaignInput {
                title: "Code".into(),
                channel: domain::channel::Channel::Sms,
                namespace: "phone".into(),
                text_body: "Your code".into(),
                surface_id: Some(id.clone()),
                category: Category::Transactional,
                ..CampaignInput::default()
            },
            true,
        )
        .await;
    let (status, _, _) = app
        .trigger(
            &json!({"requestId": "t1", "campaignId": campaign, "recipients": [
            {"type": "external", "userId": "+14155550123", "namespace": "phone"}]}),
        )
        .await;
    assert_eq!(status, 202);
    app.herald.drain_outbox().await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains("new-gateway-token"));
    assert!(seen.iter().all(|r| !r.contains("stored-token-4711")));
}

/// Credentials in an `smtp://` URL are never sent in clear: without `tls=`, STARTTLS is
/// required, so a relay that does not offer it gets no AUTH and no message.
#[tokio::test]
async fn smtp_credentials_require_starttls_unless_the_url_opts_out() {
    let sink = SmtpSink::start(); // offers no STARTTLS
    let app = TestApp::start(None).await;
    let with_user = sink.url().replace("smtp://", "smtp://mailer:hunter2@");
    let (status, surface) = app
        .send(
            Method::POST,
            "/api/v1/surfaces",
            Some(email_surface("Receipts", "transactional", &with_user)),
        )
        .await;
    assert_eq!(status, 201, "{surface}");
    send_receipt_through(&app, &surface).await;
    assert!(sink.messages().is_empty(), "nothing was sent without TLS");
    let messages = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 5)
        .await
        .unwrap();
    assert_eq!(
        messages[0].status,
        ReportedStatus::Queued,
        "retried later, not sent in clear"
    );
    let (_, attempts) = app
        .herald
        .message(DEFAULT_SANDBOX_ID, &messages[0].id)
        .await
        .unwrap();
    let detail = attempts[0].detail.clone().unwrap_or_default();
    assert!(
        detail.contains("offers no STARTTLS"),
        "STARTTLS was required before AUTH: {detail}"
    );
}
