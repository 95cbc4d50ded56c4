//! Herald as a separate process, set up through its own interfaces: the CLI for the account
//! and the API key, the UI's server functions for the campaign.

use anyhow::{Context, bail};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub struct HeraldProcess {
    child: Child,
    binary: PathBuf,
    vars: Vec<(String, String)>,
    pub addr: SocketAddr,
    pub api_key: String,
    pub campaign_id: String,
    _dir: TempDir,
}

impl HeraldProcess {
    /// Starts `binary` on a fresh database, with `env` on top of the benchmark's settings.
    pub async fn start(
        binary: &Path,
        smtp_port: u16,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let mut vars: Vec<(String, String)> = vec![
            ("HERALD_DATA_DIR".into(), dir.path().display().to_string()),
            ("HERALD_LISTEN".into(), addr.to_string()),
            (
                "HERALD_SMTP_URL".into(),
                format!("smtp://127.0.0.1:{smtp_port}"),
            ),
            ("HERALD_API_RATE_LIMIT".into(), "0".into()),
            ("HERALD_LOG".into(), "warn".into()),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let cli = |args: &[&str]| -> anyhow::Result<String> {
            let out = Command::new(binary)
                .args(args)
                .envs(vars.clone())
                .output()?;
            if !out.status.success() {
                bail!(
                    "herald {args:?} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Ok(String::from_utf8(out.stdout)?)
        };
        let api_key = cli(&["api-key", "create", "--name", "bench", "--scope", "admin"])?
            .lines()
            .last()
            .context("no API key printed")?
            .to_owned();
        let child = serve(binary, &vars, dir.path())?;
        let mut herald = Self {
            child,
            binary: binary.to_owned(),
            vars,
            addr,
            api_key,
            campaign_id: String::new(),
            _dir: dir,
        };
        wait_healthy(herald.addr).await?;
        herald.campaign_id = herald.create_campaign().await?;
        Ok(herald)
    }

    /// Stops the server and starts it again on the same database without the settings `unset`
    /// (the benchmark's own environment or Herald's defaults apply to them again).
    pub async fn restart_without(&mut self, unset: &[&str]) -> anyhow::Result<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.vars.retain(|(k, _)| !unset.contains(&k.as_str()));
        self.child = serve(&self.binary, &self.vars, self._dir.path())?;
        wait_healthy(self.addr).await
    }

    /// Creates and activates the benchmark campaign through the management API.
    async fn create_campaign(&self) -> anyhow::Result<String> {
        let base = format!("http://{}", self.addr);
        let http = reqwest::Client::new();
        let campaign: serde_json::Value = http
            .post(format!("{base}/api/v1/campaigns"))
            .bearer_auth(&self.api_key)
            .json(&serde_json::json!({
                "title": "Benchmark",
                "subject": "Bench {{context.t}}",
                "htmlBody": "<p>Hi {{profile.person.name.firstName}}, your code is {{context.t}}.</p>",
                "textBody": "Hi {{profile.person.name.firstName}}, your code is {{context.t}}."
            }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let id = campaign["id"]
            .as_str()
            .context("the campaign was not created")?
            .to_owned();
        http.post(format!("{base}/api/v1/campaigns/{id}/activate"))
            .bearer_auth(&self.api_key)
            .send()
            .await?
            .error_for_status()?;
        Ok(id)
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    pub fn log_path(&self) -> PathBuf {
        self._dir.path().join("herald.log")
    }
}

impl Drop for HeraldProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `herald serve`, its log in `dir` (appended to across restarts).
fn serve(binary: &Path, vars: &[(String, String)], dir: &Path) -> anyhow::Result<Child> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("herald.log"))?;
    Command::new(binary)
        .arg("serve")
        .envs(vars.iter().cloned())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("cannot start herald")
}

/// Waits until a Herald at `addr` answers its health check (at most 30 s).
pub async fn wait_healthy(addr: SocketAddr) -> anyhow::Result<()> {
    let url = format!("http://{addr}/ajo/im/health");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(&url).await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("herald did not become healthy within 30 s")
}

/// The address a child process announced on its first line of output, `PORT <n>` (the no-op
/// server, the do-it-yourself service).
pub fn announced_addr(child: &mut Child) -> anyhow::Result<SocketAddr> {
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .with_context(|| format!("the process did not start: {line:?}"))?
        .parse()?;
    Ok(format!("127.0.0.1:{port}").parse()?)
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
