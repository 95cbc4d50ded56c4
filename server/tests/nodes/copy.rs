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
    let sqlite = crate::support::connect(sqlite_dir.path()).await;
    wait_for("sent on SQLite", Duration::from_secs(30), 3, async || {
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
    assert_eq!(messages["total"], 3, "{messages}");
    let (status, answer, _) =
        trigger(&http, &server.base, &key, &call(&campaign, "after", 1)).await;
    assert_eq!(status, 202, "{answer}");
    let (status, _, _) = trigger(&http, &server.base, &key, &call(&campaign, "before", 3)).await;
    assert_eq!(status, 202, "the idempotency key came along: a replay");
    wait_for(
        "sent on PostgreSQL",
        Duration::from_secs(30),
        4,
        async || crate::cluster::messages_with_status(&postgres, "sent").await,
    )
    .await;
    assert_eq!(sink.messages().len(), 4);
}
