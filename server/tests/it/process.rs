//! The real `herald` binary as a child process, for tests where a failure would be a crash or a
//! stalled runtime: a crash then shows as a failed request (and a failed test), not a hung
//! suite, and the process is always killed and reaped when the test ends.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `herald` command on `data` listening on `port`, with `env` on top of quiet defaults.
pub fn herald(data: &Path, port: u16, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command
        .env("HERALD_DATA_DIR", data)
        .env("HERALD_LISTEN", format!("127.0.0.1:{port}"))
        .env("HERALD_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("HERALD_LOG", "warn");
    if let Some(url) = crate::support::database_url(data) {
        command.env("HERALD_DATABASE_URL", url);
    }
    command
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// A free port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Creates an API key with `herald api-key create` (the key is the last line printed).
pub fn create_key(data: &Path, port: u16, env: &[(&str, &str)], scope: &str) -> String {
    let out = herald(data, port, env)
        .args([
            "api-key",
            "create",
            "--name",
            &format!("key-{scope}-{port}"),
        ])
        .args(["--scope", scope])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success(), "api-key create failed");
    last_line(&out)
}

/// The last line a command printed (where `herald api-key create` prints the key alone).
pub fn last_line(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// Creates a campaign through the management API and activates it; returns its id.
pub async fn live_campaign(base: &str, key: &str, campaign: serde_json::Value) -> String {
    let http = reqwest::Client::new();
    let created: serde_json::Value = http
        .post(format!("{base}/api/v1/campaigns"))
        .bearer_auth(key)
        .json(&campaign)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("campaign not created: {created}"))
        .to_owned();
    let activated = http
        .post(format!("{base}/api/v1/campaigns/{id}/activate"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(activated.status(), 200, "campaign {id} not activated");
    id
}

/// The server process; killed (SIGKILL) and reaped when dropped, also when a test fails.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `command` and waits until its health check answers.
    pub async fn start(mut command: Command, port: u16) -> Self {
        let server = Server {
            child: command.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
        };
        let health = format!("{}/ajo/im/health", server.base);
        for _ in 0..200 {
            if reqwest::get(&health)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("herald did not start");
    }

    /// `kill -9`, now: dropping the process handle sends SIGKILL.
    pub fn kill_9(self) {}

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running (it did not abort).
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
