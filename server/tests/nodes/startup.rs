//! Nodes started at the same moment on an empty database: one migrates it, the others wait for
//! it (sqlx's migrator holds an advisory lock), and all of them serve.

use crate::cluster::{Cluster, hex_key};

#[tokio::test]
async fn nodes_started_together_on_an_empty_database_migrate_it_once() {
    let cluster = Cluster::on_empty_database(3, &[("HERALD_DELIVERY_WORKERS", "0")]);
    let nodes = futures::future::join_all((0..3).map(|i| cluster.start(i))).await;
    assert_eq!(nodes.len(), 3, "all three are healthy");
    let pool = cluster.pool().await;
    let (migrations, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(migrations, distinct, "a migration ran twice");
    let expected = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations/postgres"
    ))
    .unwrap()
    .count() as i64;
    assert_eq!(migrations, expected);
}

/// A node given another secret key than the database was first used with would fail to open
/// sealed credentials and refuse the other nodes' signed links: it must not start at all.
#[tokio::test]
async fn a_node_with_another_secret_key_refuses_to_start() {
    let mut cluster = Cluster::new(2, &[("HERALD_DELIVERY_WORKERS", "0")]);
    let _first = cluster.start(0).await;
    cluster.set_secret_key_of(1, &hex_key());
    let out = cluster
        .command(1)
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the node started with another key");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HERALD_SECRET_KEY") && stderr.contains("same key"),
        "{stderr}"
    );
}

/// A database of the previous release (every migration but the newest): a node of this release
/// refuses to migrate it unasked, naming the migration, and migrates it with
/// `HERALD_ALLOW_MIGRATE=1`.
#[tokio::test]
async fn an_older_schema_is_migrated_only_when_asked() {
    let (previous, migrations, version) = crate::support::previous_release_migrations("postgres");
    let cluster = Cluster::on_empty_database(1, &[("HERALD_DELIVERY_WORKERS", "0")]);
    let pool = cluster.pool().await;
    sqlx::migrate::Migrator::new(previous.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();

    let refused = cluster
        .command(0)
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "an older schema was migrated unasked"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("HERALD_ALLOW_MIGRATE") && stderr.contains(&version),
        "{stderr}"
    );

    let migrated = cluster
        .command(0)
        .env("HERALD_ALLOW_MIGRATE", "1")
        .args(["api-key", "create", "--name", "upgraded"])
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied, migrations as i64 + 1);
}
