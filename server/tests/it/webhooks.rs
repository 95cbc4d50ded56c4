//! Delivery feedback webhooks: signed events for sent, failed and excluded messages, retried
//! after a failed POST with the same delivery id; private targets refused unless allowed.

use crate::fake_provider::{FakeProvider, Reply};
use crate::support::{SmtpSink, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

fn recipient(email: &str) -> Value {
    json!({"type": "external", "userId": email, "namespace": "email",
           "context": {"resetUrl": "https://shop.test/r"}})
}

/// The HMAC-SHA256 the receiver recomputes, as in the API documentation.
fn expected_signature(secret: &str, timestamp: &str, body: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    hex::encode(ring::hmac::sign(
        &key,
        format!("{timestamp}.{body}").as_bytes(),
    ))
}

#[tokio::test]
async fn events_are_signed_retried_and_sent_for_each_outcome() {
    let sink = SmtpSink::start();
    let app = TestApp::start_with(
        Some(sink.url()),
        &[("HERALD_WEBHOOK_ALLOW_PRIVATE", "true")],
    )
    .await;
    let receiver = FakeProvider::start().await;
    receiver.script(
        "/hooks",
        vec![Reply::json(500, json!({})), Reply::json(204, json!({}))],
    );
    let (status, created) = app
        .send(Method::POST, "/api/v1/webhooks",
              Some(json!({"url": format!("{}/hooks", receiver.base), "events": ["sent", "failed", "excluded"]})))
        .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let (_, list) = app.send(Method::GET, "/api/v1/webhooks", None).await;
    assert!(
        !list.to_string().contains(&secret),
        "the secret is shown once"
    );

    let campaign = app.reset_campaign().await;
    let body = json!({"requestId": "hooked", "campaignId": campaign.to_string(),
                      "recipients": [recipient("ada@example.com"), recipient("reject-gone@example.com")]});
    assert_eq!(app.trigger(&body).await.0, 202);
    app.herald.drain_outbox().await.unwrap();
    // The bounced address is now suppressed: the next call's message is excluded on acceptance.
    let again = json!({"requestId": "hooked-2", "campaignId": campaign.to_string(),
                       "recipients": [recipient("reject-gone@example.com")]});
    assert_eq!(app.trigger(&again).await.0, 202);

    // First round: the receiver answers 500 to the first POST; it is retried later.
    assert_eq!(app.herald.dispatch_webhooks_due().await.unwrap(), 3);
    sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE status = 'queued'")
        .execute(app.db().await)
        .await
        .unwrap();
    assert_eq!(app.herald.dispatch_webhooks_due().await.unwrap(), 1);
    assert_eq!(app.herald.dispatch_webhooks_due().await.unwrap(), 0);

    let requests = receiver.requests();
    assert_eq!(requests.len(), 4);
    let mut by_event: Vec<(String, Value)> = Vec::new();
    for r in &requests {
        let signature = r.header("herald-signature");
        let (t, v1) = signature
            .strip_prefix("t=")
            .and_then(|s| s.split_once(",v1="))
            .unwrap_or_else(|| panic!("bad signature header {signature}"));
        assert_eq!(
            v1,
            expected_signature(&secret, t, &r.body),
            "signature verifies"
        );
        assert_eq!(r.json()["type"], r.header("herald-event"));
        by_event.push((r.header("herald-event").to_owned(), r.json()));
    }
    // The retried POST carries the same delivery id as the refused one.
    let ids: Vec<&str> = requests
        .iter()
        .map(|r| r.header("herald-delivery"))
        .collect();
    assert_eq!(ids.iter().filter(|id| **id == ids[0]).count(), 2, "{ids:?}");
    let event = |kind: &str| {
        by_event
            .iter()
            .find(|(e, _)| e == kind)
            .map(|(_, b)| b.clone())
            .unwrap()
    };
    let sent = event("sent");
    assert_eq!(sent["message"]["requestId"], "hooked");
    assert_eq!(sent["message"]["status"], "sent");
    assert_eq!(sent["sandbox"], "prod");
    let failed = event("failed");
    assert_eq!(failed["message"]["reason"], "SMTP reply 550");
    let excluded = event("excluded");
    assert_eq!(excluded["message"]["requestId"], "hooked-2");
    assert!(
        excluded["message"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("suppressed address")
    );

    // The deliveries are listed with their attempts and the receiver's last answer.
    let id = created["id"].as_str().unwrap();
    let (status, deliveries) = app
        .send(
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{deliveries}");
    let items = deliveries["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|d| d["status"] == "sent"), "{deliveries}");
    assert_eq!(items.iter().filter(|d| d["attempts"] == 2).count(), 1);

    // A rotated secret signs what comes next; the old one no longer verifies.
    let (status, rotated) = app
        .send(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    receiver.script("/hooks", vec![Reply::json(204, json!({}))]);
    let third = json!({"requestId": "hooked-3", "campaignId": campaign.to_string(),
                       "recipients": [recipient("bo@example.com")]});
    assert_eq!(app.trigger(&third).await.0, 202);
    app.herald.drain_outbox().await.unwrap();
    assert_eq!(app.herald.dispatch_webhooks_due().await.unwrap(), 1);
    let last = receiver.requests().pop().unwrap();
    let (t, v1) = last
        .header("herald-signature")
        .strip_prefix("t=")
        .and_then(|s| s.split_once(",v1="))
        .unwrap();
    assert_eq!(v1, expected_signature(new_secret, t, &last.body));
    assert_ne!(v1, expected_signature(&secret, t, &last.body));
    let (status, _) = app
        .send(Method::POST, "/api/v1/webhooks/nope/rotate-secret", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn private_targets_are_refused_unless_allowed() {
    let app = TestApp::start_with(None, &[("HERALD_ALLOW_PRIVATE_TARGETS", "false")]).await;
    for url in [
        "http://127.0.0.1:9/h",
        "https://127.0.0.1/h",
        "https://localhost/h",
        "https://10.1.2.3/h",
    ] {
        let (status, body) = app
            .send(Method::POST, "/api/v1/webhooks", Some(json!({"url": url})))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_webhook")),
            "{url}: {body}"
        );
    }
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": "https://x.example/h", "events": ["bounced"]})),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("events"))
    );
}

/// Without `HERALD_ALLOW_PRIVATE_TARGETS`, neither a webhook nor any provider URL of a surface
/// may point inside the network, in any spelling; a local listener never sees a request.
#[tokio::test]
async fn outbound_urls_to_private_targets_are_refused_everywhere() {
    let app = TestApp::start_with(None, &[("HERALD_ALLOW_PRIVATE_TARGETS", "false")]).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
        format!("[::ffff:7f00:1]:{port}"),
        format!("localhost:{port}"),
        "169.254.169.254".into(),
        "[64:ff9b::a9fe:a9fe]".into(),
        "[2002:a9fe:a9fe::]".into(),
        "[fec0::1]".into(),
        "198.18.0.1".into(),
        "240.0.0.1".into(),
    ] {
        let url = format!("http://{host}/hook");
        let (status, answer) = app
            .send(
                Method::POST,
                "/api/v1/webhooks",
                Some(json!({"url": url, "events": ["sent"]})),
            )
            .await;
        assert_eq!(status, 400, "webhook {url}: {answer}");
        let surfaces = [
            json!({"name": format!("t {host}"), "channel": "sms", "category": "transactional",
                   "settings": {"provider": "twilio", "sender": "Acme", "accountSid": "AC1",
                                "baseUrl": format!("http://{host}")},
                   "secrets": {"authToken": "t"}}),
            json!({"name": format!("w {host}"), "channel": "sms", "category": "transactional",
                   "settings": {"provider": "webhook", "sender": "Acme", "webhookUrl": url}}),
            json!({"name": format!("s {host}"), "channel": "email", "category": "transactional",
                   "settings": {"provider": "smtp", "fromAddress": "a@acme.test"},
                   "secrets": {"smtpUrl": format!("smtp://{host}")}}),
        ];
        for surface in surfaces {
            let (status, answer) = app
                .send(Method::POST, "/api/v1/surfaces", Some(surface))
                .await;
            assert_eq!(status, 400, "surface at {host}: {answer}");
            assert!(answer.to_string().contains("public address"), "{answer}");
        }
    }
    assert!(
        listener.accept().is_err(),
        "nothing connected to the local listener"
    );
}
