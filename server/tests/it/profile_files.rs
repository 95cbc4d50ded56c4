//! Profile files: `POST /api/v1/profiles/import` (CSV, NDJSON, resumable, idempotent) and
//! `GET /api/v1/profiles/export`.

use crate::support::TestApp;
use domain::ids::ImportId;
use domain::tenancy::DEFAULT_SANDBOX_ID;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// Uploads `body` as a file; returns the status and the JSON answer.
async fn import(app: &TestApp, query: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = app
        .api(Method::POST, &format!("/api/v1/profiles/import{query}"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn text(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.api(Method::GET, path).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

fn counts(import: &Value) -> [u64; 4] {
    ["created", "updated", "unchanged", "failed"].map(|k| import[k].as_u64().unwrap())
}

#[tokio::test]
async fn a_csv_import_stores_good_rows_reports_bad_ones_and_changes_nothing_the_second_time() {
    let app = TestApp::start(None).await;
    // A profile that exists already keeps the attributes the file does not name.
    app.herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("email", "ana@example.org"),
            &[],
            json!({"tier": "gold"}).as_object().unwrap(),
        )
        .await
        .unwrap();
    let file = "email,crmId,person.name.firstName,consents.marketing.email.val\n\
                ana@example.org,c-1,Ana,y\n\
                bo@example.org,,\"Bo, Jr.\",n\n\
                ,,Nobody,y\n\
                bo@example.org,c-1,Cy,y\n\
                \"multi\nline\",,X,y\n\
                dee@example.org,,'=HYPERLINK(1),\n";
    let (status, first) = import(&app, "?fileName=people.csv", "text/csv", file.into()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "completed");
    assert_eq!(first["fileName"], "people.csv");
    assert_eq!(counts(&first), [2, 1, 0, 3], "{first}");
    let errors: Vec<(u64, String)> = first["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Row 4 has no identity, row 5's identities are two profiles', row 6's email has a newline.
    assert_eq!(
        errors,
        [(4, String::new()), (5, String::new()), (6, "email".into())]
    );
    assert!(
        first["errors"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("different profiles")
    );
    assert_eq!(first["lastRow"], 7);

    let ana = app
        .herald
        .profile(DEFAULT_SANDBOX_ID, "crmId", "c-1")
        .await
        .unwrap();
    assert_eq!(
        Value::Object(ana.attributes),
        json!({"tier": "gold", "person": {"name": {"firstName": "Ana"}},
               "consents": {"marketing": {"email": {"val": "y"}}}})
    );
    let bo = app
        .herald
        .profile(DEFAULT_SANDBOX_ID, "email", "bo@example.org")
        .await
        .unwrap();
    assert_eq!(bo.attributes["person"]["name"]["firstName"], "Bo, Jr.");
    let dee = app
        .herald
        .profile(DEFAULT_SANDBOX_ID, "email", "dee@example.org")
        .await
        .unwrap();
    assert_eq!(
        dee.attributes["person"]["name"]["firstName"],
        "=HYPERLINK(1)"
    );

    // The error report has every refused row.
    let id = first["importId"].as_str().unwrap();
    let (status, content_type, report) =
        text(&app, &format!("/api/v1/profile-imports/{id}/errors")).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/csv; charset=utf-8")
    );
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "row,column,reason");
    assert!(
        lines[3].starts_with("6,email,\"must be 1 to 320 characters"),
        "{report:?}"
    );

    // The same file again: nothing changes.
    let updated_at = ana.updated_at;
    let (status, again) =
        import(&app, "?format=csv", "application/octet-stream", file.into()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(counts(&again), [0, 0, 3, 3], "{again}");
    let ana = app
        .herald
        .profile(DEFAULT_SANDBOX_ID, "email", "ana@example.org")
        .await
        .unwrap();
    assert_eq!(ana.updated_at, updated_at);
    assert_eq!(app.count("profiles").await, 3);

    let (_, list) = app.send(Method::GET, "/api/v1/profile-imports", None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn files_that_cannot_be_read_are_refused_with_a_reason() {
    let app = TestApp::start(None).await;
    let (status, body) = import(&app, "", "text/csv", "tier,name\ngold,x\n".into()).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_file")));
    assert!(
        body["title"]
            .as_str()
            .unwrap()
            .contains("no identity column"),
        "{body}"
    );
    let (status, body) = import(&app, "", "application/json", "{}".into()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (status, body) = import(&app, "?format=xlsx", "text/csv", "email\n".into()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (status, body) = import(&app, "", "text/csv", String::new()).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_file")));
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/audiences",
            Some(json!({"name": "fr", "rule": "lang = fr"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let rule_based = body["id"].as_str().unwrap();
    let (status, body) = import(
        &app,
        &format!("?audienceId={rule_based}"),
        "text/csv",
        "email\na@b.org\n".into(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("rule_based_audience"))
    );
    let (status, _) = app
        .send(
            Method::GET,
            &format!("/api/v1/profile-imports/{}", ImportId::new()),
            None,
        )
        .await;
    assert_eq!(status, 404);
    // NDJSON lines are checked one by one.
    let lines = "{\"identities\":[{\"namespace\":\"email\",\"id\":\"a@b.org\"}],\"attributes\":{\"n\":1}}\n\
                 not json\n\
                 \n\
                 {\"identities\":[{\"namespace\":\"fax\",\"id\":\"1\"}]}\n";
    let (status, body) = import(&app, "", "application/x-ndjson", lines.into()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(counts(&body), [1, 0, 0, 2]);
    assert_eq!(body["errors"][0]["row"], 2);
    assert_eq!(body["errors"][1]["column"], "identities[0].namespace");
    assert_eq!(body["lastRow"], 4);
}

/// Rows `from..to` of a CSV file of numbered people.
fn people(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| format!("p{i:05}@example.org,Person {i}\n"))
        .collect()
}

#[tokio::test]
async fn an_upload_cut_short_keeps_its_stored_rows_and_resumes_after_them() {
    let app = TestApp::start(None).await;
    let id = ImportId::new();
    let header = "email,person.name.firstName\n".to_owned();
    // 3,000 rows arrive, then the connection breaks.
    let first: Result<String, std::io::Error> = Ok(header.clone() + &people(0, 3000));
    let sent = futures::stream::iter([first]).chain(futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        Err(std::io::Error::other("cable pulled"))
    }));
    let cut = app
        .api(
            Method::POST,
            &format!("/api/v1/profiles/import?importId={id}&format=csv"),
        )
        .body(reqwest::Body::wrap_stream(sent))
        .send()
        .await;
    assert!(cut.is_err(), "the upload should have failed");
    let mut status = Value::Null;
    for _ in 0..100 {
        let (_, view) = app
            .send(Method::GET, &format!("/api/v1/profile-imports/{id}"), None)
            .await;
        status = view;
        if status["status"] != "reading" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every row that arrived whole is stored (a batch of 2,000, then the 1,000 before the cut).
    assert_eq!(status["status"], "interrupted", "{status}");
    assert_eq!(status["lastRow"], 3001);
    assert_eq!(counts(&status), [3000, 0, 0, 0]);
    assert_eq!(app.count("profiles").await, 3000);

    // The whole file again, with the import's id: it goes on after row 3001.
    let whole = header + &people(0, 5000);
    let (code, done) = import(&app, &format!("?importId={id}"), "text/csv", whole.clone()).await;
    assert_eq!(code, 200, "{done}");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["lastRow"], 5001);
    assert_eq!(counts(&done), [5000, 0, 0, 0]);
    assert_eq!(app.count("profiles").await, 5000);
    // Resuming a completed import reads nothing; another format is refused.
    let (_, again) = import(&app, &format!("?importId={id}"), "text/csv", whole.clone()).await;
    assert_eq!(counts(&again), [5000, 0, 0, 0]);
    let (code, refused) = import(
        &app,
        &format!("?importId={id}"),
        "application/x-ndjson",
        String::new(),
    )
    .await;
    assert_eq!(
        (code, refused["code"].as_str()),
        (409, Some("import_mismatch"))
    );

    // A row too large to hold stops the upload after the rows before it, and says why.
    let huge = format!(
        "email,note\na@b.org,x\nc@d.org,{}\ne@f.org,y\n",
        "z".repeat(400_000)
    );
    let (code, stopped) = import(&app, "", "text/csv", huge).await;
    assert_eq!(code, 200, "{stopped}");
    assert_eq!(stopped["status"], "interrupted");
    assert_eq!(stopped["lastRow"], 2);
    assert!(
        stopped["stoppedBecause"]
            .as_str()
            .unwrap()
            .contains("larger than 256 KB"),
        "{stopped}"
    );
}

#[tokio::test]
async fn exports_write_an_audience_or_the_sandbox_and_import_back_unchanged() {
    let app = TestApp::start(None).await;
    let (_, audience) = app
        .send(
            Method::POST,
            "/api/v1/audiences",
            Some(json!({"name": "Imported"})),
        )
        .await;
    let audience = audience["id"].as_str().unwrap().to_owned();
    let file = "email,crmId,person.name.firstName,score\n\
                ana@example.org,c-1,Ana,'=1+1\n\
                bo@example.org,,Bo,\n";
    let (status, body) = import(
        &app,
        &format!("?audienceId={audience}"),
        "text/csv",
        file.into(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // One profile outside the audience, with a number and a list.
    app.herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("email", "cy@example.org"),
            &[],
            json!({"n": 3, "tags": ["a", "b"]}).as_object().unwrap(),
        )
        .await
        .unwrap();
    let (_, members) = app
        .send(Method::GET, &format!("/api/v1/audiences/{audience}"), None)
        .await;
    assert_eq!(members["members"], 2);

    let (status, content_type, csv) = text(
        &app,
        &format!("/api/v1/profiles/export?audienceId={audience}"),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/csv; charset=utf-8")
    );
    assert_eq!(
        csv,
        "crmId,email,person.name.firstName,score\n\
         c-1,ana@example.org,Ana,'=1+1\n\
         ,bo@example.org,Bo,\n"
    );

    let (status, content_type, ndjson) = text(&app, "/api/v1/profiles/export?format=ndjson").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/x-ndjson")
    );
    let lines: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[2],
        json!({"identities": [{"namespace": "email", "id": "cy@example.org"}],
               "attributes": {"n": 3, "tags": ["a", "b"]}})
    );
    let (status, back) = import(&app, "", "application/x-ndjson", ndjson).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(counts(&back), [0, 0, 3, 0]);

    let (status, body) = app
        .send(Method::GET, "/api/v1/profiles/export?format=xml", None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_query"))
    );
}

#[tokio::test]
async fn profiles_are_found_edited_and_erased_with_their_messages() {
    let app = TestApp::start(None).await;
    let file = "email,person.name.firstName,person.name.lastName,consents.marketing.email.val\n\
                ana@example.org,Ana,Lima,y\n\
                bo@example.org,Bo,Berg,n\n";
    let (status, _) = import(&app, "", "text/csv", file.into()).await;
    assert_eq!(status, 200);
    let page = app
        .herald
        .profile_page(DEFAULT_SANDBOX_ID, "", None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].name, "Bo Berg", "newest first");
    let found = app
        .herald
        .profile_page(DEFAULT_SANDBOX_ID, "ANA@", None)
        .await
        .unwrap();
    assert_eq!(
        found.items.len(),
        1,
        "identities match by prefix, in any case"
    );
    let found = app
        .herald
        .profile_page(DEFAULT_SANDBOX_ID, "lima", None)
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1, "attributes match in any case");
    let ana = found.items[0].id.clone();
    let found = app
        .herald
        .profile_page(DEFAULT_SANDBOX_ID, "100%_", None)
        .await
        .unwrap();
    assert!(found.items.is_empty(), "wildcards are taken literally");

    let edited = app
        .herald
        .set_profile_attributes(
            DEFAULT_SANDBOX_ID,
            &ana,
            json!({"tier": "gold"}).as_object().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(Value::Object(edited.attributes), json!({"tier": "gold"}));

    // A message to Ana, delivered (captured), then the erasure.
    let campaign = app
        .campaign("Hi", "<p>Hi {{profile.tier}}</p>", "", true)
        .await;
    let (status, body, _) = app
        .trigger(
            &json!({"requestId": "e1", "campaignId": campaign.to_string(),
            "recipients": [{"type": "aep", "userId": "ana@example.org", "namespace": "email"}]}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    app.herald.drain_outbox().await.unwrap();
    let detail = app
        .herald
        .profile_detail(DEFAULT_SANDBOX_ID, &ana)
        .await
        .unwrap();
    assert_eq!(detail.addresses.len(), 1);
    assert_eq!(detail.addresses[0].address, "ana@example.org");
    assert_eq!(detail.consents[0], ("email".to_owned(), None));

    let (status, _) = app
        .send(
            Method::DELETE,
            "/api/v1/profiles/email/ana@example.org",
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, messages) = app
        .send(
            Method::GET,
            "/api/v1/messages?recipient=ana@example.org",
            None,
        )
        .await;
    assert_eq!(messages["items"].as_array().unwrap().len(), 0, "{messages}");
    let stored: Vec<(String, String, String)> =
        sqlx::query_as("SELECT address, user_id, html_body FROM messages")
            .fetch_all(app.db().await)
            .await
            .unwrap();
    assert_eq!(stored, [("erased".into(), "erased".into(), String::new())]);
    let audit: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, subject, detail FROM audit_events WHERE action NOT LIKE 'API key%'",
    )
    .fetch_all(app.db().await)
    .await
    .unwrap();
    assert_eq!(
        audit,
        [(
            "profile_erased".into(),
            ana.clone(),
            "1 messages redacted, 0 unfinished".into()
        )]
    );
    let gone = app.herald.profile_detail(DEFAULT_SANDBOX_ID, &ana).await;
    assert_eq!(gone.unwrap_err().code, "profile_not_found");
}

/// An identity another writer linked between a batch's lookup and its insert stays with that
/// profile, and the batch's other identities are still linked.
#[tokio::test]
async fn an_identity_linked_meanwhile_stays_with_its_profile() {
    use backend::store::profiles;
    use domain::ids::ProfileId;
    let app = TestApp::start(None).await;
    let (first, _) = app
        .herald
        .upsert_profile(
            DEFAULT_SANDBOX_ID,
            ("email", "taken@example.org"),
            &[],
            &serde_json::Map::new(),
        )
        .await
        .unwrap();
    let store = app.herald.store();
    let newcomer = ProfileId::new();
    let email = |value: &str| ("email".to_owned(), value.to_owned());
    let mut tx = store.begin().await.unwrap();
    profiles::insert_many(&mut tx, DEFAULT_SANDBOX_ID, &[(newcomer, "{}".into())], 1)
        .await
        .unwrap();
    let links = ["taken@example.org", "new@example.org"].map(|value| {
        let (namespace, value) = email(value);
        (namespace, value, newcomer)
    });
    profiles::link_many(&mut tx, DEFAULT_SANDBOX_ID, &links)
        .await
        .unwrap();
    // The transaction goes on after the taken identity.
    profiles::set_attributes(&mut tx, &[(newcomer, r#"{"n":1}"#.into())], 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = store.acquire().await.unwrap();
    let mut owners = profiles::by_identities(
        &mut conn,
        DEFAULT_SANDBOX_ID,
        &[email("taken@example.org"), email("new@example.org")],
    )
    .await
    .unwrap();
    owners.sort();
    assert_eq!(
        owners,
        vec![
            ("email".into(), "new@example.org".into(), newcomer),
            (
                "email".into(),
                "taken@example.org".into(),
                first.id.parse().unwrap()
            ),
        ]
    );
}
