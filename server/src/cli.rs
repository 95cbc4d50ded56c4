//! Set-up commands that work non-interactively, so scripts and tests can prepare Herald.

use backend::{Herald, Settings};
use clap::Subcommand;

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
pub enum ApiKeyCommand {
    /// Create an API key; the key alone is printed on the last line.
    Create {
        #[arg(long)]
        name: String,
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
        crate::Command::ApiKey(ApiKeyCommand::Create { name }) => {
            let key = herald.create_api_key(&name).await.map_err(user_error)?;
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
