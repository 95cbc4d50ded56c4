//! Identity namespaces: standard ones, custom ones an admin adds, and their use by campaigns
//! and profiles.

use crate::support::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn custom_namespaces_are_added_used_and_deleted_once_unused() {
    let app = TestApp::start(None).await;
    let (status, list) = app.send(Method::GET, "/api/v1/namespaces", None).await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["email", "phone", "ecid", "crmId"]);

    // A campaign or a profile in an unknown namespace is refused, by name.
    let campaign = json!({"title": "Points", "namespace": "loyaltyId",
                          "subject": "Your points", "textBody": "You have points"});
    let (status, err) = app
        .send(Method::POST, "/api/v1/campaigns", Some(campaign.clone()))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("unknown_namespace")),
        "{err}"
    );
    assert_eq!(err["errors"][0]["field"], "namespace");
    let profile = json!({"attributes": {"tier": "gold"}});
    let (status, err) = app
        .send(
            Method::PUT,
            "/api/v1/profiles/loyaltyId/L-1",
            Some(profile.clone()),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invalid_profile")),
        "{err}"
    );
    assert_eq!(err["errors"][0]["field"], "identity.namespace");

    // An admin adds it; then both are accepted.
    let (status, added) = app
        .send(
            Method::POST,
            "/api/v1/namespaces",
            Some(json!({"name": "loyaltyId", "description": "Loyalty card number"})),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["standard"], false);
    for (body, code) in [
        (json!({"name": "loyaltyId"}), "namespace_exists"),
        (json!({"name": "Email"}), "invalid_namespace"),
        (json!({"name": "9lives"}), "invalid_namespace"),
    ] {
        let (status, err) = app
            .send(Method::POST, "/api/v1/namespaces", Some(body))
            .await;
        assert_eq!(err["code"], code, "{err}");
        assert!(status == 400 || status == 409, "{status}");
    }
    let (status, created) = app
        .send(Method::POST, "/api/v1/campaigns", Some(campaign))
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, stored) = app
        .send(Method::PUT, "/api/v1/profiles/loyaltyId/L-1", Some(profile))
        .await;
    assert_eq!(status, 201, "{stored}");
    let (_, list) = app.send(Method::GET, "/api/v1/namespaces", None).await;
    let loyalty = &list["items"][4];
    assert_eq!(
        (
            &loyalty["name"],
            &loyalty["campaigns"],
            &loyalty["identities"]
        ),
        (&json!("loyaltyId"), &json!(1), &json!(1))
    );

    // In use, it stays; standard ones always stay; unknown ones are not found.
    for (path, status_code, code) in [
        ("/api/v1/namespaces/loyaltyId", 409, "namespace_in_use"),
        ("/api/v1/namespaces/email", 409, "standard_namespace"),
        ("/api/v1/namespaces/nope", 404, "namespace_not_found"),
    ] {
        let (status, err) = app.send(Method::DELETE, path, None).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (status_code, Some(code)),
            "{path}"
        );
    }
    let campaign_path = format!("/api/v1/campaigns/{}", created["id"].as_str().unwrap());
    let (status, _) = app.send(Method::DELETE, &campaign_path, None).await;
    assert_eq!(status, 204);
    let (status, _) = app
        .send(Method::DELETE, "/api/v1/profiles/loyaltyId/L-1", None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .send(Method::DELETE, "/api/v1/namespaces/loyaltyId", None)
        .await;
    assert_eq!(status, 204, "unused now");
}
