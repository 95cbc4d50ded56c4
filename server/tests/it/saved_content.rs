//! Saved content: a campaign's content kept under a name, copied (not linked), per sandbox.

use crate::support::TestApp;
use domain::campaign::{CampaignInput, NewCampaign};
use domain::content::VariantInput;
use domain::saved_content::SaveContentInput;

fn named(name: &str) -> SaveContentInput {
    SaveContentInput {
        name: name.into(),
        description: "Header, greeting and footer".into(),
    }
}

#[tokio::test]
async fn saved_content_is_a_named_copy_that_starts_new_campaigns() {
    let app = TestApp::start(None).await;
    let me = app.caller().await;
    let mut input = CampaignInput {
        title: "Welcome".into(),
        subject: "Welcome, {{profile.person.name.firstName}}".into(),
        preheader: "Your account is ready".into(),
        html_body: "<p>Hello {{profile.person.name.firstName}}</p>".into(),
        text_body: "Hello {{profile.person.name.firstName}}".into(),
        locale_attribute: "preferredLanguage".into(),
        variants: vec![VariantInput {
            locale: "fr".into(),
            subject: "Bienvenue".into(),
            text_body: "Bonjour".into(),
            ..VariantInput::default()
        }],
        ..CampaignInput::default()
    };
    let campaign = app
        .herald
        .create_campaign(&me, NewCampaign::parse(&input).unwrap())
        .await
        .unwrap();

    let saved = app
        .herald
        .save_content(&me, campaign, &named("  Welcome email "))
        .await
        .unwrap();
    assert_eq!(saved.name, "Welcome email");
    assert_eq!(saved.channel, domain::channel::Channel::Email);
    assert_eq!(saved.from_campaign.as_deref(), Some("Welcome"));
    assert_eq!(saved.saved_by, "marketer@example.com");

    let taken = app
        .herald
        .save_content(&me, campaign, &named("Welcome email"))
        .await
        .unwrap_err();
    assert_eq!(
        (taken.code, taken.errors[0].field.as_str()),
        ("saved_content_exists", "name")
    );
    let unnamed = app
        .herald
        .save_content(&me, campaign, &named(" "))
        .await
        .unwrap_err();
    assert_eq!(unnamed.errors[0].field, "name");

    // A copy: editing the campaign afterwards, then deleting it, leaves the saved content as
    // it was saved.
    let original = input.content();
    input.subject = "Changed".into();
    app.herald
        .edit_campaign(&me, campaign, NewCampaign::parse(&input).unwrap())
        .await
        .unwrap();
    app.herald.delete_draft(&me, campaign).await.unwrap();
    let id = saved.id.parse().unwrap();
    let view = app.herald.saved_content(&me, id).await.unwrap();
    assert_eq!(view.content, original);
    assert_eq!(view.summary.from_campaign, None);

    // A new campaign started from it has its content, variants included.
    let mut started = CampaignInput {
        title: "Welcome again".into(),
        ..CampaignInput::default()
    };
    started.set_content(view.content.clone());
    let again = app
        .herald
        .create_campaign(&me, NewCampaign::parse(&started).unwrap())
        .await
        .unwrap();
    let created = app.herald.campaign(again).await.unwrap();
    assert_eq!(
        created.subject,
        "Welcome, {{profile.person.name.firstName}}"
    );
    assert_eq!(created.variants, original.variants);

    // Only its sandbox sees it.
    let dev = app.dev_sandbox().await;
    let elsewhere = app.caller_in(&dev.id).await;
    assert!(
        app.herald
            .saved_contents(&elsewhere)
            .await
            .unwrap()
            .is_empty()
    );
    let hidden = app.herald.saved_content(&elsewhere, id).await.unwrap_err();
    assert_eq!(hidden.code, "saved_content_not_found");
    let kept = app
        .herald
        .delete_saved_content(&elsewhere, id)
        .await
        .unwrap_err();
    assert_eq!(kept.code, "saved_content_not_found");

    let listed = app.herald.saved_contents(&me).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Welcome email"]
    );
    app.herald.delete_saved_content(&me, id).await.unwrap();
    assert!(app.herald.saved_contents(&me).await.unwrap().is_empty());
    let log = app.herald.audit_log(&me, "saved content").await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["saved content deleted", "content saved"]
    );
}

#[tokio::test]
async fn saved_content_is_kept_read_and_deleted_over_the_api() {
    use reqwest::Method;
    use serde_json::json;
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await.to_string();
    let save = json!({"campaignId": campaign, "name": "Reset email"});
    let (status, saved) = app
        .send(Method::POST, "/api/v1/saved-content", Some(save.clone()))
        .await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["fromCampaign"], "Password reset", "{saved}");
    let path = format!("/api/v1/saved-content/{}", saved["id"].as_str().unwrap());
    let (status, taken) = app
        .send(Method::POST, "/api/v1/saved-content", Some(save))
        .await;
    assert_eq!(
        (status, &taken["code"]),
        (409, &json!("saved_content_exists"))
    );
    let unknown = json!({"campaignId": "nope", "name": "Other"});
    let (status, _) = app
        .send(Method::POST, "/api/v1/saved-content", Some(unknown))
        .await;
    assert_eq!(status, 404);
    let (_, listed) = app.send(Method::GET, "/api/v1/saved-content", None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");

    // The content starts a new campaign as it is.
    let (status, read) = app.send(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{read}");
    let mut input = read["content"].clone();
    input["title"] = json!("Reset, again");
    let (status, copy) = app
        .send(Method::POST, "/api/v1/campaigns", Some(input))
        .await;
    assert_eq!(status, 201, "{copy}");
    assert_eq!(
        copy["subject"], "Reset your password, {{profile.person.name.firstName}}",
        "{copy}"
    );

    assert_eq!(app.send(Method::DELETE, &path, None).await.0, 204);
    let (status, gone) = app.send(Method::GET, &path, None).await;
    assert_eq!(
        (status, &gone["code"]),
        (404, &json!("saved_content_not_found"))
    );
}
