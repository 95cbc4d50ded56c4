//! Profiles at trigger time: `aep` lookup, profile creation, overlays, addresses.

use crate::support::TestApp;
use domain::campaign::CampaignInput;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use serde_json::{Map, Value, json};

fn input(namespace: &str, create_profiles: bool) -> CampaignInput {
    CampaignInput {
        title: "Welcome".into(),
        namespace: namespace.into(),
        create_profiles,
        subject: "Welcome {{profile.person.name.firstName}}".into(),
        html_body: "<p>Tier {{profile.tier}}, code {{context.code}}</p>".into(),
        text_body: String::new(),
        ..CampaignInput::default()
    }
}

fn call(campaign: impl ToString, request_id: &str, recipients: Vec<Value>) -> Value {
    json!({"requestId": request_id, "campaignId": campaign.to_string(), "recipients": recipients})
}

fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn an_unknown_aep_recipient_is_refused_unless_the_campaign_creates_profiles() {
    let app = TestApp::start(None).await;
    let strict = app
        .campaign_in(DEFAULT_SANDBOX_ID, input("email", false), true)
        .await;
    let recipient = json!({"type": "aep", "userId": "new@example.org", "namespace": "email",
                           "context": {"code": "1"}});
    let (status, err, _) = app
        .trigger(&call(strict, "r1", vec![recipient.clone()]))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("profile_not_found")),
        "{err}"
    );
    assert_eq!(err["errors"][0]["field"], "recipients[0].userId");
    assert_eq!(err["report"]["additionalContext"]["requestId"], "r1");
    assert_eq!(app.count("executions").await, 0);
    assert_eq!(app.count("profiles").await, 0);

    let creating = app
        .campaign_in(DEFAULT_SANDBOX_ID, input("email", true), true)
        .await;
    let dry = app
        .api(
            reqwest::Method::POST,
            "/ajo/im/executions/unitary?dryRun=true",
        )
        .json(&call(creating, "d1", vec![recipient.clone()]))
        .send()
        .await
        .unwrap();
    let dry: Value = dry.json().await.unwrap();
    assert_eq!(dry["recipients"][0]["createsProfile"], true, "{dry}");
    assert_eq!(app.count("profiles").await, 0, "a dry run stores nothing");

    let (status, _, _) = app
        .trigger(&call(creating, "r2", vec![recipient.clone()]))
        .await;
    assert_eq!(status, 202);
    let (status, _, _) = app.trigger(&call(creating, "r3", vec![recipient])).await;
    assert_eq!(status, 202);
    assert_eq!(app.count("profiles").await, 1, "created once, then found");
    let profile = app
        .herald
        .profile(DEFAULT_SANDBOX_ID, "email", "new@example.org")
        .await
        .unwrap();
    assert!(
        profile.attributes.is_empty(),
        "context is never stored on a profile"
    );
    assert_eq!(profile.identities[0].id, "new@example.org");
}

#[tokio::test]
async fn stored_attributes_render_and_the_calls_profile_overlays_them_for_one_message() {
    let app = TestApp::start(None).await;
    let campaign = app
        .campaign_in(DEFAULT_SANDBOX_ID, input("crmId", false), true)
        .await;
    app.herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("crmId", "c-42"),
            &[],
            &attrs(
                json!({"person": {"name": {"firstName": "Ada"}}, "tier": "gold",
                          "personalEmail": {"address": "ada@example.org"}}),
            ),
        )
        .await
        .unwrap();
    let recipients = vec![
        json!({"type": "aep", "userId": "c-42", "namespace": "crmId", "context": {"code": "7"},
               "profile": {"tier": "platinum"}}),
        // External recipients use no stored profile, even one with the same id.
        json!({"type": "external", "userId": "c-43", "namespace": "crmId", "context": {"code": "8"},
               "channelData": {"emailAddress": "bob@example.org"}}),
    ];
    let dry = app
        .api(
            reqwest::Method::POST,
            "/ajo/im/executions/unitary?dryRun=true",
        )
        .json(&call(campaign, "r1", recipients))
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status(), 200);
    let dry: Value = dry.json().await.unwrap();
    let ada = &dry["recipients"][0];
    assert_eq!(
        ada["address"], "ada@example.org",
        "from personalEmail.address"
    );
    assert_eq!(ada["rendered"]["subject"], "Welcome Ada");
    assert_eq!(ada["rendered"]["htmlBody"], "<p>Tier platinum, code 7</p>");
    assert_eq!(dry["recipients"][1]["address"], "bob@example.org");
    let stored = app
        .herald
        .profile(DEFAULT_SANDBOX_ID, "crmId", "c-42")
        .await
        .unwrap();
    assert_eq!(
        stored.attributes["tier"], "gold",
        "the overlay is not stored"
    );
}

#[tokio::test]
async fn a_recipient_without_an_address_is_refused_naming_what_to_send() {
    let app = TestApp::start(None).await;
    let campaign = app
        .campaign_in(DEFAULT_SANDBOX_ID, input("crmId", false), true)
        .await;
    let r = json!({"type": "external", "userId": "c-1", "namespace": "crmId", "context": {"code": "1"}});
    let (status, err, _) = app.trigger(&call(campaign, "r1", vec![r])).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invalid_recipient"))
    );
    assert_eq!(
        err["errors"][0]["field"],
        "recipients[0].channelData.emailAddress"
    );
    assert_eq!(app.count("executions").await, 0);
}

#[tokio::test]
async fn profiles_are_upserted_by_identity_and_deleted() {
    let app = TestApp::start(None).await;
    let (first, created) = app
        .herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("email", "a@example.org"),
            &[],
            &attrs(json!({"tier": "gold"})),
        )
        .await
        .unwrap();
    assert!(created);
    let more = [domain::views::IdentityView {
        namespace: "crmId".into(),
        id: "c-1".into(),
    }];
    let (second, created) = app
        .herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("email", "a@example.org"),
            &more,
            &attrs(json!({"tier": "silver"})),
        )
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(first.id, second.id);
    assert_eq!(second.identities.len(), 2);
    let by_crm = app
        .herald
        .profile(DEFAULT_SANDBOX_ID, "crmId", "c-1")
        .await
        .unwrap();
    assert_eq!(by_crm.attributes["tier"], "silver");

    let (other, _) = app
        .herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("email", "b@example.org"),
            &[],
            &Map::new(),
        )
        .await
        .unwrap();
    assert_ne!(other.id, first.id);
    let clash = [domain::views::IdentityView {
        namespace: "email".into(),
        id: "b@example.org".into(),
    }];
    let err = app
        .herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("email", "a@example.org"),
            &clash,
            &Map::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "identity_conflict");

    app.herald
        .delete_profile(&app.caller().await, "crmId", "c-1")
        .await
        .unwrap();
    let gone = app
        .herald
        .profile(DEFAULT_SANDBOX_ID, "email", "a@example.org")
        .await;
    assert_eq!(gone.unwrap_err().code, "profile_not_found");
    assert_eq!(
        app.count("profile_identities").await,
        1,
        "identities go with their profile"
    );
}
