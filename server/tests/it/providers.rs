//! SMS and push providers against local stand-ins: what Herald sends them, and what each class
//! of answer does to the message (sent, retried after `Retry-After`, failed, token suppressed).

use crate::fake_provider::{FakeProvider, Reply};
use crate::support::{TestApp, forged};
use domain::campaign::CampaignInput;
use domain::channel::Channel;
use domain::content::PushOptions;
use domain::delivery::ReportedStatus;
use domain::ids::CampaignId;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use domain::views::MessageView;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use serde_json::{Value, json};

const FCM_KEY: &str = include_str!("keys/fcm_test.pem");
const FCM_PUBLIC: &str = include_str!("keys/fcm_test.pub.pem");
const APNS_KEY: &str = include_str!("keys/apns_test.p8");
const APNS_PUBLIC: &str = include_str!("keys/apns_test.pub.pem");
const TOKEN: &str = "device-token-0123456789abcdef";

async fn surface(app: &TestApp, body: Value) -> String {
    let (status, created) = app.send(Method::POST, "/api/v1/surfaces", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

async fn campaign(app: &TestApp, channel: Channel, surface_id: &str) -> CampaignId {
    let input = CampaignInput {
        title: format!("{} via provider", channel.as_str()),
        namespace: if channel == Channel::Sms {
            "phone"
        } else {
            "ecid"
        }
        .into(),
        channel,
        surface_id: Some(surface_id.into()),
        subject: if channel == Channel::Push {
            "Order shipped".into()
        } else {
            String::new()
        },
        text_body: "Order {{context.orderId}} ships today.".into(),
        push: PushOptions {
            link: (channel == Channel::Push).then(|| "shop://orders/7".into()),
            ..PushOptions::default()
        },
        ..CampaignInput::default()
    };
    app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await
}

/// Triggers one message to `user` and runs one delivery round; returns the message.
async fn send_one(app: &TestApp, campaign: CampaignId, recipient: Value) -> MessageView {
    let body = json!({"requestId": domain::ids::ExecutionId::new().to_string(),
                      "campaignId": campaign.to_string(), "recipients": [recipient]});
    let (status, answer, _) = app.trigger(&body).await;
    assert_eq!(status, 202, "{answer}");
    app.herald.deliver_due().await.unwrap();
    let messages = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 50)
        .await
        .unwrap();
    messages
        .into_iter()
        .find(|m| m.execution_id == answer["executionId"].as_str().unwrap())
        .unwrap()
}

fn phone(number: &str) -> Value {
    json!({"type": "external", "userId": number, "namespace": "phone", "context": {"orderId": "A7"}})
}

fn device() -> Value {
    json!({"type": "external", "userId": "device-1", "namespace": "ecid", "context": {"orderId": "A7"},
           "channelData": {"pushInfo": {"appID": "com.acme.shop", "platform": "ios", "token": TOKEN}}})
}

#[tokio::test]
async fn twilio_gets_a_basic_auth_form_post_and_its_answers_are_classified() {
    let app = TestApp::start(None).await;
    let twilio = FakeProvider::start().await;
    twilio.script(
        "/Messages.json",
        vec![
            Reply::json(201, json!({"sid": "SM123"})),
            Reply::json(201, json!({"sid": "SM124"})),
            Reply::json(429, json!({"code": 20429})).header("retry-after", "120"),
            Reply::json(
                400,
                json!({"code": 21211, "message": "The 'To' number +15550000000 is not valid"}),
            ),
        ],
    );
    let id = surface(
        &app,
        json!({"name": "Alerts", "channel": "sms", "category": "transactional",
               "settings": {"provider": "twilio", "sender": "ACME", "accountSid": "AC42", "baseUrl": twilio.base},
               "secrets": {"authToken": "tw-secret"}}),
    )
    .await;
    let c = campaign(&app, Channel::Sms, &id).await;

    let sent = send_one(&app, c, phone("+15551234567")).await;
    assert_eq!(
        (sent.status.as_str(), sent.provider.as_deref()),
        ("sent", Some("twilio"))
    );
    let request = &twilio.requests()[0];
    assert_eq!(request.path, "/2010-04-01/Accounts/AC42/Messages.json");
    // Basic base64("AC42:tw-secret")
    assert_eq!(
        request.header("authorization"),
        "Basic QUM0Mjp0dy1zZWNyZXQ="
    );
    let form = request.form();
    assert_eq!(form["To"], "+15551234567");
    assert_eq!(form["From"], "ACME");
    assert_eq!(form["Body"], "Order A7 ships today.");
    let (_, attempts) = app
        .herald
        .message(DEFAULT_SANDBOX_ID, &sent.id)
        .await
        .unwrap();
    assert_eq!(attempts[0].detail.as_deref(), Some("SM123"));

    // Twilio reports delivery to the message's own signed callback URL.
    let callback = form["StatusCallback"].clone();
    assert!(callback.starts_with(&format!("{}/hooks/twilio/", app.base)));
    let report = |url: String, status: &'static str| {
        app.http
            .post(url)
            .form(&[("MessageSid", "SM123"), ("MessageStatus", status)])
            .send()
    };
    assert_eq!(
        report(callback.clone(), "sent").await.unwrap().status(),
        204
    );
    assert_eq!(
        report(callback.clone(), "delivered")
            .await
            .unwrap()
            .status(),
        204
    );
    let (delivered, _) = app
        .herald
        .message(DEFAULT_SANDBOX_ID, &sent.id)
        .await
        .unwrap();
    assert_eq!(delivered.status, ReportedStatus::Delivered);
    assert_eq!(
        report(forged(&callback), "undelivered")
            .await
            .unwrap()
            .status(),
        404
    );

    // A receipt that says undelivered fails a sent message, and the explorer finds it by reason.
    let lost = send_one(&app, c, phone("+15551234569")).await;
    let lost_callback = twilio.requests().last().unwrap().form()["StatusCallback"].clone();
    assert_eq!(
        report(lost_callback, "undelivered").await.unwrap().status(),
        204
    );
    let (status, found) = app
        .send(Method::GET, "/api/v1/messages?reason=undelivered", None)
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["items"][0]["id"], lost.id.as_str(), "{found}");
    assert_eq!(found["total"], 1, "{found}");

    // 429: retried, not before Retry-After.
    let before = backend::clock::now_ms();
    let throttled = send_one(&app, c, phone("+15551234568")).await;
    assert_eq!(throttled.status, ReportedStatus::Queued);
    let next: i64 = sqlx::query_scalar("SELECT next_attempt_at FROM messages WHERE id = $1")
        .bind(&throttled.id)
        .fetch_one(app.db().await)
        .await
        .unwrap();
    assert!(next >= before + 120_000, "retry in {} ms", next - before);

    // Another 4xx: failed for good, with Twilio's code and without the number it quoted.
    let refused = send_one(&app, c, phone("+15550000000")).await;
    assert_eq!(refused.status, ReportedStatus::Failed);
    assert_eq!(
        refused.status_reason.as_deref(),
        Some("Twilio HTTP 400 (21211)")
    );
}

#[tokio::test]
async fn a_json_webhook_gateway_gets_the_message_with_its_bearer_token() {
    let app = TestApp::start(None).await;
    let gateway = FakeProvider::start().await;
    gateway.script(
        "/sms",
        vec![
            Reply::json(502, json!({})),
            Reply::json(200, json!({"id": "gw-1"})),
        ],
    );
    let id = surface(
        &app,
        json!({"name": "Own gateway", "channel": "sms", "category": "transactional",
               "settings": {"provider": "webhook", "sender": "+15557654321", "webhookUrl": format!("{}/sms", gateway.base)},
               "secrets": {"authToken": "gw-token"}}),
    )
    .await;
    let c = campaign(&app, Channel::Sms, &id).await;
    let first = send_one(&app, c, phone("+15551234567")).await;
    assert_eq!(first.status, ReportedStatus::Queued, "a 502 is retried");
    sqlx::query("UPDATE messages SET next_attempt_at = 0 WHERE id = $1")
        .bind(&first.id)
        .execute(app.db().await)
        .await
        .unwrap();
    app.herald.drain_outbox().await.unwrap();
    let (message, attempts) = app
        .herald
        .message(DEFAULT_SANDBOX_ID, &first.id)
        .await
        .unwrap();
    assert_eq!(message.status, ReportedStatus::Sent);
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].detail.as_deref(), Some("SMS webhook HTTP 502"));
    let requests = gateway.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("authorization"), "Bearer gw-token");
    let body = requests[1].json();
    assert_eq!(
        body,
        json!({"messageId": first.id, "to": "+15551234567", "from": "+15557654321",
                            "text": "Order A7 ships today."})
    );
    assert_eq!(
        requests[0].json()["messageId"],
        requests[1].json()["messageId"]
    );
}

#[tokio::test]
async fn fcm_signs_in_with_the_service_account_and_an_unregistered_token_is_suppressed() {
    let app = TestApp::start(None).await;
    let fcm = FakeProvider::start().await;
    fcm.script(
        "/token",
        vec![Reply::json(
            200,
            json!({"access_token": "ya29.test", "expires_in": 3600}),
        )],
    );
    fcm.script(
        "messages:send",
        vec![
            Reply::json(200, json!({"name": "projects/shop/messages/1"})),
            Reply::json(404, json!({"error": {"status": "NOT_FOUND",
                "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}})),
        ],
    );
    let account = json!({"type": "service_account", "project_id": "shop", "client_email": "herald@shop.iam.example",
                         "private_key": FCM_KEY, "token_uri": format!("{}/token", fcm.base)});
    let id = surface(
        &app,
        json!({"name": "Shop app", "channel": "push", "category": "transactional",
               "settings": {"provider": "fcm", "appId": "com.acme.shop", "platform": "android", "apiBase": fcm.base},
               "secrets": {"serviceAccount": account.to_string()}}),
    )
    .await;
    let c = campaign(&app, Channel::Push, &id).await;
    let sent = send_one(&app, c, device()).await;
    assert_eq!(
        (sent.status.as_str(), sent.provider.as_deref()),
        ("sent", Some("fcm"))
    );

    // The token request carries a JWT signed with the service account's key, for FCM's scope.
    let token_requests = fcm.requests_to("/token");
    let form = token_requests[0].form();
    assert_eq!(
        form["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[format!("{}/token", fcm.base)]);
    let claims = jsonwebtoken::decode::<Value>(
        &form["assertion"],
        &DecodingKey::from_rsa_pem(FCM_PUBLIC.as_bytes()).unwrap(),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["iss"], "herald@shop.iam.example");
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/firebase.messaging"
    );

    let send = &fcm.requests_to("messages:send")[0];
    assert_eq!(send.path, "/v1/projects/shop/messages:send");
    assert_eq!(send.header("authorization"), "Bearer ya29.test");
    let message = &send.json()["message"];
    assert_eq!(message["token"], TOKEN);
    assert_eq!(
        message["notification"],
        json!({"title": "Order shipped", "body": "Order A7 ships today."})
    );
    assert_eq!(message["data"]["link"], "shop://orders/7");

    // UNREGISTERED: failed, the token suppressed, and the access token was reused.
    let gone = send_one(&app, c, device()).await;
    assert_eq!(gone.status, ReportedStatus::Failed);
    assert_eq!(
        gone.status_reason.as_deref(),
        Some("FCM HTTP 404 (UNREGISTERED)")
    );
    assert_eq!(fcm.requests_to("/token").len(), 1);
    let later = send_one(&app, c, device()).await;
    assert_eq!(later.status, ReportedStatus::Excluded);
    assert!(
        later
            .status_reason
            .unwrap()
            .contains("invalid device token")
    );
    assert_eq!(fcm.requests_to("messages:send").len(), 2);
}

#[tokio::test]
async fn apns_gets_an_http2_request_with_a_signed_provider_token_and_410_suppresses() {
    let app = TestApp::start(None).await;
    let apns = FakeProvider::start().await;
    apns.script(
        "/3/device/",
        vec![
            Reply::json(200, json!({})),
            Reply::json(410, json!({"reason": "Unregistered"})),
        ],
    );
    let id = surface(
        &app,
        json!({"name": "iOS app", "channel": "push", "category": "transactional",
               "settings": {"provider": "apns", "appId": "com.acme.shop", "platform": "ios",
                            "teamId": "TEAM123456", "keyId": "KEY1234567", "baseUrl": apns.base},
               "secrets": {"privateKey": APNS_KEY}}),
    )
    .await;
    let c = campaign(&app, Channel::Push, &id).await;
    let sent = send_one(&app, c, device()).await;
    assert_eq!(
        (sent.status.as_str(), sent.provider.as_deref()),
        ("sent", Some("apns"))
    );
    let request = &apns.requests()[0];
    assert_eq!(request.version, axum::http::Version::HTTP_2);
    assert_eq!(request.path, format!("/3/device/{TOKEN}"));
    assert_eq!(request.header("apns-topic"), "com.acme.shop");
    assert_eq!(request.header("apns-push-type"), "alert");
    assert_eq!(request.header("apns-id"), sent.id);
    let jwt = request
        .header("authorization")
        .strip_prefix("bearer ")
        .or_else(|| request.header("authorization").strip_prefix("Bearer "))
        .unwrap();
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.kid.as_deref(), Some("KEY1234567"));
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(
        jwt,
        &DecodingKey::from_ec_pem(APNS_PUBLIC.as_bytes()).unwrap(),
        &validation,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["iss"], "TEAM123456");
    let body = request.json();
    assert_eq!(
        body["aps"]["alert"],
        json!({"title": "Order shipped", "body": "Order A7 ships today."})
    );
    assert_eq!(body["link"], "shop://orders/7");

    let gone = send_one(&app, c, device()).await;
    assert_eq!(gone.status, ReportedStatus::Failed);
    assert_eq!(
        gone.status_reason.as_deref(),
        Some("APNs HTTP 410 (Unregistered)")
    );
    let later = send_one(&app, c, device()).await;
    assert_eq!(later.status, ReportedStatus::Excluded);
}

#[tokio::test]
async fn a_surface_with_an_unusable_key_is_refused() {
    let app = TestApp::start(None).await;
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/surfaces",
            Some(json!({"name": "iOS", "channel": "push", "category": "transactional",
                   "settings": {"provider": "apns", "appId": "com.acme", "platform": "ios",
                                "teamId": "TEAM123456", "keyId": "KEY1234567"},
                   "secrets": {"privateKey": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"}})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "secrets.privateKey");
}

fn webhook_surface(name: &str, url: &str, backup: Option<&str>) -> Value {
    json!({"name": name, "channel": "sms", "category": "transactional",
           "settings": {"provider": "webhook", "sender": "ACME", "webhookUrl": url,
                        "backupSurfaceId": backup.unwrap_or("")}})
}

/// Makes every queued message due now and runs a round.
async fn retry_now(app: &TestApp) {
    sqlx::query("UPDATE messages SET next_attempt_at = 0 WHERE status = 'queued'")
        .execute(app.db().await)
        .await
        .unwrap();
    app.herald.deliver_due().await.unwrap();
}

#[tokio::test]
async fn a_surface_whose_provider_is_down_fails_over_to_its_backup() {
    let app = TestApp::start(None).await;
    let backup = FakeProvider::start().await;
    backup.script("/sms", vec![Reply::json(200, json!({"id": "backup-1"}))]);
    let primary = FakeProvider::start().await;
    primary.script(
        "/sms",
        vec![Reply::json(503, json!({})), Reply::json(400, json!({}))],
    );
    let backup_id = surface(
        &app,
        webhook_surface("Backup", &format!("{}/sms", backup.base), None),
    )
    .await;
    // A closed port: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead_id = surface(
        &app,
        webhook_surface("Dead", &format!("http://{closed}/sms"), Some(&backup_id)),
    )
    .await;
    let flaky_id = surface(
        &app,
        webhook_surface("Flaky", &format!("{}/sms", primary.base), Some(&backup_id)),
    )
    .await;

    let refused = send_one(
        &app,
        campaign(&app, Channel::Sms, &dead_id).await,
        phone("+15551234567"),
    )
    .await;
    assert_eq!(refused.status, ReportedStatus::Sent);
    let (_, attempts) = app
        .herald
        .message(DEFAULT_SANDBOX_ID, &refused.id)
        .await
        .unwrap();
    assert_eq!(
        attempts[0].detail.as_deref(),
        Some("backup-1 (failover from webhook: SMS webhook connection failed)")
    );

    let flaky = campaign(&app, Channel::Sms, &flaky_id).await;
    let failed_over = send_one(&app, flaky, phone("+15551234568")).await;
    assert_eq!(failed_over.status, ReportedStatus::Sent);
    // A 4xx is the message's problem, not the provider's: no failover.
    let refused = send_one(&app, flaky, phone("+15551234569")).await;
    assert_eq!(refused.status, ReportedStatus::Failed);
    assert_eq!(backup.requests().len(), 2);

    // A surface cannot back itself up, nor be backed up by another channel's surface.
    let (status, body) = app
        .send(
            Method::PUT,
            &format!("/api/v1/surfaces/{backup_id}"),
            Some(webhook_surface(
                "Backup",
                &format!("{}/sms", backup.base),
                Some(&backup_id),
            )),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("settings.backupSurfaceId"))
    );
}

#[tokio::test]
async fn transient_failures_stop_at_the_channels_attempt_limit() {
    let app = TestApp::start_with(None, &[("HERALD_RETRY_SMS_MAX_ATTEMPTS", "2")]).await;
    let gateway = FakeProvider::start().await;
    gateway.script("/sms", vec![Reply::json(503, json!({}))]);
    let id = surface(
        &app,
        webhook_surface("Down", &format!("{}/sms", gateway.base), None),
    )
    .await;
    let first = send_one(
        &app,
        campaign(&app, Channel::Sms, &id).await,
        phone("+15551234567"),
    )
    .await;
    assert_eq!(first.status, ReportedStatus::Queued);
    retry_now(&app).await;
    let (message, attempts) = app
        .herald
        .message(DEFAULT_SANDBOX_ID, &first.id)
        .await
        .unwrap();
    assert_eq!(message.status, ReportedStatus::Failed);
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        message.status_reason.as_deref(),
        Some("SMS webhook HTTP 503 (gave up after 2 attempts)")
    );
}

/// A gateway that answers with a redirect does not get the message re-sent elsewhere, and the
/// bearer token never reaches the redirect's target.
#[tokio::test]
async fn provider_redirects_are_not_followed() {
    let app = TestApp::start(None).await;
    let gateway = FakeProvider::start().await;
    let elsewhere = FakeProvider::start().await;
    gateway.script(
        "/sms",
        vec![Reply::json(307, json!({})).header("location", &format!("{}/steal", elsewhere.base))],
    );
    let id = surface(
        &app,
        json!({"name": "Own gateway", "channel": "sms", "category": "transactional",
               "settings": {"provider": "webhook", "sender": "+15557654321", "webhookUrl": format!("{}/sms", gateway.base)},
               "secrets": {"authToken": "gw-token"}}),
    )
    .await;
    let c = campaign(&app, Channel::Sms, &id).await;
    let sent = send_one(&app, c, phone("+15551234567")).await;
    assert_eq!(
        sent.status,
        ReportedStatus::Failed,
        "a redirect is an answer, not a detour"
    );
    assert_eq!(gateway.requests().len(), 1);
    assert!(
        elsewhere.requests().is_empty(),
        "nothing went to the redirect's target"
    );
}

/// "Verify" connects to each provider as a send would and reports its answer; nothing is sent.
#[tokio::test]
async fn verify_reports_what_each_provider_answered() {
    let sink = crate::support::SmtpSink::start();
    let app = TestApp::start(None).await;
    let me = app.caller().await;
    let check = |id: String| {
        let app = &app;
        let me = me.clone();
        async move { app.herald.verify_surface(&me, &id).await.unwrap() }
    };
    let smtp = |name: &str, url: &str| {
        json!({"name": name, "channel": "email", "category": "transactional",
               "settings": {"provider": "smtp", "fromName": "Shop", "fromAddress": "shop@example.org"},
               "secrets": {"smtpUrl": url}})
    };

    let relay = surface(&app, smtp("Relay", &sink.url())).await;
    let ok = check(relay).await;
    assert!(ok.ok, "{ok:?}");
    assert!(
        ok.answer.contains("accepted the connection in clear"),
        "{}",
        ok.answer
    );
    assert!(sink.messages().is_empty(), "nothing is sent");
    let dead = surface(&app, smtp("Dead relay", "smtp://127.0.0.1:1")).await;
    let refused = check(dead).await;
    assert!(!refused.ok);
    assert!(
        refused.answer.starts_with("127.0.0.1:1: "),
        "{}",
        refused.answer
    );

    let twilio = FakeProvider::start().await;
    twilio.script(
        "/Accounts/AC42.json",
        vec![
            Reply::json(200, json!({"friendly_name": "Acme", "status": "active"})),
            Reply::json(401, json!({"code": 20003, "message": "Authenticate"})),
        ],
    );
    let sms = surface(
        &app,
        json!({"name": "Alerts", "channel": "sms", "category": "transactional",
               "settings": {"provider": "twilio", "sender": "ACME", "accountSid": "AC42", "baseUrl": twilio.base},
               "secrets": {"authToken": "tw-secret"}}),
    )
    .await;
    let ok = check(sms.clone()).await;
    assert_eq!(
        ok.answer,
        "Twilio accepted the credentials of account AC42 (\"Acme\", active)."
    );
    let refused = check(sms).await;
    assert_eq!(
        (refused.ok, refused.answer.as_str()),
        (false, "Twilio HTTP 401 (20003)")
    );
    assert!(twilio.requests_to("Messages").is_empty(), "nothing is sent");

    let fcm = FakeProvider::start().await;
    fcm.script(
        "/token",
        vec![Reply::json(
            200,
            json!({"access_token": "ya29.test", "expires_in": 3600}),
        )],
    );
    let account = json!({"type": "service_account", "project_id": "shop", "client_email": "herald@shop.iam.example",
                         "private_key": FCM_KEY, "token_uri": format!("{}/token", fcm.base)});
    let android = surface(
        &app,
        json!({"name": "Shop app", "channel": "push", "category": "transactional",
               "settings": {"provider": "fcm", "appId": "com.acme.shop", "platform": "android", "apiBase": fcm.base},
               "secrets": {"serviceAccount": account.to_string()}}),
    )
    .await;
    let ok = check(android).await;
    assert_eq!(
        ok.answer,
        "Google issued an access token to herald@shop.iam.example for project shop."
    );
    assert!(
        fcm.requests_to("messages:send").is_empty(),
        "nothing is sent"
    );

    let apns = FakeProvider::start().await;
    apns.script(
        "/3/device/",
        vec![
            Reply::json(400, json!({"reason": "BadDeviceToken"})),
            Reply::json(403, json!({"reason": "InvalidProviderToken"})),
        ],
    );
    let ios = surface(
        &app,
        json!({"name": "iOS app", "channel": "push", "category": "transactional",
               "settings": {"provider": "apns", "appId": "com.acme.shop", "platform": "ios",
                            "teamId": "TEAM123456", "keyId": "KEY1234567", "baseUrl": apns.base},
               "secrets": {"privateKey": APNS_KEY}}),
    )
    .await;
    let ok = check(ios.clone()).await;
    assert!(
        ok.ok
            && ok
                .answer
                .starts_with("APNs accepted the key for topic com.acme.shop"),
        "{ok:?}"
    );
    let refused = check(ios).await;
    assert_eq!(refused.answer, "APNs HTTP 403 (InvalidProviderToken)");

    let capture = surface(
        &app,
        json!({"name": "Kept", "channel": "sms", "category": "transactional",
               "settings": {"provider": "capture", "sender": "ACME"}}),
    )
    .await;
    assert!(
        check(capture.clone())
            .await
            .answer
            .starts_with("Nothing to connect to")
    );
    // The same check over the management API.
    let (status, answer) = app
        .send(
            Method::POST,
            &format!("/api/v1/surfaces/{capture}/verify"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (answer["ok"].clone(), answer["provider"].clone()),
        (json!(true), json!("capture"))
    );
}
