//! Herald's server-side core.
//!
//! [`Herald`] is the one handle both doors hold: the Leptos server functions (browser UI) and the
//! axum REST handlers call the same use cases on it ([`campaigns`], [`executions`], [`accounts`],
//! [`profiles`], [`sandboxes`], [`surfaces`], [`messages`]),
//! and those own the transactions on the same [`store`]. Accepted messages are delivered by the
//! [`delivery`] worker.

pub mod accounts;
pub mod approvals;
pub mod audience_sends;
pub mod audiences;
pub mod background;
pub mod backup;
pub mod browser_sessions;
mod cache;
pub mod campaigns;
pub mod clock;
mod coherence;
pub mod consent;
pub mod delivery;
pub mod egress;
pub mod error;
pub mod executions;
pub mod fragments;
mod leases;
pub mod liveness;
pub mod maintenance;
pub mod messages;
pub mod namespaces;
mod passwords;
pub mod phone;
pub mod plain_text;
pub mod profile_files;
pub mod profiles;
pub mod receipts;
mod render_pool;
pub mod reports;
pub mod retention;
pub mod retry;
pub mod sandboxes;
pub mod saved_content;
mod secret_box;
pub mod send_test;
pub mod settings;
pub mod storage_alarm;
pub mod store;
pub mod suppressions;
pub mod surfaces;
pub mod team;
pub mod telemetry;
pub mod tracking;
pub mod versions;
pub mod webhooks;

pub use error::{Error, ErrorKind};
pub use settings::Settings;

use std::sync::Arc;
use store::Store;
use tokio::sync::Notify;

/// The running application: settings, store, caches, the commit queue and the outbox signal.
#[derive(Clone)]
pub struct Herald {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    store: Store,
    /// Each message's provider: its surface's, or the default of its channel.
    transports: delivery::Transports,
    /// Posts webhook events (public targets only, unless the operator allows private ones).
    webhook_client: reqwest::Client,
    /// Seals and opens surface credentials.
    secret_box: secret_box::SecretBox,
    /// Notified when new messages were committed to the outbox.
    outbox_signal: Arc<Notify>,
    /// Notified when an audience send was accepted.
    fan_out_signal: Notify,
    committer: executions::commit::GroupCommitter,
    storage_alarm: Arc<storage_alarm::StorageAlarm>,
    compiled_versions: executions::CompiledVersions,
    /// Checks passwords with reused memory.
    passwords: passwords::PasswordChecker,
    /// The supervised background loops, for the health check.
    loops: liveness::Loops,
    /// Where messages are rendered: off the async runtime, a bounded number at a time.
    render_pool: render_pool::RenderPool,
    /// API key hash → the caller it authenticates, for 5 s (see [`cache`], [`coherence`]).
    api_keys: cache::TtlCache<String, accounts::Caller>,
    /// Sandbox id → its console key, once made (console keys are never revoked).
    console_keys: std::sync::Mutex<std::collections::HashMap<String, domain::ids::ApiKeyId>>,
    /// Campaign → its row, for 1 s (see [`cache`]).
    campaigns: cache::TtlCache<domain::ids::CampaignId, store::campaigns::CampaignRow>,
    /// Rows per table for `/metrics`, counted in the background (see [`telemetry`]).
    table_rows: telemetry::TableRows,
}

impl Herald {
    /// Opens (and migrates) the database and prepares the mail transport.
    pub async fn start(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::open(&settings).await?;
        store::reports::keep_counters(settings.report_counters);
        let transports = delivery::Transports::new(&settings)?;
        let webhook_client = webhooks::client(egress_of(&settings))?;
        let secret_box = secret_box::SecretBox::load(
            settings.secret_key.as_ref().map(|k| k.0.as_str()),
            &settings.data_dir,
        )?;
        check_secret_key(&store, &secret_box).await?;
        let outbox_signal = Arc::new(Notify::new());
        let api_keys = cache::TtlCache::new(std::time::Duration::from_secs(5), 10_000);
        let campaigns = cache::TtlCache::new(std::time::Duration::from_secs(1), 10_000);
        if store.postgres().is_some() {
            // Off until this node hears the other nodes' changes (see `coherence`).
            api_keys.serve(false);
            campaigns.serve(false);
        }
        let storage_alarm = Arc::new(storage_alarm::StorageAlarm::default());
        let committer = executions::commit::GroupCommitter::start(
            store.clone(),
            outbox_signal.clone(),
            storage_alarm.clone(),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                store,
                transports,
                webhook_client,
                secret_box,
                outbox_signal,
                fan_out_signal: Notify::new(),
                committer,
                storage_alarm,
                compiled_versions: Default::default(),
                render_pool: render_pool::RenderPool::new(),
                loops: Default::default(),
                passwords: Default::default(),
                api_keys,
                console_keys: Default::default(),
                campaigns,
                table_rows: Default::default(),
            }),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Makes the claims of crashed processes of this host due now (see `leases`).
    pub async fn take_back_claims_of_gone_processes(&self) -> error::Result<u64> {
        let mut conn = self.store().acquire().await?;
        Ok(leases::take_back_claims_of_gone_processes(&mut conn).await?)
    }

    /// The outbound policy (see [`egress`]).
    pub fn egress(&self) -> egress::Egress {
        egress_of(self.settings())
    }

    /// The background loops that are not running now, with why (empty: all run).
    pub fn loops_down(&self) -> Vec<String> {
        self.inner.loops.down(clock::now_ms())
    }

    /// Since when this node's commits fail for lack of space, if they do.
    pub fn storage_full_since(&self) -> Option<clock::Millis> {
        self.inner.storage_alarm.full_since()
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> error::Result<()> {
        Ok(self.store().ping().await?)
    }
}

pub(crate) fn egress_of(settings: &Settings) -> egress::Egress {
    egress::Egress {
        allow_private: settings.allow_private_targets,
    }
}

/// Refuses to run with another secret key than the database was first used with: sealed
/// credentials would not open and signed links (unsubscribe) of other nodes would be refused.
async fn check_secret_key(store: &Store, secret_box: &secret_box::SecretBox) -> anyhow::Result<()> {
    let key_check = secret_box.sign("installation key check", "herald");
    let mut conn = store.acquire().await?;
    let recorded =
        store::installation::claim_key_check(&mut conn, &key_check, clock::now_ms()).await?;
    anyhow::ensure!(
        recorded == key_check,
        "the secret key (HERALD_SECRET_KEY, else secret.key in HERALD_DATA_DIR) is not the one \
         this database was first used with: every node of one database needs the same key \
         (copy the first node's secret.key or set HERALD_SECRET_KEY on every node)"
    );
    Ok(())
}
