//! The smaller findings of the attack on the release build, each as the request that showed it.

use crate::support::TestApp;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_management_api_authenticates_before_it_reads_the_body() {
    let app = TestApp::start(None).await;
    let post = |key: Option<String>| {
        let mut r = app
            .http
            .post(format!("{}/api/v1/campaigns", app.base))
            .header("content-type", "application/json")
            .body("{ not json");
        if let Some(key) = key {
            r = r.bearer_auth(key);
        }
        r.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 401);
    let trigger = app.key(DEFAULT_SANDBOX_ID, ApiScope::Trigger, None).await;
    assert_eq!(post(Some(trigger)).await.unwrap().status(), 403);
    assert_eq!(post(Some(app.api_key.clone())).await.unwrap().status(), 400);
}

#[tokio::test]
async fn a_key_restricted_to_some_campaigns_reads_only_their_executions() {
    let app = TestApp::start(None).await;
    let mine = app.reset_campaign().await;
    let other = app.reset_campaign().await;
    let call = |campaign, request: &str| {
        json!({"requestId": request, "campaignId": campaign, "recipients": [{
            "type": "external", "userId": "ada@example.org", "namespace": "email",
            "context": {"resetUrl": "https://x.test/r"}}]})
    };
    let (status, accepted, _) = app.trigger(&call(other, "o1")).await;
    assert_eq!(status, 202, "{accepted}");
    let execution = accepted["executionId"].as_str().unwrap().to_owned();
    let restricted = app
        .key(DEFAULT_SANDBOX_ID, ApiScope::Trigger, Some(vec![mine]))
        .await;
    let read = app
        .http
        .get(format!(
            "{}/ajo/im/executions/unitary/{execution}",
            app.base
        ))
        .bearer_auth(&restricted)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 403);
    let (status, _) = app
        .send(
            Method::GET,
            &format!("/ajo/im/executions/unitary/{execution}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "the unrestricted key still reads it");
}

#[tokio::test]
async fn an_idempotent_replay_is_served_only_to_the_key_that_made_the_call() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let body = json!({"requestId": "once", "campaignId": campaign, "recipients": [{
        "type": "external", "userId": "ada@example.org", "namespace": "email",
        "context": {"resetUrl": "https://x.test/r"}}]});
    let (status, _, _) = app.trigger(&body).await;
    assert_eq!(status, 202);
    let (status, _, headers) = app.trigger(&body).await;
    assert_eq!(status, 202);
    assert_eq!(headers["idempotent-replayed"], "true");
    let other = app.key(DEFAULT_SANDBOX_ID, ApiScope::Trigger, None).await;
    let (status, answer, _) = app.post_raw(body.to_string(), Some(&other)).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["code"], "idempotency_key_in_use");
}

#[tokio::test]
async fn a_tracked_link_whose_stored_url_cannot_be_a_header_is_not_followed() {
    let app = TestApp::start(None).await;
    let campaign = app.reset_campaign().await;
    let (status, accepted, _) = app
        .trigger(
            &json!({"requestId": "t", "campaignId": campaign, "recipients": [{
            "type": "external", "userId": "ada@example.org", "namespace": "email",
            "context": {"resetUrl": "https://x.test/r"}}]}),
        )
        .await;
    assert_eq!(status, 202, "{accepted}");
    let message: String = sqlx::query_scalar("SELECT id FROM messages LIMIT 1")
        .fetch_one(app.db().await)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO tracked_links (id, message_id, url) VALUES ('oddlink000000001', $1, $2)",
    )
    .bind(&message)
    .bind("https://x.test/a\r\nSet-Cookie: evil=1")
    .execute(app.db().await)
    .await
    .unwrap();
    let r = app
        .http
        .get(format!("{}/l/oddlink000000001", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn a_push_link_that_would_run_code_is_refused() {
    let app = TestApp::start(None).await;
    let (status, answer) = app
        .send(
            Method::POST,
            "/api/v1/campaigns",
            Some(
                json!({"title": "P", "channel": "push", "namespace": "ecid", "subject": "T",
                        "textBody": "B", "push": {"link": "javascript:alert(document.cookie)"}}),
            ),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("push.link"), "{answer}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::start(None).await;
    let login = app
        .http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let csp = login.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'nonce-") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    for response in [
        login,
        app.http
            .get(format!("{}/ajo/im/health", app.base))
            .send()
            .await
            .unwrap(),
        app.api(Method::GET, "/api/v1/campaigns")
            .send()
            .await
            .unwrap(),
    ] {
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(h["cache-control"], "no-store");
        assert!(h.contains_key("content-security-policy"));
    }
    let html = app
        .http
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains(&format!("nonce=\"{nonce}\"")),
        "a new nonce for every response"
    );
    assert!(
        html.contains("nonce=\""),
        "the hydration scripts carry the nonce"
    );
}

#[tokio::test]
async fn the_database_and_its_directory_are_readable_by_herald_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::start(None).await;
    let dir = app.data_dir();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700);
    let files: &[&str] = if crate::support::on_postgres() {
        &["secret.key"]
    } else {
        &["herald.db", "herald.db-wal", "herald.db-shm", "secret.key"]
    };
    for file in files {
        let path = dir.join(file);
        assert!(path.exists(), "{file}");
        assert_eq!(mode(&path), 0o600, "{file}");
    }
}

/// A client that opens a connection and dribbles (or never sends) its headers is cut off after
/// the header-read timeout, instead of holding the connection forever.
#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::start(None).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /ajo/im/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(
        server::HEADER_READ_TIMEOUT + std::time::Duration::from_secs(5),
        slow.read(&mut buf),
    )
    .await
    .expect("the server closed the connection");
    assert!(matches!(read, Ok(0) | Err(_)) || String::from_utf8_lossy(&buf).contains("408"));
    assert!(started.elapsed() >= server::HEADER_READ_TIMEOUT - std::time::Duration::from_secs(1));
    // The server still answers everyone else.
    let (status, _) = app.send(Method::GET, "/ajo/im/health", None).await;
    assert_eq!(status, 200);
}

/// Housekeeping runs on its own: expired idempotency keys and sessions disappear without anyone
/// calling for it (the test fails if the loop is not started or stops).
#[tokio::test]
async fn housekeeping_purges_expired_keys_and_sessions_by_itself() {
    let app = TestApp::start_with(None, &[("HERALD_HOUSEKEEPING_INTERVAL_SECS", "1")]).await;
    let campaign = app.reset_campaign().await;
    let (status, _, _) = app
        .trigger(
            &json!({"requestId": "old", "campaignId": campaign, "recipients": [{
            "type": "external", "userId": "ada@example.org", "namespace": "email",
            "context": {"resetUrl": "https://x.test/r"}}]}),
        )
        .await;
    assert_eq!(status, 202);
    let signed_in = app
        .http
        .post(format!("{}/login", app.base))
        .form(&[
            ("email", "marketer@example.com"),
            ("password", crate::support::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.headers()["location"], "/");
    let db = app.db().await;
    let sessions = app.sessions_table();
    sqlx::query("UPDATE idempotency_keys SET expires_at = 0")
        .execute(db)
        .await
        .unwrap();
    sqlx::query(&format!(
        "UPDATE {sessions} SET expiry_date = '2000-01-01 00:00:00'"
    ))
    .execute(db)
    .await
    .unwrap();
    for _ in 0..50 {
        if app.count("idempotency_keys").await == 0 && app.count(sessions).await == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "not purged within 5 s: {} keys, {} sessions",
        app.count("idempotency_keys").await,
        app.count(sessions).await
    );
}

/// A database URL that cannot be used stops the start with a message that names the setting
/// and the cause, and never the password.
#[test]
fn a_database_that_cannot_be_used_stops_the_start_naming_the_setting() {
    let data = tempfile::tempdir().unwrap();
    let port = crate::process::free_port();
    let closed = crate::process::free_port();
    for (url, cause) in [
        (
            format!("postgres://herald:hunter2@127.0.0.1:{closed}/herald"),
            "cannot connect to PostgreSQL",
        ),
        (
            "mysql://herald:hunter2@127.0.0.1/herald".to_owned(),
            "must start with postgres:// (PostgreSQL) or sqlite://",
        ),
    ] {
        let out = crate::process::herald(data.path(), port, &[("HERALD_DATABASE_URL", &url)])
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url} started");
        assert!(stderr.contains("HERALD_DATABASE_URL"), "{stderr}");
        assert!(stderr.contains(cause), "{stderr}");
        assert!(
            !stderr.contains("hunter2"),
            "the password is printed: {stderr}"
        );
    }
}
