//! `bench`: measures Herald on this machine and, in the same run, the ceilings the machine
//! allows, so each figure reads as a ratio that holds on a noisy machine.
//!
//! Herald runs as its own release process (`--herald`); load comes from this process. Ceilings:
//! the same HTTP stack answering a no-op handler that parses the same JSON (a child process of
//! this binary), raw inserts of the same rows through Herald's own store functions on the same
//! engine (SQLite, or PostgreSQL with `--database postgres`), and the SMTP sink alone.

mod database;
mod herald_process;
mod load;
mod noop_server;
mod report;
mod reports;
mod smtp_sink;
mod store_ceiling;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Herald's benchmark")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the benchmark and print the table.
    Run {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// A few seconds in all, to check that the harness works (CI); the figures mean nothing.
        #[arg(long)]
        smoke: bool,
        /// Seconds per load phase.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// The engine Herald runs on: sqlite, or postgres (a fresh database per run on the
        /// server at --postgres-url, and a row with two nodes).
        #[arg(long, default_value = "sqlite")]
        database: String,
        /// The PostgreSQL server for `--database postgres`.
        #[arg(
            long,
            env = "HERALD_TEST_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        postgres_url: String,
    },
    /// Seed a database with messages and their report counters, then time the report views
    /// of the release binary on it.
    Reports {
        /// The herald binary to measure (a release build).
        #[arg(long)]
        herald: PathBuf,
        /// Messages to seed.
        #[arg(long, default_value_t = 10_000_000)]
        messages: u64,
        /// sqlite, or postgres (a fresh database on the server at --postgres-url).
        #[arg(long, default_value = "sqlite")]
        database: String,
        #[arg(
            long,
            env = "HERALD_TEST_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        postgres_url: String,
    },
    /// Internal: the no-op ceiling server (prints its port).
    NoopServer,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match cli.command {
        Command::NoopServer => runtime.block_on(noop_server::serve()),
        Command::Run {
            herald,
            smoke,
            seconds,
            database,
            postgres_url,
        } => {
            let engine = engine(&database, postgres_url)?;
            let plan = report::Plan::new(smoke, seconds);
            runtime.block_on(report::run(herald, plan, engine))
        }
        Command::Reports {
            herald,
            messages,
            database,
            postgres_url,
        } => {
            let engine = engine(&database, postgres_url)?;
            runtime.block_on(reports::run(&herald, messages, engine))
        }
    }
}

fn engine(database: &str, postgres_url: String) -> anyhow::Result<database::Engine> {
    Ok(match database {
        "sqlite" => database::Engine::Sqlite,
        "postgres" => database::Engine::Postgres(postgres_url),
        other => anyhow::bail!("--database must be sqlite or postgres, not {other}"),
    })
}
