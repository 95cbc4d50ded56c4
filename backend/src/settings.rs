//! Configuration: defaults that run out of the box, overridden by an optional TOML file
//! (`HERALD_CONFIG`), overridden by `HERALD_*` environment variables. Validated at start-up.

use crate::retry::RetryPolicy;
use anyhow::{Context, bail};
use domain::channel::Channel;
use domain::recipient::PhoneRegion;
use domain::retention::{Retention, RetentionOverrides};
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How hard SQLite flushes each commit. `Full` survives power loss; `Normal` may lose the last
/// commits on power loss (not on a process crash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    Full,
    Normal,
}

/// A value that must not appear in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Address the HTTP server binds (`HERALD_LISTEN`).
    pub listen: SocketAddr,
    /// Directory holding the SQLite file (`HERALD_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The database: `postgres://user:pass@host:5432/db` runs on PostgreSQL (several nodes may
    /// share it), `sqlite://…` on that SQLite file; unset, `data_dir/herald.db`
    /// (`HERALD_DATABASE_URL`).
    pub database_url: Option<Secret>,
    /// Most connections a node opens to PostgreSQL (`HERALD_DATABASE_POOL_SIZE`, default 10).
    pub database_pool_size: u32,
    /// SMTP relay, e.g. `smtp://user:pass@host:587?tls=required`. Unset: messages go to the local
    /// capture store shown on the "Sent messages" page (`HERALD_SMTP_URL`).
    pub smtp_url: Option<Secret>,
    /// The key that encrypts surface credentials at rest: 64 hex digits (`HERALD_SECRET_KEY`).
    /// Unset: `secret.key` in the data directory, created on first start.
    pub secret_key: Option<Secret>,
    /// The sender of emails of campaigns without a surface (`HERALD_EMAIL_FROM`).
    pub email_from: String,
    /// The URL people and systems reach Herald at (`HERALD_PUBLIC_URL`).
    pub public_url: String,
    /// SQLite durability (`HERALD_SQLITE_SYNCHRONOUS`: full or normal).
    pub sqlite_synchronous: Synchronous,
    /// The largest the SQLite database may grow, in MiB (`HERALD_SQLITE_MAX_SIZE_MB`; none by
    /// default): past it, writes fail as on a full disk (503 `storage_full`).
    pub sqlite_max_size_mb: Option<u32>,
    /// Where the browser bundle (`pkg/`) and static files are (`HERALD_SITE_ROOT`).
    pub site_root: PathBuf,
    /// Largest request body accepted by the REST API (`HERALD_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// How long an idempotency key is remembered (`HERALD_IDEMPOTENCY_RETENTION_HOURS`).
    pub idempotency_retention: Duration,
    /// How often housekeeping runs (`HERALD_HOUSEKEEPING_INTERVAL_SECS`, default 600): purging
    /// expired idempotency keys and sessions, and what is past its retention.
    pub housekeeping_interval: Duration,
    /// How long sandboxes keep content, messages and webhook deliveries unless they say
    /// otherwise (`HERALD_RETENTION_CONTENT_DAYS`, `_MESSAGE_DAYS`, `_WEBHOOK_DAYS`).
    pub retention: Retention,
    /// The region national phone numbers (no leading `+`) are read in when neither the surface
    /// nor the sandbox names one (`HERALD_DEFAULT_PHONE_REGION`, e.g. `US`; none by default:
    /// such numbers are refused).
    pub default_phone_region: Option<PhoneRegion>,
    /// How long after an audience send starts its messages may still go out
    /// (`HERALD_AUDIENCE_SEND_WINDOW_HOURS`, default 12, as the reference); later, a message
    /// still waiting (paced, retried, Herald down) is excluded (`send_window`).
    pub audience_send_window: Duration,
    /// How late a scheduled audience send may still start (Herald was down at its time;
    /// `HERALD_SCHEDULE_GRACE_SECS`, default 3600); later, it is marked missed, not sent.
    pub schedule_grace: Duration,
    /// Trigger calls per second one API key may make, 0 for no limit (`HERALD_API_RATE_LIMIT`).
    pub api_rate_limit: u32,
    /// Delivery worker tasks (`HERALD_DELIVERY_WORKERS`); 0 runs none (tests drain by hand).
    pub delivery_workers: usize,
    /// Messages one worker sends at once (`HERALD_DELIVERY_CONCURRENCY`).
    pub delivery_concurrency: usize,
    /// How long a claimed message stays locked before another worker may retry it
    /// (`HERALD_DELIVERY_LEASE_SECS`). One SMTP step may take a fifth of it (at most 30 s).
    pub delivery_lease: Duration,
    /// Attempts before a message fails for good, every channel's default
    /// (`HERALD_DELIVERY_MAX_ATTEMPTS`).
    pub delivery_max_attempts: u32,
    /// Per channel: `HERALD_RETRY_<EMAIL|SMS|PUSH>_MAX_ATTEMPTS`, `…_GIVE_UP_MINS` (defaults:
    /// email 24 h, SMS 4 h, push 1 h: a late code or notification is worse than none) and
    /// `…_FIRST_DELAY_SECS` (default 2).
    pub retry_email: RetryPolicy,
    pub retry_sms: RetryPolicy,
    pub retry_push: RetryPolicy,
    /// Let webhooks, surfaces' providers and SMTP relays reach private, loopback, link-local and
    /// reserved addresses (`HERALD_ALLOW_PRIVATE_TARGETS`, or its older name
    /// `HERALD_WEBHOOK_ALLOW_PRIVATE`; default false). See `egress`.
    pub allow_private_targets: bool,
    /// Let this node migrate a PostgreSQL database whose schema is older than this release
    /// (`HERALD_ALLOW_MIGRATE=1`; default false: such a start is refused, naming the
    /// migrations). A new, empty database is always migrated.
    pub allow_migrate: bool,
    /// The bearer token `GET /metrics` requires (`HERALD_METRICS_TOKEN`, at least 16
    /// characters); unset, the endpoint is off.
    pub metrics_token: Option<Secret>,
    /// Whether report counters are kept (`HERALD_REPORT_COUNTERS`: on, the default, or off).
    /// Off only to measure what they cost: reports then miss what happens meanwhile.
    pub report_counters: bool,
}

/// The optional file's shape: every key may be left out.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_pool_size: Option<u32>,
    smtp_url: Option<String>,
    secret_key: Option<String>,
    email_from: Option<String>,
    public_url: Option<String>,
    sqlite_synchronous: Option<Synchronous>,
    sqlite_max_size_mb: Option<u32>,
    site_root: Option<PathBuf>,
    max_body_bytes: Option<usize>,
    idempotency_retention_hours: Option<u64>,
    housekeeping_interval_secs: Option<u64>,
    retention_content_days: Option<u32>,
    retention_message_days: Option<u32>,
    retention_webhook_days: Option<u32>,
    api_rate_limit: Option<u32>,
    default_phone_region: Option<String>,
    schedule_grace_secs: Option<u64>,
    audience_send_window_hours: Option<u64>,
    delivery_workers: Option<usize>,
    delivery_concurrency: Option<usize>,
    delivery_lease_secs: Option<u64>,
    delivery_max_attempts: Option<u32>,
    retry_email_max_attempts: Option<u32>,
    retry_email_give_up_mins: Option<u64>,
    retry_email_first_delay_secs: Option<u64>,
    retry_sms_max_attempts: Option<u32>,
    retry_sms_give_up_mins: Option<u64>,
    retry_sms_first_delay_secs: Option<u64>,
    retry_push_max_attempts: Option<u32>,
    retry_push_give_up_mins: Option<u64>,
    retry_push_first_delay_secs: Option<u64>,
    webhook_allow_private: Option<bool>,
    allow_private_targets: Option<bool>,
    allow_migrate: Option<bool>,
    metrics_token: Option<String>,
    report_counters: Option<bool>,
}

impl Settings {
    /// Reads the process environment (and the file it may name).
    pub fn from_env() -> anyhow::Result<Self> {
        Self::load(|key| std::env::var(key).ok())
    }

    /// Builds settings from an environment lookup; tests pass their own.
    pub fn load(env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut file = match env("HERALD_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the settings file {path}"))?;
                toml::from_str::<SettingsFile>(&text)
                    .with_context(|| format!("the settings file {path} is not valid"))?
            }
            None => SettingsFile::default(),
        };
        let var = |key: &str| env(key).filter(|v| !v.trim().is_empty());
        macro_rules! overlay {
            ($field:ident, $key:literal) => {
                if let Some(v) = var($key) {
                    file.$field = Some(
                        v.parse()
                            .map_err(|e| anyhow::anyhow!("{} is not valid: {e}", $key))?,
                    );
                }
            };
        }
        overlay!(listen, "HERALD_LISTEN");
        overlay!(data_dir, "HERALD_DATA_DIR");
        overlay!(database_url, "HERALD_DATABASE_URL");
        overlay!(database_pool_size, "HERALD_DATABASE_POOL_SIZE");
        overlay!(smtp_url, "HERALD_SMTP_URL");
        overlay!(secret_key, "HERALD_SECRET_KEY");
        overlay!(email_from, "HERALD_EMAIL_FROM");
        overlay!(public_url, "HERALD_PUBLIC_URL");
        overlay!(site_root, "HERALD_SITE_ROOT");
        overlay!(sqlite_max_size_mb, "HERALD_SQLITE_MAX_SIZE_MB");
        overlay!(max_body_bytes, "HERALD_MAX_BODY_BYTES");
        overlay!(
            idempotency_retention_hours,
            "HERALD_IDEMPOTENCY_RETENTION_HOURS"
        );
        overlay!(
            housekeeping_interval_secs,
            "HERALD_HOUSEKEEPING_INTERVAL_SECS"
        );
        overlay!(retention_content_days, "HERALD_RETENTION_CONTENT_DAYS");
        overlay!(retention_message_days, "HERALD_RETENTION_MESSAGE_DAYS");
        overlay!(retention_webhook_days, "HERALD_RETENTION_WEBHOOK_DAYS");
        overlay!(api_rate_limit, "HERALD_API_RATE_LIMIT");
        overlay!(default_phone_region, "HERALD_DEFAULT_PHONE_REGION");
        overlay!(schedule_grace_secs, "HERALD_SCHEDULE_GRACE_SECS");
        overlay!(
            audience_send_window_hours,
            "HERALD_AUDIENCE_SEND_WINDOW_HOURS"
        );
        overlay!(delivery_workers, "HERALD_DELIVERY_WORKERS");
        overlay!(delivery_concurrency, "HERALD_DELIVERY_CONCURRENCY");
        overlay!(delivery_lease_secs, "HERALD_DELIVERY_LEASE_SECS");
        overlay!(delivery_max_attempts, "HERALD_DELIVERY_MAX_ATTEMPTS");
        overlay!(retry_email_max_attempts, "HERALD_RETRY_EMAIL_MAX_ATTEMPTS");
        overlay!(retry_email_give_up_mins, "HERALD_RETRY_EMAIL_GIVE_UP_MINS");
        overlay!(
            retry_email_first_delay_secs,
            "HERALD_RETRY_EMAIL_FIRST_DELAY_SECS"
        );
        overlay!(retry_sms_max_attempts, "HERALD_RETRY_SMS_MAX_ATTEMPTS");
        overlay!(retry_sms_give_up_mins, "HERALD_RETRY_SMS_GIVE_UP_MINS");
        overlay!(
            retry_sms_first_delay_secs,
            "HERALD_RETRY_SMS_FIRST_DELAY_SECS"
        );
        overlay!(retry_push_max_attempts, "HERALD_RETRY_PUSH_MAX_ATTEMPTS");
        overlay!(retry_push_give_up_mins, "HERALD_RETRY_PUSH_GIVE_UP_MINS");
        overlay!(
            retry_push_first_delay_secs,
            "HERALD_RETRY_PUSH_FIRST_DELAY_SECS"
        );
        overlay!(webhook_allow_private, "HERALD_WEBHOOK_ALLOW_PRIVATE");
        overlay!(allow_private_targets, "HERALD_ALLOW_PRIVATE_TARGETS");
        overlay!(metrics_token, "HERALD_METRICS_TOKEN");
        if let Some(v) = var("HERALD_ALLOW_MIGRATE") {
            file.allow_migrate = Some(match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" | "" => false,
                _ => bail!("HERALD_ALLOW_MIGRATE is not valid: use 1 (allow) or 0"),
            });
        }
        if let Some(v) = var("HERALD_REPORT_COUNTERS") {
            file.report_counters = Some(match v.trim().to_ascii_lowercase().as_str() {
                "on" | "1" | "true" => true,
                "off" | "0" | "false" => false,
                _ => bail!("HERALD_REPORT_COUNTERS is not valid: use on or off"),
            });
        }
        if let Some(v) = var("HERALD_SQLITE_SYNCHRONOUS") {
            file.sqlite_synchronous = Some(match v.to_ascii_lowercase().as_str() {
                "full" => Synchronous::Full,
                "normal" => Synchronous::Normal,
                _ => bail!("HERALD_SQLITE_SYNCHRONOUS must be full or normal"),
            });
        }
        Self::from_file(file)
    }

    fn from_file(f: SettingsFile) -> anyhow::Result<Self> {
        let listen: SocketAddr = f
            .listen
            .as_deref()
            .unwrap_or("127.0.0.1:3000")
            .parse()
            .context("listen (HERALD_LISTEN) must be an address such as 127.0.0.1:3000")?;
        let public_url = f
            .public_url
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!("public_url (HERALD_PUBLIC_URL) must start with http:// or https://");
        }
        if let Some(url) = &f.smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            bail!("smtp_url (HERALD_SMTP_URL) must start with smtp:// or smtps://");
        }
        let email_from = f
            .email_from
            .unwrap_or_else(|| "Herald <herald@localhost>".into());
        if email_from.parse::<lettre::message::Mailbox>().is_err() {
            bail!(
                "email_from (HERALD_EMAIL_FROM) must be an address such as \"Herald <noreply@example.com>\""
            );
        }
        if let Some(token) = &f.metrics_token
            && (token.chars().count() < 16 || !token.chars().all(|c| c.is_ascii_graphic()))
        {
            bail!(
                "metrics_token (HERALD_METRICS_TOKEN) must be at least 16 visible ASCII characters, \
                 such as the output of `openssl rand -hex 16`"
            );
        }
        let max_attempts = f.delivery_max_attempts.unwrap_or(5).max(1);
        let policy =
            |attempts: Option<u32>, mins: Option<u64>, default_mins: u64, first: Option<u64>| {
                RetryPolicy {
                    max_attempts: attempts.unwrap_or(max_attempts).max(1),
                    give_up_after: Duration::from_secs(60 * mins.unwrap_or(default_mins).max(1)),
                    first_delay: Duration::from_secs(first.unwrap_or(2).clamp(1, 3600)),
                }
            };
        let retry_email = policy(
            f.retry_email_max_attempts,
            f.retry_email_give_up_mins,
            24 * 60,
            f.retry_email_first_delay_secs,
        );
        let retry_sms = policy(
            f.retry_sms_max_attempts,
            f.retry_sms_give_up_mins,
            4 * 60,
            f.retry_sms_first_delay_secs,
        );
        let retry_push = policy(
            f.retry_push_max_attempts,
            f.retry_push_give_up_mins,
            60,
            f.retry_push_first_delay_secs,
        );
        let retention = RetentionOverrides {
            content_days: f.retention_content_days,
            message_days: f.retention_message_days,
            webhook_days: f.retention_webhook_days,
        }
        .check(Retention::default())
        .map_err(|e| {
            let why: Vec<String> = e
                .errors
                .iter()
                .map(|e| {
                    let key = match e.field.as_str() {
                        "contentDays" => "HERALD_RETENTION_CONTENT_DAYS",
                        "messageDays" => "HERALD_RETENTION_MESSAGE_DAYS",
                        _ => "HERALD_RETENTION_WEBHOOK_DAYS",
                    };
                    format!("{key} {}", e.message)
                })
                .collect();
            anyhow::anyhow!("the retention settings are not valid: {}", why.join("; "))
        })?
        .over(Retention::default());
        let default_phone_region = match f.default_phone_region.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(
                PhoneRegion::parse(raw)
                    .ok()
                    .filter(crate::phone::region_known)
                    .with_context(|| {
                        format!(
                            "default_phone_region (HERALD_DEFAULT_PHONE_REGION) must be a \
                             two-letter country code such as US, not {raw:?}"
                        )
                    })?,
            ),
        };
        let settings = Self {
            default_phone_region,
            audience_send_window: Duration::from_secs(
                3600 * f.audience_send_window_hours.unwrap_or(12).clamp(1, 24 * 30),
            ),
            schedule_grace: Duration::from_secs(
                f.schedule_grace_secs.unwrap_or(3600).min(7 * 24 * 3600),
            ),
            listen,
            data_dir: f.data_dir.unwrap_or_else(|| PathBuf::from("data")),
            database_url: f.database_url.map(Secret),
            database_pool_size: f.database_pool_size.unwrap_or(10).clamp(1, 1000),
            smtp_url: f.smtp_url.map(Secret),
            secret_key: f.secret_key.map(Secret),
            email_from,
            public_url,
            sqlite_synchronous: f.sqlite_synchronous.unwrap_or(Synchronous::Full),
            sqlite_max_size_mb: f.sqlite_max_size_mb.filter(|mb| *mb > 0),
            site_root: f.site_root.unwrap_or_else(|| PathBuf::from("target/site")),
            max_body_bytes: f.max_body_bytes.unwrap_or(256 * 1024),
            idempotency_retention: Duration::from_secs(
                3600 * f
                    .idempotency_retention_hours
                    .unwrap_or(24)
                    .clamp(1, 24 * 365),
            ),
            housekeeping_interval: Duration::from_secs(
                f.housekeeping_interval_secs.unwrap_or(600).max(1),
            ),
            retention,
            api_rate_limit: f.api_rate_limit.unwrap_or(5_000),
            delivery_workers: f.delivery_workers.unwrap_or(2).min(64),
            delivery_concurrency: f.delivery_concurrency.unwrap_or(16).clamp(1, 512),
            delivery_lease: Duration::from_secs(f.delivery_lease_secs.unwrap_or(60).max(1)),
            delivery_max_attempts: max_attempts,
            retry_email,
            retry_sms,
            retry_push,
            allow_private_targets: f
                .allow_private_targets
                .or(f.webhook_allow_private)
                .unwrap_or(false),
            allow_migrate: f.allow_migrate.unwrap_or(false),
            metrics_token: f.metrics_token.map(Secret),
            report_counters: f.report_counters.unwrap_or(true),
        };
        Ok(settings)
    }

    /// The database URL: `HERALD_DATABASE_URL`, or the SQLite file `data_dir/herald.db`.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.0.clone(),
            None => format!("sqlite://{}", self.data_dir.join("herald.db").display()),
        }
    }

    /// The database URL without its password, for logs and error messages.
    pub fn database_url_redacted(&self) -> String {
        let url = self.database_url();
        match url::Url::parse(&url) {
            Ok(mut parsed) if parsed.password().is_some() => {
                let _ = parsed.set_password(None);
                parsed.to_string()
            }
            Ok(_) => url,
            // Not a URL a password could be read from: only its scheme is safe to show.
            Err(_) => format!("{}://…", url.split("://").next().unwrap_or("?")),
        }
    }

    /// Whether the store is PostgreSQL (several nodes may share it).
    pub fn is_postgres(&self) -> bool {
        let url = self.database_url();
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }

    /// The retry policy of a channel.
    pub fn retry(&self, channel: Channel) -> RetryPolicy {
        match channel {
            Channel::Email => self.retry_email,
            Channel::Sms => self.retry_sms,
            Channel::Push => self.retry_push,
        }
    }

    /// Whether session cookies must carry `Secure` (Herald is reached over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_run_out_of_the_box() {
        let s = load(&[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(s.public_url, "http://127.0.0.1:3000");
        assert_eq!(s.database_url(), "sqlite://data/herald.db");
        assert_eq!(s.sqlite_synchronous, Synchronous::Full);
        assert!(s.smtp_url.is_none());
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("herald.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:4000\"\npublic_url = \"https://h.example.com/\"\n",
        )
        .unwrap();
        let s = load(&[
            ("HERALD_CONFIG", path.to_str().unwrap()),
            ("HERALD_LISTEN", "127.0.0.1:5000"),
        ])
        .unwrap();
        assert_eq!(s.listen.port(), 5000);
        assert_eq!(s.public_url, "https://h.example.com");
        assert!(s.secure_cookies());
    }

    #[test]
    fn bad_values_fail_fast_with_the_variable_named() {
        let err = load(&[("HERALD_LISTEN", "nowhere")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("HERALD_LISTEN"), "{err}");
        assert!(load(&[("HERALD_SMTP_URL", "http://x")]).is_err());
    }

    #[test]
    fn retention_defaults_and_limits() {
        assert_eq!(load(&[]).unwrap().retention, Retention::default());
        let s = load(&[("HERALD_RETENTION_WEBHOOK_DAYS", "7")]).unwrap();
        assert_eq!(s.retention.webhook_days, 7);
        let err = load(&[("HERALD_RETENTION_MESSAGE_DAYS", "10")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("HERALD_RETENTION_CONTENT_DAYS cannot be longer"),
            "{err}"
        );
        let err = load(&[("HERALD_RETENTION_CONTENT_DAYS", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("HERALD_RETENTION_CONTENT_DAYS must be"),
            "{err}"
        );
        let err = load(&[("HERALD_METRICS_TOKEN", "short")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("HERALD_METRICS_TOKEN"), "{err}");
    }

    #[test]
    fn retry_policies_are_per_channel_with_the_global_default() {
        let s = load(&[
            ("HERALD_DELIVERY_MAX_ATTEMPTS", "7"),
            ("HERALD_RETRY_SMS_MAX_ATTEMPTS", "3"),
            ("HERALD_RETRY_PUSH_GIVE_UP_MINS", "10"),
        ])
        .unwrap();
        assert_eq!(s.retry(Channel::Email).max_attempts, 7);
        assert_eq!(
            s.retry(Channel::Email).give_up_after,
            Duration::from_secs(24 * 3600)
        );
        assert_eq!(s.retry(Channel::Sms).max_attempts, 3);
        assert_eq!(
            s.retry(Channel::Push).give_up_after,
            Duration::from_secs(600)
        );
        assert_eq!(s.retry(Channel::Push).first_delay, Duration::from_secs(2));
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let s = load(&[
            ("HERALD_SMTP_URL", "smtp://u:hunter2@127.0.0.1:25"),
            (
                "HERALD_DATABASE_URL",
                "postgres://herald:hunter3@db:5432/herald",
            ),
        ])
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s:?}").contains("hunter3"));
        assert_eq!(
            s.database_url_redacted(),
            "postgres://herald@db:5432/herald"
        );
        assert!(s.is_postgres());
    }
}
