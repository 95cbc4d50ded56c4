//! `herald db backup` of a running install while calls arrive, and `herald db restore` into a
//! new data directory: every call accepted before the backup began is in the copy with all its
//! messages, a call accepted during it is in it whole or not at all, and the restored install
//! serves with the backed-up key.

use crate::process::{self, Server};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const RECIPIENTS: usize = 5;
const QUIET: &[(&str, &str)] = &[("HERALD_DELIVERY_WORKERS", "0")];

/// Sends call `n`; its execution id if accepted.
async fn call(http: &reqwest::Client, base: &str, key: &str, campaign: &str, n: usize) -> String {
    let recipients: Vec<Value> = (0..RECIPIENTS)
        .map(|r| {
            json!({"type": "external", "userId": format!("u{n}-{r}@example.com"),
                        "namespace": "email", "context": {"n": n}})
        })
        .collect();
    let body = json!({"requestId": format!("backup-{n}"), "campaignId": campaign, "recipients": recipients});
    let response = http
        .post(format!("{base}/ajo/im/executions/unitary"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let answer: Value = response.json().await.unwrap();
    answer["executionId"].as_str().unwrap().to_owned()
}

/// The number of messages the server holds for an execution (0: unknown execution).
async fn messages_of(http: &reqwest::Client, base: &str, key: &str, execution: &str) -> usize {
    let response = http
        .get(format!("{base}/ajo/im/executions/unitary/{execution}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    if response.status() == 404 {
        return 0;
    }
    let status: Value = response.json().await.unwrap();
    status["recipients"].as_array().unwrap().len()
}

fn db_command(data: &Path, args: &[&str]) -> std::process::Output {
    process::herald(data, process::free_port(), QUIET)
        .arg("db")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_every_accepted_call() {
    if crate::support::on_postgres() {
        return; // PostgreSQL is backed up with pg_dump (README); the command refuses it.
    }
    let data = tempfile::tempdir().unwrap();
    let port = process::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let key = process::create_key(data.path(), port, QUIET, "admin");
    let server = Server::start(process::herald(data.path(), port, QUIET), port).await;
    let http = reqwest::Client::new();
    let campaign = process::live_campaign(
        &base,
        &key,
        json!({"title": "Backup", "subject": "Hello {{context.n}}", "textBody": "Message {{context.n}}"}),
    )
    .await;

    let mut before = Vec::new();
    for n in 0..40 {
        before.push(call(&http, &base, &key, &campaign, n).await);
    }
    // Calls keep arriving while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn({
        let (http, base, key, campaign, stop) = (
            http.clone(),
            base.clone(),
            key.clone(),
            campaign.clone(),
            stop.clone(),
        );
        async move {
            let mut during = Vec::new();
            let mut n = 1000;
            while !stop.load(Ordering::Relaxed) {
                during.push(call(&http, &base, &key, &campaign, n).await);
                n += 1;
            }
            during
        }
    });
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("herald-backup");
    let backup_arg = backup.to_str().unwrap();
    let out = tokio::task::spawn_blocking({
        let (data, backup_arg) = (data.path().to_owned(), backup_arg.to_owned());
        move || db_command(&data, &["backup", &backup_arg])
    })
    .await
    .unwrap();
    stop.store(true, Ordering::Relaxed);
    let during = load.await.unwrap();
    assert!(
        out.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!during.is_empty(), "no call arrived during the backup");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(backup.join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key is readable by others");
    }
    drop(server);

    // A backup never overwrites: a second one into the same directory is refused.
    let again = db_command(data.path(), &["backup", backup_arg]);
    assert!(!again.status.success());

    let restored = data.path().join("restored");
    let out = db_command(&restored, &["restore", backup_arg]);
    assert!(
        out.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = db_command(&restored, &["restore", backup_arg]);
    assert!(!again.status.success(), "a restore overwrote a database");
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));

    let port = process::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server::start(process::herald(&restored, port, QUIET), port).await;
    for execution in &before {
        assert_eq!(
            messages_of(&http, &base, &key, execution).await,
            RECIPIENTS,
            "call {execution}, accepted before the backup, is missing or partial"
        );
    }
    for execution in &during {
        let found = messages_of(&http, &base, &key, execution).await;
        assert!(
            found == 0 || found == RECIPIENTS,
            "call {execution} is partial in the backup: {found} messages"
        );
    }
}

/// An install of the previous release (every migration but the newest) with data: the new
/// release keeps a copy of the database as it was before migrating it, and serves the data.
#[tokio::test]
async fn an_upgrade_keeps_a_copy_of_the_database_before_migrating_it() {
    use sqlx::Connection;
    if crate::support::on_postgres() {
        return; // SQLite's upgrade backup; PostgreSQL is backed up with pg_dump.
    }
    let (previous, migrations, version) = crate::support::previous_release_migrations("sqlite");
    let data = tempfile::tempdir().unwrap();
    let database = data.path().join("herald.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&database)
        .create_if_missing(true);
    let mut old = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(previous.path())
        .await
        .unwrap()
        .run(&mut old)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, created_at)
         VALUES ('0193a0b0-0000-7000-8000-000000000001', 'old@example.com', 'x', 1)",
    )
    .execute(&mut old)
    .await
    .unwrap();
    old.close().await.unwrap();

    let port = process::free_port();
    let key = process::create_key(data.path(), port, QUIET, "admin");
    assert!(!key.is_empty());
    let backups: Vec<_> = std::fs::read_dir(data.path().join("backups"))
        .expect("no backups directory after the upgrade")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let kept = backups[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(kept.starts_with(&format!("before-{version}-")), "{kept}");

    // The copy is the database as it was: the old user, and not the newest migration.
    let mut copy = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(&backups[0]),
    )
    .await
    .unwrap();
    let (users, migrated): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM _sqlx_migrations)",
    )
    .fetch_one(&mut copy)
    .await
    .unwrap();
    assert_eq!((users, migrated), (1, migrations as i64));

    // The upgraded database kept the old data.
    let mut upgraded = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(&database),
    )
    .await
    .unwrap();
    let old_user: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'old@example.com'")
            .fetch_one(&mut upgraded)
            .await
            .unwrap();
    assert_eq!(old_user, 1);
    upgraded.close().await.unwrap();

    // A second start has nothing to migrate and keeps no second copy.
    process::create_key(data.path(), port, QUIET, "trigger");
    assert_eq!(
        std::fs::read_dir(data.path().join("backups"))
            .unwrap()
            .count(),
        1
    );
}
