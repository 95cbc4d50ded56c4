//! `herald db copy`: a populated SQLite install moves to PostgreSQL with every row, and Herald
//! on PostgreSQL serves the same campaigns, keys and messages.

use crate::cluster::{PostgresDatabase, call, trigger, wait_for};
use crate::process::{self, Server};
use crate::support::SmtpSink;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn a_sqlite_install_copied_to_postgres_serves_the_same_data() {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let sqlite_dir = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let env = [("HERALD_SMTP_URL", smtp.as_str())];
    let key = process::create_key(sqlite_dir.path(), port, &env, "admin");
    let server = Server::start(process::herald(sqlite_dir.path(), port, &env), port).await;
    let campaign = process::live_campaign(
        &server.base,
        &key,
        json!({"title": "Moved", "subject": "Hi {{context.n}}", "textBody": "Text {{context.n}}"}),
    )
    .await;
    let http = reqwest::Client::new();
    let (status, answer, _) =
        trigger(&http, &server.base, &key, &call(&campaign, "before", 3)).await;
    assert_eq!(status, 202, "{answer}");
    // People, an audience, an import, a send to it and a schedule: rows in the tables
    // added since the first copy (a table missing from the copy list fails below).
    let post = |path: &str, body: String| {
        http.post(format!("{}{path}", server.base))
            .bearer_auth(&key)
            .body(body)
            .header("content-type", "application/json")
            .send()
    };
    let audience: Value = post("/api/v1/audiences", json!({"name": "Movers"}).to_string())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let audience = audience["id"]
        .as_str()
        .expect("audience created")
        .to_owned();
    let people = (1..=2)
        .map(|n| json!({"identities": [{"namespace": "email", "id": format!("p{n}@example.com")}]}))
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let import = post(
        &format!("/api/v1/profiles/import?format=ndjson&audienceId={audience}"),
        people,
    )
    .await
    .unwrap();
    assert_eq!(import.status(), 200, "{}", import.text().await.unwrap());
    let send = json!({"campaignId": campaign, "audience": {"id": audience}, "context": {"n": 1}});
    let started = post("/ajo/im/executions/audience", send.to_string())
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let later = json!({"campaignId": campaign, "audience": {"id": audience}, "context": {"n": 2},
        "schedule": {"executeAt": "2099-01-01T00:00:00Z"}});
    let scheduled = post("/ajo/im/executions/audience", later.to_string())
        .await
        .unwrap();
    assert_eq!(scheduled.status(), 202);

    let sqlite = crate::support::connect(sqlite_dir.path()).await;
    // Every table of the schema is copied (but the browser sessions and the migrations).
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
            AND name NOT IN ('_sqlx_migrations', 'tower_sessions', 'user_sessions') ORDER BY name",
    )
    .fetch_all(&sqlite)
    .await
    .unwrap();
    let mut listed: Vec<&str> = backend::store::copy::TABLES.to_vec();
    listed.sort_unstable();
    assert_eq!(tables, listed, "backend::store::copy::TABLES");
    wait_for("sent on SQLite", Duration::from_secs(30), 5, async || {
        crate::cluster::messages_with_status(&sqlite, "sent").await
    })
    .await;
    drop(server);

    let target = PostgresDatabase::create();
    let from = format!("sqlite://{}", sqlite_dir.path().join("herald.db").display());
    let copy = |to: &str| {
        process::herald(sqlite_dir.path(), port, &[])
            .args(["db", "copy", "--from", &from, "--to", to])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap()
    };
    let out = copy(&target.url);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("every count matches"), "{stdout}");

    // Every table has the same rows on both sides, counted here too.
    let postgres = sqlx::AnyPool::connect(&target.url).await.unwrap();
    for table in backend::store::copy::TABLES {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let before: i64 = sqlx::query_scalar(&sql).fetch_one(&sqlite).await.unwrap();
        let after: i64 = sqlx::query_scalar(&sql).fetch_one(&postgres).await.unwrap();
        assert_eq!(before, after, "{table}");
    }

    // A second copy into the same database is refused, and changes nothing.
    let again = copy(&target.url);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));

    // Herald on PostgreSQL, with the old install's secret key: the old key, the campaign and
    // its messages are all there, and new calls are accepted and sent.
    let secret = std::fs::read_to_string(sqlite_dir.path().join("secret.key")).unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let pg_port = process::free_port();
    let env = [
        ("HERALD_SMTP_URL", smtp.as_str()),
        ("HERALD_DATABASE_URL", target.url.as_str()),
        ("HERALD_SECRET_KEY", secret.trim()),
    ];
    let server = Server::start(process::herald(pg_dir.path(), pg_port, &env), pg_port).await;
    let get = |path: String| {
        let request = http.get(format!("{}{path}", server.base)).bearer_auth(&key);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let campaigns = get("/api/v1/campaigns".into()).await;
    assert!(campaigns.to_string().contains(&campaign), "{campaigns}");
    let messages = get(format!("/api/v1/messages?campaignId={campaign}")).await;
    assert_eq!(messages["total"], 5, "{messages}");
    let (status, answer, _) =
        trigger(&http, &server.base, &key, &call(&campaign, "after", 1)).await;
    assert_eq!(status, 202, "{answer}");
    let (status, _, _) = trigger(&http, &server.base, &key, &call(&campaign, "before", 3)).await;
    assert_eq!(status, 202, "the idempotency key came along: a replay");
    wait_for(
        "sent on PostgreSQL",
        Duration::from_secs(30),
        6,
        async || crate::cluster::messages_with_status(&postgres, "sent").await,
    )
    .await;
    assert_eq!(sink.messages().len(), 6);
}
