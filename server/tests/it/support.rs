//! Test harness: starts Herald for real (router, store, delivery) and a real SMTP sink process.
//!
//! The engine comes from `HERALD_TEST_ENGINE`: `sqlite` (the default) gives each test a fresh
//! SQLite file; `postgres` gives each test a fresh database on the PostgreSQL server at
//! `HERALD_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), created
//! and dropped with `psql`. `scripts/test` runs the suite once per engine.

use backend::accounts::{ApiKeySpec, Caller};
use backend::{Herald, Settings};
use domain::campaign::{CampaignInput, NewCampaign};
use domain::ids::{CampaignId, UserId};
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID, Role};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";
/// Longer than any request of these tests takes on a loaded 2-core machine.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The SMTP sink (`smtp_sink.py`, on aiosmtpd) as a child process; killed on drop.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

impl SmtpSink {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/smtp_sink.py");
        let python = std::env::var("HERALD_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut child = Command::new(python)
            .arg(script)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd is needed (scripts/test installs it)");
        // The sink prints its port once it is listening: no waiting by time.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP sink did not start: {line:?}"));
        Self { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Where the messages are stored, one `.eml` file each.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort_by_key(|p| {
            p.file_stem()
                .unwrap()
                .to_string_lossy()
                .parse::<u64>()
                .unwrap()
        });
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl SmtpSink {
    /// Message id (from `Message-ID: <id@domain>`) → how many times it arrived.
    pub fn arrivals(&self) -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for text in self.messages() {
            let id = text
                .lines()
                .find_map(|l| l.strip_prefix("Message-ID: <"))
                .and_then(|l| l.split('@').next())
                .unwrap_or_else(|| panic!("no Message-ID in {text}"))
                .to_owned();
            *seen.entry(id).or_insert(0) += 1;
        }
        seen
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The previous release's schema of an engine (`sqlite` or `postgres`): a directory holding
/// every migration but the newest (for `sqlx::migrate::Migrator::new`), how many that is, and
/// the newest's version (what an upgrade to this release runs).
pub fn previous_release_migrations(engine: &str) -> (TempDir, usize, String) {
    let all = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(engine);
    let mut files: Vec<PathBuf> = std::fs::read_dir(all)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let newest = files.pop().unwrap();
    let previous = tempfile::tempdir().unwrap();
    for file in &files {
        std::fs::copy(file, previous.path().join(file.file_name().unwrap())).unwrap();
    }
    let name = newest.file_name().unwrap().to_string_lossy().into_owned();
    let version = name.split('_').next().unwrap().to_owned();
    (previous, files.len(), version)
}

/// Whether the tests run on PostgreSQL (`HERALD_TEST_ENGINE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("HERALD_TEST_ENGINE").is_ok_and(|e| e == "postgres")
}

/// The PostgreSQL server the tests create their databases on.
fn postgres_server() -> String {
    std::env::var("HERALD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Runs one SQL statement on the PostgreSQL server's maintenance database.
fn psql(sql: &str) {
    let out = Command::new("psql")
        .arg(postgres_server())
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql is needed for the PostgreSQL tests (scripts/test installs it)");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The database of a data directory: on PostgreSQL, a fresh database named after the directory
/// (created the first time a directory asks, so a restarted process finds its data); on SQLite,
/// `None` (Herald's file in the directory).
pub fn database_url(data: &Path) -> Option<String> {
    use sha2::Digest;
    use std::sync::{LazyLock, Mutex};
    static CREATED: LazyLock<Mutex<HashMap<PathBuf, String>>> = LazyLock::new(Default::default);
    if !on_postgres() {
        return None;
    }
    let mut created = CREATED.lock().unwrap();
    if let Some(url) = created.get(data) {
        return Some(url.clone());
    }
    let digest = sha2::Sha256::digest(data.as_os_str().as_encoded_bytes());
    let url = create_database(&hex::encode(digest)[..16]);
    created.insert(data.to_owned(), url.clone());
    Some(url)
}

/// Creates the database `herald_test_<suffix>` on the PostgreSQL test server; returns its URL.
pub fn create_database(suffix: &str) -> String {
    let name = format!("herald_test_{suffix}");
    psql(&format!("CREATE DATABASE {name}"));
    let mut url = url::Url::parse(&postgres_server()).expect("HERALD_TEST_POSTGRES_URL");
    url.set_path(&name);
    url.to_string()
}

/// A pool on the database of a data directory (either engine), for tests of real processes.
pub async fn connect(data: &Path) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = database_url(data)
        .unwrap_or_else(|| format!("sqlite://{}", data.join("herald.db").display()));
    sqlx::AnyPool::connect(&url).await.unwrap()
}

/// Drops the database [`database_url`] made for a data directory, if any.
pub fn drop_database(url: &str) {
    if let Some(name) = url
        .rsplit('/')
        .next()
        .filter(|n| n.starts_with("herald_test_"))
    {
        psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// A running Herald with one marketer and one API key. Delivery workers are off: tests call
/// `herald.drain_outbox()` to deliver deterministically.
pub struct TestApp {
    pub herald: Herald,
    pub base: String,
    pub api_key: String,
    pub user: UserId,
    pub http: reqwest::Client,
    /// The database's URL on PostgreSQL (dropped with the app); `None` on SQLite.
    database_url: Option<String>,
    db: tokio::sync::OnceCell<sqlx::AnyPool>,
    _stop: oneshot::Sender<()>,
    _dir: TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(url) = &self.database_url {
            drop_database(url);
        }
    }
}

impl TestApp {
    pub async fn start(smtp_url: Option<String>) -> Self {
        Self::start_with(smtp_url, &[]).await
    }

    pub async fn start_with(smtp_url: Option<String>, extra: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut env: HashMap<String, String> = HashMap::from([
            ("HERALD_DATA_DIR".into(), dir.path().display().to_string()),
            ("HERALD_PUBLIC_URL".into(), base.clone()),
            ("HERALD_DELIVERY_WORKERS".into(), "0".into()),
            // The tests' providers and sinks are local stand-ins; the egress tests turn it off.
            ("HERALD_ALLOW_PRIVATE_TARGETS".into(), "true".into()),
        ]);
        if let Some(url) = smtp_url {
            env.insert("HERALD_SMTP_URL".into(), url);
        }
        let database_url = database_url(dir.path());
        if let Some(url) = &database_url {
            env.insert("HERALD_DATABASE_URL".into(), url.clone());
        }
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let settings = Settings::load(|k| env.get(k).cloned()).unwrap();
        let herald = Herald::start(settings).await.unwrap();
        let user = herald
            .create_user("marketer@example.com", PASSWORD)
            .await
            .unwrap();
        herald
            .grant(user, DEFAULT_SANDBOX_ID, Role::Owner)
            .await
            .unwrap();
        let api_key = herald
            .create_api_key(ApiKeySpec {
                name: "tests".into(),
                sandbox_id: DEFAULT_SANDBOX_ID.into(),
                scope: ApiScope::Admin,
                campaigns: None,
            })
            .await
            .unwrap()
            .key;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server::run(herald.clone(), listener, async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            // A request that hangs fails its test rather than holding up the whole run.
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap();
        Self {
            herald,
            base,
            api_key,
            user,
            http,
            database_url,
            db: Default::default(),
            _stop: stop,
            _dir: dir,
        }
    }

    /// Creates a campaign with the given content and, if `live`, activates it.
    pub async fn campaign(&self, subject: &str, html: &str, text: &str, live: bool) -> CampaignId {
        let input = CampaignInput {
            title: "Password reset".into(),
            namespace: "email".into(),
            create_profiles: false,
            subject: subject.into(),
            html_body: html.into(),
            text_body: text.into(),
            ..CampaignInput::default()
        };
        self.campaign_in(DEFAULT_SANDBOX_ID, input, live).await
    }

    /// Creates a campaign in a sandbox and, if `live`, activates it.
    pub async fn campaign_in(
        &self,
        sandbox_id: &str,
        input: CampaignInput,
        live: bool,
    ) -> CampaignId {
        let campaign = NewCampaign::parse(&input).unwrap();
        let caller = self.caller_in(sandbox_id).await;
        let id = self
            .herald
            .create_campaign(&caller, campaign)
            .await
            .unwrap();
        if live {
            self.herald.activate_campaign(&caller, id).await.unwrap();
        }
        id
    }

    /// A second sandbox, "dev", created by the operator (the marketer has no role there yet).
    pub async fn dev_sandbox(&self) -> domain::views::SandboxView {
        self.herald
            .create_sandbox(
                "herald",
                "dev",
                &backend::store::audit::Who::without_address("operator"),
            )
            .await
            .unwrap()
    }

    /// The marketer as the browser's caller in the default sandbox (they own it).
    pub async fn caller(&self) -> Caller {
        self.caller_in(DEFAULT_SANDBOX_ID).await
    }

    /// The marketer as the browser's caller in a sandbox, made its owner first.
    pub async fn caller_in(&self, sandbox_id: &str) -> Caller {
        self.herald
            .grant(self.user, sandbox_id, Role::Owner)
            .await
            .unwrap();
        self.herald
            .member_caller(self.user, Some(sandbox_id))
            .await
            .unwrap()
    }

    /// A new API key (the secret).
    pub async fn key(
        &self,
        sandbox_id: &str,
        scope: ApiScope,
        campaigns: Option<Vec<CampaignId>>,
    ) -> String {
        let spec = ApiKeySpec {
            name: format!("key-{}", rand_suffix()),
            sandbox_id: sandbox_id.into(),
            scope,
            campaigns,
        };
        self.herald.create_api_key(spec).await.unwrap().key
    }

    /// The password-reset campaign of the product brief, live.
    pub async fn reset_campaign(&self) -> CampaignId {
        self.campaign(
            "Reset your password, {{profile.person.name.firstName}}",
            "<p>Hi {{profile.person.name.firstName}}</p><a href=\"{{context.resetUrl}}\">Reset</a>",
            "Reset here: {{context.resetUrl}}",
            true,
        )
        .await
    }

    /// A request to `path` (below the base URL) carrying the test's API key.
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.api_key)
    }

    /// Sends a request with the test's API key and an optional JSON body; returns the status
    /// and the JSON answer (null when there is none).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.api(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    pub async fn trigger(
        &self,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
        self.post_raw(body.to_string(), Some(&self.api_key)).await
    }

    pub async fn post_raw(
        &self,
        body: String,
        key: Option<&str>,
    ) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
        let mut request = self
            .http
            .post(format!("{}/ajo/im/executions/unitary", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let json = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, json, headers)
    }

    /// The data directory (database, secret key).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A pool on the app's database (either engine), for what a test reads or forces directly.
    /// SQL must suit both engines (`$1` placeholders).
    pub async fn db(&self) -> &sqlx::AnyPool {
        self.db.get_or_init(|| connect(self.data_dir())).await
    }

    /// Rows in a table (to prove that a rejected call wrote nothing).
    pub async fn count(&self, table: &str) -> i64 {
        assert!(
            table
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
        );
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.db().await)
            .await
            .unwrap()
    }

    /// The session table's name on the app's engine.
    pub fn sessions_table(&self) -> &'static str {
        if on_postgres() {
            "tower_sessions.session"
        } else {
            "tower_sessions"
        }
    }
}

/// A signed link with its signature's last digit changed: what a forger would try.
pub fn forged(link: &str) -> String {
    let last = if link.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &link[..link.len() - 1])
}

fn rand_suffix() -> String {
    domain::ids::ApiKeyId::new().to_string()
}
