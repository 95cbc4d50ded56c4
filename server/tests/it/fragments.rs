//! Fragments: content the campaigns of a sandbox include with `{{> name}}`; a version keeps the
//! body it was written with, so an edit reaches campaigns in their next version only.

use crate::support::TestApp;
use domain::campaign::CampaignStatus;
use domain::fragment::FragmentInput;
use reqwest::Method;
use serde_json::{Value, json};

fn fragment(name: &str, body: &str) -> FragmentInput {
    FragmentInput {
        name: name.into(),
        description: "The legal footer".into(),
        body: body.into(),
    }
}

fn campaign(title: &str, html: &str) -> Value {
    json!({"title": title, "subject": "Hello {{profile.name}}", "htmlBody": html})
}

/// The HTML body a dry run renders for one recipient of the campaign.
async fn rendered_html(app: &TestApp, campaign_id: &str) -> String {
    let call = json!({"requestId": "dry", "campaignId": campaign_id, "recipients": [
        {"type": "external", "userId": "ana@example.org", "namespace": "email",
         "profile": {"name": "Ana"}}
    ]});
    let (status, dry) = app
        .send(
            Method::POST,
            "/ajo/im/executions/unitary?dryRun=true",
            Some(call),
        )
        .await;
    assert_eq!(status, 200, "{dry}");
    dry["recipients"][0]["rendered"]["htmlBody"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn campaigns_include_fragments_and_take_an_edit_in_their_next_version() {
    let app = TestApp::start(None).await;
    let me = app.caller().await;
    let footer = app
        .herald
        .create_fragment(&me, &fragment(" footer", "<p>Bye {{profile.name}}</p>"))
        .await
        .unwrap();
    assert_eq!(footer.name, "footer");
    assert_eq!(footer.updated_by, "marketer@example.com");
    let footer_id = footer.id.parse().unwrap();

    // Two campaigns include it; the content keeps the inclusion, the version the body.
    let mut ids = Vec::new();
    for title in ["Welcome", "Receipt"] {
        let (status, created) = app
            .send(
                Method::POST,
                "/api/v1/campaigns",
                Some(campaign(title, "<p>Body</p>{{> footer}}")),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["htmlBody"], "<p>Body</p>{{> footer}}");
        assert_eq!(
            created["fragments"]["footer"],
            "<p>Bye {{profile.name}}</p>"
        );
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let (welcome, receipt) = (&ids[0], &ids[1]);
    let (status, live) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{welcome}/activate"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(
        rendered_html(&app, welcome).await,
        "<p>Body</p><p>Bye Ana</p>"
    );
    let used: Vec<(String, CampaignStatus, bool)> = app
        .herald
        .fragment(&me, footer_id)
        .await
        .unwrap()
        .used_by
        .into_iter()
        .map(|u| (u.title, u.status, u.current))
        .collect();
    assert_eq!(
        used,
        [
            ("Receipt".to_owned(), CampaignStatus::Draft, true),
            ("Welcome".to_owned(), CampaignStatus::Live, true),
        ]
    );

    // An edit changes no version: the live campaign sends the body it was activated with.
    let edited = app
        .herald
        .edit_fragment(&me, footer_id, &fragment("footer", "<p>See you</p>"))
        .await
        .unwrap();
    assert!(edited.used_by.iter().all(|u| !u.current), "{edited:?}");
    assert_eq!(
        rendered_html(&app, welcome).await,
        "<p>Body</p><p>Bye Ana</p>"
    );

    // The campaign's next version takes it: saved unchanged, compared, activated.
    let (status, saved) = app
        .send(
            Method::PUT,
            &format!("/api/v1/campaigns/{welcome}"),
            Some(campaign("Welcome", "<p>Body</p>{{> footer}}")),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 2);
    let welcome_id = welcome.parse().unwrap();
    let diff = app
        .herald
        .compare_versions(&me, welcome_id, Some(1), Some(2))
        .await
        .unwrap()
        .unwrap();
    let parts: Vec<&str> = diff.parts.iter().map(|p| p.part.as_str()).collect();
    assert_eq!(parts, ["Fragment “footer”"]);
    app.herald.activate_campaign(&me, welcome_id).await.unwrap();
    assert_eq!(
        rendered_html(&app, welcome).await,
        "<p>Body</p><p>See you</p>"
    );
    let current: Vec<(String, bool)> = app.herald.fragments(&me).await.unwrap()[0]
        .used_by
        .iter()
        .map(|u| (u.title.clone(), u.current))
        .collect();
    assert_eq!(
        current,
        [("Receipt".to_owned(), false), ("Welcome".to_owned(), true)]
    );

    // Refusals, each on its field.
    let refusal = |e: backend::Error| (e.code, e.errors.first().map(|f| f.field.clone()));
    let taken = app
        .herald
        .create_fragment(&me, &fragment("footer", "x"))
        .await
        .unwrap_err();
    assert_eq!(refusal(taken), ("fragment_exists", Some("name".into())));
    let renamed = app
        .herald
        .edit_fragment(&me, footer_id, &fragment("footer-2", "x"))
        .await
        .unwrap_err();
    assert_eq!(refusal(renamed), ("invalid_fragment", Some("name".into())));
    let broken = app
        .herald
        .create_fragment(&me, &fragment("header", "{{#if profile.vip}}Hi"))
        .await
        .unwrap_err();
    assert_eq!(refusal(broken), ("invalid_fragment", Some("body".into())));
    let (status, unknown) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            Some(campaign("Other", "{{> header}}")),
        )
        .await;
    assert_eq!(status, 400, "{unknown}");
    assert_eq!(unknown["errors"][0]["field"], "htmlBody", "{unknown}");
    let in_use = app
        .herald
        .delete_fragment(&me, footer_id)
        .await
        .unwrap_err();
    assert_eq!(in_use.code, "fragment_in_use");
    assert!(in_use.message.contains("“Receipt”, “Welcome”"), "{in_use}");

    // Another sandbox neither sees nor includes it.
    let dev = app.dev_sandbox().await;
    let elsewhere = app.caller_in(&dev.id).await;
    assert!(app.herald.fragments(&elsewhere).await.unwrap().is_empty());
    let hidden = app
        .herald
        .fragment(&elsewhere, footer_id)
        .await
        .unwrap_err();
    assert_eq!(hidden.code, "fragment_not_found");

    // Once no campaign includes it, it can be deleted.
    app.herald
        .delete_draft(&me, receipt.parse().unwrap())
        .await
        .unwrap();
    let (status, _) = app
        .send(
            Method::PUT,
            &format!("/api/v1/campaigns/{welcome}"),
            Some(campaign("Welcome", "<p>Body</p>")),
        )
        .await;
    assert_eq!(status, 200);
    app.herald.delete_fragment(&me, footer_id).await.unwrap();
    let log = app.herald.audit_log(&me, "fragment").await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["fragment deleted", "fragment edited", "fragment created"]
    );
}

#[tokio::test]
async fn fragments_are_managed_over_the_api() {
    let app = TestApp::start(None).await;
    let footer = json!({"name": "footer", "description": "Legal", "body": "<p>Bye</p>"});
    let (status, created) = app
        .send(Method::POST, "/api/v1/fragments", Some(footer.clone()))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["updatedBy"], "API key tests", "{created}");
    let path = format!("/api/v1/fragments/{}", created["id"].as_str().unwrap());
    let (status, taken) = app
        .send(Method::POST, "/api/v1/fragments", Some(footer))
        .await;
    assert_eq!((status, &taken["code"]), (409, &json!("fragment_exists")));
    let (status, invalid) = app
        .send(
            Method::POST,
            "/api/v1/fragments",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, 400, "{invalid}");

    let (status, campaign) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            Some(campaign("Welcome", "<p>Hi</p>{{> footer}}")),
        )
        .await;
    assert_eq!(status, 201, "{campaign}");
    let (status, read) = app.send(Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(read["usedBy"][0]["campaignId"], campaign["id"], "{read}");
    let (_, listed) = app.send(Method::GET, "/api/v1/fragments", None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");

    let edit = json!({"name": "footer", "body": "<p>Goodbye</p>"});
    let (status, edited) = app.send(Method::PUT, &path, Some(edit)).await;
    assert_eq!((status, &edited["body"]), (200, &json!("<p>Goodbye</p>")));
    let rename = json!({"name": "legal", "body": "<p>Goodbye</p>"});
    let (status, refused) = app.send(Method::PUT, &path, Some(rename)).await;
    assert_eq!(
        (status, &refused["errors"][0]["field"]),
        (400, &json!("name"))
    );

    let (status, in_use) = app.send(Method::DELETE, &path, None).await;
    assert_eq!((status, &in_use["code"]), (409, &json!("fragment_in_use")));
    let campaign_path = format!("/api/v1/campaigns/{}", campaign["id"].as_str().unwrap());
    assert_eq!(app.send(Method::DELETE, &campaign_path, None).await.0, 204);
    assert_eq!(app.send(Method::DELETE, &path, None).await.0, 204);
    let (status, gone) = app.send(Method::GET, &path, None).await;
    assert_eq!((status, &gone["code"]), (404, &json!("fragment_not_found")));
    let (status, _) = app
        .send(Method::GET, "/api/v1/fragments/not-an-id", None)
        .await;
    assert_eq!(status, 404);
}
