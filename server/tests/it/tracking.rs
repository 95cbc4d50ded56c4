//! Engagement tracking: links through Herald that only ever redirect to the stored URL, the
//! open pixel, counts on the message, and the opened/clicked webhook events.

use crate::support::{TestApp, forged};
use domain::campaign::CampaignInput;
use domain::channel::{Category, Channel};
use domain::tenancy::DEFAULT_SANDBOX_ID;
use domain::views::MessageView;
use reqwest::Method;
use serde_json::json;

async fn one_message(app: &TestApp, input: CampaignInput, user: &str, ns: &str) -> MessageView {
    let campaign = app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await;
    let body = json!({"requestId": format!("t-{user}"), "campaignId": campaign.to_string(),
                      "recipients": [{"type": "external", "userId": user, "namespace": ns}]});
    assert_eq!(app.trigger(&body).await.0, 202);
    app.herald.drain_outbox().await.unwrap();
    app.herald
        .recent_messages(DEFAULT_SANDBOX_ID, 1)
        .await
        .unwrap()
        .remove(0)
}

fn tracked_link(text: &str, base: &str) -> String {
    let start = text.find(&format!("{base}/l/")).expect("a tracked link");
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/:.".contains(*c))
        .collect()
}

#[tokio::test]
async fn tracked_email_links_redirect_only_to_their_url_and_opens_are_counted() {
    let app = TestApp::start_with(None, &[("HERALD_WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    let (status, _) = app
        .send(
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": "http://127.0.0.1:9/h", "events": ["opened", "clicked"]})),
        )
        .await;
    assert_eq!(status, 201);
    let input = CampaignInput {
        title: "Tracked".into(),
        category: Category::Marketing,
        tracking: true,
        subject: "Sale".into(),
        html_body: "<html><body><a href=\"https://shop.test/p?a=1&amp;b=2\">Shop</a> \
                    <a href=\"{{unsubscribeUrl}}\">Unsubscribe</a></body></html>"
            .into(),
        text_body: "Shop: https://shop.test/t".into(),
        ..CampaignInput::default()
    };
    let m = one_message(&app, input, "ada@example.com", "email").await;
    assert!(!m.html_body.contains("shop.test"), "{}", m.html_body);
    assert!(
        m.html_body.contains(&format!("{}/u/", app.base)),
        "the unsubscribe link stays"
    );
    assert!(m.html_body.contains(&format!("<img src=\"{}/o/", app.base)));
    assert!(!m.text_body.contains("shop.test"), "{}", m.text_body);

    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link = tracked_link(&m.html_body, &app.base);
    let click = no_redirects.get(&link).send().await.unwrap();
    assert_eq!(click.status(), 303);
    assert_eq!(click.headers()["location"], "https://shop.test/p?a=1&b=2");
    let unknown = format!("{}/l/notALinkId123456", app.base);
    assert_eq!(
        no_redirects.get(&unknown).send().await.unwrap().status(),
        404
    );

    let pixel_start = m.html_body.find(&format!("{}/o/", app.base)).unwrap();
    let pixel: String = m.html_body[pixel_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    for _ in 0..2 {
        let open = no_redirects.get(&pixel).send().await.unwrap();
        assert_eq!(open.headers()["content-type"], "image/gif");
    }
    assert_eq!(
        no_redirects
            .get(forged(&pixel))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let (message, _) = app.herald.message(DEFAULT_SANDBOX_ID, &m.id).await.unwrap();
    assert_eq!((message.opens, message.clicks), (2, 1));
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM webhook_deliveries ORDER BY created_at")
            .fetch_all(app.db().await)
            .await
            .unwrap();
    assert_eq!(
        events,
        ["clicked", "opened"],
        "one event per click, and for the first open"
    );
}

#[tokio::test]
async fn tracked_sms_links_are_rewritten_and_untracked_campaigns_are_left_alone() {
    let app = TestApp::start(None).await;
    let sms = |tracking| CampaignInput {
        title: "Order".into(),
        namespace: "phone".into(),
        channel: Channel::Sms,
        tracking,
        text_body: "Track your order: https://shop.test/o/1.".into(),
        ..CampaignInput::default()
    };
    let tracked = one_message(&app, sms(true), "+15551234567", "phone").await;
    assert!(
        tracked
            .text_body
            .starts_with(&format!("Track your order: {}/l/", app.base)),
        "{}",
        tracked.text_body
    );
    assert!(tracked.text_body.ends_with('.'));
    let plain = one_message(&app, sms(false), "+15551234568", "phone").await;
    assert_eq!(plain.text_body, "Track your order: https://shop.test/o/1.");
}
