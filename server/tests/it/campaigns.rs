//! Campaign lifecycle through the backend the UI uses: duplicate, delete drafts.

use crate::support::TestApp;
use backend::ErrorKind;

#[tokio::test]
async fn a_stopped_campaign_is_duplicated_into_a_draft_that_can_go_live() {
    let app = TestApp::start(None).await;
    let original = app.reset_campaign().await;
    app.herald
        .stop_campaign(&app.caller().await, original)
        .await
        .unwrap();

    let copy = app
        .herald
        .duplicate_campaign(&app.caller().await, original)
        .await
        .unwrap();
    assert_ne!(copy, original);
    let (a, b) = (
        app.herald.campaign(original).await.unwrap(),
        app.herald.campaign(copy).await.unwrap(),
    );
    assert_eq!(b.title, "Copy of Password reset");
    assert_eq!(b.status, domain::campaign::CampaignStatus::Draft);
    assert_eq!(
        (&b.subject, &b.html_body, &b.text_body),
        (&a.subject, &a.html_body, &a.text_body)
    );
    let actions = |v: &domain::views::CampaignView| {
        v.history
            .iter()
            .map(|h| (h.action.clone(), h.actor.clone()))
            .collect::<Vec<_>>()
    };
    let who = "marketer@example.com".to_owned();
    assert_eq!(
        actions(&a),
        [
            ("stopped".into(), who.clone()),
            ("activated".into(), who.clone()),
            ("created".into(), who.clone())
        ]
    );
    assert_eq!(
        actions(&b),
        [("duplicated".into(), who.clone()), ("created".into(), who)]
    );
    assert!(b.history[0].detail.contains("Password reset"));
    app.herald
        .activate_campaign(&app.caller().await, copy)
        .await
        .unwrap();
}

#[tokio::test]
async fn only_drafts_can_be_deleted() {
    let app = TestApp::start(None).await;
    let draft = app.campaign("Hi", "<p>Hi</p>", "", false).await;
    let live = app.reset_campaign().await;

    app.herald
        .delete_draft(&app.caller().await, draft)
        .await
        .unwrap();
    let gone = app.herald.campaign(draft).await.unwrap_err();
    assert_eq!(gone.code, "campaign_not_found");
    assert_eq!(
        app.count("campaign_versions").await,
        1,
        "the draft's versions went with it"
    );

    let refused = app
        .herald
        .delete_draft(&app.caller().await, live)
        .await
        .unwrap_err();
    assert_eq!(
        (refused.kind, refused.code),
        (ErrorKind::Conflict, "invalid_transition")
    );
    let unknown = app
        .herald
        .delete_draft(&app.caller().await, domain::ids::CampaignId::new())
        .await
        .unwrap_err();
    assert_eq!(unknown.code, "campaign_not_found");
}

#[tokio::test]
async fn a_test_send_goes_through_the_campaigns_relay_and_is_listed_not_counted() {
    let sink = crate::support::SmtpSink::start();
    let app = crate::support::TestApp::start(Some(sink.url())).await;
    let campaign = app.reset_campaign().await;
    let profile = serde_json::json!({"person": {"name": {"firstName": "Tess"}}});
    let context = serde_json::json!({"resetUrl": "https://shop.test/r/1"});
    let sent = app
        .herald
        .send_test(
            &app.caller().await,
            campaign,
            "tess@example.com",
            profile.as_object().unwrap().clone(),
            context.as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    assert_eq!(sent.provider, "smtp");
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    assert!(
        received[0].contains("Subject: [Test] Reset your password, Tess"),
        "{}",
        received[0]
    );
    assert_eq!(app.count("messages").await, 0);
    let me = app.caller().await;
    let listed = app.herald.test_sends(&me, campaign).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, sent.id.to_string());
    assert_eq!(
        (
            listed[0].address.as_str(),
            listed[0].provider.as_str(),
            listed[0].version
        ),
        ("tess@example.com", "smtp", 1)
    );
    assert_eq!(listed[0].error, None);
    assert_eq!(listed[0].sent_by, "marketer@example.com");
    let opened = app.herald.test_send(&me, campaign, sent.id).await.unwrap();
    assert_eq!(opened.summary.subject, "[Test] Reset your password, Tess");
    assert!(
        opened.html_body.contains("https://shop.test/r/1"),
        "{}",
        opened.html_body
    );
    let bad = app
        .herald
        .send_test(
            &app.caller().await,
            campaign,
            "not an address",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, "invalid_address");
    assert_eq!(
        app.herald.test_sends(&me, campaign).await.unwrap().len(),
        1,
        "a send refused before any provider is not listed"
    );
}

#[tokio::test]
async fn test_sends_keep_the_newest_fifty_and_record_refusals() {
    let app = crate::support::TestApp::start(None).await;
    let me = app.caller().await;
    let campaign = app.reset_campaign().await;
    let other = app.reset_campaign().await;
    let mut last = None;
    for i in 0..52 {
        let sent = app
            .herald
            .send_test(
                &me,
                campaign,
                &format!("t{i}@example.com"),
                Default::default(),
                Default::default(),
            )
            .await
            .unwrap();
        assert_eq!(sent.provider, "capture");
        last = Some(sent.id);
    }
    let listed = app.herald.test_sends(&me, campaign).await.unwrap();
    assert_eq!(listed.len(), 50);
    assert_eq!(listed[0].address, "t51@example.com", "newest first");
    assert_eq!(
        listed[49].address, "t2@example.com",
        "the oldest two are gone"
    );
    let elsewhere = app
        .herald
        .test_send(&me, other, last.unwrap())
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code, "test_send_not_found");

    // A provider's refusal is recorded with its answer.
    let surface = app
        .send(
            reqwest::Method::POST,
            "/api/v1/surfaces",
            Some(serde_json::json!({
                "name": "Dead relay", "channel": "email", "category": "transactional",
                "settings": {"provider": "smtp", "fromName": "Shop", "fromAddress": "shop@example.org"},
                "secrets": {"smtpUrl": "smtp://127.0.0.1:1"}
            })),
        )
        .await;
    assert_eq!(surface.0, 201, "{}", surface.1);
    let mut input = domain::campaign::CampaignInput {
        title: "Through a dead relay".into(),
        namespace: "email".into(),
        subject: "Hi".into(),
        html_body: "<p>Hi</p>".into(),
        text_body: "Hi".into(),
        ..Default::default()
    };
    input.surface_id = Some(surface.1["id"].as_str().unwrap().to_owned());
    let dead = app
        .campaign_in(domain::tenancy::DEFAULT_SANDBOX_ID, input, false)
        .await;
    let refused = app
        .herald
        .send_test(
            &me,
            dead,
            "x@example.com",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, "test_send_failed");
    let listed = app.herald.test_sends(&me, dead).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].error.is_some(), "{listed:?}");
}

#[tokio::test]
async fn the_review_adds_a_missing_unsubscribe_link_as_an_edit() {
    let app = crate::support::TestApp::start(None).await;
    let me = app.caller().await;
    let input = domain::campaign::CampaignInput {
        title: "Spring sale".into(),
        namespace: "email".into(),
        category: domain::channel::Category::Marketing,
        subject: "Sale".into(),
        html_body: "<p>Sale</p>".into(),
        text_body: "Sale".into(),
        ..Default::default()
    };
    let id = app
        .campaign_in(domain::tenancy::DEFAULT_SANDBOX_ID, input, true)
        .await;
    let fix = domain::review::Fix::AddUnsubscribeLink;
    let before = app.herald.campaign(id).await.unwrap();
    assert!(
        before.review.iter().any(|f| f.fix == Some(fix)),
        "{:?}",
        before.review
    );
    app.herald.apply_review_fix(&me, id, fix).await.unwrap();
    let after = app.herald.campaign(id).await.unwrap();
    assert_eq!(
        (after.version, after.live_version),
        (2, Some(1)),
        "a draft version"
    );
    assert!(
        after.html_body.contains("{{unsubscribeUrl}}"),
        "{}",
        after.html_body
    );
    assert!(after.text_body.ends_with("Unsubscribe: {{unsubscribeUrl}}"));
    assert!(
        after.review.iter().all(|f| f.fix.is_none()),
        "{:?}",
        after.review
    );
    // Applied again, it changes nothing: every body mentions unsubscribing now.
    app.herald.apply_review_fix(&me, id, fix).await.unwrap();
    assert_eq!(
        app.herald.campaign(id).await.unwrap().html_body,
        after.html_body
    );
}
