//! Marketers' accounts and API keys.
//!
//! Passwords are hashed with Argon2id (random salt, PHC string). API keys are 256-bit random
//! secrets shown once; only their SHA-256 is stored, which is enough for a secret of that entropy
//! and keeps authentication of every REST call cheap.

use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use domain::ids::{ApiKeyId, CampaignId, UserId};
use domain::recipient::EmailAddress;
use domain::tenancy::{ApiScope, DEFAULT_SANDBOX_ID, Permission, Role};
use domain::views::ApiKeyView;
use domain::views::SandboxView;
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Who made a change: a marketer in the browser or an API key (management API).
#[derive(Debug, Clone)]
pub enum Actor {
    User(UserId),
    ApiKey(ApiKeyId),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::ApiKey(id) => write!(f, "key:{id}"),
        }
    }
}

/// The actor audited for what the command line does.
pub const OPERATOR: &str = "operator";

/// What device tokens are signed for.
const DEVICE: &str = "device";

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Passwords longer than this are not looked up among common ones (none is this long, and
/// the estimate's cost grows with the length).
const LONGEST_COMMON_PASSWORD: usize = 64;

/// Refuses a password shorter than [`MIN_PASSWORD_LEN`], or one a password cracker guesses
/// in under a million tries (zxcvbn's score 0 or 1): the most common passwords and their
/// variants (`password123`, `1234567890`, `qwertyuiop`), keyboard walks, and the account's
/// own email address.
pub fn check_password(email: &str, password: &str) -> Result<()> {
    let weak = |why: String| Error::new(ErrorKind::Invalid, "weak_password", why);
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(weak(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if length > LONGEST_COMMON_PASSWORD {
        return Ok(());
    }
    let local_part = email.split('@').next().unwrap_or_default();
    let estimate = zxcvbn::zxcvbn(password, &[email, local_part]);
    if estimate.score() >= zxcvbn::Score::Two {
        return Ok(());
    }
    let hint = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(" {w}"))
        .unwrap_or_default();
    Err(weak(format!(
        "the password is too easily guessed.{hint} Choose another, such as a few unrelated words."
    )))
}

/// A marketer's account as sign-in sees it; the hash never leaves the backend.
pub struct Account {
    pub id: UserId,
    password_hash: String,
}

/// A newly created API key: the secret is in `key` and is never stored or shown again.
pub struct NewApiKey {
    pub id: ApiKeyId,
    pub key: String,
}

/// What a new API key may do.
#[derive(Debug, Clone)]
pub struct ApiKeySpec {
    pub name: String,
    /// The sandbox the key belongs to; it sees nothing outside it.
    pub sandbox_id: String,
    pub scope: ApiScope,
    /// `Some`: the key may trigger only these campaigns (of its sandbox).
    pub campaigns: Option<Vec<CampaignId>>,
}

/// What a caller's permissions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An API key of this scope.
    Key(ApiScope),
    /// A person signed in to the browser, with their role in the sandbox.
    Member(Role),
}

impl Access {
    pub fn allows(self, permission: Permission) -> bool {
        match self {
            Access::Key(scope) => scope.allows(permission),
            Access::Member(role) => role.allows(permission),
        }
    }
}

/// An authenticated caller, through either door: an API key, or a person signed in to the
/// browser. It acts in exactly one sandbox, and [`require`](Self::require) is the one check of
/// what it may do there.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The key the caller's executions are recorded under: the presented key, or for a person
    /// the sandbox's console key.
    pub api_key_id: ApiKeyId,
    pub sandbox: SandboxView,
    pub access: Access,
    /// `Some`: the only campaigns this key may trigger.
    pub campaigns: Option<Arc<HashSet<CampaignId>>>,
    /// The person signed in to the browser; `None`: the key's holder.
    pub user: Option<UserId>,
    /// Where the request came from, set by the door (the audit log records it).
    pub address: Option<std::net::IpAddr>,
}

impl Caller {
    /// Who acts, as the audit log names them: the signed-in person, else the key.
    pub fn actor(&self) -> Actor {
        match self.user {
            Some(user) => Actor::User(user),
            None => Actor::ApiKey(self.api_key_id),
        }
    }

    /// Who acts and from where, as the audit log records it.
    pub fn who(&self) -> store::audit::Who {
        store::audit::Who {
            actor: self.actor().to_string(),
            address: self.address.map(|a| a.to_string()).unwrap_or_default(),
        }
    }

    /// Records a change the caller made in their sandbox (not a campaign's) in the audit
    /// log; call inside the transaction that makes it.
    pub(crate) async fn audit(
        &self,
        conn: &mut store::Conn,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> sqlx::Result<()> {
        let who = self.who();
        store::audit::record_event(
            conn,
            self.sandbox_id(),
            &who,
            action,
            subject,
            detail,
            now_ms(),
        )
        .await
    }

    /// The sandbox the caller acts in.
    pub fn sandbox_id(&self) -> &str {
        &self.sandbox.id
    }

    /// Refuses what the caller's role or key scope does not allow.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.access.allows(permission) {
            return Ok(());
        }
        Err(match self.access {
            Access::Key(_) if permission == Permission::Trigger => Error::new(
                ErrorKind::Forbidden,
                "trigger_not_allowed",
                "This API key may not trigger campaigns.",
            ),
            Access::Key(_) => Error::new(
                ErrorKind::Forbidden,
                "admin_scope_required",
                "This API key may only trigger campaigns; the management API needs a key with the admin scope.",
            ),
            Access::Member(role) => Error::new(
                ErrorKind::Forbidden,
                "role_forbidden",
                format!(
                    "Your role in this sandbox ({role}) does not allow you to {}. Ask one of its owners.",
                    permission.describe()
                ),
            ),
        })
    }

    /// Checks the optional `x-gw-ims-org-id` and `x-sandbox-name` headers against the key: a key
    /// only ever acts in its own organisation and sandbox.
    pub fn check_tenant(&self, org: Option<&str>, sandbox: Option<&str>) -> Result<()> {
        if org.is_some_and(|o| o.trim() != self.sandbox.org_id) {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "org_mismatch",
                "This API key belongs to another organisation than x-gw-ims-org-id names. \
                 Send the organisation shown with the key on the API keys page, or omit the header.",
            ));
        }
        if sandbox.is_some_and(|s| s.trim() != self.sandbox.name) {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "sandbox_mismatch",
                "This API key belongs to another sandbox than x-sandbox-name names. \
                 Use a key of that sandbox, or omit the header.",
            ));
        }
        Ok(())
    }

    /// Refuses a key restricted to other campaigns.
    pub fn check_campaign(&self, campaign_id: CampaignId) -> Result<()> {
        match &self.campaigns {
            Some(allowed) if !allowed.contains(&campaign_id) => Err(Error::new(
                ErrorKind::Forbidden,
                "campaign_not_allowed",
                "This API key may not trigger this campaign. Allow it on the API keys page or use another key.",
            )),
            _ => Ok(()),
        }
    }
}

/// The credentials printed on a fresh install's first start.
pub struct Bootstrap {
    pub email: String,
    pub password: String,
    pub api_key: String,
}

impl Herald {
    #[tracing::instrument(skip_all)]
    pub async fn create_user(&self, email: &str, password: &str) -> Result<UserId> {
        let email = EmailAddress::parse(email)
            .map_err(|m| Error::new(ErrorKind::Invalid, "invalid_email", format!("email {m}")))?;
        check_password(email.as_str(), password)?;
        let hash = hash_password(password.to_owned()).await?;
        let id = UserId::new();
        let mut conn = self.store().acquire().await?;
        match store::accounts::insert_user(&mut conn, id, email.as_str(), &hash, now_ms()).await {
            Ok(()) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Error::new(
                ErrorKind::Conflict,
                "user_exists",
                "a user with this email already exists",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets browser sessions past their expiry.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let mut conn = self.store().acquire().await?;
        Ok(store::accounts::purge_expired_sessions(&mut conn).await?)
    }

    /// The account an email signs in to, if there is one: looked up once, before the sign-in
    /// guard decides, and then checked with [`verify_login`](Self::verify_login).
    pub async fn account(&self, email: &str) -> Result<Option<Account>> {
        let user = store::accounts::user_by_email(self.store().reader(), email.trim()).await?;
        Ok(user.map(|u| Account {
            id: u.id,
            password_hash: u.password_hash,
        }))
    }

    /// A signed token naming a user, kept by a browser that signed in as them (the sign-in
    /// guard lets that browser through when the account is under attack).
    pub fn device_token(&self, user: &UserId) -> String {
        self.inner.secret_box.token(DEVICE, &user.to_string())
    }

    /// The user a [`device_token`](Self::device_token) was made for, if it is genuine.
    pub fn device_user(&self, token: &str) -> Option<UserId> {
        self.inner
            .secret_box
            .open_token(DEVICE, token)?
            .parse()
            .ok()
    }

    /// Checks a sign-in's password against `account` (`None`: the email has none). Unknown
    /// emails cost the same hashing work as wrong passwords.
    #[tracing::instrument(skip_all)]
    pub async fn verify_login(
        &self,
        account: Option<&Account>,
        password: &str,
    ) -> Result<Option<UserId>> {
        let (id, hash) = match account {
            Some(a) => (Some(a.id), a.password_hash.clone()),
            None => (None, dummy_hash().to_owned()),
        };
        let password = password.to_owned();
        let herald = self.clone();
        let ok = tokio::task::spawn_blocking(move || {
            herald.inner.passwords.verify(password.as_bytes(), &hash)
        })
        .await
        .map_err(Error::internal)?;
        Ok(id.filter(|_| ok))
    }

    pub async fn user_email(&self, id: &UserId) -> Result<Option<String>> {
        Ok(store::accounts::user_email(self.store().reader(), *id).await?)
    }

    /// Creates a key on the command line (or at first start): audited as made by the operator.
    pub async fn create_api_key(&self, spec: ApiKeySpec) -> Result<NewApiKey> {
        self.create_api_key_as(spec, &store::audit::Who::without_address(OPERATOR))
            .await
    }

    /// Creates a key, audited as made by `actor`.
    #[tracing::instrument(skip_all)]
    pub async fn create_api_key_as(
        &self,
        spec: ApiKeySpec,
        who: &store::audit::Who,
    ) -> Result<NewApiKey> {
        let name = spec.name.trim();
        if name.is_empty() || name.len() > 100 || name.contains(['\r', '\n']) {
            return Err(Error::new(
                ErrorKind::Invalid,
                "invalid_name",
                "the key needs a name of 1 to 100 characters on one line",
            ));
        }
        let sandbox = self.sandbox(&spec.sandbox_id).await?;
        let campaigns: Option<Vec<CampaignId>> = match &spec.campaigns {
            None => None,
            Some(ids) => {
                let mut checked = Vec::with_capacity(ids.len());
                for id in ids {
                    let row = store::campaigns::campaign(self.store().reader(), *id).await?;
                    match row {
                        Some(c) if c.sandbox_id == sandbox.id => checked.push(c.id),
                        _ => {
                            return Err(Error::new(
                                ErrorKind::Invalid,
                                "invalid_campaign",
                                format!("campaign {id} is not in the key's sandbox"),
                            ));
                        }
                    }
                }
                Some(checked)
            }
        };
        let secret: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(43)
            .map(char::from)
            .collect();
        let key = format!("hk_{secret}");
        let id = ApiKeyId::new();
        let mut tx = self.store().begin().await?;
        store::accounts::insert_api_key(
            &mut tx,
            store::accounts::NewApiKeyRow {
                id,
                name,
                prefix: &key[..7],
                key_hash: &key_hash(&key),
                sandbox_id: &sandbox.id,
                scope: spec.scope,
                campaigns: campaigns.as_deref(),
                now: now_ms(),
            },
        )
        .await?;
        let detail = format!("\"{name}\", scope {}", spec.scope.as_str());
        store::audit::record_event(
            &mut tx,
            &sandbox.id,
            who,
            "API key created",
            &id.to_string(),
            &detail,
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        Ok(NewApiKey { id, key })
    }

    /// Revokes by id or name, in one sandbox (`None`: in any, for the command line). Returns
    /// how many keys were revoked.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_api_key(
        &self,
        sandbox_id: Option<&str>,
        id_or_name: &str,
        who: &store::audit::Who,
    ) -> Result<u64> {
        let mut tx = self.store().begin().await?;
        let revoked =
            store::accounts::revoke_api_key(&mut tx, sandbox_id, id_or_name.trim(), now_ms())
                .await?;
        for (key, sandbox) in &revoked {
            store::audit::record_event(
                &mut tx,
                sandbox,
                who,
                "API key revoked",
                &key.to_string(),
                "",
                now_ms(),
            )
            .await?;
        }
        let revoked = revoked.len() as u64;
        store::changes::announce(&mut tx, store::changes::Change::ApiKeys).await?;
        tx.commit().await?;
        // Only hashes are cached, so forget them all: revocation takes effect at once here
        // (and on other nodes when they hear the announcement).
        self.inner.api_keys.clear();
        Ok(revoked)
    }

    /// Resolves a presented key to its caller; revoked and unknown keys are refused alike.
    /// A key revoked on another node is refused within 5 s.
    pub async fn authenticate_api_key(&self, presented: &str) -> Result<Caller> {
        let unauthorized = || {
            Error::new(
                ErrorKind::Unauthorized,
                "invalid_api_key",
                "Send a valid API key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
            )
        };
        if !presented.starts_with("hk_") || presented.len() > 100 {
            return Err(unauthorized());
        }
        let hash = key_hash(presented);
        if let Some(caller) = self.inner.api_keys.get(&hash) {
            return Ok(caller);
        }
        let read_at = self.inner.api_keys.generation();
        let pool = self.store().reader();
        let row = store::accounts::active_api_key(pool, &hash)
            .await?
            .ok_or_else(unauthorized)?;
        let campaigns = if row.restricted {
            let ids = store::accounts::key_campaigns(pool, row.id).await?;
            Some(Arc::new(ids.into_iter().collect()))
        } else {
            None
        };
        let caller = Caller {
            access: Access::Key(row.scope),
            sandbox: SandboxView {
                id: row.sandbox_id,
                org_id: row.org_id,
                name: row.sandbox_name,
            },
            api_key_id: row.id,
            campaigns,
            user: None,
            address: None,
        };
        self.inner.api_keys.insert(hash, caller.clone(), read_at);
        // Record the use off the request path; at most once a minute is stored.
        let (herald, id) = (self.clone(), caller.api_key_id);
        tokio::spawn(async move {
            if let Ok(mut conn) = herald.store().acquire().await
                && let Err(e) = store::accounts::touch_api_key(&mut conn, id, now_ms()).await
            {
                tracing::warn!(error = ?e, "cannot record the API key's last use");
            }
        });
        Ok(caller)
    }

    /// A signed-in person's caller: in the `preferred` sandbox if they may enter it, else in
    /// the first one they may. What they start in the browser is recorded under their name and
    /// under the sandbox's console key (executions name a key). A disabled account, or one
    /// without any role left, is refused as signed out.
    pub async fn member_caller(&self, user: UserId, preferred: Option<&str>) -> Result<Caller> {
        let mut sandboxes = store::team::sandboxes_of(self.store().reader(), user).await?;
        let chosen = sandboxes
            .iter()
            .position(|(s, _)| Some(s.id.as_str()) == preferred)
            .unwrap_or(0);
        if sandboxes.is_empty() {
            return Err(Error::new(
                ErrorKind::Unauthorized,
                "no_sandbox",
                "Your account is disabled or has no role in any sandbox. Ask an owner of your team.",
            ));
        }
        let (sandbox, role) = sandboxes.swap_remove(chosen);
        Ok(Caller {
            api_key_id: self.console_key(&sandbox.id).await?,
            sandbox,
            access: Access::Member(role),
            campaigns: None,
            user: Some(user),
            address: None,
        })
    }

    /// The sandboxes the person may enter, with their role in each.
    pub async fn sandboxes_of(&self, user: UserId) -> Result<Vec<(SandboxView, Role)>> {
        Ok(store::team::sandboxes_of(self.store().reader(), user).await?)
    }

    /// The sandbox's console key, made on first use.
    async fn console_key(&self, sandbox_id: &str) -> Result<ApiKeyId> {
        let known = self
            .inner
            .console_keys
            .lock()
            .ok()
            .and_then(|k| k.get(sandbox_id).copied());
        if let Some(key) = known {
            return Ok(key);
        }
        let mut conn = self.store().acquire().await?;
        let key = store::accounts::console_key(&mut conn, sandbox_id, now_ms()).await?;
        if let Ok(mut keys) = self.inner.console_keys.lock() {
            keys.insert(sandbox_id.to_owned(), key);
        }
        Ok(key)
    }

    /// Every API key of a sandbox, newest first, without secrets.
    pub async fn list_api_keys(&self, sandbox_id: &str) -> Result<Vec<ApiKeyView>> {
        let pool = self.store().reader();
        let mut keys = store::accounts::list_api_keys(pool, sandbox_id).await?;
        let mut titles: HashMap<String, Vec<String>> = HashMap::new();
        for (key, title) in store::accounts::restricted_key_titles(pool).await? {
            titles.entry(key).or_default().push(title);
        }
        for key in keys.iter_mut().filter(|k| k.restricted) {
            key.campaigns = titles.remove(&key.id).unwrap_or_default();
        }
        Ok(keys)
    }

    /// On an empty database: creates an admin account and an API key, and returns them once
    /// (of nodes starting together on an empty database, one does it).
    pub async fn bootstrap_if_empty(&self) -> Result<Option<Bootstrap>> {
        if store::accounts::count_users(self.store().reader()).await? > 0 {
            return Ok(None);
        }
        let email = "admin@herald.local".to_owned();
        let password: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(20)
            .map(char::from)
            .collect();
        let admin = match self.create_user(&email, &password).await {
            // Another node starting at the same moment bootstrapped the install: it prints.
            Err(e) if e.kind == ErrorKind::Conflict => return Ok(None),
            other => other?,
        };
        self.grant(admin, DEFAULT_SANDBOX_ID, Role::Owner).await?;
        let api_key = self
            .create_api_key(ApiKeySpec {
                name: "default".into(),
                sandbox_id: DEFAULT_SANDBOX_ID.into(),
                scope: ApiScope::Admin,
                campaigns: None,
            })
            .await?
            .key;
        Ok(Some(Bootstrap {
            email,
            password,
            api_key,
        }))
    }
}

pub(crate) fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

pub(crate) async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await
    .map_err(Error::internal)?
    .map_err(Error::internal)
}

/// A valid Argon2id hash of a random password, so unknown users cost a real verification.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt =
            SaltString::encode_b64(&rand::random::<[u8; 16]>()).expect("16 bytes fit a salt");
        Argon2::default()
            .hash_password(&rand::random::<[u8; 32]>(), &salt)
            .expect("hashing a fixed-size input succeeds")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_short_passwords_are_refused() {
        let email = "ana.lima@example.org";
        for weak in [
            "short",
            "password123",
            "1234567890",
            "qwertyuiop",
            "iloveyou12",
            "ana.lima@example.org",
            "aaaaaaaaaaaa",
        ] {
            let refused = check_password(email, weak).expect_err(weak);
            assert_eq!(refused.code, "weak_password", "{weak}");
        }
        for strong in [
            "correct horse battery",
            "Tangerine-Walrus-41",
            &"long enough to skip the estimate ".repeat(3),
        ] {
            check_password(email, strong).unwrap_or_else(|e| panic!("{strong}: {}", e.message));
        }
    }
}
