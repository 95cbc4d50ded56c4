//! Audiences (`/api/v1/audiences`) and audience sends (`/ajo/im/executions/audience`).

use crate::support::TestApp;
use domain::campaign::CampaignInput;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use reqwest::Method;
use serde_json::{Map, Value, json};

async fn profile(app: &TestApp, email: &str, attributes: Value) {
    let attributes: Map<String, Value> = attributes.as_object().unwrap().clone();
    app.herald
        .upsert_profile(DEFAULT_SANDBOX_ID, ("email", email), &[], &attributes)
        .await
        .unwrap();
}

async fn created(app: &TestApp, body: Value) -> String {
    let (status, audience) = app
        .send(Method::POST, "/api/v1/audiences", Some(body))
        .await;
    assert_eq!(status, 201, "{audience}");
    audience["id"].as_str().unwrap().to_owned()
}

fn identities(emails: &[&str]) -> Value {
    let list: Vec<Value> = emails
        .iter()
        .map(|e| json!({"namespace": "email", "id": e}))
        .collect();
    json!({ "identities": list })
}

#[tokio::test]
async fn audiences_are_static_or_rule_based_and_counted() {
    let app = TestApp::start(None).await;
    profile(
        &app,
        "ana@example.org",
        json!({"preferredLanguage": "fr",
        "consents": {"marketing": {"email": {"val": "y"}}}}),
    )
    .await;
    profile(&app, "bo@example.org", json!({"preferredLanguage": "fr"})).await;
    profile(&app, "cy@example.org", json!({"preferredLanguage": "de"})).await;

    let french = created(
        &app,
        json!({"name": "French, consenting",
               "rule": "preferredLanguage = fr and consents.marketing.email.val = y"}),
    )
    .await;
    let (_, view) = app
        .send(Method::GET, &format!("/api/v1/audiences/{french}"), None)
        .await;
    assert_eq!(view["kind"], "rule");
    assert_eq!(
        view["rule"],
        "preferredLanguage = fr AND consents.marketing.email.val = y"
    );
    assert_eq!(view["members"], Value::Null);
    let (_, count) = app
        .send(
            Method::GET,
            &format!("/api/v1/audiences/{french}/count"),
            None,
        )
        .await;
    assert_eq!(count["count"], 1);
    let (status, count) = app
        .send(
            Method::POST,
            "/api/v1/audiences/count",
            Some(json!({"rule": "preferredLanguage = fr"})),
        )
        .await;
    assert_eq!((status, count["count"].as_i64()), (200, Some(2)));
    let (status, bad) = app
        .send(
            Method::POST,
            "/api/v1/audiences",
            Some(json!({"name": "Bad", "rule": "preferredLanguage fr"})),
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "rule");
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("condition 1")
    );

    let vip = created(&app, json!({"name": "VIP"})).await;
    let (status, change) = app
        .send(
            Method::POST,
            &format!("/api/v1/audiences/{vip}/members"),
            Some(identities(&[
                "ana@example.org",
                "cy@example.org",
                "nobody@example.org",
            ])),
        )
        .await;
    assert_eq!(status, 200, "{change}");
    assert_eq!(change["changed"], 2);
    assert_eq!(change["members"], 2);
    assert_eq!(
        change["unknown"],
        json!([{"namespace": "email", "id": "nobody@example.org"}])
    );
    let (_, again) = app
        .send(
            Method::POST,
            &format!("/api/v1/audiences/{vip}/members"),
            Some(identities(&["ana@example.org"])),
        )
        .await;
    assert_eq!(
        (again["changed"].as_i64(), again["members"].as_i64()),
        (Some(0), Some(2))
    );
    let (_, removed) = app
        .send(
            Method::POST,
            &format!("/api/v1/audiences/{vip}/members/remove"),
            Some(identities(&["cy@example.org"])),
        )
        .await;
    assert_eq!(removed["members"], 1);

    // A static audience stays static; a rule-based one takes no members; names are unique.
    let (status, _) = app
        .send(
            Method::PUT,
            &format!("/api/v1/audiences/{vip}"),
            Some(json!({"name": "VIP", "rule": "a exists"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, refused) = app
        .send(
            Method::POST,
            &format!("/api/v1/audiences/{french}/members"),
            Some(identities(&["bo@example.org"])),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("audience_is_rule_based"))
    );
    let (status, _) = app
        .send(
            Method::POST,
            "/api/v1/audiences",
            Some(json!({"name": "VIP"})),
        )
        .await;
    assert_eq!(status, 409);
    let (_, list) = app.send(Method::GET, "/api/v1/audiences", None).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["French, consenting", "VIP"]);

    // Another sandbox sees none of them.
    let other = app.dev_sandbox().await;
    let key = app.key(&other.id, ApiScope::Admin, None).await;
    let status = app
        .http
        .get(format!("{}/api/v1/audiences/{vip}", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);

    let (status, _) = app
        .send(Method::DELETE, &format!("/api/v1/audiences/{vip}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .send(Method::GET, &format!("/api/v1/audiences/{vip}"), None)
        .await;
    assert_eq!(status, 404);
}

async fn newsletter(app: &TestApp) -> domain::ids::CampaignId {
    let input = CampaignInput {
        title: "Newsletter".into(),
        namespace: "email".into(),
        subject: "News for {{profile.name}}: {{context.issue}}".into(),
        text_body: "Issue {{context.issue}}".into(),
        ..CampaignInput::default()
    };
    app.campaign_in(DEFAULT_SANDBOX_ID, input, true).await
}

#[tokio::test]
async fn an_audience_send_gives_every_member_one_message() {
    let app = TestApp::start(None).await;
    for i in 0..25 {
        profile(
            &app,
            &format!("m{i:02}@example.org"),
            json!({"name": format!("M{i}"), "tier": "gold"}),
        )
        .await;
    }
    // A member without an email address (known by another identity only).
    app.herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("crmId", "no-email"),
            &[],
            json!({"tier": "gold"}).as_object().unwrap(),
        )
        .await
        .unwrap();
    profile(&app, "silver@example.org", json!({"tier": "silver"})).await;
    let gold = created(&app, json!({"name": "Gold", "rule": "tier = gold"})).await;
    let campaign = newsletter(&app).await;
    let body = json!({"requestId": "issue-7", "campaignId": campaign.to_string(),
                      "audience": {"id": gold}, "context": {"issue": "7"}});
    let response = app
        .api(Method::POST, "/ajo/im/executions/audience")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let accepted: Value = response.json().await.unwrap();
    assert_eq!(accepted["requestId"], "issue-7");
    for field in [
        "executionId",
        "createdAt",
        "createdBy",
        "modifiedAt",
        "modifiedBy",
    ] {
        assert!(accepted[field].is_string(), "{field}: {accepted}");
    }
    let id = accepted["executionId"].as_str().unwrap().to_owned();
    let status_path = format!("/ajo/im/executions/audience/{id}");
    let (_, before) = app.send(Method::GET, &status_path, None).await;
    assert_eq!(before["status"], "InProgress");
    assert_eq!(before["campaignId"], campaign.to_string());
    assert_eq!(before["audienceId"], gold.as_str());

    // The same call again is a replay; with another body, a conflict.
    let again = app
        .api(Method::POST, "/ajo/im/executions/audience")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.json::<Value>().await.unwrap()["executionId"],
        id.as_str()
    );
    let mut other = body.clone();
    other["context"]["issue"] = json!("8");
    let (status, conflict) = app
        .send(Method::POST, "/ajo/im/executions/audience", Some(other))
        .await;
    assert_eq!(
        (status, conflict["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );

    assert_eq!(app.herald.run_audience_sends_now().await.unwrap(), 1);
    app.herald.drain_outbox().await.unwrap();
    let (_, after) = app.send(Method::GET, &status_path, None).await;
    assert_eq!(after["status"], "Succeeded", "{after}");
    assert_eq!(after["targetedProfileCount"], 26);
    assert_eq!(after["queued"], 25);
    assert_eq!(after["sent"], 25);
    assert_eq!(after["excluded"], 1);
    assert!(after["finishedAt"].is_string());
    let messages = app
        .herald
        .recent_messages(DEFAULT_SANDBOX_ID, 100)
        .await
        .unwrap();
    let mine: Vec<_> = messages.iter().filter(|m| m.execution_id == id).collect();
    assert_eq!(mine.len(), 26);
    let m03 = mine
        .iter()
        .find(|m| m.recipient == "m03@example.org")
        .unwrap();
    assert_eq!(m03.subject, "News for M3: 7");
    let invalid = mine.iter().find(|m| m.recipient.is_empty()).unwrap();
    assert!(
        invalid
            .status_reason
            .as_deref()
            .unwrap_or_default()
            .contains("no email address"),
        "{invalid:?}"
    );
    // The report counts the send like any other: 26 targeted, one excluded for its reason.
    let (_, report) = app
        .send(
            Method::GET,
            &format!("/api/v1/campaigns/{campaign}/report"),
            None,
        )
        .await;
    assert_eq!(report["totals"]["targeted"], 26, "{report}");
}

#[tokio::test]
async fn audience_calls_are_checked_before_anything_is_stored() {
    let app = TestApp::start(None).await;
    let campaign = newsletter(&app).await;
    let audience = created(&app, json!({"name": "Everyone", "rule": "tier exists"})).await;
    let cases = [
        (
            json!({"campaignId": campaign.to_string(), "context": {"issue": "1"}}),
            400,
            "audience.id",
        ),
        (
            json!({"campaignId": campaign.to_string(), "audience": {"id": audience}}),
            400,
            "context.issue",
        ),
        (
            json!({"campaignId": campaign.to_string(), "audience": {"id": audience},
                "context": {"issue": "1"}, "schedule": {"executeAt": "soon"}}),
            400,
            "schedule.executeAt",
        ),
        (json!({"audience": {"id": audience}}), 400, "campaignId"),
    ];
    for (body, status, field) in cases {
        let (got, error) = app
            .send(Method::POST, "/ajo/im/executions/audience", Some(body))
            .await;
        assert_eq!(got, status, "{error}");
        assert_eq!(error["errors"][0]["field"], field, "{error}");
    }
    let (status, error) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(json!({"campaignId": campaign.to_string(), "audience": {"id": domain::ids::AudienceId::new().to_string()},
                        "context": {"issue": "1"}})),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("audience_not_found"))
    );
    assert_eq!(app.count("audience_sends").await, 0);
    let (status, _) = app
        .send(
            Method::GET,
            &format!(
                "/ajo/im/executions/audience/{}",
                domain::ids::ExecutionId::new()
            ),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

fn in_ms(ms: i64) -> String {
    domain::dates::format_rfc3339(backend::clock::now_ms() + ms)
}

#[tokio::test]
async fn scheduled_sends_fire_once_at_their_time_and_can_be_deleted_before() {
    let app = TestApp::start(None).await;
    profile(
        &app,
        "ana@example.org",
        json!({"name": "Ana", "tier": "gold"}),
    )
    .await;
    let gold = created(&app, json!({"name": "Gold", "rule": "tier = gold"})).await;
    let campaign = newsletter(&app).await;
    let call = |request_id: &str, at: String| {
        json!({"requestId": request_id, "campaignId": campaign.to_string(), "audience": {"id": gold},
               "context": {"issue": "9"}, "schedule": {"executeAt": at}})
    };

    // A schedule an hour ahead: shown, replayed, deleted.
    let later = call("later", in_ms(3_600_000));
    let (status, scheduled) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(later.clone()),
        )
        .await;
    assert_eq!(status, 202, "{scheduled}");
    assert_eq!(scheduled["scheduleStatus"], "Scheduled");
    assert_eq!(scheduled["audience"]["id"], gold.as_str());
    assert_eq!(scheduled["campaignId"], campaign.to_string());
    let id = scheduled["scheduleId"].as_str().unwrap().to_owned();
    let again = app
        .api(Method::POST, "/ajo/im/executions/audience")
        .json(&later)
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.json::<Value>().await.unwrap()["scheduleId"],
        id.as_str()
    );
    let path = format!("/ajo/im/executions/schedules/{id}");
    let (status, shown) = app.send(Method::GET, &path, None).await;
    assert_eq!(
        (status, shown["executionDetails"].clone()),
        (200, Value::Null)
    );
    let (status, deleted) = app.send(Method::DELETE, &path, None).await;
    assert_eq!((status, deleted), (200, json!({})));
    let (status, _) = app.send(Method::GET, &path, None).await;
    assert_eq!(status, 404);
    assert_eq!(app.herald.run_audience_sends_now().await.unwrap(), 0);

    // One due in a moment fires once, then cannot be deleted.
    let (_, soon) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(call("soon", in_ms(1_500))),
        )
        .await;
    let path = format!(
        "/ajo/im/executions/schedules/{}",
        soon["scheduleId"].as_str().unwrap()
    );
    // One whose audience is deleted before its time fails at it, saying why.
    let silver = created(&app, json!({"name": "Silver", "rule": "tier = silver"})).await;
    let mut orphan = call("orphan", in_ms(1_500));
    orphan["audience"]["id"] = json!(silver);
    let (_, orphan) = app
        .send(Method::POST, "/ajo/im/executions/audience", Some(orphan))
        .await;
    let (status, _) = app
        .send(Method::DELETE, &format!("/api/v1/audiences/{silver}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        app.herald.run_audience_sends_now().await.unwrap(),
        0,
        "not due yet"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_700)).await;
    assert_eq!(app.herald.run_audience_sends_now().await.unwrap(), 1);
    assert_eq!(
        app.herald.run_audience_sends_now().await.unwrap(),
        0,
        "fired once"
    );
    let (_, fired) = app.send(Method::GET, &path, None).await;
    assert_eq!(fired["scheduleStatus"], "Triggered", "{fired}");
    assert_eq!(fired["executionDetails"]["status"], "Succeeded");
    assert_eq!(fired["executionDetails"]["targetedProfileCount"], 1);
    assert_eq!(fired["executionDetails"]["requestId"], "soon");
    let (status, refused) = app.send(Method::DELETE, &path, None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("schedule_already_triggered"))
    );
    let orphan_path = format!(
        "/ajo/im/executions/schedules/{}",
        orphan["scheduleId"].as_str().unwrap()
    );
    let (_, failed) = app.send(Method::GET, &orphan_path, None).await;
    assert_eq!(failed["scheduleStatus"], "Failed", "{failed}");
    assert_eq!(failed["failure"], "the audience was deleted");
    assert_eq!(failed["audience"]["id"], Value::Null);
}

#[tokio::test]
async fn a_schedule_found_past_its_grace_period_is_missed_not_sent() {
    let app = TestApp::start_with(None, &[("HERALD_SCHEDULE_GRACE_SECS", "0")]).await;
    profile(&app, "ana@example.org", json!({"tier": "gold"})).await;
    let gold = created(&app, json!({"name": "Gold", "rule": "tier = gold"})).await;
    let campaign = newsletter(&app).await;
    let (_, scheduled) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(
                json!({"campaignId": campaign.to_string(), "audience": {"id": gold},
                        "context": {"issue": "1"}, "schedule": {"executeAt": in_ms(1_200)}}),
            ),
        )
        .await;
    // Herald "was down" at its time: nothing fired it until now.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert_eq!(app.herald.run_audience_sends_now().await.unwrap(), 0);
    let path = format!(
        "/ajo/im/executions/schedules/{}",
        scheduled["scheduleId"].as_str().unwrap()
    );
    let (_, missed) = app.send(Method::GET, &path, None).await;
    assert_eq!(missed["scheduleStatus"], "Missed", "{missed}");
    assert!(missed["failure"].as_str().unwrap().contains("grace period"));
    assert_eq!(app.count("audience_sends").await, 0);
    assert_eq!(app.count("messages").await, 0);
}

#[tokio::test]
async fn a_campaign_may_name_its_own_audience() {
    let app = TestApp::start(None).await;
    profile(&app, "ana@example.org", json!({"tier": "gold"})).await;
    let gold = created(&app, json!({"name": "Gold", "rule": "tier = gold"})).await;
    let body = |audience: &str| json!({"title": "Gold news", "subject": "Hi", "textBody": "News", "audienceId": audience});
    let (status, refused) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            Some(body(&domain::ids::AudienceId::new().to_string())),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "audienceId");
    let (status, campaign) = app
        .send(Method::POST, "/api/v1/campaigns", Some(body(&gold)))
        .await;
    assert_eq!(status, 201, "{campaign}");
    assert_eq!(campaign["audienceName"], "Gold");
    let id = campaign["id"].as_str().unwrap();
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{id}/activate"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, accepted) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(json!({"campaignId": id})),
        )
        .await;
    assert_eq!(status, 202, "{accepted}");
    app.herald.run_audience_sends_now().await.unwrap();
    let (_, send) = app
        .send(
            Method::GET,
            &format!(
                "/ajo/im/executions/audience/{}",
                accepted["executionId"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(send["audienceId"], gold.as_str());
    assert_eq!(send["targetedProfileCount"], 1);
}

#[tokio::test]
async fn a_cancelled_send_queues_no_more_and_sends_nothing_that_waits() {
    let app = TestApp::start(None).await;
    for i in 0..5 {
        profile(
            &app,
            &format!("c{i}@example.org"),
            json!({"tier": "gold", "name": "C"}),
        )
        .await;
    }
    let gold = created(&app, json!({"name": "Gold", "rule": "tier = gold"})).await;
    let campaign = newsletter(&app).await;
    let start = |request_id: &str| {
        json!({"requestId": request_id, "campaignId": campaign.to_string(),
               "audience": {"id": gold}, "context": {"issue": "3"}})
    };
    // Cancelled once its members are queued: the waiting messages are excluded, not sent.
    let (_, queued) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(start("queued")),
        )
        .await;
    let queued = queued["executionId"].as_str().unwrap().to_owned();
    // Cancelled before any member was queued: nothing is.
    let (_, early) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(start("early")),
        )
        .await;
    let early = early["executionId"].as_str().unwrap().to_owned();
    let cancel = |id: &str| format!("/api/v1/audience-sends/{id}/cancel");
    let (status, body) = app.send(Method::POST, &cancel(&early), None).await;
    assert_eq!(
        (status, body["excluded"].as_u64()),
        (200, Some(0)),
        "{body}"
    );
    assert_eq!(app.herald.run_audience_sends_now().await.unwrap(), 1);
    let (status, body) = app.send(Method::POST, &cancel(&queued), None).await;
    assert_eq!(
        (status, body["excluded"].as_u64()),
        (200, Some(5)),
        "{body}"
    );
    let (status, again) = app.send(Method::POST, &cancel(&queued), None).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("send_not_running"))
    );
    app.herald.drain_outbox().await.unwrap();

    for (id, messages) in [(&queued, 5), (&early, 0)] {
        let (_, send) = app
            .send(
                Method::GET,
                &format!("/ajo/im/executions/audience/{id}"),
                None,
            )
            .await;
        assert_eq!(send["status"], "Failed", "{send}");
        assert_eq!(send["failure"], "the audience send was cancelled");
        assert_eq!(send["sent"], 0);
        assert_eq!(send["excluded"], messages);
    }
    let (_, report) = app
        .send(
            Method::GET,
            &format!("/api/v1/campaigns/{campaign}/report"),
            None,
        )
        .await;
    assert_eq!(report["totals"]["excluded"], 5, "{report}");
    let (_, found) = app
        .send(
            Method::GET,
            &format!("/api/v1/messages?campaignId={campaign}&reason=cancelled"),
            None,
        )
        .await;
    assert_eq!(found["total"], 5, "{found}");
}

#[tokio::test]
async fn members_still_waiting_when_the_send_window_closes_are_excluded() {
    let app = TestApp::start(None).await;
    for i in 0..3 {
        profile(
            &app,
            &format!("w{i}@example.org"),
            json!({"tier": "gold", "name": "W"}),
        )
        .await;
    }
    let gold = created(&app, json!({"name": "Gold", "rule": "tier = gold"})).await;
    let campaign = newsletter(&app).await;
    let (_, accepted) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(
                json!({"campaignId": campaign.to_string(), "audience": {"id": gold},
                        "context": {"issue": "4"}}),
            ),
        )
        .await;
    app.herald.run_audience_sends_now().await.unwrap();
    let db = app.db().await;
    let (created, send_by): (i64, i64) = sqlx::query_as(
        "SELECT MIN(e.created_at), MIN(m.send_by) FROM messages m JOIN executions e ON e.id = m.execution_id",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(
        send_by - created,
        12 * 3600 * 1000,
        "the default window is 12 hours"
    );
    // Twelve hours later (Herald was down, or the campaign's pace was too slow), none is sent.
    sqlx::query("UPDATE messages SET send_by = 1")
        .execute(db)
        .await
        .unwrap();
    app.herald.drain_outbox().await.unwrap();
    let (_, send) = app
        .send(
            Method::GET,
            &format!(
                "/ajo/im/executions/audience/{}",
                accepted["executionId"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(
        (send["sent"].as_i64(), send["excluded"].as_i64()),
        (Some(0), Some(3)),
        "{send}"
    );
    let (_, report) = app
        .send(
            Method::GET,
            &format!("/api/v1/campaigns/{campaign}/report"),
            None,
        )
        .await;
    let exclusions = report["exclusions"].to_string();
    assert!(exclusions.contains("send_window"), "{report}");
}

/// What a person starts on the campaign page: the same send as the API's, recorded under their
/// name (through the sandbox's console key, which no one can present and no list shows).
#[tokio::test]
async fn a_person_sends_and_schedules_from_the_browser() {
    use domain::audience::{BrowserSend, ScheduleStatus};
    let app = TestApp::start(None).await;
    for email in ["ana@example.org", "bo@example.org"] {
        profile(&app, email, json!({"name": "A", "tier": "gold"})).await;
    }
    let gold = created(&app, json!({"name": "Gold", "rule": "tier = gold"})).await;
    let campaign = newsletter(&app).await;
    let caller = app.caller().await;
    let send = BrowserSend {
        campaign_id: campaign.to_string(),
        audience_id: gold.clone(),
        context: r#"{"issue": "12"}"#.into(),
        execute_at: None,
        local_time: None,
        request_id: "review-1".into(),
    };
    let send_now = |send: BrowserSend| app.herald.send_from_browser(&caller, send);
    let first = send_now(send.clone()).await.unwrap();
    // Confirming twice (the same review) sends once.
    let again = send_now(send.clone()).await.unwrap();
    use backend::audience_sends::AudienceAnswer::{Scheduled, Started};
    let (Started(first), Started(again)) = (first, again) else {
        panic!("both start a send");
    };
    assert!(!first.replay && again.replay);
    assert_eq!(first.execution_id, again.execution_id);

    // A context that is not JSON, or that lacks what the content needs, is refused by name.
    let broken = BrowserSend {
        context: "{issue".into(),
        request_id: "review-2".into(),
        ..send.clone()
    };
    let refused = send_now(broken).await.unwrap_err();
    assert_eq!(refused.errors[0].field, "context", "{refused:?}");
    let empty = BrowserSend {
        context: String::new(),
        request_id: "review-3".into(),
        ..send.clone()
    };
    let refused = send_now(empty).await.unwrap_err();
    assert_eq!(refused.errors[0].field, "context.issue", "{refused:?}");

    // Later: listed as scheduled until deleted.
    let later = BrowserSend {
        execute_at: Some(in_ms(3_600_000)),
        request_id: "review-4".into(),
        ..send.clone()
    };
    let Scheduled { schedule, .. } = send_now(later).await.unwrap() else {
        panic!("a future time schedules");
    };
    assert_eq!(app.herald.run_audience_sends_now().await.unwrap(), 1);
    app.herald.drain_outbox().await.unwrap();
    let listed = app
        .herald
        .campaign_sends(DEFAULT_SANDBOX_ID, campaign)
        .await
        .unwrap();
    let (sends, schedules) = (listed.sends, listed.schedules);
    assert_eq!(sends.len(), 1);
    assert_eq!(
        (sends[0].sent, sends[0].started_by.as_str()),
        (2, "marketer@example.com")
    );
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].status, ScheduleStatus::Scheduled);
    assert_eq!(schedules[0].started_by, "marketer@example.com");
    app.herald
        .delete_audience_schedule(&caller, &schedule.id.to_string())
        .await
        .unwrap();
    assert!(
        app.herald
            .campaign_sends(DEFAULT_SANDBOX_ID, campaign)
            .await
            .unwrap()
            .schedules
            .is_empty()
    );

    // The campaign's history says who did what.
    let history = app.herald.campaign(campaign).await.unwrap().history;
    let actions: Vec<(&str, &str)> = history
        .iter()
        .map(|h| (h.action.as_str(), h.actor.as_str()))
        .take(3)
        .collect();
    assert_eq!(
        actions,
        [
            ("deleted a schedule", "marketer@example.com"),
            ("scheduled a send", "marketer@example.com"),
            ("sent to an audience", "marketer@example.com"),
        ]
    );

    // The console key is in no list and cannot be revoked by its name.
    let keys = app.herald.list_api_keys(DEFAULT_SANDBOX_ID).await.unwrap();
    assert!(keys.iter().all(|k| k.name != "Herald console"), "{keys:?}");
    assert_eq!(
        app.herald
            .revoke_api_key(
                None,
                "Herald console",
                &backend::store::audit::Who::without_address("operator")
            )
            .await
            .unwrap_or(0),
        0
    );
}

/// `schedule.localTime`: each member's message waits for their own zone's clock (the profile's
/// `timeZone`, else the sandbox's); members whose time passed beyond the grace period are
/// excluded; a send whose first zone is still ahead is a schedule.
#[tokio::test]
async fn local_time_sends_reach_each_member_at_their_zones_time() {
    let app = TestApp::start(None).await;
    let (status, refused) = app
        .send(
            Method::PUT,
            "/api/v1/sandbox",
            Some(json!({"timeZone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "timeZone");
    let (status, settings) = app
        .send(
            Method::PUT,
            "/api/v1/sandbox",
            Some(json!({"timeZone": "etc/gmt-3"})),
        )
        .await;
    assert_eq!((status, &settings["timeZone"]), (200, &json!("Etc/GMT-3")));

    // The local time: the UTC clock ten minutes ago. In UTC it is just due; in UTC−5 it is
    // ahead; in UTC+3 (the sandbox's zone) it passed 3 h ago, beyond the 1 h grace period.
    let local = in_ms(-600_000)[..16].to_owned();
    let members = [
        ("due@example.org", json!({"name": "D", "timeZone": "UTC"})),
        (
            "ahead@example.org",
            json!({"name": "A", "timeZone": "Etc/GMT+5"}),
        ),
        ("passed@example.org", json!({"name": "P"})),
        (
            "unknown@example.org",
            json!({"name": "U", "timeZone": "Nowhere/Land"}),
        ),
    ];
    for (email, attributes) in &members {
        profile(&app, email, attributes.clone()).await;
    }
    let everyone = created(&app, json!({"name": "Everyone", "rule": "name exists"})).await;
    let campaign = newsletter(&app).await;
    let call = |schedule: Value, request: &str| {
        json!({"campaignId": campaign.to_string(), "audience": {"id": everyone},
               "context": {"issue": "7"}, "requestId": request, "schedule": schedule})
    };
    for (schedule, field) in [
        (
            json!({"localTime": "2020-01-01T09:00"}),
            "schedule.localTime",
        ),
        (
            json!({"localTime": "2030-01-01T09:00Z"}),
            "schedule.localTime",
        ),
        (
            json!({"localTime": "2030-01-01T09:00", "executeAt": "2030-01-01T09:00:00Z"}),
            "schedule.localTime",
        ),
    ] {
        let (status, refused) = app
            .send(
                Method::POST,
                "/ajo/im/executions/audience",
                Some(call(schedule, "bad")),
            )
            .await;
        assert_eq!(status, 400, "{refused}");
        assert_eq!(refused["errors"][0]["field"], field, "{refused}");
    }

    let (status, accepted) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(call(json!({"localTime": local}), "now")),
        )
        .await;
    assert_eq!(status, 202, "{accepted}");
    let execution = accepted["executionId"].as_str().expect("started at once");
    app.herald.run_audience_sends_now().await.unwrap();
    app.herald.drain_outbox().await.unwrap();
    let (_, send) = app
        .send(
            Method::GET,
            &format!("/ajo/im/executions/audience/{execution}"),
            None,
        )
        .await;
    assert_eq!(
        (
            send["sent"].as_i64(),
            send["queued"].as_i64(),
            send["excluded"].as_i64()
        ),
        (Some(1), Some(2), Some(2)),
        "{send}"
    );
    let db = app.db().await;
    let rows: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT address, status, next_attempt_at, status_reason FROM messages ORDER BY address",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let due_at = domain::dates::parse_rfc3339_ms(&format!("{local}:00Z")).unwrap();
    let hour = 3_600_000;
    for (address, status, next_attempt_at, reason) in rows {
        match address.as_str() {
            "due@example.org" => assert_eq!(status, "sent"),
            "ahead@example.org" => {
                assert_eq!(
                    (status.as_str(), next_attempt_at),
                    ("queued", due_at + 5 * hour)
                )
            }
            _ => {
                assert_eq!(status, "excluded", "{address}");
                let reason = reason.unwrap_or_default();
                assert!(reason.contains("in Etc/GMT-3 had passed"), "{reason}");
            }
        }
    }
    let (_, report) = app
        .send(
            Method::GET,
            &format!("/api/v1/campaigns/{campaign}/report"),
            None,
        )
        .await;
    assert!(
        report["exclusions"]
            .to_string()
            .contains("local_time_passed"),
        "{report}"
    );

    // 09:00 tomorrow, more than 14 h ahead: a schedule, starting when the first zone gets
    // there. Found late (Herald was down) it still fires while some zone is ahead.
    let tomorrow = in_ms(20 * hour)[..16].to_owned();
    let (status, scheduled) = app
        .send(
            Method::POST,
            "/ajo/im/executions/audience",
            Some(call(json!({"localTime": tomorrow}), "tomorrow")),
        )
        .await;
    assert_eq!(status, 202, "{scheduled}");
    assert_eq!(scheduled["localTime"], format!("{tomorrow}:00"));
    let first_zone =
        domain::dates::parse_rfc3339_ms(&format!("{tomorrow}:00Z")).unwrap() - 14 * hour;
    let execute_at =
        domain::dates::parse_rfc3339_ms(scheduled["executeAt"].as_str().unwrap()).unwrap();
    assert_eq!(execute_at, first_zone, "{scheduled}");
    let schedule = scheduled["scheduleId"].as_str().unwrap();
    sqlx::query("UPDATE audience_schedules SET execute_at = $1 WHERE id = $2")
        .bind(backend::clock::now_ms() - 3 * hour)
        .bind(schedule)
        .execute(db)
        .await
        .unwrap();
    app.herald.run_audience_sends_now().await.unwrap();
    let (_, fired) = app
        .send(
            Method::GET,
            &format!("/ajo/im/executions/schedules/{schedule}"),
            None,
        )
        .await;
    assert_eq!(fired["scheduleStatus"], "Triggered", "{fired}");
    assert_eq!(fired["localTime"], format!("{tomorrow}:00"));
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE execution_id = $1 AND next_attempt_at > $2",
    )
    .bind(fired["executionDetails"]["executionId"].as_str().unwrap())
    .bind(backend::clock::now_ms() + 4 * hour)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(held, 4, "every member waits for their zone: {fired}");
}
