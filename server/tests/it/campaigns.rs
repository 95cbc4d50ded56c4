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
async fn a_test_send_goes_through_the_campaigns_relay_and_is_not_recorded() {
    let sink = crate::support::SmtpSink::start();
    let app = crate::support::TestApp::start(Some(sink.url())).await;
    let campaign = app.reset_campaign().await;
    let profile = serde_json::json!({"person": {"name": {"firstName": "Tess"}}});
    let context = serde_json::json!({"resetUrl": "https://shop.test/r/1"});
    let sent = app
        .herald
        .send_test(
            domain::tenancy::DEFAULT_SANDBOX_ID,
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
    let bad = app
        .herald
        .send_test(
            domain::tenancy::DEFAULT_SANDBOX_ID,
            campaign,
            "not an address",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, "invalid_address");
}
