//! `herald`: serve (the default), and set-up commands for scripts and tests.

use clap::Parser;
use server::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Err(e) = server::init_tracing() {
        eprintln!("herald: {e:#}");
        return std::process::ExitCode::FAILURE;
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve().await,
        Command::Db(db) => server::cli::db(db).await,
        other => server::cli::run(other).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("herald: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
