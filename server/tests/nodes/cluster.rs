//! A cluster of nodes for the tests: one PostgreSQL database, one SMTP sink, one secret key,
//! a data directory and a port per node.

use crate::process::{self, Server};
use crate::support::{self, SmtpSink};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub struct Cluster {
    /// Held for the test's life: clusters of real processes run one at a time, so a test's
    /// timings (pacing, takeover) are not those of a machine running another cluster too.
    _turn: std::sync::MutexGuard<'static, ()>,
    pub db: PostgresDatabase,
    pub sink: SmtpSink,
    /// Node `i`'s secret key: the same for every node unless a test says otherwise.
    secret_keys: Vec<String>,
    dirs: Vec<TempDir>,
    ports: Vec<u16>,
    extra: Vec<(String, String)>,
    /// An admin key, made with the CLI.
    pub key: String,
}

impl Cluster {
    /// `nodes` nodes' settings (none started yet), with `extra` settings for each, and an admin
    /// key (made with the CLI, which migrates the database).
    pub fn new(nodes: usize, extra: &[(&str, &str)]) -> Self {
        let mut cluster = Self::on_empty_database(nodes, extra);
        let out = cluster.cli(&["api-key", "create", "--name", "nodes", "--scope", "admin"]);
        assert!(out.status.success(), "api-key create failed");
        cluster.key = process::last_line(&out);
        cluster
    }

    /// The nodes' settings on a database nothing has touched yet (no key).
    pub fn on_empty_database(nodes: usize, extra: &[(&str, &str)]) -> Self {
        static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
        Cluster {
            _turn: TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
            db: PostgresDatabase::create(),
            sink: SmtpSink::start(),
            secret_keys: vec![hex_key(); nodes],
            dirs: (0..nodes).map(|_| tempfile::tempdir().unwrap()).collect(),
            ports: (0..nodes).map(|_| process::free_port()).collect(),
            extra: extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            key: String::new(),
        }
    }

    /// Gives node `i` another secret key than the others (a misconfigured node).
    pub fn set_secret_key_of(&mut self, i: usize, key: &str) {
        self.secret_keys[i] = key.to_owned();
    }

    /// The `herald` command of node `i`.
    pub fn command(&self, i: usize) -> std::process::Command {
        let mut env = vec![
            ("HERALD_DATABASE_URL".to_owned(), self.db.url.clone()),
            ("HERALD_SECRET_KEY".to_owned(), self.secret_keys[i].clone()),
            ("HERALD_SMTP_URL".to_owned(), self.sink.url()),
        ];
        env.extend(self.extra.iter().cloned());
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        process::herald(self.dirs[i].path(), self.ports[i], &env)
    }

    /// Starts node `i` and waits until it is healthy.
    pub async fn start(&self, i: usize) -> Server {
        Server::start(self.command(i), self.ports[i]).await
    }

    /// Starts every node.
    pub async fn start_all(&self) -> Vec<Server> {
        let mut nodes = Vec::new();
        for i in 0..self.ports.len() {
            nodes.push(self.start(i).await);
        }
        nodes
    }

    pub fn base(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.ports[i])
    }

    /// Runs the `herald` CLI against the cluster's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.command(0)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .output()
            .unwrap()
    }

    /// A live email campaign made through node 0.
    pub async fn campaign(&self, extra: Value) -> String {
        let mut campaign = json!({"title": "Nodes", "subject": "Hello {{context.n}}",
                                  "textBody": "Message {{context.n}}"});
        campaign
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        process::live_campaign(&self.base(0), &self.key, campaign).await
    }

    /// A pool on the cluster's database.
    pub async fn pool(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db.url).await.unwrap()
    }
}

pub fn hex_key() -> String {
    let id = domain::ids::MessageId::new().to_string().replace('-', "");
    format!("{id}{id}")
}

/// A trigger call of `recipients` recipients named after `request_id`.
pub fn call(campaign: &str, request_id: &str, recipients: usize) -> Value {
    let recipients: Vec<Value> = (0..recipients)
        .map(|r| {
            json!({"type": "external", "userId": format!("{request_id}-{r}@example.com"),
                   "namespace": "email", "context": {"n": format!("{request_id}-{r}")}})
        })
        .collect();
    json!({"requestId": request_id, "campaignId": campaign, "recipients": recipients})
}

/// Posts a trigger call to `base`; returns the status and the JSON answer.
pub async fn trigger(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    body: &Value,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = http
        .post(format!("{base}/ajo/im/executions/unitary"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        headers,
    )
}

/// Waits until `count` (polled every 100 ms) reaches `want`, for at most `limit`.
pub async fn wait_for(what: &str, limit: Duration, want: i64, mut count: impl AsyncFnMut() -> i64) {
    let started = Instant::now();
    loop {
        let now = count().await;
        if now >= want {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{what}: {now} of {want} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Rows of the cluster's `messages` with this status.
pub async fn messages_with_status(pool: &sqlx::AnyPool, status: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE status = $1")
        .bind(status)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A fresh database on the PostgreSQL test server (whatever `HERALD_TEST_ENGINE` says), dropped
/// with the guard: for tests of several nodes sharing one database.
pub struct PostgresDatabase {
    pub url: String,
}

impl PostgresDatabase {
    pub fn create() -> Self {
        let suffix = domain::ids::MessageId::new().to_string().replace('-', "");
        Self {
            url: support::create_database(&suffix),
        }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        support::drop_database(&self.url);
    }
}
