//! Set-up commands that work non-interactively, so scripts and tests can prepare Herald.

use backend::accounts::ApiKeySpec;
use backend::{Herald, Settings};
use clap::Subcommand;
use domain::ids::CampaignId;
use domain::tenancy::ApiScope;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a marketer's account.
    Create {
        #[arg(long)]
        email: String,
        /// At least 10 characters, not a commonly used password. May also come from
        /// HERALD_USER_PASSWORD.
        #[arg(long, env = "HERALD_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// The sandbox the person works in.
        #[arg(long, default_value = domain::tenancy::DEFAULT_SANDBOX_NAME)]
        sandbox: String,
        /// The sandbox's organisation, needed only when several have a sandbox of that name.
        #[arg(long)]
        org: Option<String>,
        /// owner, admin, editor, approver or viewer.
        #[arg(long, default_value = "owner")]
        role: String,
    },
    /// List every account as `email  enabled|disabled  org/sandbox:role, …`.
    List,
    /// Disable an account: it cannot sign in, and its sessions stop at their next request.
    Disable { email: String },
    /// Enable a disabled account again, with the roles it had.
    Enable { email: String },
    /// Print a one-time link (valid 7 days) where the person chooses a new password.
    ResetPassword { email: String },
}

#[derive(Subcommand, Debug)]
pub enum SandboxCommand {
    /// Create a sandbox in an organisation.
    Create {
        #[arg(long, default_value = domain::tenancy::DEFAULT_ORG_ID)]
        org: String,
        #[arg(long)]
        name: String,
    },
    /// List every sandbox as `org/name id`.
    List,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create an API key; the key alone is printed on the last line.
    Create {
        #[arg(long)]
        name: String,
        /// The sandbox the key belongs to.
        #[arg(long, default_value = domain::tenancy::DEFAULT_SANDBOX_NAME)]
        sandbox: String,
        /// The sandbox's organisation, needed only when several have a sandbox of that name.
        #[arg(long)]
        org: Option<String>,
        /// `trigger` (the execution API) or `admin` (also the management API).
        #[arg(long, default_value = "trigger")]
        scope: String,
        /// Restrict the key to this campaign id (repeat for several).
        #[arg(long = "campaign")]
        campaigns: Vec<String>,
    },
    /// Revoke API keys by id or by name.
    Revoke {
        /// The key's id or name.
        id_or_name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Remove now what is past each sandbox's retention (the housekeeping does it every
    /// round): content emptied, then messages and webhook deliveries deleted, in small batches.
    Run {
        /// Only count what would go.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Copy a stopped SQLite install into an empty PostgreSQL database (to run several nodes):
    /// every table, in one transaction, with the row counts checked before it commits.
    Copy {
        /// The SQLite install, e.g. sqlite://data/herald.db (stop Herald first).
        #[arg(long)]
        from: String,
        /// An empty PostgreSQL database, e.g. postgres://herald:pass@db:5432/herald.
        #[arg(long)]
        to: String,
    },
    /// Back up the SQLite install while it runs: a consistent copy of the database and the
    /// secret key (mode 0600) into a new directory, checked before it is reported good.
    Backup {
        /// The directory to create, e.g. /backups/herald-2026-12-02.
        dir: std::path::PathBuf,
    },
    /// Restore a backup into the data directory (HERALD_DATA_DIR), which must hold no database:
    /// stop Herald and move the old directory away first.
    Restore {
        /// A directory made by `herald db backup`.
        dir: std::path::PathBuf,
    },
}

/// `herald db …`: works on databases directly, without starting Herald.
pub async fn db(command: DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Copy { from, to } => copy(&from, &to).await,
        DbCommand::Backup { dir } => {
            let counts = backend::backup::backup(&Settings::from_env()?, &dir).await?;
            print_counts(&counts);
            println!(
                "backed up into {}: {} (the database, checked) and {} (the secret key; keep it \
                 apart from the database when the backup leaves this machine).",
                dir.display(),
                backend::backup::DATABASE_FILE,
                backend::backup::KEY_FILE
            );
            Ok(())
        }
        DbCommand::Restore { dir } => {
            let settings = Settings::from_env()?;
            let counts = backend::backup::restore(&settings, &dir).await?;
            print_counts(&counts);
            println!(
                "restored into {}; start Herald to serve it.",
                settings.data_dir.display()
            );
            Ok(())
        }
    }
}

fn print_counts(counts: &[(&str, i64)]) {
    for (table, rows) in counts {
        println!("{table:<20} {rows:>12}");
    }
}

async fn copy(from: &str, to: &str) -> anyhow::Result<()> {
    let bars = indicatif::MultiProgress::new();
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>20} [{bar:30}] {human_pos:>10}/{human_len} rows",
    )?
    .progress_chars("=> ");
    let mut bar: Option<(String, indicatif::ProgressBar)> = None;
    let copied = backend::store::copy::sqlite_to_postgres(from, to, |table, done, total| {
        if bar.as_ref().is_none_or(|(t, _)| t != table) {
            if let Some((_, b)) = bar.take() {
                b.finish();
            }
            let b = bars.add(indicatif::ProgressBar::new(total).with_style(style.clone()));
            b.set_prefix(table.to_owned());
            bar = Some((table.to_owned(), b));
        }
        if let Some((_, b)) = &bar {
            b.set_position(done);
        }
    })
    .await?;
    if let Some((_, b)) = bar {
        b.finish();
    }
    println!("{:<20} {:>12} {:>12}", "table", "SQLite", "PostgreSQL");
    for c in &copied {
        println!("{:<20} {:>12} {:>12}", c.table, c.source, c.target);
    }
    let rows: i64 = copied.iter().map(|c| c.target).sum();
    println!(
        "copied {rows} rows in {} tables; every count matches.\n\
         Start every node with HERALD_DATABASE_URL set to the new database and HERALD_SECRET_KEY \
         set to the contents of the old data directory's secret.key (surface credentials and \
         webhook secrets are sealed with it). Browser sessions were not copied: sign in again.",
        copied.len()
    );
    Ok(())
}

pub async fn run(command: crate::Command) -> anyhow::Result<()> {
    let herald = Herald::start(Settings::from_env()?).await?;
    match command {
        crate::Command::Serve | crate::Command::Db(_) => unreachable!("handled by main"),
        crate::Command::User(UserCommand::Create {
            email,
            password,
            sandbox,
            org,
            role,
        }) => {
            let role = domain::tenancy::Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role must be owner, admin, editor, approver or viewer")
            })?;
            let sandbox = herald
                .sandbox_by_name(org.as_deref(), &sandbox)
                .await
                .map_err(user_error)?;
            let id = herald
                .create_user(&email, &password)
                .await
                .map_err(user_error)?;
            herald
                .grant(id, &sandbox.id, role)
                .await
                .map_err(user_error)?;
            println!(
                "created user {id}, {role} of {}/{}",
                sandbox.org_id, sandbox.name
            );
        }
        crate::Command::User(UserCommand::List) => {
            for u in herald.list_users().await.map_err(user_error)? {
                let state = if u.disabled { "disabled" } else { "enabled" };
                let roles = u.roles.unwrap_or_else(|| "no role".into());
                println!("{}  {state}  {roles}", u.email);
            }
        }
        crate::Command::User(UserCommand::Disable { email }) => {
            herald
                .operator_set_disabled(&email, true)
                .await
                .map_err(user_error)?;
            println!("disabled {email}");
        }
        crate::Command::User(UserCommand::Enable { email }) => {
            herald
                .operator_set_disabled(&email, false)
                .await
                .map_err(user_error)?;
            println!("enabled {email}");
        }
        crate::Command::User(UserCommand::ResetPassword { email }) => {
            let link = herald
                .operator_reset_link(&email)
                .await
                .map_err(user_error)?;
            println!("{}", link.url);
        }
        crate::Command::Sandbox(SandboxCommand::Create { org, name }) => {
            let s = herald
                .create_sandbox(
                    &org,
                    &name,
                    &backend::store::audit::Who::without_address(backend::accounts::OPERATOR),
                )
                .await
                .map_err(user_error)?;
            println!("created sandbox {}/{} {}", s.org_id, s.name, s.id);
        }
        crate::Command::Sandbox(SandboxCommand::List) => {
            for s in herald.list_sandboxes().await.map_err(user_error)? {
                println!("{}/{} {}", s.org_id, s.name, s.id);
            }
        }
        crate::Command::ApiKey(ApiKeyCommand::Create {
            name,
            sandbox,
            org,
            scope,
            campaigns,
        }) => {
            let sandbox = herald
                .sandbox_by_name(org.as_deref(), &sandbox)
                .await
                .map_err(user_error)?;
            let scope = ApiScope::parse(&scope)
                .ok_or_else(|| anyhow::anyhow!("--scope must be trigger or admin"))?;
            let campaigns = if campaigns.is_empty() {
                None
            } else {
                let ids = campaigns.iter().map(|c| c.parse::<CampaignId>());
                Some(
                    ids.collect::<Result<Vec<_>, _>>()
                        .map_err(|_| anyhow::anyhow!("--campaign must be a campaign id"))?,
                )
            };
            let spec = ApiKeySpec {
                name: name.clone(),
                sandbox_id: sandbox.id,
                scope,
                campaigns,
            };
            let key = herald.create_api_key(spec).await.map_err(user_error)?;
            println!(
                "created API key {} named {name}; it is shown only now:",
                key.id
            );
            println!("{}", key.key);
        }
        crate::Command::Retention(RetentionCommand::Run { dry_run }) => {
            let sandboxes = herald.list_sandboxes().await.map_err(user_error)?;
            let swept = herald.sweep_retention(dry_run).await.map_err(user_error)?;
            let verb = if dry_run { "would go" } else { "removed" };
            println!(
                "{:<24} {:>9} {:>14} {:>12} {:>19}",
                "sandbox", "", "contents", "messages", "webhook deliveries"
            );
            for (id, sweep) in swept {
                let name = sandboxes
                    .iter()
                    .find(|s| s.id == id)
                    .map_or(id.clone(), |s| format!("{}/{}", s.org_id, s.name));
                let ages = herald.retention(&id).await.map_err(user_error)?.effective;
                println!(
                    "{name:<24} {verb:>9} {:>14} {:>12} {:>19}",
                    sweep.contents, sweep.messages, sweep.webhook_deliveries
                );
                println!(
                    "{:<24} {:>9} {:>11} d {:>10} d {:>17} d",
                    "", "kept for", ages.content_days, ages.message_days, ages.webhook_days
                );
            }
        }
        crate::Command::ApiKey(ApiKeyCommand::Revoke { id_or_name }) => {
            match herald
                .revoke_api_key(
                    None,
                    &id_or_name,
                    &backend::store::audit::Who::without_address(backend::accounts::OPERATOR),
                )
                .await
                .map_err(user_error)?
            {
                0 => anyhow::bail!("no active API key has this id or name"),
                n => println!("revoked {n} API key(s)"),
            }
        }
    }
    Ok(())
}

fn user_error(e: backend::Error) -> anyhow::Error {
    match e.cause {
        Some(cause) => cause.context(e.message),
        None => anyhow::anyhow!(e.message),
    }
}
