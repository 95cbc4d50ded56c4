//! Language variants and email preheaders, through the management and execution APIs.

use crate::support::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn each_recipient_gets_the_variant_of_their_language_with_the_default_as_fallback() {
    let app = TestApp::start(None).await;
    let campaign = json!({
        "title": "Welcome",
        "subject": "Welcome, {{profile.name}}",
        "preheader": "Your account & what's next",
        "htmlBody": "<html><body><p>Hello</p></body></html>",
        "textBody": "Hello",
        "localeAttribute": "profile.settings.lang",
        "variants": [
            {"locale": "fr", "subject": "Bienvenue, {{profile.name}}", "textBody": "Bonjour",
             "htmlBody": "<p>Bonjour</p>"},
            {"locale": "FR_ca", "subject": "Bienvenue au Québec, {{context.city}}",
             "preheader": "Votre compte"}
        ]
    });
    let (status, created) = app
        .send(Method::POST, "/api/v1/campaigns", Some(campaign))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["variants"][1]["locale"], "fr-CA",
        "kept in one spelling"
    );
    assert_eq!(created["localeAttribute"], "settings.lang");
    let variables: Vec<(String, bool)> = created["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["path"].as_str().unwrap().into(), v["required"] == true))
        .collect();
    assert_eq!(
        variables,
        [
            ("context.city".to_owned(), true),
            ("profile.name".to_owned(), true),
            ("profile.settings.lang".to_owned(), false),
        ],
        "a variant's variables join the trigger contract"
    );
    let review = created["review"].to_string();
    assert!(
        review.contains("The fr-CA variant has no HTML body, text body"),
        "{review}"
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, live) = app
        .send(
            Method::POST,
            &format!("/api/v1/campaigns/{id}/activate"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{live}");

    let recipient = |user: &str, lang: Option<&str>| {
        let mut profile = json!({"name": "Ana"});
        if let Some(lang) = lang {
            profile["settings"] = json!({"lang": lang});
        }
        json!({"type": "external", "userId": user, "namespace": "email",
               "profile": profile, "context": {"city": "Montréal"}})
    };
    let call = json!({"requestId": "lang-1", "campaignId": id, "recipients": [
        recipient("a@example.org", Some("fr-CA")),
        recipient("b@example.org", Some("fr_BE")),
        recipient("c@example.org", Some("de")),
        recipient("d@example.org", None),
    ]});
    let (status, dry) = app
        .send(
            Method::POST,
            "/ajo/im/executions/unitary?dryRun=true",
            Some(call.clone()),
        )
        .await;
    assert_eq!(status, 200, "{dry}");
    let rendered = |i: usize| dry["recipients"][i]["rendered"].clone();
    assert_eq!(rendered(0)["subject"], "Bienvenue au Québec, Montréal");
    assert_eq!(rendered(0)["locale"], "fr-CA");
    assert_eq!(
        rendered(0)["textBody"],
        "Hello",
        "fr-CA has no text: the default's, not fr's"
    );
    assert!(
        rendered(0)["htmlBody"]
            .as_str()
            .unwrap()
            .starts_with("<html><body><div style=\"display:none"),
        "{}",
        rendered(0)
    );
    assert!(
        rendered(0)["htmlBody"]
            .as_str()
            .unwrap()
            .contains(">Votre compte</div>")
    );
    assert_eq!(
        rendered(1)["subject"],
        "Bienvenue, Ana",
        "fr-BE falls back to fr"
    );
    assert_eq!(rendered(1)["locale"], "fr");
    assert!(
        rendered(1)["htmlBody"]
            .as_str()
            .unwrap()
            .contains("Your account &amp; what&#x27;s next</div><p>Bonjour</p>"),
        "fr has no preheader: the default's; {}",
        rendered(1)
    );
    for i in [2, 3] {
        assert_eq!(rendered(i)["subject"], "Welcome, Ana");
        assert!(rendered(i).get("locale").is_none(), "{}", rendered(i));
    }

    let (status, accepted, _) = app.trigger(&call).await;
    assert_eq!(status, 202, "{accepted}");
    let subjects: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM messages ORDER BY recipient_index")
            .fetch_all(app.db().await)
            .await
            .unwrap();
    assert_eq!(
        subjects,
        [
            "Bienvenue au Québec, Montréal",
            "Bienvenue, Ana",
            "Welcome, Ana",
            "Welcome, Ana"
        ]
    );
}

#[tokio::test]
async fn invalid_variants_are_refused_by_name() {
    let app = TestApp::start(None).await;
    let (status, err) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            Some(json!({
                "title": "Codes",
                "channel": "sms",
                "textBody": "Code {{context.code}}",
                "variants": [
                    {"locale": "english", "textBody": "x"},
                    {"locale": "de", "subject": "Betreff", "textBody": "Code {{context.code"},
                    {"locale": "es"}
                ]
            })),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invalid_campaign")),
        "{err}"
    );
    let fields: Vec<&str> = err["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "variants[0].locale",
            "variants[1].subject",
            "variants[1].textBody",
            "variants[2].locale"
        ],
        "{err}"
    );
}
