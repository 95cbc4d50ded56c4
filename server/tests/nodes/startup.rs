//! Nodes started at the same moment on an empty database: one migrates it, the others wait for
//! it (sqlx's migrator holds an advisory lock), and all of them serve.

use crate::cluster::Cluster;

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
