//! The management API (`/api/v1/*`) and the OpenAPI document.

use crate::support::TestApp;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use reqwest::Method;
use serde_json::{Value, json};

fn campaign_json(title: &str) -> Value {
    json!({
        "title": title,
        "description": "Sent when a customer asks for a new password",
        "category": "transactional",
        "tags": ["auth", "security"],
        "subject": "Reset your password",
        "htmlBody": "<a href=\"{{context.resetUrl}}\">Reset</a>",
        "textBody": "Reset: {{context.resetUrl}}"
    })
}

#[tokio::test]
async fn campaigns_are_managed_as_code_through_their_whole_lifecycle() {
    let app = TestApp::start(None).await;
    let (status, created) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            Some(campaign_json("Reset")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["tags"], json!(["auth", "security"]));
    assert!(created["createdBy"].as_str().unwrap().starts_with("key:"));
    let id = created["id"].as_str().unwrap().to_owned();
    let at = |action: &str| format!("/api/v1/campaigns/{id}{action}");

    let mut edited = campaign_json("Password reset");
    edited["textBody"] = json!("New text {{context.resetUrl}} {{context.code}}");
    let (status, updated) = app.send(Method::PUT, &at(""), Some(edited.clone())).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["title"], "Password reset");
    assert!(updated["variables"].to_string().contains("context.code"));

    let (status, live) = app.send(Method::POST, &at("/activate"), None).await;
    assert_eq!((status, live["status"].as_str()), (200, Some("live")));
    assert!(live["curl"].as_str().unwrap().contains(&id));
    let mut moved = edited.clone();
    moved["namespace"] = json!("crmId");
    let (status, err) = app.send(Method::PUT, &at(""), Some(moved)).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("live_campaign_identity"))
    );
    assert_eq!(err["errors"][0]["field"], "namespace");

    // Trigger it, then read the message through the management API.
    let call = json!({"requestId": "m1", "campaignId": id, "recipients": [
        {"type": "external", "userId": "a@example.org", "namespace": "email",
         "context": {"resetUrl": "https://x.test/r", "code": "1"}}]});
    let (status, accepted, _) = app.trigger(&call).await;
    assert_eq!(status, 202);
    let execution = accepted["executionId"].as_str().unwrap();
    let (_, execution) = app
        .send(
            Method::GET,
            &format!("/ajo/im/executions/unitary/{execution}"),
            None,
        )
        .await;
    let message_id = execution["recipients"][0]["messageId"].as_str().unwrap();
    let (status, message) = app
        .send(Method::GET, &format!("/api/v1/messages/{message_id}"), None)
        .await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["recipient"], "a@example.org");
    assert_eq!(message["status"], "queued");
    assert_eq!(message["attempts"], json!([]));

    let (status, err) = app.send(Method::POST, &at("/archive"), None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("invalid_transition")),
        "stop first"
    );
    let (status, stopped) = app.send(Method::POST, &at("/stop"), None).await;
    assert_eq!((status, stopped["status"].as_str()), (200, Some("stopped")));
    let (status, archived) = app.send(Method::POST, &at("/archive"), None).await;
    assert_eq!(
        (status, archived["status"].as_str()),
        (200, Some("archived"))
    );

    let (status, copy) = app.send(Method::POST, &at("/duplicate"), None).await;
    assert_eq!((status, copy["status"].as_str()), (201, Some("draft")));
    assert_eq!(copy["title"], "Copy of Password reset");
    let copy_path = format!("/api/v1/campaigns/{}", copy["id"].as_str().unwrap());
    let (_, list) = app.send(Method::GET, "/api/v1/campaigns", None).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "the archived original is hidden"
    );
    let (status, _) = app.send(Method::DELETE, &copy_path, None).await;
    assert_eq!(status, 204);
    let (status, _) = app.send(Method::GET, &copy_path, None).await;
    assert_eq!(status, 404);
    let (status, err) = app.send(Method::DELETE, &at(""), None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("invalid_transition"))
    );
}

/// Edits of a live campaign make a new version that calls use only once it is activated;
/// messages keep the version their call was pinned to.
#[tokio::test]
async fn a_live_campaign_is_modified_through_a_new_version() {
    let app = TestApp::start(None).await;
    let (_, created) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            Some(campaign_json("Reset")),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let at = |action: &str| format!("/api/v1/campaigns/{id}{action}");
    app.send(Method::POST, &at("/activate"), None).await;
    let trigger = |request: &str| {
        json!({"requestId": request, "campaignId": id, "recipients": [
            {"type": "external", "userId": "a@example.org", "namespace": "email",
             "context": {"resetUrl": "https://x.test/r"}}]})
    };
    let (status, first, _) = app.trigger(&trigger("v1-call")).await;
    assert_eq!(status, 202);

    let mut v2 = campaign_json("Reset");
    v2["subject"] = json!("Reset it now");
    let (status, edited) = app.send(Method::PUT, &at(""), Some(v2.clone())).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        (edited["version"].as_i64(), edited["liveVersion"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(edited["status"], "live");
    v2["subject"] = json!("Reset it right now");
    let (_, edited) = app.send(Method::PUT, &at(""), Some(v2)).await;
    assert_eq!(
        edited["version"], 2,
        "a second edit changes the same draft version"
    );

    let (_, before, _) = app.trigger(&trigger("still-v1")).await;
    let (status, activated) = app.send(Method::POST, &at("/activate"), None).await;
    assert_eq!((status, activated["liveVersion"].as_i64()), (200, Some(2)));
    let (_, after, _) = app.trigger(&trigger("v2-call")).await;

    let subject_of = |execution: Value| {
        let app = &app;
        async move {
            let path = format!(
                "/ajo/im/executions/unitary/{}",
                execution["executionId"].as_str().unwrap()
            );
            let (_, status) = app.send(Method::GET, &path, None).await;
            let message = status["recipients"][0]["messageId"]
                .as_str()
                .unwrap()
                .to_owned();
            let (_, message) = app
                .send(Method::GET, &format!("/api/v1/messages/{message}"), None)
                .await;
            (
                status["campaignVersion"].as_i64().unwrap(),
                message["subject"].as_str().unwrap().to_owned(),
            )
        }
    };
    assert_eq!(
        subject_of(first).await,
        (1, "Reset your password".to_owned())
    );
    assert_eq!(
        subject_of(before).await,
        (1, "Reset your password".to_owned())
    );
    assert_eq!(
        subject_of(after).await,
        (2, "Reset it right now".to_owned())
    );
    let (status, err) = app.send(Method::POST, &at("/activate"), None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("invalid_transition")),
        "nothing new to activate"
    );
}

#[tokio::test]
async fn invalid_campaigns_are_refused_naming_each_field_and_storing_nothing() {
    let app = TestApp::start(None).await;
    let mut bad = campaign_json(" ");
    bad["rateLimit"] = json!(0);
    bad["endsAt"] = json!("next week");
    bad["htmlBody"] = json!("{{#if context.x}}");
    let (status, err) = app.send(Method::POST, "/api/v1/campaigns", Some(bad)).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invalid_campaign"))
    );
    let fields: Vec<&str> = err["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "endsAt", "rateLimit", "htmlBody"]);
    let (status, err) = app
        .send(Method::POST, "/api/v1/campaigns", Some(json!({"title": 5})))
        .await;
    assert_eq!(
        (
            status,
            err["code"].as_str(),
            err["errors"][0]["field"].as_str()
        ),
        (400, Some("malformed_request"), Some("title"))
    );
    let mut typo = campaign_json("Typo");
    typo["htmlbody"] = json!("<p>lost</p>");
    let (status, err) = app
        .send(Method::POST, "/api/v1/campaigns", Some(typo))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("malformed_request")),
        "an unknown field is not silently dropped"
    );
    assert!(
        err["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("htmlbody")
    );
    assert_eq!(app.count("campaigns").await, 0);
}

#[tokio::test]
async fn dates_gate_trigger_calls_and_a_past_end_blocks_activation() {
    let app = TestApp::start(None).await;
    let call = |id: &str| {
        json!({"requestId": "d", "campaignId": id, "recipients": [
        {"type": "external", "userId": "a@example.org", "namespace": "email",
         "context": {"resetUrl": "u"}}]})
    };
    let dated = |starts: Option<String>, ends: Option<String>| {
        let mut body = campaign_json("Dated");
        body["startsAt"] = json!(starts);
        body["endsAt"] = json!(ends);
        body
    };
    let create = |body: Value| {
        let app = &app;
        async move {
            let (_, created) = app
                .send(Method::POST, "/api/v1/campaigns", Some(body))
                .await;
            created["id"].as_str().unwrap().to_owned()
        }
    };

    // Before its start: scheduled, and calls are refused.
    let future = create(dated(Some("2999-01-01T00:00:00Z".into()), None)).await;
    let (_, live) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{future}/activate"),
            None,
        )
        .await;
    assert_eq!(live["status"], "scheduled");
    let (got, err, _) = app.trigger(&call(&future)).await;
    assert_eq!(
        (got, err["code"].as_str()),
        (422, Some("campaign_not_started")),
        "{err}"
    );

    // An end in the past fails the review: activation is refused.
    let past = create(dated(None, Some("2001-01-01T00:00:00+02:00".into()))).await;
    let (_, draft) = app
        .send(Method::GET, &format!("/api/v1/campaigns/{past}"), None)
        .await;
    assert_eq!(draft["review"][0]["severity"], "error", "{draft}");
    let (status, err) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{past}/activate"),
            None,
        )
        .await;
    assert_eq!((status, err["code"].as_str()), (422, Some("review_failed")));

    // After its end: completed, and calls are refused.
    let soon = domain::dates::format_rfc3339(backend::clock::now_ms() + 1_500);
    let ending = create(dated(None, Some(soon))).await;
    let (_, live) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{ending}/activate"),
            None,
        )
        .await;
    assert_eq!(live["status"], "live");
    tokio::time::sleep(std::time::Duration::from_millis(2_600)).await; // past the end and the 1 s cache
    let (_, done) = app
        .send(Method::GET, &format!("/api/v1/campaigns/{ending}"), None)
        .await;
    assert_eq!(done["status"], "completed");
    let (got, err, _) = app.trigger(&call(&ending)).await;
    assert_eq!(
        (got, err["code"].as_str()),
        (422, Some("campaign_ended")),
        "{err}"
    );
    assert_eq!(app.count("executions").await, 0);
}

#[tokio::test]
async fn trigger_keys_and_other_sandboxes_are_kept_out() {
    let app = TestApp::start(None).await;
    let trigger_key = app.key(DEFAULT_SANDBOX_ID, ApiScope::Trigger, None).await;
    let response = app
        .http
        .get(format!("{}/api/v1/campaigns", app.base))
        .bearer_auth(&trigger_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let err: Value = response.json().await.unwrap();
    assert_eq!(err["code"], "admin_scope_required");
    let anonymous = app
        .http
        .get(format!("{}/api/v1/campaigns", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let dev = app.dev_sandbox().await;
    let dev_admin = app.key(&dev.id, ApiScope::Admin, None).await;
    let prod_campaign = app.reset_campaign().await;
    let response = app
        .http
        .post(format!(
            "{}/api/v1/campaigns/{prod_campaign}/stop",
            app.base
        ))
        .bearer_auth(&dev_admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let (_, campaign) = app
        .send(
            Method::GET,
            &format!("/api/v1/campaigns/{prod_campaign}"),
            None,
        )
        .await;
    assert_eq!(campaign["status"], "live", "untouched");
}

#[tokio::test]
async fn profiles_are_upserted_read_and_deleted() {
    let app = TestApp::start(None).await;
    let path = "/api/v1/profiles/crmId/c-7";
    let body = json!({"attributes": {"person": {"name": {"firstName": "Ada"}}},
                      "identities": [{"namespace": "email", "id": "ada@example.org"}]});
    let (status, created) = app.send(Method::PUT, path, Some(body.clone())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["identities"].as_array().unwrap().len(), 2);
    let (status, _) = app.send(Method::PUT, path, Some(body)).await;
    assert_eq!(status, 200);
    let (status, by_email) = app
        .send(Method::GET, "/api/v1/profiles/email/ada@example.org", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(by_email["attributes"]["person"]["name"]["firstName"], "Ada");
    let (status, err) = app
        .send(Method::PUT, path, Some(json!({"attributes": [1]})))
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("malformed_request"))
    );
    let (status, _) = app.send(Method::DELETE, path, None).await;
    assert_eq!(status, 204);
    let (status, err) = app.send(Method::GET, path, None).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (404, Some("profile_not_found"))
    );
}

/// The API's description is committed (`docs/openapi.json`), so a change of the API shows in
/// review as a change of that file; this fails when they drift apart. After a deliberate change:
/// `HERALD_UPDATE_OPENAPI=1 cargo test -p server --test it -- openapi` rewrites the file.
#[test]
fn the_committed_openapi_document_is_the_one_served() {
    let served: serde_json::Value =
        serde_json::from_str(server::rest::openapi::document()).unwrap();
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    if std::env::var_os("HERALD_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &pretty).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == pretty,
        "docs/openapi.json differs from the API Herald serves; if the change is meant, run \
         HERALD_UPDATE_OPENAPI=1 cargo test -p server --test it -- openapi and commit the file"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::start(None).await;
    let doc: Value = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/ajo/im/executions/unitary",
        "/ajo/im/executions/unitary/{executionId}",
        "/api/v1/campaigns/{campaignId}/archive",
        "/api/v1/profiles/{namespace}/{identity}",
        "/api/v1/profiles/import",
        "/api/v1/profiles/export",
        "/api/v1/profile-imports/{importId}/errors",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is missing");
    }
    assert!(doc["components"]["schemas"].get("UnitaryRequest").is_some());
}

#[tokio::test]
async fn campaigns_are_found_by_search_filters_sort_and_page() {
    let app = TestApp::start(None).await;
    let create = |title: &str, channel: &str, category: &str, tags: Value| {
        let mut body = json!({"title": title, "channel": channel, "category": category, "tags": tags,
                              "textBody": "Hi {{context.x}}"});
        if channel != "sms" {
            body["subject"] = json!("S");
        }
        if channel == "sms" {
            body["namespace"] = json!("phone");
        }
        body
    };
    let mut ids = Vec::new();
    for (title, channel, category, tags) in [
        ("Password reset", "email", "transactional", json!(["auth"])),
        ("Spring sale", "email", "marketing", json!(["promo", "vip"])),
        ("OTP code", "sms", "transactional", json!(["auth"])),
        ("Order shipped", "push", "transactional", json!([])),
    ] {
        let (status, c) = app
            .send(
                Method::POST,
                "/api/v1/campaigns",
                Some(create(title, channel, category, tags)),
            )
            .await;
        assert_eq!(status, 201, "{c}");
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    app.send(
        Method::POST,
        &format!("/api/v1/campaigns/{}/activate", ids[0]),
        None,
    )
    .await;
    app.send(
        Method::POST,
        &format!("/api/v1/campaigns/{}/activate", ids[1]),
        None,
    )
    .await;
    app.send(
        Method::POST,
        &format!("/api/v1/campaigns/{}/stop", ids[1]),
        None,
    )
    .await;
    app.send(
        Method::POST,
        &format!("/api/v1/campaigns/{}/archive", ids[1]),
        None,
    )
    .await;

    let titles = |query: &'static str| {
        let app = &app;
        async move {
            let (status, page) = app
                .send(Method::GET, &format!("/api/v1/campaigns?{query}"), None)
                .await;
            assert_eq!(status, 200, "{query}: {page}");
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles("").await,
        ["Order shipped", "OTP code", "Password reset"],
        "archived are hidden"
    );
    assert_eq!(titles("status=archived").await, ["Spring sale"]);
    assert_eq!(titles("status=live").await, ["Password reset"]);
    assert_eq!(
        titles("search=ORD").await,
        ["Order shipped", "Password reset"]
    );
    assert_eq!(
        titles("tag=auth&sort=title").await,
        ["OTP code", "Password reset"]
    );
    assert_eq!(titles("channel=sms").await, ["OTP code"]);
    assert_eq!(
        titles("category=transactional&sort=oldest").await,
        ["Password reset", "OTP code", "Order shipped"]
    );
    assert_eq!(
        titles("search=50%25").await,
        Vec::<String>::new(),
        "% is a character, not a wildcard"
    );
    let (_, page) = app
        .send(Method::GET, "/api/v1/campaigns?page=2", None)
        .await;
    assert_eq!(
        (
            page["total"].as_i64(),
            page["page"].as_i64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(3), Some(2), 0)
    );
    let (status, err) = app
        .send(Method::GET, "/api/v1/campaigns?status=paused", None)
        .await;
    assert_eq!(
        (
            status,
            err["code"].as_str(),
            err["errors"][0]["field"].as_str()
        ),
        (400, Some("invalid_query"), Some("status"))
    );
}

#[tokio::test]
async fn messages_are_searched_by_recipient_request_status_and_date() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    for (request, user) in [
        ("order-1", "ada@example.com"),
        ("order-2", "bob@example.com"),
    ] {
        let body = serde_json::json!({"requestId": request, "campaignId": campaign.to_string(),
            "recipients": [{"type": "external", "userId": user, "namespace": "email",
                            "context": {"resetUrl": "https://x.test/r"}}]});
        assert_eq!(app.trigger(&body).await.0, 202);
    }
    app.herald.drain_outbox().await.unwrap();
    let (status, all) = search(&app, "").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["total"], 2);
    let (_, by_recipient) = search(&app, "recipient=bob%40example.com").await;
    assert_eq!(by_recipient["total"], 1);
    assert_eq!(by_recipient["items"][0]["requestId"], "order-2");
    let (_, by_request) = search(&app, "requestId=order-1&status=sent").await;
    assert_eq!(by_request["items"][0]["recipient"], "ada@example.com");
    let (_, none) = search(&app, "status=failed").await;
    assert_eq!(none["total"], 0);
    let (_, future) = search(&app, "from=2999-01-01").await;
    assert_eq!(future["total"], 0);
    let today = format!(
        "to={}",
        &domain::dates::format_rfc3339(backend::clock::now_ms())[..10]
    );
    let (_, today) = search(&app, &today).await;
    assert_eq!(today["total"], 2);
    let (status, bad) = search(&app, "status=lost").await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_query")));
}

async fn search(app: &TestApp, query: &str) -> (u16, Value) {
    app.send(Method::GET, &format!("/api/v1/messages?{query}"), None)
        .await
}
