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
        /// At least 10 characters. May also come from HERALD_USER_PASSWORD.
        #[arg(long, env = "HERALD_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
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

pub async fn run(command: crate::Command) -> anyhow::Result<()> {
    let herald = Herald::start(Settings::from_env()?).await?;
    match command {
        crate::Command::Serve => unreachable!("serve is handled by main"),
        crate::Command::User(UserCommand::Create { email, password }) => {
            let id = herald
                .create_user(&email, &password)
                .await
                .map_err(user_error)?;
            println!("created user {id}");
        }
        crate::Command::Sandbox(SandboxCommand::Create { org, name }) => {
            let s = herald
                .create_sandbox(&org, &name)
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
        crate::Command::ApiKey(ApiKeyCommand::Revoke { id_or_name }) => {
            match herald
                .revoke_api_key(&id_or_name)
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
