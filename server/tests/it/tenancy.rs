//! Organisations and sandboxes: a key acts only in its own sandbox; restricted keys; scopes.

use crate::support::TestApp;
use domain::campaign::CampaignInput;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use reqwest::Method;
use serde_json::{Value, json};

fn call(campaign: impl ToString, request_id: &str) -> Value {
    json!({
        "requestId": request_id,
        "campaignId": campaign.to_string(),
        "recipients": [{"type": "external", "userId": "ada@example.org", "namespace": "email",
                        "context": {"resetUrl": "https://shop.test/r"}}]
    })
}

fn reset_input() -> CampaignInput {
    CampaignInput {
        title: "Dev reset".into(),
        namespace: "email".into(),
        create_profiles: false,
        subject: "Reset".into(),
        html_body: "<a href=\"{{context.resetUrl}}\">Reset</a>".into(),
        text_body: String::new(),
        ..CampaignInput::default()
    }
}

async fn post(app: &TestApp, key: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
    let mut request = app
        .http
        .post(format!("{}/ajo/im/executions/unitary", app.base))
        .bearer_auth(key)
        .json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_key_sees_only_its_own_sandbox() {
    let app = TestApp::start(None).await;
    let dev = app.dev_sandbox().await;
    let prod_campaign = app.reset_campaign().await;
    let dev_campaign = app.campaign_in(&dev.id, reset_input(), true).await;
    let dev_key = app.key(&dev.id, ApiScope::Trigger, None).await;

    let (status, err) = post(&app, &dev_key, &[], &call(prod_campaign, "r1")).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (404, Some("campaign_not_found"))
    );
    assert_eq!(
        app.count("executions").await,
        0,
        "a refused call writes nothing"
    );

    let (status, accepted) = post(&app, &dev_key, &[], &call(dev_campaign, "r1")).await;
    assert_eq!(status, 202, "{accepted}");
    let execution = accepted["executionId"].as_str().unwrap();

    // The prod key cannot read the dev execution, nor trigger the dev campaign.
    let other = app
        .api(
            Method::GET,
            &format!("/ajo/im/executions/unitary/{execution}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    let (status, _) = post(&app, &app.api_key, &[], &call(dev_campaign, "r2")).await;
    assert_eq!(status, 404);
    let own = app
        .http
        .get(format!(
            "{}/ajo/im/executions/unitary/{execution}",
            app.base
        ))
        .bearer_auth(&dev_key)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);

    let prod_list = app.herald.list_campaigns(DEFAULT_SANDBOX_ID).await.unwrap();
    let dev_list = app.herald.list_campaigns(&dev.id).await.unwrap();
    assert_eq!(prod_list.len(), 1);
    assert_eq!(dev_list.len(), 1);
    assert_eq!(dev_list[0].id, dev_campaign.to_string());
    assert!(
        app.herald
            .recent_messages(DEFAULT_SANDBOX_ID, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.herald.recent_messages(&dev.id, 10).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn tenant_headers_must_name_the_keys_own_sandbox() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let key = app.api_key.clone();
    let cases = [
        (
            vec![("x-sandbox-name", "dev")],
            403,
            Some("sandbox_mismatch"),
        ),
        (
            vec![("x-gw-ims-org-id", "OTHER@AdobeOrg")],
            403,
            Some("org_mismatch"),
        ),
    ];
    for (i, (headers, status, code)) in cases.into_iter().enumerate() {
        let (got, err) = post(&app, &key, &headers, &call(campaign, &format!("h{i}"))).await;
        assert_eq!((got, err["code"].as_str()), (status, code), "{headers:?}");
    }
    assert_eq!(app.count("executions").await, 0);
    let headers = [("x-gw-ims-org-id", "herald"), ("x-sandbox-name", "prod")];
    let (status, body) = post(&app, &key, &headers, &call(campaign, "ok")).await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn a_restricted_key_triggers_only_its_campaigns() {
    let app = TestApp::start(None).await;
    let allowed = app.reset_campaign().await;
    let other = app.reset_campaign().await;
    let key = app
        .key(DEFAULT_SANDBOX_ID, ApiScope::Trigger, Some(vec![allowed]))
        .await;
    let (status, _) = post(&app, &key, &[], &call(allowed, "a")).await;
    assert_eq!(status, 202);
    let (status, err) = post(&app, &key, &[], &call(other, "b")).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (403, Some("campaign_not_allowed"))
    );
    assert_eq!(app.count("executions").await, 1);

    let keys = app.herald.list_api_keys(DEFAULT_SANDBOX_ID).await.unwrap();
    let restricted = keys.iter().find(|k| k.restricted).unwrap();
    assert_eq!(restricted.campaigns, ["Password reset"]);
    assert_eq!(restricted.sandbox_name, "prod");

    // A key cannot be restricted to another sandbox's campaign.
    let dev = app.dev_sandbox().await;
    let refused = app
        .herald
        .create_api_key(backend::accounts::ApiKeySpec {
            name: "cross".into(),
            sandbox_id: dev.id,
            scope: ApiScope::Trigger,
            campaigns: Some(vec![allowed]),
        })
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.code, "invalid_campaign");
}

#[tokio::test]
async fn sandbox_names_are_unique_per_organisation_and_validated() {
    let app = TestApp::start(None).await;
    let err = app
        .herald
        .create_sandbox(
            "herald",
            "prod",
            &backend::store::audit::Who::without_address("operator"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "sandbox_exists");
    let err = app
        .herald
        .create_sandbox(
            "herald",
            "Not Valid",
            &backend::store::audit::Who::without_address("operator"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "invalid_sandbox");
    let other_org = app
        .herald
        .create_sandbox(
            "acme",
            "prod",
            &backend::store::audit::Who::without_address("operator"),
        )
        .await
        .unwrap();
    assert_eq!(other_org.org_id, "acme");
    let err = app.herald.sandbox_by_name(None, "prod").await.unwrap_err();
    assert_eq!(err.code, "ambiguous_sandbox");
    let found = app
        .herald
        .sandbox_by_name(Some("acme"), "prod")
        .await
        .unwrap();
    assert_eq!(found.id, other_org.id);
}
