//! Versions: a live campaign's edits go into a draft version that can be compared with the live
//! one, discarded, or replaced by an earlier version's content (roll back); versions that have
//! been live never change; every step is in the history.

use crate::support::{PASSWORD, TestApp};
use domain::campaign::{CampaignInput, NewCampaign};
use domain::diff::{DiffRow, Line};
use domain::ids::CampaignId;
use domain::tenancy::{DEFAULT_SANDBOX_ID, Role};
use domain::version::VersionState;

fn content(subject: &str) -> NewCampaign {
    NewCampaign::parse(&CampaignInput {
        title: "Password reset".into(),
        namespace: "email".into(),
        subject: subject.into(),
        html_body: "<p>Hello</p>\n<p>Your code is {{context.code}}</p>".into(),
        text_body: "Your code is {{context.code}}".into(),
        ..CampaignInput::default()
    })
    .unwrap()
}

async fn states(app: &TestApp, id: CampaignId) -> Vec<(i64, VersionState)> {
    let caller = app.caller().await;
    let versions = app.herald.versions(&caller, id).await.unwrap();
    versions
        .versions
        .iter()
        .map(|v| (v.version, v.state))
        .collect()
}

#[tokio::test]
async fn a_draft_version_is_compared_rolled_back_and_discarded() {
    let app = TestApp::start(None).await;
    let me = app.caller().await;
    let id = app
        .herald
        .create_campaign(&me, content("Reset it"))
        .await
        .unwrap();
    app.herald.activate_campaign(&me, id).await.unwrap();
    app.herald
        .edit_campaign(&me, id, content("Reset your password"))
        .await
        .unwrap();
    assert_eq!(
        states(&app, id).await,
        [(2, VersionState::Draft), (1, VersionState::Live)]
    );
    let listed = app.herald.versions(&me, id).await.unwrap();
    assert_eq!(listed.discardable(), Some(2));
    assert!(listed.may_roll_back());
    assert!(
        listed.versions[0].edited_by.is_some(),
        "the editor is named"
    );

    // Only the subject changed.
    let diff = app
        .herald
        .compare_versions(&me, id, Some(1), Some(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(diff.parts.len(), 1, "{diff:?}");
    assert_eq!(diff.parts[0].part, "Subject");
    assert_eq!(
        diff.parts[0].rows,
        [DiffRow::Changed {
            old: Line {
                number: 1,
                text: "Reset it".into()
            },
            new: Line {
                number: 1,
                text: "Reset your password".into()
            },
        }]
    );
    assert!(
        app.herald
            .compare_versions(&me, id, Some(2), Some(2))
            .await
            .unwrap()
            .unwrap()
            .parts
            .is_empty()
    );

    let newest = app
        .herald
        .compare_versions(&me, id, None, Some(9))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (newest.from, newest.to),
        (1, 2),
        "by default the newest against the one before"
    );

    // Version 2 goes live; version 3 is drafted; rolling back to 1 puts 1's content in 3.
    app.herald.activate_campaign(&me, id).await.unwrap();
    app.herald
        .edit_campaign(&me, id, content("Third try"))
        .await
        .unwrap();
    let draft = app.herald.roll_back(&me, id, 1).await.unwrap();
    assert_eq!(draft, 3);
    let three = app.herald.version(&me, id, 3).await.unwrap();
    assert_eq!(three.subject, "Reset it");
    assert_eq!(three.summary.state, VersionState::Draft);
    let live = app.herald.version(&me, id, 2).await.unwrap();
    assert_eq!(
        live.subject, "Reset your password",
        "the live version is untouched"
    );
    let newest = app.herald.roll_back(&me, id, 3).await.unwrap_err();
    assert_eq!(newest.code, "already_newest");

    // Discarding deletes version 3 only; the number is used again by the next edit.
    assert_eq!(app.herald.discard_draft_version(&me, id).await.unwrap(), 3);
    assert_eq!(
        states(&app, id).await,
        [(2, VersionState::Live), (1, VersionState::Earlier)]
    );
    let nothing = app.herald.discard_draft_version(&me, id).await.unwrap_err();
    assert_eq!(nothing.code, "no_draft_version");
    assert_eq!(app.herald.campaign(id).await.unwrap().version, 2);
    // Rolling back to the live version drafts its content again.
    assert_eq!(app.herald.roll_back(&me, id, 1).await.unwrap(), 3);
    app.herald
        .edit_campaign(&me, id, content("Fourth"))
        .await
        .unwrap();
    assert_eq!(app.herald.campaign(id).await.unwrap().version, 3);

    let gone = app.herald.version(&me, id, 9).await.unwrap_err();
    assert_eq!(gone.code, "version_not_found");
    let history: Vec<(String, String)> = app
        .herald
        .campaign(id)
        .await
        .unwrap()
        .history
        .into_iter()
        .map(|h| (h.action, h.detail))
        .collect();
    assert!(history.contains(&("rolled back".into(), "version 3 from version 1".into())));
    assert!(history.contains(&("draft discarded".into(), "version 3".into())));
}

#[tokio::test]
async fn drafts_ended_campaigns_and_other_roles_cannot_roll_back() {
    let app = TestApp::start(None).await;
    let me = app.caller().await;
    let draft = app
        .herald
        .create_campaign(&me, content("Draft"))
        .await
        .unwrap();
    let refused = app.herald.roll_back(&me, draft, 1).await.unwrap_err();
    assert_eq!(refused.code, "invalid_transition");
    assert!(
        refused.message.contains("edit it instead"),
        "{}",
        refused.message
    );
    let refused = app
        .herald
        .discard_draft_version(&me, draft)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "invalid_transition");

    let live = app
        .herald
        .create_campaign(&me, content("One"))
        .await
        .unwrap();
    app.herald.activate_campaign(&me, live).await.unwrap();
    app.herald
        .edit_campaign(&me, live, content("Two"))
        .await
        .unwrap();
    app.herald.activate_campaign(&me, live).await.unwrap();

    // A viewer reads versions and compares them, and changes nothing.
    let user = app
        .herald
        .create_user("viv@example.org", PASSWORD)
        .await
        .unwrap();
    app.herald
        .grant(user, DEFAULT_SANDBOX_ID, Role::Viewer)
        .await
        .unwrap();
    let viewer = app.herald.member_caller(user, None).await.unwrap();
    assert_eq!(
        app.herald
            .versions(&viewer, live)
            .await
            .unwrap()
            .versions
            .len(),
        2
    );
    let forbidden = app.herald.roll_back(&viewer, live, 1).await.unwrap_err();
    assert_eq!(forbidden.code, "role_forbidden");

    // A stopped campaign is duplicated, not rolled back.
    app.herald.stop_campaign(&me, live).await.unwrap();
    let refused = app.herald.roll_back(&me, live, 1).await.unwrap_err();
    assert_eq!(refused.code, "invalid_transition");
    assert!(refused.message.contains("duplicate"), "{}", refused.message);

    // Another sandbox does not see the campaign at all.
    let other = app
        .herald
        .create_sandbox(
            "herald",
            "staging",
            &backend::store::audit::Who::without_address("operator"),
        )
        .await
        .unwrap();
    let elsewhere = app.caller_in(&other.id).await;
    let hidden = app.herald.versions(&elsewhere, live).await.unwrap_err();
    assert_eq!(hidden.code, "campaign_not_found");
}

#[tokio::test]
async fn versions_are_listed_compared_rolled_back_and_discarded_over_the_api() {
    use reqwest::Method;
    use serde_json::json;
    let app = TestApp::start(None).await;
    let me = app.caller().await;
    let id = app
        .herald
        .create_campaign(&me, content("Reset it"))
        .await
        .unwrap();
    let versions = format!("/api/v1/campaigns/{id}/versions");
    let (status, single) = app
        .send(Method::GET, &format!("{versions}/compare"), None)
        .await;
    assert_eq!((status, &single["code"]), (409, &json!("single_version")));
    app.herald.activate_campaign(&me, id).await.unwrap();
    app.herald
        .edit_campaign(&me, id, content("Reset your password"))
        .await
        .unwrap();

    let (status, listed) = app.send(Method::GET, &versions, None).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["liveVersion"], 1);
    assert_eq!(listed["versions"][0]["state"], "draft", "{listed}");
    let (status, first) = app.send(Method::GET, &format!("{versions}/1"), None).await;
    assert_eq!((status, &first["subject"]), (200, &json!("Reset it")));
    let (status, _) = app.send(Method::GET, &format!("{versions}/7"), None).await;
    assert_eq!(status, 404);

    let (status, diff) = app
        .send(Method::GET, &format!("{versions}/compare"), None)
        .await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(
        (diff["from"].clone(), diff["to"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(diff["parts"][0]["part"], "Subject");
    assert_eq!(diff["parts"][0]["rows"][0]["kind"], "changed", "{diff}");
    let (status, _) = app
        .send(
            Method::GET,
            &format!("{versions}/compare?from=1&to=9"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .send(Method::GET, &format!("{versions}/compare?from=one"), None)
        .await;
    assert_eq!(status, 400);

    let (status, live) = app
        .send(Method::DELETE, &format!("{versions}/1"), None)
        .await;
    assert_eq!(
        (status, &live["code"]),
        (409, &json!("not_a_draft_version"))
    );
    let (status, draft) = app
        .send(Method::POST, &format!("{versions}/1/rollback"), None)
        .await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["subject"], "Reset it", "{draft}");
    let number = draft["summary"]["version"].as_i64().unwrap();
    assert_eq!(draft["summary"]["state"], "draft");
    let (status, _) = app
        .send(Method::DELETE, &format!("{versions}/{number}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(states(&app, id).await, [(1, VersionState::Live)]);
}
