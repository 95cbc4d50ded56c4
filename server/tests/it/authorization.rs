//! The authorization matrix: every server function and every REST route, called by every role
//! (and without a session, by a person of another sandbox, by each key scope), is allowed or
//! refused as the tables here say. A server function or route missing from its table fails
//! the test, so a new door cannot open unnoticed.

use crate::support::{PASSWORD, TestApp};
use app::api::*;
use app::team::*;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID, Permission, Role};
use leptos::server_fn::ServerFn;
use reqwest::Method;
use std::collections::BTreeSet;

/// Who calls a server function.
#[derive(Debug, Clone, Copy)]
enum Person {
    Nobody,
    Member(Role),
}

/// One server function: its path, what it needs (`None`: anyone, even without a session) and
/// arguments the browser could send.
struct Door {
    path: &'static str,
    needs: Option<Permission>,
    body: String,
}

fn door<T: ServerFn + serde::Serialize>(args: T, needs: Option<Permission>) -> Door {
    Door {
        path: T::PATH,
        needs,
        body: serde_qs::to_string(&args).unwrap(),
    }
}

fn valid_input() -> domain::campaign::CampaignInput {
    domain::campaign::CampaignInput {
        title: "Matrix".into(),
        namespace: "email".into(),
        subject: "Hello".into(),
        html_body: "<p>Hello</p>".into(),
        ..Default::default()
    }
}

fn report_query() -> domain::report::ReportQueryInput {
    domain::report::ReportQueryInput {
        bucket: Some("hour".into()),
        ..Default::default()
    }
}

fn server_functions(campaign: &str, user: &str) -> Vec<Door> {
    use Permission::*;
    let id = || campaign.to_owned();
    let someone = || user.to_owned();
    let s = String::new;
    vec![
        door(Workspace {}, Some(Read)),
        door(
            SwitchSandbox {
                id: DEFAULT_SANDBOX_ID.into(),
            },
            Some(Read),
        ),
        door(
            CreateSandbox {
                org_id: "herald".into(),
                name: "matrix".into(),
            },
            Some(Own),
        ),
        door(System {}, Some(Own)),
        door(Retention {}, Some(Read)),
        door(
            SetRetention {
                content_days: s(),
                message_days: s(),
                webhook_days: s(),
            },
            Some(Configure),
        ),
        door(SandboxSettings {}, Some(Read)),
        door(
            SetSandboxSettings {
                phone_region: s(),
                time_zone: s(),
            },
            Some(Configure),
        ),
        door(
            FindCampaigns {
                query: Default::default(),
            },
            Some(Read),
        ),
        door(KnownAttributes {}, Some(Read)),
        door(ListCampaigns {}, Some(Read)),
        door(GetCampaign { id: id() }, Some(Read)),
        door(
            CreateCampaign {
                input: valid_input(),
            },
            Some(Edit),
        ),
        door(
            UpdateCampaign {
                id: id(),
                input: valid_input(),
            },
            Some(Edit),
        ),
        door(ActivateCampaign { id: id() }, Some(Launch)),
        door(
            RequestApproval {
                id: id(),
                note: s(),
            },
            Some(Edit),
        ),
        door(
            DecideApproval {
                id: id(),
                version: 1,
                approve: true,
                comment: s(),
            },
            Some(Launch),
        ),
        door(StopCampaign { id: id() }, Some(Launch)),
        door(ArchiveCampaign { id: id() }, Some(Launch)),
        door(DuplicateCampaign { id: id() }, Some(Edit)),
        door(DeleteDraft { id: id() }, Some(Edit)),
        door(
            ApplyReviewFix {
                id: id(),
                fix: domain::review::Fix::AddUnsubscribeLink,
            },
            Some(Edit),
        ),
        door(CampaignVersions { id: id() }, Some(Read)),
        door(
            CampaignVersion {
                id: id(),
                version: 1,
            },
            Some(Read),
        ),
        door(
            CompareVersions {
                id: id(),
                from: Some(1),
                to: Some(1),
            },
            Some(Read),
        ),
        door(
            RollBackCampaign {
                id: id(),
                version: 1,
            },
            Some(Edit),
        ),
        door(DiscardDraftVersion { id: id() }, Some(Edit)),
        door(CampaignTestSends { id: id() }, Some(Read)),
        door(
            SaveContent {
                campaign_id: id(),
                name: "matrix".into(),
                description: s(),
            },
            Some(Edit),
        ),
        door(ListSavedContent {}, Some(Read)),
        door(SavedContent { id: id() }, Some(Read)),
        door(DeleteSavedContent { id: id() }, Some(Edit)),
        door(ListFragments {}, Some(Read)),
        door(Fragment { id: id() }, Some(Read)),
        door(
            SaveFragment {
                id: None,
                name: "matrix".into(),
                description: s(),
                body: "x".into(),
            },
            Some(Edit),
        ),
        door(DeleteFragment { id: id() }, Some(Edit)),
        door(
            CampaignTestSend {
                id: id(),
                test_id: id(),
            },
            Some(Read),
        ),
        door(
            FindMessages {
                query: Default::default(),
            },
            Some(Read),
        ),
        door(GetMessage { id: id() }, Some(Read)),
        door(ListApiKeys {}, Some(Read)),
        door(
            CreateApiKey {
                name: "matrix".into(),
                scope: "trigger".into(),
                campaigns: None,
            },
            Some(Configure),
        ),
        door(RevokeApiKey { id: id() }, Some(Configure)),
        door(
            TextFromHtml {
                html: "<p>hi</p>".into(),
            },
            Some(Edit),
        ),
        door(ListNamespaces {}, Some(Read)),
        door(
            AddNamespace {
                name: "matrixId".into(),
                description: s(),
            },
            Some(Configure),
        ),
        door(
            DeleteNamespace {
                name: "matrixId".into(),
            },
            Some(Configure),
        ),
        door(ListSurfaces {}, Some(Read)),
        door(
            SaveSurface {
                id: None,
                input: Default::default(),
            },
            Some(Configure),
        ),
        door(VerifySurface { id: id() }, Some(Configure)),
        door(DeleteSurface { id: id() }, Some(Configure)),
        door(
            SendTest {
                id: id(),
                address: "a@example.org".into(),
                profile: "{}".into(),
                context: "{}".into(),
            },
            Some(Edit),
        ),
        door(
            CampaignReport {
                id: id(),
                query: report_query(),
            },
            Some(Read),
        ),
        door(
            Home {
                query: report_query(),
            },
            Some(Read),
        ),
        door(ListAudiences {}, Some(Read)),
        door(
            CreateAudience {
                name: "Matrix".into(),
                description: s(),
                rule: s(),
            },
            Some(Edit),
        ),
        door(DeleteAudience { id: id() }, Some(Edit)),
        door(
            CountRule {
                rule: "tier = gold".into(),
            },
            Some(Read),
        ),
        door(
            AddAudienceMembers {
                id: id(),
                identities: s(),
            },
            Some(Edit),
        ),
        door(CampaignAudienceSends { campaign_id: id() }, Some(Read)),
        door(
            SendToAudience {
                campaign_id: id(),
                audience_id: s(),
                context: s(),
                execute_at: None,
                local_time: None,
                request_id: "matrix".into(),
            },
            Some(Trigger),
        ),
        door(DeleteAudienceSchedule { schedule_id: id() }, Some(Trigger)),
        door(CancelAudienceSend { execution_id: id() }, Some(Trigger)),
        door(
            ProfilePage {
                query: s(),
                before: None,
            },
            Some(Read),
        ),
        door(ProfileDetail { id: id() }, Some(Read)),
        door(
            SaveProfileAttributes {
                id: id(),
                attributes: "{}".into(),
            },
            Some(Edit),
        ),
        door(EraseProfile { id: id() }, Some(Edit)),
        door(ProfileImports {}, Some(Read)),
        door(DoNotSend {}, Some(Read)),
        door(
            LiftDoNotSend {
                kind: "suppression".into(),
                channel: "email".into(),
                address: "a@example.org".into(),
            },
            Some(Configure),
        ),
        door(ListWebhooks {}, Some(Read)),
        door(
            AddWebhook {
                url: "https://hooks.example.org/h".into(),
                events: vec![domain::webhook::WEBHOOK_EVENTS[0].into()],
            },
            Some(Configure),
        ),
        door(WebhookDeliveries { id: id() }, Some(Read)),
        door(RotateWebhookSecret { id: id() }, Some(Configure)),
        door(DeleteWebhook { id: id() }, Some(Configure)),
        door(Team {}, Some(Read)),
        door(SetApprovalRequired { required: false }, Some(Own)),
        door(
            Invite {
                email: "new@example.org".into(),
                role: "viewer".into(),
            },
            Some(Own),
        ),
        door(
            SetMemberRole {
                user_id: someone(),
                role: "viewer".into(),
            },
            Some(Own),
        ),
        door(RemoveMember { user_id: someone() }, Some(Own)),
        door(
            SetMemberDisabled {
                user_id: someone(),
                disabled: false,
            },
            Some(Own),
        ),
        door(ResetMemberPassword { user_id: someone() }, Some(Own)),
        door(
            ChangePassword {
                current: "wrong".into(),
                new: s(),
            },
            Some(Read),
        ),
        door(AuditLog { search: s() }, Some(Read)),
        door(MySessions {}, Some(Read)),
        door(EndSessions { key: s() }, Some(Read)),
        door(LinkInfo { token: "x".into() }, None),
        door(
            UseAccountLink {
                token: "x".into(),
                password: s(),
            },
            None,
        ),
    ]
}

/// A browser signed in as a new person with `role` in the default sandbox.
async fn browser_of(app: &TestApp, role: Role) -> reqwest::Client {
    let email = format!("{}@matrix.example.org", role.as_str());
    let user = app.herald.create_user(&email, PASSWORD).await.unwrap();
    app.herald
        .grant(user, DEFAULT_SANDBOX_ID, role)
        .await
        .unwrap();
    signed_in(app, &email).await
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let response = client
        .post(format!("{}/login", app.base))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/", "{email} signs in");
    client
}

async fn knock(app: &TestApp, client: &reqwest::Client, door: &Door) -> reqwest::Response {
    client
        .post(format!("{}{}", app.base, door.path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(door.body.clone())
        .send()
        .await
        .unwrap()
}

async fn call(app: &TestApp, client: &reqwest::Client, door: &Door) -> u16 {
    knock(app, client, door).await.status().as_u16()
}

#[tokio::test]
async fn every_server_function_admits_exactly_the_roles_its_permission_names() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await.to_string();
    let doors = server_functions(&campaign, &domain::ids::UserId::new().to_string());

    let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    let tabled: BTreeSet<&str> = doors.iter().map(|d| d.path).collect();
    assert_eq!(
        registered, tabled,
        "every server function is in the matrix, with the permission it needs"
    );

    let mut people = vec![(Person::Nobody, reqwest::Client::new())];
    for role in Role::ALL {
        people.push((Person::Member(role), browser_of(&app, role).await));
    }
    let mut wrong = Vec::new();
    for door in &doors {
        for (person, client) in &people {
            let status = call(&app, client, door).await;
            let expected_refusal = match (person, door.needs) {
                (_, None) => None,
                (Person::Nobody, Some(_)) => Some(401),
                (Person::Member(role), Some(p)) => (!role.allows(p)).then_some(403),
            };
            let fine = match expected_refusal {
                Some(refused) => status == refused,
                None => status != 401 && status != 403,
            };
            if !fine {
                wrong.push(format!("{} by {person:?}: {status}", door.path));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers unlike the matrix:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn another_sandboxs_person_finds_nothing_of_this_one() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await.to_string();
    let dev = app.dev_sandbox().await;
    let stranger = app
        .herald
        .create_user("stranger@example.org", PASSWORD)
        .await
        .unwrap();
    app.herald
        .grant(stranger, &dev.id, Role::Owner)
        .await
        .unwrap();
    let client = signed_in(&app, "stranger@example.org").await;
    let doors = server_functions(&campaign, &app.user.to_string());
    let by_path = |p: &str| doors.iter().find(|d| d.path == p).unwrap();
    for path in [
        GetCampaign::PATH,
        UpdateCampaign::PATH,
        ActivateCampaign::PATH,
        RequestApproval::PATH,
        DecideApproval::PATH,
        StopCampaign::PATH,
        DuplicateCampaign::PATH,
        DeleteDraft::PATH,
        CampaignReport::PATH,
        SetMemberRole::PATH,
        SetMemberDisabled::PATH,
        ResetMemberPassword::PATH,
    ] {
        let response = client
            .post(format!("{}{path}", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(by_path(path).body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!(
            status >= 400
                && status != 401
                && status != 403
                && (text.contains("No campaign has this id")
                    || text.contains("No one in this sandbox")),
            "{path}: {status} {text}"
        );
    }
    // Switching into a sandbox they have no role in is refused.
    let switch = by_path(SwitchSandbox::PATH);
    let status = call(&app, &client, switch).await;
    assert!(status >= 400, "{status}");
    // Nothing changed: the campaign is live, the marketer still enabled and owner.
    let view = app
        .herald
        .campaign(campaign.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(view.status.as_str(), "live");
    assert!(
        app.herald
            .member_caller(app.user, Some(DEFAULT_SANDBOX_ID))
            .await
            .is_ok()
    );
}

/// What a REST route admits: any valid key, admin keys only, or anyone.
fn rest_expectation(path: &str) -> Option<ApiScope> {
    if path == "/ajo/im/health" || path == "/openapi.json" {
        None
    } else if path.starts_with("/api/v1/") {
        Some(ApiScope::Admin)
    } else {
        assert!(
            path.starts_with("/ajo/im/executions/"),
            "{path} is in the matrix"
        );
        Some(ApiScope::Trigger)
    }
}

#[tokio::test]
async fn every_rest_route_admits_exactly_the_key_scopes_it_should() {
    let app = TestApp::start(None).await;
    let trigger_key = app.key(DEFAULT_SANDBOX_ID, ApiScope::Trigger, None).await;
    let document: serde_json::Value =
        serde_json::from_str(server::rest::openapi::document()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() > 30, "the document lists the routes");
    let mut wrong = Vec::new();
    for (template, operations) in paths {
        let path = template
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    domain::ids::CampaignId::new().to_string()
                } else {
                    part.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in operations.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let needs = rest_expectation(template);
            for (who, key) in [
                ("no key", None),
                ("trigger key", Some(&trigger_key)),
                ("admin key", Some(&app.api_key)),
            ] {
                let mut request = app
                    .http
                    .request(method.clone(), format!("{}{path}", app.base))
                    .header("content-type", "application/json")
                    .body("{}");
                if let Some(key) = key {
                    request = request.bearer_auth(key);
                }
                let status = request.send().await.unwrap().status().as_u16();
                let expected = match (needs, key) {
                    (None, _) => None,
                    (Some(_), None) => Some(401),
                    (Some(ApiScope::Admin), Some(k)) if *k == trigger_key => Some(403),
                    _ => None,
                };
                let fine = match expected {
                    Some(refused) => status == refused,
                    None => status != 401 && status != 403,
                };
                if !fine {
                    wrong.push(format!("{method} {template} with {who}: {status}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers unlike the matrix:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn another_sandboxs_key_finds_nothing_of_this_one() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let dev = app.dev_sandbox().await;
    let dev_admin = app.key(&dev.id, ApiScope::Admin, None).await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/campaigns/{campaign}")),
        (Method::PUT, format!("/api/v1/campaigns/{campaign}")),
        (Method::DELETE, format!("/api/v1/campaigns/{campaign}")),
        (Method::POST, format!("/api/v1/campaigns/{campaign}/stop")),
        (
            Method::POST,
            format!("/api/v1/campaigns/{campaign}/duplicate"),
        ),
        (Method::GET, format!("/api/v1/campaigns/{campaign}/report")),
    ] {
        let mut request = app
            .http
            .request(method.clone(), format!("{}{path}", app.base))
            .bearer_auth(&dev_admin);
        if method == Method::PUT {
            request = request.json(&serde_json::json!({
                "title": "Taken", "namespace": "email", "subject": "x", "htmlBody": "x", "textBody": "x"
            }));
        }
        let status = request.send().await.unwrap().status().as_u16();
        assert_eq!(status, 404, "{method} {path}");
    }
    let view = app.herald.campaign(campaign).await.unwrap();
    assert_eq!(view.status.as_str(), "live");
}

#[tokio::test]
async fn a_server_functions_own_refusals_carry_their_status_and_code() {
    let app = TestApp::start(None).await;
    let owner = browser_of(&app, Role::Owner).await;
    let refusals = [
        (
            door(GetCampaign { id: "nope".into() }, None),
            404,
            "campaign_not_found",
        ),
        (
            door(
                CampaignTestSend {
                    id: app.reset_campaign().await.to_string(),
                    test_id: "nope".into(),
                },
                None,
            ),
            404,
            "test_send_not_found",
        ),
        (
            door(
                CreateApiKey {
                    name: "k".into(),
                    scope: "root".into(),
                    campaigns: None,
                },
                None,
            ),
            400,
            "invalid_scope",
        ),
        (
            door(
                SwitchSandbox {
                    id: "nowhere".into(),
                },
                None,
            ),
            403,
            "no_role",
        ),
        (
            door(
                SetMemberRole {
                    user_id: "nope".into(),
                    role: "owner".into(),
                },
                None,
            ),
            404,
            "member_not_found",
        ),
    ];
    for (door, status, code) in refusals {
        let response = knock(&app, &owner, &door).await;
        assert_eq!(response.status().as_u16(), status, "{}", door.path);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], code, "{}: {body}", door.path);
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}
