//! Approvals: with the sandbox's requirement on, a marketing campaign goes live only through an
//! approver's decision on a pending request, by a person other than the version's last editor;
//! an edit withdraws the request; every step is in the history.

use crate::support::{PASSWORD, TestApp};
use backend::accounts::Caller;
use domain::campaign::{CampaignInput, NewCampaign};
use domain::channel::Category;
use domain::ids::CampaignId;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID, Role};
use reqwest::Method;

fn marketing(subject: &str) -> NewCampaign {
    NewCampaign::parse(&CampaignInput {
        title: "Spring sale".into(),
        namespace: "email".into(),
        category: Category::Marketing,
        subject: subject.into(),
        html_body: "<p>Sale</p><a href=\"{{unsubscribeUrl}}\">Unsubscribe</a>".into(),
        text_body: "Sale. Unsubscribe: {{unsubscribeUrl}}".into(),
        ..Default::default()
    })
    .unwrap()
}

async fn person(app: &TestApp, email: &str, role: Role) -> Caller {
    let user = app.herald.create_user(email, PASSWORD).await.unwrap();
    app.herald
        .grant(user, DEFAULT_SANDBOX_ID, role)
        .await
        .unwrap();
    app.herald.member_caller(user, None).await.unwrap()
}

async fn status(app: &TestApp, id: CampaignId) -> (String, Option<i64>) {
    let c = app.herald.campaign(id).await.unwrap();
    (c.status.as_str().to_owned(), c.live_version)
}

#[tokio::test]
async fn a_marketing_campaign_goes_live_only_by_another_persons_approval() {
    let app = TestApp::start(None).await;
    let owner = app.caller().await;
    let editor = person(&app, "ed@example.org", Role::Editor).await;
    let approver = person(&app, "ann@example.org", Role::Approver).await;
    let other_approver = person(&app, "abe@example.org", Role::Approver).await;

    // Only owners turn the requirement on.
    let refused = app
        .herald
        .set_approval_required(&approver, true)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "role_forbidden");
    app.herald
        .set_approval_required(&owner, true)
        .await
        .unwrap();

    let id = app
        .herald
        .create_campaign(&editor, marketing("Sale v1"))
        .await
        .unwrap();
    let direct = app.herald.activate_campaign(&owner, id).await.unwrap_err();
    assert_eq!(
        direct.code, "approval_required",
        "not even an owner skips it"
    );
    let nothing = app
        .herald
        .decide_approval(&approver, id, 1, true, "")
        .await
        .unwrap_err();
    assert_eq!(nothing.code, "no_pending_approval");

    // Requested, then edited: the request is withdrawn, what is approved is what was seen.
    app.herald
        .request_approval(&editor, id, "for Friday")
        .await
        .unwrap();
    app.herald
        .edit_campaign(&editor, id, marketing("Sale v1, fixed"))
        .await
        .unwrap();
    let view = app.herald.campaign(id).await.unwrap();
    let approval = view.approval.unwrap();
    assert_eq!(
        approval.decision,
        Some(domain::approval::Decision::Withdrawn)
    );
    assert_eq!(view.last_editor.as_deref(), Some("ed@example.org"));
    let stale = app
        .herald
        .decide_approval(&approver, id, 1, true, "")
        .await
        .unwrap_err();
    assert_eq!(stale.code, "no_pending_approval");

    // Rejected with a comment (a rejection without one is refused), then asked again.
    app.herald.request_approval(&editor, id, "").await.unwrap();
    let silent = app
        .herald
        .decide_approval(&approver, id, 1, false, " ")
        .await
        .unwrap_err();
    assert_eq!(silent.code, "invalid_approval");
    app.herald
        .decide_approval(&approver, id, 1, false, "Say which products")
        .await
        .unwrap();
    assert_eq!(status(&app, id).await, ("draft".into(), None));

    // The approver edits it themselves (as owner would): they may not approve their own change.
    app.herald
        .edit_campaign(&owner, id, marketing("Sale: shoes and bags"))
        .await
        .unwrap();
    app.herald.request_approval(&owner, id, "").await.unwrap();
    let own = app
        .herald
        .decide_approval(&owner, id, 1, true, "")
        .await
        .unwrap_err();
    assert_eq!(own.code, "own_change");
    // An editor cannot decide at all; an API key may not approve.
    let by_editor = app
        .herald
        .decide_approval(&editor, id, 1, true, "")
        .await
        .unwrap_err();
    assert_eq!(by_editor.code, "role_forbidden");
    app.herald
        .decide_approval(&other_approver, id, 1, true, "Good to go")
        .await
        .unwrap();
    assert_eq!(status(&app, id).await, ("live".into(), Some(1)));

    // A new version of the live campaign needs approval again; calls keep version 1 meanwhile.
    app.herald
        .edit_campaign(&editor, id, marketing("Sale: last day"))
        .await
        .unwrap();
    app.herald.request_approval(&editor, id, "").await.unwrap();
    app.herald
        .decide_approval(&approver, id, 2, true, "")
        .await
        .unwrap();
    assert_eq!(status(&app, id).await, ("live".into(), Some(2)));

    let history: Vec<String> = app
        .herald
        .campaign(id)
        .await
        .unwrap()
        .history
        .into_iter()
        .rev()
        .map(|h| format!("{} {} by {}", h.action, h.detail, h.actor))
        .collect();
    assert_eq!(
        history,
        [
            "created email by ed@example.org",
            "approval requested version 1: for Friday by ed@example.org",
            "edited version 1 by ed@example.org",
            "approval requested version 1 by ed@example.org",
            "rejected version 1: Say which products by ann@example.org",
            "edited version 1 by marketer@example.com",
            "approval requested version 1 by marketer@example.com",
            "approved version 1: Good to go by abe@example.org",
            "activated version 1 by abe@example.org",
            "edited version 2 by ed@example.org",
            "approval requested version 2 by ed@example.org",
            "approved version 2 by ann@example.org",
            "activated version 2 by ann@example.org",
        ]
    );
}

#[tokio::test]
async fn keys_cannot_approve_and_transactional_campaigns_need_no_approval() {
    let app = TestApp::start(None).await;
    let owner = app.caller().await;
    app.herald
        .set_approval_required(&owner, true)
        .await
        .unwrap();
    let settings = app
        .herald
        .sandbox_settings(DEFAULT_SANDBOX_ID)
        .await
        .unwrap();
    assert!(settings.approval_required);

    // Transactional messages (password resets) are not held up.
    let reset = app.reset_campaign().await;
    assert_eq!(status(&app, reset).await.0, "live");

    // The management API's activation is refused with the reason; approving needs a person.
    let id = app
        .herald
        .create_campaign(&owner, marketing("Sale"))
        .await
        .unwrap();
    let response = app
        .api(Method::POST, &format!("/api/v1/campaigns/{id}/activate"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "approval_required", "{body}");
    app.herald.request_approval(&owner, id, "").await.unwrap();
    let key = app.key(DEFAULT_SANDBOX_ID, ApiScope::Admin, None).await;
    let key_caller = app.herald.authenticate_api_key(&key).await.unwrap();
    let by_key = app
        .herald
        .decide_approval(&key_caller, id, 1, true, "")
        .await
        .unwrap_err();
    assert_eq!(by_key.code, "approval_by_person");

    // Turned off again: activation is direct, and the change of policy is in the audit log.
    app.herald
        .set_approval_required(&owner, false)
        .await
        .unwrap();
    app.herald.activate_campaign(&owner, id).await.unwrap();
    let audit = app.herald.audit_log(&owner, "approval").await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"approval required"), "{actions:?}");
    assert!(actions.contains(&"approval not required"), "{actions:?}");
}
