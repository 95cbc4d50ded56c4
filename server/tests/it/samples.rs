//! The six payload shapes of the reference API's published samples, on every channel, and the
//! address rules of each channel.

use crate::support::TestApp;
use domain::campaign::CampaignInput;
use domain::channel::Channel;
use domain::content::PushOptions;
use domain::delivery::ReportedStatus;
use domain::ids::CampaignId;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use serde_json::{Map, Value, json};

async fn live(
    app: &TestApp,
    channel: Channel,
    namespace: &str,
    subject: &str,
    text: &str,
) -> CampaignId {
    let input = CampaignInput {
        title: format!("{} sample", channel.as_str()),
        namespace: namespace.into(),
        channel,
        subject: subject.into(),
        text_body: text.into(),
        push: if channel == Channel::Push {
            PushOptions {
                link: Some("shop://orders/1".into()),
                ..PushOptions::default()
            }
        } else {
            PushOptions::default()
        },
        ..CampaignInput::default()
    };
    app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await
}

async fn profile(app: &TestApp, namespace: &str, id: &str, attributes: Value) {
    let attributes: Map<String, Value> = attributes.as_object().unwrap().clone();
    app.herald
        .upsert_profile(DEFAULT_SANDBOX_ID, (namespace, id), &[], &attributes)
        .await
        .unwrap();
}

/// Triggers, expects 202, delivers, and returns each message as (channel, address, subject, text).
async fn accepted(
    app: &TestApp,
    campaign: CampaignId,
    recipients: Value,
) -> Vec<(String, String, String, String)> {
    let body = json!({"requestId": format!("s-{}", domain::ids::ExecutionId::new()),
                      "campaignId": campaign.to_string(), "recipients": recipients});
    let (status, answer, _) = app.trigger(&body).await;
    assert_eq!(status, 202, "{answer}");
    app.herald.drain_outbox().await.unwrap();
    let mut messages = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 20)
        .await
        .unwrap();
    messages.retain(|m| m.execution_id == answer["executionId"].as_str().unwrap());
    messages.sort_by_key(|m| m.id.clone());
    assert!(
        messages.iter().all(|m| m.status == ReportedStatus::Sent),
        "{messages:?}"
    );
    messages
        .into_iter()
        .map(|m| (m.channel, m.recipient, m.subject, m.text_body))
        .collect()
}

#[tokio::test]
async fn sms_to_an_existing_profile() {
    let app = TestApp::start(None).await;
    let c = live(
        &app,
        Channel::Sms,
        "phone",
        "",
        "Hi {{profile.person.name.firstName}}, code {{context.otp}}",
    )
    .await;
    profile(
        &app,
        "phone",
        "+14155550100",
        json!({"person": {"name": {"firstName": "Ada"}}}),
    )
    .await;
    let got = accepted(
        &app,
        c,
        json!([{"type": "aep", "userId": "+14155550100", "namespace": "phone",
                                         "context": {"otp": "4711"}}]),
    )
    .await;
    assert_eq!(
        got,
        [(
            "sms".into(),
            "+14155550100".into(),
            "".into(),
            "Hi Ada, code 4711".into()
        )]
    );
}

#[tokio::test]
async fn several_recipients_with_context_and_a_phone_override() {
    let app = TestApp::start(None).await;
    let c = live(
        &app,
        Channel::Sms,
        "crmId",
        "",
        "Order {{context.order.id}} ships {{context.order.date}}",
    )
    .await;
    profile(
        &app,
        "crmId",
        "c-1",
        json!({"mobilePhone": {"number": "+4915112345678"}}),
    )
    .await;
    profile(
        &app,
        "crmId",
        "c-2",
        json!({"mobilePhone": {"number": "+4915100000000"}}),
    )
    .await;
    let got = accepted(
        &app,
        c,
        json!([
            {"type": "aep", "userId": "c-1", "namespace": "crmId",
             "context": {"order": {"id": "A1", "date": "today"}}},
            {"type": "aep", "userId": "c-2", "namespace": "crmId",
             "channelData": {"mobilePhoneNumber": "+49 151 9999 9999"},
             "context": {"order": {"id": "A2", "date": "tomorrow"}}}
        ]),
    )
    .await;
    let addresses: Vec<_> = got.iter().map(|m| (m.1.as_str(), m.3.as_str())).collect();
    assert_eq!(
        addresses,
        [
            ("+4915112345678", "Order A1 ships today"),
            ("+4915199999999", "Order A2 ships tomorrow")
        ]
    );
}

#[tokio::test]
async fn push_with_push_info() {
    let app = TestApp::start(None).await;
    let c = live(
        &app,
        Channel::Push,
        "ecid",
        "Your order shipped",
        "Track {{context.orderId}}",
    )
    .await;
    let push_info = json!({"appID": "com.shop.app", "platform": "ios", "token": "a1b2c3d4"});
    let got = accepted(
        &app,
        c,
        json!([{"type": "external", "userId": "ecid-77", "namespace": "ecid",
        "channelData": {"pushInfo": push_info}, "context": {"orderId": "A1"}}]),
    )
    .await;
    assert_eq!(
        got,
        [(
            "push".into(),
            "a1b2c3d4".into(),
            "Your order shipped".into(),
            "Track A1".into()
        )]
    );

    let dry = app
        .api(
            reqwest::Method::POST,
            "/ajo/im/executions/unitary?dryRun=true",
        )
        .json(
            &json!({"requestId": "p-dry", "campaignId": c.to_string(), "recipients": [
            {"type": "external", "userId": "ecid-77", "namespace": "ecid",
             "channelData": {"pushInfo": push_info}, "context": {"orderId": "A1"}}]}),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let push = &dry["recipients"][0]["rendered"]["push"];
    assert_eq!(
        (push["appId"].as_str(), push["link"].as_str()),
        (Some("com.shop.app"), Some("shop://orders/1")),
        "{dry}"
    );
}

#[tokio::test]
async fn email_with_profile_and_context() {
    let app = TestApp::start(None).await;
    let c = live(
        &app,
        Channel::Email,
        "email",
        "Hello {{profile.person.name.firstName}}",
        "Points: {{context.points}}",
    )
    .await;
    profile(
        &app,
        "email",
        "ada@example.org",
        json!({"person": {"name": {"firstName": "Ada"}}}),
    )
    .await;
    let got = accepted(
        &app,
        c,
        json!([{"type": "aep", "userId": "ada@example.org", "namespace": "email",
        "profile": {"person": {"name": {"firstName": "Countess"}}}, "context": {"points": "120"}}]),
    )
    .await;
    assert_eq!(
        got,
        [(
            "email".into(),
            "ada@example.org".into(),
            "Hello Countess".into(),
            "Points: 120".into()
        )]
    );
}

#[tokio::test]
async fn email_with_an_address_override() {
    let app = TestApp::start(None).await;
    let c = live(&app, Channel::Email, "email", "Receipt", "Thanks").await;
    profile(&app, "email", "ada@example.org", json!({})).await;
    let got = accepted(
        &app,
        c,
        json!([{"type": "aep", "userId": "ada@example.org", "namespace": "email",
        "channelData": {"emailAddress": "ada.work@example.com"}}]),
    )
    .await;
    assert_eq!(got[0].1, "ada.work@example.com");
}

#[tokio::test]
async fn external_recipients() {
    let app = TestApp::start(None).await;
    let c = live(
        &app,
        Channel::Email,
        "email",
        "Welcome",
        "Hi {{profile.name}}",
    )
    .await;
    let got = accepted(&app, c, json!([
        {"type": "external", "userId": "a@example.org", "namespace": "email", "profile": {"name": "A"}},
        {"type": "external", "userId": "b@example.org", "namespace": "email", "profile": {"name": "B"}}
    ])).await;
    let texts: Vec<_> = got.iter().map(|m| m.3.as_str()).collect();
    assert_eq!(texts, ["Hi A", "Hi B"]);
    assert_eq!(
        app.count("profiles").await,
        0,
        "external recipients store no profile"
    );
}

#[tokio::test]
async fn each_channel_needs_a_deliverable_address() {
    let app = TestApp::start(None).await;
    let sms = live(&app, Channel::Sms, "crmId", "", "Hi").await;
    let push = live(&app, Channel::Push, "ecid", "T", "B").await;
    let cases = [
        (
            sms,
            json!({"type": "external", "userId": "c-1", "namespace": "crmId"}),
            "recipients[0].channelData.mobilePhoneNumber",
        ),
        (
            sms,
            json!({"type": "external", "userId": "c-1", "namespace": "crmId",
                     "channelData": {"mobilePhoneNumber": "0151 123"}}),
            "recipients[0].channelData.mobilePhoneNumber",
        ),
        (
            push,
            json!({"type": "external", "userId": "e-1", "namespace": "ecid",
                      "channelData": {"pushInfo": {"appID": "a", "platform": "ios"}}}),
            "recipients[0].channelData.pushInfo.token",
        ),
    ];
    for (campaign, recipient, field) in cases {
        let body = json!({"requestId": "x", "campaignId": campaign.to_string(), "recipients": [recipient]});
        let (status, err, _) = app.trigger(&body).await;
        assert_eq!(
            (
                status,
                err["code"].as_str(),
                err["errors"][0]["field"].as_str()
            ),
            (400, Some("invalid_recipient"), Some(field)),
            "{err}"
        );
    }
    assert_eq!(app.count("executions").await, 0);
}

/// A trigger call for one external SMS recipient with this number; the status and answer.
async fn sms_to(app: &TestApp, campaign: CampaignId, number: &str) -> (u16, Value) {
    let body = json!({"requestId": format!("p-{}", domain::ids::ExecutionId::new()),
        "campaignId": campaign.to_string(),
        "recipients": [{"type": "external", "userId": "c-1", "namespace": "crmId",
                        "channelData": {"mobilePhoneNumber": number}}]});
    let (status, answer, _) = app.trigger(&body).await;
    (status, answer)
}

#[tokio::test]
async fn national_numbers_are_read_in_the_sandbox_or_surface_region() {
    let app = TestApp::start(None).await;
    let sms = live(&app, Channel::Sms, "crmId", "", "Hi").await;
    let test = app
        .herald
        .send_test(
            &app.caller().await,
            sms,
            "1234567890",
            Map::new(),
            Map::new(),
        )
        .await
        .unwrap_err();
    assert!(test.message.contains("no default phone region"), "{test:?}");
    // The reference's own sample number, without a region: refused, naming the field.
    let (status, answer) = sms_to(&app, sms, "1234567890").await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["errors"][0]["field"],
        "recipients[0].channelData.mobilePhoneNumber"
    );
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no default phone region"),
        "{answer}"
    );
    let (status, answer) = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/sandbox",
            Some(json!({"phoneRegion": "xx"})),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["errors"][0]["field"], "phoneRegion");
    let (status, answer) = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/sandbox",
            Some(json!({"phoneRegion": "us"})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["phoneRegion"], "US");
    assert_eq!(answer["serverPhoneRegion"], Value::Null);
    let got = accepted(
        &app,
        sms,
        json!([{"type": "external", "userId": "c-1", "namespace": "crmId",
                "channelData": {"mobilePhoneNumber": "1234567890"}}]),
    )
    .await;
    assert_eq!(got[0].1, "+11234567890");
    // Too short for the region: refused with the region named.
    let (status, answer) = sms_to(&app, sms, "555 01").await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["errors"][0]["message"],
        "is not a possible phone number in region US"
    );

    // A surface's own region wins over the sandbox's.
    let (status, surface) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/surfaces",
            Some(json!({"name": "Taiwan", "channel": "sms", "category": "transactional",
                        "settings": {"provider": "capture", "sender": "Shop", "phoneRegion": "TW"}})),
        )
        .await;
    assert_eq!(status, 201, "{surface}");
    let input = CampaignInput {
        title: "TW".into(),
        namespace: "crmId".into(),
        channel: Channel::Sms,
        text_body: "Hi".into(),
        surface_id: surface["id"].as_str().map(str::to_owned),
        ..CampaignInput::default()
    };
    let tw = app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await;
    let got = accepted(
        &app,
        tw,
        json!([{"type": "external", "userId": "c-2", "namespace": "crmId",
                "channelData": {"mobilePhoneNumber": "0921234567"}}]),
    )
    .await;
    assert_eq!(got[0].1, "+886921234567");
}

#[tokio::test]
async fn the_server_default_region_applies_last() {
    let app = TestApp::start_with(None, &[("HERALD_DEFAULT_PHONE_REGION", "DE")]).await;
    let sms = live(&app, Channel::Sms, "crmId", "", "Hi").await;
    let got = accepted(
        &app,
        sms,
        json!([{"type": "external", "userId": "c-1", "namespace": "crmId",
                "channelData": {"mobilePhoneNumber": "0151 1234 5678"}}]),
    )
    .await;
    assert_eq!(got[0].1, "+4915112345678");
    // A test send reads a typed national number the same way.
    let test = app
        .herald
        .send_test(
            &app.caller().await,
            sms,
            "0151 1234 5678",
            Map::new(),
            Map::new(),
        )
        .await;
    assert!(test.is_ok(), "{test:?}");
    let (_, settings) = app
        .send(reqwest::Method::GET, "/api/v1/sandbox", None)
        .await;
    assert_eq!(settings["serverPhoneRegion"], "DE");
    assert_eq!(settings["phoneRegion"], Value::Null);
}
