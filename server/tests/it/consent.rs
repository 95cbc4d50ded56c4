//! Consent: the one-click unsubscribe link of marketing email (headers, page, POST), opt-outs
//! and profile consent honoured by marketing campaigns and not by transactional ones.

use crate::support::{SmtpSink, TestApp, forged};
use domain::campaign::CampaignInput;
use domain::channel::Category;
use domain::ids::CampaignId;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use reqwest::Method;
use serde_json::{Value, json};

async fn campaign(app: &TestApp, category: Category) -> CampaignId {
    let input = CampaignInput {
        title: format!("{} news", category.as_str()),
        category,
        subject: "News".into(),
        html_body: "<p>Hello</p><a href=\"{{unsubscribeUrl}}\">Unsubscribe</a>".into(),
        text_body: "Hello. Unsubscribe: {{unsubscribeUrl}}".into(),
        ..CampaignInput::default()
    };
    app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await
}

/// Triggers one message to `user` and delivers; returns (status, reason).
async fn send(app: &TestApp, campaign: CampaignId, recipient: Value) -> (String, Option<String>) {
    let body = json!({"requestId": domain::ids::ExecutionId::new().to_string(),
                      "campaignId": campaign.to_string(), "recipients": [recipient]});
    let (status, answer, _) = app.trigger(&body).await;
    assert_eq!(status, 202, "{answer}");
    app.herald.drain_outbox().await.unwrap();
    let m = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.execution_id == answer["executionId"].as_str().unwrap())
        .unwrap();
    (m.status.to_string(), m.status_reason)
}

/// The reason codes of the excluded messages, as the explorer's `reason` filter reads them.
async fn exclusion_codes(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT reason_code FROM messages WHERE status = 'excluded'")
        .fetch_all(app.db().await)
        .await
        .unwrap()
}

fn external(email: &str) -> Value {
    json!({"type": "external", "userId": email, "namespace": "email"})
}

#[tokio::test]
async fn one_click_unsubscribe_stops_marketing_but_not_transactional_email() {
    let sink = SmtpSink::start();
    let app = TestApp::start(Some(sink.url())).await;
    let marketing = campaign(&app, Category::Marketing).await;
    let transactional = campaign(&app, Category::Transactional).await;

    assert_eq!(
        send(&app, marketing, external("jane@example.com")).await.0,
        "sent"
    );
    let email = &sink.messages()[0];
    let link = email
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: <"))
        .and_then(|l| l.strip_suffix('>'))
        .unwrap_or_else(|| panic!("no List-Unsubscribe header:\n{email}"))
        .to_owned();
    assert!(link.starts_with(&format!("{}/u/", app.base)));
    assert!(email.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert!(email.contains(&link), "the body offers the same link");

    // Transactional email carries no unsubscribe header.
    assert_eq!(
        send(&app, transactional, external("jane@example.com"))
            .await
            .0,
        "sent"
    );
    assert!(!sink.messages()[1].contains("List-Unsubscribe"));

    // The GET shows a page and changes nothing; a forged token is unknown.
    let http = reqwest::Client::new();
    let page = http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(
        text.contains("j…@example.com") && !text.contains("jane@"),
        "{text}"
    );
    assert_eq!(app.count("opt_outs").await, 0);
    assert_eq!(http.post(forged(&link)).send().await.unwrap().status(), 404);

    // RFC 8058: the mail client's POST, from another site, without cookies.
    let done = http
        .post(&link)
        .header("origin", "https://mail.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(
        http.post(&link).send().await.unwrap().status(),
        200,
        "idempotent"
    );
    assert_eq!(app.count("opt_outs").await, 1);

    assert_eq!(
        send(&app, marketing, external("jane@example.com")).await,
        (
            "excluded".into(),
            Some("opted out of marketing email".into())
        )
    );
    assert_eq!(
        send(&app, transactional, external("jane@example.com"))
            .await
            .0,
        "sent"
    );
    assert_eq!(
        send(&app, marketing, external("joe@example.com")).await.0,
        "sent"
    );
    assert_eq!(exclusion_codes(&app).await, ["opted_out"]);

    // The opt-out is listed; lifting it is audited without the address; marketing reaches it again.
    let (_, list) = app.send(Method::GET, "/api/v1/opt-outs", None).await;
    assert_eq!(list["items"][0]["address"], "jane@example.com");
    assert_eq!(list["items"][0]["source"], "unsubscribe_link");
    let path = "/api/v1/opt-outs/email/jane@example.com";
    assert_eq!(app.send(Method::DELETE, path, None).await.0, 204);
    assert_eq!(app.send(Method::DELETE, path, None).await.0, 404);
    let audit: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, subject, detail FROM audit_events WHERE action NOT LIKE 'API key%'",
    )
    .fetch_all(app.db().await)
    .await
    .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].0.as_str(), audit[0].1.as_str()),
        ("opt_out_lifted", "email")
    );
    assert!(audit[0].2.starts_with("address sha256:") && !audit[0].2.contains("jane"));
    assert_eq!(
        send(&app, marketing, external("jane@example.com")).await.0,
        "sent"
    );
}

#[tokio::test]
async fn a_profile_without_marketing_consent_gets_only_transactional_messages() {
    let app = TestApp::start(None).await;
    let marketing = campaign(&app, Category::Marketing).await;
    let transactional = campaign(&app, Category::Transactional).await;
    let attributes = json!({"consents": {"marketing": {"email": {"val": "n"}}}});
    app.herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("email", "ann@example.com"),
            &[],
            attributes.as_object().unwrap(),
        )
        .await
        .unwrap();
    let aep = json!({"type": "aep", "userId": "ann@example.com", "namespace": "email"});
    assert_eq!(
        send(&app, marketing, aep.clone()).await,
        (
            "excluded".into(),
            Some("no marketing consent (consents.marketing.email.val is n)".into())
        )
    );
    assert_eq!(send(&app, transactional, aep).await.0, "sent");
    assert_eq!(exclusion_codes(&app).await, ["no_consent"]);
}
